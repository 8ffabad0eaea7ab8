"""Synced records, the change sequence, applied mutations, conflicts, the audit log."""

from __future__ import annotations

from server.extensions import db
from server.models.types import ClocksType, JSONType, UTCDateTime, utcnow


class SyncCounter(db.Model):
    """One row: the last change sequence number and the server's HLC.

    Every write transaction updates this row first. The row lock (PostgreSQL) or
    the write lock (SQLite) it takes serialises writers, so sequence numbers are
    committed in the order they are handed out and a pull never skips a change.
    """

    __tablename__ = "sync_counter"
    id = db.Column(db.Integer, primary_key=True)
    last_seq = db.Column(db.BigInteger, nullable=False, default=0)
    hlc = db.Column(db.String(96), nullable=True)
    # Hash of the newest audit entry, so deleting the tail of the log is detectable.
    audit_head = db.Column(db.String(64), nullable=True)


class Record(db.Model):
    """The merged state of one synced entity (report, check-in, visit, ticket …)."""

    __tablename__ = "records"
    entity = db.Column(db.String(24), primary_key=True)
    entity_id = db.Column(db.String(36), primary_key=True)
    grid_id = db.Column(db.Integer, db.ForeignKey("grids.id"), nullable=True)
    department_id = db.Column(db.Integer, db.ForeignKey("departments.id"), nullable=True)
    version = db.Column(db.Integer, nullable=False, default=0)
    seq = db.Column(db.BigInteger, nullable=False, unique=True)
    deleted = db.Column(db.Boolean, nullable=False, default=False)
    data = db.Column(JSONType, nullable=False, default=dict)
    clocks = db.Column(ClocksType, nullable=False, default=dict)
    # Copies of a few fields of `data` for filtering and sorting.
    status = db.Column(db.String(24), nullable=True)
    category = db.Column(db.String(48), nullable=True)
    owner = db.Column(db.String(64), nullable=True)
    day = db.Column(db.String(10), nullable=True)
    # A ticket's deadline, when it was finished (resolved or closed; None while
    # open), its escalation level and how often it came back: the statistics
    # group and compare these in SQL (server/services/stats).
    due_at = db.Column(UTCDateTime, nullable=True)
    done_at = db.Column(UTCDateTime, nullable=True)
    level = db.Column(db.String(12), nullable=True)
    reopens = db.Column(db.Integer, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        db.Index("ix_records_entity_grid_day", "entity", "grid_id", "day"),
        # A pull walks one grid's (or department's) changes in sequence order;
        # with these the database never sorts the whole grid to serve a page.
        db.Index("ix_records_grid_seq", "grid_id", "seq"),
        db.Index("ix_records_department_seq", "department_id", "seq"),
        # The statistics (server/services/stats) read tickets by when they were
        # finished and fell due, and the unfinished ones by their deadline; and
        # check-ins by grid, day and member, from the index alone. Tickets and
        # check-ins only: reports, the bulk of every push, pay for none of these.
        db.Index("ix_records_ticket_done", "done_at", sqlite_where=db.text("entity = 'ticket'"),
                 postgresql_where=db.text("entity = 'ticket'")),
        db.Index("ix_records_ticket_due", "due_at", sqlite_where=db.text("entity = 'ticket'"),
                 postgresql_where=db.text("entity = 'ticket'")),
        db.Index("ix_records_ticket_open", "due_at", sqlite_where=db.text("entity = 'ticket' AND status <> 'closed'"),
                 postgresql_where=db.text("entity = 'ticket' AND status <> 'closed'")),
        db.Index("ix_records_checkin_days", "grid_id", "day", "owner", "deleted",
                 sqlite_where=db.text("entity = 'checkin'"), postgresql_where=db.text("entity = 'checkin'")),
    )


class Conflict(db.Model):
    """A value that lost to a concurrent edit, kept until the huddle resolves it."""

    __tablename__ = "conflicts"
    id = db.Column(db.String(36), primary_key=True)
    entity = db.Column(db.String(24), nullable=False)
    entity_id = db.Column(db.String(36), nullable=False, index=True)
    grid_id = db.Column(db.Integer, db.ForeignKey("grids.id"), nullable=True, index=True)
    field = db.Column(db.String(48), nullable=False)
    kind = db.Column(db.String(24), nullable=False)
    losing = db.Column(JSONType, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    superseded = db.Column(db.Boolean, nullable=False, default=False)
    resolved_at = db.Column(UTCDateTime, nullable=True)
    resolved_by = db.Column(db.String(64), nullable=True)
    resolution = db.Column(JSONType, nullable=True)


class AuditEntry(db.Model):
    """Append-only, hash-chained trail of every action (留痕留迹)."""

    __tablename__ = "audit_log"
    seq = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True, autoincrement=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, nullable=True)
    actor = db.Column(db.String(64), nullable=False)
    device_id = db.Column(db.String(64), nullable=True)
    action = db.Column(db.String(48), nullable=False)
    entity = db.Column(db.String(24), nullable=True)
    entity_id = db.Column(db.String(64), nullable=True)
    mutation_id = db.Column(db.String(36), nullable=True)
    data = db.Column(JSONType, nullable=True)
    prev_hash = db.Column(db.String(64), nullable=False)
    hash = db.Column(db.String(64), nullable=False)
    # For an entry that applied a synced mutation: how it was answered
    # (applied / conflict) and the record version it made. A retry of the
    # mutation id is answered `duplicate` from here. Outside the hash, as
    # entries chained before these columns existed were hashed without them.
    status = db.Column(db.String(16), nullable=True)
    version = db.Column(db.Integer, nullable=True)

    __table_args__ = (
        # A ticket's history is read from here. Only tickets': an index over every
        # entry's random record id cost each pushed report a page of the database
        # written (about a tenth of a push of 500).
        db.Index("ix_audit_ticket", "entity_id", sqlite_where=db.text("entity = 'ticket'"),
                 postgresql_where=db.text("entity = 'ticket'")),
        # The department league reads a period's acknowledgements and fixes
        # (server/services/stats); tickets' entries only, for the same reason.
        db.Index("ix_audit_ticket_action_at", "action", "at", sqlite_where=db.text("entity = 'ticket'"),
                 postgresql_where=db.text("entity = 'ticket'")),
        # One entry per applied mutation id (entries of other actions have none).
        db.Index("ux_audit_mutation_id", "mutation_id", unique=True),
    )


class Photo(db.Model):
    """A content-addressed photo: its SHA-256, what Pillow found, where it came from.

    ``uploader_id`` is whoever stored it first; every user who holds it is in
    ``photo_holders``.
    """

    __tablename__ = "photos"
    sha256 = db.Column(db.String(64), primary_key=True)
    uploader_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    format = db.Column(db.String(8), nullable=False)
    phash = db.Column(db.String(16), nullable=False)
    taken_at = db.Column(db.String(32), nullable=True)
    gps = db.Column(JSONType, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class PhotoHolder(db.Model):
    """A user who holds a photo: uploaded its bytes, or listed it while able to read it.

    A hash is no secret (it travels in records, logs and URLs), so only a
    holder's reference lets others read a photo (``server.services.photo_access``).
    Content-addressed storage keeps one copy however many users hold it.
    """

    __tablename__ = "photo_holders"
    sha256 = db.Column(db.String(64), db.ForeignKey("photos.sha256"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class PhotoRef(db.Model):
    """A record that references a photo, and who listed it there, for deciding who may read it.

    Kept by the write path (``server.services.sync``) in the same transaction
    as the record; without it each photo request searched every record's JSON.
    The reference lets the record's readers read the photo only while
    ``referrer_id`` holds it (``photo_holders``); until then the photo is
    pending for that record.
    """

    __tablename__ = "photo_refs"
    sha256 = db.Column(db.String(64), primary_key=True)
    entity = db.Column(db.String(24), primary_key=True)
    entity_id = db.Column(db.String(36), primary_key=True)
    # None for a reference whose author the records' clocks could not tell (grants nothing).
    referrer_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)


class PhotoUpload(db.Model):
    """One user's resumable upload in progress; its bytes live in media under ``partial/<sha>/<user id>/``.

    Keyed by user as well as hash: users uploading the same bytes never see or
    wait for each other's uploads, so an upload says nothing about who else has
    the photo.
    """

    __tablename__ = "photo_uploads"
    sha256 = db.Column(db.String(64), primary_key=True)
    uploader_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    total = db.Column(db.Integer, nullable=False)
    received = db.Column(db.Integer, nullable=False, default=0)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class Notification(db.Model):
    """An in-app notice for one user: a ticket submitted, returned, dispatched, due soon or overdue."""

    __tablename__ = "notifications"
    id = db.Column(db.String(36), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    kind = db.Column(db.String(24), nullable=False)
    entity = db.Column(db.String(24), nullable=False)
    entity_id = db.Column(db.String(36), nullable=False)
    data = db.Column(JSONType, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime, nullable=True)

    __table_args__ = (db.Index("ix_notifications_user_read", "user_id", "read_at"),)
