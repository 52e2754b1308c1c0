"""Closed vocabularies shared by the models, the forms and the statistics.

Each enumeration is stored as a plain string with a CHECK constraint, so the database refuses a value that the
Python code would refuse too.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint


class Region(StrEnum):
    CENTRAL = "central"
    NORTH = "north"
    NORTHEAST = "northeast"
    SOUTH = "south"


class CycleState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class SamplingMethod(StrEnum):
    KREJCIE_MORGAN = "krejcie-morgan"
    COCHRAN = "cochran"
    YAMANE = "yamane"


class Audience(StrEnum):
    """Who a poster link is meant for; it pre-selects the respondent type."""

    CITIZEN = "citizen"
    BUSINESS = "business"


class Channel(StrEnum):
    """How a response came: a QR poster, an emailed invitation, or a channel link minted for one place people are
    (LINE, the office's Facebook page or website, the counter kiosk, an event). The response stores only this value,
    never the link (nor an event's name)."""

    POSTER = "poster"
    EMAIL = "email"
    LINE = "line"
    FACEBOOK = "facebook"
    WEBSITE = "website"
    KIOSK = "kiosk"
    EVENT = "event"


class LinkChannel(StrEnum):
    """The channels a signed public link may carry (every channel but email, whose links are personal)."""

    POSTER = "poster"
    LINE = "line"
    FACEBOOK = "facebook"
    WEBSITE = "website"
    KIOSK = "kiosk"
    EVENT = "event"


class RespondentType(StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"
    AGENCY = "agency"


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    VIEWER = "viewer"


class InvitationStatus(StrEnum):
    """Delivery state of an invitation; whether it was answered is a separate flag."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    OPTED_OUT = "opted_out"


class OutboxKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


def check_in(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps ``column`` within the values of ``enum``."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name or f"{column}_valid")
