"""The database itself refuses values the domain forbids, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from survey_app.clock import local_today
from survey_app.models import Answer, Cycle, PopulationFrame, Response, StaffUser, SurveyLink


def _response(cycle: Cycle, **overrides: object) -> Response:
    values: dict[str, object] = {
        "cycle_id": cycle.id,
        "office_code": "50",
        "channel": "poster",
        "respondent_type": "individual",
        "service": "other",
        "questionnaire_version": "2568",
        "submitted_on": local_today(),
    }
    values.update(overrides)
    return Response(**values)


def _refused(session: sa.orm.Session, *objects: object) -> None:
    session.add_all(objects)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


@pytest.mark.parametrize(
    "overrides",
    [{"channel": "sms"}, {"respondent_type": "robot"}, {"office_code": "99"}, {"suggestion": "ก" * 1001}],
)
def test_response_with_a_value_outside_its_domain_is_refused(session, cycle, overrides) -> None:
    _refused(session, _response(cycle, **overrides))
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


@pytest.mark.parametrize(("score", "value"), [(100.01, 3), (-1.0, 0), (50.0, -1)])
def test_answer_score_outside_0_to_100_is_refused(session, cycle, score: float, value: int) -> None:
    response = _response(cycle)
    session.add(response)
    session.commit()
    _refused(session, Answer(response_id=response.id, item="E2", sub=1, value=value, score=score))


def test_office_user_without_an_office_is_refused(session) -> None:
    _refused(session, StaffUser(email="a@b.go.th", password_hash="x", role="office", office_code=None))
    _refused(session, StaffUser(email="b@b.go.th", password_hash="x", role="root"))
    _refused(session, StaffUser(email="Mixed@Case.go.th", password_hash="x", role="viewer"))


def test_cycle_rules_are_enforced(session) -> None:
    base = {"fiscal_year": 2570, "questionnaire_id": "eit", "questionnaire_version": "2568"}
    today = local_today()
    _refused(session, Cycle(code="bad-dates", opens_on=today, closes_on=today - dt.timedelta(days=1), **base))
    _refused(session, Cycle(code="bad-state", opens_on=today, closes_on=today, state="paused", **base))
    _refused(session, Cycle(code="bad-min", opens_on=today, closes_on=today, min_sample=0, **base))
    _refused(
        session, Cycle(code="bad-method", opens_on=today, closes_on=today, sampling_method="guess", **base)
    )
    _refused(session, Cycle(code="bad-floor", opens_on=today, closes_on=today, type_floor=-1, **base))


def test_one_link_per_cycle_office_and_audience(session, cycle) -> None:
    session.add(SurveyLink(cycle_id=cycle.id, office_code="50", audience="citizen"))
    session.commit()
    _refused(session, SurveyLink(cycle_id=cycle.id, office_code="50", audience="citizen"))
    _refused(session, SurveyLink(cycle_id=cycle.id, office_code="50", audience="tourist"))


def test_population_frame_counts_are_unique_per_cell_and_not_negative(session, cycle) -> None:
    cell = {"cycle_id": cycle.id, "office_code": "50", "respondent_type": "business", "service": "mining"}
    session.add(PopulationFrame(served=10, **cell))
    session.commit()
    _refused(session, PopulationFrame(served=5, **cell))
    _refused(session, PopulationFrame(served=-1, **{**cell, "service": "other"}))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_stores_responses_and_answers_without_an_insertion_order_rowid(session) -> None:
    for table in ("response", "answer"):
        with pytest.raises(sa.exc.OperationalError, match="rowid"):
            session.execute(sa.text(f"SELECT rowid FROM {table}"))  # noqa: S608  (fixed table names)
        session.rollback()
