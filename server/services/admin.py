"""Setting up the district: grids, teams, users, beats, departments.

Organisation data is not a synced entity, but every change here is audited in
the same trail as the synced records.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from server.errors import DomainError
from server.extensions import db
from server.models import (
    Beat, Checkpoint, Community, Department, Device, District, Grid, Street, Team, User,
)
from server.services.audit import record_audit
from server.services.passwords import hash_password

# Which foreign keys a payload may carry and the model each must exist in.
_REFERENCES = {
    "district_id": District,
    "street_id": Street,
    "community_id": Community,
    "grid_id": Grid,
    "team_id": Team,
    "department_id": Department,
    "user_id": User,
}

# What a role must be attached to.
_ROLE_SCOPE = {
    "patroller": "grid_id",
    "lead": "grid_id",
    "supervisor": "street_id",
    "department": "department_id",
}


def _check_references(data: dict) -> None:
    missing = {
        key: [f"No {key[:-3]} with id {value}."]
        for key, value in data.items()
        if key in _REFERENCES and value is not None and db.session.get(_REFERENCES[key], value) is None
    }
    if missing:
        raise DomainError("invalid", "The request refers to records that do not exist.", missing)


def _commit(action: str, actor: User, obj, data: dict) -> None:
    try:
        db.session.flush()
        record_audit(
            actor=actor.username, actor_id=actor.id, action=action,
            entity=obj.__tablename__, entity_id=str(obj.id),
            data={k: v for k, v in data.items() if k != "password"},
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainError("conflict", "A record with the same unique code or name exists.") from exc


def _check_user_scope(fields: dict) -> None:
    needed = _ROLE_SCOPE.get(fields.get("role"))
    if needed and not fields.get(needed):
        raise DomainError("invalid", f"A {fields['role']} needs {needed}.", {needed: ["Missing."]})


def create(model, data: dict, actor: User):
    """Create one organisation record of ``model`` from validated ``data``."""
    data = dict(data)
    _check_references(data)
    if model is User:
        _check_user_scope(data)
        data["password_hash"] = hash_password(data.pop("password"))
        _fill_user_scope(data)
    if model is Beat:
        return _save_beat(Beat(), data, actor, "beat.create")
    obj = model(**data)
    db.session.add(obj)
    _commit(f"{model.__tablename__}.create", actor, obj, data)
    return obj


def update(obj, data: dict, actor: User):
    """Apply a partial, validated update to one organisation record."""
    data = dict(data)
    _check_references(data)
    if isinstance(obj, User):
        merged = {"role": obj.role, "grid_id": obj.grid_id, "street_id": obj.street_id,
                  "department_id": obj.department_id, **data}
        _check_user_scope(merged)
        if "password" in data:
            data["password_hash"] = hash_password(data.pop("password"))
            obj_device_bump(obj)
        if "grid_id" in data:
            _fill_user_scope(data)
    if isinstance(obj, Beat):
        return _save_beat(obj, data, actor, "beat.update")
    for key, value in data.items():
        setattr(obj, key, value)
    _commit(f"{obj.__tablename__}.update", actor, obj, data)
    return obj


def obj_device_bump(user: User) -> None:
    """A changed password ends every session of the user."""
    for device in db.session.execute(db.select(Device).filter_by(user_id=user.id)).scalars():
        device.token_generation += 1


def _fill_user_scope(data: dict) -> None:
    grid = db.session.get(Grid, data["grid_id"]) if data.get("grid_id") else None
    if grid is not None:
        data["street_id"] = data.get("street_id") or grid.community.street_id
        data["district_id"] = data.get("district_id") or grid.community.street.district_id
        if not data.get("team_id"):
            team = db.session.execute(db.select(Team).filter_by(grid_id=grid.id)).scalar_one_or_none()
            data["team_id"] = team.id if team else None


def _save_beat(beat: Beat, data: dict, actor: User, action: str) -> Beat:
    checkpoints = data.pop("checkpoints", None)
    user_id = data.get("user_id", beat.user_id)
    user = db.session.get(User, user_id)
    if user is None or user.grid_id is None:
        raise DomainError("invalid", "A beat belongs to a grid team member.", {"user_id": ["Not a grid member."]})
    for key, value in data.items():
        setattr(beat, key, value)
    beat.grid_id = user.grid_id
    if checkpoints is not None:
        beat.checkpoints = [Checkpoint(**cp) for cp in checkpoints]
    if beat.id is None:
        db.session.add(beat)
    _commit(action, actor, beat, {**data, "checkpoints": checkpoints})
    return beat
