"""The project's URLs plus the notices pages, until config/urls.py includes them."""

from django.urls import include, path

from config import urls as project_urls

urlpatterns = [*project_urls.urlpatterns, path("notices/", include("notices.urls"))]

# The project's own error pages (Django reads them from the root URL module; None: Django's).
handler400 = getattr(project_urls, "handler400", None)
handler403 = getattr(project_urls, "handler403", None)
handler404 = getattr(project_urls, "handler404", None)
handler500 = getattr(project_urls, "handler500", None)
