"""The administrative tree: district → street → community → grid, and departments."""

from __future__ import annotations

from server.extensions import db
from server.models.types import JSONType

GRID_KINDS = ("residential", "commercial", "mixed", "campus")


class District(db.Model):
    __tablename__ = "districts"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    city = db.Column(db.String(120), nullable=False, default="")


class Street(db.Model):
    __tablename__ = "streets"
    id = db.Column(db.Integer, primary_key=True)
    district_id = db.Column(db.Integer, db.ForeignKey("districts.id"), nullable=False, index=True)
    code = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    district = db.relationship("District")


class Community(db.Model):
    __tablename__ = "communities"
    id = db.Column(db.Integer, primary_key=True)
    street_id = db.Column(db.Integer, db.ForeignKey("streets.id"), nullable=False, index=True)
    code = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    street = db.relationship("Street")


class Grid(db.Model):
    __tablename__ = "grids"
    id = db.Column(db.Integer, primary_key=True)
    community_id = db.Column(db.Integer, db.ForeignKey("communities.id"), nullable=False, index=True)
    code = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    kind = db.Column(db.String(16), nullable=False, default="residential")
    # GeoJSON Polygon of the grid's boundary.
    boundary = db.Column(JSONType, nullable=True)
    center_lat = db.Column(db.Float, nullable=True)
    center_lon = db.Column(db.Float, nullable=True)
    # The base file (网格基础档案).
    population = db.Column(db.Integer, nullable=False, default=0)
    households = db.Column(db.Integer, nullable=False, default=0)
    buildings = db.Column(db.Integer, nullable=False, default=0)
    shops = db.Column(db.Integer, nullable=False, default=0)
    community = db.relationship("Community")

    @property
    def street_id(self) -> int:
        return self.community.street_id


class Department(db.Model):
    __tablename__ = "departments"
    id = db.Column(db.Integer, primary_key=True)
    district_id = db.Column(db.Integer, db.ForeignKey("districts.id"), nullable=False, index=True)
    code = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, default="")
    # Report categories this department usually handles.
    categories = db.Column(JSONType, nullable=False, default=list)
