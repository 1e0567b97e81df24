"""Signing in: throttling (django-axes), sessions, password rules and two-factor codes (django-otp).

The tests drive the real login form; TOTP codes are computed here from the
secret the set-up page shows, as an authenticator app would (RFC 6238).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import struct

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests import factories
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
START = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)


def totp(secret_b32: str, at: dt.datetime) -> str:
    """Return the 6-digit RFC 6238 code (SHA-1, 30 s steps) for a base32 secret at a moment."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at.timestamp()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def sign_in(client, username, password=PASSWORD, code="", ip="10.0.0.1", **extra):
    data = {"username": username, "password": password, "code": code}
    return client.post(LOGIN, data, REMOTE_ADDR=ip, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def author_user(db):
    return factories.UserFactory(username="author-a", groups=["Authors"])


@pytest.fixture
def editor_user(db):
    return factories.UserFactory(username="editor-e", groups=["Editors"])


# --------------------------------------------------------------------------- throttling


def test_sixty_wrong_passwords_then_the_right_one_is_refused_from_that_address(client, author_user):
    for _ in range(60):
        sign_in(client, "author-a", password="wrong-password")
    response = sign_in(client, "author-a")
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert not signed_in(client)


def test_a_guesser_cannot_lock_a_colleague_out_from_elsewhere(client, author_user):
    for _ in range(10):
        sign_in(client, "author-a", password="wrong-password", ip="203.0.113.9")
    assert sign_in(client, "author-a", ip="203.0.113.9").status_code == 429
    response = sign_in(client, "author-a", ip="10.0.0.7")
    assert response.status_code == 302 and signed_in(client)


def test_one_address_guessing_many_names_is_stopped(client, db):
    for n in range(6):
        factories.UserFactory(username=f"victim{n}")
        sign_in(client, f"victim{n}", password="wrong-password", ip="198.51.100.4")
    factories.UserFactory(username="victim-last")
    assert sign_in(client, "victim-last", ip="198.51.100.4").status_code == 429


def test_the_pause_ends_after_the_cool_off(client, author_user, settings):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "author-a", password="wrong-password")
        assert sign_in(client, "author-a").status_code == 429
        traveller.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))
        response = sign_in(client, "author-a")
        assert response.status_code == 302 and signed_in(client)


def test_the_client_address_header_is_configurable(client, author_user, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # Every request reaches the app from the proxy at 10.9.9.9; the client differs.
        sign_in(client, "author-a", password="wrong-password", ip="10.9.9.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert sign_in(client, "author-a", ip="10.9.9.9", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    # A forged left-hand entry does not change who the proxy says is asking.
    forged = sign_in(client, "author-a", ip="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.1")
    assert forged.status_code == 429
    response = sign_in(client, "author-a", ip="10.9.9.9", HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert response.status_code == 302


# --------------------------------------------------------------------------- sessions and passwords


def test_signing_in_rotates_the_session_and_signing_out_ends_it(client, author_user):
    client.get(LOGIN)
    session = client.session
    session["before"] = "x"
    session.save()
    before = session.session_key
    assert sign_in(client, "author-a").status_code == 302
    after = client.session.session_key
    assert after != before
    client.post("/accounts/logout/")
    assert not signed_in(client)
    client.cookies["sessionid"] = after  # the old cookie no longer signs anyone in
    assert client.get("/studio/").status_code == 302


def test_deactivating_a_user_ends_their_session(client, author_user):
    sign_in(client, "author-a")
    assert client.get("/studio/").status_code == 200
    author_user.is_active = False
    author_user.save(update_fields=["is_active"])
    response = client.get("/studio/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("password", ["vetted", "12345678901", "password123", "author-a-2024"])
def test_weak_passwords_are_refused(password, author_user):
    with pytest.raises(ValidationError):
        validate_password(password, user=author_user)


# --------------------------------------------------------------------------- two factors


def _set_up_totp(client, at: dt.datetime) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through the real page; return the secret and the recovery codes."""
    html = client.post("/accounts/two-factor/", {"action": "start"}, follow=True).content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html).group(1)
    assert 'src="data:image/svg+xml;base64,' in html
    response = client.post("/accounts/two-factor/", {"action": "confirm", "code": totp(secret, at)})
    html = response.content.decode()
    codes = re.findall(r"<li><code>([0-9a-f]{8})</code></li>", html)
    assert len(codes) == 10
    return secret, codes


def test_opening_the_two_factor_page_writes_nothing(client, author_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(author_user)
    html = client.get("/accounts/two-factor/").content.decode()
    assert "Set up an authenticator app" in html and 'class="secret"' not in html
    client.get("/accounts/two-factor/")
    assert not TOTPDevice.objects.filter(user=author_user).exists()


def test_starting_set_up_makes_one_pending_device_and_keeps_its_secret(client, author_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(author_user)
    response = client.post("/accounts/two-factor/", {"action": "start"})
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    first = re.search(r'<code class="secret">([A-Z2-7]+)</code>', client.get("/accounts/two-factor/").content.decode())
    client.post("/accounts/two-factor/", {"action": "start"})
    again = re.search(r'<code class="secret">([A-Z2-7]+)</code>', client.get("/accounts/two-factor/").content.decode())
    assert first and again and first.group(1) == again.group(1)
    assert TOTPDevice.objects.filter(user=author_user, confirmed=False).count() == 1


def test_starting_set_up_again_when_two_factor_is_on_is_refused(client, author_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with time_machine.travel(START, tick=False):
        client.force_login(author_user)
        _set_up_totp(client, timezone.now())
        response = client.post("/accounts/two-factor/", {"action": "start"}, follow=True)
    assert "already on for your account" in response.content.decode()
    assert TOTPDevice.objects.filter(user=author_user).count() == 1


def test_staff_turn_on_totp_and_then_need_the_code_to_sign_in(client, author_user):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "author-a")
        secret, _ = _set_up_totp(client, timezone.now())
        client.post("/accounts/logout/")
        traveller.shift(dt.timedelta(seconds=31))

        response = sign_in(client, "author-a", ip="10.0.0.2")
        assert response.status_code == 200 and not signed_in(client)
        assert "enter the 6-digit code" in response.content.decode()

        response = sign_in(client, "author-a", code="000000", ip="10.0.0.3")
        assert not signed_in(client) and "That code is not right" in response.content.decode()

        traveller.shift(dt.timedelta(minutes=2))  # django-otp slows down retries after a wrong code
        response = sign_in(client, "author-a", code=totp(secret, timezone.now()), ip="10.0.0.4")
        assert response.status_code == 302 and signed_in(client)


def test_a_recovery_code_signs_in_once(client, author_user):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "author-a")
        _, codes = _set_up_totp(client, timezone.now())
        client.post("/accounts/logout/")
        assert sign_in(client, "author-a", code=codes[0]).status_code == 302
        client.post("/accounts/logout/")
        traveller.shift(dt.timedelta(minutes=2))
        response = sign_in(client, "author-a", code=codes[0])
        assert not signed_in(client) and "used already" in response.content.decode()


def test_a_code_cannot_be_used_twice(client, author_user):
    with time_machine.travel(START, tick=False):
        sign_in(client, "author-a")
        secret, _ = _set_up_totp(client, timezone.now())
        client.post("/accounts/logout/")
        # The code that confirmed the app is spent: a replayed code is refused.
        response = sign_in(client, "author-a", code=totp(secret, timezone.now()))
        assert not signed_in(client) and response.status_code == 200


def test_removing_two_factor_needs_a_right_code_and_a_wrong_one_changes_nothing(client, author_user, caplog):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "author-a")
        _, codes = _set_up_totp(client, timezone.now())
        response = client.post("/accounts/two-factor/", {"action": "remove", "code": "ffffffff"})
        assert "That code is not right" in response.content.decode()
        assert TOTPDevice.objects.filter(user=author_user, confirmed=True).exists()
        traveller.shift(dt.timedelta(minutes=2))
        with caplog.at_level("INFO", logger="vetted.security"):
            response = client.post("/accounts/two-factor/", {"action": "remove", "code": codes[0]})
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=author_user).exists()
        assert not StaticDevice.objects.filter(user=author_user).exists()
        assert any(getattr(r, "action", "") == "two_factor_remove" for r in caplog.records)


def test_new_recovery_codes_replace_the_old_ones(client, author_user):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "author-a")
        _, old = _set_up_totp(client, timezone.now())
        response = client.post("/accounts/two-factor/", {"action": "recovery", "code": old[0]})
        new = re.findall(r"<li><code>([0-9a-f]{8})</code></li>", response.content.decode())
        assert len(new) == 10 and not set(new) & set(old)
        client.post("/accounts/logout/")
        assert not signed_in(client) and sign_in(client, "author-a", code=old[1]).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))  # django-otp slows down retries after a wrong code
        assert sign_in(client, "author-a", code=new[0], ip="10.0.0.9").status_code == 302


def test_when_required_an_editor_must_set_up_two_factor_before_the_desk(client, editor_user, settings):
    settings.REQUIRE_STAFF_2FA = True
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "editor-e")
        response = client.get("/publishing/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
        assert "needs two-factor" in client.get(response["Location"]).content.decode()
        secret, _ = _set_up_totp(client, timezone.now())
        assert client.get("/publishing/").status_code == 200  # verified in this session by setting up

        client.post("/accounts/logout/")
        traveller.shift(dt.timedelta(seconds=31))
        sign_in(client, "editor-e", code=totp(secret, timezone.now()))
        assert client.get("/publishing/").status_code == 200


def test_when_required_an_unverified_session_is_asked_for_a_code(client, editor_user, settings):
    settings.REQUIRE_STAFF_2FA = True
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(editor_user)
        client.post("/accounts/two-factor/", {"action": "start"})  # make the pending device
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user=editor_user)
        device.confirmed = True
        device.save()
        secret = base64.b32encode(device.bin_key).decode()
        client.force_login(editor_user)  # a session that never gave a code
        response = client.get("/publishing/")
        assert response["Location"].startswith("/accounts/two-factor/verify/?next=/publishing/")
        traveller.shift(dt.timedelta(seconds=31))
        response = client.post(
            "/accounts/two-factor/verify/", {"code": totp(secret, timezone.now()), "next": "/publishing/"}
        )
        assert response.status_code == 302 and response["Location"] == "/publishing/"
        assert client.get("/publishing/").status_code == 200


def test_when_required_the_admin_is_behind_two_factor_too(client, settings, db):
    settings.REQUIRE_STAFF_2FA = True
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")


def test_authors_and_readers_are_not_forced(client, author_user, settings):
    settings.REQUIRE_STAFF_2FA = True
    sign_in(client, "author-a")
    assert client.get("/studio/").status_code == 200
    assert client.get("/").status_code == 200


def test_two_factor_is_off_by_default_under_tests_and_the_demo(settings):
    assert settings.REQUIRE_STAFF_2FA is False


def test_the_admin_sign_in_form_sends_people_to_the_one_with_the_second_factor(client, db):
    response = client.get("/admin/login/?next=/admin/articles/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/articles/"
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/accounts/login/?next=/admin/"


def test_a_recovery_code_made_only_of_digits_still_signs_in(client, author_user):
    # Hex recovery codes are all digits about one time in forty; they must not be mistaken for app codes.
    from django_otp.plugins.otp_static.models import StaticToken

    with time_machine.travel(START, tick=False):
        sign_in(client, "author-a")
        _, codes = _set_up_totp(client, timezone.now())
        StaticToken.objects.filter(token=codes[0]).update(token="12345678")
        client.post("/accounts/logout/")
        assert sign_in(client, "author-a", code="1234 5678").status_code == 302 and signed_in(client)
