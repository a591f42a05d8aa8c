from django.urls import path

from . import views

app_name = "registers"

urlpatterns = [
    path("", views.ImportStartView.as_view(), name="import"),
    path("template.xlsx", views.import_template, name="import-template"),
    path("<int:pk>/columns/", views.ImportMappingView.as_view(), name="import-columns"),
    path("<int:pk>/", views.ImportPreviewView.as_view(), name="import-preview"),
]
