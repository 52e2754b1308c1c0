"""What the public results pages show of an office (``/r/<code>``), and why showing it is safe.

Shown, for a **closed** cycle only (the newest closed one unless another closed one is asked for):

- the office's EIT and indicator scores with their ITA bands and the number of answers they rest on, exactly as
  staff see them: from the *released* state (the per-cell rollup, which holds only responses released in batches of
  K) through the one disclosure rule, :func:`survey_app.services.disclosure.office_result` (no score below K
  responses). The plain (unweighted) mean is published, as the official ITA computes it;
- what people raised: the staff-named suggestion themes that at least K of the office's released suggestions
  match (theme name and count; never a suggestion's text);
- the office's improvement measures of that cycle and of later ones (item, action, status, due date; never the
  name of the staff member who owns one);
- the official ITA result of the cycle's fiscal year when it has been imported.

Why it is safe: a closed cycle takes no more answers and releases no more batches, so every figure on the page is
final: two visits, however far apart, show the same numbers, and no difference between them can isolate anyone. The
figures are a subset of what the office's staff already see, with no breakdown by respondent type, service, month
or channel. An office with fewer than K released answers shows only "not enough answers to publish yet": no score,
no count, no measure. Nothing is shown of an open cycle, so the page never moves with a single new answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cycle, CycleState, ImprovementMeasure, Office
from ...questionnaire import Questionnaire
from ...stats.bands import Band, eit_band
from ...stats.scoring import MeasureScore
from ..improvement import official, themes
from ..results import released


@dataclass(frozen=True)
class PublicScore:
    """A published score: the plain mean of an indicator (``IND6``...) or of the EIT, with its band."""

    measure: str
    name_th: str
    name_en: str
    score: float
    band: Band | None


@dataclass(frozen=True)
class PublicMeasure:
    """An improvement measure as the public sees it."""

    item: str
    item_th: str
    item_en: str
    action: str
    status: str
    due_on: dt.date


@dataclass(frozen=True)
class PublicOfficial:
    """The official ITA result of the cycle's fiscal year."""

    fiscal_year: int
    eit: float
    iit: float | None
    oit: float | None
    total: float | None


@dataclass(frozen=True)
class PublicOffice:
    """One office's public page; ``published`` False means "not enough answers to publish yet" and nothing else."""

    office: Office
    cycle: Cycle
    published: bool
    answers: int | None = None
    eit: PublicScore | None = None
    indicators: tuple[PublicScore, ...] = ()
    themes: tuple[tuple[str, int], ...] = ()  # (theme name, suggestions matching it), each count at least K
    measures: tuple[PublicMeasure, ...] = ()
    official: PublicOfficial | None = None


def closed_cycles(session: Session) -> list[Cycle]:
    """Every closed cycle, the newest first."""
    query = (
        select(Cycle)
        .where(Cycle.state == CycleState.CLOSED)
        .order_by(Cycle.closes_on.desc(), Cycle.id.desc())
    )
    return list(session.scalars(query))


def shown_cycle(session: Session, code: str | None) -> Cycle | None:
    """The closed cycle ``code``, or the newest closed cycle without one; None when there is none (an open or
    unknown cycle is never shown)."""
    cycles = closed_cycles(session)
    if code is None:
        return cycles[0] if cycles else None
    return next((c for c in cycles if c.code == code), None)


def _score(score: MeasureScore, name_th: str, name_en: str) -> PublicScore | None:
    mean = score.unweighted.mean
    if mean != mean:  # NaN: nothing to publish
        return None
    return PublicScore(score.measure, name_th, name_en, float(mean), score.unweighted_band)


def _measures(
    session: Session, cycle: Cycle, office_code: str, questionnaire: Questionnaire
) -> list[PublicMeasure]:
    """The office's measures of ``cycle`` and of the cycles after it, soonest due first."""
    later = select(Cycle.id).where(Cycle.opens_on >= cycle.opens_on)
    rows = session.scalars(
        select(ImprovementMeasure)
        .where(ImprovementMeasure.office_code == office_code, ImprovementMeasure.cycle_id.in_(later))
        .order_by(ImprovementMeasure.due_on, ImprovementMeasure.id)
    )
    items = {item.code: item for item in questionnaire.items}
    out = []
    for m in rows:
        item = items.get(m.item)
        out.append(PublicMeasure(
            m.item, item.text.th if item else m.item, item.text.en if item else m.item, m.action, m.status, m.due_on
        ))  # fmt: skip
    return out


def _themes(session: Session, cycle: Cycle, office_code: str, k: int) -> tuple[tuple[str, int], ...]:
    """Themes matched by at least K of the office's released suggestions, biggest first (the hidden ones left out)."""
    counts = themes.theme_counts(
        themes.suggestion_texts(session, cycle, office_code), themes.all_themes(session), k
    )
    return tuple((c.name, c.count) for c in counts if c.count is not None)


def office_page(
    session: Session, cycle: Cycle, office: Office, questionnaire: Questionnaire, *, k: int
) -> PublicOffice:
    """The public page of ``office`` for closed ``cycle`` (ValueError for a cycle that is not closed)."""
    if cycle.state != CycleState.CLOSED:
        raise ValueError("only a closed cycle's results are published")
    (result,) = released.cycle_results(session, cycle, [office.code], k=k).offices
    if result.count < k or result.eit is None:
        return PublicOffice(office, cycle, published=False)
    indicators = [
        _score(result.indicators[i.measure], i.name.th, i.name.en)
        for i in questionnaire.indicators
        if i.measure in result.indicators
    ]
    found = official.for_office(session, cycle.fiscal_year, office.code)
    return PublicOffice(
        office,
        cycle,
        published=True,
        answers=result.count,
        eit=_score(result.eit, "EIT", "EIT"),
        indicators=tuple(s for s in indicators if s is not None),
        themes=_themes(session, cycle, office.code, k),
        measures=tuple(_measures(session, cycle, office.code, questionnaire)),
        official=PublicOfficial(found.fiscal_year, found.eit, found.iit, found.oit, found.total)
        if found
        else None,
    )


@dataclass(frozen=True)
class NationalRow:
    """One office in the national list: its EIT and band, or not published (``eit`` None)."""

    office: Office
    answers: int | None
    eit: PublicScore | None


def national_list(session: Session, cycle: Cycle, *, k: int) -> list[NationalRow]:
    """Every office of closed ``cycle`` by code, with its published EIT (None below K).

    Read from the released rollup's EIT sums in one query: the plain mean of the respondents' EIT, which is the
    unweighted EIT the office page shows (:func:`office_page`), under the same rule (nothing below K).
    """
    if cycle.state != CycleState.CLOSED:
        raise ValueError("only a closed cycle's results are published")
    sums = released.office_eit_sums(session, cycle)
    rows = []
    for office in session.scalars(select(Office).order_by(Office.code)):
        n, total, _squares = sums.get(office.code, (0, 0.0, 0.0))
        if n < k or n == 0:
            rows.append(NationalRow(office, None, None))
            continue
        mean = total / n
        rows.append(NationalRow(office, n, PublicScore("EIT", "EIT", "EIT", mean, eit_band(mean))))
    return rows
