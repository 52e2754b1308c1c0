"""Survey link tokens and the form nonce, checked against an independent computation of the documented format."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import string

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from survey_app.public.forms import NONCE_MAX_AGE, NonceError, issue_nonce, read_nonce
from survey_app.tokens import (
    InvitationRef,
    PosterRef,
    TokenError,
    invitation_token,
    optout_token,
    poster_token,
    read_token,
    verify_optout_token,
)

KEYS = ["newest-key", "older-key"]
URL_SAFE = set(string.ascii_letters + string.digits + "-_.")


def _expected(value: str, key: str, salt: str) -> str:
    """The documented token, computed without itsdangerous: value "." base64url(HMAC-SHA256(k, value)[:16]),
    where k = HMAC-SHA256(key, salt) (itsdangerous' "hmac" key derivation)."""
    derived = hmac.new(key.encode(), salt.encode(), hashlib.sha256).digest()
    mac = hmac.new(derived, value.encode(), hashlib.sha256).digest()[:16]
    return value + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_poster_token_matches_the_documented_format_and_is_signed_with_the_newest_key() -> None:
    assert poster_token(17, 2, KEYS) == _expected("p17-2", "newest-key", "survey-link")
    assert read_token(poster_token(17, 2, KEYS), KEYS) == PosterRef(17, 2)


def test_invitation_and_optout_tokens_match_the_documented_format() -> None:
    invitation_id = secrets.token_urlsafe(16)
    assert invitation_token(invitation_id, KEYS) == _expected(
        "i" + invitation_id, "newest-key", "survey-link"
    )
    assert optout_token(invitation_id, KEYS) == _expected(invitation_id, "newest-key", "survey-optout")
    assert read_token(invitation_token(invitation_id, KEYS), KEYS) == InvitationRef(invitation_id)
    assert verify_optout_token(optout_token(invitation_id, KEYS), KEYS) == invitation_id


def test_rotation_old_key_verifies_until_removed() -> None:
    printed = poster_token(5, 1, ["2025"])
    assert read_token(printed, ["2026", "2025"]) == PosterRef(5, 1)
    assert poster_token(5, 1, ["2026", "2025"]) == poster_token(5, 1, ["2026"])
    with pytest.raises(TokenError):
        read_token(printed, ["2026"])


def test_tokens_are_compact_enough_for_a_90_character_url() -> None:
    base = "https://" + "x" * 26 + ".go.th"  # a 40-character BASE_URL
    invitation = base + "/s/" + invitation_token(secrets.token_urlsafe(16), KEYS)
    poster = base + "/s/" + poster_token(99_999, 999, KEYS)
    assert len(base) == 40 and len(invitation) < 90 and len(poster) < 90
    assert set(invitation.split("/s/")[1]) <= URL_SAFE and set(poster.split("/s/")[1]) <= URL_SAFE


def test_a_token_of_one_kind_is_not_accepted_as_another() -> None:
    invitation_id = secrets.token_urlsafe(16)
    with pytest.raises(TokenError):
        read_token(optout_token(invitation_id, KEYS), KEYS)
    with pytest.raises(TokenError):
        verify_optout_token(invitation_token(invitation_id, KEYS), KEYS)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "p1-1",
        "p1-1.",
        ".AAAAAAAAAAAAAAAAAAAAAA",
        "p1-1.AAAAAAAAAAAAAAAAAAAAAA",
        "p1-1." + "A" * 200,
        "p1-1.ออออ",
        "p1-1.AAAAAAAAAAAAAAAAAAAAA=",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        read_token(token, KEYS)


@given(st.integers(1, 10**9), st.integers(1, 10**5), st.integers(0, 26), st.sampled_from("AQgw_-0z"))
def test_changing_any_character_of_a_token_makes_it_invalid(
    link_id: int, version: int, at: int, char: str
) -> None:
    token = poster_token(link_id, version, KEYS)
    at = at % len(token)
    altered = token[:at] + char + token[at + 1 :]
    if altered == token:
        return
    try:
        ref = read_token(altered, KEYS)
    except TokenError:
        return
    pytest.fail(f"{altered} was accepted as {ref}")


def test_signed_value_of_no_known_shape_is_refused() -> None:
    # Correctly signed (so only a holder of the key could make it) but neither a poster nor an invitation.
    with pytest.raises(TokenError, match="unknown token kind"):
        read_token(_expected("x123", "newest-key", "survey-link"), KEYS)


# --- the form nonce ---------------------------------------------------------------------------------------


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "unit-test-secret"
    return app


def test_nonce_carries_its_first_render_time_and_a_hash_of_its_random_part(app: Flask) -> None:
    with app.app_context():
        value = issue_nonce(started=1_800_000_000, now=1_800_000_100)
        nonce = read_nonce(value, now=1_800_000_200)
    assert nonce.started == 1_800_000_000
    reader = URLSafeSerializer("unit-test-secret", salt="survey-form-nonce")
    random_part, started, issued = reader.loads(value)
    assert (started, issued) == (1_800_000_000, 1_800_000_100)
    assert nonce.hash == hashlib.sha256(random_part.encode()).hexdigest() and len(random_part) >= 22
    # Spent-nonce records outlive the nonce: kept until the day after it can no longer be submitted.
    last_valid = dt.datetime.fromtimestamp(1_800_000_100 + NONCE_MAX_AGE, dt.UTC).date()
    assert nonce.expires_on == last_valid + dt.timedelta(days=1)


def test_two_nonces_differ_and_each_hash_is_stable(app: Flask) -> None:
    with app.app_context():
        first, second = issue_nonce(), issue_nonce()
        assert first != second
        assert read_nonce(first).hash == read_nonce(first).hash != read_nonce(second).hash


def test_nonce_older_than_its_maximum_age_is_refused_but_keeps_its_start(app: Flask) -> None:
    with app.app_context():
        value = issue_nonce(now=1_000)
        assert read_nonce(value, now=1_000 + NONCE_MAX_AGE).started == 1_000
        with pytest.raises(NonceError) as refused:
            read_nonce(value, now=1_001 + NONCE_MAX_AGE)
    assert refused.value.started == 1_000


@pytest.mark.parametrize("value", [None, "", "x" * 300, "WyJhIiwxLDFd.forged"])
def test_missing_or_forged_nonce_is_refused_without_a_start(app: Flask, value: str | None) -> None:
    with app.app_context(), pytest.raises(NonceError) as refused:
        read_nonce(value)
    assert refused.value.started is None


def test_nonce_signed_with_another_secret_is_refused(app: Flask) -> None:
    with app.app_context():
        value = issue_nonce()
    app.config["SECRET_KEY"] = "another-secret"
    with app.app_context(), pytest.raises(NonceError):
        read_nonce(value)
