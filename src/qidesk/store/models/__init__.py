"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from qidesk.store.models.assessment import *  # noqa: F403
from qidesk.store.models.foundation import (
    AppMeta,
    Coach,
    Cohort,
    FocusArea,
    Member,
    QualityDomain,
    StrategicObjective,
    Team,
)
from qidesk.store.models.history import ExportedRecord, RecordVersion
from qidesk.store.models.pdsa import *  # noqa: F403
from qidesk.store.models.sync import *  # noqa: F403

__all__ = [
    "AppMeta",
    "Coach",
    "Cohort",
    "ExportedRecord",
    "FocusArea",
    "Member",
    "QualityDomain",
    "RecordVersion",
    "StrategicObjective",
    "Team",
]
