"""The Notices section of the contract and cycle pages, and small filters for notices."""

from __future__ import annotations

from django import template
from django.utils import timezone

from common.dates import long_date, now_earlier_later

from ..notice_types import notice_type_label
from ..selectors import notices_section
from ..validators import is_web_address

register = template.Library()


@register.inclusion_tag("notices/section.html", takes_context=True)
def notices_panel(context, subject, heading_level="h2"):
    """``{% notices_panel contract %}`` or ``{% notices_panel cycle %}``: notices in order, what each
    changed, open disagreements, and the Procurement Act duties with their actions."""
    request = context.get("request")
    section = notices_section(subject, request.user)
    today = timezone.localdate()
    return {
        **section,
        **duties_by_when(section["duties"], today),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "today": today,
    }


def duties_by_when(duties, today) -> dict:
    """The duties shown open (``common.dates.now_earlier_later``) and those behind a Details."""
    now, earlier, later = now_earlier_later(
        duties, today, day=lambda duty: duty.due_on, settled=lambda duty: duty.status != duty.Status.DUE
    )
    return {"duties_now": now, "duties_earlier": earlier, "duties_later": later}


@register.filter
def web_link(value: object) -> bool:
    """``{% if notice.url|web_link %}``: only an http or https address is shown as a link."""
    return is_web_address(value)


@register.filter
def notice_type_name(code: str) -> str:
    return notice_type_label(code)


@register.filter
def published_day(notice) -> str:
    """The day a notice was published, in London; with the time when Find a Tender gave one."""
    if notice.source == "recorded":
        return long_date(timezone.localtime(notice.published_at).date())
    return long_date(notice.published_at)


DUTY_TAGS = {
    "due": "govuk-tag--blue",
    "met": "govuk-tag--green",
    "not_applicable": "govuk-tag--grey",
    "lapsed": "govuk-tag--grey",
}


@register.filter
def duty_tag(duty) -> str:
    if _done_by_milestone(duty):
        return DUTY_TAGS.get("met", "govuk-tag--grey")
    if duty.status == "due" and duty.kind != "standstill_end" and duty.due_on < timezone.localdate():
        return "govuk-tag--red"
    return DUTY_TAGS.get(duty.status, "govuk-tag--grey")


def _done_by_milestone(duty) -> bool:
    """A duty that is not a notice is done when its milestone is met, before the next sync says so."""
    if duty.needs_a_notice or duty.kind == "standstill_end" or duty.status not in ("due", "met"):
        return False
    return duty.status == "met" or (duty.milestone is not None and duty.milestone.status == "met")


@register.filter
def duty_status(duty) -> str:
    """Due, Overdue, Notice published, Does not apply; a standstill is Running or Ended; other duties are Done."""
    if duty.status == "due" and duty.kind == "standstill_end":
        return "Ended" if duty.due_on < timezone.localdate() else "Running"
    if _done_by_milestone(duty):
        return "Done"
    if duty.status == "due" and duty.due_on < timezone.localdate():
        return "Overdue"
    return duty.get_status_display()
