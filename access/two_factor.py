"""Two-step verification (TOTP) for managers and admins, with django-otp.

A manager or admin may turn it on from "Two-step verification"; once a device is confirmed,
every sign-in asks for the six-digit code before anything else opens. Admins must use it in
production (OTP_REQUIRED_FOR_ADMINS, on by default there).
"""

from __future__ import annotations

import base64
import io
import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView
from django_otp import devices_for_user, login as otp_login, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

log = logging.getLogger("tracker.security")

DEVICE_NAME = "Authenticator app"


def may_use_second_factor(user) -> bool:
    return user.is_superuser or user.groups.filter(name__in=["manager", "admin"]).exists()


def must_use_second_factor(user) -> bool:
    return settings.OTP_REQUIRED_FOR_ADMINS and (user.is_superuser or user.groups.filter(name="admin").exists())


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=6,
        min_length=6,
        help_text="The 6-digit code your authenticator app shows now",
        error_messages={"required": "Enter the 6-digit security code", "min_length": "Enter all 6 digits"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "govuk-input--width-5"}),
    )


class SecondFactorSetupView(FormView):
    template_name = "access/two_factor_setup.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if not may_use_second_factor(request.user):
            raise PermissionDenied("Two-step verification is for managers and admins")
        self.device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
            user=request.user, name=DEVICE_NAME, confirmed=False
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        out = io.BytesIO()
        write_qrcode_image(self.device.config_url, out)
        return super().get_context_data(
            qr_data_uri="data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode(),
            secret=base64.b32encode(self.device.bin_key).decode(),
            has_device=user_has_device(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        if not self.device.verify_token(form.cleaned_data["code"]):
            form.add_error("code", "The code is not right: check the time on your phone and try the newest code")
            return self.form_invalid(form)
        TOTPDevice.objects.filter(user=self.request.user, confirmed=True).delete()  # one app at a time
        self.device.confirmed = True
        self.device.save()
        otp_login(self.request, self.device)
        log.info("two-step verification turned on", extra={"user": self.request.user.get_username()})
        messages.success(self.request, "Two-step verification is on: sign-ins will ask for a code")
        return redirect("home")


class SecondFactorVerifyView(FormView):
    template_name = "access/two_factor_verify.html"
    form_class = CodeForm

    def form_valid(self, form):
        for device in devices_for_user(self.request.user):
            if device.verify_token(form.cleaned_data["code"]):
                otp_login(self.request, device)
                target = self.request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}):
                    target = resolve_url("home")
                return redirect(target)
        log.warning("two-step code refused", extra={"user": self.request.user.get_username()})
        form.add_error("code", "The code is not right: try the newest code your app shows")
        return self.form_invalid(form)


class SecondFactorMiddleware:
    """Until the code is given, a person with a device (or an admin who must have one) sees
    only the verification, set-up and sign-out pages."""

    OPEN_PREFIXES = ("/static/", "/accounts/", "/reminders/acknowledge/", "/calendar/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self._open(request.path):
            if user_has_device(user):
                return redirect(f"{reverse('two-factor-verify')}?next={request.get_full_path()}")
            if must_use_second_factor(user):
                return redirect("two-factor-setup")
        return self.get_response(request)

    def _open(self, path: str) -> bool:
        if path in (reverse("two-factor-verify"), reverse("two-factor-setup"), reverse("logout")):
            return True
        return path.startswith(self.OPEN_PREFIXES) and not path.startswith("/calendar/regenerate")
