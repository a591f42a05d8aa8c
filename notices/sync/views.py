"""The Market page and an officer's watches (``access.policy`` decides who; ``market`` does)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from access import policy
from common.keyset import keyset_page_asked

from . import market
from .models import MarketWatch, SyncState


class WatchForm(forms.Form):
    cpv_codes = forms.CharField(
        label="CPV codes",
        required=False,
        max_length=500,
        help_text="Comma-separated, for example 85312000 (a code covers the codes under it)",
    )
    keywords = forms.CharField(
        required=False, max_length=500, help_text="Comma-separated, for example domestic abuse, refuge"
    )
    regions = forms.CharField(
        required=False,
        max_length=200,
        help_text="Comma-separated NUTS or ITL codes, for example UK for the whole UK or UKJ for the South East; empty for anywhere",
    )
    weekly_email = forms.BooleanField(label="Email me new ones every Monday", required=False, initial=True)


MARKET_PREVIEW = 20  # rows of each list on the Market page; each has its own pages in full
MARKET_PAGE_SIZE = 50


class MarketView(View):
    """Other authorities' planned and open procurements and contracts ending: the first of each
    list, or one list in full in keyset pages (``?list=planned``, ``open`` or ``ending``)."""

    def get(self, request):
        if not policy.sees_market(request.user):
            raise PermissionDenied("You cannot see notices")
        today = timezone.localdate()
        lists, watches = market.market_lists(request.user, today=today)
        chosen = lists.get(request.GET.get("list", ""))
        if chosen is not None:
            page = keyset_page_asked(chosen.notices, chosen.keys, size=MARKET_PAGE_SIZE, query=request.GET)
            return render(request, "notices/market_list.html", {"list": chosen, "page": page})
        return render(
            request,
            "notices/market.html",
            {
                "market": market.market_preview(lists, watches, limit=MARKET_PREVIEW),
                "may_watch": policy.may_watch_market(request.user),
                "states": SyncState.objects.order_by("platform"),
            },
        )


class MarketWatchCreateView(View):
    """Add a watch, or stop one of one's own (``stop`` holds its number)."""

    template_name = "notices/market_watch_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not policy.may_watch_market(request.user):
            raise PermissionDenied("Only people who work on notices can watch the market")
        return super().dispatch(request, *args, **kwargs)

    def _page(self, request, form, status=200):
        watches = MarketWatch.objects.filter(officer=request.user)
        return render(request, self.template_name, {"form": form, "watches": watches}, status=status)

    def get(self, request):
        return self._page(request, WatchForm())

    def post(self, request):
        if "stop" in request.POST:
            try:
                stopped = market.market_watch_stop(officer=request.user, watch_id=int(request.POST["stop"]))
            except ValueError:
                stopped = False
            if stopped:
                messages.success(request, "You no longer watch that")
            return redirect("notices:market-watch-create")
        form = WatchForm(request.POST)
        if form.is_valid():
            try:
                market.market_watch_add(officer=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field, problem)
            else:
                messages.success(request, "You now watch the market for that")
                return redirect("notices:market")
        return self._page(request, form, status=400)
