"""The product's URLs plus one trivial signed-in page: the baseline for the web benchmark.

The trivial page goes through every middleware the real pages do (sessions, sign-in, the
two-step check, the idle timeout that saves the session, CSP, history) and returns a few
bytes, so a page's figure divided by its figure is what the page itself costs.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler403, handler404  # noqa: F401
from config.urls import urlpatterns as product_urls


def trivial(request):
    # LoginRequiredMiddleware has already sent anyone not signed in to the sign-in page.
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *product_urls]
