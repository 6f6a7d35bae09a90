"""`travel lint`: what each pending statement will do to a live table, decided on this server.

For every pending statement: the algorithm the server will use, found for real by running it
on an empty scratch copy of the live tables with `ALGORITHM=INSTANT`, then `INPLACE, LOCK=NONE`,
then `INPLACE, LOCK=SHARED`, then as written (a copy); the live table's size; destructive changes
(a dropped table or column, a narrowed or retyped column, NOT NULL without a default), read from
the scratch catalogue before and after; and the safe alternative. Also flags SQL outside the
common MySQL 8 / MariaDB subset (shared/COMPAT.md) in every file.

Exit codes of `travel lint`: 0 nothing risky and nothing unportable; 3 a pending statement is
risky (migrate refuses it without --allow-risky); 4 only portability findings; 1 lint could not
run; 2 usage error.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import mysql.connector

from . import ddl
from .db import DatabaseUrl, connect, drain
from .migrate import ENGINE_TABLES, SESSION_SETUP
from .project import MigrationFile, Project
from .scratch import disabled_event, scratch_database

EXIT_OK, EXIT_RISKY, EXIT_PORTABILITY = 0, 3, 4
# A copy or a write-blocking in-place ALTER of a table with more rows than this blocks bookings
# for long enough to matter (measured: a MODIFY blocked them 2.1 s at 200,000 reservations).
COPY_ROWS_LIMIT = 1000
NOT_SUPPORTED = {1845, 1846}  # ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON)
TRIES = [
    ("instant", "ALGORITHM=INSTANT"),
    ("inplace", "ALGORITHM=INPLACE, LOCK=NONE"),
    ("inplace-locking", "ALGORITHM=INPLACE, LOCK=SHARED"),
]


@dataclass
class Verdict:
    script: str
    statement: int
    line: int
    sql: str
    kind: str  # ddl, data, setting
    table: str | None = None
    algorithm: str = "metadata"  # instant, inplace, inplace-locking, copy, new-table, metadata, data, unknown
    rows: int | None = None
    size_mb: float | None = None
    destructive: list[str] = field(default_factory=list)
    risky: bool = False
    alternative: str | None = None
    note: str | None = None

    def summary(self) -> str:
        size = f", {self.rows:,} rows, {self.size_mb:.1f} MB" if self.rows is not None else ""
        what = f" {'; '.join(self.destructive)}" if self.destructive else ""
        return f"{self.script}:{self.line} statement {self.statement}: {self.algorithm} on {self.table}{size}{what}"


@dataclass
class Finding:
    script: str
    line: int
    rule: str
    message: str


@dataclass
class LintReport:
    verdicts: list[Verdict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(v.risky for v in self.verdicts):
            return EXIT_RISKY
        return EXIT_PORTABILITY if self.findings else EXIT_OK

    def as_json(self) -> dict:
        return {
            "exit_code": self.exit_code,
            "risky": sum(v.risky for v in self.verdicts),
            "statements": [asdict(v) for v in self.verdicts],
            "portability": [asdict(f) for f in self.findings],
        }


# -- pending statements ---------------------------------------------------------------------
def lint_files(url: DatabaseUrl, files: list[MigrationFile], skip: dict[str, int] | None = None) -> LintReport:
    """Verdicts for the statements of `files` (those not yet applied: `skip[script]` leading
    ones are), against the live tables of `url`."""
    skip = skip or {}
    report = LintReport()
    live = _live_tables(url)
    if not files:
        return report
    if not live:  # nothing to lock or lose: every statement works on tables made in this release
        for f in files:
            for number, statement in enumerate(f.statements[skip.get(f.script, 0) :], start=skip.get(f.script, 0) + 1):
                report.verdicts.append(_plain(f, number, statement, "new-table"))
        return report
    with scratch_database(url, "l") as scratch:
        conn = connect(scratch, autocommit=True)
        try:
            cur = conn.cursor()
            _copy_tables(cur, url, live)
            for f in files:
                first = skip.get(f.script, 0)
                for number, statement in enumerate(f.statements[first:], start=first + 1):
                    report.verdicts.append(_judge(cur, f, number, statement, live))
        finally:
            conn.close()
    return report


def _live_tables(url: DatabaseUrl) -> dict[str, tuple[int, float]]:
    """Live base tables -> (rows, MB). Rows are counted exactly up to the limit (statistics say 0
    for a small table that has rows), estimated above it."""
    conn = connect(url, autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute("SET SESSION lock_wait_timeout = 10")  # never an unbounded wait behind a running ALTER
        cur.execute(
            "SELECT TABLE_NAME, TABLE_ROWS, (DATA_LENGTH + INDEX_LENGTH) / 1048576 FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
        )
        tables = {}
        for name, estimate, size in cur.fetchall():
            if name in ENGINE_TABLES:
                continue
            cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM `{name}` LIMIT {COPY_ROWS_LIMIT + 1}) AS sample")
            (counted,) = cur.fetchone()
            rows = counted if counted <= COPY_ROWS_LIMIT else max(int(estimate or 0), counted)
            tables[name] = (rows, float(size or 0))
        return tables
    finally:
        conn.close()


def _copy_tables(cur, url: DatabaseUrl, live: dict) -> None:
    """Empty copies of the live tables, foreign keys included (they change what ALTER can do)."""
    source = connect(url, autocommit=True)
    try:
        scur = source.cursor()
        for statement in SESSION_SETUP:
            cur.execute(statement)
        cur.execute("SET SESSION foreign_key_checks = 0")
        for name in live:
            scur.execute(f"SHOW CREATE TABLE `{name}`")
            cur.execute(scur.fetchone()[1])
    finally:
        source.close()


def _plain(f: MigrationFile, number: int, statement, algorithm: str) -> Verdict:
    kind = "ddl" if ddl.is_ddl(statement.sql) else "setting" if ddl.is_session_setting(statement.sql) else "data"
    t = ddl.target(statement.sql)
    return Verdict(
        f.script,
        number,
        statement.line,
        ddl.text_of(statement.sql)[:160],
        kind,
        table=(t.table or t.name) if t else None,
        algorithm=algorithm if kind == "ddl" else kind,
    )


def _judge(cur, f: MigrationFile, number: int, statement, live: dict) -> Verdict:
    verdict = _plain(f, number, statement, "metadata")
    t = ddl.target(statement.sql)
    table = verdict.table
    if verdict.kind != "ddl" or t is None or table not in live or t.kind not in ("TABLE", "INDEX"):
        if verdict.kind == "ddl" and t is not None and t.kind in ("TABLE", "INDEX") and table not in live:
            verdict.algorithm = "new-table"
        _advance(cur, statement.sql, verdict)
        return verdict
    verdict.rows, verdict.size_mb = live[table]
    before = _columns(cur, table)
    if t.verb == "DROP" and t.kind == "TABLE":
        verdict.destructive.append(f"drops table {table}")
        _advance(cur, statement.sql, verdict)
    elif t.verb == "ALTER" or t.kind == "INDEX":
        verdict.algorithm = _algorithm(cur, statement.sql, verdict)
        verdict.destructive += _destructive(before, _columns(cur, table), table)
    else:
        _advance(cur, statement.sql, verdict)
    _assess(verdict, statement.sql)
    return verdict


def _advance(cur, sql: str, verdict: Verdict) -> None:
    """Run the statement in the scratch copy so later statements see its effect."""
    try:
        cur.execute(disabled_event(sql)[0])
        drain(cur)
    except mysql.connector.Error as err:
        verdict.note = f"not checked on the scratch copy: {err.msg}"
        if verdict.kind == "ddl" and verdict.algorithm not in ("new-table", "metadata"):
            verdict.algorithm = "unknown"


def _with_algorithm(sql: str, clause: str) -> str:
    text = ddl.text_of(sql)
    if re.match(r"^ALTER\b", text, re.I):
        return f"{text}, {clause}"
    # MariaDB takes no algorithm clause on DROP INDEX (a syntax error, so the verdict was
    # "unknown"): the same change as ALTER TABLE, which both servers take it on.
    dropped = re.match(r"^DROP\s+INDEX\s+(\S+)\s+ON\s+(\S+)$", text, re.I)
    if dropped:
        return f"ALTER TABLE {dropped.group(2)} DROP INDEX {dropped.group(1)}, {clause}"
    return f"{text} {clause.replace(',', '')}"  # CREATE INDEX takes the clauses space-separated


def _algorithm(cur, sql: str, verdict: Verdict) -> str:
    if re.search(r"\bALGORITHM\s*=", ddl.text_of(sql), re.I):
        _advance(cur, sql, verdict)  # the file states it; the server refuses if it cannot
        stated = re.search(r"\bALGORITHM\s*=\s*(\w+)", sql, re.I).group(1).lower()
        return {"nocopy": "inplace"}.get(stated, stated)
    for name, clause in TRIES:
        try:
            cur.execute(_with_algorithm(sql, clause))
            return name
        except mysql.connector.Error as err:
            if err.errno not in NOT_SUPPORTED and "not supported" not in str(err.msg).lower():
                verdict.note = f"not checked on the scratch copy: {err.msg}"
                return "unknown"
    _advance(cur, sql, verdict)
    return "copy"


def _columns(cur, table: str) -> dict[str, tuple]:
    cur.execute(
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,"
        " IS_NULLABLE, COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        (table,),
    )
    return {row[0]: row[1:] for row in cur.fetchall()}


INT_RANK = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 5}


def _destructive(before: dict, after: dict, table: str) -> list[str]:
    found = []
    for name in before.keys() - after.keys():
        found.append(f"drops column {table}.{name}")
    for name in before.keys() & after.keys():
        old, new = before[name], after[name]
        if old[1] != new[1] and _narrower(old, new):
            found.append(f"narrows {table}.{name} from {old[1]} to {new[1]}")
        if old[5] == "YES" and new[5] == "NO":
            found.append(f"makes {table}.{name} NOT NULL (fails or rewrites existing NULLs)")
    for name in after.keys() - before.keys():
        new = after[name]
        no_default = new[6] is None and "auto_increment" not in (new[7] or "") and not new[8]
        if new[5] == "NO" and no_default:
            found.append(f"adds {table}.{name} NOT NULL without a default (existing rows get an implicit value)")
    return found


def _narrower(old: tuple, new: tuple) -> bool:
    """Whether the new type holds less than the old one (or is another kind altogether)."""
    if old[0] in INT_RANK and new[0] in INT_RANK:
        return INT_RANK[new[0]] < INT_RANK[old[0]] or ("unsigned" in new[1]) != ("unsigned" in old[1])
    if old[0] == new[0] and old[2] is not None and new[2] is not None:
        return new[2] < old[2]
    if old[0] == new[0] == "decimal":
        return (new[3] - new[4]) < (old[3] - old[4]) or new[4] < old[4]
    return old[0] != new[0]


def _assess(verdict: Verdict, sql: str) -> None:
    big = (verdict.rows or 0) > COPY_ROWS_LIMIT
    blocking = verdict.algorithm in ("copy", "inplace-locking", "unknown")
    verdict.risky = bool(verdict.destructive and verdict.rows) or (blocking and big)
    verdict.alternative = _alternative(verdict, sql, big)


def _alternative(verdict: Verdict, sql: str, big: bool) -> str | None:
    text = ddl.text_of(sql)
    advice = [_undestructive(change, verdict.table) for change in verdict.destructive]
    if verdict.algorithm in ("copy", "inplace-locking") and big:
        clauses = ", ".join(ddl.alter_clauses(sql)) or text
        advice.append(
            f'pt-online-schema-change --alter "{clauses}" D={{database}},t={verdict.table} --execute '
            "(copies in chunks while bookings continue; or split the change into online steps)"
        )
    elif verdict.algorithm in ("copy", "inplace-locking"):
        advice.append(f"small table: state the copy, {_with_algorithm(sql, 'ALGORITHM=COPY')}")
    elif verdict.algorithm in ("instant", "inplace") and not re.search(r"\bALGORITHM\s*=", text, re.I):
        clause = dict(TRIES)[verdict.algorithm]
        advice.append(f"pin it so it fails instead of copying on another server: {_with_algorithm(sql, clause)}")
    return " | ".join(advice) or None


def _undestructive(change: str, table: str | None) -> str:
    if change.startswith("drops column"):
        column = change.rsplit(".", 1)[-1]
        return (
            f"two releases: stop using {table}.{column} in procedures and views first; keep a copy "
            f"(CREATE TABLE {table}_{column}_backup AS SELECT <key>, {column} FROM {table}); then drop it"
        )
    if change.startswith("drops table"):
        return f"rename it first (RENAME TABLE {table} TO {table}_retired) and drop it a release later"
    if change.startswith("narrows"):
        column = change.split()[1].split(".", 1)[-1]
        return f"check nothing is cut first (SELECT MAX(CHAR_LENGTH({column})), MAX({column}) FROM {table})"
    if change.startswith("makes"):
        column = change.split()[1].split(".", 1)[-1]
        return f"backfill first, in batches (UPDATE {table} SET {column} = ... WHERE {column} IS NULL LIMIT 10000)"
    return "add it with a DEFAULT, or add it NULL, backfill in batches, then make it NOT NULL"


# -- portability (shared/COMPAT.md) ----------------------------------------------------------
PORTABILITY = [
    ("json-arrow", r"\w\s*->>?\s*'", "JSON ->/->> operators: use JSON_UNQUOTE(JSON_EXTRACT(...))"),
    (
        "create-or-replace-routine",
        r"\bCREATE\s+OR\s+REPLACE\s+(PROCEDURE|FUNCTION|TRIGGER|EVENT)\b",
        "CREATE OR REPLACE routine is MariaDB only: DROP ... IF EXISTS, then CREATE",
    ),
    ("returning", r"\bRETURNING\b", "RETURNING is MariaDB only"),
    ("sequence", r"\b(CREATE\s+SEQUENCE|NEXTVAL\s*\(|NEXT\s+VALUE\s+FOR)\b", "sequences are MariaDB only"),
    ("collation-0900", r"utf8mb4_0900_\w+", "utf8mb4_0900_* collations do not exist on MariaDB"),
    ("regexp-like", r"\bREGEXP_LIKE\s*\(", "REGEXP_LIKE is MySQL only: use REGEXP"),
    ("grouping", r"\bGROUPING\s*\(", "GROUPING() is MySQL only"),
    ("lateral", r"\bLATERAL\b", "LATERAL is MySQL only"),
    ("invisible", r"\bINVISIBLE\b", "invisible indexes/columns differ between the servers"),
    ("for-share", r"\bFOR\s+SHARE\b", "FOR SHARE is MySQL only: LOCK IN SHARE MODE"),
    ("definer", r"\bDEFINER\s*=", "omit DEFINER (the account differs per server)"),
    ("stacked-diagnostics", r"\bGET\s+STACKED\s+DIAGNOSTICS\b", "GET STACKED DIAGNOSTICS is MySQL only"),
    (
        "row-alias",
        r"\)\s+AS\s+\w+\s+ON\s+DUPLICATE\s+KEY\b",
        "row alias in ON DUPLICATE KEY is MySQL only: VALUES(col)",
    ),
    (
        "if-exists-clause",
        r"\b(ADD\s+(COLUMN\s+|(UNIQUE\s+)?(INDEX|KEY)\s+)?IF\s+NOT\s+EXISTS|CREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS"
        r"|DROP\s+(COLUMN|INDEX|KEY|FOREIGN\s+KEY|CONSTRAINT)\s+IF\s+EXISTS)\b",
        "IF [NOT] EXISTS on columns and indexes is MariaDB only",
    ),
    ("nocopy", r"\bALGORITHM\s*=\s*NOCOPY\b", "ALGORITHM=NOCOPY is MariaDB only"),
    (
        "isolation-variable",
        r"\b(tx_isolation|transaction_isolation)\b",
        "tx_isolation (MariaDB) / transaction_isolation (MySQL): use SET TRANSACTION ISOLATION LEVEL",
    ),
    ("not-atomic", r"\bBEGIN\s+NOT\s+ATOMIC\b", "BEGIN NOT ATOMIC is MariaDB only"),
    ("set-statement", r"\bSET\s+STATEMENT\b", "SET STATEMENT ... FOR is MariaDB only"),
    ("engine", r"\bENGINE\s*=\s*(?!InnoDB\b)\w+", "every table is InnoDB (Galera needs it too)"),
    ("system-versioning", r"\bWITH\s+SYSTEM\s+VERSIONING\b", "system-versioned tables are MariaDB only"),
    ("limit-in-subquery", r"\bIN\s*\(\s*SELECT\b[^()]*\bLIMIT\b", "LIMIT inside IN (subquery) fails on MySQL"),
    (  # column defaults only; a routine's DECLARE ... DEFAULT f() is fine on both
        "expression-default",
        r"^(CREATE|ALTER)\s+TABLE\b.*\bDEFAULT\s+(?!CURRENT_TIMESTAMP\b)[A-Za-z_]+\s*\(",
        "expression defaults need parentheses: DEFAULT (UUID())",
    ),
]


def portability(project: Project) -> list[Finding]:
    """SQL outside the common subset, in every file of the project."""
    files = [*project.versioned(), *project.undo_files().values(), *project.repeatables()]
    found = []
    for f in files:
        for statement in f.statements:
            text = _without_strings(ddl.text_of(statement.sql))
            for rule, pattern, message in PORTABILITY:
                if re.search(pattern, text, re.IGNORECASE):
                    found.append(Finding(f.script, statement.line, rule, message))
    return found


def _without_strings(text: str) -> str:
    """Quoted text emptied, so a message or comment string never matches a rule (but `x->'$.a'`
    still shows its operator)."""
    return re.sub(r"'(?:[^'\\]|\\.|'')*'", "''", text)


# -- the command --------------------------------------------------------------------------
def lint(migrator, target: str | None = None) -> LintReport:
    """Verdicts for what the next `migrate` would run, and portability findings for every file."""
    todo = migrator.pending(target)
    files = [f for f, row in todo if f.version]
    skip = {f.script: row.statements_applied for f, row in todo if row is not None and not row.success}
    report = lint_files(migrator.url, files, skip)
    report.findings = portability(migrator.project)
    return report


def render_text(report: LintReport, database: str) -> str:
    lines = []
    for v in report.verdicts:
        if v.kind != "ddl":
            continue
        mark = "RISKY" if v.risky else "ok"
        size = f" ({v.rows:,} rows, {v.size_mb:.1f} MB)" if v.rows is not None else ""
        lines.append(f"{mark:5} {v.script}:{v.line} [{v.algorithm}] {v.table or ''}{size}: {v.sql[:90]}")
        for change in v.destructive:
            lines.append(f"      destructive: {change}")
        if v.alternative:
            lines.append(f"      safe alternative: {v.alternative.replace('{database}', database)}")
        if v.note:
            lines.append(f"      note: {v.note}")
    if not any(v.kind == "ddl" for v in report.verdicts):
        lines.append("no pending schema change")
    for f in report.findings:
        lines.append(f"portability {f.script}:{f.line} [{f.rule}] {f.message}")
    risky = sum(v.risky for v in report.verdicts)
    lines.append(f"{risky} risky statement(s), {len(report.findings)} portability finding(s); exit {report.exit_code}")
    return "\n".join(lines)
