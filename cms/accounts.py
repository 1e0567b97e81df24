"""Signing in: password plus, for those who set one up, a second factor (django-otp).

- `LoginView` asks for the username, the password and, when the account has a
  confirmed authenticator, its 6-digit code (or one of the recovery codes).
  django-axes counts failed passwords per username and address and per
  address (settings); codes are throttled by django-otp per device.
- `two_factor` (``/accounts/two-factor/``) lets any staff member add an
  authenticator app (TOTP) and get ten single-use recovery codes, make new
  codes, or remove the authenticator after confirming a current code.
- `two_factor_verify` asks an already signed-in user for a code (a session
  from before the authenticator was added, or one that must now be verified).
- `RequireTwoFactorMiddleware`: with ``REQUIRE_STAFF_2FA`` on, board members,
  editors and everyone in the admin must have verified a second factor in
  this session; until then they are sent to set one up or to enter a code.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from cms.security import is_staff_path
from cms.two_factor import (
    TwoFactorError,
    confirmed_devices,
    requires_two_factor,
    two_factor_active_device,
    two_factor_confirm,
    two_factor_pending_device,
    two_factor_remove,
    two_factor_renew_recovery_codes,
    two_factor_start,
    verify_code,
)

# --------------------------------------------------------------------------- sign in


class LoginForm(AuthenticationForm):
    """Username and password, and the second-factor code for accounts that have one."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("If you set up two-factor sign-in: the 6-digit code from your app, or a recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "code_required": "This account uses two-factor sign-in: enter the 6-digit code from your "
        "authenticator app, or one of your recovery codes.",
        "code_wrong": "That code is not right (or was used already). Enter the current code from your app, "
        "or an unused recovery code.",
    }

    def clean(self) -> dict:
        cleaned = super().clean()
        user = self.get_user()
        self.otp_device = None
        if user is not None and confirmed_devices(user):
            code = cleaned.get("code") or ""
            if not code.strip():
                raise forms.ValidationError(self.error_messages["code_required"], code="code_required")
            self.otp_device = verify_code(user, code)
            if self.otp_device is None:
                raise forms.ValidationError(self.error_messages["code_wrong"], code="code_wrong")
        return cleaned


class LoginView(auth_views.LoginView):
    """Django's login (it rotates the session key) plus the second factor."""

    form_class = LoginForm

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """Send the admin's own sign-in form to ours, so the admin cannot be a way around the second factor."""
    next_url = request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    return redirect(f"{reverse('login')}?next={next_url}")


# --------------------------------------------------------------------------- set up and verify


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}),
    )


def _qr_data_uri(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Show the second-factor settings; add an authenticator, make new recovery codes, or remove it."""
    user = request.user
    context: dict = {
        "active": two_factor_active_device(user),
        "required": requires_two_factor(user) and settings.REQUIRE_STAFF_2FA,
    }
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "start":
        try:
            two_factor_start(acting_user=user)
        except TwoFactorError as exc:
            messages.error(request, str(exc))
        return redirect("two_factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if action == "confirm" and context["active"] is None:
                device, codes = two_factor_confirm(acting_user=user, code=code)
                otp_login(request, device)
                context.update(active=device, codes=codes)
                messages.success(request, gettext("Two-factor sign-in is on. Keep the recovery codes somewhere safe."))
                return render(request, "registration/two_factor.html", context)
            if action == "recovery" and context["active"] is not None:
                context["codes"] = two_factor_renew_recovery_codes(acting_user=user, code=code)
                messages.success(request, gettext("New recovery codes made; the old ones no longer work."))
                return render(request, "registration/two_factor.html", context)
            if action == "remove" and context["active"] is not None:
                two_factor_remove(acting_user=user, code=code)
                messages.success(request, gettext("Two-factor sign-in is off for your account."))
                return redirect("two_factor")
        except TwoFactorError as exc:
            form.add_error("code", str(exc))
    if context["active"] is None:
        device = two_factor_pending_device(user)  # read only: a GET never makes a device (two_factor_start does)
        if device is not None:
            context.update(secret=base64.b32encode(device.bin_key).decode("ascii"), qr=_qr_data_uri(device.config_url))
    context["form"] = form
    return render(request, "registration/two_factor.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask a signed-in user for a code from their authenticator (or a recovery code) for this session."""
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("home")
    if not confirmed_devices(request.user):
        return redirect(f"{reverse('two_factor')}?next={next_url}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_code(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", gettext("That code is not right (or was used already)."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


# --------------------------------------------------------------------------- enforcement

# Pages an unverified user may still open: signing in and out, the two-factor pages, assets.
_OPEN_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/", "/static/")


class RequireTwoFactorMiddleware:
    """With REQUIRE_STAFF_2FA on, send board members, editors and admin staff to verify a second factor.

    Only the staff areas are guarded: reading the public site needs no account at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_STAFF_2FA
            and user is not None
            and requires_two_factor(user)
            and is_staff_path(request.path_info)
            and not request.path_info.startswith(_OPEN_PREFIXES)
            and not user.is_verified()
        ):
            target = "two_factor_verify" if confirmed_devices(user) else "two_factor"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
