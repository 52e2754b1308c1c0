"""QR codes read back by a real decoder (zbarimg) hold exactly the URL, at level Q with a 4-module quiet zone."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from survey_app.documents import qr
from tests.qrtools import decode, rasterise_svg

URL = "https://eit.industry.go.th/s/eyJvIjoiMTEiLCJjIjoxLCJhIjoiYyIsInYiOjF9.Zx1_aB-9"


def test_png_decodes_to_exactly_the_url(tmp_path: Path) -> None:
    path = tmp_path / "code.png"
    path.write_bytes(qr.png(URL))
    assert decode(path) == [URL]


def test_svg_decodes_to_exactly_the_url(tmp_path: Path) -> None:
    svg = qr.svg(URL).decode()
    assert svg.startswith("<?xml") and "<svg" in svg and 'fill="white"' in svg
    assert decode(rasterise_svg(svg, tmp_path / "svg.png")) == [URL]


def test_png_has_a_quiet_zone_of_four_white_modules() -> None:
    image = Image.open(io.BytesIO(qr.png(URL, box_pixels=10))).convert("L")
    width, _ = image.size
    pixels = image.load()
    # Dark modules start at exactly 4 modules (40 px) from every edge.
    first_dark = min(x for x in range(width) if any(pixels[x, y] < 128 for y in range(width)))
    last_dark = max(x for x in range(width) if any(pixels[x, y] < 128 for y in range(width)))
    assert first_dark == 40
    assert width - 1 - last_dark == 40


def test_error_correction_is_level_q() -> None:
    # The format information next to the top-left finder pattern encodes the level: bits 01 = L, 00 = M, 11 = Q,
    # 10 = H, masked with 101010000010010 (ISO/IEC 18004, 7.9). Row 8, columns 0 and 1 hold its first two bits.
    matrix = qr.modules(URL)
    quiet = 4
    bits = (matrix[quiet + 8][quiet + 0], matrix[quiet + 8][quiet + 1])
    level = (int(bits[0]) ^ 1, int(bits[1]) ^ 0)
    assert level == (1, 1)


def test_an_empty_url_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a URL"):
        qr.png("")
