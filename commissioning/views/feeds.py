"""The calendar feed, and the settings page where an officer finds or replaces its address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST, require_safe

from exports.filenames import set_download_name

from ..feeds import (
    build_calendar,
    calendar_feed_for_token,
    calendar_feed_regenerate,
    calendar_milestones,
    feed_name,
)
from ..models import CalendarFeed

FEED_FILENAME = "commissioning-milestones.ics"


@require_GET
def calendar_settings(request):
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "commissioning/calendar_settings.html",
        {
            "feed": feed,
            "feed_url": _feed_url(request, feed) if feed else None,
            "sees_milestones": request.user.has_perm("commissioning.view_milestone"),
            # "Create a new address" breaks every subscription: the page asks first (issue 25).
            "confirming": feed is not None and request.GET.get("confirm") == "new-address",
        },
    )


@require_POST
def calendar_regenerate(request):
    had_feed = CalendarFeed.objects.filter(user=request.user).exists()
    if had_feed and request.POST.get("confirmed") != "yes":
        return redirect(reverse("commissioning:calendar-settings") + "?confirm=new-address#new-address")
    calendar_feed_regenerate(user=request.user)
    if had_feed:
        messages.success(
            request,
            "Your calendar has a new address. Calendars subscribed to the old address will stop updating.",
        )
    else:
        messages.success(request, "Your calendar address is ready.")
    return redirect("commissioning:calendar-settings")


# Calendar programs fetch the feed without a session: the token is the only credential.
@login_not_required
@require_safe
def calendar_feed(request, token: str):
    feed = calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No calendar at this address")
    calendar = build_calendar(
        calendar_milestones(feed.user),
        name=feed_name(feed.user),
        link_for=lambda milestone: request.build_absolute_uri(milestone.get_absolute_url()),
        uid_domain=split_domain_port(request.get_host())[0],
        now=timezone.now(),
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    set_download_name(response, FEED_FILENAME, as_attachment=False)
    # The address is a secret: shared caches must not keep it, nor search engines list it.
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _feed_url(request, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(reverse("commissioning:calendar-feed", args=[feed.token]))
