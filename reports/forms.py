"""Forms for performance records and decision reports. Messages are the ones the GOV.UK error
summary shows; each field's error also shows beside it."""

from __future__ import annotations

from django import forms

from access import policy
from contracts.models import Contract, ExtensionOption
from contracts.widgets import GovukDateField

from . import checklist, kpi_csv
from .models import (
    IMPLICATION_FIELDS,
    DecisionReport,
    KpiResult,
    MonitoringReturn,
    QualityAssessment,
    ReportOption,
)
from .quarters import financial_year_label, parse_financial_year

MAX_UPLOAD_BYTES = 1_000_000


class GovukRadios(forms.RadioSelect):
    """Radios whose first button carries the field's own id, so the error summary's link lands on it."""

    def id_for_label(self, id_, index=None):
        if index is None or str(index) == "0":
            return id_
        return f"{id_}_{index}"


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contract):
        return f"{contract.reference}: {contract.title}"


class OptionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, option):
        return f"{option.contract.reference}, option {option.sequence}: {option.length_label} ({option.get_status_display().lower()})"


def _number_messages(example: str) -> dict:
    return {
        "invalid": f"Enter a number, for example {example}",
        "max_digits": "Enter a smaller number",
        "max_decimal_places": "Enter the number with no more than 2 decimal places",
        "max_whole_digits": "Enter a smaller number",
    }


# --- performance --------------------------------------------------------------------------


class MonitoringReturnForm(forms.ModelForm):
    financial_year = forms.CharField(
        label="Financial year",
        max_length=9,
        help_text="For example, 2016/17",
        error_messages={"required": "Enter the financial year, for example 2016/17"},
    )
    received_on = GovukDateField(label="Received on", required=False, help_text="For example, 20 1 2017")

    class Meta:
        model = MonitoringReturn
        fields = ["quarter", "received_on", "notes"]
        widgets = {"quarter": GovukRadios}
        error_messages = {"quarter": {"required": "Select the quarter", "invalid_choice": "Select the quarter"}}

    field_order = ["financial_year", "quarter", "received_on", "notes"]

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.fields["financial_year"].widget.attrs.update({"class": "govuk-input--width-5"})
        self.fields["notes"].widget.attrs["rows"] = 3
        self.fields["quarter"].choices = [c for c in self.fields["quarter"].choices if c[0] != ""]
        if self.instance.pk:
            self.initial["financial_year"] = financial_year_label(self.instance.year)

    def clean_financial_year(self):
        text = self.cleaned_data["financial_year"]
        try:
            year = parse_financial_year(text)
        except ValueError:
            raise forms.ValidationError("Enter the financial year as two years, for example 2016/17") from None
        if not 2000 <= year <= 2098:
            raise forms.ValidationError("Enter a financial year from 2000/01 to 2098/99")
        return year

    def clean(self):
        cleaned = super().clean()
        year, quarter = cleaned.get("financial_year"), cleaned.get("quarter")
        if year and quarter:
            clash = MonitoringReturn.objects.filter(contract=self.contract, year=year, quarter=quarter)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "quarter",
                    f"There is already a return for {financial_year_label(year)} Q{quarter}: change that one instead",
                )
        return cleaned

    def _post_clean(self):
        self.instance.contract = self.contract
        if self.cleaned_data.get("financial_year"):
            self.instance.year = self.cleaned_data["financial_year"]
        super()._post_clean()


class KpiResultForm(forms.ModelForm):
    class Meta:
        model = KpiResult
        fields = ["service", "name", "unit", "target", "actual", "higher_is_better"]
        labels = {"name": "Indicator", "target": "Target", "actual": "Actual"}
        help_texts = {
            "name": "For example, New referrals responded to within 24 hours",
            "target": "Leave empty if the indicator has no target",
        }
        error_messages = {
            "name": {"required": "Enter what the indicator measures"},
            "unit": {"required": "Select the unit"},
            "actual": {"required": "Enter the figure achieved", **_number_messages("99")},
            "target": _number_messages("100"),
        }

    def __init__(self, *args, monitoring_return: MonitoringReturn, **kwargs):
        super().__init__(*args, **kwargs)
        self.monitoring_return = monitoring_return
        for name in ("target", "actual"):
            self.fields[name].widget = forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"})
        self.fields["service"].widget.attrs.update({"class": "govuk-input--width-20"})

    def clean(self):
        cleaned = super().clean()
        name, service = cleaned.get("name"), cleaned.get("service") or ""
        if name:
            clash = KpiResult.objects.filter(
                monitoring_return=self.monitoring_return, service__iexact=service, name__iexact=name
            )
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "name", "This return already has this indicator for this service: change that one instead"
                )
        return cleaned

    def _post_clean(self):
        self.instance.monitoring_return = self.monitoring_return
        super()._post_clean()


class KpiImportForm(forms.Form):
    file = forms.FileField(
        label="Upload the provider's CSV file",
        error_messages={"required": "Select the CSV file", "empty": "The selected file is empty"},
    )
    received_on = GovukDateField(label="Received on", required=False, help_text="For example, 20 1 2017")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("The selected file must be a CSV")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 1 MB")
        data = upload.read()
        try:
            kpi_csv.parse(kpi_csv.decode(data))
        except kpi_csv.KpiFileError as error:
            raise forms.ValidationError([str(problem) for problem in error.problems]) from None
        self.cleaned_data["data"] = data
        return upload


class QualityAssessmentForm(forms.ModelForm):
    assessed_on = GovukDateField(
        label="Date of the assessment", error_messages={"required": "Enter the date of the assessment"}
    )
    follow_up_on = GovukDateField(label="Date of the follow-up", required=False, help_text="For example, 1 7 2016")

    class Meta:
        model = QualityAssessment
        fields = ["service", "assessed_on", "score", "action_plan", "follow_up_on", "follow_up_score", "notes"]
        labels = {"score": "Score (%)", "follow_up_score": "Score after the action plan (%)"}
        error_messages = {
            "service": {"required": "Enter the service assessed"},
            "score": {"required": "Enter the score", **_number_messages("83")},
            "follow_up_score": _number_messages("90"),
        }

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        for name in ("score", "follow_up_score"):
            self.fields[name].widget = forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "decimal"})
        for name in ("action_plan", "notes"):
            self.fields[name].widget.attrs["rows"] = 3

    def _post_clean(self):
        self.instance.contract = self.contract
        super()._post_clean()


# --- decision reports ---------------------------------------------------------------------


class ReportDetailsForm(forms.ModelForm):
    """What the report is about and who it is from (starting a report, and editing a draft)."""

    contract = ContractChoiceField(queryset=Contract.objects.none(), required=False, label="Contract")
    option = OptionChoiceField(
        queryset=ExtensionOption.objects.none(),
        required=False,
        label="Extension option",
        help_text="Needed for a contract extension only: the option the report asks to exercise",
    )
    meeting_date = GovukDateField(label="Meeting or decision date", required=False, help_text="For example, 14 3 2017")

    class Meta:
        model = DecisionReport
        fields = [
            "kind",
            "contract",
            "option",
            "cycle",
            "title",
            "decision_route",
            "meeting_date",
            "responsible_member",
            "sponsor",
            "author",
            "author_contact",
        ]
        widgets = {"kind": GovukRadios, "decision_route": GovukRadios}
        labels = {"cycle": "Commissioning cycle"}
        error_messages = {
            "kind": {"required": "Select the type of report", "invalid_choice": "Select the type of report"},
            "decision_route": {"required": "Select the decision route", "invalid_choice": "Select the decision route"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        contracts = policy.contracts_editable_by(user).select_related("buyer").order_by("reference")
        self.fields["contract"].queryset = contracts
        self.fields["option"].queryset = (
            ExtensionOption.objects.filter(contract__in=contracts)
            .select_related("contract")
            .order_by("contract__reference", "sequence")
        )
        self.fields["cycle"].queryset = policy.cycles_visible_to(user).order_by("name")
        self.fields["cycle"].required = False
        for name in ("kind", "decision_route"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.fields["responsible_member"].help_text += ". Not needed for a delegated officer decision"
        # The subject fields are checked against the type of report (DecisionReport.clean); the
        # meeting and the people are needed before the report is submitted, not to save a draft.
        _mark_optional(self, tuple(name for name in self.fields if name not in ("title", "author_contact")))


def _mark_optional(form: forms.ModelForm, needed: tuple[str, ...]) -> None:
    """Drafts save half-written, so no field is required; those the report type does not need
    to be submitted say "(optional)", and the others never do (issue 23: nothing marked
    optional is demanded later)."""
    for name, field in form.fields.items():
        if name not in needed and not isinstance(field, forms.BooleanField) and not field.label.endswith("(optional)"):
            field.label = f"{field.label} (optional)"


class ReportSectionsForm(forms.ModelForm):
    class Meta:
        model = DecisionReport
        fields = [
            "executive_summary",
            "recommendations",
            "context",
            "achievements",
            "background",
            "contract_management",
            "background_papers",
        ]
        help_texts = {
            "achievements": "The KPI tables come from the monitoring returns; write what the figures mean",
            "contract_management": (
                "The senior client officer and the governance processes. The quality scores come from "
                "the quality assessments"
            ),
            "background_papers": "Leave empty for none",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.instance
        for name in [name for name in self.fields if name not in checklist.section_fields(report)]:
            del self.fields[name]
        kind = report.kind
        if kind == DecisionReport.Kind.RECOMMISSIONING:
            summary = (
                "Why the service is being recommissioned. The tracker adds the cycle's stage, start date and value"
            )
            recommendations = (
                "The tracker writes the first recommendation from the route the appraisal recommends. "
                "Add any others here, one per paragraph"
            )
            self.fields[
                "background"
            ].help_text = "The tracker adds the contracts the cycle replaces and the continuity of cover"
        elif kind == DecisionReport.Kind.DECOMMISSIONING:
            summary = "Why the service is ending. The tracker adds the contract's dates and annual value"
            recommendations = (
                "The tracker writes the first recommendation itself. Add any others here, one per paragraph"
            )
        elif kind == DecisionReport.Kind.EXTENSION:
            summary = (
                "Why the decision is needed. The tracker adds the contract's dates, the option and its "
                "new end date, and the values"
            )
            recommendations = (
                "The tracker writes the first recommendation itself. Add any others here, one per paragraph"
            )
        else:
            summary = "Why the decision is needed. The tracker adds the contract's dates and values"
            recommendations = "Write each recommendation as its own paragraph"
        self.fields["executive_summary"].help_text = summary
        self.fields["recommendations"].help_text = recommendations
        needed = ("executive_summary",) + (("recommendations",) if kind == DecisionReport.Kind.AWARD else ())
        _mark_optional(self, needed)
        for field in self.fields.values():
            field.widget.attrs["rows"] = 6


class ReportImplicationsForm(forms.ModelForm):
    eia_date = GovukDateField(
        label="Date of the equality impact assessment", required=False, help_text="For example, 3 2 2027"
    )

    class Meta:
        model = DecisionReport
        fields = [
            "policy_implications",
            "resources_and_risk",
            "legal_implications",
            "equalities_implications",
            "eia_reference",
            "eia_date",
            "risk_implications",
            "carbon_and_energy",
            "social_value",
            *IMPLICATION_FIELDS,
        ]
        labels = {
            "policy_implications": "Policy",
            "resources_and_risk": "Financial",
            "legal_implications": "Legal",
            "equalities_implications": "Equalities",
            "eia_reference": "Equality impact assessment reference",
            "risk_implications": "Risk",
            "carbon_and_energy": "Carbon and energy",
            "social_value": "Social value",
        }
        help_texts = {
            "legal_implications": "The tracker adds the contract's start, term and options",
            "equalities_implications": "The effect on people with protected characteristics (Equality Act 2010 s.149)",
            "risk_implications": "What could go wrong, how likely it is, and what reduces it",
            "carbon_and_energy": "Leave empty for 'Not applicable'",
        }

    TEXTS = (
        "policy_implications",
        "resources_and_risk",
        "legal_implications",
        "equalities_implications",
        "risk_implications",
        "carbon_and_energy",
        "social_value",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.instance
        self.fields["resources_and_risk"].help_text = {
            DecisionReport.Kind.EXTENSION: "The tracker adds the annual value and the value of the extension",
            DecisionReport.Kind.RECOMMISSIONING: "The tracker adds the estimated value with and without VAT",
        }.get(report.kind, "The tracker adds the contract's annual value")
        self.fields["social_value"].help_text = (
            "How the procurement will consider economic, social and environmental well-being, as the Public "
            "Services (Social Value) Act 2012 requires before procuring"
            if report.kind == DecisionReport.Kind.RECOMMISSIONING
            else "Leave empty for 'Not applicable': the Public Services (Social Value) Act 2012 duty applies when procuring"
        )
        self.fields["eia_reference"].widget.attrs["class"] = "govuk-input--width-20"
        _mark_optional(self, checklist.implications_needed(report) + ("eia_date",))
        self.fields["eia_date"].label = "Date of the equality impact assessment"  # needed with a reference
        self.fields["eia_date"].help_text = "Needed if you give its reference. For example, 3 2 2027"
        for name in self.TEXTS:
            self.fields[name].widget.attrs["rows"] = 5

    def clean(self):
        cleaned = super().clean()
        reference, day = (cleaned.get("eia_reference") or "").strip(), cleaned.get("eia_date")
        if reference and not day and "eia_date" not in self.errors:
            self.add_error("eia_date", "Enter the date of the equality impact assessment")
        if day and not reference:
            self.add_error("eia_reference", "Enter the reference of the equality impact assessment")
        return cleaned


class OptionsAppraisalForm(forms.Form):
    """The options of the appraisal (or the procurement routes), and which one the report recommends."""

    recommended = forms.ChoiceField(label="Which option does the report recommend?", required=False, widget=GovukRadios)

    TEXTS = ("description", "benefits", "risks")

    def __init__(self, *args, options: list[ReportOption], **kwargs):
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["recommended"].choices = [
            *[(option.kind, f"Option {option.number}: {option.heading}") for option in options],
            ("", "Not decided yet"),
        ]
        for option in options:
            for text in self.TEXTS:
                self.fields[f"{option.kind}_{text}"] = forms.CharField(
                    label=text.capitalize() if text == "description" else f"{text.capitalize()} (optional)",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3 if text != "description" else 4}),
                    initial=getattr(option, text),
                )
        recommended = next((o.kind for o in options if o.is_recommended), "")
        self.fields["recommended"].initial = recommended

    def groups(self):
        """(option, its three bound fields) for the template."""
        return [(option, [self[f"{option.kind}_{text}"] for text in self.TEXTS]) for option in self.options]

    def texts(self) -> dict[str, dict[str, str]]:
        return {
            option.kind: {text: self.cleaned_data[f"{option.kind}_{text}"].strip() for text in self.TEXTS}
            for option in self.options
        }


class ReturnToDraftForm(forms.Form):
    reason = forms.CharField(
        label="Why is the report going back to draft?",
        max_length=80,
        help_text="The author sees this in the report's history",
        error_messages={"required": "Enter why the report is going back to draft"},
    )


class ReportDocxUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload the report's Word document",
        help_text="The .docx downloaded from this report, with your text written under its headings",
        error_messages={"required": "Select the Word document", "empty": "The selected file is empty"},
    )

    def clean_file(self):
        from .docx import MAX_DOCX_BYTES

        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError("The selected file must be a Word document (.docx)")
        if upload.size > MAX_DOCX_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {MAX_DOCX_BYTES // 1_000_000} MB")
        self.cleaned_data["data"] = upload.read()
        return upload
