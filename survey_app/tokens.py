"""Signing and verifying survey links: poster tokens, invitation tokens and opt-out tokens.

Every survey URL is ``BASE_URL + "/s/" + token``. A token is a short value followed by ``.`` and a signature::

    p<link id>-<version>.<signature>        poster link, e.g. p17-2.Xq3kT0v9b8LmYc1sPzW4aA   (about 27 characters)
    i<invitation id>.<signature>            emailed invitation (the id is 22 random URL-safe characters: 46 in all)

and an opt-out URL is ``BASE_URL + "/o/" + <invitation id>.<signature>`` (signed in its own context, so a survey
token never works as an opt-out token or the other way round).

The signature is HMAC-SHA256 truncated to 128 bits (22 base64url characters), computed by ``itsdangerous`` with
HMAC key derivation from the keys in ``LINK_KEYS`` (``SURVEY_LINK_KEYS``, newest first). The newest key signs;
every listed key verifies, so adding a new key in front keeps posters printed under the old one working until the
old key is removed from the list. itsdangerous wants its keys oldest first, hence the reversal below.

What a token does not carry, on purpose:

- No office, cycle or audience in a poster token: they are looked up from the link's row, and the version in the
  token must equal the row's version, so bumping a link's version revokes every poster printed with the old one.
- No expiry in an invitation token: it stops working when its cycle closes (state or closing date), looked up at
  each use, so extending a cycle's deadline extends its invitations too.

A poster also carries a *short code* for people who cannot scan: six characters from an alphabet without the
look-alikes 0/O, 1/I/L (:data:`SHORT_CODE_ALPHABET`), typed at ``BASE_URL/t``. It is an HMAC of the link's id and
version under a link key, so it cannot be guessed without the key, and bumping the version retires it with the
token. It is not stored: ``/t`` recomputes the codes of the active links (under every listed key, so codes printed
before a key rotation keep working) and redirects to the link's current survey URL.

Tokens use only ``[A-Za-z0-9_.-]`` and stay short so that a whole survey URL is under 90 characters for any
``BASE_URL`` of up to 40 characters, and a printed QR code stays coarse and easy to scan.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, BadSignature, Signer
from itsdangerous.encoding import base64_decode, base64_encode
from itsdangerous.signer import SigningAlgorithm

from .models import SurveyLink

SURVEY_SALT = "survey-link"
OPTOUT_SALT = "survey-optout"
SIGNATURE_BYTES = 16
MAX_TOKEN_LENGTH = 80  # anything longer is refused before any cryptography
_POSTER = re.compile(r"p([1-9][0-9]{0,9})-([1-9][0-9]{0,5})")
_INVITATION = re.compile(r"i([A-Za-z0-9_-]{16,32})")
_INVITATION_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")


SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols: no 0/O, 1/I/L, so none is misread
SHORT_CODE_LENGTH = 6  # 31**6 ≈ 8.9e8 codes for a few hundred live links
_SHORT_CODE_SALT = b"survey-short-code\0"


class TokenError(ValueError):
    """The token is malformed or its signature does not verify under any current key (a tampered link)."""


@dataclass(frozen=True)
class PosterRef:
    """What a valid poster token names: a survey link at one version."""

    link_id: int
    version: int


@dataclass(frozen=True)
class InvitationRef:
    """What a valid invitation token names: one invitation."""

    invitation_id: str


class _TruncatedHMAC(SigningAlgorithm):
    """HMAC-SHA256 cut to 128 bits: ample against forgery, and 21 characters shorter than the full MAC."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _keys(keys: Sequence[str] | None) -> list[str]:
    newest_first = list(keys if keys is not None else current_app.config["LINK_KEYS"])
    if not newest_first:
        raise ValueError("LINK_KEYS is empty: set SURVEY_LINK_KEYS or SURVEY_SECRET_KEY")
    return newest_first[::-1]  # itsdangerous signs with the last key


def _signer(salt: str, keys: Sequence[str] | None) -> Signer:
    return Signer(
        _keys(keys),
        salt=salt,
        sep=".",
        key_derivation="hmac",
        digest_method=hashlib.sha256,
        algorithm=_TruncatedHMAC(),
    )


def _canonical(token: str) -> bool:
    """Whether the signature is written the one way it can be: 22 base64url characters encode 128 bits, and the
    last character's 4 spare bits must be zero, or one link would have 16 spellings."""
    signature = token.rpartition(".")[2]
    try:
        return base64_encode(base64_decode(signature)).decode("ascii") == signature
    except BadData:
        return False


def _unsign(token: str, salt: str, keys: Sequence[str] | None) -> str:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii() or not _canonical(token):
        raise TokenError("malformed token")
    try:
        return _signer(salt, keys).unsign(token).decode("ascii")
    except BadSignature as exc:
        raise TokenError("signature does not verify") from exc


def poster_token(link_id: int, version: int, keys: Sequence[str] | None = None) -> str:
    """The signed token of poster link ``link_id`` at ``version``."""
    if link_id < 1 or version < 1:
        raise ValueError("link id and version start at 1")
    return _signer(SURVEY_SALT, keys).sign(f"p{link_id}-{version}").decode("ascii")


def invitation_token(invitation_id: str, keys: Sequence[str] | None = None) -> str:
    """The signed token of invitation ``invitation_id``."""
    if not _INVITATION_ID.fullmatch(invitation_id):
        raise ValueError("an invitation id is 16 to 32 URL-safe characters")
    return _signer(SURVEY_SALT, keys).sign(f"i{invitation_id}").decode("ascii")


def read_token(token: str, keys: Sequence[str] | None = None) -> PosterRef | InvitationRef:
    """What survey ``token`` names; raises :class:`TokenError` when it is malformed or its signature is wrong."""
    value = _unsign(token, SURVEY_SALT, keys)
    if match := _POSTER.fullmatch(value):
        return PosterRef(int(match.group(1)), int(match.group(2)))
    if match := _INVITATION.fullmatch(value):
        return InvitationRef(match.group(1))
    raise TokenError("unknown token kind")  # signed by us but of no known shape: treat as tampered


def optout_token(invitation_id: str, keys: Sequence[str] | None = None) -> str:
    """The signed token of the opt-out link of invitation ``invitation_id``."""
    if not _INVITATION_ID.fullmatch(invitation_id):
        raise ValueError("an invitation id is 16 to 32 URL-safe characters")
    return _signer(OPTOUT_SALT, keys).sign(invitation_id).decode("ascii")


def verify_optout_token(token: str, keys: Sequence[str] | None = None) -> str:
    """The invitation id of opt-out ``token``; raises :class:`TokenError` when it does not verify."""
    value = _unsign(token, OPTOUT_SALT, keys)
    if not _INVITATION_ID.fullmatch(value):
        raise TokenError("not an invitation id")
    return value


def _base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def public_url(path: str) -> str:
    """The public origin followed by ``path`` (``/privacy``), as printed on posters and in emails."""
    return _base_url() + path


def mail_message_id(outbox_id: int, sender: str) -> str:
    """A Message-ID for an outbox message that says nothing of it to the recipient: an HMAC of its id under the
    application's secret key, at the sender's domain."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"outbox:{outbox_id}".encode(), hashlib.sha256).hexdigest()[:24]
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    return f"<eit.{digest}@{domain}>"


def poster_url(link: SurveyLink) -> str:
    """The public survey URL of poster ``link`` at its current version (for QR codes and posters)."""
    return f"{_base_url()}/s/{poster_token(link.id, link.version)}"


def link_url(link: SurveyLink) -> str:
    """The URL a link's QR code and short code open: the survey, or for a counter kiosk link the kiosk page."""
    if link.channel == "kiosk":
        return f"{_base_url()}/k/{poster_token(link.id, link.version)}"
    return poster_url(link)


def invitation_url(invitation_id: str) -> str:
    """The personal survey URL of invitation ``invitation_id`` (for invitation emails)."""
    return f"{_base_url()}/s/{invitation_token(invitation_id)}"


def optout_url(invitation_id: str) -> str:
    """The URL that stops further emails for invitation ``invitation_id`` (served at ``/o/<token>``)."""
    return f"{_base_url()}/o/{optout_token(invitation_id)}"


def short_code(link_id: int, version: int, key: str) -> str:
    """The six-character code printed on the poster of link ``link_id`` at ``version``, under link ``key``."""
    if link_id < 1 or version < 1:
        raise ValueError("link id and version start at 1")
    digest = hmac.new(
        key.encode(), _SHORT_CODE_SALT + f"p{link_id}-{version}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest[:16], "big")  # 128 bits: the modulo bias over 31**6 is below 1e-29
    symbols = []
    for _position in range(SHORT_CODE_LENGTH):
        number, index = divmod(number, len(SHORT_CODE_ALPHABET))
        symbols.append(SHORT_CODE_ALPHABET[index])
    return "".join(symbols)


def poster_short_code(link: SurveyLink) -> str:
    """The code printed on ``link``'s poster now: under the newest link key."""
    return short_code(link.id, link.version, _keys(None)[-1])


def normalise_short_code(typed: str) -> str:
    """``typed`` as a code: spaces and hyphens dropped, upper case; raises ``ValueError`` when it cannot be one
    (wrong length, or a character outside the alphabet)."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != SHORT_CODE_LENGTH or any(ch not in SHORT_CODE_ALPHABET for ch in code):
        raise ValueError("not a short code")
    return code


def short_code_url() -> str:
    """Where people type a poster's short code (printed on posters)."""
    return f"{_base_url()}/t"
