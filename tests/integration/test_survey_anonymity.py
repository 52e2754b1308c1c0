"""Anonymity, checked on the schema and on stored rows: a response holds exactly what docs/design.md lists, and nothing
from the request (address, browser, token, invitation, time of day) reaches any table a submission writes."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy import select

from survey_app.models import Answer, Invitation, Response
from tests import survey_helpers
from tests.survey_helpers import form_data, invitation, invitation_path, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

RESPONSE_COLUMNS = {
    "id",  # random UUID
    "cycle_id",
    "office_code",
    "channel",
    "respondent_type",
    "service",
    "questionnaire_version",
    "too_fast",
    "straight_lined",
    "burst",  # a data-quality flag: more than the day's limit from one source (the source is not kept)
    "is_demo",
    "suggestion",
    "submitted_on",  # a date
    "released",  # whether its batch of K reached staff (a boolean, default true for rows written directly)
    "release_batch",  # the number of the office's batch that released it: shared by at least K responses
    "released_on",  # the date (not the time) of that release, shared by the whole batch
}
FORBIDDEN = (
    "ip",
    "addr",
    "agent",
    "token",
    "invitation",
    "link",
    "email",
    "cookie",
    "session",
    "time",
    "_at",
)
WRITTEN_BY_A_SUBMISSION = ("response", "answer", "cell_stat", "spent_nonce")
ADDRESS, FORWARDED, BROWSER = "203.0.113.77", "198.51.100.23", "Mozilla/5.0 (Linux; Android 9; EIT-Phone-XJ9)"


def _inspector(store):  # type: ignore[no-untyped-def]
    return sa.inspect(store.get_bind())


def test_response_table_has_exactly_the_columns_design_lists(store):  # type: ignore[no-untyped-def]
    columns = {c["name"]: c for c in _inspector(store).get_columns("response")}
    assert set(columns) == RESPONSE_COLUMNS
    assert isinstance(columns["submitted_on"]["type"], sa.Date)
    assert not isinstance(columns["submitted_on"]["type"], sa.DateTime)
    defaults = {name: c["default"] for name, c in columns.items() if c["default"] is not None}
    assert set(defaults) <= {"released"}, "no database default may stamp a time"
    assert not isinstance(columns["released"]["type"], sa.DateTime)
    foreign = {fk["referred_table"] for fk in _inspector(store).get_foreign_keys("response")}
    assert foreign == {"cycle", "office"}


def test_answer_and_spent_nonce_tables_hold_no_identifying_column(store):  # type: ignore[no-untyped-def]
    inspector = _inspector(store)
    assert {c["name"] for c in inspector.get_columns("answer")} == {
        "response_id",
        "item",
        "sub",
        "value",
        "score",
    }
    assert {c["name"] for c in inspector.get_columns("spent_nonce")} == {"nonce_hash", "expires_on"}
    for table in WRITTEN_BY_A_SUBMISSION:
        for column in inspector.get_columns(table):
            if table == "answer" and column["name"] == "response_id":
                continue
            assert not any(word in column["name"] for word in FORBIDDEN), f"{table}.{column['name']}"


def test_invitation_table_can_record_only_that_it_was_answered(store):  # type: ignore[no-untyped-def]
    names = {c["name"] for c in _inspector(store).get_columns("invitation")}
    assert "responded" in names
    assert not {n for n in names if ("respon" in n or "answer" in n or "submit" in n) and n != "responded"}


def _submit_from_a_phone(app, client, path, questionnaire) -> str:  # type: ignore[no-untyped-def]
    headers = {"User-Agent": BROWSER, "X-Forwarded-For": FORWARDED}
    page = client.get(path, headers=headers, environ_base={"REMOTE_ADDR": ADDRESS})
    data = form_data(page.text, questionnaire, suggestion="บริการดี")
    posted = client.post(path, data=data, headers=headers, environ_base={"REMOTE_ADDR": ADDRESS})
    assert posted.status_code == 303
    return data["nonce"]


def _every_value(store) -> list[object]:  # type: ignore[no-untyped-def]
    values: list[object] = []
    for table in WRITTEN_BY_A_SUBMISSION:
        for row in store.execute(sa.text(f"SELECT * FROM {table}")):  # noqa: S608 - table names are constants
            values.extend(row)
    return values


def test_stored_rows_hold_nothing_from_the_request(app, client, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    poster = poster_path(app, poster_link(store, open_cycle))
    inv = invitation(store, open_cycle)
    emailed = invitation_path(app, inv)
    nonces = [_submit_from_a_phone(app, client, p, questionnaire) for p in (poster, emailed)]
    secrets_of_the_request = [
        ADDRESS,
        FORWARDED,
        "EIT-Phone-XJ9",
        inv.id,
        inv.email,
        "Factory owner",
        *poster.removeprefix("/s/").split("."),
        *emailed.removeprefix("/s/").split("."),
        *(n.split(".")[-1] for n in nonces),
    ]
    values = _every_value(store)
    assert len(values) > 100
    for value in values:
        text = str(value)
        assert not any(secret in text for secret in secrets_of_the_request), text
        assert not isinstance(value, dt.datetime), value
    raw_days = store.execute(sa.text("SELECT submitted_on FROM response")).scalars().all()
    assert all(len(str(day)) == 10 for day in raw_days)  # YYYY-MM-DD, no time part on either database


def test_response_ids_are_random_uuid4_and_answers_refer_only_to_them(
    app, client, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    for _ in range(3):
        client.post(path, data=form_data(client.get(path + "?new=1").text, questionnaire))
    ids = store.scalars(select(Response.id)).all()
    assert len(set(ids)) == 3 and all(uuid.UUID(i).version == 4 for i in ids)
    assert set(store.scalars(select(Answer.response_id)).all()) == set(ids)
    assert store.scalars(select(Invitation)).all() == []
