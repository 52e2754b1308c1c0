"""Poster PDFs: A4, Thai shaped and embedded, the QR code (read back by zbarimg) at least 6 cm wide."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from survey_app.documents import posters
from survey_app.models import Audience
from tests.qrtools import decode, pdf_to_png

URL = "https://eit.industry.go.th/s/eyJvIjoiMTQiLCJjIjoxLCJhIjoiYyIsInYiOjJ9.kD83-x_Yq0"
POSTER = posters.Poster(
    office_code="14",
    office_th="สำนักงานอุตสาหกรรมจังหวัดพระนครศรีอยุธยา",
    office_en="Phra Nakhon Si Ayutthaya Provincial Industry Office",
    audience=Audience.CITIZEN,
    url=URL,
    opens_on=dt.date(2025, 10, 1),
    closes_on=dt.date(2026, 9, 30),
    privacy_url="https://eit.industry.go.th/privacy",
    results_url="https://eit.industry.go.th/r/14",
)
DPI = 150


def _pdftotext(pdf: Path) -> str:
    tool = shutil.which("pdftotext") or pytest.skip("needs pdftotext (poppler-utils)")
    return subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_poster_qr_code_reads_back_to_the_exact_url_and_is_at_least_6_cm_wide(tmp_path: Path) -> None:
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(posters.render([POSTER]))
    (png,) = pdf_to_png(pdf, tmp_path / "page", dpi=DPI)
    assert decode(png) == [URL]
    image = Image.open(png).convert("L")
    a4 = (210 / 25.4 * DPI, 297 / 25.4 * DPI)
    assert abs(image.size[0] - a4[0]) <= 1 and abs(image.size[1] - a4[1]) <= 1  # A4 portrait
    # The code's dark modules span (width - 2 quiet zones); measure the widest dark row in the QR's band.
    width_mm = _dark_span_mm(image, band=(0.3, 0.65))
    assert width_mm >= 60


def _dark_span_mm(image: Image.Image, band: tuple[float, float]) -> float:
    width, height = image.size
    pixels = image.load()
    top, bottom = int(height * band[0]), int(height * band[1])
    xs = [x for y in range(top, bottom, 3) for x in range(width) if pixels[x, y] < 60]
    return (max(xs) - min(xs)) / DPI * 25.4


def test_every_poster_of_a_batch_is_a_page_with_its_own_code(tmp_path: Path) -> None:
    second = posters.Poster(**{**POSTER.__dict__, "audience": Audience.BUSINESS, "url": URL + "B"})
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(posters.render([POSTER, second]))
    pages = pdf_to_png(pdf, tmp_path / "p", dpi=100)
    assert [decode(p) for p in pages] == [[URL], [URL + "B"]]
    text = _pdftotext(pdf)
    assert "For members of the public" in text and "For businesses" in text


def test_poster_embeds_the_thai_font_and_prints_names_dates_in_buddhist_era_and_the_url(
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(posters.render([POSTER]))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Loma" in fonts and all(" yes yes " in line for line in fonts.splitlines()[2:])
    text = " ".join(_pdftotext(pdf).split())
    assert POSTER.office_en in text
    assert "2568" in text and "2569" in text  # 1 Oct 2025 – 30 Sep 2026 in the Buddhist era
    assert "Open from 1 Oct 2025 to 30 Sep 2026" in text
    assert URL in text.replace(" ", "")
    assert "anonymous" in text and "Privacy notice" in text
    assert "This office's results: https://eit.industry.go.th/r/14" in text


def _ink_top(text: str, tmp_path: Path, shaping: bool = True) -> int:
    """The highest inked pixel row of ``text`` set at 60 pt in the poster's font, with or without shaping."""
    pdf = posters._PosterPDF()
    pdf.set_text_shaping(shaping)
    pdf.add_page()
    pdf.set_font("Loma", "", 60)
    pdf.set_xy(20, 20)
    pdf.cell(100, 40, text)
    name = f"ink-{shaping}-{ord(text[1])}"
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(bytes(pdf.output()))
    (png,) = pdf_to_png(path, tmp_path / name, dpi=100)
    image = Image.open(png).convert("L")
    pixels = image.load()
    return min(y for y in range(image.size[1]) for x in range(0, image.size[0], 2) if pixels[x, y] < 128)


def test_thai_is_shaped_so_tone_marks_stack_on_upper_vowels_and_sit_low_otherwise(tmp_path: Path) -> None:
    # In print, the tone mark of "ต่อ" sits just above the consonant, while in "ที่" it stacks above the vowel
    # sara ii. Only HarfBuzz shaping (the poster's setting) positions them so; unshaped, both marks sit high.
    vowel_top, stacked_top, low_mark_top = (_ink_top(t, tmp_path) for t in ("ตอ", "ที่", "ต่อ"))
    assert stacked_top < low_mark_top - 10 < vowel_top - 10
    assert _ink_top("ต่อ", tmp_path, shaping=False) == _ink_top("ที่", tmp_path, shaping=False)


def _band_pixels(png: Path) -> tuple[Image.Image, Image.Image]:
    """The top 15 % of a rendered page (the audience band) in colour and in grey."""
    image = Image.open(png).convert("RGB")
    band = image.crop((0, 0, image.size[0], int(image.size[1] * 0.15)))
    return band, band.convert("L")


def test_citizen_and_business_posters_differ_at_a_glance_in_colour_and_in_grey_print(tmp_path: Path) -> None:
    business = posters.Poster(**{**POSTER.__dict__, "audience": Audience.BUSINESS})
    pdf = tmp_path / "both.pdf"
    pdf.write_bytes(posters.render([POSTER, business]))
    citizen_png, business_png = pdf_to_png(pdf, tmp_path / "p", dpi=50)
    (citizen_band, citizen_grey), (business_band, business_grey) = map(
        _band_pixels, (citizen_png, business_png)
    )
    # Colour: the band's dominant colour is teal on one and orange-brown on the other (as read from the pixels).
    c_colour = max(citizen_band.getcolors(1 << 16) or [], key=lambda count_colour: count_colour[0])[1]
    b_colour = max(business_band.getcolors(1 << 16) or [], key=lambda count_colour: count_colour[0])[1]
    assert c_colour[1] > c_colour[0] + 60 and b_colour[0] > b_colour[1] + 60  # green-dominant vs red-dominant
    # Grey print: the heading and the icon differ, so a large share of the band's pixels differ too.
    differing = sum(
        1 for a, b in zip(citizen_grey.tobytes(), business_grey.tobytes(), strict=True) if abs(a - b) > 64
    )
    assert differing / (citizen_grey.size[0] * citizen_grey.size[1]) > 0.05
    text = " ".join(_pdftotext(pdf).split())
    assert "For members of the public" in text and "For businesses and juristic persons" in text
    assert "Open your phone's camera and point it at this code." in text


def test_poster_prints_its_short_code_and_the_short_address_instead_of_the_long_url(tmp_path: Path) -> None:
    coded = posters.Poster(
        **{**POSTER.__dict__, "short_code": "K7MQ4R", "code_url": "https://eit.industry.go.th/t"}
    )
    pdf = tmp_path / "coded.pdf"
    pdf.write_bytes(posters.render([coded]))
    text = " ".join(_pdftotext(pdf).split())
    assert "K 7 M Q 4 R" in text and "Open eit.industry.go.th/t and type the code" in text
    assert URL not in text.replace(" ", "")
    (png,) = pdf_to_png(pdf, tmp_path / "coded", dpi=DPI)
    assert decode(png) == [URL]  # the QR code still holds the full signed link


def test_rendering_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no poster"):
        posters.render([])


def test_posters_command_prints_every_office_and_its_codes_open_the_survey(
    app, client, cycle, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["posters", "--cycle", cycle.code, "--office", "50", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (pdf,) = tmp_path.glob("posters-*-50.pdf")
    pages = pdf_to_png(pdf, tmp_path / "page", dpi=DPI)
    urls = [decode(page) for page in pages]
    assert len(urls) == 2 and all(len(u) == 1 and u[0].startswith("http://survey.test/s/p") for u in urls)
    for (url,) in urls:
        page = client.get(url.removeprefix("http://survey.test"))
        assert page.status_code == 200 and "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่" in page.text
    text = " ".join(_pdftotext(pdf).split())
    assert "Chiang Mai Provincial Industry Office" in text
    # The code typed at /t opens the same link as the page's QR code.
    codes = re.findall(r"(?:[2-9A-HJKMNP-Z] ){5}[2-9A-HJKMNP-Z]", text)
    assert len(codes) == 2
    for code, (url,) in zip(codes, urls, strict=True):
        assert client.get("/t/" + code.replace(" ", "")).headers["Location"] == url

    all_offices = runner.invoke(args=["posters", "--cycle", cycle.code, "--out", str(tmp_path)])
    assert all_offices.exit_code == 0 and "152 posters (76 offices)" in all_offices.output
    (everything,) = tmp_path.glob("posters-*-all.pdf")
    info = subprocess.run(["pdfinfo", str(everything)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+152$", info, re.MULTILINE)


def test_a_revoked_poster_stops_working_and_a_reissued_one_opens_the_survey(app, client, cycle) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    created = runner.invoke(args=["links", "create", "--office", "50", "--audience", "citizen"])
    old_url = created.stdout.strip()
    assert client.get(old_url.removeprefix("http://survey.test")).status_code == 200

    revoked = runner.invoke(args=["links", "revoke", "--office", "50", "--audience", "citizen"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    gone = client.get(old_url.removeprefix("http://survey.test"))
    assert gone.status_code == 410 and "ลิงก์นี้ถูกยกเลิกแล้ว" in gone.text
    listed = runner.invoke(args=["links", "list", "--office", "50"])
    assert "50\tcitizen\tv2\trevoked\t-" in listed.stdout
    again = runner.invoke(args=["links", "revoke", "--office", "50", "--audience", "citizen"])
    assert again.exit_code == 1 and "already revoked" in again.output

    reissued = runner.invoke(args=["links", "reissue", "--office", "50", "--audience", "citizen"])
    new_url = reissued.stdout.strip()
    assert new_url != old_url and client.get(new_url.removeprefix("http://survey.test")).status_code == 200
    assert client.get(old_url.removeprefix("http://survey.test")).status_code == 410
    assert f"50\tcitizen\tv3\tactive\t{new_url}" in runner.invoke(args=["links", "list"]).stdout


@pytest.mark.parametrize("dpi", [72, 300])
def test_both_audiences_codes_read_back_at_low_and_high_resolution_despite_the_coloured_frame(
    tmp_path: Path, dpi: int
) -> None:
    business = posters.Poster(**{**POSTER.__dict__, "audience": Audience.BUSINESS, "url": URL + "B"})
    pdf = tmp_path / "both.pdf"
    pdf.write_bytes(posters.render([POSTER, business]))
    assert [decode(p) for p in pdf_to_png(pdf, tmp_path / "p", dpi=dpi)] == [[URL], [URL + "B"]]
