"""URL namespace "reports": each view module keeps its own patterns beside its views."""

from .views import decision_reports, meetings, performance

app_name = "reports"

urlpatterns = [
    *decision_reports.urlpatterns,
    *meetings.urlpatterns,
    *performance.urlpatterns,
]
