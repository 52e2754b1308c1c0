"""The data model, one module per aggregate. Importing this package registers every table on ``Base``."""

from .cycles import Cycle, PopulationFrame
from .enums import (
    Audience,
    Channel,
    CycleState,
    InvitationStatus,
    LinkChannel,
    OutboxKind,
    OutboxState,
    Region,
    RespondentType,
    Role,
    SamplingMethod,
)
from .improvement import ImprovementMeasure, MeasureStatus, OfficialResult, SuggestionTheme
from .invitations import Invitation, OutboxMessage
from .kiosk import KioskHour
from .links import SurveyLink
from .offices import Office
from .responses import Answer, CellStat, Response, SpentNonce
from .snapshots import ResultSnapshot, SnapshotGeneration, SnapshotOfficeGeneration
from .staff import AuditEvent, RecoveryCode, StaffSession, StaffUser

__all__ = [
    "Answer",
    "Audience",
    "AuditEvent",
    "CellStat",
    "Channel",
    "Cycle",
    "CycleState",
    "ImprovementMeasure",
    "Invitation",
    "InvitationStatus",
    "KioskHour",
    "LinkChannel",
    "MeasureStatus",
    "Office",
    "OfficialResult",
    "OutboxKind",
    "OutboxMessage",
    "OutboxState",
    "PopulationFrame",
    "RecoveryCode",
    "Region",
    "RespondentType",
    "Response",
    "ResultSnapshot",
    "Role",
    "SamplingMethod",
    "SnapshotGeneration",
    "SnapshotOfficeGeneration",
    "SpentNonce",
    "StaffSession",
    "StaffUser",
    "SuggestionTheme",
    "SurveyLink",
]
