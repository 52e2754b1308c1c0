"""Release snapshots: computed once per released state, shown at once after every release, and renewed by
everything that changes results without a release (a frame import, a score-map change with ``stats rebuild``, a
cycle closing, an official-results import, a theme), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.cli import cli
from survey_app.clock import local_today
from survey_app.models import ResultSnapshot
from survey_app.services.cycles import frames
from survey_app.services.cycles import manage as cycles
from survey_app.services.improvement import official, themes
from survey_app.services.results import snapshots
from survey_app.services.results.snapshots import shown, store

from .staff_data import (
    OTHER,
    OWN,
    Spec,
    add_responses,
    expected_eit,
    isolate_requests,
    make_user,
    raw_answers,
    release_waiting,
    sign_in,
)

K = 5


@pytest.fixture
def staff(app, client, session):  # type: ignore[no-untyped-def]
    isolate_requests(app)
    sign_in(client, session, "admin")
    return client


def _office(client) -> dict:  # type: ignore[type-arg]
    return client.get(f"/staff/api/results?office={OWN}").json["offices"][0]


def _snapshot_ids(session) -> list[int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(ResultSnapshot.id).where(ResultSnapshot.office_code == OWN)))


def _wait(session, cycle, questionnaire, specs) -> None:  # type: ignore[no-untyped-def]
    """Store responses unreleased (as the survey does) and let the release decide."""
    release_waiting(session, cycle, questionnaire, OWN, specs, K)


def test_a_page_shows_the_latest_release_and_computes_it_once(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    first = _office(staff)
    assert first["count"] == 5
    assert len(_snapshot_ids(session)) == 1
    assert _office(staff) == first and staff.get(f"/staff/offices/{OWN}").status_code == 200
    assert len(_snapshot_ids(session)) == 1, "read again: the stored snapshot, nothing recomputed"

    _wait(session, cycle, questionnaire, [Spec(level=0)] * 4)
    assert _office(staff) == first, "four waiting responses change nothing"
    _wait(session, cycle, questionnaire, [Spec(level=0)])
    after = _office(staff)
    assert after["count"] == 10, "the first read after the release shows it"
    high, low = (expected_eit(questionnaire, raw_answers(questionnaire, level)) for level in (3, 0))
    # JSON carries 10 significant digits (disclosure.settle: the same data, the same bytes).
    assert after["eit"]["unweighted"]["mean"] == pytest.approx((high + low) / 2, rel=1e-9)
    assert len(_snapshot_ids(session)) == 2
    batches = session.scalars(select(func.max(ResultSnapshot.batch)).where(ResultSnapshot.office_code == OWN))
    assert list(batches) == [1], "the snapshot records the release batch it covers"


def _renewed(staff, session, change) -> tuple[dict, dict]:  # type: ignore[no-untyped-def, type-arg]
    """The office before and after ``change()``: asserts a new snapshot was made for it."""
    before = _office(staff)
    ids = _snapshot_ids(session)
    change()
    session.commit()
    after = _office(staff)
    new = _snapshot_ids(session)
    assert len(new) == len(ids) + 1 and max(new) > max(ids), "a new snapshot"
    return before, after


def test_a_frame_import_renews_the_snapshot(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(level=3)] * 6 + [Spec(level=1, service="mining")] * 6
    )
    admin = make_user(session, "admin", email="framer@industry.test")
    frame = {("individual", "factory_licensing"): 100, ("individual", "mining"): 300}
    before, after = _renewed(
        staff, session, lambda: frames.save_frame(session, admin, cycle, OWN, frame, "test")
    )
    assert before["weighting"] == "unweighted" and after["weighting"] == "poststratify"
    assert after["population"] == 400
    # Weighted to the frame: a quarter of the population is served at 100, three quarters at the lower level.
    high, low = (expected_eit(questionnaire, raw_answers(questionnaire, level)) for level in (3, 1))
    assert after["eit"]["weighted"]["mean"] == pytest.approx(0.25 * high + 0.75 * low, rel=1e-9)


def _current_ids(session, cycle, questionnaire) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The current snapshot id of OWN and OTHER (as pages find them)."""
    session.expire_all()
    found = snapshots.office_snapshots(session, cycle, [OWN, OTHER], questionnaire, k=K)
    session.commit()
    return {code: snap.id for code, snap in found.items()}


def test_a_frame_import_renews_that_offices_snapshot_alone(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """A frame changes one office's weights: its snapshot is computed again and no other office's (at 1,000
    offices, every office's cost the next office page 52 s). The state every ranking is kept by still changes, and
    a later new generation of the cycle renews every office, the framed one included, without meeting a state used
    before."""
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(level=3)] * 6 + [Spec(level=1, service="mining")] * 6
    )
    add_responses(session, cycle, questionnaire, OTHER, [Spec(level=2)] * 5)
    admin = make_user(session, "admin", email="framer@industry.test")
    offices = snapshots.renew(
        session, cycle, questionnaire, k=K
    )  # every office's snapshot, as the release job
    session.commit()
    first = _current_ids(session, cycle, questionnaire)
    key = store.state_key(session, cycle, K, again=True)

    frame = {("individual", "factory_licensing"): 100, ("individual", "mining"): 300}
    assert frames.save_frame(session, admin, cycle, OWN, frame, "test")
    session.commit()
    assert store.state_key(session, cycle, K, again=True) != key, "rankings kept by the state are renewed"
    assert snapshots.generation(session, cycle.id) == 0, "the cycle's generation did not move"
    assert snapshots.renew(session, cycle, questionnaire, k=K) == 1, "the framed office's snapshot, no other"
    session.commit()
    framed = _current_ids(session, cycle, questionnaire)
    assert framed[OWN] != first[OWN] and framed[OTHER] == first[OTHER]
    result = snapshots.office_snapshots(session, cycle, [OWN], questionnaire, k=K)[OWN].result
    assert result.weighting == "poststratify" and result.population == 400

    snapshots.invalidate(session, cycle.id)  # a change of every office's results (the cycle closing, say)
    session.commit()
    assert snapshots.renew(session, cycle, questionnaire, k=K) == offices, "every office anew"
    session.commit()
    renewed = _current_ids(session, cycle, questionnaire)
    again = {**frame, ("individual", "mining"): 200}
    assert frames.save_frame(session, admin, cycle, OWN, again, "test")
    session.commit()
    last = _current_ids(session, cycle, questionnaire)
    assert last[OTHER] == renewed[OTHER]
    ids = [*first.values(), framed[OWN], *renewed.values(), last[OWN]]
    assert len(set(ids)) == len(ids), "each office's states never repeat: every snapshot read is a new one"


def test_a_read_failing_while_computing_every_snapshot_keeps_the_groups_it_finished(  # type: ignore[no-untyped-def]
    session, cycle, questionnaire, monkeypatch
) -> None:
    """The first read after a new generation computes every office's snapshot: at 1,000 offices longer than a
    minute, longer than the proxy waits. Each group is stored as soon as it is computed, so a read that fails in its
    second group (a lost database connection, a worker restarted) leaves the first group stored, and the next read
    or the release job computes only the rest."""
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    add_responses(session, cycle, questionnaire, OTHER, [Spec(level=2)] * 5)
    offices = len(store.known_offices(session))
    session.commit()
    groups: list[list[str]] = []
    compute = store._compute

    def fail_in_the_second_group(*args, **kwargs):  # type: ignore[no-untyped-def]
        groups.append(list(args[2]))
        if len(groups) == 2:
            raise ConnectionError("the database went away")
        return compute(*args, **kwargs)

    monkeypatch.setattr(store, "_compute", fail_in_the_second_group)
    with pytest.raises(ConnectionError):
        snapshots.office_snapshots(session, cycle, None, questionnaire, k=K)
    session.rollback()
    stored = session.scalars(select(ResultSnapshot.office_code)).all()
    assert sorted(stored) == groups[0] and len(stored) == store.RENEW_OFFICES < offices
    monkeypatch.setattr(store, "_compute", compute)
    assert snapshots.renew(session, cycle, questionnaire, k=K) == offices - store.RENEW_OFFICES


def test_a_score_map_change_and_rebuild_renew_the_snapshot(
    make_app, tmp_path: Path, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    surveys = tmp_path / "surveys"
    shutil.copytree(Path(__file__).resolve().parents[2] / "surveys", surveys)
    app = make_app(SURVEYS_DIR=str(surveys))
    isolate_requests(app)
    client = app.test_client()
    sign_in(client, session, "admin")
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    assert _office(client)["items"]["E1"]["unweighted"]["mean"] < 100  # E1's last sub-item took level 2
    text = (surveys / "eit-2568.yaml").read_text()
    (surveys / "eit-2568.yaml").write_text(text.replace('score: "200/3"}', "score: 100}", 1))
    ids = _snapshot_ids(session)
    result = app.test_cli_runner().invoke(cli, ["stats", "rebuild"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "missing release snapshots computed" in result.output
    assert len(_snapshot_ids(session)) == len(ids) + 1, "the command computed the new snapshot, not the page"
    after = _office(client)
    assert len(_snapshot_ids(session)) == len(ids) + 1
    assert after["items"]["E1"]["unweighted"]["mean"] == pytest.approx(100.0), (
        "every answer of E1 now scores 100"
    )


def test_closing_the_cycle_renews_the_snapshot(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    admin = make_user(session, "admin", email="closer@industry.test")
    before, after = _renewed(staff, session, lambda: cycles.close_cycle(session, admin, cycle))
    assert before["count"] == after["count"] == 5


def test_an_official_results_import_renews_the_snapshot(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    admin = make_user(session, "admin", email="official@industry.test")
    report = official.parse(f"fiscal_year,office_code,eit\n{cycle.fiscal_year},{OWN},88.5\n".encode(), {OWN})
    assert not report.problems
    _renewed(staff, session, lambda: official.store(session, admin, report))
    assert snapshots.generation(session, cycle.id) == 1


def test_a_new_theme_renews_the_snapshot(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3, suggestion="บริการช้า")] * 5)
    admin = make_user(session, "admin", email="themer@industry.test")
    _renewed(staff, session, lambda: themes.add_theme(session, admin, "ความรวดเร็ว", "ช้า, รอนาน"))


def test_the_release_job_computes_every_snapshot_a_new_generation_made_stale(  # type: ignore[no-untyped-def]
    app, staff, session, cycle, questionnaire
) -> None:
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3, suggestion="บริการช้า")] * 5)
    assert staff.get("/staff/").status_code == 200
    admin = make_user(session, "admin", email="renewer@industry.test")
    themes.add_theme(session, admin, "ความรวดเร็ว", "ช้า, รอนาน")  # every snapshot of every cycle is stale
    session.commit()
    generation = snapshots.generation(session, cycle.id)
    offices = len(store.known_offices(session))

    def current() -> int:
        session.expire_all()
        return int(
            session.scalar(
                select(func.count()).where(
                    ResultSnapshot.cycle_id == cycle.id, ResultSnapshot.generation == generation
                )
            )
            or 0
        )

    assert current() == 0
    runner = app.test_cli_runner()
    output = runner.invoke(cli, ["release"], catch_exceptions=False).output
    assert f"{offices} of {offices} missing release snapshots computed" in output
    assert current() == offices, "every office's snapshot of the new generation, before any page asks"
    assert staff.get("/staff/").status_code == 200 and _office(staff)["count"] == 5
    assert current() == offices, "the pages computed nothing"
    assert "missing release snapshots" not in runner.invoke(cli, ["release"], catch_exceptions=False).output


def _integrity_count(client, office: str) -> int:  # type: ignore[no-untyped-def]
    """The responses the integrity page's ranking gives ``office``."""
    page = client.get("/staff/integrity")
    assert page.status_code == 200
    found = re.search(rf'<td>{office} [^<]*</td><td class="num">([\d,]+)</td>', page.text)
    assert found, "the office's row of the ranking"
    return int(found.group(1).replace(",", ""))


def test_every_page_shows_a_release_on_its_first_read_after_it(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    high, low = (expected_eit(questionnaire, raw_answers(questionnaire, level)) for level in (3, 0))

    def national_row() -> dict:  # type: ignore[type-arg]
        rows = staff.get("/staff/export.json").json["offices"]
        return next(r for r in rows if r["code"] == OWN)

    # Every page read once (and twice: the integrity ranking and decoded snapshots are kept per process).
    for _ in range(2):
        assert _office(staff)["count"] == 5
        assert national_row()["count"] == 5
        assert national_row()["eit_unweighted"] == pytest.approx(high, rel=1e-9)
        assert _integrity_count(staff, OWN) == 5
        assert staff.get(f"/staff/offices/{OWN}").status_code == 200
    report = shown.integrity_report(session, cycle, questionnaire, local_today(), k=K)
    own = next(a for a in report.offices if a.office == OWN)
    assert own.n == 5

    _wait(session, cycle, questionnaire, [Spec(level=0, channel="email")] * 5)
    assert _office(staff)["count"] == 10
    row = national_row()
    assert row["count"] == 10
    assert row["eit_unweighted"] == pytest.approx((high + low) / 2, rel=1e-9)
    assert _integrity_count(staff, OWN) == 10
    # The integrity page's inputs came with the new snapshot: poster and email moments as computed here.
    snap = snapshots.office_snapshots(session, cycle, [OWN], questionnaire, k=K)[OWN]
    assert snap.integrity is not None
    assert (snap.integrity.poster.n, snap.integrity.email.n) == (5, 5)
    assert snap.integrity.poster.total == pytest.approx(5 * high, rel=1e-9)
    assert snap.integrity.email.total == pytest.approx(5 * low, rel=1e-9)
    assert snap.integrity.email.total_sq == pytest.approx(5 * low * low, rel=1e-9)
    assert sum(m.n for m in snap.integrity.daily.values()) == 10


def test_a_transaction_forgets_the_state_it_read_once_it_writes(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """Snapshots read several times in one transaction reuse its first read of the state, until the session
    writes (a flush) or the transaction ends: a release or an invalidation in the same session is never missed."""
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5)
    first = snapshots.office_snapshots(session, cycle, [OWN], questionnaire, k=K)[OWN]
    assert first.released == 5 and first.generation == 0
    snapshots.invalidate(session, cycle.id)  # flushes in this transaction
    assert store._state(session, cycle, K, [OWN]).generation == 1
    session.commit()
    again = snapshots.office_snapshots(session, cycle, [OWN], questionnaire, k=K)[OWN]
    assert again.generation == 1 and again.id != first.id


def test_a_new_snapshot_is_served_as_stored_and_a_concurrent_copy_yields(
    session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    """The reader that stores snapshots serves them decoded from the text it stored (no second read), exactly as a
    later reader decodes the rows; a reader that finds a state stored first by another stores nothing for it and
    serves the stored one."""
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 5 + [Spec(level=1)] * 5)
    gen = snapshots.generation(session, cycle.id)
    other, third = sorted(store.known_offices(session) - {OWN})[:2]
    keys = {OWN: (gen, 10), other: (gen, 0)}
    payloads = store._compute(session, cycle, sorted(keys), questionnaire, K)
    served = store._store(session, cycle, keys, K, payloads)
    assert sorted(served) == sorted(keys)
    store._CACHE.clear()
    for office in keys:
        (row,) = session.scalars(select(ResultSnapshot).where(ResultSnapshot.office_code == office))
        read = store._read(row)
        assert (served[office].id, served[office].digest) == (row.id, row.digest)
        assert store.encode(dataclasses.replace(served[office], integrity=None)) == store.encode(
            dataclasses.replace(read, integrity=None)
        ), "served as a later reader decodes it"
        assert served[office].integrity == read.integrity
    assert served[OWN].result.count == 10 and served[OWN].figures
    assert served[other].result.count == 0 and not served[other].figures

    again = {**keys, third: (gen, 0)}
    payloads[third] = store._compute(session, cycle, [third], questionnaire, K)[third]
    assert sorted(store._store(session, cycle, again, K, payloads)) == [third], (
        "states stored before: refused"
    )
    assert session.scalar(select(func.count()).select_from(ResultSnapshot)) == 3
    shown_now = snapshots.office_snapshots(session, cycle, [OWN], questionnaire, k=K)[OWN]
    assert shown_now.id == served[OWN].id
