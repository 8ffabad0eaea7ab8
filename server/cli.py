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
    register_intake_keys(app)

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


def register_intake_keys(app) -> None:
    @app.cli.group("intake-key")
    def intake_key():
        """API keys of intake accounts (the 12345 hotline …) for Open311."""

    @intake_key.command("create")
    @click.option("--account", required=True, help="The account's code, e.g. hotline-12345 (made if new).")
    @click.option("--account-name", default=None, help="The account's name when it is new.")
    @click.option("--district", "district_id", type=int, default=None, help="Its district (default: the first).")
    @click.option("--name", default="", help="What this key is for.")
    @with_appcontext
    def create(account, account_name, district_id, name):
        """Issue a key and print it: it is shown this once and stored only as a hash."""
        from server.extensions import db
        from server.models import District
        from server.services.intake_keys import ensure_account, issue_key

        district_id = district_id or db.session.execute(db.select(District.id).order_by(District.id)).scalar()
        row, key = issue_key(ensure_account(account, account_name or account, district_id), name, "cli")
        db.session.commit()
        click.echo(f"key {row.id} ({row.prefix}…) for {account}: {key}")

    @intake_key.command("revoke")
    @click.argument("key_id", type=int)
    @with_appcontext
    def revoke(key_id):
        """Revoke a key by its id."""
        from server.errors import DomainError
        from server.extensions import db
        from server.services.intake_keys import revoke_key

        try:
            revoke_key(key_id, "cli")
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(f"key {key_id} revoked")
