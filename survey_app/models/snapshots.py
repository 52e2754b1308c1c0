"""Release snapshots: what staff may see of one office's answers, computed once per release and never changed.

A :class:`ResultSnapshot` is keyed by cycle, office, the office's snapshot *generation* (the cycle's, bumped by
everything that changes every office's results without a release: a score-map change with ``stats rebuild``, a cycle
closing, an official-results import, a theme; plus the office's own, bumped by a change of its results alone: a frame
import) and the office's released batch (``response.release_batch``) and count. Its
payload is JSON text (``services/results/snapshots.py``): the office's results, its breakdowns by group and month,
and the definitions of every figure it shows (which responses each covers, by release batch and group: memberships,
never values), which the auditor reads back before clearing the next snapshot.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class ResultSnapshot(Base):
    """One office's cleared figures after one release (immutable: a later state writes a new row)."""

    __tablename__ = "result_snapshot"
    __table_args__ = (Unique("cycle_id", "office_code", "generation", "k", "released"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    generation: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(Integer, doc="the disclosure threshold the snapshot was made at")
    batch: Mapped[int] = mapped_column(Integer, doc="the office's last release batch the snapshot includes")
    released: Mapped[int] = mapped_column(Integer, doc="released responses the snapshot covers")
    payload: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the payload: a decoded copy's cache key")


class SnapshotGeneration(Base):
    """The cycle's snapshot generation: a new one makes every office's next read compute a new snapshot. With the
    count of the cycle's releases and of its offices renewed one at a time it names the state of every office's
    snapshot at once: each office's snapshot rests on the generation, its own generation
    (:class:`SnapshotOfficeGeneration`) and its released count; a released count changes only with a release (which
    adds one to ``releases``, in its transaction) or with a rebuild of the rollup (which starts a new generation),
    and an office's own generation only with a change of that office alone (which adds one to ``renewals``)."""

    __tablename__ = "snapshot_generation"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    releases: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="batches released into the cycle's rollup so far"
    )
    renewals: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="office generations started so far (one office each)"
    )


class SnapshotOfficeGeneration(Base):
    """One office's own snapshot generation in a cycle: started by what changes that office's results alone (its
    population frame), so that only its snapshot is computed again. The office's snapshots are keyed by the sum of
    the cycle's generation and this one (``result_snapshot.generation``): each start of either adds one, so the sum
    names each state of the office once. No row: 0."""

    __tablename__ = "snapshot_office_generation"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
