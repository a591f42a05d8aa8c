"""Two-step verification (TOTP) for managers and admins, with django-otp.

A manager or admin may turn it on from "Two-step verification"; once a device is confirmed,
every sign-in asks for the six-digit code before anything else opens. Admins must use it in
production (OTP_REQUIRED_FOR_ADMINS, on by default there).

A password alone never changes it. Until the code is given, a session reaches only the pages
in ``UNVERIFIED_PAGES`` (and set-up, for a person who has no app yet and must enrol), so the
set-up page, which shows a new secret and replaces the app, needs the old app's code first.
A lost phone is replaced with one of the recovery codes shown at set-up, or by an
administrator removing the app in the Django admin; each change goes to the security log
and the audit trail (``SecondFactorChange``).
"""

from __future__ import annotations

import base64
import logging

import qrcode
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connections, router, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.generic import FormView
from django_otp import device_classes, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.views import APIView

from . import policy
from .models import SecondFactorChange

log = logging.getLogger("tracker.security")

DEVICE_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODES = 10

# The only pages a signed-in person who still owes a code may open: the allow-list, by URL name.
UNVERIFIED_PAGES = frozenset({"two-factor-verify", "logout"})
# ...and, for a person who must use two-step verification but has no app yet, the set-up page.
ENROLMENT_PAGE = "two-factor-setup"


def second_factor_record(*, person, action: str, by=None, reason: str = "") -> SecondFactorChange:
    """Records a change to someone's two-step verification in the security log and the audit trail."""
    change = SecondFactorChange(person=person, action=action)
    change._change_reason = reason
    if by is not None:
        change._history_user = by
    change.save()
    by_name = by.get_username() if by is not None else "manage.py"
    log.info(
        {
            SecondFactorChange.Action.SET_UP: "two-step verification turned on",
            SecondFactorChange.Action.REPLACED: "two-step verification replaced",
            SecondFactorChange.Action.REMOVED: "two-step verification removed",
            SecondFactorChange.Action.RECOVERY_CODES_REMOVED: "recovery codes removed",
            SecondFactorChange.Action.RECOVERY_CODE_USED: "recovery code used",
        }[action],
        extra={"user": person.get_username(), "by": by_name},
    )
    return change


def second_factor_remove(*, person, by, reason: str, devices=None) -> int:
    """Removes the person's authenticator apps and recovery codes (or just ``devices``), recording
    each kind removed. The next sign-in asks them to set up a new app if they must use one."""
    removed = 0
    kinds = (
        (TOTPDevice, SecondFactorChange.Action.REMOVED),
        (StaticDevice, SecondFactorChange.Action.RECOVERY_CODES_REMOVED),
    )
    with transaction.atomic():
        for model, action in kinds:
            chosen = model.objects.filter(user=person)
            if devices is not None:
                chosen = chosen.filter(pk__in=[device.pk for device in devices if isinstance(device, model)])
            count, _ = chosen.delete()
            if count:
                removed += count
                second_factor_record(person=person, by=by, action=action, reason=reason)
    return removed


def recovery_codes_replace(*, person) -> list[str]:
    """New recovery codes for the person, replacing any they had; returns them to show once."""
    device, _ = StaticDevice.objects.get_or_create(user=person, defaults={"name": RECOVERY_NAME, "confirmed": True})
    StaticDevice.objects.filter(user=person).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=6,
        min_length=6,
        help_text="The 6-digit code your authenticator app shows now",
        error_messages={"required": "Enter the 6-digit security code", "min_length": "Enter all 6 digits"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "govuk-input--width-5"}
        ),
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes",
        error_messages={
            "required": "Enter the 6-digit security code",
            "max_length": "Enter the 6-digit code or a recovery code",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "class": "govuk-input--width-10", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).lower()
        if len(code) < 6:
            raise forms.ValidationError("Enter all 6 digits")
        return code


def qr_code_svg(data: str) -> str:
    """The QR code of ``data`` as a small SVG: a white square and one path of the dark modules,
    a run of them in a row at a time. django-otp's ``write_qrcode_image`` drew a rectangle per
    module through an XML tree (77 KB, 103 KB in the page as base64, and about 20 ms a page;
    issue 24). The code itself, with its mask chosen as the standard says, is qrcode's."""
    code = qrcode.QRCode(border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )


class SecondFactorSetupView(FormView):
    template_name = "access/two_factor_setup.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if not policy.may_use_second_factor(request.user):
            raise PermissionDenied("Two-step verification is for managers and admins")
        # The middleware keeps an unverified session away already; this page must never rely on it.
        self.replacing = has_confirmed_device(request.user)
        if self.replacing and not request.user.is_verified():
            return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.get_full_path()})}")
        self.device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False
        ).first() or TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        svg = qr_code_svg(self.device.config_url)
        return super().get_context_data(
            qr_data_uri="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            secret=base64.b32encode(self.device.bin_key).decode(),
            has_device=self.replacing,
            **kwargs,
        )

    def form_valid(self, form):
        if not self.device.verify_token(form.cleaned_data["code"]):
            form.add_error("code", "The code is not right: check the time on your phone and try the newest code")
            return self.form_invalid(form)
        person = self.request.user
        with transaction.atomic():
            TOTPDevice.objects.filter(user=person, confirmed=True).delete()  # one app at a time
            self.device.confirmed = True
            self.device.save()
            codes = recovery_codes_replace(person=person)
            action = SecondFactorChange.Action.REPLACED if self.replacing else SecondFactorChange.Action.SET_UP
            second_factor_record(person=person, by=person, action=action)
        otp_login(self.request, self.device)
        messages.success(self.request, "Two-step verification is on: sign-ins will ask for a code")
        # Shown once, in this answer: the codes are not kept anywhere a page could show them again.
        return render(self.request, "access/two_factor_recovery_codes.html", {"codes": codes})


class SecondFactorVerifyView(FormView):
    template_name = "access/two_factor_verify.html"
    form_class = VerifyForm

    def form_valid(self, form):
        person = self.request.user
        for device in devices_for_user(person):
            if device.verify_token(form.cleaned_data["code"]):
                otp_login(self.request, device)
                if isinstance(device, StaticDevice):
                    second_factor_record(person=person, by=person, action=SecondFactorChange.Action.RECOVERY_CODE_USED)
                    left = device.token_set.count()
                    messages.warning(
                        self.request,
                        f"You used a recovery code ({left} left). If your phone is lost, set up your new one now.",
                    )
                    return redirect("two-factor-setup")
                target = self.request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}):
                    target = resolve_url("home")
                return redirect(target)
        log.warning("two-step code refused", extra={"user": person.get_username()})
        form.add_error("code", "The code is not right: try the newest code your app shows")
        return self.form_invalid(form)


# A person id no one has: the device query is compiled once with it, then asked with the person's.
_STAND_IN_ID = -918273645
_DEVICE_QUERIES: dict[str, tuple[str, tuple] | None] = {}


def _device_query(alias: str) -> tuple[str, tuple] | None:
    """The SQL of "has this person a confirmed device of any kind" on database ``alias``, built
    and compiled by the ORM once a process (building it took 0.6 ms of every request's CPU)."""
    if alias not in _DEVICE_QUERIES:
        kinds = [model.objects.filter(user_id=_STAND_IN_ID, confirmed=True).values("pk") for model in device_classes()]
        query = kinds[0].union(*kinds[1:], all=True).query.exists() if kinds else None
        _DEVICE_QUERIES[alias] = query.get_compiler(using=alias).as_sql() if query is not None else None
    return _DEVICE_QUERIES[alias]


def has_confirmed_device(user) -> bool:
    """django-otp's ``user_has_device`` in one query rather than one per kind of device: the
    middleware asks it on every request of a session that has not given a code (issue 24).
    Asked afresh each time, never remembered in the session, so an app set up from another
    browser is asked for at once."""
    alias = router.db_for_read(TOTPDevice)
    compiled = _device_query(alias)
    if compiled is None:
        return False
    sql, params = compiled
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user.pk if param == _STAND_IN_ID else param for param in params])
        return cursor.fetchone() is not None


class SecondFactorMiddleware:
    """Until the code is given, a person with a device (or an admin who must have one) reaches
    only ``UNVERIFIED_PAGES``; one who must enrol, the set-up page as well. Everything else,
    pages, downloads, the API by session and addresses that match nothing, is refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            has_device = has_confirmed_device(user)
            if has_device or policy.must_use_second_factor(user):
                allowed = UNVERIFIED_PAGES if has_device else UNVERIFIED_PAGES | {ENROLMENT_PAGE}
                match = self._resolve(request)
                if match is None or match.view_name not in allowed:
                    return self._refuse(request, match, has_device)
        return self.get_response(request)

    @staticmethod
    def _resolve(request):
        try:
            return resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None

    @staticmethod
    def _refuse(request, match, has_device):
        view_class = getattr(match.func, "cls", None) if match else None
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            # The API answers in JSON, never with a sign-in page. A script uses a token, not a session.
            return JsonResponse(
                {
                    "detail": "This session has not given its two-step verification code: sign in to the tracker, or use an API token"
                },
                status=403,
            )
        if has_device:
            return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.get_full_path()})}")
        return redirect(ENROLMENT_PAGE)
