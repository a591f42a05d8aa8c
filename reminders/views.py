"""Officers' view of reminders, and the acknowledge link from an email."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.generic import TemplateView

from access import policy
from commissioning.models import Milestone
from contracts.views import Permission

from .emails import LinkExpired, london_words, read_acknowledge_token
from .planning import reminders_plan_for_milestone
from .selectors import TABS, reminder_tab, reminders_for_list

security_log = logging.getLogger("tracker.security")


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ReminderListView(Permission, TemplateView):
    permission_required = "reminders.view_reminder"
    template_name = "reminders/list.html"

    def get_context_data(self, **kwargs):
        tab = reminder_tab(self.request.GET.get("show"))
        reminders = reminders_for_list(user=self.request.user, tab=tab, mine=bool(self.request.GET.get("mine")))
        page = Paginator(reminders, 50).get_page(self.request.GET.get("page"))
        visible = policy.reminders_visible_to(self.request.user)
        counts = {
            key: visible.filter(status__in=statuses_).count() for key, (_, statuses_, _) in TABS.items()
        }
        return super().get_context_data(
            tab=tab, tabs=[(key, value[0], counts[key]) for key, value in TABS.items()], label=TABS[tab][0],
            page=page, **kwargs
        )


@method_decorator(login_not_required, name="dispatch")
class AcknowledgeView(View):
    """The "stop reminders" link in a reminder email. GET only asks; POST acts.

    The signed link is the authority, so it is narrow: it names one reminder, is honoured only
    for that reminder's milestone and recipient, stops working once the milestone is met,
    cancelled or past, and every use is written to the security log and the milestone's history.
    """

    template_name = "reminders/acknowledge.html"

    def _reminder(self, request, token):
        try:
            return read_acknowledge_token(token), None
        except LinkExpired as expired:
            return None, render(request, "reminders/acknowledge_expired.html", {"reason": str(expired)}, status=410)
        except signing.BadSignature:
            security_log.warning("stop-reminders link refused", extra={"address": _address(request)})
            return None, render(request, "reminders/acknowledge_invalid.html", status=404)

    def get(self, request, token):
        reminder, refused = self._reminder(request, token)
        if refused:
            return refused
        milestone = reminder.milestone
        return render(request, self.template_name, {
            "milestone": milestone, "email": reminder.recipient_email, "due_words": london_words(milestone),
        })

    def post(self, request, token):
        reminder, refused = self._reminder(request, token)
        if refused:
            return refused
        email = reminder.recipient_email
        signed_in = f", signed in as {request.user.get_username()}" if request.user.is_authenticated else ""
        with transaction.atomic():
            locked = Milestone.objects.select_for_update().get(pk=reminder.milestone_id)
            if not locked.acknowledged_at:
                locked.acknowledged_at, locked.acknowledged_by = timezone.now(), email
                locked._change_reason = (
                    f"Reminders stopped by {email} with the link in their reminder email "
                    f"({reminder.get_purpose_display().lower()}, {reminder.offset}{signed_in})"
                )
                locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
                security_log.info(
                    "reminders stopped from an email link",
                    extra={"user": email, "signed_in_as": request.user.get_username() if request.user.is_authenticated else "",
                           "reminder": reminder.pk, "milestone": locked.pk, "address": _address(request)},
                )
            reminders_plan_for_milestone(milestone=locked)
        return render(
            request, "reminders/acknowledged.html", {"milestone": locked, "due_words": london_words(locked)}
        )
