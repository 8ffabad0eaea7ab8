"""Cases handed in from outside (Open311 GeoReport v2): intake accounts, their API keys, the cases."""

from __future__ import annotations

from server.extensions import db
from server.models.types import JSONType, UTCDateTime, utcnow


class IntakeAccount(db.Model):
    """A system that hands cases in, such as the 12345 citizen hotline; it acts under its code."""

    __tablename__ = "intake_accounts"
    id = db.Column(db.Integer, primary_key=True)
    # Written as the reporter of its reports and the actor of their audit entries.
    code = db.Column(db.String(24), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    district_id = db.Column(db.Integer, db.ForeignKey("districts.id"), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class ApiKey(db.Model):
    """An intake account's key. Only its SHA-256 is kept; the key is shown once, when made."""

    __tablename__ = "api_keys"
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("intake_accounts.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False, default="")
    # The key's first characters, to tell keys apart in lists and logs.
    prefix = db.Column(db.String(12), nullable=False)
    key_hash = db.Column(db.String(64), unique=True, nullable=False)
    created_by = db.Column(db.String(64), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(UTCDateTime, nullable=True)
    revoked_at = db.Column(UTCDateTime, nullable=True)
    account = db.relationship("IntakeAccount")


class IntakeCase(db.Model):
    """One case handed in: where it was routed (a grid, or the street's queue) and who to call back.

    A case routed to a grid is a report with the same id. A case whose point
    lies outside every grid waits in the queue of the nearest grid's street
    until its supervisor assigns it a grid; then it becomes that report.
    """

    __tablename__ = "intake_cases"
    id = db.Column(db.String(36), primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("intake_accounts.id"), nullable=False, index=True)
    district_id = db.Column(db.Integer, db.ForeignKey("districts.id"), nullable=False)
    # routed (to a grid, at once), queued (for the street), assigned (a grid chosen by the street)
    state = db.Column(db.String(12), nullable=False)
    grid_id = db.Column(db.Integer, db.ForeignKey("grids.id"), nullable=True)
    street_id = db.Column(db.Integer, db.ForeignKey("streets.id"), nullable=True)
    service_code = db.Column(db.String(48), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    lat = db.Column(db.Float, nullable=False)
    lon = db.Column(db.Float, nullable=False)
    address = db.Column(db.String(200), nullable=True)
    # The caller's name, phone and e-mail: personal data, never answered by the Open311 GETs.
    contact = db.Column(JSONType, nullable=False, default=dict)
    external_id = db.Column(db.String(64), nullable=True)
    media_url = db.Column(db.String(500), nullable=True)
    requested_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    assigned_by = db.Column(db.String(64), nullable=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    account = db.relationship("IntakeAccount")

    __table_args__ = (db.Index("ix_intake_cases_street_state", "street_id", "state"),)
