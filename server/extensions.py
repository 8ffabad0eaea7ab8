"""Flask extensions, created unbound and attached in ``create_app`` with ``init_app``."""

from __future__ import annotations

import flask_smorest
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from server.errors import error_response
from server.schemas.common import ErrorSchema

# Stable constraint names so Alembic migrations are identical on SQLite and
# PostgreSQL and can be altered later.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class GridwalkApi(Api):
    """flask-smorest's Api, answering every HTTP error in the contract's JSON shape.

    ``ERROR_SCHEMA`` is what the OpenAPI document declares for every error
    response (the 422 of each ``arguments`` and the ``default`` of every
    operation), so it must be the body ``error_response`` really writes.
    """

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):  # noqa: D401 - flask-smorest hook
        return error_response(error)


def _use_request_parser() -> None:
    # Every blueprint is a plain flask_smorest.Blueprint, and each
    # ``@blp.arguments`` binds the parser when its module is imported, so the
    # parser is set on the class before any of server.api is imported.
    from server.api.parser import RequestParser

    flask_smorest.Blueprint.ARGUMENTS_PARSER = RequestParser()


_use_request_parser()

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
api = GridwalkApi()
