"""Poster short codes: six characters without look-alikes, an HMAC of the link's id and version."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from survey_app.tokens import SHORT_CODE_ALPHABET, normalise_short_code, short_code


def test_alphabet_has_no_characters_people_misread() -> None:
    assert not set("0O1lIL") & set(SHORT_CODE_ALPHABET)
    assert len(set(SHORT_CODE_ALPHABET)) == len(SHORT_CODE_ALPHABET) == 31


def test_code_is_the_documented_hmac_written_in_base_31() -> None:
    # Worked independently of the module: HMAC-SHA256 of salt + "p17-2", first 16 bytes as a big-endian number,
    # written least significant digit first in the 31-symbol alphabet, 6 digits.
    digest = hmac.new(b"k", b"survey-short-code\0p17-2", hashlib.sha256).digest()
    number = int.from_bytes(digest[:16], "big")
    expected = "".join(SHORT_CODE_ALPHABET[(number // 31**i) % 31] for i in range(6))
    assert short_code(17, 2, "k") == expected


def test_code_changes_with_the_version_and_the_key_and_never_uses_look_alikes() -> None:
    codes = {short_code(link, version, key) for link in range(1, 200) for version in (1, 2) for key in "ab"}
    assert len(codes) == 199 * 2 * 2  # no two links, versions or keys share a code here
    assert all(len(c) == 6 and set(c) <= set(SHORT_CODE_ALPHABET) for c in codes)


@pytest.mark.parametrize(
    ("typed", "code"), [("k7mq4r", "K7MQ4R"), (" K7M-Q4R ", "K7MQ4R"), ("k7m q4r", "K7MQ4R")]
)
def test_typed_codes_forgive_case_spaces_and_hyphens(typed: str, code: str) -> None:
    assert normalise_short_code(typed) == code


@pytest.mark.parametrize(
    "typed", ["", "K7MQ4", "K7MQ4RX", "K7MQ40", "K7MQ4O", "K7MQ41", "K7MQ4I", "K7MQ4L", "ก7MQ4R"]
)
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not a short code"):
        normalise_short_code(typed)


def test_short_codes_are_kept_out_of_log_lines() -> None:
    from survey_app.web.logfilter import redact

    assert redact('"GET /t/K7MQ4R HTTP/1.1" 303') == '"GET /t/[token] HTTP/1.1" 303'
    assert (
        redact('"GET /t?code=k7m-q4r&lang=en HTTP/1.1" 303') == '"GET /t?code=[token]&lang=en HTTP/1.1" 303'
    )
    assert redact('"GET /staff/offices/50 HTTP/1.1" 200') == '"GET /staff/offices/50 HTTP/1.1" 200'
