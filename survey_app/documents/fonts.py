"""Thai fonts and shaping for printed documents, in one place.

fpdf2 lays pages out and shapes Thai through HarfBuzz (``set_text_shaping``), so tone marks and upper and lower
vowels stack as in print. The fonts are TLWG's Loma and TlwgMono, vendored in ``static/fonts`` (GPL with the font
exception, see the licence there) so that a fresh machine renders the same document.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
THAI = re.compile("[\u0e00-\u0e7f]")
SANS = "Loma"
MONO = "TlwgMono"


def has_thai(text: str) -> bool:
    """Whether ``text`` holds a Thai character (and so needs HarfBuzz shaping, which is slow)."""
    return bool(THAI.search(text))


class ThaiPDF(FPDF):
    """An A4 portrait fpdf2 document with the Thai fonts registered and text shaping on."""

    def __init__(self, creator: str = "EIT survey, Ministry of Industry") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(SANS, "", str(FONTS / "Loma.ttf"))
        self.add_font(SANS, "B", str(FONTS / "Loma-Bold.ttf"))
        self.add_font(MONO, "", str(FONTS / "TlwgMono.ttf"))
        self.set_text_shaping(True)
        self.set_creator(creator)

    def shape_for(self, text: str) -> None:
        """Turn HarfBuzz shaping on only for text that has Thai in it."""
        self.set_text_shaping(has_thai(text))
