"""QR codes for survey links, as PNG and SVG, with the ``qrcode`` package.

Error correction level Q (a quarter of the code may be smudged or covered by a pin and it still scans) and the
standard quiet zone of four modules. The code holds exactly the URL it is given: nothing is added or shortened.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.image.svg import SvgPathFillImage

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 requires
PNG_BOX_PIXELS = 12  # pixels per module: a 37-module code is about 540 px, sharp when printed 6–8 cm wide


def _code(url: str) -> qrcode.QRCode:
    """The smallest QR code that holds ``url`` at level Q."""
    if not url:
        raise ValueError("a QR code needs a URL")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=PNG_BOX_PIXELS)
    code.add_data(url)
    code.make(fit=True)
    return code


def png(url: str, box_pixels: int = PNG_BOX_PIXELS) -> bytes:
    """A black-on-white PNG of the QR code for ``url``."""
    code = _code(url)
    code.box_size = box_pixels
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def svg(url: str) -> bytes:
    """An SVG (one path, white background) of the QR code for ``url``; scales to any print size."""
    code = _code(url)
    image = code.make_image(image_factory=SvgPathFillImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def modules(url: str) -> list[list[bool]]:
    """The code's dark (True) and light modules, quiet zone included, for drawing it as vectors (posters)."""
    return [list(row) for row in _code(url).get_matrix()]
