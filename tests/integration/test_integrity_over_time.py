"""The integrity page over time (issue 20: "everything staff see … integrity page" obeys the guarantee).

The page shows an office's plain EIT with every response beside its EIT without the flagged ones. Seen before and
after a release that adds one flagged response and four others, the two pairs of figures would give the flagged
response's EIT: (all₂ − all₁) − (clean₂ − clean₁), in totals. The page now takes "without flagged" from the office's
release snapshot, whose auditor clears it against every figure shown before (a group figure moves only when its
group gained K members), and withholds the EIT without a rush of days (days dated by submission gain answers a
few at a time). The attacker (``tests/disclosure_attack.py``, not the product's auditor) names each figure's members
and must pin nothing down; the same views made from the raw aggregates pin the flagged response (so it can fail).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from survey_app.clock import local_today
from survey_app.services.intake import batches as release
from survey_app.services.integrity import assessment
from survey_app.services.results.snapshots import shown
from survey_app.stats import integrity as stats_integrity
from tests.disclosure_attack import pinned

from .staff_data import OWN, Spec, isolate_requests, raw_answers, response_row

K = 5


def _wait(session, cycle, questionnaire, specs: list[Spec], day: dt.date) -> None:  # type: ignore[no-untyped-def]
    for spec in specs:
        raw = raw_answers(questionnaire, spec.level)
        session.add(response_row(cycle, questionnaire, OWN, raw, day, spec, released=False))
    session.flush()
    session.commit()


def _release(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    assert release.release_if_complete(session.connection(), cycle.id, OWN, questionnaire, K)
    session.commit()


def _views(session, cycle, questionnaire) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    """(what the page shows, what the raw aggregates would show) of the office's effect."""
    today = local_today()
    page = next(a for a in shown.integrity_report(session, cycle, questionnaire, today, k=K).offices
                if a.office == OWN).effect  # fmt: skip
    last = min(today, cycle.closes_on)
    raw = stats_integrity.assess(
        assessment.aggregates(session, questionnaire, cycle.id, [OWN]), cycle.opens_on, last
    )
    return page, raw[0].effect


def _groups(views: list[tuple[Any, list[str], list[str]]]) -> list[list[str]]:
    """The groups a viewer can name: every response released at each view, and the unflagged ones wherever a
    "without flagged" figure was shown with a new value (a value shown again adds nothing)."""
    groups: list[list[str]] = []
    last_clean = None
    for effect, everyone, unflagged in views:
        groups.append(everyone)
        if effect.without_flagged is not None and effect.without_flagged != last_clean:
            groups.append(unflagged)
            last_clean = effect.without_flagged
    return groups


def test_two_views_around_a_release_do_not_give_a_flagged_response_away(  # type: ignore[no-untyped-def]
    app, session, cycle, questionnaire
):
    isolate_requests(app)
    day = local_today()
    first = [Spec(level=1, too_fast=True)] * 6 + [Spec(level=3)] * 10
    _wait(session, cycle, questionnaire, first, day)
    _release(session, cycle, questionnaire)
    labels = [f"r{i}" for i in range(len(first))]
    flagged = {label for label, spec in zip(labels, first, strict=True) if spec.too_fast}
    before = _views(session, cycle, questionnaire)
    second = [Spec(level=0, too_fast=True)] + [Spec(level=2)] * 4
    _wait(session, cycle, questionnaire, second, day)
    _release(session, cycle, questionnaire)
    labels2 = labels + ["target"] + [f"s{i}" for i in range(4)]
    flagged2 = flagged | {"target"}
    after = _views(session, cycle, questionnaire)
    unflagged = [x for x in labels if x not in flagged]
    unflagged2 = [x for x in labels2 if x not in flagged2]
    # The raw aggregates: both "without flagged" figures shown, and the flagged newcomer is pinned.
    raw = _groups([(before[1], labels, unflagged), (after[1], labels2, unflagged2)])
    assert before[1].without_flagged is not None and after[1].without_flagged is not None
    assert "target" in pinned(raw)
    # What the page shows: nothing pinned, and no EIT without a rush of days.
    page = _groups([(before[0], labels, unflagged), (after[0], labels2, unflagged2)])
    assert pinned(page) == set()
    assert before[0].without_flagged is not None, "the figure is shown when nothing is at stake"
    assert after[0].without_period is None and before[0].without_period is None
