from datetime import date

from django import template

register = template.Library()


@register.filter
def iso_long_date(value: str) -> str:
    """ "2027-03-31" as "31 March 2027" (the preview keeps dates as ISO text in JSON)."""
    if not value:
        return ""
    try:
        return f"{date.fromisoformat(value):%-d %B %Y}"
    except ValueError:
        return value
