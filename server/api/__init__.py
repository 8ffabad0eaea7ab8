"""One blueprint per resource; ``register_blueprints`` attaches them all."""

from __future__ import annotations


def register_blueprints(app, api) -> None:
    from server.api import (
        admin, audit, auth, catalogue, conflicts, directory, exports, health, huddle, intake, me, notifications,
        open311, photos, pwa, records, stats, sync, team, tickets,
    )

    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for module in (health, auth, me, catalogue, admin, sync, conflicts, photos, records, huddle, tickets,
                   notifications, team, directory, audit, stats, exports, intake, open311):
        api.register_blueprint(module.blp)
    app.register_blueprint(pwa.bp)
