"""The microdata export as SPSS ``.sav`` and Stata ``.dta`` files (pyreadstat, through a polars data frame) with
variable labels, and the labels of every variable in Thai and English for the codebook. The CSV file and the
codebook's CSV are written by :mod:`survey_app.services.results.microdata` with the other CSV exports' rules."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
import pyreadstat

BASE_LABELS: Mapping[str, tuple[str, str, str]] = {
    "office": ("รหัสสำนักงาน (รหัสจังหวัดสองหลัก)", "office code (the province's two-digit code)", "text"),
    "cycle": ("รหัสรอบการประเมิน", "cycle code", "text"),
    "month": ("เดือนที่ตอบ (ปี ค.ศ.-เดือน)", "month answered (YYYY-MM, Gregorian)", "text"),
    "channel": (
        "ช่องทาง: poster = คิวอาร์โปสเตอร์, email = อีเมลเชิญ, line = ไลน์, facebook = เพจเฟซบุ๊ก, "
        "website = เว็บไซต์สำนักงาน, kiosk = แท็บเล็ตหน้าเคาน์เตอร์, event = งานกิจกรรม",
        "channel: poster, email, line, facebook, website, kiosk (counter tablet) or event",
        "text",
    ),
    "rtype": ("ประเภทผู้ตอบ (ว่าง = ซ่อนเพราะกลุ่มเล็กกว่า K)", "respondent type (blank: hidden, group below K)", "text"),
    "service": ("บริการที่ใช้ (ว่าง = ซ่อนเพราะกลุ่มเล็กกว่า K)", "service used (blank: hidden, group below K)", "text"),
    "flagged": ("ธงคุณภาพ (1 = ตอบเร็วเกินไปหรือตอบเหมือนกันทุกข้อ)", "quality flag (1: too fast or straight-lined)", "0/1"),
}  # fmt: skip


def labels(
    columns: Sequence[str], item_texts: Mapping[str, tuple[str, str]]
) -> dict[str, tuple[str, str, str]]:
    """(Thai label, English label, type) of every column; items are scores 0–100."""
    found = {}
    for column in columns:
        if column in BASE_LABELS:
            found[column] = BASE_LABELS[column]
        else:
            th, en = item_texts.get(column, (column, column))
            found[column] = (f"{column} {th} (คะแนน 0–100)", f"{column} {en} (score 0-100)", "number")
    return found


def _frame(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> pl.DataFrame:
    data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    schema = {
        name: (pl.Float64 if name not in BASE_LABELS else pl.Int64 if name == "flagged" else pl.Utf8)
        for name in columns
    }
    return pl.DataFrame(data, schema=schema)


def _write(
    kind: str, columns: Sequence[str], rows: Sequence[Sequence[object]], names: Mapping[str, str]
) -> bytes:
    frame = _frame(columns, rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"microdata.{kind}"
        if kind == "sav":
            pyreadstat.write_sav(frame, str(path), column_labels=dict(names), file_label="EIT microdata")
        else:
            pyreadstat.write_dta(frame, str(path), column_labels=dict(names), file_label="EIT microdata")
        return path.read_bytes()


def as_sav(columns: Sequence[str], rows: Sequence[Sequence[object]], names: Mapping[str, str]) -> bytes:
    """An SPSS system file; ``names`` gives each variable's label (Thai)."""
    return _write("sav", columns, rows, names)


def as_dta(columns: Sequence[str], rows: Sequence[Sequence[object]], names: Mapping[str, str]) -> bytes:
    """A Stata file; ``names`` gives each variable's label (Stata keeps at most 80 characters of it)."""
    return _write("dta", columns, rows, {k: v[:80] for k, v in names.items()})
