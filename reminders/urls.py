from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.ReminderListView.as_view(), name="list"),
    path("<int:pk>/preview/", views.ReminderPreviewView.as_view(), name="preview"),
    path("quiet-days/", views.QuietDaysView.as_view(), name="quiet-days"),
    path("acknowledge/<str:token>/", views.AcknowledgeView.as_view(), name="acknowledge"),
]
