"""Contact CSV import: Excel's UTF-8 (with or without BOM), a per-row report, all-or-valid-rows, no duplicates,
hostile files refused or reported without harm."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.models import Cycle, Invitation
from survey_app.services.outreach import contacts
from survey_app.services.outreach.contacts import FileRefusedError, Reason
from survey_app.services.outreach.invitations import ImportRefusedError, import_contacts

SERVICES = {"factory_licensing": "factory_licensing", "การอนุญาตประกอบกิจการโรงงาน": "factory_licensing",
            "mining": "mining", "mining and minerals": "mining"}  # fmt: skip


def _parse(text: str, bom: bool = False) -> contacts.ParsedFile:
    data = text.replace("\n", "\r\n").encode("utf-8")
    return contacts.parse((b"\xef\xbb\xbf" if bom else b"") + data, SERVICES)


def _emails(session, cycle, office="11"):  # type: ignore[no-untyped-def]
    query = select(Invitation.email).where(Invitation.cycle_id == cycle.id, Invitation.office_code == office)
    return sorted(session.scalars(query))


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
def test_excel_utf8_file_with_thai_headers_and_labels_is_read(bom: bool) -> None:
    parsed = _parse("อีเมล,ชื่อ,บริการ\nSomchai@Example.CO.TH,บริษัท ไทยเหล็ก จำกัด,การอนุญาตประกอบกิจการโรงงาน\n", bom)
    assert parsed.problems == []
    (contact,) = parsed.contacts
    assert (contact.row, contact.email, contact.name, contact.service) == (
        2, "somchai@example.co.th", "บริษัท ไทยเหล็ก จำกัด", "factory_licensing")  # fmt: skip


def test_every_bad_row_is_reported_with_its_row_number_and_reason() -> None:
    parsed = _parse(
        "email,name,service\n"
        "a@example.com,A,mining\n"  # row 2: fine
        "not-an-email,B,\n"  # row 3
        "c@example.com,C,astrology\n"  # row 4
        "A@EXAMPLE.COM,A again,\n"  # row 5: same address as row 2
        "\n"  # row 6: blank, ignored
        'd@example.com,=HYPERLINK("http://evil"),\n'  # row 7
        "e@example.com,E,Mining and Minerals\n"  # row 8: fine, English label in another case
    )
    assert [(p.row, p.reason) for p in parsed.problems] == [
        (3, Reason.BAD_EMAIL), (4, Reason.UNKNOWN_SERVICE), (5, Reason.DUPLICATE), (7, Reason.FORMULA)]  # fmt: skip
    assert parsed.problems[2].detail == "2"  # the row it repeats
    assert [c.email for c in parsed.contacts] == ["a@example.com", "e@example.com"]
    assert parsed.contacts[1].service == "mining"


def test_a_file_with_errors_imports_nothing_unless_the_valid_rows_are_chosen(session, cycle) -> None:
    parsed = _parse("email\na@example.com\nbroken@\nb@example.com\n")
    blocked = import_contacts(session, cycle, "11", parsed)
    session.commit()
    assert blocked.blocked and blocked.created == 0 and blocked.valid == 2
    assert [(p.row, p.reason) for p in blocked.errors] == [(3, Reason.BAD_EMAIL)]
    assert _emails(session, cycle) == []

    chosen = import_contacts(session, cycle, "11", parsed, valid_rows_only=True)
    session.commit()
    assert not chosen.blocked and chosen.created == 2
    assert _emails(session, cycle) == ["a@example.com", "b@example.com"]


def test_importing_again_collapses_duplicates_to_one_invitation_per_cycle_and_office(session, cycle) -> None:
    first = import_contacts(session, cycle, "11", _parse("email\na@example.com\nb@example.com\n"))
    session.commit()
    again = import_contacts(session, cycle, "11", _parse("email,name\nB@example.com,Bee\nc@example.com,\n"))
    other_office = import_contacts(session, cycle, "12", _parse("email\na@example.com\n"))
    session.commit()
    assert (first.created, again.created, other_office.created) == (2, 1, 1)
    assert [(p.row, p.reason) for p in again.skipped] == [(2, Reason.ALREADY_INVITED)]
    assert _emails(session, cycle) == ["a@example.com", "b@example.com", "c@example.com"]
    assert _emails(session, cycle, "12") == ["a@example.com"]
    assert all(len(i) >= 22 for i in session.scalars(select(Invitation.id)))  # random ids, 128 bits


def test_a_closed_cycle_or_unknown_office_takes_no_contacts(session, cycle) -> None:
    closed = Cycle(code="OLD", fiscal_year=2560, questionnaire_id="eit", questionnaire_version="2568",
                   opens_on=dt.date(2016, 10, 1), closes_on=dt.date(2017, 9, 30), state="closed")  # fmt: skip
    session.add(closed)
    session.flush()
    with pytest.raises(ImportRefusedError, match="closed"):
        import_contacts(session, closed, "11", _parse("email\na@example.com\n"))
    with pytest.raises(ImportRefusedError, match="no office"):
        import_contacts(session, cycle, "99", _parse("email\na@example.com\n"))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"email\n" + b"a@example.com\n" * 100_000, "too_large"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("email\nsomchai@example.com,สมชาย\n".encode("cp874"), "encoding"),
        (b"name,phone\nA,0812345678\n", "no_email_column"),
        (b"", "empty"),
        (b'email\n"a@example.com\n', "broken_csv"),
        (b"email\n" + b"x@example.com\n" * (contacts.MAX_ROWS + 1), "too_many_rows"),
    ],
    ids=[
        "over-size-limit",
        "binary",
        "not-utf8",
        "no-email-column",
        "empty",
        "unclosed-quote",
        "too-many-rows",
    ],
)
def test_unreadable_files_are_refused_whole(data: bytes, code: str) -> None:
    with pytest.raises(FileRefusedError) as refused:
        contacts.parse(data, SERVICES)
    assert refused.value.code == code


def test_a_huge_line_within_the_size_limit_is_reported_not_stored() -> None:
    parsed = contacts.parse(
        b"email,name\nok@example.com," + b"x" * 500_000 + b"\nb@example.com,B\n", SERVICES
    )
    assert [(p.row, p.reason) for p in parsed.problems] == [(2, Reason.TOO_LONG)]
    assert [c.email for c in parsed.contacts] == ["b@example.com"]


def test_report_details_are_short_and_free_of_control_characters() -> None:
    parsed = _parse("email\n" + "\x1b[31m" + "z" * 300 + "\n")
    (problem,) = parsed.problems
    assert problem.reason == Reason.FORMULA
    assert "\x1b" not in problem.detail and len(problem.detail) <= 60


def test_semicolon_separated_files_from_european_excel_are_read() -> None:
    parsed = _parse("email;name\na@example.com;A\n")
    assert [(c.email, c.name) for c in parsed.contacts] == [("a@example.com", "A")]
