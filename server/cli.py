"""``flask --app wsgi …`` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


def register_cli(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--grids", type=click.IntRange(1, 10_000), default=8, show_default=True,
                  help="Grids in the district: the demo's eight, or a larger one of the same shape for load tests.")
    @with_appcontext
    def seed_demo_command(grids):
        """Create the demo district, or one of GRIDS grids of its shape (idempotent).

        All seeded users share the one demo password, hashed once.
        """
        from server.seed import seed_demo

        result = seed_demo(grids=grids)
        click.echo(f"demo district ready: {result['grids']} grids, {result['departments']} departments")

    register_sweep(app)
    register_intake_keys(app)

    @app.cli.command("backup")
    @click.argument("folder", type=click.Path(file_okay=False))
    @with_appcontext
    def backup_command(folder):
        """Back the database and the photo store up into FOLDER (new or empty), while the server runs."""
        from server.backup import BackupError, backup

        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"backed up the {manifest['database']} database and {manifest['media_objects']} media objects "
                   f"into {folder}")

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    @with_appcontext
    def restore_command(folder):
        """Restore a backup FOLDER into the configured, empty database and photo store."""
        from server.backup import BackupError, restore

        try:
            manifest = restore(folder)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"restored the {manifest['database']} database of {manifest['created_at']} and "
                   f"{manifest['media_objects']} media objects; run `flask db upgrade` if this build is newer")

    @app.cli.command("audit-verify")
    @with_appcontext
    def audit_verify_command():
        """Walk the audit chain; exit 1 if any entry was altered or deleted."""
        from server.services.audit import verify_chain

        problems = verify_chain()
        for p in problems:
            # An emptied log has no entry to name: the problem is the trail's.
            where = f"audit entry {p.seq}" if p.seq is not None else "audit trail (no entry left)"
            click.echo(f"{where}: {p.problem}", err=True)
        if problems:
            raise SystemExit(1)
        click.echo("audit trail intact")


def register_sweep(app) -> None:
    @app.cli.command("notify-due")
    @click.option("--every", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
                  help="Sweep again every SECONDS until stopped (SIGTERM or SIGINT); without it, sweep once.")
    @click.option("--parent-pid", type=click.IntRange(min=1), default=None, metavar="PID",
                  help="Stop the loop when process PID has ended (`make run` passes its shell's).")
    @with_appcontext
    def notify_due_command(every, parent_pid):
        """Notify owners and supervisors of tickets nearing or past due.

        Once, from cron; or as a loop with ``--every`` (the job `make run` and the
        systemd unit run). Notification ids come from the ticket and its due time, so
        two hosts' loops, or a loop and a cron run, never notify twice.
        """
        if every is None:
            click.echo(f"{run_sweep()} due notifications considered")
            return
        sweep_loop(every, parent_pid=parent_pid)


def run_sweep() -> int:
    """One due/overdue sweep over the whole district; answer the notifications it considered."""
    from server.extensions import db
    from server.services.notifications import sweep_due
    from server.services.scope import Scope

    try:
        return sweep_due(Scope.system())
    finally:
        db.session.remove()  # no transaction or connection held between sweeps


def sweep_loop(every: float, *, parent_pid: int | None = None) -> None:
    """Sweep every ``every`` seconds until SIGTERM/SIGINT, or until process ``parent_pid`` ends.

    A failed sweep (the database restarting, a locked SQLite file) is logged and
    tried again at the next tick rather than ending the job.
    """
    import signal
    import threading
    import time

    from flask import current_app

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"notify-due: sweeping every {every:g} s")
    while not stop.is_set():
        try:
            considered = run_sweep()
            if considered:
                click.echo(f"notify-due: {considered} due notifications considered")
        except Exception:  # keep the job alive; the next tick retries
            current_app.logger.exception("notify-due: the sweep failed; retrying in %g s", every)
        # Wake at least each second to notice a vanished parent, sweeping no more often.
        deadline = time.monotonic() + every
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            stop.wait(min(left, 1.0))
            if parent_pid is not None and not _alive(parent_pid):
                stop.set()
    click.echo("notify-due: stopped")


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


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
