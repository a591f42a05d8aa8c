"""URL namespace "reports": decision reports, meetings and their packs, and contract performance."""

from django.urls import path, register_converter

from .views.decision_reports import (
    ApprovedPdfView,
    ReportApproveView,
    ReportCreateView,
    ReportDetailsUpdateView,
    ReportDetailView,
    ReportDocxUploadView,
    ReportDocxView,
    ReportImplicationsView,
    ReportListView,
    ReportNewVersionView,
    ReportOptionsView,
    ReportPdfView,
    ReportSectionsView,
    ReportSubmitView,
    StoredPdfView,
)
from .views.meetings import IsoDateConverter, MeetingPackCreateView, MeetingView
from .views.performance import (
    ContractPerformanceView,
    KpiCreateView,
    KpiImportView,
    KpiUpdateView,
    QualityCreateView,
    QualityUpdateView,
    ReturnCreateView,
    ReturnDetailView,
    ReturnUpdateView,
)

app_name = "reports"

register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", ReportListView.as_view(), name="list"),
    path("new/", ReportCreateView.as_view(), name="create"),
    path("<int:pk>/", ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", ReportDetailsUpdateView.as_view(), name="edit"),
    path("<int:pk>/sections/", ReportSectionsView.as_view(), name="edit-sections"),
    path("<int:pk>/options/", ReportOptionsView.as_view(), name="edit-options"),
    path("<int:pk>/implications/", ReportImplicationsView.as_view(), name="edit-implications"),
    path("<int:pk>/submit/", ReportSubmitView.as_view(), name="submit"),
    path("<int:pk>/approve/", ReportApproveView.as_view(), name="approve"),
    path("<int:pk>/pdf/", ReportPdfView.as_view(), name="pdf"),
    path("<int:pk>/docx/", ReportDocxView.as_view(), name="docx"),
    path("<int:pk>/docx/upload/", ReportDocxUploadView.as_view(), name="docx-upload"),
    path("<int:pk>/pdf/approved/<int:version>/", ApprovedPdfView.as_view(), name="version-pdf"),
    path("<int:pk>/new-version/", ReportNewVersionView.as_view(), name="new-version"),
    path("<int:pk>/pdf/meeting-pack/", StoredPdfView.as_view(), name="stored-pdf"),
    path("meetings/<isodate:meeting_date>/", MeetingView.as_view(), name="meeting"),
    path("meetings/<isodate:meeting_date>/pack/", MeetingPackCreateView.as_view(), name="meeting-pack-create"),
    path("contracts/<int:contract_pk>/performance/", ContractPerformanceView.as_view(), name="performance"),
    path("contracts/<int:contract_pk>/returns/new/", ReturnCreateView.as_view(), name="return-create"),
    path("contracts/<int:contract_pk>/returns/import/", KpiImportView.as_view(), name="kpi-import"),
    path("contracts/<int:contract_pk>/quality/new/", QualityCreateView.as_view(), name="quality-create"),
    path("returns/<int:pk>/", ReturnDetailView.as_view(), name="return-detail"),
    path("returns/<int:pk>/edit/", ReturnUpdateView.as_view(), name="return-edit"),
    path("returns/<int:pk>/kpis/new/", KpiCreateView.as_view(), name="kpi-create"),
    path("kpis/<int:pk>/edit/", KpiUpdateView.as_view(), name="kpi-edit"),
    path("quality/<int:pk>/edit/", QualityUpdateView.as_view(), name="quality-edit"),
]
