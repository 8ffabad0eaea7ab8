"""Users, their devices, the six-person teams and each member's beat."""

from __future__ import annotations

from server.extensions import db
from server.models.types import JSONType, UTCDateTime, utcnow

ROLES = ("patroller", "lead", "supervisor", "department", "admin")

# The six named roles of a grid team (README.md, "Who it is for").
TEAM_ROLES = (
    "street_cadre",  # 街道下沉干部
    "community_liaison",  # 社区联系网格人员
    "party_secretary",  # 网格党支部书记
    "grid_worker",  # 网格员
    "public_welfare",  # 公益岗
    "property_manager",  # 物业管理人员
)


class Team(db.Model):
    __tablename__ = "teams"
    id = db.Column(db.Integer, primary_key=True)
    grid_id = db.Column(db.Integer, db.ForeignKey("grids.id"), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    grid = db.relationship("Grid")
    members = db.relationship("User", back_populates="team", order_by="User.id")


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, nullable=False)
    display_name = db.Column(db.String(120), nullable=False, default="")
    phone = db.Column(db.String(32), nullable=True)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(16), nullable=False)
    team_role = db.Column(db.String(32), nullable=True)
    # The scope the user belongs to; which of these is set depends on the role.
    district_id = db.Column(db.Integer, db.ForeignKey("districts.id"), nullable=True)
    street_id = db.Column(db.Integer, db.ForeignKey("streets.id"), nullable=True, index=True)
    grid_id = db.Column(db.Integer, db.ForeignKey("grids.id"), nullable=True, index=True)
    team_id = db.Column(db.Integer, db.ForeignKey("teams.id"), nullable=True, index=True)
    department_id = db.Column(db.Integer, db.ForeignKey("departments.id"), nullable=True, index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    team = db.relationship("Team", back_populates="members")
    grid = db.relationship("Grid")
    street = db.relationship("Street")
    department = db.relationship("Department")
    beat = db.relationship("Beat", uselist=False, back_populates="user")


class Device(db.Model):
    """A phone or tablet a user logged in from; revoking it kills all its tokens."""

    __tablename__ = "devices"
    id = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime, nullable=True)
    revoked_at = db.Column(UTCDateTime, nullable=True)
    # Bumped on logout: tokens carry the generation they were issued in.
    token_generation = db.Column(db.Integer, nullable=False, default=0)
    user = db.relationship("User")


class Beat(db.Model):
    """A member's assigned area (包干到人) and responsibility list (责任清单)."""

    __tablename__ = "beats"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, unique=True)
    grid_id = db.Column(db.Integer, db.ForeignKey("grids.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    # [{"id", "name", "kind": building|unit|street|shop, "lat"?, "lon"?}]
    places = db.Column(JSONType, nullable=False, default=list)
    responsibilities = db.Column(JSONType, nullable=False, default=list)
    user = db.relationship("User", back_populates="beat")
    checkpoints = db.relationship(
        "Checkpoint", order_by="Checkpoint.id", cascade="all, delete-orphan", back_populates="beat"
    )


class Checkpoint(db.Model):
    __tablename__ = "checkpoints"
    id = db.Column(db.Integer, primary_key=True)
    beat_id = db.Column(db.Integer, db.ForeignKey("beats.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    lat = db.Column(db.Float, nullable=False)
    lon = db.Column(db.Float, nullable=False)
    radius_m = db.Column(db.Integer, nullable=False, default=50)
    beat = db.relationship("Beat", back_populates="checkpoints")
