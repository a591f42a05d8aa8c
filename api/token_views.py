"""Each person's own API tokens: list, create (the key is shown once) and revoke.

Everyone signed in manages their own tokens and nobody else's: another person's token
answers 404, as another team's record does. A token reads only what its owner could read.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_safe

from . import services
from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, so you can tell your tokens apart. For example, Finance dashboard",
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "The name must be 100 characters or fewer",
        },
    )

    lifetime = forms.TypedChoiceField(
        label="How long it lasts",
        choices=list(services.LIFETIMES.items()),
        coerce=int,
        initial=services.DEFAULT_LIFETIME,
        widget=forms.RadioSelect,
        help_text="After this the token stops working and the program using it needs a new one",
        error_messages={
            "required": "Choose how long the token lasts",
            "invalid_choice": "Choose how long the token lasts: 30 days, 90 days, 6 months or 1 year",
        },
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name for the token")
        return name


@require_safe
def token_list(request):
    tokens = list(ApiToken.objects.filter(user=request.user))
    now = timezone.now()
    return render(
        request,
        "api/token_list.html",
        {
            "active": [token for token in tokens if not token.is_revoked and not token.has_expired(now)],
            "expired": [token for token in tokens if not token.is_revoked and token.has_expired(now)],
            "revoked": [token for token in tokens if token.is_revoked],
        },
    )


@require_http_methods(["GET", "POST"])
def token_create(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], lifetime_days=form.cleaned_data["lifetime"]
        )
        # Shown in this response only, never stored or redirected with: no cache may keep it.
        response = render(request, "api/token_created.html", {"token": token, "key": key})
        add_never_cache_headers(response)
        return response
    return render(request, "api/token_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.active(), pk=pk, user=request.user)
    if request.method == "POST":
        services.api_token_revoke(token=token, by=request.user)
        messages.success(
            request, f"The token ‘{token.name}’ is revoked: programs using it can no longer read the tracker"
        )
        return redirect("api:token-list")
    return render(request, "api/token_revoke.html", {"token": token})
