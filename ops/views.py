"""The health endpoint for load balancers and monitors, and the same facts for admins."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_facts


@login_not_required
@never_cache
@require_GET
def health(request):
    """200 when everything is well, 503 when anything is not; the body says which."""
    facts = health_facts()
    return JsonResponse(facts.as_json(), status=200 if facts.healthy else 503)


def status(request):
    if not request.user.is_staff:
        raise PermissionDenied("The service status is for administrators")
    facts = health_facts()
    return render(request, "ops/status.html", {"facts": facts}, status=200)
