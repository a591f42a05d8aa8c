"""Officers' view of reminders, and the acknowledge link from an email."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, TemplateView

from access import policy
from commissioning.models import Milestone
from common import history
from common.keyset import keyset_page_asked
from common.views import Permission

from .emails import LinkExpired, build_message, london_words, read_acknowledge_token
from .forms import QuietDaysForm, ReminderFilterForm
from .planning import reminders_plan_for_milestone
from .selectors import (
    TABS,
    reminder_keys,
    reminder_tab,
    reminder_tab_counts,
    reminders_for_list,
    reminders_sent_together,
    with_milestones_read_after,
)
from .services import quiet_days_add, quiet_days_remove

security_log = logging.getLogger("tracker.security")
REMINDERS_PAGE_SIZE = 50


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _filters_asked(query) -> dict[str, list[str]]:
    """The filters in the page's address as typed (so a tab shows them again, errors and all),
    without the tab, the page's cursor or the team (given as chosen)."""
    return {
        name: query.getlist(name)
        for name in query
        if name not in {"show", "after", "before", "last", "page", "team", "team_name"}
    }


class ReminderListView(Permission, TemplateView):
    """A tab of reminders, a keyset page at a time, with each tab's number capped. An admin's
    page opens on their own team, "All teams" a choice (issue 24: an admin's page counted and
    sorted every reminder of the service, 1.5 s at 10,000 contracts)."""

    permission_required = "reminders.view_reminder"
    template_name = "reminders/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        tab = reminder_tab(self.request.GET.get("show"))
        form = ReminderFilterForm.opening(self.request)
        filters = form.filters() if form.is_bound else {}
        team = filters.get("team")
        reminders = reminders_for_list(user=user, tab=tab, **filters)
        # Keyset pagination: the next 50 after the last row shown, never OFFSET; page.count is
        # never asked for (the tabs give their number, capped).
        page = keyset_page_asked(
            with_milestones_read_after(reminders),
            reminder_keys(tab),
            size=REMINDERS_PAGE_SIZE,
            query=self.request.GET,
        )
        # The tabs and downloads keep the team on screen: "team=" is every team. A tab also keeps
        # the other filters, which its number counts, and starts at its first page.
        keep = {"team": team.pk if team is not None else ""}
        tab_query = _filters_asked(self.request.GET) | keep
        return super().get_context_data(
            tab=tab,
            tabs=[
                (count, urlencode({"show": count.key, **tab_query}, doseq=True))
                for count in reminder_tab_counts(user=user, **filters)
            ],
            label=TABS[tab][0],
            page=page,
            form=form,
            team=team,
            team_param=keep["team"],
            filtered=bool(set(filters) - {"team"}),
            **kwargs,
        )


class ReminderPreviewView(Permission, TemplateView):
    """A reminder's email exactly as it will be (or was) sent, with any others it goes out with."""

    permission_required = "reminders.view_reminder"
    template_name = "reminders/preview.html"

    def get_context_data(self, **kwargs):
        visible = policy.reminders_visible_to(self.request.user)
        reminder = get_object_or_404(visible, pk=self.kwargs["pk"])
        together = reminders_sent_together(reminder)
        # Which of them the person may see: one query, however many deadlines the email lists.
        seen = set(visible.filter(pk__in=[r.pk for r in together]).values_list("pk", flat=True))
        shown = [r for r in together if r.pk in seen]
        moment = reminder.sent_at or max(reminder.send_at, timezone.now())
        message = build_message(shown, now=moment, preview=True)
        html = next((content for content, kind in message.alternatives if kind == "text/html"), "")
        return super().get_context_data(
            reminder=reminder, message=message, html=html, hidden=len(together) - len(shown), when=moment, **kwargs
        )


class QuietDaysView(LoginRequiredMixin, FormView):
    """An officer's own quiet days: while away, their reminders go to the team mailbox and their manager."""

    template_name = "reminders/quiet_days.html"
    form_class = QuietDaysForm

    def get_context_data(self, **kwargs):
        days = self.request.user.quiet_days.filter(last_day__gte=timezone.localdate())
        return super().get_context_data(quiet_days=days, **kwargs)

    def form_valid(self, form):
        quiet_days_add(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, "Quiet days added: your reminders for those days go to your team and manager")
        return redirect("reminders:quiet-days")

    def post(self, request, *args, **kwargs):
        if remove := request.POST.get("remove"):
            if not remove.isdigit() or not quiet_days_remove(user=request.user, quiet_days_id=int(remove)):
                messages.error(request, "Those quiet days were not found; nothing was changed")
            else:
                messages.success(request, "Quiet days removed")
            return redirect("reminders:quiet-days")
        return super().post(request, *args, **kwargs)


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
        return render(
            request,
            self.template_name,
            {
                "milestone": milestone,
                "email": reminder.recipient_email,
                "due_words": london_words(milestone),
            },
        )

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
                history.record(
                    locked,
                    officer=None,
                    reason=(
                        f"Reminders stopped by {email} with the link in their reminder email "
                        f"({reminder.get_purpose_display().lower()}, {reminder.offset}{signed_in})"
                    ),
                )
                locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
                security_log.info(
                    "reminders stopped from an email link",
                    extra={
                        "user": email,
                        "signed_in_as": request.user.get_username() if request.user.is_authenticated else "",
                        "reminder": reminder.pk,
                        "milestone": locked.pk,
                        "address": _address(request),
                    },
                )
            reminders_plan_for_milestone(milestone=locked)
        return render(request, "reminders/acknowledged.html", {"milestone": locked, "due_words": london_words(locked)})
