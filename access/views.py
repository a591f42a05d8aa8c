"""Error pages in the service's own look; a refusal is logged with who and what."""

import logging

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.generic import TemplateView

from contracts.forms import offer_or_search
from contracts.widgets import GovukDateField

from . import audit, policy

log = logging.getLogger("tracker.security")


def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    log.warning(
        "permission refused",
        extra={"user": user.get_username() if user and user.is_authenticated else "", "path": request.path},
    )
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


AUDIT_PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label="Person", required=False, empty_label="Everyone", queryset=get_user_model().objects.order_by("username")
    )
    # Typed instead of chosen when there are more people than a list holds (a national shared
    # service's thousands of officers: the page grew from 93 KB to 551 KB, issue 24).
    person_name = forms.CharField(
        label="Person", required=False, help_text="Their username, or leave it empty for everyone"
    )
    record_type = forms.ChoiceField(label="Type of record", required=False)
    since = GovukDateField(label="From", required=False)
    until = GovukDateField(label="To", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "Every type")] + [
            (label, str(model._meta.verbose_name).capitalize()) for label, model in audit.audited_models().items()
        ]
        self.search_people = offer_or_search(self.fields["person"], self.fields["person"].queryset)

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("person_name") or "").strip()
        if name and cleaned.get("person") is None:
            found = self.fields["person"].queryset.filter(username__iexact=name).first()
            if found is None:
                self.add_error("person_name", f"No one has the username \u201c{name}\u201d")
            cleaned["person"] = found
        return cleaned


class AuditView(TemplateView):
    """Every change recorded anywhere, for admins: filtered by person, type of record and date,
    the newest 50 a page; "Older changes" starts after the last row shown (keyset pagination,
    no OFFSET)."""

    template_name = "access/audit.html"

    def dispatch(self, request, *args, **kwargs):
        if not policy.sees_audit_trail(request.user):
            raise PermissionDenied("Only administrators see the audit trail")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        after = audit.decode_cursor(self.request.GET.get("after", ""))
        rows = audit.audit_rows(
            user=filters.get("person"),
            label=filters.get("record_type") or "",
            since=filters.get("since"),
            until=filters.get("until"),
            limit=AUDIT_PAGE_SIZE + 1,
            after=after,
        )
        more = len(rows) > AUDIT_PAGE_SIZE
        rows = rows[:AUDIT_PAGE_SIZE]
        return super().get_context_data(
            form=form,
            rows=rows,
            page_size=AUDIT_PAGE_SIZE,
            older=more,
            later=after is not None,
            next_cursor=audit.encode_cursor(rows[-1]) if more else "",
            **kwargs,
        )
