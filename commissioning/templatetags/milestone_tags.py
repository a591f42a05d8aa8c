"""Template filters for milestones and cycles: when a milestone falls, in London words, and tag colours."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import format_html

from common.dates import long_date, moment_words
from common.history import person_name

register = template.Library()


@register.filter
def milestone_when(milestone) -> str:
    """16 March 2026; 12 March 2026 at midday; 8 June 2026, 10am to 11:30am (London time)."""
    if milestone.due_at is None:
        return long_date(milestone.due_on)
    return moment_words(milestone.due_at, milestone.ends_at)


@register.simple_tag(takes_context=True)
def milestone_status(context, milestone) -> str:
    """The one status tag of a milestone on every page: ``{% milestone_status milestone %}``.

    Its words and colour come from ``Milestone.shown_status`` on the page's ``today`` (else
    today in London); an overdue one says by how long ("Overdue by 260 days").
    """
    today = context.get("today") or timezone.localdate()
    shown = milestone.shown_status(today)
    label = shown.label
    if shown.key == "overdue":
        days = (today - milestone.due_on).days
        label = f"{label} by {days:,} day{pluralize(days)}"
    return format_html(
        '<strong class="govuk-tag govuk-tag--{} app-milestone-status" data-status="{}">{}</strong>',
        shown.colour,
        shown.key,
        label,
    )


STAGE_TAGS = {
    "needs_assessment": "govuk-tag--grey",
    "strategy": "govuk-tag--purple",
    "market_engagement": "govuk-tag--light-blue",
    "procurement": "govuk-tag--blue",
    "evaluation": "govuk-tag--yellow",
    "award": "govuk-tag--orange",
    "mobilisation": "govuk-tag--turquoise",
    "live": "govuk-tag--green",
}


@register.filter
def stage_tag(stage) -> str:
    return STAGE_TAGS.get(str(stage), "govuk-tag--grey")


@register.filter
def officer_name(user) -> str:
    return person_name(user, nobody="")
