"""URL namespace "commissioning": the dashboard, cycles, decisions, milestones, services, the timeline and calendar feeds."""

from django.urls import path

from .views.cycles import (
    ContractDecisionView,
    CycleCreateView,
    CycleDecisionView,
    CycleDetailView,
    CycleListView,
    CycleStageView,
    CycleUpdateView,
)
from .views.dashboard import DashboardView
from .views.feeds import calendar_feed, calendar_regenerate, calendar_settings
from .views.milestones import MilestoneCreateView, MilestoneDetailView, MilestoneStatusView, MilestoneUpdateView
from .views.services import ServiceCreateView, ServiceDetailView, ServiceListView, ServiceUpdateView
from .views.timeline import TimelineView
from .views.timings import StageTimingsEditView

app_name = "commissioning"

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("cycles/", CycleListView.as_view(), name="cycle-list"),
    path("cycles/new/", CycleCreateView.as_view(), name="cycle-create"),
    path("cycles/<int:pk>/", CycleDetailView.as_view(), name="cycle-detail"),
    path("cycles/<int:pk>/edit/", CycleUpdateView.as_view(), name="cycle-edit"),
    path("cycles/<int:pk>/stage/", CycleStageView.as_view(), name="cycle-stage"),
    path("cycles/<int:pk>/decision/", CycleDecisionView.as_view(), name="cycle-decision"),
    path("contracts/<int:pk>/decision/", ContractDecisionView.as_view(), name="contract-decision"),
    path("milestones/new/", MilestoneCreateView.as_view(), name="milestone-create"),
    path("milestones/<int:pk>/", MilestoneDetailView.as_view(), name="milestone-detail"),
    path("milestones/<int:pk>/edit/", MilestoneUpdateView.as_view(), name="milestone-edit"),
    path("milestones/<int:pk>/status/", MilestoneStatusView.as_view(), name="milestone-status"),
    path("services/", ServiceListView.as_view(), name="service-list"),
    path("services/new/", ServiceCreateView.as_view(), name="service-create"),
    path("services/<int:pk>/", ServiceDetailView.as_view(), name="service-detail"),
    path("services/<int:pk>/edit/", ServiceUpdateView.as_view(), name="service-edit"),
    path("teams/<int:pk>/stage-timings/", StageTimingsEditView.as_view(), name="stage-timings-edit"),
    path("timeline/", TimelineView.as_view(), name="timeline"),
    path("calendar/", calendar_settings, name="calendar-settings"),
    path("calendar/regenerate/", calendar_regenerate, name="calendar-regenerate"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
]
