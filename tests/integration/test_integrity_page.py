"""The integrity page: aggregates read with SQL equal those computed independently with NumPy from the same
simulated responses; the planted offices are ranked first; office staff get 404; viewers and admins see it."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest
import sqlalchemy as sa

from bench import integrity_sim as sim
from survey_app.models import Cycle, Response
from survey_app.services.integrity import assessment as integrity
from survey_app.stats import integrity as stats_integrity

from .staff_data import OWN, Spec, add_responses, isolate_requests, sign_in

SEED = 1414


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _draw(layout: sim.Layout, codes: list[str]):  # type: ignore[no-untyped-def]
    return sim.replicate(
        np.random.default_rng(SEED), layout, codes, True, busy=sim.BUSY, scale=0.3, steered=0.4
    )


@pytest.fixture
def simulated(session, questionnaire):  # type: ignore[no-untyped-def]
    """A closed cycle of six months: 76 honest offices (a third of the usual pace), a stuffer (office 11, 30
    responses in one week) and a steerer at a busy office (office 12, 40 % of poster answers turned to the top; the
    power at 20 % is measured by bench/integrity_sim.py)."""
    cycle = Cycle(
        code="sim-2569", fiscal_year=2569, questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version, opens_on=sim.FIRST, closes_on=sim.LAST, state="closed",
    )  # fmt: skip
    session.add(cycle)
    session.commit()
    codes = sim.office_codes()
    assert codes[:2] == [OWN, "12"]
    layout = sim.Layout.of(questionnaire)
    offices, ranked = _draw(layout, codes)
    sim.insert_responses(session, cycle.id, questionnaire, offices)
    session.commit()
    return cycle, offices, ranked


def test_sql_aggregates_equal_the_numpy_ones_and_the_planted_offices_rank_first(  # type: ignore[no-untyped-def]
    session, questionnaire, simulated
):
    cycle, offices, ranked_by_numpy = simulated
    layout = sim.Layout.of(questionnaire)
    from_sql = {a.office: a for a in integrity.aggregates(session, questionnaire, cycle.id)}
    assert len(from_sql) == 76
    for code, r in offices.items():
        expected, got = sim.aggregate(layout, code, r), from_sql[code]
        assert (got.all_highest, got.poster_all_highest, got.duplicated) == (
            expected.all_highest, expected.poster_all_highest, expected.duplicated,
        )  # fmt: skip
        for name in ("poster", "email", "flagged"):
            e, g = getattr(expected, name), getattr(got, name)
            assert g.n == e.n and math.isclose(g.total, e.total, rel_tol=1e-9, abs_tol=1e-6), (code, name)
            assert math.isclose(g.total_sq, e.total_sq, rel_tol=1e-9, abs_tol=1e-6), (code, name)
        assert {d: m.n for d, m in got.daily.items()} == {d: m.n for d, m in expected.daily.items()}
    # One office's aggregates (what its release snapshot stores) are its part of the whole cycle's (to rounding).
    for part in integrity.aggregates(session, questionnaire, cycle.id, [OWN, "12"]):
        whole = from_sql[part.office]
        assert (part.all_highest, part.poster_all_highest, part.duplicated) == (
            whole.all_highest, whole.poster_all_highest, whole.duplicated,
        )  # fmt: skip
        pairs = [(part.poster, whole.poster), (part.email, whole.email), (part.flagged, whole.flagged)]
        pairs += [(m, whole.daily[day]) for day, m in part.daily.items()]
        assert len(part.daily) == len(whole.daily)
        for a, b in pairs:
            assert a.n == b.n and math.isclose(a.total, b.total, rel_tol=1e-12, abs_tol=1e-9)
            assert math.isclose(a.total_sq, b.total_sq, rel_tol=1e-12, abs_tol=1e-9)
    report = integrity.assess(session, questionnaire, cycle, dt.date(2026, 11, 30))
    order = [a.office for a in report.offices]
    assert order == [a.office for a in ranked_by_numpy]
    assert set(order[:2]) == {OWN, "12"}
    assert report.offices[0].alarm and report.offices[1].alarm
    assert not any(a.alarm for a in report.offices[2:])
    # The stuffer's week is found, and leaving it out lowers the office's plain EIT.
    stuffer = next(a for a in report.offices if a.office == OWN)
    spike = next(s for s in stuffer.signals if s.kind == "day_spike")
    assert spike.days is not None and (spike.days[1] - spike.days[0]).days == 6
    assert stuffer.effect.without_period is not None and stuffer.effect.without_period < stuffer.effect.eit


def test_integrity_page_lists_the_planted_offices_first_for_viewers_in_thai_and_english(  # type: ignore[no-untyped-def]
    app, client, session, simulated
):
    sign_in(client, session, "viewer")
    page = client.get("/staff/integrity?cycle=sim-2569")
    assert page.status_code == 200
    assert "ความน่าเชื่อถือของคำตอบ" in page.text
    named = re.findall(r'<article class="office-signal" aria-labelledby="o-(\d\d)">', page.text)
    assert sorted(named) == [OWN, "12"]
    rows = re.findall(r"<tr(?: class=\"named\")?><td class=\"num\">\d+</td><td>(\d\d) ", page.text)
    assert len(rows) == 76 and set(rows[:2]) == {OWN, "12"}
    english = client.get("/staff/integrity?cycle=sim-2569&lang=en")
    assert "Integrity of the responses" in english.text and "Sudden rush of responses" in english.text


def test_office_staff_get_404_and_nothing_of_the_page(app, client, session):  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    response = client.get("/staff/integrity")
    assert response.status_code == 404
    assert "integrity" not in client.get(f"/staff/offices/{OWN}").text.lower().replace("integrity.css", "")


def test_admin_sees_the_page_and_an_all_clear_without_responses(app, client, session, cycle):  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    page = client.get("/staff/integrity")
    assert page.status_code == 200
    assert "ไม่มีสำนักงานใดโดดเด่น" in page.text


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/staff/integrity")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_simulated_ranking_is_a_pure_function_of_the_aggregates(questionnaire) -> None:  # type: ignore[no-untyped-def]
    layout = sim.Layout.of(questionnaire)
    codes = sim.office_codes()
    offices, ranked = _draw(layout, codes)
    again = stats_integrity.assess(
        [sim.aggregate(layout, c, r) for c, r in offices.items()], sim.FIRST, sim.LAST
    )
    assert [a.office for a in again] == [a.office for a in ranked]


def test_burst_count_shows_on_the_office_page_to_admins_but_not_to_the_office(  # type: ignore[no-untyped-def]
    app, session, cycle, questionnaire
):
    # A flag count is hidden when it or its complement is below K (5): 5 of 10 responses are shown.
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 10)
    session.execute(
        sa.update(Response).where(Response.id.in_(sa.select(Response.id).limit(5))).values(burst=True)
    )
    session.commit()
    label = "ส่งจำนวนมากในวันเดียวจากโทรศัพท์หรือที่อยู่เดียวกัน"
    admin = app.test_client()
    sign_in(admin, session, "admin")
    page = admin.get(f"/staff/offices/{OWN}").text
    assert re.search(label + r"</dt><dd>5</dd>", page)
    office = app.test_client()
    sign_in(office, session, "office", OWN)
    assert label not in office.get(f"/staff/offices/{OWN}").text


def test_responses_not_yet_released_are_not_on_the_page(session, questionnaire, simulated):  # type: ignore[no-untyped-def]
    """Answers reach every staff view, this one included, only once their batch of K is released."""
    cycle, _, _ = simulated
    before = {a.office: a for a in integrity.aggregates(session, questionnaire, cycle.id)}
    held = session.scalars(
        sa.select(Response.id).where(Response.cycle_id == cycle.id, Response.office_code == "12").limit(4)
    ).all()
    session.execute(sa.update(Response).where(Response.id.in_(held)).values(released=False))
    session.commit()
    after = {a.office: a for a in integrity.aggregates(session, questionnaire, cycle.id)}
    assert after["12"].total.n == before["12"].total.n - 4
    assert after[OWN].total.n == before[OWN].total.n
