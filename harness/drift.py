"""`travel validate`: applied files unchanged, nothing failed or missing, and no drift.

Drift is found by building the expected schema from the same files in a scratch database on
the same server and comparing the catalogues (tables, columns, indexes, constraints, routines,
views, triggers, events) object by object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import session_clock_warning
from .cluster import node_event_warnings
from .db import connect, drain
from .errors import MigrationError
from .migrate import ENGINE_TABLES, SESSION_SETUP, HistoryRow, Migrator
from .project import MigrationFile
from .scratch import disabled_event, scratch_database

# Each catalogue query yields (key, description) pairs for one schema, bound as %(schema)s.
# Auto-increment counters, row counts and timestamps are state, not schema, and are left out.
CATALOGUE = {
    "table": """
        SELECT TABLE_NAME, CONCAT_WS(' | ', TABLE_TYPE, ENGINE, TABLE_COLLATION, TABLE_COMMENT)
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = %(schema)s AND TABLE_TYPE = 'BASE TABLE'""",
    "column": """
        SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME),
               CONCAT_WS(' | ', ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, 'no default'),
                         EXTRA, IFNULL(CHARACTER_SET_NAME, ''), IFNULL(COLLATION_NAME, ''), COLUMN_COMMENT,
                         IFNULL(GENERATION_EXPRESSION, ''))
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %(schema)s""",
    "index": """
        SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME),
               CONCAT(IF(NON_UNIQUE = 0, 'UNIQUE ', ''), INDEX_TYPE, ' (',
                      GROUP_CONCAT(CONCAT(COLUMN_NAME, IFNULL(CONCAT('(', SUB_PART, ')'), ''))
                                   ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')')
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %(schema)s
        GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE""",
    "constraint": """
        SELECT CONCAT(tc.TABLE_NAME, '.', tc.CONSTRAINT_NAME),
               CONCAT_WS(' | ', tc.CONSTRAINT_TYPE, IFNULL(cc.CHECK_CLAUSE, ''),
                         IFNULL(CONCAT(rc.REFERENCED_TABLE_NAME, ' ON UPDATE ', rc.UPDATE_RULE,
                                       ' ON DELETE ', rc.DELETE_RULE), ''))
        FROM information_schema.TABLE_CONSTRAINTS AS tc
        LEFT JOIN information_schema.CHECK_CONSTRAINTS AS cc
            ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
            AND tc.CONSTRAINT_TYPE = 'CHECK'
        LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS AS rc
            ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
            AND rc.TABLE_NAME = tc.TABLE_NAME
        WHERE tc.TABLE_SCHEMA = %(schema)s""",
    "foreign key columns": """
        SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME),
               GROUP_CONCAT(CONCAT(COLUMN_NAME, ' -> ', REFERENCED_TABLE_NAME, '.', REFERENCED_COLUMN_NAME)
                            ORDER BY ORDINAL_POSITION SEPARATOR ', ')
        FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = %(schema)s AND REFERENCED_TABLE_NAME IS NOT NULL
        GROUP BY TABLE_NAME, CONSTRAINT_NAME""",
    "routine": """
        SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME),
               CONCAT_WS(' | ', IFNULL(DTD_IDENTIFIER, ''), SECURITY_TYPE, SQL_DATA_ACCESS, IS_DETERMINISTIC,
                         SQL_MODE, ROUTINE_COMMENT, IFNULL(SHA2(ROUTINE_DEFINITION, 256), 'unreadable'))
        FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %(schema)s""",
    "routine parameters": """
        SELECT CONCAT(ROUTINE_TYPE, ' ', SPECIFIC_NAME),
               GROUP_CONCAT(CONCAT_WS(' ', PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER)
                            ORDER BY ORDINAL_POSITION SEPARATOR ', ')
        FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = %(schema)s
        GROUP BY ROUTINE_TYPE, SPECIFIC_NAME""",
    "view": """
        SELECT TABLE_NAME, CONCAT_WS(' | ', SECURITY_TYPE, CHECK_OPTION,
                                     SHA2(REPLACE(VIEW_DEFINITION, CONCAT('`', %(schema)s, '`.'), ''), 256))
        FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %(schema)s""",
    "trigger": """
        SELECT TRIGGER_NAME,
               CONCAT_WS(' | ', ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_ORDER,
                         SQL_MODE, SHA2(ACTION_STATEMENT, 256))
        FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %(schema)s""",
    "event": """
        SELECT EVENT_NAME,
               CONCAT_WS(' | ', EVENT_TYPE, IFNULL(INTERVAL_VALUE, ''), IFNULL(INTERVAL_FIELD, ''),
                         ON_COMPLETION, SQL_MODE, EVENT_COMMENT, SHA2(EVENT_DEFINITION, 256),
                         -- on a replica or another Galera node the event is the same, only not run there
                         REPLACE(STATUS, 'SLAVESIDE_DISABLED', 'ENABLED'))
        FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %(schema)s""",
}


@dataclass
class Validation:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def snapshot(conn, schema: str) -> dict[str, str]:
    """Every schema object of `schema` as `kind name` -> description."""
    cur = conn.cursor()
    cur.execute("SET SESSION group_concat_max_len = 1048576")
    objects: dict[str, str] = {}
    for kind, query in CATALOGUE.items():
        cur.execute(query, {"schema": schema})
        for key, description in cur.fetchall():
            name = key.split(".")[0].split(" ")[-1]
            if name not in ENGINE_TABLES:
                objects[f"{kind} {key}"] = str(description)
    conn.commit()
    return objects


UNREADABLE = "unreadable"


def compare(live: dict[str, str], expected: dict[str, str]) -> list[str]:
    differences = []
    unreadable = []
    for key in sorted(expected.keys() - live.keys()):
        differences.append(f"drift: {key} is missing from the live schema")
    for key in sorted(live.keys() - expected.keys()):
        differences.append(f"drift: {key} exists in the live schema but in no migration")
    for key in sorted(live.keys() & expected.keys()):
        mine, theirs = live[key], expected[key]
        if mine.endswith(f"| {UNREADABLE}") and key.startswith("routine "):
            unreadable.append(key.split(" ", 2)[-1])
            mine, theirs = mine.rsplit(" | ", 1)[0], theirs.rsplit(" | ", 1)[0]
        if mine != theirs:
            hint = "; `travel migrate --reapply` restores it" if key.startswith(("routine", "view")) else ""
            differences.append(f"drift: {key} differs{hint}\n    live:     {live[key]}\n    expected: {expected[key]}")
    if unreadable:
        differences.append(
            f"cannot compare the bodies of {len(unreadable)} routine(s) ({', '.join(unreadable[:3])}, ...): this "
            "account cannot read routines it did not define. Grant it SELECT ON mysql.proc (MariaDB) or "
            "SHOW_ROUTINE (MySQL 8), as `travel accounts` does for travel_migrator"
        )
    return differences


def validate(migrator: Migrator, check_drift: bool = True) -> Validation:
    result = Validation()
    for row in migrator.info():
        where = f"{row.script}"
        if row.state == "changed":
            result.problems.append(
                f"changed: {where} differs from the version applied (checksum); if only comments changed, "
                "`travel repair` accepts it"
            )
        elif row.state == "missing":
            result.problems.append(f"missing: {where} was applied but the file is gone")
        elif row.state == "failed":
            result.problems.append(
                f"failed: {where} stopped after {row.statements} statements; fix it and run `travel migrate`"
                " (or `travel repair`)"
            )
        elif row.state == "pending" and row.installed_on is not None:
            result.problems.append(f"changed: {where} was edited since it was applied; run `travel migrate`")
        elif row.state == "pending":
            result.warnings.append(f"pending: {where} is not applied yet")
    result.warnings.extend(scheduler_warnings(migrator) + clock_warnings(migrator))
    unadopted = _unadopted(migrator)
    if unadopted:
        result.problems.append(unadopted)
        result.warnings = [w for w in result.warnings if not w.startswith("pending: ")]
    elif check_drift:
        result.problems.extend(drift(migrator))
    return result


def _unadopted(migrator: Migrator) -> str | None:
    """A database with tables and no history: one line, not a drift line per object."""
    conn = migrator.open()
    try:
        migrator._refuse_unadopted(conn)
    except MigrationError as err:
        return f"no history: {err}"
    finally:
        conn.close()
    return None


def clock_warnings(migrator: Migrator) -> list[str]:
    conn = connect(migrator.url)
    try:
        warning = session_clock_warning(conn)
    finally:
        conn.close()
    return [warning] if warning else []


def scheduler_warnings(migrator: Migrator) -> list[str]:
    conn = connect(migrator.url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT @@event_scheduler")
        (state,) = cur.fetchone()
        node_warnings = node_event_warnings(conn)  # SLAVESIDE_DISABLED on a Galera node or replica
    finally:
        conn.close()
    if str(state).upper() == "ON":
        return node_warnings
    return [
        f"event_scheduler is {state}: expiry and purge events will not run; "
        "SET GLOBAL event_scheduler = ON (and event_scheduler=ON in the server's config)",
        *node_warnings,
    ]


def applied_steps(migrator: Migrator, conn) -> list[tuple[MigrationFile, int]]:
    """Each file with how many of its statements the live history says ran: all of an applied
    file, the journalled ones of a failed or interrupted one; versions first, in order."""
    history = migrator.history(conn)
    steps = []
    for f in migrator.project.versioned() + migrator.project.repeatables():
        row: HistoryRow | None = history.get(f.script)
        if row is None:
            continue
        steps.append((f, len(f.statements) if row.success else row.statements_applied))
    return steps


def build(url, steps: list[tuple[MigrationFile, int]]) -> dict[str, str]:
    """Run the statements of `steps` in the (scratch) database at `url`, events disabled;
    returns the status each event was meant to have."""
    conn = connect(url, autocommit=True)
    intended: dict[str, str] = {}
    try:
        cur = conn.cursor()
        for statement in SESSION_SETUP:
            cur.execute(statement)
        for f, count in steps:
            for statement in f.statements[:count]:
                sql, event, status = disabled_event(statement.sql)
                cur.execute(sql)
                drain(cur)
                if event:
                    intended[event] = status
    finally:
        conn.close()
    return intended


def with_intended(objects: dict[str, str], intended: dict[str, str]) -> dict[str, str]:
    for name, status in intended.items():
        key = f"event {name}"
        if key in objects:
            objects[key] = objects[key].rsplit(" | ", 1)[0] + f" | {status}"
    return objects


def expected_snapshot(migrator: Migrator, steps, kind: str = "v") -> dict[str, str]:
    """The schema `steps` build, as the live database would show it."""
    with scratch_database(migrator.url, kind) as scratch:
        intended = build(scratch, steps)
        conn = connect(migrator.url, autocommit=True)
        try:
            objects = snapshot(conn, scratch.database)
        finally:
            conn.close()
    return with_intended(_renamed(objects, scratch.database, migrator.url.database), intended)


def drift(migrator: Migrator) -> list[str]:
    """Differences between the live schema and the applied files (exactly those, exactly as far
    as they ran) built in a scratch database: pending or failed files cause no false drift."""
    conn = migrator.open()
    try:
        steps = applied_steps(migrator, conn)
        live = snapshot(conn, migrator.url.database)
    finally:
        conn.close()
    return compare(live, expected_snapshot(migrator, steps))


def _renamed(objects: dict[str, str], old: str, new: str) -> dict[str, str]:
    return {key: value.replace(old, new) for key, value in objects.items()}
