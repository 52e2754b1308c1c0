"""XLSX workbooks (openpyxl): the national table and one office's results, with Thai headers and numbers stored as
numbers (never as text), so analysts can sort and compute in Excel at once.

Callers neutralise text that a spreadsheet could read as a formula (``services.results.exports.neutralise``) before
handing rows here. Each workbook has a last sheet that names every column in Thai and English and says what it holds.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Column:
    """One column: its Thai header, English name and the number format of its cells (None for text)."""

    th: str
    en: str
    number_format: str | None = None


def _value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def _sheet(
    book: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], first: bool
) -> None:
    sheet = book.active if first else book.create_sheet()
    assert sheet is not None
    sheet.title = title
    sheet.append([c.th for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_value(v) for v in row])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(48, len(column.th) + 4))
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = column.number_format
    sheet.freeze_panes = "A2"


def workbook(sheets: Sequence[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX file with one sheet per (title, columns, rows) and a last sheet describing every column."""
    book = Workbook()
    described: list[tuple[str, str, str]] = []
    for i, (title, columns, rows) in enumerate(sheets):
        _sheet(book, title, columns, rows, first=i == 0)
        described += [(title, c.th, c.en) for c in columns]
    legend = [Column("แผ่นงาน", "sheet"), Column("หัวคอลัมน์", "header_th"), Column("ชื่อภาษาอังกฤษ", "name_en")]
    _sheet(book, "คำอธิบายคอลัมน์", legend, described, first=False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SCORE = "0.00"
INTEGER = "#,##0"
