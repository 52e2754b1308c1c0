"""The office report: a Thai A4 PDF (text checked with pdftotext, pages rendered by pdftoppm for people to look at)
and a DOCX read back with python-docx; only the office's own staff (and admins, viewers) may fetch it."""

from __future__ import annotations

import io
import shutil
import subprocess

import docx
import pytest

from survey_app.clock import local_today
from survey_app.models import ImprovementMeasure, Office
from survey_app.templating import format_date

from .staff_data import OTHER, OWN, Spec, add_responses, expected_eit, isolate_requests, raw_answers, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


@pytest.fixture
def office_data(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    specs = [Spec(level=2, suggestion="ห้องน้ำสกปรก ควรปรับปรุง")] * 6 + [Spec(level=3)] * 4
    add_responses(session, cycle, questionnaire, OWN, specs)
    session.add(
        ImprovementMeasure(
            cycle_id=cycle.id, office_code=OWN, item="E1", action="ลดขั้นตอนการออกใบอนุญาต", owner="ฝ่ายโรงงาน",
            due_on=local_today(), status="in_progress",
        )
    )  # fmt: skip
    session.commit()


def _pdf_text(body: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60)
    # Shaped Thai comes back with spaces between some marks and their base (and lines break): compare unspaced.
    return "".join(done.stdout.decode("utf-8").split())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the same document on both databases
def test_pdf_report_holds_the_thai_text_scores_and_plan(client, session, cycle, questionnaire, office_data,
                                                        tmp_path, artifacts) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    sign_in(client, session, "office", OWN)
    response = client.get(f"/staff/offices/{OWN}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data, tmp_path)
    office = session.get(Office, OWN)
    eit = (6 * expected_eit(questionnaire, raw_answers(questionnaire, 2))
           + 4 * expected_eit(questionnaire, raw_answers(questionnaire, 3))) / 10  # fmt: skip
    for expected in (
        "รายงานการวิเคราะห์ผลการประเมิน", office.name_th, f"ปีงบประมาณ พ.ศ. {cycle.fiscal_year}",
        format_date(local_today(), "th"), "ข้อคำถามที่ทำให้เสียคะแนนมากที่สุด", "มาตรการปรับปรุง",
        "ลดขั้นตอนการออกใบอนุญาต", "กำลังดำเนินการ", f"{eit:.2f}", "ห้องน้ำ",
    ):  # fmt: skip
        assert "".join(expected.split()) in text, f"{expected!r} is not in the PDF text"
    assert str(local_today().year + 543) in text, "dates are in the Buddhist era"
    path = artifacts / "office-report.pdf"
    path.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(artifacts / "office-report")], check=True,
                   timeout=120)  # fmt: skip
    assert list(artifacts.glob("office-report-*.png")), "pdftoppm rendered the pages"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_docx_report_reads_back_with_the_same_content(client, session, cycle, office_data) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    response = client.get(f"/staff/offices/{OWN}/report.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "รายงานการวิเคราะห์ผลการประเมิน EIT" in text and session.get(Office, OWN).name_th in text
    assert "ลดขั้นตอนการออกใบอนุญาต" in cells and format_date(local_today(), "th") in cells


def test_another_offices_report_is_404_and_an_unknown_kind_too(client, session, cycle, office_data) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert client.get(f"/staff/offices/{OTHER}/report.pdf").status_code == 404
    assert client.get(f"/staff/offices/{OTHER}/report.docx").status_code == 404
    assert client.get(f"/staff/offices/{OWN}/report.exe").status_code == 404
    assert client.get(f"/staff/offices/{OTHER}/results.xlsx").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_cli_writes_every_offices_report_in_one_run(app, session, cycle, office_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from survey_app.cli import cli

    out = tmp_path / "reports"
    result = app.test_cli_runner().invoke(
        cli, ["reports", "--cycle", cycle.code, "--office", OWN, "--office", OTHER, "--out", str(out),
              "--format", "both"], catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"eit-report-{cycle.code}-{c}.{k}" for c in (OWN, OTHER) for k in ("docx", "pdf")]
    other = docx.Document(str(out / f"eit-report-{cycle.code}-{OTHER}.docx"))
    assert any("ยังไม่แสดงคะแนน: มีคำตอบที่เผยแพร่น้อยกว่า 5 ชุด" in p.text for p in other.paragraphs), "below K"
    bad = app.test_cli_runner().invoke(cli, ["reports", "--office", "99", "--out", str(out)])
    assert bad.exit_code == 1 and "unknown office" in bad.output
