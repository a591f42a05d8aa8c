"""The service navigation: one list, each item shown only to those allowed to open it."""

from django.urls import reverse

from access import policy

# (label, URL name, permission needed or an access.policy rule, the URL prefix that marks the item as current)
ITEMS = [
    ("Dashboard", "commissioning:dashboard", "commissioning.view_milestone", None),
    ("Contracts", "contracts:register", "contracts.view_contract", "/contracts/"),
    ("Organisations", "contracts:organisation-list", "contracts.view_organisation", "/contracts/organisations/"),
    ("Cycles", "commissioning:cycle-list", "commissioning.view_commissioningcycle", "/cycles/"),
    ("Timeline", "commissioning:timeline", "contracts.view_contract", "/timeline/"),
    ("Reminders", "reminders:list", "reminders.view_reminder", "/reminders/"),
    ("Notices", "notices:list", "notices.view_notice", "/notices/"),
    ("Market", "notices:market", policy.sees_market, "/notices/market/"),
    ("Reports", "reports:list", "reports.view_decisionreport", "/reports/"),
    ("Import contracts", "registers:import", "contracts.add_contract", "/contracts/import/"),
    ("Your calendar", "commissioning:calendar-settings", None, "/calendar/"),
    ("API tokens", "api:token-list", None, "/api/tokens/"),
    ("Audit", "audit", policy.sees_audit_trail, "/audit/"),
    ("Two-step verification", "two-factor-setup", policy.may_use_second_factor, "/accounts/two-step/"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for label, url_name, permission, prefix in ITEMS:
        if callable(permission) and not permission(user):
            continue
        if isinstance(permission, str) and not user.has_perm(permission):
            continue
        url = reverse(url_name)
        items.append({"label": label, "url": url, "prefix": prefix or url})
    # The longest matching prefix wins, so Organisations is current rather than Contracts.
    matches = [
        item
        for item in items
        if request.path == item["url"] or (item["prefix"] != "/" and request.path.startswith(item["prefix"]))
    ]
    current = max(matches, key=lambda item: len(item["prefix"]), default=None)
    for item in items:
        item["active"] = item is current
    return {"navigation": items}
