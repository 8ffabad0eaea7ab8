"""Password hashing with argon2id (argon2-cffi), cost taken from the config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["GRIDWALK_ARGON2_TIME_COST"], memory_cost=cfg["GRIDWALK_ARGON2_MEMORY_KIB"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so that an unknown
# username takes as long as a wrong password.
def dummy_verify(password: str) -> None:
    cfg = current_app.config
    key = "_gridwalk_dummy_hash"
    if key not in cfg:
        cfg[key] = hash_password("not-a-real-password")
    verify_password(cfg[key], password)
