"""The migration engine: history, a deployer lock, resumable application, info and repair.

Flyway's model (versioned files once, in order; repeatables again when their checksum
changes), plus per-statement progress: MySQL DDL commits itself, so a file that fails half-way
is resumed after the fix from the first statement that did not run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import mysql.connector

from .db import COLLATION, DatabaseUrl, connect, drain
from .errors import MigrationError
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
    type VARCHAR(20) NOT NULL COMMENT 'SQL (versioned) or REPEATABLE',
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
    """CREATE TABLE IF NOT EXISTS schema_lock (
    lock_name VARCHAR(64) NOT NULL COMMENT 'Named lock held with GET_LOCK',
    connection_id BIGINT NOT NULL COMMENT 'Connection holding it',
    holder VARCHAR(300) NOT NULL COMMENT 'user@host of the holder',
    acquired_at DATETIME NOT NULL COMMENT 'When it was acquired (UTC)',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written',
    CONSTRAINT pk_schema_lock PRIMARY KEY (lock_name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci
  COMMENT = 'Who holds the deployer lock, for the message a waiting deployer prints'""",
]
ENGINE_TABLES = ("schema_history", "schema_history_statements", "schema_lock")

# The latest run of every script, in one query.
LATEST_HISTORY = """
WITH ranked AS (
    SELECT
        h.*,
        ROW_NUMBER() OVER (PARTITION BY h.script ORDER BY h.installed_rank DESC) AS recency
    FROM schema_history AS h
)
SELECT
    installed_rank, version, description, type, script, checksum, installed_by,
    installed_on, execution_ms, success, statements_applied, statements_total
FROM ranked
WHERE recency = 1
ORDER BY installed_rank
"""


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


class Migrator:
    def __init__(self, url: DatabaseUrl, project: Project, echo: Printer = print):
        if not url.database:
            raise MigrationError("the database URL names no database: mysql://user@host:port/DATABASE")
        self.url = url
        self.project = project
        self.echo = echo

    # -- connections -------------------------------------------------------------------
    def open(self):
        """A connection pinned to the migration session settings."""
        conn = connect(self.url)
        cur = conn.cursor()
        for statement in SESSION_SETUP:
            cur.execute(statement)
        cur.close()
        return conn

    @contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """One deployer at a time: a named lock held by a connection of its own, so it is
        released by the server if this process dies."""
        name = f"travel.migrate.{self.url.database}"[:64]
        conn = connect(self.url, autocommit=True)
        try:
            cur = conn.cursor()
            cur.execute("SELECT GET_LOCK(%s, %s)", (name, max(0, int(timeout))))
            (got,) = cur.fetchone()
            if got != 1:
                raise MigrationError(
                    f"another migration holds the lock {name!r}: {self._holder(cur, name)}; "
                    "wait for it to finish or raise --lock-timeout"
                )
            for ddl in HISTORY_DDL:
                cur.execute(ddl)
            cur.execute(
                "REPLACE INTO schema_lock (lock_name, connection_id, holder, acquired_at)"
                " SELECT %s, CONNECTION_ID(), CURRENT_USER(), UTC_TIMESTAMP()",
                (name,),
            )
            yield
        finally:
            conn.close()  # closing the session releases the named lock

    def _holder(self, cur, name: str) -> str:
        cur.execute(
            "SELECT p.ID, p.USER, p.HOST FROM information_schema.PROCESSLIST AS p WHERE p.ID = IS_USED_LOCK(%s)",
            (name,),
        )
        row = cur.fetchone()
        if row is None:
            return "the holder has just released it; try again"
        connection_id, user, host = row
        since = "unknown"
        try:
            cur.execute(
                "SELECT acquired_at FROM schema_lock WHERE lock_name = %s AND connection_id = %s", (name, connection_id)
            )
            found = cur.fetchone()
            since = f"{found[0]:%Y-%m-%d %H:%M:%S} UTC" if found else since
        except mysql.connector.Error:
            pass
        return f"connection {connection_id} ({user}@{host}) since {since}"

    # -- history -----------------------------------------------------------------------
    def history(self, conn) -> dict[str, HistoryRow]:
        """Latest history row per script; empty when the history table does not exist yet."""
        cur = conn.cursor()
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_history'"
        )
        if cur.fetchone()[0] == 0:
            return {}
        cur.execute(LATEST_HISTORY)
        rows = [HistoryRow(*row) for row in cur.fetchall()]
        conn.commit()
        return {row.script: row for row in rows}

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
    def plan(self, conn, target: str | None) -> list[tuple[MigrationFile, HistoryRow | None]]:
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
                " version (see `travel validate`)"
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
        latest = versioned[-1].version if versioned else None
        if target is None or target == latest:
            for f in repeatables:
                row = history.get(f.script)
                if row is None or not row.success or row.checksum != f.checksum:
                    todo.append((f, row))
        return todo

    def migrate(self, target: str | None = None, dry_run: bool = False, lock_timeout: float = 60) -> int:
        """Apply what is pending; returns the number of files applied (or that would be)."""
        if dry_run:
            return self._dry_run(target)
        self.check_database_collation()
        with self.lock(lock_timeout):
            conn = self.open()
            try:
                todo = self.plan(conn, target)
                if not todo:
                    self.echo(f"{self.url.database}: up to date, nothing to apply")
                for f, row in todo:
                    self._apply(conn, f, row)
                return len(todo)
            finally:
                conn.close()

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

    def _dry_run(self, target: str | None) -> int:
        conn = self.open()
        try:
            todo = self.plan(conn, target)
        finally:
            conn.close()
        self.echo(f"-- dry run against {self.url}: {len(todo)} file(s) would be applied; nothing changed")
        for statement in SESSION_SETUP:
            self.echo(f"{statement};")
        for f, row in todo:
            skip = self._resume_point(None, f, row) if row and f.version else 0
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
        if conn is None:
            conn = self.open()
            try:
                return self._resume_point(conn, f, row)
            finally:
                conn.close()
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
        if row is not None and not row.success and f.version:
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
        for number, statement in enumerate(f.statements[resume:], start=resume + 1):
            self._run_statement(conn, f, rank, number, statement)
        cur.execute(
            "UPDATE schema_history SET success = 1, execution_ms = %s, installed_on = CURRENT_TIMESTAMP"
            " WHERE installed_rank = %s",
            (int((time.monotonic() - started) * 1000), rank),
        )
        conn.commit()

    def _run_statement(self, conn, f: MigrationFile, rank: int, number: int, statement) -> None:
        cur = conn.cursor()
        try:
            cur.execute(statement.sql)
            drain(cur)
        except mysql.connector.Error as err:
            conn.rollback()
            cur.execute("UPDATE schema_history SET installed_on = CURRENT_TIMESTAMP WHERE installed_rank = %s", (rank,))
            conn.commit()
            raise MigrationError(
                f"{f.script}: statement {number} (line {statement.line}) failed: {err.msg} (errno {err.errno}).\n"
                f"Statements before it are applied and recorded. Fix the file and run `travel migrate`"
                " again: it resumes at this statement."
            ) from err
        # For DML the statement and its progress row commit together; DDL has committed already.
        cur.execute(
            "INSERT INTO schema_history_statements (installed_rank, statement_no, line, checksum)"
            " VALUES (%s, %s, %s, %s)",
            (rank, number, statement.line, statement.checksum),
        )
        cur.execute("UPDATE schema_history SET statements_applied = %s WHERE installed_rank = %s", (number, rank))
        conn.commit()

    # -- repair ------------------------------------------------------------------------
    def repair(self, lock_timeout: float = 60) -> list[str]:
        """Forget failed runs (and their statement progress) so the next migrate retries them
        from the first statement. Returns a line per repaired script."""
        with self.lock(lock_timeout):
            conn = self.open()
            try:
                failed = [row for row in self.history(conn).values() if not row.success]
                cur = conn.cursor()
                done = []
                for row in failed:
                    cur.execute("DELETE FROM schema_history WHERE installed_rank = %s", (row.installed_rank,))
                    done.append(
                        f"{row.script}: failed run forgotten ({row.statements_applied} of "
                        f"{row.statements_total} statements had been applied); the next migrate runs it from the start"
                    )
                conn.commit()
                return done
            finally:
                conn.close()


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
        if row.script not in known:
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
