"""Peers through HTTP: honest ranks on the office page (other offices unnamed), the national distribution and each
office's change since the last cycle."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy.orm import Session

from survey_app.clock import local_today
from survey_app.models import Cycle, Office
from survey_app.services.cycles import seeding
from survey_app.services.improvement import peers as peers_service
from survey_app.services.intake import batches as release
from survey_app.services.results import snapshots
from survey_app.services.results.snapshots import store
from tests.conftest import ROOT

from .staff_data import (
    OTHER,
    OWN,
    Spec,
    add_responses,
    expected_eit,
    isolate_requests,
    raw_answers,
    response_row,
    sign_in,
)

K = 5


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def test_office_rank_is_a_range_when_intervals_overlap(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    # OWN: identical answers → zero-width interval at EIT(level 2) = 72.22. "13": 4 × level 3 and 2 × level 1,
    # mean 81.11 with 95 % interval about 59.1–103.1, which overlaps OWN's; "14": all top answers (100, zero
    # width), surely above OWN. Three offices are ranked.
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 6)
    add_responses(session, cycle, questionnaire, "13", [Spec(level=3)] * 4 + [Spec(level=1)] * 2)
    add_responses(session, cycle, questionnaire, "14", [Spec(level=3, straight=True)] * 6)
    assert expected_eit(questionnaire, raw_answers(questionnaire, 3, straight=True)) == pytest.approx(100.0)
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    national = page.split('id="rank-national">')[1].split("</dd>")[0]
    # By the score OWN is third (14 at 100, 13 at 81.11); only 14 is surely above it, nobody surely below.
    assert "rank 3 of 3 by the score, but anywhere from 2 to 3" in national
    peers = page.split('id="peers"')[1].split("</section>")[0]
    # One dot and one interval per ranked office, best first: OWN (72.22, the lowest) last, the only one marked.
    dots = re.findall(r'<circle class="peer-dot( this)?" cx="[\d.]+" cy="([\d.]+)" r="(\d)"/>', peers)
    assert [(this, r) for this, _cy, r in dots] == [("", "3"), ("", "3"), (" this", "5")]
    assert [float(cy) for _this, cy, _r in dots] == sorted(
        float(cy) for _this, cy, _r in dots
    )  # y grows downward
    assert peers.count('<line class="peer-ci"') == 3
    for code in ("13", "14"):
        office = session.get(Office, code)
        assert office.province_en not in peers and office.province_th not in peers, (
            "other offices are not named"
        )


def test_the_kept_ranking_is_renewed_by_a_release_in_another_office_and_by_a_new_generation(
    client, session, cycle, questionnaire, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The ranks rest on every office's snapshot; the page keeps them per state of the snapshots, so a release in
    any office (or a new generation) gives a new ranking on the first read after it, never the one before."""
    reads = []
    read_scores = peers_service._snapshot_scores
    monkeypatch.setattr(peers_service, "_snapshot_scores", lambda *a: reads.append(1) or read_scores(*a))

    def national_rank() -> str:
        page = client.get(f"/staff/offices/{OWN}?lang=en").text
        return page.split('id="rank-national">')[1].split("</dd>")[0]

    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 5)
    add_responses(session, cycle, questionnaire, "13", [Spec(level=1, straight=True)] * 5)
    sign_in(client, session, "office", OWN)
    assert "rank 1 of 2" in national_rank()
    assert "rank 1 of 2" in national_rank()
    assert len(reads) == 1, "the second read uses the kept ranking"

    # A release in another office: "14", all top answers, is ranked above OWN at once.
    add_responses(session, cycle, questionnaire, "14", [Spec(level=3, straight=True)] * 5)
    assert "rank 2 of 3" in national_rank()
    assert len(reads) == 2

    # A new generation renews every snapshot: the ranking is made again from them.
    snapshots.invalidate(session, cycle.id)
    session.commit()
    assert "rank 2 of 3" in national_rank()
    assert len(reads) == 3


def test_each_release_counts_once_for_its_cycle_and_renews_the_kept_ranking(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    """The ranking is kept by the cycle's count of releases (one row, not every office's released count): every
    release through the release path adds one, a submission that releases nothing adds none, and the page's ranks
    follow the release at once."""

    def wait(office: str, level: int, n: int) -> int:
        for _ in range(n):
            raw = raw_answers(questionnaire, level, straight=True)
            session.add(response_row(cycle, questionnaire, office, raw, local_today(), released=False))
        session.flush()
        released = release.release_if_complete(session.connection(), cycle.id, office, questionnaire, K)
        session.commit()
        return released

    def national_rank() -> str:
        page = client.get(f"/staff/offices/{OWN}?lang=en").text
        return page.split('id="rank-national">')[1].split("</dd>")[0]

    assert wait(OWN, 2, K) == K and wait("13", 1, K) == K
    assert store.state_key(session, cycle, K, again=True)[2:] == (0, 2, 0)
    sign_in(client, session, "office", OWN)
    assert "rank 1 of 2" in national_rank()
    assert wait("14", 3, K - 1) == 0, "below K nothing is released"
    assert store.state_key(session, cycle, K, again=True)[2:] == (0, 2, 0)
    assert wait("14", 3, 1) == K
    assert store.state_key(session, cycle, K, again=True)[2:] == (0, 3, 0)
    assert "rank 2 of 3" in national_rank()


def test_a_ranking_read_while_a_release_commits_is_not_kept_under_the_older_state(
    session, cycle, questionnaire, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A reader reads the state (no release yet of "14"), then, before it reads every office's snapshot, a release
    of "14" commits: its ranking holds "14" but may not be kept under the state it read first, or a reader still at
    that state would be shown a release its own page does not show yet. Kept under the newer state instead, it is
    found by the next reader there."""
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * K)
    add_responses(session, cycle, questionnaire, "13", [Spec(level=1)] * K)
    reader = Session(session.get_bind())
    before = store.state_key(reader, cycle, K)
    read_scores = peers_service._snapshot_scores

    def release_first(*args):  # type: ignore[no-untyped-def]
        add_responses(session, cycle, questionnaire, "14", [Spec(level=3, straight=True)] * K)
        return read_scores(*args)

    monkeypatch.setattr(peers_service, "_snapshot_scores", release_first)
    ranking = peers_service._ranking(reader, cycle, questionnaire, K)
    assert sorted(ranking.scores) == [OWN, "13", "14"]
    kept = peers_service._RANKINGS[session.get_bind()]
    assert before not in kept, "a ranking with the newer release is not kept under the older state"
    reader.close()

    monkeypatch.setattr(peers_service, "_snapshot_scores", read_scores)
    with Session(session.get_bind()) as later:
        after = store.state_key(later, cycle, K)
        assert after[2:] == (before[2], before[3] + 1, before[4])
        assert sorted(peers_service._ranking(later, cycle, questionnaire, K).scores) == [OWN, "13", "14"]
        assert after in kept


def test_the_regional_rank_counts_the_offices_of_its_region_and_follows_a_move_to_another_region(
    client, session, cycle, questionnaire, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """OWN (Samut Prakan) and "13" (Pathum Thani) are central, "50" (Chiang Mai) northern. Moving "50" to the
    central region in the office list starts a new generation, so the regional rank the page keeps follows."""
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * K)
    add_responses(session, cycle, questionnaire, "13", [Spec(level=1)] * K)
    add_responses(session, cycle, questionnaire, "50", [Spec(level=3, straight=True)] * K)
    sign_in(client, session, "office", OWN)

    def ranks() -> tuple[str, str]:
        page = client.get(f"/staff/offices/{OWN}?lang=en").text
        national = page.split('id="rank-national">')[1].split("</dd>")[0]
        return national, page.split('id="rank-regional">')[1].split("</dd>")[0]

    assert ranks() == ("rank 2 of 3", "rank 1 of 2")
    listed = (ROOT / "surveys" / "offices.csv").read_text(encoding="utf-8")
    moved = tmp_path / "offices.csv"
    moved.write_text(listed.replace("Chiang Mai,north", "Chiang Mai,central"), encoding="utf-8")
    generation = snapshots.generation(session, cycle.id)
    try:
        assert seeding.load_offices(session, moved) == (0, 1)
        session.commit()
        assert snapshots.generation(session, cycle.id) == generation + 1
        assert ranks() == ("rank 2 of 3", "rank 2 of 3")
    finally:  # the office table outlives the test on PostgreSQL (the run's database keeps its offices)
        session.rollback()
        seeding.load_offices(session, ROOT / "surveys" / "offices.csv")
        session.commit()


def test_national_page_shows_the_distribution_and_each_offices_change_since_the_last_cycle(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    earlier = Cycle(
        code="EIT-OLD", fiscal_year=cycle.fiscal_year - 1, questionnaire_id=cycle.questionnaire_id,
        questionnaire_version=cycle.questionnaire_version, opens_on=cycle.opens_on - dt.timedelta(days=365),
        closes_on=cycle.opens_on - dt.timedelta(days=1), state="closed",
    )  # fmt: skip
    session.add(earlier)
    session.commit()
    add_responses(session, earlier, questionnaire, OWN, [Spec(level=1)] * 5)
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 5)
    add_responses(session, cycle, questionnaire, OTHER, [Spec(level=2)] * 2)
    sign_in(client, session, "viewer")
    national = client.get(f"/staff/?cycle={cycle.code}&lang=en").text
    assert "Distribution of office scores" in national and "1 offices with at least 5 responses" in national
    page = client.get(f"/staff/changes?cycle={cycle.code}&lang=en").text
    change = expected_eit(questionnaire, raw_answers(questionnaire, 2)) - expected_eit(
        questionnaire, raw_answers(questionnaire, 1)
    )
    row = page.split(f'id="change-{OWN}"')[1].split("</tr>")[0]
    assert f"{change:+.2f}" in row
    assert f'id="change-{OTHER}"' not in page, "an office below K has no score and no change"
    # The regional view: Samut Prakan (11) is in the central region, not the north.
    assert f'id="change-{OWN}"' in client.get(f"/staff/changes?cycle={cycle.code}&region=central").text
    assert f'id="change-{OWN}"' not in client.get(f"/staff/changes?cycle={cycle.code}&region=north").text


def test_office_users_have_no_change_table(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert client.get("/staff/changes").status_code == 403
