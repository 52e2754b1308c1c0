"""Release snapshots: what staff may see of one office's answers, computed once per release and never changed.

A :class:`ResultSnapshot` is keyed by cycle, office, the cycle's snapshot *generation* (bumped by everything that
changes results without a release: a frame import, a score-map change with ``stats rebuild``, a cycle closing, an
official-results import, a theme) and the office's released batch (``response.release_batch``) and count. Its
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
    count of the cycle's releases it names the state of every office's snapshot at once: each office's snapshot
    rests on the generation and its released count, and a released count changes only with a release (which adds
    one here, in its transaction) or with a rebuild of the rollup (which starts a new generation)."""

    __tablename__ = "snapshot_generation"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    releases: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="batches released into the cycle's rollup so far"
    )
