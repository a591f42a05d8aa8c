"""Query parameters for each list.

The contracts list takes the register's own filter form, so ``?status=active&ending_within=12``
means exactly what it means on the register page. Unlike the page, which drops a value it
cannot read, the API answers 400 and names the parameter, so a script's typo is not silently
ignored.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from commissioning.models import Milestone, Stage
from contracts import selectors
from contracts.forms import RegisterFilterForm
from contracts.models import ExtensionOption, ServiceCategory
from notices.models import Notice
from notices.notice_types import NoticeType

# Ids fit a 64-bit signed integer in every database the tracker runs on.
MAX_ID = 2**63 - 1


class ContractListForm(RegisterFilterForm):
    sort = forms.ChoiceField(
        label="Sort by (as the register's columns; end by default)",
        required=False,
        choices=[(key, key) for key in selectors.REGISTER_SORTS],
    )
    order = forms.ChoiceField(
        label="Order (asc by default)", required=False, choices=[("asc", "asc"), ("desc", "desc")]
    )


def contract_filters(query_params, *, user) -> tuple[dict, str, bool]:
    """The register's filters, sort and direction from the query string; 400 if any is not understood."""
    form = ContractListForm(query_params, user=user)
    if not form.is_valid():
        raise ValidationError(form.errors)
    filters = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
    sort = filters.pop("sort", "end")
    descending = filters.pop("order", "asc") == "desc"
    return filters, sort, descending


def _parameter(name: str, field: forms.Field) -> OpenApiParameter:
    description = str(field.label or name)
    if isinstance(field, forms.ModelChoiceField):
        return OpenApiParameter(name, OpenApiTypes.INT, description=f"{description} (id)")
    if isinstance(field, forms.ChoiceField):
        return OpenApiParameter(
            name,
            OpenApiTypes.STR,
            description=description,
            enum=[str(value) for value, _ in field.choices if value != ""],
        )
    return OpenApiParameter(name, OpenApiTypes.STR, description=description)


# Documented from the form itself, so the schema cannot drift from what the view accepts.
CONTRACT_LIST_PARAMETERS = [_parameter(name, field) for name, field in ContractListForm.base_fields.items()]


class IdFilter(django_filters.Filter):
    """An id; one that does not exist (or that you may not see) simply matches nothing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class OptionFilter(django_filters.FilterSet):
    contract = IdFilter(field_name="contract_id", help_text="The contract's id")
    status = django_filters.ChoiceFilter(choices=ExtensionOption.Status.choices)


class CycleFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    team = IdFilter(field_name="team_id", help_text="The team's id")
    service = django_filters.ChoiceFilter(field_name="service_category", choices=ServiceCategory.choices)


class MilestoneFilter(django_filters.FilterSet):
    contract = IdFilter(field_name="contract_id", help_text="The contract's id")
    cycle = IdFilter(field_name="cycle_id", help_text="The cycle's id")
    kind = django_filters.ChoiceFilter(choices=Milestone.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Milestone.Status.choices)
    source = django_filters.ChoiceFilter(choices=Milestone.Source.choices)
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text="Due on or after (YYYY-MM-DD)"
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text="Due on or before (YYYY-MM-DD)"
    )


class NoticeFilter(django_filters.FilterSet):
    notice_type = django_filters.ChoiceFilter(choices=NoticeType.choices)
    source = django_filters.ChoiceFilter(choices=Notice.Source.choices)
    cycle = IdFilter(field_name="cycle_id", help_text="The cycle's id")
    contract = IdFilter(field_name="contracts", help_text="The id of a contract it concerns")
