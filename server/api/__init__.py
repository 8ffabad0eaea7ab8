"""One blueprint per resource; ``register_blueprints`` attaches them all."""

from __future__ import annotations


def register_blueprints(app, api) -> None:
    from server.api import admin, auth, catalogue, health, me, pwa

    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for module in (health, auth, me, catalogue, admin):
        api.register_blueprint(module.blp)
    for module in _optional_modules():
        api.register_blueprint(module.blp)
    app.register_blueprint(pwa.bp)


def _optional_modules():
    """Blueprints of later resources, registered when present."""
    import importlib

    for name in ("sync", "conflicts", "photos", "records", "huddle", "tickets", "notifications"):
        try:
            yield importlib.import_module(f"server.api.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"server.api.{name}":
                raise
