"""The Monday digest: each officer's next 30 days, sent once a week."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from commissioning.models import Milestone

from .emails import absolute, london_words
from .models import DigestLog

DIGEST_DAYS = 30


def digest_milestones(user, today: date):
    return (
        Milestone.objects.open()
        .filter(owner=user, due_on__gte=today, due_on__lte=today + timedelta(days=DIGEST_DAYS))
        .select_related("contract", "cycle")
        .order_by("due_on", "due_at")
    )


def send_weekly_digests(*, today: date) -> int:
    """Send this week's digest to every active officer who owns an upcoming milestone, once.

    The DigestLog row for (officer, week) is created before the email goes, so a second run
    the same week, or a second beat, finds it and sends nothing.
    """
    week_commencing = today - timedelta(days=today.weekday())
    sent = 0
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    for user in users:
        milestones = list(digest_milestones(user, today))
        if not milestones:
            continue
        try:
            with transaction.atomic():
                log = DigestLog.objects.create(user=user, week_commencing=week_commencing)
        except IntegrityError:
            continue  # already sent this week
        context = {
            "user": user,
            "rows": [
                {"milestone": m, "due_words": london_words(m), "url": absolute(m.get_absolute_url())}
                for m in milestones
            ],
            "week_commencing": week_commencing,
            "days": DIGEST_DAYS,
        }
        message = EmailMultiAlternatives(
            subject=f"Your deadlines for the next {DIGEST_DAYS} days (week commencing {week_commencing:%-d %B %Y})",
            body=render_to_string("reminders/email/digest.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach_alternative(render_to_string("reminders/email/digest.html", context), "text/html")
        message.send()
        DigestLog.objects.filter(pk=log.pk).update(sent_at=timezone.now(), milestone_count=len(milestones))
        sent += 1
    return sent
