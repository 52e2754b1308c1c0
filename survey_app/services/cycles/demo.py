"""Synthetic demo data so a new installation's dashboards have something to show.

Every generated response has ``is_demo = True`` and can be removed with ``survey-app demo --remove``. Offices get
different paces and quality levels so the national view shows leaders and laggards; respondent types and services
follow a plausible mix for a provincial industry office; a few responses carry quality flags.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Sequence

from sqlalchemy import Select, bindparam, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from ...models import Answer, Channel, Cycle, Office, PopulationFrame, Response
from ...models.responses import new_response_id
from ...questionnaire import Item, Questionnaire
from ..results import rollup, snapshots

TYPE_MIX = {"individual": 0.55, "business": 0.40, "agency": 0.05}
SERVICE_MIX = {
    "factory_licensing": 0.30,
    "mining": 0.05,
    "community_standards": 0.15,
    "industrial_standards": 0.12,
    "complaints": 0.10,
    "procurement": 0.06,
    "information": 0.17,
    "other": 0.05,
}
SUGGESTIONS = (
    "เจ้าหน้าที่บริการดีมาก ขอบคุณครับ",
    "อยากให้มีบริการออนไลน์มากขึ้น",
    "ที่จอดรถไม่เพียงพอ",
    "ขั้นตอนการขออนุญาตยังใช้เวลานาน",
    "Staff were helpful and explained everything clearly.",
)


def has_demo(session: Session, cycle: Cycle) -> bool:
    """Whether demo responses already exist in ``cycle``."""
    return bool(session.scalar(select(exists().where(Response.cycle_id == cycle.id, Response.is_demo))))


def count(session: Session, cycle_id: int) -> int:
    """How many demo responses ``cycle_id`` holds (a partial index answers this without a scan)."""
    return int(session.scalar(_count_query(), {"cycle_id": cycle_id}) or 0)


@functools.cache
def _count_query() -> Select[int]:
    """:func:`count`'s statement, built once (every staff page asks)."""
    return select(func.count()).where(Response.cycle_id == bindparam("cycle_id"), Response.is_demo)


def has_responses(session: Session, cycle: Cycle) -> bool:
    """Whether ``cycle`` has any response, demo or real."""
    return bool(session.scalar(select(exists().where(Response.cycle_id == cycle.id))))


def remove(session: Session, cycle: Cycle, questionnaire: Questionnaire) -> None:
    """Delete the demo responses of ``cycle`` and rebuild its rollup."""
    session.execute(delete(Response).where(Response.cycle_id == cycle.id, Response.is_demo))
    rollup.rebuild(session, cycle.id, questionnaire)
    snapshots.invalidate(session, cycle.id)


def generate(
    session: Session, cycle: Cycle, questionnaire: Questionnaire, today: dt.date, seed: int = 2569
) -> int:
    """Create demo responses (and population frames where an office has none); returns the number created."""
    rng = random.Random(seed)
    offices = session.scalars(select(Office).order_by(Office.code)).all()
    first_day = max(cycle.opens_on, today - dt.timedelta(days=59))
    days = [first_day + dt.timedelta(days=d) for d in range((today - first_day).days + 1)]
    responses: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    for office in offices:
        _ensure_frame(session, cycle, office, questionnaire, rng)
        quality = min(0.97, max(0.55, rng.gauss(0.82, 0.08)))
        for _ in range(int(rng.triangular(15, 190, 90))):
            response, rows = _response(cycle, office, questionnaire, rng, quality, rng.choice(days))
            responses.append(response)
            answers.extend(rows)
    # Core bulk inserts: thousands of rows in a few statements.
    session.execute(insert(Response), responses)
    session.execute(insert(Answer), answers)
    rollup.rebuild(session, cycle.id, questionnaire)
    snapshots.invalidate(session, cycle.id)
    return len(responses)


def _pick(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _ensure_frame(
    session: Session, cycle: Cycle, office: Office, questionnaire: Questionnaire, rng: random.Random
) -> None:
    has_frame = session.scalar(
        select(
            exists().where(PopulationFrame.cycle_id == cycle.id, PopulationFrame.office_code == office.code)
        )
    )
    if has_frame:
        return
    size = rng.randint(400, 4000)
    for rtype in questionnaire.respondent_type.codes:
        for service in questionnaire.service.codes:
            served = round(
                size * TYPE_MIX.get(rtype, 0.05) * SERVICE_MIX.get(service, 0.05) * rng.uniform(0.6, 1.4)
            )
            session.add(
                PopulationFrame(
                    cycle_id=cycle.id,
                    office_code=office.code,
                    respondent_type=rtype,
                    service=service,
                    served=served,
                )
            )


def _answer(rng: random.Random, item: Item, quality: float) -> int:
    values: Sequence[int] = [o.value for o in item.answer_type.options]
    if len(values) == 2:
        return values[1] if rng.random() < min(0.99, quality + 0.12) else values[0]
    # Four levels: mostly the top two, more so in better offices.
    weights = [(1 - quality) * 0.4, (1 - quality) * 1.2, 0.9, quality * 1.6]
    return rng.choices(list(values), weights=weights)[0]


def _response(
    cycle: Cycle,
    office: Office,
    questionnaire: Questionnaire,
    rng: random.Random,
    quality: float,
    day: dt.date,
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """One demo response row and its answer rows, as dictionaries for a bulk insert."""
    rtype = _pick(rng, TYPE_MIX)
    values = {key: _answer(rng, item, quality) for item in questionnaire.items for key in item.keys}
    response_id = new_response_id()
    response = {
        "id": response_id,
        "cycle_id": cycle.id,
        "office_code": office.code,
        "channel": Channel.EMAIL.value
        if rtype == "business" and rng.random() < 0.5
        else Channel.POSTER.value,
        "respondent_type": rtype,
        "service": _pick(rng, SERVICE_MIX),
        "questionnaire_version": questionnaire.version,
        "too_fast": rng.random() < 0.03,
        "straight_lined": questionnaire.is_straight_lined(values),
        "is_demo": True,
        "suggestion": rng.choice(SUGGESTIONS) if rng.random() < 0.15 else None,
        "submitted_on": day,
    }
    answers = [
        {
            "response_id": response_id,
            "item": item,
            "sub": sub,
            "value": value,
            "score": questionnaire.item(item).answer_type.score(value),
        }
        for (item, sub), value in values.items()
    ]
    return response, answers
