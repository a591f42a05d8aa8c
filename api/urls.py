"""The read-only JSON API and its OpenAPI schema, and the pages where people manage their tokens."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import token_views, views

app_name = "api"

# Path converters rather than regular expressions, so the URL walk can fill in each id.
router = SimpleRouter(use_regex_path=False)
router.register("v1/contracts", views.ContractViewSet, basename="contract")
router.register("v1/options", views.OptionViewSet, basename="option")
router.register("v1/cycles", views.CycleViewSet, basename="cycle")
router.register("v1/milestones", views.MilestoneViewSet, basename="milestone")
router.register("v1/notices", views.NoticeViewSet, basename="notice")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("tokens/", token_views.token_list, name="token-list"),
    path("tokens/new/", token_views.token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
    *router.urls,
    # Anything else under /api/ answers a JSON 404, not the HTML page (unnamed: not walked).
    path("<path:rest>", views.not_found),
]
