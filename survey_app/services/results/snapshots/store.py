"""Computing, storing and reading one office's release snapshots (the guarantee: this package's docstring)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    event,
    func,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ....db import dialect_insert
from ....models import CellStat, Cycle, Office, ResultSnapshot, SnapshotGeneration, SnapshotOfficeGeneration
from ....questionnaire import Questionnaire
from ....stats import audit
from ....stats.integrity import OfficeAggregates
from ...improvement import trends
from ...integrity import assessment
from .. import disclosure, released, respondents
from .. import scores as results
from ..cell_tables import OfficeTables, load_tables
from ..reasons import Note
from ..scores import OfficeResult
from . import signals

SCHEMA = 1
AXES = ("type", "service")


# --- figures and memberships ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A shown figure by the responses it covers: ``kind`` (``all``, ``unflagged``, ``type``, ``service``,
    ``month``), the group (a code, or a release month ``YYYY-MM``) and the last release batch it includes."""

    kind: str
    group: str
    upto: int


@dataclass(frozen=True)
class Member:
    """What the auditor knows of one released response: its release batch and the groups it belongs to."""

    batch: int
    rtype: str
    service: str
    flagged: bool
    month: str


class Columns:
    """The office's released responses as the auditor's columns: each figure's members are one vectorised
    comparison (a snapshot after many releases builds its row space from hundreds of figures)."""

    def __init__(self, members: Sequence[Member]) -> None:
        self.count = len(members)
        self.batch = np.array([m.batch for m in members], dtype=np.int64)
        self.unflagged = np.array([not m.flagged for m in members], dtype=bool)
        self.groups = {
            "type": np.array([m.rtype for m in members], dtype=str),
            "service": np.array([m.service for m in members], dtype=str),
            "month": np.array([m.month for m in members], dtype=str),
        }

    def of(self, figure: Figure) -> list[int]:
        """The columns ``figure`` covers: released up to its batch and, by its kind, every response (``all``),
        the unflagged ones, or those of its group (``type``, ``service``, ``month``)."""
        covered = self.batch <= figure.upto
        if figure.kind == "unflagged":
            covered &= self.unflagged
        elif figure.kind != "all":
            covered &= self.groups[figure.kind] == figure.group
        found: list[int] = np.flatnonzero(covered).tolist()
        return found


def office_members(found: Iterable[respondents.Respondent]) -> list[Member]:
    """The office's released respondents (in their fixed order, by random id) as the auditor sees them."""
    return [
        Member(r.batch, r.rtype, r.service, r.flagged, f"{r.day.year:04d}-{r.day.month:02d}") for r in found
    ]


# --- the payload -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A group mean as shown: its count, the batch it was taken at and the sum of each measure."""

    n: int
    upto: int
    sums: Mapping[str, float]


@dataclass(frozen=True)
class Snapshot:
    """One office's cleared figures after one release (read back from ``result_snapshot``)."""

    id: int
    office_code: str
    generation: int
    batch: int
    released: int
    k: int
    result: OfficeResult
    clean: OfficeResult | None
    clean_withheld: bool
    groups: Mapping[str, Mapping[str, Group]]
    months: Mapping[str, tuple[trends.Point, ...]]
    figures: tuple[Figure, ...]
    withheld: tuple[str, ...]
    digest: str = ""
    # The integrity page's inputs for the office (``services/integrity``; admins and viewers only, not a figure
    # shown by itself): None in snapshots stored before they were kept here.
    integrity: OfficeAggregates | None = None

    def group_sums(self, axis: str, measure: str) -> dict[str, tuple[int, float]]:
        """(count, sum) of ``measure`` per shown group of ``axis`` (``type`` or ``service``)."""
        return {
            code: (g.n, g.sums[measure]) for code, g in self.groups.get(axis, {}).items() if measure in g.sums
        }


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # One level: the encoder comes back here for the fields that are dataclasses themselves
        # (``dataclasses.asdict`` deep-copied every leaf, a third of a new snapshot's time).
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def encode(value: Any) -> str:
    """JSON text of a dataclass tree (NaN kept as NaN: the column is text, read back by :func:`decode`)."""
    return json.dumps(value, default=_default, allow_nan=True, sort_keys=True, ensure_ascii=False)


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    """A dataclass's field types (resolving string annotations costs more than decoding a field)."""
    return typing.get_type_hints(kind)


def decode(kind: Any, value: Any) -> Any:
    """``value`` (parsed JSON) as an instance of the type ``kind``: dataclasses, tuples, mappings, dates."""
    return _decoder(kind)(value)


def _same(value: Any) -> Any:
    return value


@functools.cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """The function that decodes a value of type ``kind`` (worked out once per type; None stays None)."""
    if kind is Any:
        return _same
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _decoder(next(a for a in args if a is not type(None)))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        fields = {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(kind)}

        def instance(value: Any) -> Any:
            if value is None:
                return None
            return kind(**{name: fields[name](v) for name, v in value.items() if name in fields})

        return instance
    if origin is tuple:
        item = _decoder(args[0])
        return lambda value: None if value is None else tuple(item(v) for v in value)
    if origin in (Mapping, dict):
        entry = _decoder(args[1])
        return lambda value: None if value is None else {key: entry(v) for key, v in value.items()}
    if kind is dt.date:
        return lambda value: None if value is None else dt.date.fromisoformat(value)
    if kind is float:
        return lambda value: None if value is None else float(value)
    return _same


# --- generations -----------------------------------------------------------------------------------------------


def generation(session: Session, cycle_id: int) -> int:
    """The cycle's snapshot generation (0 until something invalidated its snapshots)."""
    return _cycle_counters(session, cycle_id)[0]


def _cycle_counters(session: Session, cycle_id: int) -> tuple[int, int, int]:
    """The cycle's generation, its releases and its offices' own generations started so far, read in one statement
    (so from one committed state)."""
    found = session.execute(_generation_query(), {"cycle_id": cycle_id}).first()
    return (int(found[0]), int(found[1]), int(found[2])) if found is not None else (0, 0, 0)


@functools.cache
def _generation_query() -> Select[int, int, int]:
    """:func:`_cycle_counters`' statement, built once (every page with results asks)."""
    return select(
        SnapshotGeneration.generation, SnapshotGeneration.releases, SnapshotGeneration.renewals
    ).where(SnapshotGeneration.cycle_id == bindparam("cycle_id"))


def count_release(conn: Connection, cycle_id: int) -> None:
    """Count one release of the cycle, in the releasing transaction (``services/intake/batches.py``): with the
    generation, the count names the state of every office's snapshot (see :func:`state_key`). Runs after the
    release's rollup upsert, so every release takes its locks in the same order (the office's rows, then this
    cycle's row) and two releases of one cycle never wait on each other crosswise."""
    conn.execute(_count_statement(conn.dialect.name, "releases"), {"cycle_id": cycle_id})


@functools.cache
def _count_statement(dialect: str, column: str) -> Any:
    """The upsert adding one to the cycle row's ``column`` (``releases``: :func:`count_release`; ``renewals``:
    :func:`invalidate_office`) for ``dialect``, built once."""
    table = typing.cast(Table, SnapshotGeneration.__table__)
    stmt = dialect_insert(dialect)(table).values(cycle_id=bindparam("cycle_id"), generation=0, **{column: 1})
    return stmt.on_conflict_do_update(index_elements=[table.c.cycle_id], set_={column: table.c[column] + 1})


def invalidate(session: Session, cycle_id: int) -> None:
    """Start a new snapshot generation for the cycle, in the caller's transaction (call it from whatever changes
    every office's results without a release): every office's snapshot is stale until :func:`renew` (``survey-app
    release``, ``stats rebuild``) or the first read that needs it computes the new one. A change of one office's
    results alone calls :func:`invalidate_office`."""
    bumped = session.execute(
        update(SnapshotGeneration)
        .where(SnapshotGeneration.cycle_id == cycle_id)
        .values(generation=SnapshotGeneration.generation + 1)
    )
    if not bumped.rowcount:  # type: ignore[attr-defined]
        session.add(SnapshotGeneration(cycle_id=cycle_id, generation=1))
    session.flush()
    _forget(session)  # an UPDATE alone flushes nothing: the transaction's memo would keep the old generation


def invalidate_office(session: Session, cycle_id: int, office_code: str) -> None:
    """Start a new generation of one office's snapshots in the cycle, in the caller's transaction (call it from
    whatever changes that office's results alone without a release, such as its population frame): only its
    snapshot is computed again, by the first read that needs it or :func:`renew`. Counted in the cycle's row too,
    so :func:`state_key` changes with it; the office's row is written first, then the cycle's, as a release does."""
    bind = {"cycle_id": cycle_id, "office_code": office_code}
    session.execute(_office_generation_statement(session.get_bind().dialect.name), bind)
    session.execute(_count_statement(session.get_bind().dialect.name, "renewals"), {"cycle_id": cycle_id})
    session.flush()
    # The upserts leave the session nothing to flush: the transaction's memo would keep the office's old generation.
    _forget(session)


@functools.cache
def _office_generation_statement(dialect: str) -> Any:
    """:func:`invalidate_office`'s upsert of the office's own generation for ``dialect``, built once."""
    table = typing.cast(Table, SnapshotOfficeGeneration.__table__)
    stmt = dialect_insert(dialect)(table).values(
        cycle_id=bindparam("cycle_id"), office_code=bindparam("office_code"), generation=1
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.cycle_id, table.c.office_code], set_={"generation": table.c.generation + 1}
    )


def invalidate_all(session: Session) -> None:
    """A new snapshot generation for every cycle (official results and themes are not tied to one cycle)."""
    for cycle_id in session.scalars(select(Cycle.id)):
        invalidate(session, cycle_id)


# --- computing one snapshot ------------------------------------------------------------------------------------


def _group_now(tables: OfficeTables, axis: str) -> dict[str, tuple[int, dict[str, float]]]:
    """Per group of ``axis``: respondents and the sum of every measure (from the office's cell tables)."""
    labels = tables.types if axis == "type" else tables.services
    other = 1 if axis == "type" else 0
    counts = tables.counts.sum(axis=other)
    totals = tables.total.sum(axis=other)
    found = {}
    for i, code in enumerate(labels):
        if counts[i] > 0:
            sums = {m: float(totals[i, j]) for j, m in enumerate(tables.measures)}
            found[code] = (int(counts[i]), sums)
    return found


class _Audit:
    """The row space of everything shown for one office so far, and the figures this snapshot adds."""

    def __init__(self, members: Sequence[Member], shown: Iterable[Figure]) -> None:
        self.columns = Columns(members)
        self.space = audit.RowSpace(len(members))
        # The space depends neither on repeated rows nor on their order: a figure over the same responses as
        # another (a group that gained nobody in a release) is added once (after thirty releases: 286 figures,
        # 166 distinct rows, rank 43), and the largest first, so the later ones reduce to short rows.
        rows = {tuple(self.columns.of(figure)): None for figure in set(shown)}
        for row in sorted(rows, key=len, reverse=True):
            self.space.add(row)
        self.shown: list[Figure] = []

    def accept_all(self, figures: Sequence[Figure]) -> bool:
        """Add ``figures`` together if together they determine no response; else add none."""
        rows = [self.columns.of(f) for f in figures]
        if self.space.would_determine(rows):
            return False
        for row in rows:
            self.space.add(row)
        self.shown.extend(figures)
        return True

    def accept(self, figure: Figure) -> bool:
        return self.accept_all([figure])


def _withhold_scores(result: OfficeResult) -> OfficeResult:
    note = Note("withheld_protect")
    return dataclasses.replace(result, eit=None, indicators={}, items={}, notes=(*result.notes, note))


def _unweighted(result: OfficeResult) -> OfficeResult:
    def plain(score: Any) -> Any:
        return dataclasses.replace(score, weighted=None, weighted_band=None)

    return dataclasses.replace(
        result,
        eit=plain(result.eit) if result.eit is not None else None,
        indicators={c: plain(s) for c, s in result.indicators.items()},
        items={c: plain(s) for c, s in result.items.items()},
        notes=(*result.notes, Note("weighted_withheld_protect")),
    )


def _has_weighted(result: OfficeResult) -> bool:
    return result.eit is not None and result.eit.weighted is not None


@dataclass
class _Inputs:
    """What one office's snapshot is computed from."""

    result: OfficeResult
    clean: OfficeResult | None
    tables: OfficeTables | None
    months: dict[str, list[trends.Point]]
    members: list[Member]
    previous: _Shown


def _build(inputs: _Inputs, k: int) -> dict[str, Any]:
    """The payload of a new snapshot: the figures cleared by the auditor against everything shown before."""
    members = inputs.members
    batch = max((m.batch for m in members), default=0)
    check = _Audit(members, inputs.previous.figures)
    withheld: list[str] = []
    result = inputs.result
    if result.count >= k and result.eit is not None:
        if not check.accept(Figure("all", "", batch)):
            result, withheld = _withhold_scores(result), [*withheld, "scores"]
        elif _has_weighted(result):
            types_now = sorted({m.rtype for m in members})
            if not check.accept_all([Figure("type", t, batch) for t in types_now]):
                result, withheld = _unweighted(result), [*withheld, "weighted"]
    clean, clean_withheld = inputs.clean, False
    if clean is not None and not check.accept(Figure("unflagged", "", batch)):
        clean, clean_withheld = None, True
        withheld.append("without_flagged")
    months = _cleared_months(inputs.months, check, batch, withheld)
    last = inputs.previous.groups
    groups = {
        axis: _cleared_groups(inputs.tables, axis, last.get(axis, {}), check, batch, k, withheld)
        for axis in AXES
    }
    return {
        "schema": SCHEMA,
        "result": result,
        "clean": clean,
        "clean_withheld": clean_withheld,
        "groups": groups,
        "months": months,
        "figures": sorted(set(check.shown), key=lambda f: (f.kind, f.group, f.upto)),
        "withheld": withheld,
    }


def _cleared_months(
    months: Mapping[str, list[trends.Point]], check: _Audit, batch: int, withheld: list[str]
) -> dict[str, list[trends.Point]]:
    """The monthly points, each month shown only if the auditor clears it (a hidden month stays hidden)."""
    eit = months.get(trends.EIT, [])
    refused = set()
    for point in eit:
        if point.mean is not None and not check.accept(Figure("month", point.label, batch)):
            refused.add(point.label)
            withheld.append(f"month:{point.label}")
    return {
        measure: [trends.Point(p.label, p.n, None, None, None) if p.label in refused else p for p in points]
        for measure, points in months.items()
    }


def _cleared_groups(
    tables: OfficeTables | None,
    axis: str,
    last: Mapping[str, Group],
    check: _Audit,
    batch: int,
    k: int,
    withheld: list[str],
) -> dict[str, Group]:
    """Group means of ``axis``: a group moves only when it gained at least K since last shown and the auditor
    clears the new value; otherwise the value last shown stays (a value already shown adds nothing)."""
    before = dict(last)
    now = _group_now(tables, axis) if tables is not None else {}
    counts = {code: n for code, (n, _sums) in now.items()}
    hidden = released.hidden_groups(counts, k) if sum(counts.values()) >= k else set(counts)
    shown: dict[str, Group] = {}
    for code in sorted(set(now) | set(before)):
        old = before.get(code)
        n, sums = now.get(code, (0, {}))
        moved = code not in hidden and n >= k and (old is None or n - old.n >= k)
        if moved and check.accept(Figure(axis, code, batch)):
            shown[code] = Group(n, batch, sums)
            continue
        if moved:
            withheld.append(f"{axis}:{code}")
        if old is not None:
            check.accept(Figure(axis, code, old.upto))  # already in the row space: recorded as shown again
            shown[code] = old
    return shown


# --- reading snapshots --------------------------------------------------------------------------------------------


_TYPES = typing.get_type_hints(Snapshot)


def _groups(data: Mapping[str, Any]) -> dict[str, dict[str, Group]]:
    return {
        axis: {code: decode(Group, g) for code, g in found.items()} for axis, found in data["groups"].items()
    }


def _read(row: ResultSnapshot) -> Snapshot:
    return _snapshot(row, row.payload)


def _snapshot(row: ResultSnapshot, payload: str) -> Snapshot:
    data = json.loads(payload)
    groups = _groups(data)
    return Snapshot(
        row.id, row.office_code, row.generation, row.batch, row.released, int(data["k"]),
        decode(OfficeResult, data["result"]), decode(OfficeResult | None, data["clean"]),
        bool(data["clean_withheld"]), groups, decode(_TYPES["months"], data["months"]),
        decode(_TYPES["figures"], data["figures"]), tuple(data["withheld"]), row.digest,
        signals.decode_aggregates(data["integrity"]) if data.get("integrity") else None,
    )  # fmt: skip


@dataclass(frozen=True)
class _Shown:
    """What staff have been shown of one office in a cycle at one K: every figure of its snapshots, and the group
    means of its newest snapshot per axis (they stay shown until their group gains K)."""

    figures: frozenset[Figure]
    groups: Mapping[str, Mapping[str, Group]]


def _histories(session: Session, cycle: Cycle, offices: Sequence[str], k: int) -> dict[str, _Shown]:
    """For each of ``offices``: every figure its snapshots in the cycle at this K have shown, and the newest one's
    group means (one statement for them all).

    Only that is decoded of the payloads: an office released every day has hundreds of snapshots, and decoding
    each whole cost a new snapshot a second after thirty releases."""
    figures: dict[str, set[Figure]] = {office: set() for office in offices}
    groups: dict[str, Mapping[str, Mapping[str, Group]]] = {}
    for start in range(0, len(offices), 500):
        rows = session.execute(
            select(ResultSnapshot.office_code, ResultSnapshot.payload)
            .where(
                ResultSnapshot.cycle_id == cycle.id,
                ResultSnapshot.k == k,
                ResultSnapshot.office_code.in_(offices[start : start + 500]),
            )
            .order_by(ResultSnapshot.id.desc())
        )
        for office, payload in rows:
            data = json.loads(payload)
            figures[office].update(
                Figure(str(f["kind"]), str(f["group"]), int(f["upto"])) for f in data["figures"]
            )
            if office not in groups:
                groups[office] = _groups(data)
    return {office: _Shown(frozenset(figures[office]), groups.get(office, {})) for office in offices}


def _store(
    session: Session, cycle: Cycle, keys: Mapping[str, tuple[int, int]], k: int, payloads: Mapping[str, Any]
) -> dict[str, Snapshot]:
    """Insert the snapshots of ``keys`` (office → generation and released count) in one statement and one
    transaction of their own, and return them as read back from their stored text. A state a concurrent reader
    stored first is left as it is (``ON CONFLICT DO NOTHING``) and out of the result: the caller reads that one."""
    rows = {}
    for office, (gen, count) in keys.items():
        payload = payloads[office]
        text = encode({**payload, "k": k})
        rows[office] = {
            "cycle_id": cycle.id, "office_code": office, "generation": gen, "k": k, "released": count,
            "batch": max((f.upto for f in payload["figures"]), default=0), "payload": text,
            "digest": hashlib.sha256(text.encode()).hexdigest(),
        }  # fmt: skip
    if not rows:
        return {}
    statement = (
        dialect_insert(session.get_bind().dialect.name)(ResultSnapshot)
        .on_conflict_do_nothing()
        .returning(ResultSnapshot.id, ResultSnapshot.office_code)
    )
    with Session(bind=session.get_bind()) as writer, writer.begin():
        inserted = writer.execute(statement, list(rows.values())).all()
    stored = {}
    for snapshot_id, office in inserted:
        row = ResultSnapshot(id=snapshot_id, **rows[office])
        stored[office] = _remember((snapshot_id, row.digest), _snapshot(row, row.payload))
    return stored


def _stored(
    session: Session, cycle: Cycle, keys: Mapping[str, tuple[int, int]], k: int
) -> dict[str, Snapshot]:
    """The stored snapshots matching each office's current state (one indexed lookup per 500 offices)."""
    wanted = _current(session, cycle, keys, k)
    # A snapshot never changes: a decoded copy, found by the id and digest of its payload, serves later requests.
    found = {office: _CACHE[(i, d)] for i, (office, d) in wanted.items() if (i, d) in _CACHE}
    ids = [i for i, (office, _d) in wanted.items() if office not in found]
    for start in range(0, len(ids), 500):
        for row in session.scalars(
            select(ResultSnapshot).where(ResultSnapshot.id.in_(ids[start : start + 500]))
        ):
            found[row.office_code] = _remember((row.id, row.digest), _read(row))
    return found


def _current(
    session: Session, cycle: Cycle, keys: Mapping[str, tuple[int, int]], k: int
) -> dict[int, tuple[str, str]]:
    """The id, office and digest of each stored snapshot matching its office's state in ``keys``, nothing read
    of the payloads."""
    wanted: dict[int, tuple[str, str]] = {}
    by_gen: dict[int, list[tuple[str, int]]] = {}
    for office, (gen, n) in keys.items():
        by_gen.setdefault(gen, []).append((office, n))
    for gen, pairs in by_gen.items():
        for start in range(0, len(pairs), 500):
            rows = session.execute(
                select(ResultSnapshot.id, ResultSnapshot.office_code, ResultSnapshot.digest).where(
                    ResultSnapshot.cycle_id == cycle.id, ResultSnapshot.k == k, ResultSnapshot.generation == gen,
                    tuple_(ResultSnapshot.office_code, ResultSnapshot.released).in_(pairs[start : start + 500]),
                )
            )  # fmt: skip
            wanted.update({i: (office, digest) for i, office, digest in rows})
    return wanted


_CACHE: dict[tuple[int, str], Snapshot] = {}
CACHE_SIZE = 5000  # snapshots kept decoded per process (a few kB each)


def _remember(key: tuple[int, str], snap: Snapshot) -> Snapshot:
    if len(_CACHE) >= CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = snap
    return snap


def _released_counts(
    session: Session, cycle: Cycle, codes: Sequence[str] | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Released responses per office, from the rollup: an index-only scan of the partial index ``ix_cell_stat_eit``,
    whose condition the query states as a literal so every plan may use it; and each office's own generation where
    it has one. Every office with a released response when ``codes`` is None; else each office of ``codes`` that
    exists (0 when none is released), so an unknown code is the one missing, found without reading every office."""
    if codes is None:
        bind = {"cycle_id": cycle.id}
        counts = {str(code): int(n or 0) for code, n in session.execute(_released_counts_query(), bind)}
        return counts, {str(code): int(g) for code, g in session.execute(_office_generations_query(), bind)}
    rows = session.execute(_office_counts_query(), {"cycle_id": cycle.id, "codes": list(codes)}).all()
    return {str(code): int(n or 0) for code, n, _g in rows}, {str(code): int(g) for code, _n, g in rows if g}


def _eit_cells() -> tuple[ColumnElement[bool], ...]:
    return (CellStat.cycle_id == bindparam("cycle_id"), CellStat.measure == literal_column("'EIT'"))


@functools.cache
def _released_counts_query() -> Select[str, Any]:
    """:func:`_released_counts`' statement for every office, built once."""
    return (
        select(CellStat.office_code, func.sum(CellStat.n)).where(*_eit_cells()).group_by(CellStat.office_code)
    )


@functools.cache
def _office_generations_query() -> Select[str, int]:
    """:func:`_released_counts`' statement of every office's own generation in the cycle, built once."""
    own = SnapshotOfficeGeneration
    return select(own.office_code, own.generation).where(own.cycle_id == bindparam("cycle_id"))


@functools.cache
def _office_counts_query() -> Select[str, Any, Any]:
    """:func:`_released_counts`' statement for some offices (an expanding list), built once: each office that
    exists with the sum of its EIT cells (an index range each) and its own generation (a primary-key lookup)."""
    released = select(func.sum(CellStat.n)).where(*_eit_cells(), CellStat.office_code == Office.code)
    own = select(SnapshotOfficeGeneration.generation).where(
        SnapshotOfficeGeneration.cycle_id == bindparam("cycle_id"),
        SnapshotOfficeGeneration.office_code == Office.code,
    )
    return select(Office.code, released.scalar_subquery(), own.scalar_subquery()).where(
        Office.code.in_(bindparam("codes", expanding=True))
    )


# --- what one transaction has read ------------------------------------------------------------------------------
#
# A page asks for snapshots several times (its scores, its trends, the peers, the gap decomposition): the state
# read once (offices, generation, released counts) and the snapshots found serve the rest of the transaction.
# Any flush (a release, an invalidation in this session) and the end of the transaction forget it, so a read
# never answers from a state older than the transaction's own.

_MEMO = "result_snapshots.memo"


@dataclass
class _Memo:
    """The snapshot state one transaction has read for one cycle and K."""

    generation: int
    releases: int
    renewals: int
    counts: dict[str, int] = dataclasses.field(default_factory=dict)  # every office read, known to exist
    own: dict[str, int] = dataclasses.field(default_factory=dict)  # offices' own generations (none read: 0)
    unknown: set[str] = dataclasses.field(default_factory=set)  # codes asked for that no office has
    complete: bool = False
    found: dict[str, Snapshot] = dataclasses.field(default_factory=dict)


def _session_memo(session: Session) -> dict[Any, Any]:
    memo: dict[Any, Any] = session.info.setdefault(_MEMO, {})
    return memo


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_MEMO, None)


def known_offices(session: Session) -> frozenset[str]:
    """Every office code (read with the regions, once per transaction)."""
    return frozenset(office_regions(session))


def office_regions(session: Session) -> dict[str, str]:
    """Each office's region (read once per transaction)."""
    memo = _session_memo(session)
    if "regions" not in memo:
        memo["regions"] = {code: str(region) for code, region in session.execute(_regions_query())}
    found: dict[str, str] = memo["regions"]
    return found


@functools.cache
def _regions_query() -> Select[str, str]:
    """:func:`office_regions`' statement, built once."""
    return select(Office.code, Office.region)


def _state(session: Session, cycle: Cycle, k: int, codes: Sequence[str] | None) -> _Memo:
    """The transaction's state for ``cycle`` at K, with the released counts of ``codes`` (None: every office)."""
    memo = _session_memo(session)
    state: _Memo | None = memo.get((cycle.id, k))
    if state is None:
        state = memo[(cycle.id, k)] = _Memo(*_cycle_counters(session, cycle.id))
    if codes is None:
        if not state.complete:
            got, own = _released_counts(session, cycle, None)
            state.counts.update({c: got.get(c, 0) for c in known_offices(session)})
            state.own.update(own)
            state.complete = True
    elif not state.complete:
        missing = [c for c in codes if c not in state.counts and c not in state.unknown]
        if missing:
            got, own = _released_counts(session, cycle, missing)
            state.counts.update(got)
            state.own.update(own)
            state.unknown.update(c for c in missing if c not in got)
    return state


def _keys(state: _Memo, codes: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Each office's snapshot key in ``state``: its generation (the cycle's plus its own; each start of either adds
    one, so the sum never repeats for an office) and its released count."""
    return {code: (state.generation + state.own.get(code, 0), state.counts.get(code, 0)) for code in codes}


def state_key(
    session: Session, cycle: Cycle, k: int, *, again: bool = False
) -> tuple[int, int, int, int, int]:
    """What every office's current snapshot rests on: the cycle, K, the generation, the cycle's releases and its
    offices' own generations started so far (one row, read once per transaction; ``again``: read now, past the
    transaction's memo). Within one database, equal keys find the same stored snapshots (one per office and state,
    never changed: an office's released count changes only with a release, counted here, or a rebuild, which starts
    a generation; its own generation only with :func:`invalidate_office`, counted here), so a figure made from all
    of them, like the peers' ranks, can be kept by this key and renewed when any release or a new generation
    changes it.

    A figure made in a transaction that read the key and then every office's snapshot may be kept by the key only
    if reading the key ``again`` afterwards gives the same: on PostgreSQL each statement sees what was committed
    when it began, so a release committed between the two reads would otherwise be kept under the older key."""
    if again:
        return (cycle.id, k, *_cycle_counters(session, cycle.id))
    state = _state(session, cycle, k, ())
    return (cycle.id, k, state.generation, state.releases, state.renewals)


# Offices whose snapshots are computed together (one read of their cell tables, one of their answers) and stored in
# one transaction.
RENEW_OFFICES = 25


def office_snapshots(
    session: Session, cycle: Cycle, offices: Sequence[str] | None, questionnaire: Questionnaire, *, k: int
) -> dict[str, Snapshot]:
    """The current snapshot of each office of ``offices`` (default: all), computing the missing ones.

    Raises ``LookupError`` for an unknown office code.
    """
    codes = sorted(offices) if offices is not None else sorted(known_offices(session))
    state = _state(session, cycle, k, None if offices is None else codes)
    unknown = [code for code in codes if code not in state.counts]
    if unknown:
        raise LookupError(f"unknown office code(s): {', '.join(unknown)}")
    keys = _keys(state, codes)
    lookup = {code: key for code, key in keys.items() if code not in state.found}
    found = _stored(session, cycle, lookup, k) if lookup else {}
    missing = {code: key for code, key in lookup.items() if code not in found}
    found.update(_compute_in_groups(session, cycle, missing, questionnaire, k))
    state.found.update(found)
    return {code: state.found[code] for code in codes}


def _compute_in_groups(
    session: Session,
    cycle: Cycle,
    keys: Mapping[str, tuple[int, int]],
    questionnaire: Questionnaire,
    k: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Snapshot]:
    """Compute and store the snapshot of each office of ``keys`` at its state there, :data:`RENEW_OFFICES` at a
    time, each group stored in a transaction of its own as soon as it is computed (:func:`_store`), calling
    ``progress(done, all)`` after each; a state a concurrent reader stored first is read back. A read or a command
    that must compute many (every office's after a new generation: at 1,000 offices about a minute, longer than the
    proxy waits) keeps what it finished if it fails, and a reader who tries again while it runs finds the groups it
    has stored instead of computing them a second time."""
    found: dict[str, Snapshot] = {}
    codes = sorted(keys)
    for start in range(0, len(codes), RENEW_OFFICES):
        group = {code: keys[code] for code in codes[start : start + RENEW_OFFICES]}
        stored = _store(session, cycle, group, k, _compute(session, cycle, sorted(group), questionnaire, k))
        found.update(stored)
        raced = {code: key for code, key in group.items() if code not in stored}
        if raced:
            found.update(_stored(session, cycle, raced, k))
        if progress is not None:
            progress(start + len(group), len(codes))
    return found


def renew(
    session: Session,
    cycle: Cycle,
    questionnaire: Questionnaire,
    *,
    k: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Compute every office's missing snapshot of ``cycle`` (after a release, or after a new generation made them
    all stale), :data:`RENEW_OFFICES` at a time, calling ``progress(done, missing)`` after each group; returns how
    many were computed.

    For the commands that run outside page requests (``survey-app release``, ``stats rebuild``), so that no page
    computes them while someone waits. Finding which are missing reads no payload; an interrupted run keeps what it
    finished (:func:`_compute_in_groups`).
    """
    state = _state(session, cycle, k, None)
    keys = _keys(state, sorted(known_offices(session)))
    present = {office for office, _digest in _current(session, cycle, keys, k).values()}
    missing = {code: key for code, key in keys.items() if code not in present}
    _compute_in_groups(session, cycle, missing, questionnaire, k, progress)
    return len(missing)


def office_months(
    session: Session, cycle: Cycle, office: str, questionnaire: Questionnaire, *, k: int
) -> dict[str, list[trends.Point]]:
    """The office's monthly points (months dated by release) as its current snapshot shows them."""
    snap = office_snapshots(session, cycle, [office], questionnaire, k=k)[office]
    return {measure: list(points) for measure, points in snap.months.items()}


def _compute(
    session: Session, cycle: Cycle, codes: list[str], questionnaire: Questionnaire, k: int
) -> dict[str, dict[str, Any]]:
    """New payloads for ``codes``: their results from one read of their cell tables, and each office's released
    respondents read once (:func:`..respondents.by_office`) for its months, its integrity aggregates and its
    auditor's memberships."""
    # Each office scored from its tables as ``scores.cycle_results`` scores it (without the national roll-up,
    # which no snapshot holds), so the tables are read once and serve the group means too.
    tables = load_tables(session, cycle.id, codes)
    everything = {code: results.score_office(tables[code], cycle) for code in codes}
    flagged = [code for code, r in everything.items() if r.flagged > 0]
    clean_tables = load_tables(session, cycle.id, flagged, exclude_flagged=True) if flagged else {}
    clean = {code: results.score_office(t, cycle, exclude_flagged=True) for code, t in clean_tables.items()}
    history = _histories(session, cycle, codes, k)
    payloads = {}
    for code, found in respondents.by_office(session, questionnaire, cycle.id, codes):
        result = everything[code]
        shown_clean = None
        if (
            code in clean
            and result.count >= k
            and disclosure.difference_shown(result.flagged, result.count, k)
        ):
            shown_clean = clean[code]
        inputs = _Inputs(
            result, shown_clean, tables.get(code), trends.monthly_of(found, k), office_members(found),
            history[code],
        )  # fmt: skip
        integrity = signals.encode_aggregates(assessment.office_aggregates(code, found))
        payloads[code] = {**_build(inputs, k), "integrity": integrity}
    return payloads
