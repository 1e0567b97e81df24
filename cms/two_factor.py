"""Second-factor services: the rules for adding, checking and removing a user's authenticator.

Views (cms/accounts.py) only parse input and call these. Every change runs in
one transaction and is written to the ``vetted.security`` log (who, what),
so an account's second factor never changes without a trace.
"""

from __future__ import annotations

import logging
import secrets

from django.db import transaction
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms import roles

logger = logging.getLogger("vetted.security")

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class TwoFactorError(Exception):
    """A second-factor code was wrong, already used, or the action does not fit the account's state."""


def confirmed_devices(user) -> list:
    """Return the user's confirmed second-factor devices: authenticator first, then recovery codes."""
    totp = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    static = list(StaticDevice.objects.filter(user=user, confirmed=True))
    return totp + static


def _looks_like_app_code(code: str) -> bool:
    """An authenticator shows six digits; recovery codes are eight hex characters (which may all be digits)."""
    return len(code) == 6 and code.isdigit()


def verify_code(user, code: str):
    """Return the device that accepts this code (authenticator or recovery code), or None."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    for device in confirmed_devices(user):
        if isinstance(device, TOTPDevice) != _looks_like_app_code(code):
            continue  # an app code is never tried as a recovery code, nor the reverse
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return device
    return None


def requires_two_factor(user) -> bool:
    """Return True if this user must use a second factor (board members, editors, admin staff)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or roles.has_role(user, roles.BOARD, roles.EDITORS)


def two_factor_active_device(user) -> TOTPDevice | None:
    """Return the user's confirmed authenticator, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_pending_device(user) -> TOTPDevice | None:
    """Return the authenticator being set up (unconfirmed), or None when set-up has not been started."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def two_factor_start(*, acting_user) -> TOTPDevice:
    """Start setting up an authenticator: make the pending device with a new secret (kept if one exists).

    Only a POST calls this, so opening the settings page writes nothing.
    """
    if two_factor_active_device(acting_user) is not None:
        raise TwoFactorError(gettext("Two-factor sign-in is already on for your account."))
    device = TOTPDevice.objects.select_for_update().filter(user=acting_user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=acting_user, name=TOTP_NAME, confirmed=False)
        logger.info("two-factor set-up started", extra={"user_id": acting_user.pk, "action": "two_factor_start"})
    return device


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _ensure_code(user, code: str) -> None:
    if verify_code(user, code) is None:
        raise TwoFactorError(gettext("That code is not right (or was used already)."))


@transaction.atomic
def two_factor_confirm(*, acting_user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn the pending authenticator on once it shows a right code; return it and ten new recovery codes."""
    if two_factor_active_device(acting_user) is not None:
        raise TwoFactorError(gettext("Two-factor sign-in is already on for your account."))
    device = TOTPDevice.objects.select_for_update().filter(user=acting_user, confirmed=False).first()
    if device is None or not device.verify_token("".join(code.split())):
        raise TwoFactorError(gettext("That code is not right. Check the time on your phone and try the new code."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(acting_user)
    logger.info("two-factor on", extra={"user_id": acting_user.pk, "action": "two_factor_confirm"})
    return device, codes


@transaction.atomic
def two_factor_renew_recovery_codes(*, acting_user, code: str) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones (shown once), after a right code."""
    _ensure_code(acting_user, code)
    codes = _new_recovery_codes(acting_user)
    logger.info("recovery codes renewed", extra={"user_id": acting_user.pk, "action": "two_factor_recovery"})
    return codes


@transaction.atomic
def two_factor_remove(*, acting_user, code: str) -> None:
    """Remove the user's authenticator and recovery codes, after a right code."""
    _ensure_code(acting_user, code)
    TOTPDevice.objects.filter(user=acting_user).delete()
    StaticDevice.objects.filter(user=acting_user).delete()
    logger.info("two-factor off", extra={"user_id": acting_user.pk, "action": "two_factor_remove"})
