"""XLSX files read back with openpyxl: numbers stay numbers, Thai headers, and text that a spreadsheet would run
as a formula is neutralised; the disclosure helper hides small groups with their complement."""

from __future__ import annotations

import io

import openpyxl

from survey_app.services.results.released import hidden_groups
from survey_app.services.results.spreadsheets import office_xlsx
from survey_app.stats.scoring import Estimate, MeasureScore


def test_office_xlsx_keeps_numbers_numeric_and_neutralises_formulas() -> None:
    score = MeasureScore("E1", "item", Estimate(72.5, 2.0, 68.58, 76.42, 40), None)
    body = office_xlsx([("E1", '=HYPERLINK("http://x","y")', "item", score)], None)
    sheet = openpyxl.load_workbook(io.BytesIO(body))["คะแนน"]
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert header[:2] == ["รหัส", "รายการ"]
    assert row[1] == '\'=HYPERLINK("http://x","y")' and sheet.cell(2, 2).data_type == "s"
    plain = dict(zip(header, row, strict=True))
    assert plain["คะแนนไม่ถ่วงน้ำหนัก"] == 72.5 and sheet.cell(2, 8).data_type == "n"
    assert plain["จำนวนผู้ตอบ"] == 40


def test_hidden_groups_take_the_next_smallest_until_the_hidden_hold_k() -> None:
    assert hidden_groups({"a": 10, "b": 7, "c": 3}, 5) == {"b", "c"}
    assert hidden_groups({"a": 10, "b": 2, "c": 2, "d": 6}, 5) == {"b", "c", "d"}, "2 + 2 < 5: d joins"
    assert hidden_groups({"a": 10, "b": 6}, 5) == set()
    assert hidden_groups({"a": 3}, 5) == {"a"}, "nothing left to add: the lone group stays hidden"
