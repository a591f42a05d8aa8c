from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.ReminderListView.as_view(), name="list"),
    path("acknowledge/<str:token>/", views.AcknowledgeView.as_view(), name="acknowledge"),
]
