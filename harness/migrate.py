"""The migration engine: history, the deployer lease, resumable application, info and repair.

Flyway's model (versioned files once, in order; repeatables again when their checksum
changes), plus per-statement progress: MySQL DDL commits itself, so a file that fails half-way
is resumed after the fix from the first statement that did not run. Before each statement the
engine records its intent (statement number, connection, server); a run that died mid-statement
is resumed by asking the live schema whether that statement took effect (harness/ddl.py), never
by running it again blind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import mysql.connector

from . import ddl
from .db import COLLATION, DatabaseUrl, connect, drain
from .errors import MigrationError
from .lease import Lease
from .locks import lock_blockers
from .project import MigrationFile, Project, version_key

# Routines and views keep the sql_mode they were created with; pin it so they behave the
# same on every server whatever its defaults.
SQL_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)
SESSION_SETUP = [
    f"SET SESSION sql_mode = '{SQL_MODE}'",
    "SET SESSION time_zone = '+00:00'",
    f"SET NAMES utf8mb4 COLLATE {COLLATION}",
]

HISTORY_DDL = [
    """CREATE TABLE IF NOT EXISTS schema_history (
    installed_rank INT NOT NULL AUTO_INCREMENT COMMENT 'Order in which migrations were run',
    version VARCHAR(50) NULL COMMENT 'Version of a versioned file; NULL for repeatables',
    description VARCHAR(200) NOT NULL COMMENT 'From the file name',
    type VARCHAR(20) NOT NULL COMMENT 'SQL (versioned), REPEATABLE, UNDO (revert) or BASELINE',
    script VARCHAR(500) NOT NULL COMMENT 'Path relative to the project root',
    checksum CHAR(64) NOT NULL COMMENT 'SHA-256 of the normalised file text',
    installed_by VARCHAR(200) NOT NULL COMMENT 'Account that ran it',
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When it finished or failed',
    execution_ms INT NOT NULL DEFAULT 0 COMMENT 'Time of the last run',
    success TINYINT(1) NOT NULL COMMENT '1 applied, 0 failed or interrupted',
    statements_applied INT NOT NULL DEFAULT 0 COMMENT 'Statements of the file applied so far',
    statements_total INT NOT NULL DEFAULT 0 COMMENT 'Statements in the file',
    CONSTRAINT pk_schema_history PRIMARY KEY (installed_rank),
    INDEX idx_schema_history_script (script)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci
  COMMENT = 'Migrations applied by travel migrate, one row per run'""",
    """CREATE TABLE IF NOT EXISTS schema_history_statements (
    installed_rank INT NOT NULL COMMENT 'The schema_history run',
    statement_no INT NOT NULL COMMENT '1-based statement number in the file',
    line INT NOT NULL COMMENT 'Line of the file where the statement starts',
    checksum CHAR(64) NOT NULL COMMENT 'SHA-256 of the normalised statement',
    applied_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When it was applied',
    CONSTRAINT pk_schema_history_statements PRIMARY KEY (installed_rank, statement_no),
    CONSTRAINT fk_schema_history_statements_schema_history FOREIGN KEY (installed_rank)
        REFERENCES schema_history (installed_rank) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci
  COMMENT = 'Per-statement progress of versioned migrations, so a failed file resumes'""",
]
# The intent columns, added to a schema_history made by an older engine.
INTENT_COLUMNS = {
    "running_statement": "INT NULL COMMENT 'Statement started and not yet journalled (intent)'",
    "running_connection": "BIGINT NULL COMMENT 'Connection that runs it'",
    "running_server": "VARCHAR(200) NULL COMMENT 'Node of that connection (@@hostname:@@port)'",
}
ENGINE_TABLES = ("schema_history", "schema_history_statements", "schema_lock", "schema_lease")
APPLY_TYPES = ("SQL", "BASELINE")

HISTORY_COLUMNS = (
    "installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_ms,"
    " success, statements_applied, statements_total, running_statement, running_connection, running_server"
)


@dataclass
class HistoryRow:
    installed_rank: int
    version: str | None
    description: str
    type: str
    script: str
    checksum: str
    installed_by: str
    installed_on: object
    execution_ms: int
    success: int
    statements_applied: int
    statements_total: int
    running_statement: int | None = None
    running_connection: int | None = None
    running_server: str | None = None


@dataclass
class InfoRow:
    category: str
    version: str
    description: str
    script: str
    state: str
    installed_on: object
    execution_ms: int | None
    statements: str


Printer = Callable[[str], None]
# Test instrumentation: called after a statement ran and before its journal row is written.
Hook = Callable[[MigrationFile, int], None]


class Migrator:
    def __init__(
        self,
        url: DatabaseUrl,
        project: Project,
        echo: Printer = print,
        *,
        lock_wait: float = 3,
        lock_retries: int = 5,
        lease_timeout: int = 30,
    ):
        if not url.database:
            raise MigrationError("the database URL names no database: mysql://user@host:port/DATABASE")
        self.url = url
        self.project = project
        self.echo = echo
        self.lock_wait = lock_wait  # seconds a DDL statement waits for a metadata lock, per try
        self.lock_retries = lock_retries  # tries after the first, when it timed out
        self.lease_timeout = lease_timeout
        self.after_statement: Hook | None = None
        # Rewrites each statement before it runs; scratch builds use it to create events disabled.
        self.statement_filter: Callable[[str], str] | None = None
        self._lease: Lease | None = None

    # -- connections -------------------------------------------------------------------
    def open(self):
        """A connection pinned to the migration session settings, with a bounded metadata
        lock wait: bookings queue behind a DDL statement's pending lock for at most that long."""
        conn = connect(self.url)
        cur = conn.cursor()
        for statement in [*SESSION_SETUP, f"SET SESSION lock_wait_timeout = {max(1, int(self.lock_wait))}"]:
            cur.execute(statement)
        cur.close()
        return conn

    @contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """One deployer at a time, cluster-wide: the lease row of harness/lease.py."""
        lease = Lease(self.url, timeout_s=self.lease_timeout, echo=self.echo)
        lease.acquire(timeout)
        self._lease = lease
        try:
            self._ensure_engine_tables()
            yield
        finally:
            self._lease = None
            lease.release()

    def _ensure_engine_tables(self) -> None:
        conn = connect(self.url, autocommit=True)
        try:
            cur = conn.cursor()
            for statement in HISTORY_DDL:
                cur.execute(statement)
            cur.execute(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_history'"
            )
            present = {row[0] for row in cur.fetchall()}
            for column, definition in INTENT_COLUMNS.items():
                if column not in present:
                    cur.execute(f"ALTER TABLE schema_history ADD COLUMN {column} {definition}")
        finally:
            conn.close()

    # -- history -----------------------------------------------------------------------
    def history(self, conn) -> dict[str, HistoryRow]:
        """The row that decides each script's state; empty when there is no history table.

        A versioned file is applied when a successful run of it is newer than its last revert;
        failed runs never hide a success (two deployers racing on a cluster left exactly that).
        A repeatable's state is its latest run."""
        rows = self.history_rows(conn)
        latest: dict[str, HistoryRow] = {}
        success: dict[str, HistoryRow] = {}
        undone: dict[str, int] = {}
        for row in rows:
            latest[row.script] = row
            if row.type in APPLY_TYPES and row.success:
                success[row.script] = row
            if row.type == "UNDO" and row.success:
                undone[row.version] = row.installed_rank
        decided: dict[str, HistoryRow] = {}
        for script, row in latest.items():
            if row.type not in APPLY_TYPES:
                decided[script] = row
                continue
            cut = undone.get(row.version, 0)
            if script in success and success[script].installed_rank > cut:
                decided[script] = success[script]
            elif row.installed_rank > cut:
                decided[script] = row  # failed or interrupted since the last revert
        return decided

    def history_rows(self, conn) -> list[HistoryRow]:
        cur = conn.cursor()
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
            " AND TABLE_NAME = 'schema_history' AND COLUMN_NAME = 'running_statement'"
        )
        has_intent = cur.fetchone()[0] == 1
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_history'"
        )
        if cur.fetchone()[0] == 0:
            conn.commit()
            return []
        columns = HISTORY_COLUMNS if has_intent else HISTORY_COLUMNS.rsplit(", running_statement", 1)[0]
        cur.execute(f"SELECT {columns} FROM schema_history ORDER BY installed_rank")
        rows = [HistoryRow(*row) for row in cur.fetchall()]
        conn.commit()
        return rows

    def applied_statements(self, conn, installed_rank: int) -> list[str]:
        cur = conn.cursor()
        cur.execute(
            "SELECT checksum FROM schema_history_statements WHERE installed_rank = %s ORDER BY statement_no",
            (installed_rank,),
        )
        return [row[0] for row in cur.fetchall()]

    # -- info --------------------------------------------------------------------------
    def info(self) -> list[InfoRow]:
        conn = self.open()
        try:
            history = self.history(conn)
        finally:
            conn.close()
        return info_rows(self.project.all(), history)

    # -- migrate -----------------------------------------------------------------------
    def plan(
        self,
        conn,
        target: str | None,
        *,
        reapply: bool = False,
        out_of_order: bool = False,
        versions_only: bool = False,
    ) -> list[tuple[MigrationFile, HistoryRow | None]]:
        """The files migrate would run, refusing when the applied ones cannot be trusted."""
        history = self.history(conn)
        versioned = self.project.versioned()
        repeatables = self.project.repeatables()
        problems = [
            f"{row.state}: {row.script}"
            for row in info_rows(versioned + repeatables, history)
            if row.state == "changed" or (row.state == "missing" and row.version)
        ]
        if problems:
            raise MigrationError(
                "applied migrations do not match the files: "
                + "; ".join(problems)
                + ". Released migrations are immutable: restore the file and fix forward with a new"
                " version (see `travel validate`; a comment-only edit is accepted by `travel repair`)"
            )
        if target is not None and target not in {f.version for f in versioned}:
            raise MigrationError(f"--target {target}: no schema/V{target}__*.sql file")
        todo: list[tuple[MigrationFile, HistoryRow | None]] = []
        for f in versioned:
            if target is not None and f.version_key > version_key(target):
                break
            row = history.get(f.script)
            if row is None or not row.success:
                todo.append((f, row))
        if not out_of_order:
            _refuse_out_of_order(todo, versioned, history)
        latest = versioned[-1].version if versioned else None
        if (target is None or target == latest) and not versions_only:
            missing = self._missing_objects(conn, repeatables)
            for f in repeatables:
                row = history.get(f.script)
                if reapply or f.name in missing or row is None or not row.success or row.checksum != f.checksum:
                    todo.append((f, row))
        return todo

    def _missing_objects(self, conn, repeatables: list[MigrationFile]) -> set[str]:
        """Repeatables whose object (named after the file, STYLE.md) is gone from the live schema:
        migrate puts it back although its checksum has not changed."""
        cur = conn.cursor()
        cur.execute(
            "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
            " UNION ALL SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
        )
        present = {row[0] for row in cur.fetchall()}
        conn.commit()
        return {f.name for f in repeatables if f.name not in present}

    def migrate(
        self,
        target: str | None = None,
        dry_run: bool = False,
        lock_timeout: float = 60,
        *,
        reapply: bool = False,
        out_of_order: bool = False,
        allow_risky: bool = False,
        versions_only: bool = False,
    ) -> int:
        """Apply what is pending; returns the number of files applied (or that would be)."""
        options = {"reapply": reapply, "out_of_order": out_of_order, "versions_only": versions_only}
        if dry_run:
            return self._dry_run(target, options)
        self.check_database_collation()
        with self.lock(lock_timeout):
            conn = self.open()
            try:
                self._await_orphans(conn)
                self._refuse_unadopted(conn)
                todo = self.plan(conn, target, **options)
                if not todo:
                    self.echo(f"{self.url.database}: up to date, nothing to apply")
                elif not allow_risky:
                    self._refuse_risky(todo)
                for f, row in todo:
                    self._apply(conn, f, row)
                self._enable_events_on_every_node()
                return len(todo)
            finally:
                conn.close()

    def _enable_events_on_every_node(self) -> None:
        """On Galera, events replicated from the node that ran the migration are disabled on the
        others; enable them node by node (harness/cluster.py). Nothing happens on one server."""
        from .cluster import enable_events_on_every_node

        enable_events_on_every_node(self.url, self.echo)

    def _refuse_unadopted(self, conn) -> None:
        """A database built before travel migrate ran on it: V0001 would fail on its first table
        and leave a failed run behind. Say how to adopt it instead."""
        if self.history_rows(conn):
            return
        cur = conn.cursor()
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
            " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
        )
        tables = [row[0] for row in cur.fetchall() if row[0] not in ENGINE_TABLES]
        conn.commit()
        if tables:
            raise MigrationError(
                f"{self.url.database} has {len(tables)} table(s) ({', '.join(tables[:3])}, ...) but no migration "
                "history: adopt it with `travel baseline --version V` (V = the last version it already has; "
                "the drift check proves it), then `travel migrate`"
            )

    def _refuse_risky(self, todo) -> None:
        from .lint import lint_files  # lint builds scratch copies with this engine

        report = lint_files(
            self.url, [f for f, row in todo if f.version], skip={f.script: _done(row) for f, row in todo}
        )
        risky = [v for v in report.verdicts if v.risky]
        if risky:
            lines = "\n".join(f"  {v.summary()}" for v in risky)
            raise MigrationError(
                f"lint refuses {len(risky)} risky statement(s) before anything runs:\n{lines}\n"
                "Run `travel lint` for the safe alternatives, or `travel migrate --allow-risky` to apply anyway"
            )

    def check_database_collation(self) -> None:
        """Refuse a database whose default collation is not the project's: stored routines take
        their string parameters' collation from it, and comparing those with the tables'
        columns would then fail at run time (error 1267, illegal mix of collations)."""
        conn = connect(self.url)
        cur = conn.cursor()
        cur.execute("SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()")
        (collation,) = cur.fetchone()
        conn.close()
        if collation != COLLATION:
            raise MigrationError(
                f"database {self.url.database} has the default collation {collation}, not {COLLATION}: "
                "stored procedures would compare their parameters with the tables' columns in two collations. "
                f"Before the first migrate, run ALTER DATABASE `{self.url.database}` CHARACTER SET utf8mb4 "
                f"COLLATE {COLLATION}; (or create it that way)."
            )

    def pending(self, target: str | None = None, **options) -> list[tuple[MigrationFile, HistoryRow | None]]:
        """What the next migrate would run (plan, lint and dry run share it)."""
        conn = self.open()
        try:
            return self.plan(conn, target, **options)
        finally:
            conn.close()

    def _dry_run(self, target: str | None, options: dict) -> int:
        todo = self.pending(target, **options)
        self.echo(f"-- dry run against {self.url}: {len(todo)} file(s) would be applied; nothing changed")
        for statement in SESSION_SETUP:
            self.echo(f"{statement};")
        for f, row in todo:
            skip = _done(row) if row and f.version else 0
            self.echo(f"\n-- {f.script} ({f.kind}, checksum {f.checksum[:12]})")
            if skip:
                self.echo(f"-- statements 1-{skip} already applied; resuming at {skip + 1}")
            self.echo("DELIMITER $$")
            for statement in f.statements[skip:]:
                self.echo(f"{statement.sql}$$")
            self.echo("DELIMITER ;")
        return len(todo)

    def _resume_point(self, conn, f: MigrationFile, row: HistoryRow) -> int:
        """How many leading statements of a failed file are already applied, unchanged."""
        applied = self.applied_statements(conn, row.installed_rank)
        current = [s.checksum for s in f.statements]
        for number, checksum in enumerate(applied, start=1):
            if number > len(current) or current[number - 1] != checksum:
                raise MigrationError(
                    f"{f.script}: statement {number} was applied in a failed run and has changed since "
                    f"(statements 1-{len(applied)} were applied). Make those statements match what ran, or "
                    "undo their effect by hand and run `travel repair` to retry the file from the start"
                )
        return len(applied)

    def _apply(self, conn, f: MigrationFile, row: HistoryRow | None) -> None:
        cur = conn.cursor()
        total = len(f.statements)
        resume = 0
        if row is not None and not row.success and (f.version or f.undo):
            resume = self._resume_point(conn, f, row)
            rank = row.installed_rank
            cur.execute(
                "UPDATE schema_history SET checksum = %s, statements_total = %s WHERE installed_rank = %s",
                (f.checksum, total, rank),
            )
        else:
            if row is not None and not row.success:  # a failed repeatable runs again from the top
                cur.execute("DELETE FROM schema_history WHERE installed_rank = %s", (row.installed_rank,))
            cur.execute(
                "INSERT INTO schema_history (version, description, type, script, checksum, installed_by,"
                " success, statements_total) VALUES (%s, %s, %s, %s, %s, CURRENT_USER(), 0, %s)",
                (f.version, f.description, f.kind, f.script, f.checksum, total),
            )
            rank = cur.lastrowid
        conn.commit()
        verb = f"resuming at statement {resume + 1} of {total}" if resume else f"{total} statement(s)"
        self.echo(f"applying {f.script} ({verb})")
        started = time.monotonic()
        if resume:
            self._replay_settings(conn, f, resume)
        if row is not None and not row.success and row.running_statement == resume + 1:
            resume = self._settle_interrupted(conn, f, row, rank, resume)
        for number, statement in enumerate(f.statements[resume:], start=resume + 1):
            if self._lease is not None:
                self._lease.check()
            self._run_statement(conn, f, rank, number, statement)
        cur.execute(
            "UPDATE schema_history SET success = 1, execution_ms = %s, installed_on = CURRENT_TIMESTAMP"
            " WHERE installed_rank = %s",
            (int((time.monotonic() - started) * 1000), rank),
        )
        conn.commit()

    def _replay_settings(self, conn, f: MigrationFile, resume: int) -> None:
        """A resumed file gets the session settings its applied statements made (a SET
        lock_wait_timeout in statement 1 must still hold for the ALTER in statement 2)."""
        settings = [s for s in f.statements[:resume] if ddl.is_session_setting(s.sql)]
        cur = conn.cursor()
        for statement in settings:
            cur.execute(statement.sql)
            drain(cur)
        if settings:
            self.echo(f"  replayed {len(settings)} session setting(s) of the statements already applied")

    def _settle_interrupted(self, conn, f: MigrationFile, row: HistoryRow, rank: int, resume: int) -> int:
        """The previous run started statement resume+1 and never journalled it: wait while its
        connection still runs it, then ask the live schema whether it took effect."""
        number = resume + 1
        statement = f.statements[resume]
        self._wait_for_orphan(conn, row, number, statement.sql)
        cur = conn.cursor()
        verdict = ddl.took_effect(cur, statement.sql)
        conn.commit()
        if verdict.took_effect is None:
            raise MigrationError(
                f"{f.script}: statement {number} (line {statement.line}) was interrupted and the engine cannot "
                f"tell whether it took effect ({verdict.reason}):\n  {ddl.text_of(statement.sql)[:200]}\n"
                "Check the live schema by hand, then run `travel repair --interrupted applied` if it did, "
                "or `travel repair --interrupted not-run` if it did not"
            )
        if not verdict.took_effect:
            self.echo(f"  statement {number} was interrupted and had not taken effect ({verdict.reason}); running it")
            return resume
        self.echo(f"  statement {number} was interrupted after it took effect ({verdict.reason}); recorded, not re-run")
        self._journal(conn, rank, number, statement)
        return number

    def _await_orphans(self, conn) -> None:
        """First of all (planning and lint read the catalogue, which waits on a table being
        built): let a dead deployer's statement that still runs on the server finish."""
        files = {f.script: f for f in [*self.project.versioned(), *self.project.undo_files().values()]}
        for row in self.history(conn).values():
            f = files.get(row.script)
            number = row.running_statement if not row.success else None
            if f is not None and number and number <= len(f.statements):
                self._wait_for_orphan(conn, row, number, f.statements[number - 1].sql)

    def _wait_for_orphan(self, conn, row: HistoryRow, number: int, sql: str) -> None:
        """Connection ids restart with the server and are reused: the orphan is the recorded
        connection only while it still runs this very statement."""
        cur = conn.cursor()
        cur.execute("SELECT CONCAT(@@hostname, ':', @@port)")
        (server,) = cur.fetchone()
        if not row.running_connection or row.running_server != server:
            return  # another node's connection: Galera runs DDL in total order, it has finished
        head = " ".join(sql.split())[:40]
        told = False
        while True:
            cur.execute(
                "SELECT TIME, INFO FROM information_schema.PROCESSLIST WHERE ID = %s AND ID <> CONNECTION_ID()",
                (row.running_connection,),
            )
            found = cur.fetchone()
            conn.commit()
            info = found[1] if found else None
            info = info.decode(errors="replace") if isinstance(info, bytes | bytearray) else info
            if info is None or not " ".join(info.split()).startswith(head):
                return
            if not told:
                self.echo(
                    f"  waiting: connection {row.running_connection} of the previous deployer still runs statement "
                    f"{number} ({found[0]}s so far): {head}"
                )
                told = True
            time.sleep(0.25)

    def _run_statement(self, conn, f: MigrationFile, rank: int, number: int, statement) -> None:
        cur = conn.cursor()
        cur.execute(
            "UPDATE schema_history SET running_statement = %s, running_connection = CONNECTION_ID(),"
            " running_server = CONCAT(@@hostname, ':', @@port) WHERE installed_rank = %s",
            (number, rank),
        )
        conn.commit()
        try:
            self._execute_bounded(conn, f, number, statement)
        except mysql.connector.Error as err:
            conn.rollback()
            cur.execute(
                "UPDATE schema_history SET installed_on = CURRENT_TIMESTAMP, running_statement = NULL"
                " WHERE installed_rank = %s",
                (rank,),
            )
            conn.commit()
            raise MigrationError(
                f"{f.script}: statement {number} (line {statement.line}) failed: {err.msg} (errno {err.errno}).\n"
                f"Statements before it are applied and recorded. Fix the file and run `travel migrate`"
                " again: it resumes at this statement."
            ) from err
        if self.after_statement is not None:
            self.after_statement(f, number)
        self._journal(conn, rank, number, statement)

    def _journal(self, conn, rank: int, number: int, statement) -> None:
        # For DML the statement and its progress row commit together; DDL has committed already.
        cur = conn.cursor()
        cur.execute(
            "INSERT INTO schema_history_statements (installed_rank, statement_no, line, checksum)"
            " VALUES (%s, %s, %s, %s)",
            (rank, number, statement.line, statement.checksum),
        )
        cur.execute(
            "UPDATE schema_history SET statements_applied = %s, running_statement = NULL WHERE installed_rank = %s",
            (number, rank),
        )
        conn.commit()

    def _execute_bounded(self, conn, f: MigrationFile, number: int, statement) -> None:
        """Run a statement; when it times out waiting for a lock (1205), name who holds it, let
        the queue behind it drain, and try again up to lock_retries times."""
        for attempt in range(self.lock_retries + 1):
            cur = conn.cursor()
            try:
                cur.execute(self.statement_filter(statement.sql) if self.statement_filter else statement.sql)
                drain(cur)
                return
            except mysql.connector.Error as err:
                if err.errno != 1205 or attempt == self.lock_retries:
                    raise
                conn.rollback()
                blockers = lock_blockers(conn, ddl.target(statement.sql), self.lock_wait)
                pause = min(2**attempt * 0.5, 8)
                self.echo(
                    f"  statement {number} of {f.script} gave up a lock after {self.lock_wait:g}s "
                    f"(bookings wait at most that long behind it); blocked by: {blockers}; "
                    f"retry {attempt + 1} of {self.lock_retries} in {pause:g}s"
                )
                time.sleep(pause)

    # -- repair ------------------------------------------------------------------------
    def repair(self, lock_timeout: float = 60, interrupted: str | None = None) -> list[str]:
        """Forget failed runs (and their statement progress) so the next migrate retries them
        from the first statement, and realign the checksums of applied files whose statements
        did not change (a comment edited). With `interrupted` = applied | not-run, settle an
        interrupted statement the engine could not decide instead. Returns a line per script."""
        with self.lock(lock_timeout):
            conn = self.open()
            try:
                if interrupted is not None:
                    return self._settle_by_hand(conn, interrupted)
                done = self._forget_failed(conn) + self._realign(conn)
                conn.commit()
                return done
            finally:
                conn.close()

    def _forget_failed(self, conn) -> list[str]:
        failed = [row for row in self.history(conn).values() if not row.success]
        cur = conn.cursor()
        done = []
        for row in failed:
            cur.execute("DELETE FROM schema_history WHERE installed_rank = %s", (row.installed_rank,))
            done.append(
                f"{row.script}: failed run forgotten ({row.statements_applied} of "
                f"{row.statements_total} statements had been applied); the next migrate runs it from the start"
            )
        return done

    def _realign(self, conn) -> list[str]:
        """Flyway's repair: accept an edit of an applied file that changed no statement."""
        history = self.history(conn)
        cur = conn.cursor()
        done = []
        for f in self.project.versioned():
            row = history.get(f.script)
            if row is None or not row.success or row.checksum == f.checksum:
                continue
            applied = self.applied_statements(conn, row.installed_rank)
            if applied != [s.checksum for s in f.statements]:
                done.append(
                    f"{f.script}: NOT realigned: its statements changed since it was applied (not only comments"
                    " or blank lines); restore the file and fix forward with a new version"
                )
                continue
            cur.execute(
                "UPDATE schema_history SET checksum = %s WHERE installed_rank = %s", (f.checksum, row.installed_rank)
            )
            done.append(f"{f.script}: checksum realigned (only comments or blank lines changed)")
        return done

    def _settle_by_hand(self, conn, answer: str) -> list[str]:
        done = []
        files = {f.script: f for f in [*self.project.versioned(), *self.project.undo_files().values()]}
        for row in self.history(conn).values():
            if row.success or not row.running_statement or row.script not in files:
                continue
            f = files[row.script]
            number = row.running_statement
            if answer == "applied":
                self._journal(conn, row.installed_rank, number, f.statements[number - 1])
                done.append(f"{row.script}: statement {number} recorded as applied; migrate resumes after it")
            else:
                conn.cursor().execute(
                    "UPDATE schema_history SET running_statement = NULL WHERE installed_rank = %s",
                    (row.installed_rank,),
                )
                conn.commit()
                done.append(f"{row.script}: statement {number} recorded as not run; migrate runs it again")
        return done


def _done(row: HistoryRow | None) -> int:
    return row.statements_applied if row is not None and not row.success else 0


def _refuse_out_of_order(todo, versioned: list[MigrationFile], history: dict[str, HistoryRow]) -> None:
    """Flyway's default: a version below the newest applied one was added late; applying it
    silently would give this database a different order than every other."""
    applied = [f for f in versioned if (row := history.get(f.script)) is not None and row.success]
    if not applied:
        return
    newest = max(applied, key=lambda f: f.version_key)
    late = [f for f, row in todo if f.version and f.version_key < newest.version_key]
    if late:
        names = ", ".join(f.script for f in late)
        raise MigrationError(
            f"out of order: {names} pending, but {newest.script} is already applied. Give the file a version "
            f"above {newest.version}, or apply it anyway with `travel migrate --out-of-order`"
        )


def info_rows(files: list[MigrationFile], history: dict[str, HistoryRow]) -> list[InfoRow]:
    rows = []
    for f in files:
        row = history.get(f.script)
        rows.append(
            InfoRow(
                category="Versioned" if f.version else "Repeatable",
                version=f.version or "",
                description=f.description,
                script=f.script,
                state=_state(f, row),
                installed_on=row.installed_on if row else None,
                execution_ms=row.execution_ms if row else None,
                statements=f"{row.statements_applied}/{len(f.statements)}" if row else f"0/{len(f.statements)}",
            )
        )
    known = {f.script for f in files}
    for row in history.values():
        if row.script not in known and row.type != "UNDO":
            rows.append(
                InfoRow(
                    "Versioned" if row.version else "Repeatable",
                    row.version or "",
                    row.description,
                    row.script,
                    "missing",
                    row.installed_on,
                    row.execution_ms,
                    f"{row.statements_applied}/{row.statements_total}",
                )
            )
    return rows


def _state(f: MigrationFile, row: HistoryRow | None) -> str:
    if row is None:
        return "pending"
    if not row.success:
        return "failed"
    if row.checksum == f.checksum:
        return "applied"
    return "changed" if f.version else "pending"
