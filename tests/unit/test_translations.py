"""Every translatable string in the code and templates has a Thai translation: Thai is the default language."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo

PACKAGE = Path(__file__).resolve().parents[2] / "survey_app"
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _thai_catalogue() -> dict[str, str]:
    merged: dict[str, str] = {}
    for mo in sorted((PACKAGE / "translations").glob("*/th/LC_MESSAGES/messages.mo")):
        with open(mo, "rb") as handle:
            for message in read_mo(handle):
                if message.id and message.string:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    merged[key] = message.string if isinstance(message.string, str) else message.string[0]
    return merged


def test_every_translatable_string_has_a_thai_translation() -> None:
    catalogue = _thai_catalogue()
    missing = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        PACKAGE, METHOD_MAP, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid and msgid not in catalogue:
            missing.append(f"{filename}: {msgid!r}")
    assert not missing, "no Thai translation for:\n" + "\n".join(missing)


def test_thai_translations_are_thai() -> None:
    catalogue = _thai_catalogue()
    assert len(catalogue) > 40
    not_thai = [k for k, v in catalogue.items() if not any("\u0e00" <= ch <= "\u0e7f" for ch in v) and v != k]
    assert not not_thai, f"translations without Thai characters: {not_thai[:5]}"
