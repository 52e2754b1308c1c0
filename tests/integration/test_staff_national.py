"""The national view: every office in a table that filters and sorts through query parameters, a summary per
region, and CSV (BOM, formulas neutralised) and JSON exports of exactly what the table shows."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from survey_app.clock import local_today
from survey_app.models import AuditEvent, Office, PopulationFrame
from survey_app.services.results import counts as live_counts
from survey_app.services.results.exports import neutralise

from .staff_data import (
    OTHER,
    OWN,
    Spec,
    add_responses,
    expected_eit,
    isolate_requests,
    raw_answers,
    sign_in,
)


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _offices_csv(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(session.execute(sa.select(Office.code, Office.region)).all())


def _row_codes(page: str) -> list[str]:
    return re.findall(r'<tr class="is-(?:adequate|short)">\s*<td>(\d\d)</td>', page)


@pytest.fixture
def counts(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """Office 11: 7 responses (2 today), 12: 3, 50: 12 (adequate against a fixed minimum of 10)."""
    cycle.min_sample = 10
    session.commit()
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(days_ago=0)] * 2 + [Spec(days_ago=5, level=2)] * 5
    )
    add_responses(session, cycle, questionnaire, OTHER, [Spec(days_ago=1)] * 3)
    add_responses(
        session, cycle, questionnaire, "50", [Spec(days_ago=2, rtype=t) for t in ("individual",) * 12]
    )
    return {OWN: 7, OTHER: 3, "50": 12}


def test_table_lists_all_76_offices_with_their_counts(client, session, counts) -> None:
    sign_in(client, session, "viewer")
    page = client.get("/staff/?lang=en").text
    codes = _row_codes(page)
    assert len(codes) == 76 == len(_offices_csv(session))
    for code, n in counts.items():
        assert re.search(rf'data-live="{code}.count">{n}<', page)
    assert re.search(r'data-live="all.count">22<', page)
    assert re.search(r'data-live="all.today">2<', page)


def test_filter_by_region_keeps_only_that_regions_offices(client, session, counts) -> None:
    sign_in(client, session, "admin")
    regions = _offices_csv(session)
    page = client.get("/staff/?region=north&lang=en").text
    assert sorted(_row_codes(page)) == sorted(c for c, r in regions.items() if r == "north")


def test_sorting_by_responses_descending_puts_the_busiest_first(client, session, counts) -> None:
    sign_in(client, session, "admin")
    codes = _row_codes(client.get("/staff/?sort=count&dir=desc").text)
    assert codes[:3] == ["50", OWN, OTHER]
    ascending = _row_codes(client.get("/staff/?sort=count").text)
    assert ascending[-3:] == [OTHER, OWN, "50"]


def test_filter_by_adequacy_and_progress(client, session, counts) -> None:
    sign_in(client, session, "admin")
    assert _row_codes(client.get("/staff/?adequacy=adequate").text) == ["50"]
    assert "50" not in _row_codes(client.get("/staff/?adequacy=short").text)
    assert _row_codes(client.get("/staff/?progress=done").text) == ["50"]
    half = _row_codes(client.get("/staff/?progress=50to99").text)
    assert half == [OWN]  # 7 of 10


def test_sorting_by_eit_puts_offices_without_a_score_last_and_hides_scores_below_k(
    client, session, questionnaire, counts
) -> None:
    sign_in(client, session, "admin")
    page = client.get("/staff/?sort=eit&dir=desc&lang=en").text
    codes = _row_codes(page)
    assert codes[:2] == ["50", OWN]  # 50 answered top marks everywhere, 11 partly lower
    assert OTHER in codes[2:]  # 3 responses: below K, no score
    assert re.search(rf"<td>{OTHER}</td>.*?hidden \(under 5\)", page, re.S)


def test_filter_by_band(client, session, questionnaire, counts) -> None:
    sign_in(client, session, "admin")
    top = expected_eit(questionnaire, raw_answers(questionnaire, 3))
    band = "excellent" if top >= 95 else "pass"
    assert "50" in _row_codes(client.get(f"/staff/?band={band}").text)
    none = _row_codes(client.get("/staff/?band=none").text)
    assert OTHER in none and "50" not in none and len(none) == 75 - 1


def test_region_summary_adds_up(client, session, counts) -> None:
    sign_in(client, session, "admin")
    page = client.get("/staff/?lang=en").text
    regions = _offices_csv(session)
    region = regions["50"]
    offices = sum(1 for r in regions.values() if r == region)
    responses = sum(n for code, n in counts.items() if regions[code] == region)
    label = {"central": "Central", "north": "North", "northeast": "Northeast", "south": "South"}[region]
    row = re.search(rf">{label}</a></th>(.*?)</tr>", page, re.S)
    assert row
    cells = re.findall(r'<td class="num">([^<]*)', row.group(1))
    assert [c.strip() for c in cells[:3]] == [str(offices), str(responses), "1"]


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_has_a_bom_thai_names_and_the_tables_numbers(
    client, session, questionnaire, counts
) -> None:
    sign_in(client, session, "viewer")
    response = client.get("/staff/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {r["office_code"]: r for r in _csv_rows(response.data)}
    assert len(rows) == 76
    assert rows["12"]["office_th"] == "สำนักงานอุตสาหกรรมจังหวัดนนทบุรี"
    assert int(rows[OWN]["responses"]) == 7 and int(rows[OWN]["responses_today"]) == 2
    assert rows["50"]["adequate"] == "yes" and rows[OWN]["adequate"] == "no"
    top = expected_eit(questionnaire, raw_answers(questionnaire, 3))
    assert abs(float(rows["50"]["eit_unweighted"]) - top) < 1e-4
    assert rows[OTHER]["eit_score"] == "" and rows[OTHER]["suppressed_below_k"] == "yes"


def test_csv_export_follows_the_filters(client, session, counts) -> None:
    sign_in(client, session, "admin")
    rows = _csv_rows(client.get("/staff/export.csv?region=north").data)
    regions = _offices_csv(session)
    assert sorted(r["office_code"] for r in rows) == sorted(c for c, r in regions.items() if r == "north")


def test_csv_export_neutralises_cells_that_a_spreadsheet_would_run(client, session, cycle) -> None:
    office = session.get(Office, OWN)
    office.name_th = '=HYPERLINK("http://evil.example","click")'
    office.name_en = "+cmd|' /C calc'!A0"
    office.province_th = "@SUM(1+1)"
    session.commit()
    sign_in(client, session, "admin")
    rows = {r["office_code"]: r for r in _csv_rows(client.get("/staff/export.csv").data)}
    assert rows[OWN]["office_th"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert rows[OWN]["office_en"].startswith("'+")
    assert rows[OWN]["province_th"] == "'@SUM(1+1)"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        (-3, -3),
    ],
)
def test_neutralise(value, safe) -> None:  # type: ignore[no-untyped-def]
    assert neutralise(value) == safe


def test_json_export_matches_the_table_and_has_the_national_roll_up(client, session, counts) -> None:
    sign_in(client, session, "admin")
    response = client.get("/staff/export.json")
    assert response.status_code == 200
    data = json.loads(response.data)
    offices = {o["code"]: o for o in data["offices"]}
    assert len(offices) == 76 and offices[OWN]["count"] == 7
    assert offices[OTHER]["eit"] is None and offices[OTHER]["hidden"] is True
    assert data["national"]["responses"] == 22
    assert [r["region"] for r in data["regions"]][-1] == "all"
    assert data["regions"][-1]["responses"] == 22


def test_exports_are_audited(client, session, counts) -> None:
    user = sign_in(client, session, "viewer")
    client.get("/staff/export.csv?region=south")
    client.get("/staff/export.json")
    session.expire_all()
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.detail["what"] for e in events] == ["national_csv", "national_json"]
    assert all(e.actor_email == user.email for e in events)
    assert events[0].detail["filters"] == {"region": "south"}


def test_office_users_cannot_export_or_read_the_national_feed(client, session, counts) -> None:
    sign_in(client, session, "office", OWN)
    for url in ("/staff/export.csv", "/staff/export.json", "/staff/live.json"):
        assert client.get(url).status_code == 403
    assert client.get(f"/staff/api/results?office={OTHER}").status_code == 404
    own = client.get("/staff/api/results").json
    assert [o["office_code"] for o in own["offices"]] == [OWN] and own["national"] is None


def test_weighted_scores_appear_when_offices_have_frames(client, session, cycle, counts) -> None:
    session.add(PopulationFrame(cycle_id=cycle.id, office_code="50", respondent_type="individual",
                                service="factory_licensing", served=400))  # fmt: skip
    session.commit()
    sign_in(client, session, "admin")
    data = json.loads(client.get("/staff/export.json").data)
    office = next(o for o in data["offices"] if o["code"] == "50")
    assert office["weighting"] == "poststratify"
    assert office["statistical"] == 196  # Krejcie & Morgan, N = 400
    assert office["required"] == 196 and office["adequate"] is False


def test_live_feed_gives_counts_per_office(client, session, counts) -> None:
    sign_in(client, session, "viewer")
    feed = client.get("/staff/live.json").json
    assert feed[f"{OWN}.count"] == 7 and feed[f"{OWN}.today"] == 2 and feed["all.count"] == 22


def test_live_and_channel_counts_come_from_one_query_and_match_the_responses(
    session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    today = local_today()
    add_responses(
        session,
        cycle,
        questionnaire,
        OWN,
        [Spec(channel="poster")] * 3 + [Spec(channel="email", days_ago=3)] * 2,
    )
    add_responses(session, cycle, questionnaire, OTHER, [Spec(channel="email", days_ago=10)] * 4)
    statements: list[str] = []

    def record(*args) -> None:  # type: ignore[no-untyped-def]
        statements.append(args[2])

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        live = live_counts.national_live_counts(session, cycle.id, today)
        channels = live_counts.channel_counts(session, cycle.id, today)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1, "one scan of the responses serves both"
    assert live[OWN] == live_counts.LiveCounts(today=3, last7=5, total=5)
    assert live[OTHER] == live_counts.LiveCounts(today=0, last7=0, total=4)
    assert channels == [live_counts.ChannelCount("email", 6, 2), live_counts.ChannelCount("poster", 3, 1)]
    session.commit()  # the transaction's end forgets the counts: a new response is counted at once
    add_responses(session, cycle, questionnaire, OTHER, [Spec(channel="poster")])
    assert live_counts.channel_counts(session, cycle.id, today)[1] == live_counts.ChannelCount("poster", 4, 2)
