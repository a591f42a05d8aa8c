"""The read-only API (/api/v1/). Thin: every queryset starts from access.policy, so a record of
another team is absent from lists and answers 404 on its own, exactly as the pages do."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import JsonResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import permissions, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer

from access import policy
from contracts import selectors
from contracts.models import Contract, ExtensionOption

from . import filters, serializers
from .authentication import ReadPermission
from .selectors import with_procurement_notices


class ApiPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class ApiView:
    """Shared by every API view: the API's own credentials instead of the sign-in page.

    LoginRequiredMiddleware would send an anonymous request to the sign-in page; the API
    answers 401 in JSON instead, through DRF's authentication and IsAuthenticated.
    """

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))


class ReadOnlyViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ReadPermission]
    pagination_class = ApiPagination
    filter_backends = [DjangoFilterBackend]
    # Any text in the path reaches the view, which answers a JSON 404 for what is not an id.
    lookup_value_converter = "str"

    @cached_property
    def today(self):
        """One London day per request, for the filters and every row's status and days to end."""
        return timezone.localdate()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self.today}


@extend_schema_view(
    list=extend_schema(
        summary="List contracts",
        description="The contracts you may see, filtered and sorted as on the contract register.",
        parameters=filters.CONTRACT_LIST_PARAMETERS,
    ),
    retrieve=extend_schema(summary="One contract, with its extension options"),
)
class ContractViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ContractSerializer
    read_permission = "contracts.view_contract"
    filter_backends = []  # the register's own form filters the list (get_queryset)

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            chosen, sort, descending = filters.contract_filters(self.request.query_params, user=user)
            contracts = selectors.contracts_for_register(
                user=user, filters=chosen, sort=sort, descending=descending, today=self.today
            )
        else:
            contracts = policy.contracts_visible_to(user, Contract.objects.with_register_columns())
        return with_procurement_notices(contracts).prefetch_related("options")


@extend_schema_view(
    list=extend_schema(summary="List extension options"), retrieve=extend_schema(summary="One extension option")
)
class OptionViewSet(ReadOnlyViewSet):
    serializer_class = serializers.OptionSerializer
    read_permission = "contracts.view_extensionoption"
    filterset_class = filters.OptionFilter

    def get_queryset(self):
        visible = policy.contracts_visible_to(self.request.user).values("pk")
        return (
            ExtensionOption.objects.filter(contract__in=visible)
            .select_related("contract")
            .prefetch_related("contract__options")
            .order_by("contract__reference", "sequence", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary="List commissioning cycles"), retrieve=extend_schema(summary="One commissioning cycle")
)
class CycleViewSet(ReadOnlyViewSet):
    serializer_class = serializers.CycleSerializer
    read_permission = "commissioning.view_commissioningcycle"
    filterset_class = filters.CycleFilter

    def get_queryset(self):
        user = self.request.user
        return (
            policy.cycles_visible_to(user)
            .select_related("team", "lead_officer")
            .prefetch_related(Prefetch("replaces", queryset=policy.contracts_visible_to(user).order_by("reference")))
            .order_by("target_start_date", "name", "pk")
        )


@extend_schema_view(list=extend_schema(summary="List milestones"), retrieve=extend_schema(summary="One milestone"))
class MilestoneViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MilestoneSerializer
    read_permission = "commissioning.view_milestone"
    filterset_class = filters.MilestoneFilter

    def get_queryset(self):
        return (
            policy.milestones_visible_to(self.request.user)
            .select_related("owner")
            .order_by("due_on", "due_at", "title", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary="List procurement notices"), retrieve=extend_schema(summary="One procurement notice")
)
class NoticeViewSet(ReadOnlyViewSet):
    serializer_class = serializers.NoticeSerializer
    read_permission = "notices.view_notice"
    filterset_class = filters.NoticeFilter

    def get_queryset(self):
        user = self.request.user
        return (
            policy.notices_visible_to(user)
            .select_related("source_release")
            .prefetch_related(Prefetch("contracts", queryset=policy.contracts_visible_to(user).order_by("reference")))
            .order_by("-published_at", "-pk")
        )


class SchemaView(ApiView, SpectacularAPIView):
    """The OpenAPI 3 schema, for anyone with a token or a session: JSON unless YAML is asked for."""

    permission_classes = [permissions.IsAuthenticated]
    # Plain JSON first, so a refusal (401) is JSON like every other API response.
    renderer_classes = [JSONRenderer, OpenApiJsonRenderer, OpenApiYamlRenderer]


@login_not_required
def not_found(request, rest: str):
    return JsonResponse(
        {"detail": "There is no API address here. Addresses end with a slash, e.g. /api/v1/contracts/"},
        status=404,
    )
