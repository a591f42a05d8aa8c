"""Officers' view of reminders, and the acknowledge link from an email."""

from __future__ import annotations

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
from common import history
from common.views import Permission

from .emails import london_words, read_acknowledge_token
from .planning import reminders_plan_for_milestone
from .selectors import TABS, reminder_tab, reminders_for_list


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
    """The link in a reminder email. The signature is the authority; GET only asks, POST acts."""

    template_name = "reminders/acknowledge.html"

    def _milestone(self, token):
        try:
            milestone_id, email = read_acknowledge_token(token)
        except signing.BadSignature:
            return None, None
        return Milestone.objects.filter(pk=milestone_id).select_related("contract", "cycle").first(), email

    def get(self, request, token):
        milestone, email = self._milestone(token)
        if milestone is None:
            return render(request, "reminders/acknowledge_invalid.html", status=404)
        return render(request, self.template_name, {"milestone": milestone, "email": email, "due_words": london_words(milestone)})

    def post(self, request, token):
        milestone, email = self._milestone(token)
        if milestone is None:
            return render(request, "reminders/acknowledge_invalid.html", status=404)
        with transaction.atomic():
            locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
            if not locked.acknowledged_at:
                locked.acknowledged_at, locked.acknowledged_by = timezone.now(), email
                history.record(locked, officer=None, reason=f"Reminders acknowledged by {email}")
                locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
            reminders_plan_for_milestone(milestone=locked)
        return render(
            request, "reminders/acknowledged.html", {"milestone": locked, "due_words": london_words(locked)}
        )
