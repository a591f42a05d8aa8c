"""Notice pages (namespace "notices"); config/urls.py includes them under notices/.

Pages that change something have names with "create", "status", "decision" or "import" in
them, as the project's URL walk (tests/test_access_url_walk.py) expects of editing pages."""

from django.urls import path

from . import views, views_duties
from .sync import views as market_views

app_name = "notices"

urlpatterns = [
    path("", views.NoticeListView.as_view(), name="list"),
    path("<int:pk>/", views.NoticeDetailView.as_view(), name="notice-detail"),
    path("releases/<int:pk>/", views.ReleaseDetailView.as_view(), name="release-detail"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportProgressView.as_view(), name="import-progress"),
    path("record/", views.RecordNoticeView.as_view(), name="notice-create"),
    path("duties/<int:pk>/not-applicable/", views.DutyNotApplicableView.as_view(), name="duty-status"),
    path("duties/<int:pk>/reopen/", views.DutyReopenView.as_view(), name="duty-status-reopen"),
    path("conflicts/<int:pk>/", views.ConflictDetailView.as_view(), name="conflict-detail"),
    path("conflicts/<int:pk>/choose/", views.ConflictResolveView.as_view(), name="conflict-decision"),
    path("contracts/<int:pk>/payments/create/", views_duties.RecordPaymentView.as_view(), name="payment-create"),
    path("payments/import/", views_duties.ImportPaymentsView.as_view(), name="payments-import"),
    path("contracts/<int:pk>/breaches/create/", views_duties.RecordBreachView.as_view(), name="breach-create"),
    path("pipeline/", views_duties.PipelineView.as_view(), name="pipeline"),
    path("pipeline/spend/create/", views_duties.RecordSpendView.as_view(), name="pipeline-create"),
    path("meetings/", views_duties.MeetingsView.as_view(), name="meetings"),
    path("meetings/import/", views_duties.ImportMeetingsView.as_view(), name="meetings-import"),
    path("export/", views.ExportAllView.as_view(), name="export-all"),
    path("export/cycles/<int:pk>/", views.ExportCycleView.as_view(), name="export-cycle"),
    path("export/contracts/<int:pk>/", views.ExportContractView.as_view(), name="export-contract"),
    path("market/", market_views.MarketView.as_view(), name="market"),
    path("market/watches/", market_views.MarketWatchCreateView.as_view(), name="market-watch-create"),
]
