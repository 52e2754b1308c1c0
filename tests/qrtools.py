"""Read QR codes back with a real decoder (zbarimg, Debian's zbar-tools) and rasterise PDFs with pdftoppm."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

RECT = re.compile(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z")


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs {name} (Debian package {package})")
    return path


def decode(image: Path) -> list[str]:
    """Every QR code zbarimg finds in ``image``, as text."""
    result = subprocess.run(
        [_tool("zbarimg", "zbar-tools"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return [line for line in result.stdout.splitlines() if line]


def pdf_to_png(pdf: Path, out_prefix: Path, dpi: int = 150, page: int | None = None) -> list[Path]:
    """Rasterise ``pdf`` (one page or all) with pdftoppm; returns the PNG files in page order."""
    args = [_tool("pdftoppm", "poppler-utils"), "-r", str(dpi), "-png"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    subprocess.run([*args, str(pdf), str(out_prefix)], check=True, timeout=120)
    return sorted(out_prefix.parent.glob(out_prefix.name + "*.png"))


def rasterise_svg(svg: str, out: Path, pixels_per_unit: int = 10) -> Path:
    """Draw the rectangles of a qrcode SVG path (its only shapes) on white: an independent rasteriser."""
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    assert view, "the SVG has no viewBox"
    width, height = (round(float(v) * pixels_per_unit) for v in view.groups())
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for x1, y1, x2, y2 in RECT.findall(svg):
        box = [round(float(v) * pixels_per_unit) for v in (x1, y1, x2, y2)]
        draw.rectangle([box[0], box[1], box[2] - 1, box[3] - 1], fill=0)
    image.save(out)
    return out
