"""Forms officers fill in. Validation messages are the ones the GOV.UK error summary shows."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from access import policy
from common.history import person_name

from . import terms
from .models import Contract, ExtensionOption, Organisation, ServiceCategory, Team
from .widgets import GovukDateField

# Edits to these move a date or a value: the officer must say why, for the history. Each with
# the words the reason's error message uses for it.
DATE_AND_VALUE_FIELDS = {
    "start_date": "the start date",
    "initial_term_months": "the initial term",
    "initial_end_date": "the initial term",
    "max_extent_date": "the maximum extent date",
    "terminated_on": "the termination date",
    "date_signed": "the date signed",
    "annual_value": "the annual value",
    "total_value": "the total value",
    "non_recoverable_vat": "the non-recoverable VAT",
    "review_date": "the review date",
}


def in_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class IncludesVatField(forms.TypedChoiceField):
    """Whether a value includes VAT: yes (or none is charged), no (added on top), or not recorded
    (None). The contract's values and a cycle's estimated value ask it the same way."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            choices=[("", "Not recorded"), ("yes", "Yes, or no VAT is charged"), ("no", "No, VAT is added on top")],
            coerce=lambda answer: answer == "yes",
            empty_value=None,
            **kwargs,
        )


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person_name(user)


def officers_of(teams, *, also: int | None = None):
    """The active people who work in ``teams`` (members, or the team's manager), for a list of
    people on a form; ``also`` keeps the person already chosen, so an edit need not change it.

    Issue 15: such lists offered every user of every team.
    """
    people = get_user_model().objects
    in_teams = Q(is_active=True) & (Q(teams__in=teams) | Q(teams_managed__in=teams))
    ids = people.filter(in_teams).values("pk")
    chosen = Q(pk=also) if also else Q(pk__in=[])
    return people.filter(Q(pk__in=ids) | chosen).order_by("first_name", "last_name", "username")


def works_in(person, team) -> bool:
    return team.manager_id == person.pk or team.members.filter(pk=person.pk).exists()


def check_lead_officer(form, field: str = "lead_officer") -> None:
    """A lead officer newly chosen must work in the record's team (the form's ``team``)."""
    lead, team = form.cleaned_data.get(field), form.cleaned_data.get("team")
    if lead is None or team is None:
        return
    # Clean runs before the form's values reach the instance: these are the saved ones.
    saved = form.instance
    if saved.pk and getattr(saved, f"{field}_id") == lead.pk and saved.team_id == team.pk:
        return  # as it was: someone who has since left the team is not forced off the record
    if not works_in(lead, team):
        form.add_error(field, f"Select someone who works in the {team.name}, or leave it empty")


class ContractForm(forms.ModelForm):
    start_date = GovukDateField(label="Start date")
    initial_end_date = GovukDateField(
        label="Or the day the initial term ends",
        required=False,
        help_text="Give the number of months or the end date; the other is worked out. For example, 29 2 2032",
    )
    max_extent_date = GovukDateField(
        label="Maximum extent date",
        required=False,
        help_text="The latest the contract may run to with every option exercised. For example, 28 2 2034",
    )
    terminated_on = GovukDateField(
        label="Terminated on",
        required=False,
        help_text="Only if the contract was ended early. For example, 31 3 2026",
    )
    date_signed = GovukDateField(
        label="Date signed",
        required=False,
        help_text="The day the contract was entered into; the Procurement Act's notices count from it. For example, 1 12 2026",
    )
    value_includes_vat = IncludesVatField(
        label="Do the values include VAT?",
        help_text="The Procurement Act's thresholds include VAT",
    )
    review_date = GovukDateField(
        label="Review date",
        required=False,
        help_text="When the contract is next reviewed, for the Transparency Code return. For example, 1 9 2027",
    )
    lead_officer = OfficerChoiceField(queryset=get_user_model().objects.none(), required=False)
    change_reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=100,
        help_text="Needed when you change a date or a value, for example 'Cabinet 19 November: term corrected'",
    )

    class Meta:
        model = Contract
        fields = [
            "reference",
            "title",
            "description",
            "kind",
            "service_category",
            "buyer",
            "provider",
            "team",
            "lead_officer",
            "funding_source",
            "funding_detail",
            "annual_value",
            "total_value",
            "start_date",
            "initial_term_months",
            "max_extent_date",
            "terminated_on",
            "date_signed",
            "is_light_touch",
            "value_includes_vat",
            "nation",
            "procurement_route",
            "non_recoverable_vat",
            "review_date",
            "ocid",
            "parent",
        ]
        labels = {
            "initial_term_months": "Initial term in months",
            "kind": "Type of agreement",
            "procurement_route": "How was the contract procured?",
            "nation": "Whose procurement rules apply?",
            "non_recoverable_vat": "Non-recoverable VAT",
            "ocid": "Find a Tender identifier",
        }
        help_texts = {
            "initial_term_months": "For example, 60 for five years. Leave empty if you give the end date instead",
            "ocid": "The procurement's identifier on Find a Tender, for example ocds-h6vhtk-05a7b0",
        }
        error_messages = {
            "reference": {
                "required": "Enter the contract reference",
                "unique": "A contract with this reference already exists",
            },
            "title": {"required": "Enter the contract title"},
            "service_category": {"required": "Select the service category"},
            "buyer": {"required": "Select the buyer"},
            "team": {"required": "Select the team that owns the contract"},
            "start_date": {"required": "Enter the start date"},
            "initial_term_months": {"required": "Enter the initial term in months"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].error_messages["required"] = "Enter the start date"
        self.fields["description"].widget.attrs["rows"] = 4
        for name in ("annual_value", "total_value", "non_recoverable_vat"):
            self.fields[name].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})
        self.fields["initial_term_months"].widget.attrs.update({"class": "govuk-input--width-3"})
        # The term may be given as an end date instead (clean works out the months).
        self.fields["initial_term_months"].required = False
        if self.instance.pk:
            self.initial.setdefault("initial_end_date", self.instance.initial_end_date)
        # England unless the officer says otherwise: a form posted without it keeps the contract's.
        self.fields["nation"].required = False
        self.fields["reference"].widget.attrs.update({"class": "govuk-input--width-20"})
        parents = policy.contracts_visible_to(user).filter(kind=Contract.Kind.FRAMEWORK)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            if self.instance.value_includes_vat is not None:
                self.initial["value_includes_vat"] = "yes" if self.instance.value_includes_vat else "no"
            del self.fields["reference"]  # references are the contract's identity; the admin may fix one
        self.fields["parent"].queryset = parents
        # Only the organisations the officer's teams use (or nobody uses yet), and the one already chosen.
        offered = policy.organisations_offered_to(user)
        for name, other_role in (("buyer", Organisation.Role.PROVIDER), ("provider", Organisation.Role.BUYER)):
            chosen = getattr(self.instance, f"{name}_id", None)
            self.fields[name].queryset = (
                Organisation.objects.exclude(role=other_role)
                .filter(Q(pk__in=offered.values("pk")) | Q(pk=chosen))
                .order_by("name")
            )
        # A contract can only be given to a team the officer works in, and led by someone in it.
        self.fields["team"].queryset = policy.teams_for(user)
        self.fields["lead_officer"].queryset = officers_of(policy.teams_for(user), also=self.instance.lead_officer_id)

    def clean_initial_end_date(self):
        return self.cleaned_data.get("initial_end_date")

    def _clean_term(self, cleaned) -> None:
        """The initial term from its months or its end date (contracts/terms.py works out one from the other)."""
        months, end, start = (
            cleaned.get("initial_term_months"),
            cleaned.get("initial_end_date"),
            cleaned.get("start_date"),
        )
        end_changed = "initial_end_date" in self.changed_data and end is not None
        months_changed = "initial_term_months" in self.changed_data
        if start is None:
            return
        if end is not None and (end_changed or not months):
            derived = terms.months_ending_on(start, end)
            if derived is None:
                self.add_error(
                    "initial_end_date",
                    f"Enter an end date a whole number of months after the start date, less a day: for example, "
                    f"{terms.term_end(start, 12):%-d %-m %Y} for a term of one year",
                )
                return
            if months and months_changed and months != derived:
                self.add_error(
                    "initial_end_date",
                    f"The end date gives a term of {derived} months but the initial term says {months}: "
                    "change one of them, or leave one empty",
                )
                return
            cleaned["initial_term_months"] = derived
            self.instance.initial_term_months = derived
        elif not months:
            self.add_error("initial_term_months", "Enter the initial term in months, or the day it ends")

    def clean_nation(self) -> str:
        return self.cleaned_data.get("nation") or self.instance.nation or Contract.Nation.ENGLAND

    def clean(self):
        cleaned = super().clean()
        self._clean_term(cleaned)
        changed = set(self.changed_data)
        if cleaned.get("initial_end_date") is None:
            changed.discard("initial_end_date")  # left empty: the months say what the term is
        moved = list(dict.fromkeys(words for name, words in DATE_AND_VALUE_FIELDS.items() if name in changed))
        if self.instance.pk and moved and not cleaned.get("change_reason", "").strip():
            self.add_error("change_reason", f"Enter the reason for changing {in_words(moved)}")
        check_lead_officer(self)
        return cleaned


class OptionForm(forms.ModelForm):
    class Meta:
        model = ExtensionOption
        fields = ["length_months", "value"]
        labels = {"length_months": "Length in months", "value": "Value of the extension"}
        help_texts = {"length_months": "For example, 12 for a one-year extension"}
        error_messages = {"length_months": {"required": "Enter the length of the option in months"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["length_months"].widget.attrs.update({"class": "govuk-input--width-3"})
        self.fields["value"].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})


class OptionDecisionForm(forms.Form):
    decision_date = GovukDateField(
        label="Date of the decision",
        error_messages={"required": "Enter the date of the decision"},
    )
    decision_reference = forms.CharField(
        label="Decision reference",
        max_length=200,
        required=False,
        help_text="For example, Cabinet 19 November 2019, item 7, or a delegated decision number",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=80,
        help_text="This goes into the contract's history",
        error_messages={"required": "Enter the reason for the decision"},
    )


# A filter with more choices than this is a text input with suggestions, not a select: an
# admin's register offered 4,000 providers and 2,508 teams at 100,000 contracts, over a
# second of rendering a page (issue 24, docs/benchmarks.md).
MANY_CHOICES = 100


def offer_or_search(field: forms.ModelChoiceField, offered) -> bool:
    """Give ``field``'s select the ``offered`` rows, read once; True (and no list) when there are
    more than ``MANY_CHOICES``, for the form to show a text input with suggestions instead."""
    found = list(offered[: MANY_CHOICES + 1])
    if len(found) > MANY_CHOICES:
        field.widget.choices = [("", field.empty_label)]
        return True
    field.widget.choices = [("", field.empty_label), *((row.pk, field.label_from_instance(row)) for row in found)]
    return False


class RegisterFilterForm(forms.Form):
    """The register's filters; every field is optional and bad values are ignored, not errors."""

    ENDING_WITHIN = [
        ("", "Any time"),
        ("3", "3 months"),
        ("6", "6 months"),
        ("12", "12 months"),
        ("18", "18 months"),
        ("24", "24 months"),
    ]

    q = forms.CharField(label="Reference or title", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All statuses"), *[(phase.value, label) for phase, label in terms.PHASE_LABELS.items()]],
    )
    service = forms.ChoiceField(
        label="Service", required=False, choices=[("", "All services"), *ServiceCategory.choices]
    )
    provider = forms.ModelChoiceField(
        label="Provider",
        required=False,
        empty_label="All providers",
        queryset=Organisation.objects.exclude(role=Organisation.Role.BUYER),
    )
    team = forms.ModelChoiceField(label="Team", required=False, empty_label="All teams", queryset=Team.objects.none())
    ending_within = forms.ChoiceField(label="Ending within", required=False, choices=ENDING_WITHIN)
    # The dashboard's "see all" link for "Recommissioning late or due to start" lands here.
    risk = forms.ChoiceField(
        label="Recommissioning risk",
        required=False,
        choices=[("", "Any"), ("attention", "Red or amber"), ("red", "Red"), ("amber", "Amber"), ("green", "Green")],
    )

    # Typed instead of chosen when the person's list would be too long (see ``offer_or_search``);
    # accessible-autocomplete suggests names from contracts.views_search as they type.
    provider_name = forms.CharField(label="Provider", required=False, help_text="Type part of the provider's name")
    team_name = forms.CharField(label="Team", required=False, help_text="Type part of the team's name")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import providers_offered_to

        self.fields["team"].queryset = policy.teams_for(user)
        # A list of the providers of the contracts the person can see; any provider id still
        # validates, so bookmarks, the API and the exports that share the form behave as before.
        self.search_providers = offer_or_search(self.fields["provider"], providers_offered_to(user))
        self.search_teams = offer_or_search(self.fields["team"], policy.teams_for(user).order_by("name", "pk"))
        for name, source in (("provider_name", "contracts:search-providers"), ("team_name", "contracts:search-teams")):
            self.fields[name].widget.attrs.update(
                {"data-module": "app-autocomplete", "data-source": reverse(source), "autocomplete": "off"}
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("q"):
            cleaned["q"] = cleaned["q"].strip()
        return cleaned

    def valid_filters(self) -> dict:
        """The filters that parsed; a stale or hand-edited value is dropped rather than failing the page."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "")}
