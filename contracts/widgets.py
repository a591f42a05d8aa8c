"""Form widgets in the GOV.UK Design System's patterns."""

from datetime import date

from django import forms


class GovukDateInput(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input), read back as an ISO date string.

    Incomplete or impossible dates come back as text the DateField cannot parse, so the form
    shows its "real date" error next to the field instead of silently dropping the value.
    """

    template_name = "govuk/widgets/date_input.html"
    is_date_input = True

    def __init__(self, attrs=None):
        box = {"class": "govuk-input govuk-date-input__input", "inputmode": "numeric"}
        widgets = {
            "day": forms.TextInput({**box, "class": box["class"] + " govuk-input--width-2"}),
            "month": forms.TextInput({**box, "class": box["class"] + " govuk-input--width-2"}),
            "year": forms.TextInput({**box, "class": box["class"] + " govuk-input--width-4"}),
        }
        super().__init__(widgets, attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for sub, label in zip(context["widget"]["subwidgets"], ("Day", "Month", "Year")):
            sub["label"] = label
            # Django numbers the boxes (_0, _1, _2); the error summary links to id_for_label's _day.
            if sub["attrs"].get("id"):
                sub["attrs"]["id"] = f"{context['widget']['attrs']['id']}_{label.lower()}"
            if self.attrs.get("aria-invalid") or (attrs or {}).get("aria-invalid"):
                sub["attrs"]["class"] += " govuk-input--error"
        return context

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        day, month, year = ((data.get(f"{name}_{part}") or "").strip() for part in ("day", "month", "year"))
        if not (day or month or year):
            return None
        if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return f"{year}-{month}-{day}"

    def id_for_label(self, id_):
        return f"{id_}_day" if id_ else id_


class GovukDateField(forms.DateField):
    widget = GovukDateInput
    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": "Enter a real date, for example 27 3 2027"}
