"""The counts staff pages and submissions ask on every request, and a release's read of its batch, are answered from
an index on SQLite, not by reading every response: at 1,000 offices × 500 responses a scan of ``response`` took
1.8–2.3 s a question (docs/benchmarks.md, "Scale"). SQLite has no statistics to choose between indexes and uses a
partial index only when the query names its condition as written, so the plans are read from SQLite itself, for the
statements the application really sends."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey_app.db import make_engine
from survey_app.questionnaire import load
from survey_app.services.cycles import demo
from survey_app.services.intake import batches
from survey_app.services.results import counts, rollup

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "surveys" / "eit-2568.yaml"


@pytest.fixture
def sqlite_session(sqlite_template: Path, tmp_path: Path) -> Iterator[Session]:
    path = tmp_path / "plans.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        yield session
    engine.dispose()


def _plans(session: Session, ask: Callable[[], Any]) -> list[str]:
    """SQLite's query plan of every SELECT ``ask`` sends, one text per statement."""
    sent: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if (
            statement.lstrip().upper().startswith("SELECT")
        ):  # not SQLite's writer lock (an UPDATE ... WHERE 0)
            sent.append((statement, parameters))

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        ask()
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    return [
        " | ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
        for statement, parameters in sent
    ]


@pytest.mark.parametrize(
    ("question", "index"),
    [
        (lambda s: demo.count(s, 1), "ix_response_demo"),
        (lambda s: batches.pending_total(s, 1), "ix_response_unreleased"),
        (lambda s: batches.release_if_complete(s.connection(), 1, "50", None, 5), "ix_response_unreleased"),
        (
            lambda s: counts.national_live_counts(s, 1, dt.date(2026, 12, 7)),
            "ix_response_cycle_channel_office_day",
        ),
        (
            lambda s: counts.office_counts(s, 1, "50", dt.date(2026, 12, 7), 5),
            "(cycle_id=? AND office_code=?)",
        ),
        (lambda s: rollup.add_batch(s, 1, load(QUESTIONNAIRE), ["a", "b"]), "USING PRIMARY KEY (id=?)"),
    ],
    ids=[
        "demo count",
        "waiting in the cycle",
        "waiting in an office",
        "live counts by office and channel",
        "an office's counts",
        "a released batch's answers",
    ],
)
def test_the_count_reads_an_index_not_every_response(
    sqlite_session: Session, question: Callable[[Session], Any], index: str
) -> None:
    """``index``: the index the plan must use, or the columns it must search by."""
    plans = _plans(sqlite_session, lambda: question(sqlite_session))
    assert plans
    response_plans = [plan for plan in plans if "response" in plan]
    assert response_plans, plans
    for plan in response_plans:
        assert index in plan, plan
        assert "SCAN response" not in plan, plan
