"""The service navigation: the pages officers use every day in one row, and the settings and
technical pages (imports, API tokens, the audit trail) in a secondary area, "Settings and
tools", linked from the header beside the person's name and "Sign out" (issue 25). Each item
is shown only to those allowed to open it."""

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
    ("Reports", "reports:list", "reports.view_decisionreport", "/reports/"),
]

# The secondary area, "Settings and tools": (label, URL name, permission or rule, what it is for).
TOOLS = [
    ("Your calendar", "commissioning:calendar-settings", None, "Add your milestones to Outlook or another calendar"),
    ("Market watch", "notices:market", policy.sees_market, "Other councils' notices for the services you buy"),
    (
        "Import contracts",
        "registers:import",
        "contracts.add_contract",
        "Add or update many contracts at once from a spreadsheet",
    ),
    ("Import notices", "notices:import", "notices.add_notice", "Read a file of notices downloaded from Find a Tender"),
    ("API tokens", "api:token-list", None, "Keys for programs that read the tracker's data"),
    ("Two-step verification", "two-factor-setup", policy.may_use_second_factor, "Protect your account with a code"),
    ("Audit", "audit", policy.sees_audit_trail, "Who changed what, across the whole tracker"),
]


def _allowed(user, permission) -> bool:
    if callable(permission):
        return permission(user)
    if isinstance(permission, str):
        return user.has_perm(permission)
    return True


def tools_for(user) -> list[dict]:
    """The secondary area's pages this person may open, for the "Settings and tools" page."""
    items = [
        {"label": label, "url": reverse(url_name), "about": about}
        for label, url_name, permission, about in TOOLS
        if _allowed(user, permission)
    ]
    if user.is_staff:
        items.append({"label": "Admin", "url": reverse("admin:index"), "about": "Django's administration pages"})
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for label, url_name, permission, prefix in ITEMS:
        if not _allowed(user, permission):
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


def pages_for(user) -> dict[str, str]:
    """Every page this person's navigation links to, by label: the main row, "Settings and tools"
    and the pages it lists, but not the Django admin (not the tracker's own pages).

    The one list of "every page in the navigation" (issue 24): tests/test_navigation_queries.py
    counts each page's queries and bench.web measures each page, so neither can miss a page the
    other visits.
    """
    pages = {label: reverse(url_name) for label, url_name, permission, _ in ITEMS if _allowed(user, permission)}
    pages["Settings and tools"] = reverse("tools")
    pages.update({item["label"]: item["url"] for item in tools_for(user) if item["label"] != "Admin"})
    return pages
