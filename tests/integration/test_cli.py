"""The survey-app command: migrate, seed, staff accounts, demo data and questionnaire checks; all idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from survey_app.cli import cli
from survey_app.clock import local_today
from survey_app.models import AuditEvent, CellStat, Cycle, Office, PopulationFrame, Response, StaffUser

SURVEYS = Path(__file__).resolve().parents[2] / "surveys"


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_upgrade_and_seed_on_an_empty_sqlite_database_load_76_offices_and_an_open_cycle(
    make_app, tmp_path: Path
) -> None:
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    assert run(app, "db", "upgrade").exit_code == 0
    first = run(app, "seed")
    assert first.exit_code == 0, first.output
    assert "76 added" in first.output
    again = run(app, "seed")
    assert "0 added, 0 updated" in again.output and "already there" in again.output
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with sa.orm.Session(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Office)) == 76
        cycles = s.scalars(sa.select(Cycle)).all()
        assert [c.state for c in cycles] == ["open"]
        assert cycles[0].opens_on <= local_today() <= cycles[0].closes_on
        bangkok_region = s.get(Office, "50")
        assert bangkok_region is not None and bangkok_region.province_en == "Chiang Mai"
    engine.dispose()


def test_staff_create_reads_the_password_from_stdin(app, session) -> None:
    result = run(
        app,
        "staff",
        "create",
        "--email",
        "Somchai@Industry.go.th",
        "--role",
        "office",
        "--office",
        "50",
        "--password-stdin",
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "correct horse" not in result.output
    user = session.scalar(sa.select(StaffUser).where(StaffUser.email == "somchai@industry.go.th"))
    assert user is not None and user.role == "office" and user.office_code == "50"
    assert check_password_hash(user.password_hash, "correct horse battery")
    assert user.password_hash.startswith("scrypt:")


def test_staff_create_generates_and_prints_a_strong_password_once(app, session) -> None:
    result = run(app, "staff", "create", "--email", "admin@example.go.th", "--role", "admin")
    assert result.exit_code == 0
    password = result.output.split("password (shown once): ")[1].strip()
    assert len(password) >= 16
    user = session.scalar(sa.select(StaffUser).where(StaffUser.email == "admin@example.go.th"))
    assert check_password_hash(user.password_hash, password)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@example.go.th", "--role", "office"], "needs --office"),
        (["--email", "x@example.go.th", "--role", "office", "--office", "99"], "no office with code '99'"),
        (["--email", "not-an-email", "--role", "admin"], "not an email address"),
    ],
)
def test_staff_create_refuses_bad_input_and_changes_nothing(app, session, args, message) -> None:
    result = app.test_cli_runner().invoke(cli, ["staff", "create", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def test_short_password_from_stdin_is_refused(app, session) -> None:
    result = app.test_cli_runner().invoke(
        cli,
        ["staff", "create", "--email", "a@b.go.th", "--role", "viewer", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1 and "at least 12" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def test_demo_adds_marked_responses_once_with_a_consistent_rollup(app, session, cycle) -> None:
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    total = session.scalar(sa.select(sa.func.count()).select_from(Response))
    assert total > 76 * 15
    assert session.scalar(sa.select(sa.func.count()).where(Response.is_demo.is_(False))) == 0
    offices = session.scalar(sa.select(sa.func.count(sa.distinct(Response.office_code))))
    assert offices == 76
    kinds = set(session.scalars(sa.select(Response.respondent_type).distinct()))
    assert kinds == {"individual", "business", "agency"}
    assert session.scalar(sa.select(sa.func.sum(CellStat.n)).where(CellStat.measure == "EIT")) == total
    assert session.scalar(sa.select(sa.func.count()).select_from(PopulationFrame)) == 76 * 3 * 8
    assert "nothing to do" in run(app, "demo").output
    assert "already has responses" in run(app, "demo", "--if-empty").output
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == total
    run(app, "demo", "--remove")
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(CellStat)) == 0


def test_commands_without_cycle_use_the_only_open_cycle_or_say_why_not(app, session) -> None:
    result = app.test_cli_runner().invoke(cli, ["demo"])
    assert result.exit_code == 1
    assert "0 cycles are open" in result.output


def test_surveys_validate_passes_on_the_shipped_files(app) -> None:
    result = run(app, "surveys", "validate")
    assert result.exit_code == 0 and "1 questionnaire file(s) valid" in result.output


def test_surveys_validate_fails_with_a_precise_message(app, tmp_path: Path) -> None:
    text = (
        (SURVEYS / "eit-2568.yaml")
        .read_text(encoding="utf-8")
        .replace("answer_type: yesno", "answer_type: yes_no", 1)
    )
    (tmp_path / "eit-broken.yaml").write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(cli, ["surveys", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "eit-broken.yaml: items[7].answer_type: no answer type 'yes_no'" in result.output


@pytest.mark.parametrize("utc_time", ["05:00", "16:59", "17:00", "23:30"])
def test_prune_removes_only_nonces_past_their_day(app, session, app_clock, utc_time: str) -> None:
    # From 17:00 UTC Bangkok is already on the next day: the test and `prune` must both use the Bangkok date.
    from survey_app.models import SpentNonce

    app_clock.set(dt.datetime.fromisoformat(f"2026-11-29T{utc_time}:00+00:00"))
    today = local_today()
    assert today == (dt.date(2026, 11, 30) if utc_time >= "17:00" else dt.date(2026, 11, 29))
    session.add_all(
        [
            SpentNonce(nonce_hash="a" * 64, expires_on=today - dt.timedelta(days=1)),
            SpentNonce(nonce_hash="b" * 64, expires_on=today),
        ]
    )
    session.commit()
    result = run(app, "prune")
    assert "1 spent form nonce(s) removed" in result.output
    assert session.scalars(sa.select(SpentNonce.nonce_hash)).all() == ["b" * 64]
