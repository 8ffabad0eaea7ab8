"""SQLAlchemy models; importing this package registers every table."""

from server.models.limits import RateLimitCounter  # noqa: F401
from server.models.org import Community, Department, District, Grid, Street  # noqa: F401
from server.models.people import Beat, Checkpoint, Device, Team, User  # noqa: F401
from server.models.records import (  # noqa: F401
    AuditEntry,
    Conflict,
    Notification,
    Photo,
    PhotoHolder,
    PhotoRef,
    PhotoUpload,
    Record,
    SyncCounter,
)
from server.models.intake import ApiKey, IntakeAccount, IntakeCase  # noqa: F401
