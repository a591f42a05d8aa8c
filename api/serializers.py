"""What each record looks like in the API. Field names are part of the contract with clients:
add fields freely, but rename or remove one only in a new version (/api/v2/).

Dates are ISO 8601 (``2032-02-29``); times are ISO 8601 with the London offset; money is a
decimal string in pounds (``"125000.00"``) so no client rounds it through a float.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commissioning.models import CommissioningCycle, Milestone, Stage
from common import history
from contracts import terms
from contracts.models import Contract, ExtensionOption
from notices.models import Notice
from notices.thresholds import Regime, classify_contract


def person_name(user) -> str | None:
    return history.person_name(user, nobody=None)


class Reference(serializers.Serializer):
    """Another record, by id and name (a team, a buyer, a provider)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class Provider(Reference):
    """The provider, with what the Local Government Transparency Code asks about the supplier."""

    is_sme = serializers.BooleanField(help_text="A small or medium-sized enterprise")
    is_vcse = serializers.BooleanField(help_text="A voluntary, community or social enterprise")
    company_number = serializers.CharField(help_text="Companies House number; empty if none is recorded")
    charity_number = serializers.CharField(help_text="Registered charity number; empty if none is recorded")


class ProcurementActClassification(serializers.Serializer):
    """Which regime of the Procurement Act 2023 the contract falls under (notices.thresholds)."""

    regime = serializers.ChoiceField(
        choices=[regime.value for regime in Regime],
        help_text="standard or light_touch (a public contract above the threshold), below_threshold "
        "(a notifiable below-threshold contract), no_notice (under £30,000) or outside_act (Scotland)",
    )
    label = serializers.CharField(help_text="The regime in words")
    value_with_vat = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="The total value the thresholds were tested against, with VAT at 20% added if the "
        "contract's values exclude it; null if no total value is recorded or the Act does not apply",
    )
    threshold = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="The threshold (VAT included) in force when the procurement started; null if none applied",
    )
    procurement_started_on = serializers.DateField(
        help_text="The day the thresholds were read on: the first notice that commenced the procurement "
        "(UK4 to UK7), else the first notice of any type, else the contract's start date"
    )
    explanation = serializers.CharField(help_text="Why, in words, as the contract's page says it")


class Error(serializers.Serializer):
    """Every refusal: 401, 403, 404 and 405 say why in ``detail``."""

    detail = serializers.CharField()


class ContractOptionSerializer(serializers.ModelSerializer):
    """An extension option inside a contract, with the period it would cover."""

    period_start = serializers.SerializerMethodField()
    period_end = serializers.SerializerMethodField()

    class Meta:
        model = ExtensionOption
        fields = [
            "id",
            "sequence",
            "length_months",
            "status",
            "value",
            "decision_reference",
            "decision_date",
            "period_start",
            "period_end",
        ]

    def _period(self, option):
        return option.contract.option_periods().get(option.sequence)

    @extend_schema_field(OpenApiTypes.DATE)
    def get_period_start(self, option):
        return self._period(option).start

    @extend_schema_field(OpenApiTypes.DATE)
    def get_period_end(self, option):
        return self._period(option).end


class OptionSerializer(ContractOptionSerializer):
    contract = serializers.IntegerField(source="contract_id")
    contract_reference = serializers.CharField(source="contract.reference")

    class Meta(ContractOptionSerializer.Meta):
        fields = ["id", "contract", "contract_reference", *ContractOptionSerializer.Meta.fields[1:]]


class ContractSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text="planned, active, in_extension, expired or terminated, today in London"
    )
    buyer = Reference()
    provider = Provider(allow_null=True)
    team = Reference()
    lead_officer = serializers.SerializerMethodField()
    nation = serializers.ChoiceField(
        choices=Contract.Nation.values,
        help_text="Whose procurement rules apply: England, Wales or Scotland (outside the Procurement Act 2023)",
    )
    value_includes_vat = serializers.BooleanField(
        allow_null=True,
        help_text="true if the values include VAT (or none is charged), false if VAT is on top, null if not recorded",
    )
    date_signed = serializers.DateField(
        allow_null=True,
        help_text="The day the contract was entered into (signed), which may be months before it starts; "
        "null until it is recorded",
    )
    procurement_route = serializers.ChoiceField(
        choices=Contract.ProcurementRoute.values,
        allow_blank=True,
        help_text="Transparency Code: published_tender, invitation_to_quote or other; empty if not recorded",
    )
    non_recoverable_vat = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="Transparency Code: VAT the council cannot recover, over the whole contract",
    )
    review_date = serializers.DateField(
        allow_null=True, help_text="Transparency Code: when the contract is next reviewed"
    )
    procurement_act = serializers.SerializerMethodField(
        help_text="Which regime of the Procurement Act 2023 the contract falls under, and why"
    )
    effective_max_extent_date = serializers.DateField(
        help_text="The maximum extent as written, or where the last option would end if none is written"
    )
    options_left = serializers.SerializerMethodField(help_text="Options still open (available, proposed or approved)")
    days_to_end = serializers.SerializerMethodField(help_text="Days from today (London) to the current end date")
    options = ContractOptionSerializer(many=True)
    page = serializers.SerializerMethodField(help_text="The contract's page in the tracker")

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "kind",
            "service_category",
            "status",
            "buyer",
            "provider",
            "team",
            "lead_officer",
            "parent",
            "funding_source",
            "funding_detail",
            "annual_value",
            "total_value",
            "start_date",
            "initial_term_months",
            "initial_end_date",
            "current_end_date",
            "max_extent_date",
            "effective_max_extent_date",
            "terminated_on",
            "options_left",
            "days_to_end",
            "options",
            "provider_notice_months",
            "approval_lead_weeks",
            "recommissioning_lead_months",
            "decision",
            "decision_on",
            "is_light_touch",
            "nation",
            "value_includes_vat",
            "date_signed",
            "procurement_route",
            "non_recoverable_vat",
            "review_date",
            "procurement_act",
            "ocid",
            "page",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=[phase.value for phase in terms.Phase]))
    def get_status(self, contract) -> str:
        return contract.phase(self.context["today"]).value

    @extend_schema_field({"type": "string", "nullable": True})
    def get_lead_officer(self, contract):
        return person_name(contract.lead_officer)

    @extend_schema_field(ProcurementActClassification)
    def get_procurement_act(self, contract):
        """Through ``classify_contract`` with the inputs ``notices.duties.classify`` gives it; the
        notice times come from ``api.selectors.with_procurement_notices`` (one query for a page)."""
        first = contract.first_commencing_notice_at or contract.first_notice_at
        started = timezone.localtime(first).date() if first else contract.start_date
        classification = classify_contract(
            value=contract.total_value,
            includes_vat=contract.value_includes_vat,
            light_touch=contract.is_light_touch,
            procurement_started_on=started,
            nation=contract.nation,
        )
        return ProcurementActClassification(
            {
                "regime": classification.regime.value,
                "label": classification.label,
                "value_with_vat": classification.value_with_vat,
                "threshold": classification.threshold,
                "procurement_started_on": started,
                "explanation": classification.explanation,
            }
        ).data

    def get_options_left(self, contract) -> int:
        return sum(1 for option in contract.options.all() if option.is_open)

    def get_days_to_end(self, contract) -> int:
        return contract.days_to_end(self.context["today"])

    def get_page(self, contract) -> str:
        return self.context["request"].build_absolute_uri(contract.get_absolute_url())


class CycleSerializer(serializers.ModelSerializer):
    team = Reference()
    lead_officer = serializers.SerializerMethodField()
    stage_label = serializers.SerializerMethodField()
    replaces = serializers.SerializerMethodField(
        help_text="The ids of the contracts this cycle replaces that you may see"
    )
    # Held on the contracts it replaces (the one recorded last); read back through the model.
    decision = serializers.ChoiceField(choices=Contract.Decision.choices, allow_blank=True, read_only=True)
    decision_on = serializers.DateField(allow_null=True, read_only=True)

    class Meta:
        model = CommissioningCycle
        fields = [
            "id",
            "name",
            "description",
            "service_category",
            "team",
            "lead_officer",
            "stage",
            "stage_label",
            "stage_changed_on",
            "target_start_date",
            "estimated_value",
            "estimated_value_includes_vat",
            "direct_award",
            "direct_award_justification",
            "replaces",
            "decision",
            "decision_on",
            "ocid",
            "is_light_touch",
        ]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_lead_officer(self, cycle):
        return person_name(cycle.lead_officer)

    def get_stage_label(self, cycle) -> str:
        return Stage(cycle.stage).label

    def get_replaces(self, cycle) -> list[int]:
        return [contract.pk for contract in cycle.replaces.all()]


class MilestoneSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    is_all_day = serializers.BooleanField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "contract",
            "cycle",
            "option",
            "kind",
            "title",
            "description",
            "due_on",
            "due_at",
            "ends_at",
            "is_all_day",
            "status",
            "met_on",
            "source",
            "owner",
            "conflict_note",
        ]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_owner(self, milestone):
        return person_name(milestone.owner)


class NoticeSerializer(serializers.ModelSerializer):
    release_id = serializers.CharField(
        help_text="The OCDS release this notice was read from; empty if recorded by hand"
    )
    contracts = serializers.SerializerMethodField(help_text="The ids of the contracts it concerns that you may see")

    class Meta:
        model = Notice
        fields = [
            "id",
            "notice_type",
            "fts_notice_id",
            "ocid",
            "published_at",
            "url",
            "description",
            "amendment",
            "source",
            "release_id",
            "cycle",
            "contracts",
        ]

    def get_contracts(self, notice) -> list[int]:
        return [contract.pk for contract in notice.contracts.all()]
