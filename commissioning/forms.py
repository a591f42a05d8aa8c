"""Forms for cycles, decisions and milestones. Messages are the ones the GOV.UK error summary shows."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from access import policy
from common.dates import long_date, time_of_day
from contracts.forms import IncludesVatField, OfficerChoiceField, check_lead_officer, officers_of
from contracts.models import Contract
from contracts.widgets import GovukDateField

from .models import TIMED_STAGES, CommissioningCycle, Milestone, Service, Stage, StageTimings

REASON_LENGTH = 100  # django-simple-history's change reason column

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>[ap]\.?m\.?)?$")
_NAMED_TIMES = {"midday": time(12), "noon": time(12), "12 noon": time(12), "midnight": time(0)}
TIME_FORMAT_MESSAGE = "Enter the time of day, for example 9:30am, midday or 17:00"


def parse_time_of_day(text: str) -> time:
    """A time of day as an officer writes it: '12:00', '9:30', '09.30' (24-hour clock), or as the
    pages show it (common.dates.time_of_day): '9am', '11:59pm', 'midday', 'midnight'. Anything
    else raises ValueError."""
    text = text.strip().lower()
    if text in _NAMED_TIMES:
        return _NAMED_TIMES[text]
    match = _TIME.match(text)
    if not match or (match["minute"] is None and match["half"] is None):
        raise ValueError(text)
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 11:  # "12pm" and "12am" are read both ways: midday or midnight says which
            raise ValueError(text)
        hour = hour % 12 + (12 if match["half"].startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return time(hour, minute)


def london_datetime(day: date, at: time) -> datetime:
    """The aware moment a London clock shows ``at`` on ``day`` (GMT in winter, BST in summer).

    Raises ValueError for a time the clocks skip when they go forward (01:00 to 01:59 on the
    last Sunday in March). A time that happens twice when they go back counts as the first
    (British Summer Time).
    """
    london = ZoneInfo(settings.TIME_ZONE)
    moment = datetime.combine(day, at, tzinfo=london)
    # A skipped time does not survive the round trip through UTC.
    if moment.astimezone(ZoneInfo("UTC")).astimezone(london).replace(tzinfo=None) != datetime.combine(day, at):
        raise ValueError(f"{time_of_day(at)} does not exist on {long_date(day)}")
    return moment


class GovukRadios(forms.RadioSelect):
    """Radios whose first button carries the field's own id, as GOV.UK Frontend does, so the
    error summary's link to the field lands on it."""

    def id_for_label(self, id_, index=None):
        if index is None or str(index) == "0":
            return id_
        return f"{id_}_{index}"


class ReplacesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, contract):
        return f"{contract.reference}: {contract.title}"


class CycleForm(forms.ModelForm):
    target_start_date = GovukDateField(
        label="Target start of the new contracts",
        required=False,
        help_text="For example, 1 3 2027",
    )
    lead_officer = OfficerChoiceField(queryset=get_user_model().objects.none(), required=False)
    estimated_value_includes_vat = IncludesVatField(
        label="Does the estimated value include VAT?",
        help_text="The Procurement Act's thresholds include VAT: a value without it has 20% added to classify the procurement",
    )
    replaces = ReplacesField(
        label="Contracts it replaces",
        queryset=Contract.objects.order_by("reference"),
        required=False,
        help_text="Select every contract this cycle will replace",
    )

    class Meta:
        model = CommissioningCycle
        fields = [
            "name",
            "description",
            "service_category",
            "team",
            "lead_officer",
            "replaces",
            "target_start_date",
            "estimated_value",
            "estimated_value_includes_vat",
            "stage",
            "ocid",
            "is_light_touch",
            "direct_award",
            "direct_award_justification",
        ]
        labels = {
            "estimated_value": "Estimated value",
            "stage": "Stage it has reached",
            "ocid": "Find a Tender identifier",
        }
        help_texts = {"ocid": "The procurement's identifier on Find a Tender, for example ocds-h6vhtk-05a7b0"}
        error_messages = {
            "name": {"required": "Enter the name of the cycle"},
            "service_category": {"required": "Select the service area"},
            "team": {"required": "Select the team running the cycle"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the teams the officer works in, their people, and contracts they can see (access.policy).
        self.fields["team"].queryset = policy.teams_for(user)
        self.fields["lead_officer"].queryset = officers_of(policy.teams_for(user), also=self.instance.lead_officer_id)
        self.fields["replaces"].queryset = policy.contracts_visible_to(user).order_by("reference")
        self.fields["description"].widget.attrs["rows"] = 4
        self.fields["estimated_value"].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})
        self.fields["direct_award_justification"].widget.attrs["rows"] = 3
        if self.instance.estimated_value_includes_vat is not None:
            self.initial["estimated_value_includes_vat"] = "yes" if self.instance.estimated_value_includes_vat else "no"
        if self.instance.pk:
            # The stage changes only through "Change stage", which asks for a reason.
            del self.fields["stage"]

    def clean(self):
        cleaned = super().clean()
        check_lead_officer(self)
        return cleaned


class CycleStageForm(forms.Form):
    stage = forms.ChoiceField(
        label="New stage",
        choices=Stage.choices,
        widget=GovukRadios,
        error_messages={"required": "Select the new stage", "invalid_choice": "Select the new stage"},
    )
    reason = forms.CharField(
        label="Reason for the change",
        max_length=REASON_LENGTH,
        help_text="This goes into the cycle's history, for example 'Market engagement notice published'",
        error_messages={"required": "Enter the reason for changing the stage"},
    )

    def __init__(self, *args, current_stage: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_stage = current_stage

    def clean_stage(self):
        stage = self.cleaned_data["stage"]
        if stage == self.current_stage:
            raise forms.ValidationError(
                f"The cycle is already at {Stage(stage).label.lower()}: select a different stage"
            )
        return stage

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for changing the stage")
        return reason


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=Contract.Decision.choices,
        widget=GovukRadios,
        error_messages={"required": "Select the decision", "invalid_choice": "Select the decision"},
    )
    decided_on = GovukDateField(
        label="Date of the decision",
        error_messages={"required": "Enter the date of the decision"},
        help_text="For example, 19 11 2026",
    )
    reason = forms.CharField(
        label="Reason and decision route",
        max_length=60,  # leaves room for "Decision: extend with variations: " in the history
        help_text="This goes into the history, for example 'Cabinet 19 November 2026, item 7'",
        error_messages={"required": "Enter the reason for the decision"},
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_decided_on(self):
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > self.today:
            raise forms.ValidationError("The date of the decision must be today or in the past")
        return decided_on


class MilestoneForm(forms.Form):
    """A milestone's details. ``cleaned_data`` gives ``due_on``, ``due_at`` and ``ends_at``:
    the time boxes are read as London clock times and stored as aware datetimes."""

    title = forms.CharField(
        label="Title", max_length=255, error_messages={"required": "Enter the title of the milestone"}
    )
    kind = forms.ChoiceField(
        label="Type of milestone",
        choices=Milestone.Kind.choices,
        initial=Milestone.Kind.OTHER,
        error_messages={"required": "Select the type of milestone", "invalid_choice": "Select the type of milestone"},
    )
    due_date = GovukDateField(
        label="Due date",
        help_text="For example, 12 3 2026",
        error_messages={"required": "Enter the due date"},
    )
    due_time = forms.CharField(
        label="Time of day",
        required=False,
        help_text="UK time, for example 9:30am or midday. Leave empty for an all-day milestone",
    )
    end_time = forms.CharField(
        label="End time",
        required=False,
        help_text="For events, the time it finishes on the same day, for example 11:30am",
    )
    owner = OfficerChoiceField(label="Owner", queryset=get_user_model().objects.none(), required=False)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, team, current_owner_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The people of the milestone's team (issue 15: it offered every user of every team).
        self.fields["owner"].queryset = officers_of([team], also=current_owner_id)
        self.fields["due_time"].widget.attrs.update({"class": "govuk-input--width-5", "autocomplete": "off"})
        self.fields["end_time"].widget.attrs.update({"class": "govuk-input--width-5", "autocomplete": "off"})

    @classmethod
    def initial_for(cls, milestone: Milestone) -> dict:
        """The form's starting values for an existing milestone, times in London."""
        initial = {
            "title": milestone.title,
            "kind": milestone.kind,
            "due_date": milestone.due_on,
            "owner": milestone.owner_id,
            "description": milestone.description,
        }
        if milestone.due_at:
            initial["due_time"] = time_of_day(milestone.due_at)
        if milestone.ends_at:
            initial["end_time"] = time_of_day(milestone.ends_at)
        return initial

    def _time(self, name: str) -> time | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return parse_time_of_day(text)
        except ValueError:
            self.add_error(name, TIME_FORMAT_MESSAGE)
            return None

    def clean(self):
        cleaned = super().clean()
        due_time, end_time = self._time("due_time"), self._time("end_time")
        day = cleaned.get("due_date")
        cleaned["due_on"], cleaned["due_at"], cleaned["ends_at"] = day, None, None
        if end_time and not due_time and "due_time" not in self.errors:
            self.add_error("end_time", "Enter the time of day it starts, or leave the end time empty")
        if day is None or self.errors:
            return cleaned
        if due_time:
            try:
                cleaned["due_at"] = london_datetime(day, due_time)
            except ValueError:
                self.add_error(
                    "due_time",
                    f"{time_of_day(due_time)} does not exist on {long_date(day)}: the clocks go forward from 1am to 2am",
                )
                return cleaned
        if end_time:
            try:
                cleaned["ends_at"] = london_datetime(day, end_time)
            except ValueError:
                self.add_error(
                    "end_time",
                    f"{time_of_day(end_time)} does not exist on {long_date(day)}: the clocks go forward from 1am to 2am",
                )
                return cleaned
            if cleaned["ends_at"] <= cleaned["due_at"]:
                self.add_error("end_time", "The end time must be after the start time")
        return cleaned

    def details(self) -> dict:
        """The cleaned values under the names the milestone services take."""
        names = ("kind", "title", "description", "due_on", "due_at", "ends_at", "owner")
        return {name: self.cleaned_data[name] for name in names}


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=Milestone.Status.choices,
        widget=GovukRadios,
        error_messages={"required": "Select the status", "invalid_choice": "Select the status"},
    )
    met_on = GovukDateField(
        label="Date met",
        required=False,
        help_text="Only if it was met. For example, 12 3 2026",
    )
    reason = forms.CharField(
        label="Note for the history",
        required=False,
        max_length=60,
        help_text="Optional, for example 'Responses received from 4 providers'",
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        status, met_on = cleaned.get("status"), cleaned.get("met_on")
        if status == Milestone.Status.MET and met_on is None and "met_on" not in self.errors:
            self.add_error("met_on", "Enter the date the milestone was met")
        if status == Milestone.Status.MET and met_on and met_on > self.today:
            self.add_error("met_on", "The date met must be today or in the past")
        if status and status != Milestone.Status.MET:
            cleaned["met_on"] = None
        return cleaned


class ServiceContractsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, contract):
        return f"{contract.reference}: {contract.title}"


class ServiceForm(forms.ModelForm):
    """A service and the contracts that cover it over time (old, current and planned)."""

    contracts = ServiceContractsField(
        label="Contracts that cover it",
        queryset=Contract.objects.none(),
        required=False,
        help_text=(
            "Select every contract that covered, covers or will cover this service: the old one, the "
            "current one and the one replacing it. A framework covers its call-offs' services."
        ),
    )
    change_reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=200,
        help_text="Shown in the service's history, for example 'The new contract takes over the refuge'",
    )

    class Meta:
        model = Service
        fields = ["name", "category", "team", "contracts"]
        labels = {"category": "Service area"}
        error_messages = {
            "name": {"required": "Enter the name of the service"},
            "category": {"required": "Select the service area"},
            "team": {"required": "Select the team the service belongs to"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the teams the officer works in and the contracts they can see (access.policy); the
        # service checks every contract is of its own team (services.check_service_contracts).
        self.fields["team"].queryset = policy.teams_for_new_services(user)
        contracts = policy.contracts_visible_to(user).order_by("start_date", "reference")
        if self.instance.pk:
            # A service keeps its team: its contracts and history are that team's.
            del self.fields["team"]
            contracts = contracts.filter(team_id=self.instance.team_id)
        self.fields["contracts"].queryset = contracts
        if self.instance.pk:
            self.initial["contracts"] = [c.pk for c in self.instance.contracts.all()]

    def clean(self):
        cleaned = super().clean()
        team = cleaned.get("team") if "team" in self.fields else self.instance.team
        name = cleaned.get("name")
        # The (team, name) constraint, said beside the name rather than as a database error.
        if team and name and Service.objects.filter(team=team, name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", f"{team.name} already has a service called {name}")
        return cleaned


class StageTimingsForm(forms.ModelForm):
    """How many months each stage of recommissioning takes the team."""

    change_reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=200,
        help_text="Shown in the history, for example 'Tenders now take four months with the new portal'",
    )

    class Meta:
        model = StageTimings
        fields = [StageTimings.field_name(stage) for stage in TIMED_STAGES]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for stage in TIMED_STAGES:
            field = self.fields[StageTimings.field_name(stage)]
            field.help_text = "Months"
            field.error_messages.update(
                required=f"Enter how many months {stage.label.lower()} takes",
                invalid=f"Enter how many months {stage.label.lower()} takes as a whole number, like 3",
                min_value=f"Enter 0 or more months for {stage.label.lower()}",
            )
            field.widget.attrs.update({"class": "govuk-input--width-3", "inputmode": "numeric"})
