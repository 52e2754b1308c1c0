"""Anonymous responses, their answers, the per-cell rollup the statistics read, and spent form nonces.

Anonymity (docs/design.md): a response row holds office, cycle, channel, respondent type, service, questionnaire
version, quality flags and a submission *date*. It has no IP address, user agent, cookie, token, invitation
reference, email or time of day, and its id is a random UUID so row order reveals nothing. ``released`` says whether
its answers have joined what staff see (in a batch of at least K, see ``services/intake/batches.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    or_,
    text,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .enums import Channel, RespondentType, check_in


def new_response_id() -> str:
    """A random UUID4 as text: no order, no time."""
    return str(uuid.uuid4())


class Response(Base):
    """One anonymous questionnaire submission."""

    __tablename__ = "response"
    __table_args__ = (
        check_in("channel", Channel),
        check_in("respondent_type", RespondentType),
        CheckConstraint("suggestion IS NULL OR length(suggestion) <= 1000", name="suggestion_length"),
        # The dashboard counts by office and day.
        Index("ix_response_cycle_office_day", "cycle_id", "office_code", "submitted_on"),
        # The staff pages' live counts by office and channel (today, the week, the cycle) read this index alone.
        Index("ix_response_cycle_channel_office_day", "cycle_id", "channel", "office_code", "submitted_on"),
        # Staff pages say when a cycle holds demo data; a partial index makes asking free. SQLite uses a partial
        # index only when the query names its condition as written, and SQLAlchemy writes ``is_demo = 1`` there.
        Index(
            "ix_response_demo", "cycle_id", sqlite_where=text("is_demo = 1"), postgresql_where=text("is_demo")
        ),
        # A submission counts its office's unreleased responses; the partial index holds fewer than K per office.
        Index(
            "ix_response_unreleased",
            "cycle_id",
            "office_code",
            sqlite_where=text("released = 0"),
            postgresql_where=text("NOT released"),
        ),
        # On SQLite, store rows in the order of their random ids, not in insertion order (no hidden rowid).
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_response_id)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    channel: Mapped[str] = mapped_column(String(10))
    respondent_type: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(40))
    questionnaire_version: Mapped[str] = mapped_column(String(40))
    too_fast: Mapped[bool] = mapped_column(Boolean, default=False)
    straight_lined: Mapped[bool] = mapped_column(Boolean, default=False)
    # More than BURST_LIMIT submissions for this office today from one address or device (services/intake/bursts.py).
    burst: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # False while the response waits in its office's pending batch (services/intake/batches.py). The survey's submission
    # stores responses unreleased; rows written directly (demo data, test fixtures) are released at once.
    released: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Which of its office's releases made it visible (1, 2, ...) and on which Bangkok date; NULL for rows released
    # when written (demo data, fixtures). Breakdowns by month are dated by ``released_on``, never by submission.
    release_batch: Mapped[int | None] = mapped_column(Integer)
    released_on: Mapped[dt.date | None] = mapped_column(Date)
    suggestion: Mapped[str | None] = mapped_column(Text)
    submitted_on: Mapped[dt.date] = mapped_column(Date)

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")

    @hybrid_property
    def flagged(self) -> bool:
        """Whether any data-quality flag is set; in a query, the one SQL expression of it (``Response.flagged``)."""
        return self.too_fast or self.straight_lined or self.burst

    @flagged.inplace.expression
    @classmethod
    def _flagged_expression(cls) -> ColumnElement[bool]:
        return or_(cls.too_fast, cls.straight_lined, cls.burst)


class Answer(Base):
    """The raw answer to one sub-item and its score under the questionnaire's map at submission."""

    __tablename__ = "answer"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("value >= 0", name="value_non_negative"),
        CheckConstraint("sub >= 1", name="sub_positive"),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[str] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(10), primary_key=True)
    sub: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    value: Mapped[int] = mapped_column(SmallInteger, doc="index of the chosen option, lowest first")
    score: Mapped[float] = mapped_column(Float)

    response: Mapped[Response] = relationship(back_populates="answers")


class CellStat(Base):
    """Sufficient statistics of one score per cell, kept current in the submission transaction.

    ``measure`` is an item code (``E1``…``E15``), an indicator (``IND6``, ``IND7``, ``IND8``) or ``EIT``; each
    respondent contributes one value per measure (an item's value is the mean of its sub-items), and ``low`` and
    ``high`` are the cell's smallest and largest value. Rebuildable from the raw answers with
    ``survey-app stats rebuild``.
    """

    __tablename__ = "cell_stat"
    __table_args__ = (
        check_in("respondent_type", RespondentType),
        CheckConstraint("n >= 0", name="n_non_negative"),
        CheckConstraint("total >= 0 AND total <= 100 * n", name="total_range"),
        CheckConstraint("total_sq >= 0", name="total_sq_non_negative"),
        # Release snapshots rest on every office's released count (its EIT rows' n), peers on its EIT sums: each one
        # index-only scan.
        Index(
            "ix_cell_stat_eit",
            "cycle_id",
            "office_code",
            "n",
            "total",
            "total_sq",
            sqlite_where=text("measure = 'EIT'"),
            postgresql_where=text("measure = 'EIT'"),
        ),
    )

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"), primary_key=True)
    respondent_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    measure: Mapped[str] = mapped_column(String(10), primary_key=True)
    flagged: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    total_sq: Mapped[float] = mapped_column(Float, default=0.0)
    # The cell's smallest and largest value, so that a cell of identical values is known to have no spread instead
    # of a rounding residue of its sums. Rows written before they were kept hold the ends of the scale (0, 100):
    # true bounds, never equal, so such a cell counts as having spread until `stats rebuild`.
    low: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    high: Mapped[float] = mapped_column(Float, default=100.0, server_default="100")


class SpentNonce(Base):
    """A form nonce already used for a submission; a replayed POST finds it here and is refused.

    Only a hash of the nonce and a day after which the row may be pruned are kept: no time of day.
    """

    __tablename__ = "spent_nonce"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
