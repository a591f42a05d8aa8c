"""The project's URLs plus the reports app's, for the reports tests until config/urls.py
includes them (``@pytest.mark.urls("tests.reports_urls")``)."""

from django.urls import include, path

from config.urls import urlpatterns as base

urlpatterns = [*base, path("reports/", include("reports.urls"))]
