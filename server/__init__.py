"""The Gridwalk server: ``create_app()`` builds the Flask application."""

from __future__ import annotations

import os

from flask import Flask

from server.config import load_config
from server.errors import register_error_handlers
from server.extensions import api as rest_api
from server.extensions import db, jwt, limiter, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app from ``GRIDWALK_*`` environment variables, then ``config`` overrides."""
    from server.jsonio import OrjsonProvider

    Flask.json_provider_class = OrjsonProvider
    # The instance folder holds the SQLite database, photos and the signing
    # key; GRIDWALK_INSTANCE_PATH moves it out of the source tree.
    instance_path = os.environ.get("GRIDWALK_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
        static_folder=None,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)

    from server import models  # noqa: F401  (registers the tables)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"), render_as_batch=True
    )
    jwt.init_app(app)
    from server import limits_storage  # registers the gridwalk-db:// limits storage

    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("RATELIMIT_STORAGE_URI") or limits_storage.URI
    limiter.init_app(app)
    rest_api.init_app(app)
    register_error_handlers(app)

    from server.security_headers import register_security_headers, trust_proxies

    register_security_headers(app)
    trust_proxies(app)

    from server.api import register_blueprints
    from server.api.context import register_jwt_callbacks
    from server.db_setup import register_engine_events

    register_engine_events(app)
    register_jwt_callbacks(jwt)
    register_blueprints(app, rest_api)

    from server.cli import register_cli

    register_cli(app)
    return app
