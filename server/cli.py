"""``flask --app wsgi …`` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


def register_cli(app) -> None:
    @app.cli.command("seed-demo")
    @with_appcontext
    def seed_demo_command():
        """Create the demo district (idempotent)."""
        from server.seed import seed_demo

        result = seed_demo()
        click.echo(f"demo district ready: {result['grids']} grids, {result['departments']} departments")

    register_sweep(app)

    @app.cli.command("audit-verify")
    @with_appcontext
    def audit_verify_command():
        """Walk the audit chain; exit 1 if any entry was altered or deleted."""
        from server.services.audit import verify_chain

        problems = verify_chain()
        for p in problems:
            click.echo(f"audit entry {p.seq}: {p.problem}", err=True)
        if problems:
            raise SystemExit(1)
        click.echo("audit trail intact")


def register_sweep(app) -> None:
    @app.cli.command("notify-due")
    @with_appcontext
    def notify_due_command():
        """Notify owners and supervisors of tickets nearing or past due (run from cron)."""
        from server.services.notifications import sweep_due
        from server.services.scope import Scope

        click.echo(f"{sweep_due(Scope.system())} due notifications considered")
