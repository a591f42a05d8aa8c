"""Forms for the facts the Procurement Act duties need: payments (UK8) and breaches (UK9)."""

from __future__ import annotations

from django import forms

from contracts.widgets import GovukDateField

from .models import ContractBreach

PAYMENTS_FILE_LIMIT = 5 * 1024 * 1024  # 5 MB: some 50,000 payments


class PaymentForm(forms.Form):
    paid_on = GovukDateField(label="Date paid", error_messages={"required": "Enter the date the payment was made"})
    amount = forms.DecimalField(
        label="Amount, including VAT",
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        error_messages={
            "required": "Enter the amount paid",
            "invalid": "Enter the amount as a number, like 40000.00",
            "min_value": "Enter an amount of more than £0",
            "max_decimal_places": "Enter the amount in pounds and pence, like 40000.50",
            "max_digits": "Enter an amount under £1 trillion",
        },
    )
    supplier = forms.CharField(label="Supplier", max_length=255, error_messages={"required": "Enter the supplier"})
    finance_reference = forms.CharField(
        label="Finance system reference",
        required=False,
        max_length=100,
        help_text="The payment or invoice number, if there is one",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})


class PaymentsImportForm(forms.Form):
    file = forms.FileField(
        label="Payments file (CSV)",
        help_text=(
            "Saved from the finance system as CSV, with a first row naming the columns: supplier, date, "
            "amount (including VAT) and contract reference; a payment reference column is used if there is one"
        ),
        error_messages={"required": "Choose a CSV file of payments", "empty": "The file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > PAYMENTS_FILE_LIMIT:
            raise forms.ValidationError("The file must be smaller than 5 MB: split it into smaller files")
        return upload


class BreachForm(forms.Form):
    occurred_on = GovukDateField(label="Date", error_messages={"required": "Enter the date"})
    what = forms.ChoiceField(
        label="What happened?",
        choices=[("", "Choose one")] + list(ContractBreach.What.choices),
        error_messages={"required": "Select what happened"},
    )
    description = forms.CharField(label="Details", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AuthoritySpendForm(forms.Form):
    buyer = forms.ModelChoiceField(
        label="Authority",
        queryset=None,
        error_messages={"required": "Select the authority"},
        empty_label="Choose the authority",
    )
    year = forms.IntegerField(
        label="Financial year starting 1 April",
        min_value=2025,
        max_value=2100,
        help_text="For example, 2026 for 1 April 2026 to 31 March 2027",
        error_messages={
            "required": "Enter the year the financial year starts",
            "invalid": "Enter a year, like 2026",
            "min_value": "Enter 2025 or later",
            "max_value": "Enter a year before 2100",
        },
    )
    expected_spend = forms.DecimalField(
        label="Expected payments under public contracts, including VAT",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        error_messages={
            "required": "Enter the expected spend",
            "invalid": "Enter the amount as a number, like 150000000",
            "min_value": "Enter an amount of £0 or more",
            "max_digits": "Enter an amount under £1 trillion",
        },
    )

    def __init__(self, *args, **kwargs):
        from contracts.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = Organisation.objects.exclude(role=Organisation.Role.PROVIDER).order_by("name")
        self.fields["year"].widget.attrs.update({"class": "govuk-input--width-4", "inputmode": "numeric"})
        self.fields["expected_spend"].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})


class MeetingsImportForm(forms.Form):
    buyer = forms.ModelChoiceField(
        label="Authority",
        queryset=None,
        error_messages={"required": "Select the authority"},
        empty_label="Choose the authority",
    )
    body = forms.CharField(
        label="Meetings that take key decisions",
        initial="Cabinet",
        max_length=100,
        help_text="The word in the meetings' titles, for example Cabinet",
        error_messages={"required": "Enter the meetings that take key decisions, for example Cabinet"},
    )
    threshold = forms.DecimalField(
        label="Key decision threshold",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text="From the council's constitution: a decision worth more than this is a key decision",
        error_messages={
            "required": "Enter the key decision threshold",
            "invalid": "Enter the amount as a number, like 500000",
            "min_value": "Enter an amount of £0 or more",
            "max_digits": "Enter an amount under £1 trillion",
        },
    )
    report_working_days = forms.IntegerField(
        label="Reports are due this many working days before the meeting",
        initial=10,
        min_value=0,
        max_value=60,
        error_messages={
            "required": "Enter how many working days before the meeting reports are due",
            "invalid": "Enter a whole number of working days, like 10",
            "min_value": "Enter 0 or more",
            "max_value": "Enter 60 or fewer",
        },
    )
    file = forms.FileField(
        label="Meeting calendar (.ics)",
        help_text="Exported from the committee system as iCalendar",
        error_messages={"required": "Choose the calendar file", "empty": "The file is empty"},
    )

    def __init__(self, *args, **kwargs):
        from contracts.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = Organisation.objects.exclude(role=Organisation.Role.PROVIDER).order_by("name")
        self.fields["threshold"].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})
        self.fields["report_working_days"].widget.attrs.update(
            {"class": "govuk-input--width-3", "inputmode": "numeric"}
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > PAYMENTS_FILE_LIMIT:
            raise forms.ValidationError("The file must be smaller than 5 MB: export a shorter period")
        return upload
