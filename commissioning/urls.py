"""Each page module keeps its own URL patterns beside its views; this joins them."""

from .views import cycles, dashboard, feeds, milestones, timeline

app_name = "commissioning"

urlpatterns = [
    *dashboard.urlpatterns,
    *cycles.urlpatterns,
    *milestones.urlpatterns,
    *timeline.urlpatterns,
    *feeds.urlpatterns,
]
