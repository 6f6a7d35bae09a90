"""The `travel` command line: parse, call a harness function, print. Nothing else lives here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import astuple, fields
from functools import wraps
from pathlib import Path

import click
import mysql.connector

from . import cluster as cluster_mod
from . import report_cli
from .accounts import create_accounts
from .baseline import baseline as run_baseline
from .clock import session_clock_warning
from .console import Heartbeat, port_problem, progress_bar, sql_client
from .db import DatabaseUrl, connect, read_your_writes
from .demo import seed_demo
from .docs import write as write_docs
from .drift import scheduler_warnings
from .drift import validate as run_validate
from .errors import TravelError
from .lint import lint as run_lint
from .lint import render_text as render_lint
from .migrate import InfoRow, Migrator
from .output import output_options, render
from .plan import as_json as plan_json
from .plan import as_markdown as plan_markdown
from .plan import build_plan
from .project import Project, find_root, local_server_dir
from .revert import revert as run_revert
from .revert import verify as verify_reverts
from .seed import seed_reference
from .server import LocalServer
from .synthetic import generate as generate_synthetic


def _local_server() -> LocalServer:
    """The project's private server (<root>/.travel/server, the same from any subdirectory)."""
    obj = click.get_current_context().find_object(Context)
    return LocalServer(local_server_dir(obj.project_dir if obj else None))


class Context:
    def __init__(self, database_url: str | None, project_dir: str | None):
        self.database_url = database_url
        self.project_dir = Path(project_dir) if project_dir else None

    def url(self) -> DatabaseUrl:
        """The URL given, else the local server's (started now if needed, saying so)."""
        if self.database_url:  # on Galera, with read-your-writes (wsrep_sync_wait = 1)
            return read_your_writes(DatabaseUrl.parse(self.database_url))
        server = _local_server()
        state, started = server.start()
        if started:
            click.echo(f"started the local server on 127.0.0.1:{state.port} (data in {server.datadir})", err=True)
        return server.url()

    def project(self) -> Project:
        return Project(find_root(self.project_dir))

    def migrator(self) -> Migrator:
        return Migrator(self.url(), self.project(), echo=lambda line: click.echo(line, err=True))


def reports_errors(command):
    """Turn expected failures into a one-line message and exit code 1."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TravelError as err:
            raise click.ClickException(str(err)) from err
        except mysql.connector.Error as err:
            raise click.ClickException(f"database error {err.errno}: {err.msg}") from err
        except ValueError as err:
            raise click.ClickException(str(err)) from err

    return wrapper


def checked_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A connection URL option that cannot be parsed (port 0, a bad scheme) is a usage error."""
    if value:
        try:
            DatabaseUrl.parse(value)
        except ValueError as err:
            secret = value.partition("://")[2].rpartition("@")[0].partition(":")[2]
            message = str(err).replace(secret, "***") if secret else str(err)  # never echo a password
            raise click.BadParameter(message, ctx, param) from None
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="travel-db", prog_name="travel", message="%(prog)s %(version)s")
@click.option(
    "--database-url",
    envvar="TRAVEL_DATABASE_URL",
    callback=checked_url,
    help="mysql://user:password@host:port/database (percent-encode @ : / # in the password). "
    "Default: the project's local server under .travel/server/.",
)
@click.option(
    "--project",
    "project_dir",
    envvar="TRAVEL_PROJECT_DIR",
    type=click.Path(file_okay=False, exists=True),
    help="Directory holding schema/, queries/, procedures/ and views/. Default: the nearest one holding "
    "schema/ from the working directory up, else the package's.",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, project_dir: str | None) -> None:
    """travel-db: ticket reservations for flights, trains and buses, in the database.

    The options below go before the command; `travel COMMAND --help` shows its own.
    Example: travel migrate && travel info. Reports: `travel reports`, then
    `travel report NAME --help`.
    """
    ctx.obj = Context(database_url, project_dir)


# -- server ---------------------------------------------------------------------------
@cli.group()
def server() -> None:
    """The private local server under .travel/server/ (used when no --database-url is given).

    Example: travel server start && travel server status
    """


@server.command("start")
@reports_errors
def server_start() -> None:
    """Initialise (first time) and start the local server on a free port of 127.0.0.1.

    Example: travel server start
    """
    local = _local_server()
    state, started = local.start()
    verb = "started" if started else "already running"
    click.echo(f"{verb}: mysql://root@127.0.0.1:{state.port}/travel (pid {state.pid}, data {state.datadir})")


@server.command("stop")
@reports_errors
def server_stop() -> None:
    """Shut the local server down cleanly.

    Example: travel server stop
    """
    stopped = _local_server().stop()
    click.echo("stopped" if stopped else "not running")


@server.command("status")
@output_options
@reports_errors
def server_status(fmt: str) -> None:
    """Version, port, pid, data directory and event scheduler of the local server.

    Exits 1 when it is not running. Example: travel server status --format json
    """
    status = _local_server().status()
    click.echo(render(list(status), [list(status.values())], fmt))
    if not status["running"]:
        sys.exit(1)


# -- cluster --------------------------------------------------------------------------
@cli.group("cluster")
def cluster_group() -> None:
    """A local Galera cluster on loopback under .travel/cluster/, and a replica for analysts.

    For development, tests and benchmarks (harness/cluster.py; docs/operations.md, "Running on
    Galera"). Example: travel cluster start --nodes 3 && travel cluster status
    """


@cluster_group.command("start")
@click.option("--nodes", type=click.IntRange(1, 9), default=3, show_default=True,
              help="Nodes of a new cluster (its first start fixes the number).")  # fmt: skip
@reports_errors
def cluster_start(nodes: int) -> None:
    """Start every node (a stopped cluster bootstraps from the node safe to bootstrap), enable
    the events on each, and print the nodes' URLs.

    Example: travel cluster start --nodes 3
    """
    for line in cluster_mod.start_local(nodes):
        click.echo(line)


@cluster_group.command("stop")
@reports_errors
def cluster_stop() -> None:
    """Stop the nodes cleanly, node1 last (so the next start bootstraps from it).

    Example: travel cluster stop
    """
    stopped = cluster_mod.Cluster(cluster_mod.CLUSTER_DIR).stop()
    click.echo(f"stopped {sum(stopped)} node(s)" if any(stopped) else "not running")


@cluster_group.command("status")
@output_options
@reports_errors
def cluster_status(fmt: str) -> None:
    """Each node: port, pid, Galera state, cluster size, last committed seqno.

    Exits 1 when no node runs. Example: travel cluster status --format json
    """
    rows = cluster_mod.Cluster(cluster_mod.CLUSTER_DIR).status()
    click.echo(render(list(rows[0]), [list(row.values()) for row in rows], fmt))
    if not any(row["running"] for row in rows):
        sys.exit(1)


@cluster_group.command("url")
@click.option("--node", type=click.IntRange(1, 9), default=1, show_default=True, help="Which node.")
@reports_errors
def cluster_url(node: int) -> None:
    """Print a node's URL with root's password and read-your-writes on.

    Example: export TRAVEL_DATABASE_URL=$(travel cluster url --node 2)
    """
    click.echo(cluster_mod.node_url(node))


@cluster_group.group("replica")
def cluster_replica() -> None:
    """An asynchronous replica of node1 for analysts (under .travel/cluster/replica/).

    Example: travel cluster replica start
    """


@cluster_replica.command("start")
@reports_errors
def cluster_replica_start() -> None:
    """Start the replica; the first time, load it from a dump of node1 and attach it.

    Example: travel cluster replica start
    """
    for line in cluster_mod.replica_lines():
        click.echo(line)


@cluster_replica.command("stop")
@reports_errors
def cluster_replica_stop() -> None:
    """Stop the replica (it resumes replicating where it stopped on the next start).

    Example: travel cluster replica stop
    """
    stopped = cluster_mod.replica_of(cluster_mod.Cluster(cluster_mod.CLUSTER_DIR)).stop()
    click.echo("stopped" if stopped else "not running")


@cluster_replica.command("status")
@output_options
@reports_errors
def cluster_replica_status(fmt: str) -> None:
    """Whether the replica runs, replicates, and how far behind it is.

    Exits 1 when it is not running. Example: travel cluster replica status
    """
    replica = cluster_mod.replica_of(cluster_mod.Cluster(cluster_mod.CLUSTER_DIR))
    status = {"running": replica.state() is not None}
    if status["running"]:
        status |= replica.replication()
    click.echo(render(list(status), [list(status.values())], fmt))
    if not status["running"]:
        sys.exit(1)


# -- migrations -----------------------------------------------------------------------
class Seconds(click.FloatRange):
    """Seconds to wait: a finite number in range (inf and nan pass FloatRange, then fail deep inside)."""

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return seconds


LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    type=Seconds(min=0, max=7 * 24 * 3600),
    default=60,
    show_default=True,
    help="Seconds to wait for another deployer's lease before giving up.",
)


def engine_options(command):
    """Options of every command that runs migration statements (migrate, revert)."""
    for option in reversed(
        [
            LOCK_TIMEOUT,
            click.option(
                "--lock-wait",
                type=click.FloatRange(min=1),
                default=3,
                show_default=True,
                help="Seconds a statement waits for a table's metadata lock per try; bookings queue behind it at most this long.",
            ),
            click.option(
                "--lock-retries",
                type=click.IntRange(min=0),
                default=5,
                show_default=True,
                help="Tries after a lock wait ran out (the blocking sessions are named each time).",
            ),
            click.option(
                "--lease-timeout",
                type=click.IntRange(min=1),
                default=30,
                show_default=True,
                help="Seconds without a heartbeat after which another deployer may take the lease over.",
            ),
            click.option(
                "--allow-risky", is_flag=True, help="Apply statements lint calls risky (copying, destructive)."
            ),
        ]
    ):
        command = option(command)
    return command


def _engine(obj: Context, lock_wait: float, lock_retries: int, lease_timeout: int) -> Migrator:
    migrator = obj.migrator()
    migrator.lock_wait, migrator.lock_retries, migrator.lease_timeout = lock_wait, lock_retries, lease_timeout
    return migrator


@cli.command()
@click.option("--target", metavar="VERSION", help="Apply versions up to and including this one (e.g. 0003).")
@click.option("--dry-run", is_flag=True, help="Print the exact SQL that would run; change nothing.")
@click.option("--reapply", is_flag=True, help="Run every repeatable (procedures/, views/) again, e.g. after drift.")
@click.option("--out-of-order", is_flag=True, help="Apply a version below the newest applied one.")
@engine_options
@click.pass_obj
@reports_errors
def migrate(obj: Context, target: str | None, dry_run: bool, reapply: bool, out_of_order: bool, **engine) -> None:
    """Apply pending schema/ versions in order, then changed procedures/ and views/.

    Lints first and refuses risky statements (see `travel lint`) unless --allow-risky. Safe to
    re-run; a failed or interrupted file resumes where it stopped.
    Example: travel migrate --dry-run | less
    """
    allow_risky, lock_timeout = engine.pop("allow_risky"), engine.pop("lock_timeout")
    migrator = _engine(obj, **engine)
    if dry_run:
        migrator.echo = click.echo
    with Heartbeat(migrator.echo) as heartbeat:  # a line every few seconds while a long ALTER runs
        migrator.echo = heartbeat
        count = migrator.migrate(
            target=target,
            dry_run=dry_run,
            lock_timeout=lock_timeout,
            reapply=reapply,
            out_of_order=out_of_order,
            allow_risky=allow_risky,
        )
    if not dry_run and count:
        click.echo(f"{migrator.url.database}: applied {count} migration(s) in {heartbeat.elapsed()}", err=True)


@cli.command()
@click.option("--target", metavar="VERSION", required=True, help="Undo every applied version above this one (0: all).")
@engine_options
@click.pass_obj
@reports_errors
def revert(obj: Context, target: str, **engine) -> None:
    """Run the undo files (schema/U<version>__*.sql) of the versions above --target, newest first.

    Same lease, journal, lock bound and lint as migrate. Prove the undo files first with
    `travel validate --revert`. Example: travel revert --target 0012
    """
    allow_risky, lock_timeout = engine.pop("allow_risky"), engine.pop("lock_timeout")
    migrator = _engine(obj, **engine)
    done = run_revert(migrator, target, lock_timeout=lock_timeout, allow_risky=allow_risky)
    if done:
        click.echo(f"{migrator.url.database}: reverted {len(done)} version(s): {', '.join(done)}", err=True)


@cli.command()
@click.option("--target", metavar="VERSION", help="Lint up to this version.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@reports_errors
def lint(obj: Context, target: str | None, fmt: str) -> None:
    """How each pending statement would run on this server (instant, in-place, copying, tried on
    an empty scratch copy of the table), table sizes, destructive changes and the safe
    alternative; plus SQL outside the MySQL/MariaDB common subset in every file.

    Exit codes: 0 clean, 3 risky statements pending (migrate refuses them), 4 portability
    findings only, 1 lint could not run, 2 usage error. Example: travel lint --format json
    """
    migrator = obj.migrator()
    report = run_lint(migrator, target)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=2, default=str))
    else:
        click.echo(render_lint(report, migrator.url.database))
    sys.exit(report.exit_code)


@cli.command()
@click.option("--target", metavar="VERSION", help="Plan up to this version.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.pass_obj
@reports_errors
def plan(obj: Context, target: str | None, fmt: str) -> None:
    """What the next `travel migrate` would do: files, lint verdicts and pending SQL, as Markdown
    for a pull-request comment or JSON for a CI gate (exit codes as `travel lint`).

    Example: travel plan --format json > plan.json
    """
    result = build_plan(obj.migrator(), target)
    click.echo(plan_json(result) if fmt == "json" else plan_markdown(result))
    sys.exit(result["exit_code"])


@cli.command()
@click.option(
    "--version", "version", metavar="VERSION", required=True, help="The last version the database already has."
)
@LOCK_TIMEOUT
@click.pass_obj
@reports_errors
def baseline(obj: Context, version: str, lock_timeout: float) -> None:
    """Adopt an existing database: prove its schema matches the files up to --version (drift
    check in a scratch database), record them as applied, and let migrate continue from there.

    Example: travel baseline --version 0013 && travel migrate
    """
    done = run_baseline(obj.migrator(), version, lock_timeout=lock_timeout)
    click.echo(f"baselined at {version}: {len(done)} version(s) recorded; `travel migrate` continues from there")


@cli.command()
@output_options
@click.pass_obj
@reports_errors
def info(obj: Context, fmt: str) -> None:
    """Every migration with its state: applied, pending, failed, changed or missing.

    Example: travel info --format json
    """
    migrator = obj.migrator()
    rows = migrator.info()
    click.echo(render([f.name for f in fields(InfoRow)], [astuple(r) for r in rows], fmt))
    for warning in scheduler_warnings(migrator):
        click.echo(f"warning: {warning}", err=True)


@cli.command()
@click.option("--no-drift", is_flag=True, help="Skip the drift check (the scratch-database comparison).")
@click.option("--revert", "check_revert", is_flag=True, help="Also prove every undo file: migrate, revert, migrate.")
@click.pass_obj
@reports_errors
def validate(obj: Context, no_drift: bool, check_revert: bool) -> None:
    """Exit 1 when applied files changed or are missing, a migration failed, or the live schema
    drifted from what the files build (checked in a scratch database on the same server).

    With --revert, also proves on a scratch database that each schema/U*.sql undoes its version
    exactly. Example: travel validate --revert
    """
    migrator = obj.migrator()
    result = run_validate(migrator, check_drift=not no_drift)
    if check_revert:
        result.problems.extend(verify_reverts(migrator))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in result.problems:
        click.echo(problem)
    if not result.ok:
        raise click.ClickException(f"validate found {len(result.problems)} problem(s)")
    proven = f" and {len(migrator.project.undo_files())} undo file(s)" if check_revert else ""
    click.echo("valid: applied migrations match the files" + ("" if no_drift else " and the live schema") + proven)


@cli.command()
@click.option(
    "--interrupted",
    type=click.Choice(["applied", "not-run"]),
    help="Settle an interrupted statement migrate could not check: it took effect, or it did not.",
)
@LOCK_TIMEOUT
@click.pass_obj
@reports_errors
def repair(obj: Context, interrupted: str | None, lock_timeout: float) -> None:
    """Forget failed migration runs so the next migrate retries them from their first statement,
    and accept applied files whose edit changed no statement (comments, blank lines).

    Use after undoing by hand what a failed file had applied, when its applied statements
    changed. Example: travel repair && travel migrate
    """
    lines = obj.migrator().repair(lock_timeout=lock_timeout, interrupted=interrupted)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("nothing to repair: no failed migrations")


# -- schema documentation, accounts, seeds --------------------------------------------------
@cli.command()
@click.option(
    "--output",
    "output_dir",
    type=click.Path(file_okay=False),
    help="Directory to write erd.md and schema.md into. Default: docs/ of the project.",
)
@click.pass_obj
@reports_errors
def docs(obj: Context, output_dir: str | None) -> None:
    """Write docs/erd.md (a Mermaid ERD), docs/schema.md (the data dictionary) and
    docs/procedures.md (signatures and header comments) from the live
    schema. Run after `travel migrate`; a test fails when the committed files are stale.

    Example: travel migrate && travel docs
    """
    target = Path(output_dir) if output_dir else obj.project().root / "docs"
    target.mkdir(parents=True, exist_ok=True)
    conn = connect(obj.url())
    try:
        for path in write_docs(conn, target, obj.project().root):
            click.echo(f"wrote {path}")
    finally:
        conn.close()


@cli.command()
@click.option("--app-password", envvar="TRAVEL_APP_PASSWORD", help="Password of travel_app (customer procedures).")
@click.option(
    "--admin-password", envvar="TRAVEL_ADMIN_PASSWORD", help="Password of travel_admin (administration procedures)."
)
@click.option("--analyst-password", envvar="TRAVEL_ANALYST_PASSWORD", help="Password of travel_analyst (read-only).")
@click.option(
    "--migrator-password", envvar="TRAVEL_MIGRATOR_PASSWORD", help="Password of travel_migrator (schema owner)."
)
@click.option("--host", "account_host", default="%", show_default=True, help="Host part of the accounts.")
@click.pass_obj
@reports_errors
def accounts(
    obj: Context,
    app_password: str | None,
    admin_password: str | None,
    analyst_password: str | None,
    migrator_password: str | None,
    account_host: str,
) -> None:
    """Create or update travel_app, travel_admin, travel_analyst and travel_migrator (those given a password).

    Each account can do exactly its job (docs/security.md): the app calls the customer
    procedures, the admin the carrier ones, the analyst reads every table but the password
    hashes, the migrator applies releases. Passwords come from options or TRAVEL_*_PASSWORD
    variables and are never printed. Re-run after migrations that add tables or routines.
    Example: TRAVEL_APP_PASSWORD=... TRAVEL_ANALYST_PASSWORD=... travel accounts
    """
    given = {
        name: password
        for name, password in (
            ("travel_app", app_password),
            ("travel_admin", admin_password),
            ("travel_analyst", analyst_password),
            ("travel_migrator", migrator_password),
        )
        if password
    }
    if not given:
        raise click.UsageError(
            "give at least one password (--app-password, --admin-password, --analyst-password, --migrator-password)"
        )
    url = obj.url()
    conn = connect(url)
    try:
        for account in create_accounts(conn, url.database, given, account_host):
            click.echo(f"{account}@{account_host}: created or updated")
    finally:
        conn.close()
    if analyst_password and not obj.database_url:
        # On the local server, reports then run as the read-only analyst by default.
        stored = report_cli.remember_analyst_password(obj.project().root, analyst_password)
        click.echo(f"travel_analyst's password kept in {stored} (0600): reports run as travel_analyst")


@cli.group()
def seed() -> None:
    """Load data: reference data (stations, carriers), the demo set, or a large synthetic set.

    Example: travel seed demo
    """


@seed.command("demo")
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True, help="Random seed of the story.")
@click.pass_obj
@reports_errors
def seed_demo_command(obj: Context, seed_value: int) -> None:
    """Load a small realistic data set through the procedures: January to June 2026, ten routes
    over air, rail and bus, sixty customers, ~400 bookings (paid, cancelled at every refund
    tier, lapsed) and a flight cancelled by its carrier. Skipped when already loaded.

    Example: travel seed demo && travel report revenue
    """
    conn = connect(obj.url())
    try:
        outcomes = seed_demo(conn, obj.project().root, seed_value, progress=lambda line: click.echo(line, err=True))
    finally:
        conn.close()
    if outcomes is None:
        click.echo("demo data already loaded; nothing to do")
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))


@seed.command("reference")
@click.pass_obj
@reports_errors
def seed_reference_command(obj: Context) -> None:
    """Load seeds/reference.sql: real airports, rail and bus stations, and carriers. Idempotent.

    Example: travel seed reference
    """
    conn = connect(obj.url())
    try:
        counts = seed_reference(conn, obj.project().root)
    finally:
        conn.close()
    click.echo(", ".join(f"{table}: {count}" for table, count in counts.items()))


# -- events -----------------------------------------------------------------------------------
EVENTS_QUERY = """
SELECT
    EVENT_NAME AS event,
    STATUS AS status,
    CONCAT('every ', INTERVAL_VALUE, ' ', LOWER(INTERVAL_FIELD)) AS schedule,
    LAST_EXECUTED AS last_run,
    EVENT_COMMENT AS does
FROM information_schema.EVENTS
WHERE EVENT_SCHEMA = DATABASE()
ORDER BY EVENT_NAME
"""


@cli.group()
def events() -> None:
    """The housekeeping events (expiring holds, purging old reservations).

    Example: travel events status
    """


@events.command("status")
@output_options
@click.pass_obj
@reports_errors
def events_status(obj: Context, fmt: str) -> None:
    """Each event with its schedule and last run; warns when the event scheduler is off.

    Example: travel events status --format json
    """
    migrator = obj.migrator()
    conn = connect(migrator.url)
    try:
        cur = conn.cursor()
        cur.execute(EVENTS_QUERY)
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
        clock_warning = session_clock_warning(conn)
    finally:
        conn.close()
    click.echo(render(columns, rows, fmt))
    for warning in [*scheduler_warnings(migrator), clock_warning]:
        if warning:
            click.echo(f"warning: {warning}", err=True)


@seed.command("synthetic")
@click.option("--reservations", type=click.IntRange(1, 50_000_000), default=100_000, show_default=True,
              help="How many reservations to generate (trips and users scale with it).")  # fmt: skip
@click.option("--seed", "seed_value", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default="2026-06-30", show_default=True,
              help="Last day of the generated year of bookings.")  # fmt: skip
@click.option("--trips", type=click.IntRange(1, 10_000_000), default=None,
              help="How many trips. Default: one for every 12 reservations, at least 300.")  # fmt: skip
@click.option("--every-fare-class", is_flag=True,
              help="Every trip sells all four fare classes (default: by mode, as carriers do).")  # fmt: skip
@click.pass_obj
@reports_errors
def seed_synthetic_command(
    obj: Context, reservations: int, seed_value: int, until: dt.datetime, trips: int | None, every_fare_class: bool
) -> None:
    """Generate a large reproducible data set in bulk (seasonality, popular routes, lead times,
    cancellation rates), with a progress bar. Needs the reference data (loaded first).

    Example: travel seed synthetic --reservations 1000000 --seed 42
    """
    conn = connect(obj.url())
    try:
        seed_reference(conn, obj.project().root)
        outcomes = generate_synthetic(
            conn, reservations, seed_value, until, progress=lambda line: click.echo(line, err=True),
            bar_factory=lambda n: progress_bar(n, "reservations"),
            trips=trips, every_fare_class=every_fare_class,
        )  # fmt: skip
    finally:
        conn.close()
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))


# -- SQL shell ---------------------------------------------------------------------------------
@cli.command("sql", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("client_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
@reports_errors
def sql_shell(obj: Context, client_args: tuple[str, ...]) -> None:
    """Open the mariadb (or mysql) client on the database: the local server, or --database-url.

    Arguments after the command go to the client. Example: travel sql -e "SELECT COUNT(*) FROM trips"
    """
    sys.exit(sql_client(obj.url(), client_args))


# -- reports ----------------------------------------------------------------------------------
@cli.command("reports")
@output_options
@click.option("--verbose", "-v", is_flag=True, help="Each report's parameters (type, default, meaning) and columns.")
@click.option("--write-docs", is_flag=True, help="Write docs/reports.md from the reports' headers instead of listing.")
@click.option("--charts", is_flag=True, help="With --write-docs: draw docs/reports/NAME.svg from the database's data.")
@click.pass_obj
@reports_errors
def reports_list(obj: Context, fmt: str, verbose: bool, write_docs: bool, charts: bool) -> None:
    """List the saved reports with their titles and parameters (name type=default).

    A report file that does not load is named on stderr (exit 1); the others are listed.
    Example: travel reports --verbose | less
    """
    root = obj.project().root
    catalog = report_cli.load_catalog(root)
    if write_docs:
        for path in report_cli.write_docs(root, catalog, (lambda: connect(obj.url())) if charts else None):
            click.echo(f"wrote {path}", err=True)
    else:
        click.echo(report_cli.listing(catalog, fmt, verbose))
    for file, problem in catalog.broken.items():
        click.echo(f"error: queries/{file} does not load: {problem}", err=True)
    if catalog.broken:
        sys.exit(1)


@cli.command("report", context_settings={"help_option_names": []})
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A report parameter; repeatable. Dates take today, -30d, this-month, last-month, 2026-03, ...")  # fmt: skip
@output_options(formats=report_cli.REPORT_FORMATS)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option(
    "--chart", "chart_file", type=click.Path(dir_okay=False), help="Also draw the report's chart: FILE.svg or FILE.png."
)
@click.option(
    "--analyst-url",
    "--replica",
    "analyst_url",
    envvar="TRAVEL_ANALYST_DATABASE_URL",
    callback=checked_url,
    help="Run as this account (mysql://travel_analyst:...@host:port/db), e.g. on an asynchronous replica "
    "(`travel cluster replica start`), so reports never load the primary. Default: travel_analyst on the "
    "--database-url server when TRAVEL_ANALYST_PASSWORD or .travel/analyst.password is set, else --database-url.",
)
@click.option(
    "--help", "-h", "show_help", is_flag=True, help="Show this message; with NAME, the report's parameters and columns."
)
@click.pass_obj
@reports_errors
def report_run(obj: Context, name: str | None, params: tuple[str, ...], fmt: str, output: str | None,
               chart_file: str | None, analyst_url: str | None, show_help: bool) -> None:  # fmt: skip
    """Run the saved report NAME (see `travel reports`) read-only, and print or write its rows.

    `travel report NAME --help` lists its parameters and columns. Dates are UTC; money is
    exact. Example: travel report revenue -p date_from=-30d -p date_to=today --format csv -o revenue.csv
    """
    if not name:
        if not show_help:
            raise click.UsageError("name a report; `travel reports` lists them")
        click.echo(click.get_current_context().get_help())
        return
    try:
        report = report_cli.find(obj.project().root, name)
        if show_help:
            click.echo(report_cli.report_help(report))
            return
        values = report.values(report_cli.parse_params(params))
        report_cli.check_targets(report, fmt, output, chart_file)
    except report_cli.ParameterError as err:
        raise click.UsageError(str(err)) from err
    if analyst_url:
        account = report_cli.Account(DatabaseUrl.parse(analyst_url))
    else:
        account = report_cli.analyst_account(obj.url(), obj.project().root)
    columns, rows = report_cli.execute(account, report, values)
    if chart_file:
        report_cli.write_chart(report, columns, rows, values, chart_file)
        click.echo(f"wrote the chart to {chart_file}", err=True)
    content = report_cli.rendered(report, columns, rows, values, fmt)
    if output:
        report_cli.write_file(output, content if isinstance(content, bytes) else content + "\n")
        click.echo(f"wrote {len(rows)} row(s) to {output}", err=True)
    else:
        report_cli.write_stdout(content)
    if account.note:  # after the rows, so that a failure stays one line
        click.echo(account.note, err=True)


# -- API --------------------------------------------------------------------------------------
@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 for all).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Worker threads (and pooled database connections).")  # fmt: skip
@click.option(
    "--app-url",
    envvar="TRAVEL_APP_DATABASE_URL",
    callback=checked_url,
    help="Connect as the travel_app account (EXECUTE only: mysql://travel_app:...@host:port/db). "
    "Default: --database-url.",
)
@click.option("--token-ttl", type=click.IntRange(60), default=3600, show_default=True, help="Token lifetime, seconds.")
@click.option("--debug", is_flag=True, help="Allow starting without TRAVEL_JWT_SECRET (a throwaway secret).")
@click.option("--insecure-dev", is_flag=True,
              help="Local trials only: serve even as an account with table or global privileges (e.g. root).")  # fmt: skip
@click.option("--redis-url", envvar="TRAVEL_REDIS_URL", default="redis://127.0.0.1:6379/0", show_default=True,
              help="Redis holding the login throttle's counts, shared by every API process.")  # fmt: skip
@click.pass_obj
@reports_errors
def serve(obj: Context, host: str, port: int, threads: int, app_url: str | None, token_ttl: int, debug: bool,
          insecure_dev: bool, redis_url: str) -> None:  # fmt: skip
    """Run the REST API (/api/v1, see docs/api.md) with the waitress WSGI server.

    Refuses an account that can do more than EXECUTE routines (use travel_app) unless
    --insecure-dev, and a TRAVEL_JWT_SECRET under 32 bytes (required unless --debug). Example:
    TRAVEL_JWT_SECRET=$(openssl rand -hex 32) travel serve --app-url mysql://travel_app:PW@127.0.0.1:3306/travel
    """
    from .api.serve import run

    problem = port_problem(host, port)
    if problem:  # one line, before any connection (issue 15)
        click.echo(f"Error: {problem}", err=True)
        sys.exit(2)
    url = DatabaseUrl.parse(app_url) if app_url else obj.url()
    run(
        url, host=host, port=port, threads=threads, token_ttl=token_ttl, debug=debug, insecure_dev=insecure_dev,
        redis_url=redis_url, jwt_secret=os.environ.get("TRAVEL_JWT_SECRET"), project_root=obj.project().root,
        echo=lambda line: click.echo(line, err=True),
    )  # fmt: skip


def main() -> None:
    cli()
