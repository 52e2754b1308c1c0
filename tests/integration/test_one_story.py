"""One story per number (issue 22): for the same office, "answers still needed" is the same number, with the same
sentence saying why, on the office page, in the national table (page, CSV, JSON, XLSX), in the report PDF, in the
office's XLSX and in the results API; so is the sentence saying whether the score is weighted and why (or why it is
hidden).

Every expected number is worked out here by hand from the frame and the answers stored, never read from the code.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import subprocess

import openpyxl
import pytest

from survey_app.documents.report.pdf import goal_sentence

from . import staff_data
from .staff_data import OWN, TWO_TYPE_FRAME, Spec, add_frame, add_responses, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _unspaced(text: str) -> str:
    return "".join(text.split())


def _everywhere(client, tmp_path, code: str, lang: str = "en") -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The "answers needed" figure and the sentences as every place gives them for office ``code``."""
    page = client.get(f"/staff/offices/{code}?lang={lang}").text
    summary = re.search(r'<section class="summary".*?</section>', page, re.S)
    assert summary is not None
    card = re.search(r'<p class="big" data-needed="(\d+)"', page)
    national = client.get(f"/staff/?lang={lang}").text
    row = re.search(rf'<tr class="is-\w+">\s*<td>{code}</td>(.*?)</tr>', national, re.S)
    assert row is not None and card is not None
    api = client.get(f"/staff/api/results?office={code}").get_json()["offices"][0]
    office_book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/offices/{code}/results.xlsx").data))
    sample = {r[0]: r for r in office_book["ขนาดตัวอย่าง"].iter_rows(values_only=True)}
    national_book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/export.xlsx").data))
    rows = list(national_book.worksheets[0].iter_rows(values_only=True))
    xlsx_row = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == code)
    table = csv.DictReader(io.StringIO(client.get("/staff/export.csv").data.decode("utf-8-sig")))
    csv_row = next(r for r in table if r["office_code"] == code)
    json_row = next(o for o in client.get("/staff/export.json").get_json()["offices"] if o["code"] == code)
    pdf = tmp_path / f"{code}.pdf"
    pdf.write_bytes(client.get(f"/staff/offices/{code}/report.pdf").data)
    pdf_text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, check=True, timeout=60
    )
    return {
        "summary": int(re.search(r'data-needed="(\d+)"', summary.group(0)).group(1)),  # type: ignore[union-attr]
        "summary_text": _words(summary.group(0)),
        "card": int(card.group(1)),
        "national": int(re.search(r'data-needed="(\d+)"', row.group(1)).group(1)),  # type: ignore[union-attr]
        "national_text": _words(row.group(1)),
        "api": api["answers_needed"]["count"],
        "api_reason": api["answers_needed"]["reason"],
        "api_weighting": api["weighting_reason"],
        "xlsx_office": sample["ยังขาด"][1],
        "xlsx_office_why": sample["ยังขาด"][2],
        "xlsx_office_weighting": sample["ถ่วงน้ำหนักหรือไม่"][2],
        "xlsx_national": xlsx_row["ยังขาด"],
        "xlsx_national_why": xlsx_row["ทำไมยังขาดเท่านี้"],
        "xlsx_national_weighting": xlsx_row["ถ่วงน้ำหนักหรือไม่ เพราะอะไร"],
        "csv": int(csv_row["shortfall"]),
        "csv_why": csv_row["shortfall_reason_th"],
        "csv_weighting": csv_row["weighting_reason_th"],
        "json": json_row["shortfall"],
        "json_reason": json_row["shortfall_reason"],
        "json_weighting": json_row["weighting_reason"],
        "pdf": _unspaced(pdf_text.stdout.decode("utf-8")),
    }


def _same_number(found: dict[str, object], expected: int) -> None:
    numbers = {
        key: found[key] for key in ("summary", "card", "national", "api", "xlsx_office", "xlsx_national")
    }
    assert set(numbers.values()) == {expected}, numbers


def _same_thai_sentences(found: dict[str, object]) -> None:
    why, weighting = found["api_reason"]["th"], found["api_weighting"]["th"]  # type: ignore[index]
    assert found["xlsx_office_why"] == found["xlsx_national_why"] == found["csv_why"] == why
    assert (
        found["xlsx_office_weighting"]
        == found["xlsx_national_weighting"]
        == found["csv_weighting"]
        == weighting
    )
    assert found["json_reason"] == found["api_reason"] and found["json_weighting"] == found["api_weighting"]
    printed = (_unspaced(why).replace("−", "-"), _unspaced(weighting))  # the PDF's font prints − as -
    assert printed[0] in found["pdf"] and printed[1] in found["pdf"], found["pdf"]  # type: ignore[operator]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_weighted_office_needs_the_same_number_everywhere_and_says_weighting_is_why(
    client, session, cycle, questionnaire, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Frame: 100 individuals and 900 businesses. Sample: 10 individuals, 5 businesses (type floor 1).
    # Weights 100/10 = 10 and 900/5 = 180; Kish deff = 15 × (10 × 10² + 5 × 180²) / 1000² = 2.445, effective
    # n = 15 / 2.445 = 6.13. Krejcie & Morgan for N = 1,000: 278, so 278 × 2.445 = 679.7 → 680 in all: 665 more,
    # where 278 − 15 would say 263.
    cycle.type_floor = 1
    add_frame(session, cycle, OWN, TWO_TYPE_FRAME)
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 10 + [Spec(rtype="business")] * 5)
    sign_in(client, session, "admin")
    found = _everywhere(client, tmp_path, OWN)
    deff = 15 * (10 * 10**2 + 5 * 180**2) / 1000**2
    expected = math.ceil(278 * deff) - 15
    assert expected == 665
    _same_number(found, expected)
    why = f"More than 278 required − 15 received = 263: the answers do not match the mix of people the office serves, so after weighting they count as {15 / deff:.0f} answers."  # noqa: E501
    assert found["api_reason"]["en"] == why  # type: ignore[index]
    assert why in found["summary_text"] and why in found["national_text"]  # type: ignore[operator]
    weighting = found["api_weighting"]["en"]  # type: ignore[index]
    assert weighting.startswith("Weighted to the population frame (1,000 people served)")
    assert weighting in found["summary_text"]  # type: ignore[operator]
    assert "ต้องการคำตอบอีก665ชุด" in found["pdf"]  # type: ignore[operator]
    # Every answer at the top level scores above 95: the report says the goal is reached, not "0.00 points from 85".
    assert "ถึงระดับผ่านดีเยี่ยม95แล้ว" in found["pdf"] and "อยู่0.00คะแนน" not in found["pdf"]  # type: ignore[operator]
    _same_thai_sentences(found)
    # In Thai the page gives the Thai sentence the API and the files carry.
    thai = _everywhere(client, tmp_path, OWN, "th")
    assert found["api_reason"]["th"] in thai["summary_text"]  # type: ignore[index,operator]
    assert found["api_reason"]["th"] in thai["national_text"]  # type: ignore[index,operator]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_a_respondent_type_below_its_floor_is_named_as_the_cause(
    client, session, cycle, questionnaire, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # No frame: plain means, fixed minimum 20. 15 individuals and 6 businesses = 21 ≥ 20, but each type needs 10:
    # businesses need 10 − 6 = 4 more, though required − received says 0.
    cycle.min_sample, cycle.type_floor = 20, 10
    session.commit()
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 15 + [Spec(rtype="business")] * 6)
    sign_in(client, session, "admin")
    found = _everywhere(client, tmp_path, OWN)
    _same_number(found, 4)
    business = questionnaire.respondent_type.choices
    label = next(c.label("en") for c in business if c.code == "business")
    why = f"More than 20 required − 21 received = 0: each type of respondent needs its own minimum, and {label} is below it."  # noqa: E501
    assert found["api_reason"]["en"] == why and why in found["summary_text"]  # type: ignore[index,operator]
    assert found["api_weighting"]["code"] == "no_frame"  # type: ignore[index]
    assert found["api_weighting"]["en"] in found["summary_text"]  # type: ignore[index,operator]
    _same_thai_sentences(found)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_withheld_weights_and_hidden_scores_say_their_own_cause(
    client, session, cycle, questionnaire, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # A complete frame, but only 2 businesses answered (fewer than K = 5): the page shows the plain mean and says
    # the weighted score is withheld for that small group, not that there is no frame; the effective sample (which
    # would give the businesses' count away) is left out of the "why". The other office has 3 answers: hidden.
    cycle.type_floor = 1
    add_frame(session, cycle, OWN, TWO_TYPE_FRAME)
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 10 + [Spec(rtype="business")] * 2)
    add_responses(session, cycle, questionnaire, staff_data.OTHER, [Spec()] * 3)
    sign_in(client, session, "admin")
    found = _everywhere(client, tmp_path, OWN)
    # Weights 10 and 450: deff = 12 × (10 × 10² + 2 × 450²) / 1000² = 4.872, so the full shortfall would be
    # ⌈278 × 4.872⌉ − 12 = 1,343, which with the frame gives the businesses' count (only 10 + 2 gives 4.872).
    # While the businesses are hidden every place says "at least 278 − 12 = 266" and why the rest is withheld.
    deff = 12 * (10 * 10**2 + 2 * 450**2) / 1000**2
    assert math.ceil(278 * deff) - 12 == 1343
    _same_number(found, 278 - 12)
    assert found["api_reason"]["code"] == "needed_withheld"  # type: ignore[index]
    assert "how many is withheld" in found["summary_text"]  # type: ignore[operator]
    assert "1,343" not in str(found["summary_text"]) and "1343" not in str(found["summary_text"])
    assert found["api_weighting"]["code"] == "weighted_withheld_small"  # type: ignore[index]
    assert found["api_weighting"]["en"] in found["summary_text"]  # type: ignore[index,operator]
    assert "no population frame" not in str(found["summary_text"]).lower()
    _same_thai_sentences(found)
    hidden = _everywhere(client, tmp_path, staff_data.OTHER)
    _same_number(hidden, 100 - 3)
    assert hidden["api_weighting"]["code"] == "scores_hidden_below_k"  # type: ignore[index]
    assert "Scores hidden: fewer than 5 answers released" in hidden["summary_text"]  # type: ignore[operator]
    _same_thai_sentences(hidden)


@pytest.mark.parametrize(
    ("eit", "says", "never"),
    [
        (86.26, "คะแนน EIT 86.26 ผ่านเกณฑ์ 85 แล้ว และห่างจากระดับผ่านดีเยี่ยม 95 อยู่ 8.74 คะแนน", "อยู่ 0.00"),
        (95.0, "คะแนน EIT 95.00 ถึงระดับผ่านดีเยี่ยม 95 แล้ว", "ห่างจาก"),
        (72.5, "ห่างจากเกณฑ์ผ่าน 85 อยู่ 12.50 คะแนน และห่างจากระดับผ่านดีเยี่ยม 95 อยู่ 22.50 คะแนน", "ผ่านเกณฑ์ 85 แล้ว"),
    ],
)
def test_the_report_gives_a_distance_only_to_a_mark_not_yet_reached(
    eit: float, says: str, never: str
) -> None:
    sentence = goal_sentence(eit)
    assert says in sentence and never not in sentence
