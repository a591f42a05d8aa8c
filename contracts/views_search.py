"""Name suggestions for the filters too long to offer as a list (issue 24): providers and teams.

accessible-autocomplete (static/js/autocomplete.mjs) asks as the person types. Each answer
holds only names the person could already choose from: the providers of the contracts they may
see, the teams they may see (``access.policy``, through ``contracts.selectors``). Signing in is
required, as for every page.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views import View

from access import policy
from common.views import Permission

from . import selectors

# Suggestions per answer: enough to find one by typing a few more letters.
SUGGESTIONS = 20


class NameSearchView(Permission, View):
    permission_required = "contracts.view_contract"

    def names(self, user):
        raise NotImplementedError

    def get(self, request):
        query = request.GET.get("q", "").strip()[:100]
        if not query:
            return JsonResponse({"results": []})
        found = self.names(request.user).filter(name__icontains=query).values_list("name", flat=True).distinct()
        return JsonResponse({"results": list(found.order_by("name")[:SUGGESTIONS])})


class ProviderSearchView(NameSearchView):
    def names(self, user):
        return selectors.providers_offered_to(user).order_by()


class TeamSearchView(NameSearchView):
    def names(self, user):
        return policy.teams_for(user).order_by()
