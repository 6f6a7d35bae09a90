"""What a migration statement is and what it does, read from its text: DDL or data, a session
setting, and whether an interrupted DDL statement already took effect in the live schema.

MySQL and MariaDB commit DDL on their own, so a deployer that dies (or whose server dies)
between a DDL statement and its journal row leaves the journal one statement behind the schema.
The engine records its intent before each statement; on resume it asks `took_effect` about that
statement instead of running it blind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .splitter import _strip_comments

_NAME = r"`?([A-Za-z0-9_$]+)`?(?:\s*\.\s*`?([A-Za-z0-9_$]+)`?)?"
DDL_VERBS = ("CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE")


def text_of(sql: str) -> str:
    """The statement without comments, on one line, for matching."""
    return re.sub(r"\s+", " ", _strip_comments(sql)).strip()


def first_word(sql: str) -> str:
    match = re.match(r"\s*([A-Za-z]+)", text_of(sql))
    return match.group(1).upper() if match else ""


def is_ddl(sql: str) -> bool:
    return first_word(sql) in DDL_VERBS


def is_session_setting(sql: str) -> bool:
    """`SET SESSION x = ...`, `SET x = ...`, `SET @v = ...`, `SET NAMES ...`: state of the
    connection that a resumed run must set again. Not `SET GLOBAL`/`PERSIST`, nor `SET timestamp`."""
    text = text_of(sql).upper()
    if not text.startswith("SET "):
        return False
    return not re.match(r"SET\s+(GLOBAL|PERSIST|PERSIST_ONLY|@@GLOBAL)\b", text)


def _name(match: re.Match, first: int) -> str:
    """The object name of a `[schema.]name` match (the last part)."""
    return match.group(first + 1) or match.group(first)


@dataclass(frozen=True)
class Target:
    verb: str  # CREATE, DROP, ALTER, RENAME
    kind: str  # TABLE, INDEX, VIEW, PROCEDURE, FUNCTION, TRIGGER, EVENT, DATABASE
    name: str
    table: str | None = None  # the table of an index or of an ALTER TABLE
    idempotent: bool = False  # IF [NOT] EXISTS / OR REPLACE: safe to run again


_CREATE_OBJECT = re.compile(
    r"^CREATE\s+(OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?"
    r"(TABLE|VIEW|PROCEDURE|FUNCTION|TRIGGER|EVENT)\s+(IF\s+NOT\s+EXISTS\s+)?" + _NAME,
    re.IGNORECASE,
)
_CREATE_INDEX = re.compile(
    r"^CREATE\s+(OR\s+REPLACE\s+)?(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?\s+ON\s+"
    + _NAME,
    re.IGNORECASE,
)
_DROP_OBJECT = re.compile(
    r"^DROP\s+(?:TEMPORARY\s+)?(TABLE|VIEW|PROCEDURE|FUNCTION|TRIGGER|EVENT)\s+(IF\s+EXISTS\s+)?" + _NAME,
    re.IGNORECASE,
)
_DROP_INDEX = re.compile(r"^DROP\s+INDEX\s+(IF\s+EXISTS\s+)?`?(\w+)`?\s+ON\s+" + _NAME, re.IGNORECASE)
_ALTER_TABLE = re.compile(r"^ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+" + _NAME + r"\s+(.*)$", re.IGNORECASE)
_RENAME_TABLE = re.compile(r"^RENAME\s+TABLE\s+" + _NAME + r"\s+TO\s+" + _NAME, re.IGNORECASE)


def target(sql: str) -> Target | None:
    """The object a DDL statement creates, drops or alters, when its text says so plainly."""
    text = text_of(sql)
    if m := _CREATE_INDEX.match(text):
        return Target("CREATE", "INDEX", m.group(3), _name(m, 4), bool(m.group(1) or m.group(2)))
    if m := _CREATE_OBJECT.match(text):
        return Target("CREATE", m.group(2).upper(), _name(m, 4), None, bool(m.group(1) or m.group(3)))
    if m := _DROP_INDEX.match(text):
        return Target("DROP", "INDEX", m.group(2), _name(m, 3), bool(m.group(1)))
    if m := _DROP_OBJECT.match(text):
        return Target("DROP", m.group(1).upper(), _name(m, 3), None, bool(m.group(2)))
    if m := _ALTER_TABLE.match(text):
        return Target("ALTER", "TABLE", _name(m, 1), _name(m, 1))
    if m := _RENAME_TABLE.match(text):
        return Target("RENAME", "TABLE", _name(m, 3), _name(m, 1))
    if re.match(r"^ALTER\s+(EVENT|VIEW|DATABASE|SCHEMA)\b", text, re.IGNORECASE):
        return Target("ALTER", text.split()[1].upper(), "", None, True)  # restates the object: re-runnable
    return None


def alter_clauses(sql: str) -> list[str]:
    """The comma-separated clauses of an ALTER TABLE, split outside parentheses and quotes."""
    match = _ALTER_TABLE.match(text_of(sql))
    if not match:
        return []
    body, clauses, depth, quote, start = match.group(3), [], 0, "", 0
    for i, ch in enumerate(body):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            clauses.append(body[start:i].strip())
            start = i + 1
    clauses.append(body[start:].strip())
    return [c for c in clauses if c]


# One checkable ALTER TABLE clause: (regex, catalogue question, expected answer).
_CLAUSES = [
    (
        r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?\s+(?!KEY\b|INDEX\b|UNIQUE\b|CONSTRAINT\b)",
        "column",
        True,
    ),
    (
        r"^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?`?(?!INDEX\b|KEY\b|FOREIGN\b|CONSTRAINT\b|PRIMARY\b)(\w+)`?$",
        "column",
        False,
    ),
    (r"^ADD\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?(?:INDEX|KEY)\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?", "index", True),
    (r"^ADD\s+CONSTRAINT\s+`?(\w+)`?", "constraint", True),
    (r"^DROP\s+(?:INDEX|KEY)\s+(?:IF\s+EXISTS\s+)?`?(\w+)`?", "index", False),
    (r"^DROP\s+(?:FOREIGN\s+KEY|CONSTRAINT|CHECK)\s+(?:IF\s+EXISTS\s+)?`?(\w+)`?", "constraint", False),
    (r"^RENAME\s+COLUMN\s+`?\w+`?\s+TO\s+`?(\w+)`?", "column", True),
    (r"^RENAME\s+(?:INDEX|KEY)\s+`?\w+`?\s+TO\s+`?(\w+)`?", "index", True),
]

_EXISTS = {
    "TABLE": "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
    "VIEW": "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
    "PROCEDURE": "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
    " AND ROUTINE_TYPE = 'PROCEDURE' AND ROUTINE_NAME = %s",
    "FUNCTION": "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
    " AND ROUTINE_TYPE = 'FUNCTION' AND ROUTINE_NAME = %s",
    "TRIGGER": "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = %s",
    "EVENT": "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() AND EVENT_NAME = %s",
    "column": "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
    " AND TABLE_NAME = %s AND COLUMN_NAME = %s",
    "index": "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
    " AND TABLE_NAME = %s AND INDEX_NAME = %s",
    "constraint": "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
    " AND TABLE_NAME = %s AND CONSTRAINT_NAME = %s",
}
_EXISTS["INDEX"] = _EXISTS["index"]


def _exists(cur, kind: str, *names: str) -> bool:
    cur.execute(_EXISTS[kind], names)
    (count,) = cur.fetchone()
    return count > 0


@dataclass(frozen=True)
class Verdict:
    """Whether an interrupted statement took effect: True, False, or None (cannot tell)."""

    took_effect: bool | None
    reason: str


def took_effect(cur, sql: str) -> Verdict:
    """Decide from the live catalogue whether a DDL statement ran to completion. DDL is atomic
    (one ALTER TABLE either applied all its clauses or none), so one checkable part decides."""
    if not is_ddl(sql):
        # Data statements commit together with their journal row: not recorded means rolled back.
        return Verdict(False, "a data statement commits with its journal row, so it did not take effect")
    t = target(sql)
    if t is None:
        return Verdict(None, "the engine cannot tell this kind of statement from the catalogue")
    if t.idempotent:
        return Verdict(False, "the statement is written to be run again (IF [NOT] EXISTS / OR REPLACE)")
    if t.kind == "INDEX":
        present = _exists(cur, "index", t.table, t.name)
        return Verdict(present == (t.verb == "CREATE"), f"index {t.table}.{t.name} {_is(present)}")
    if t.verb == "RENAME":
        present = _exists(cur, "TABLE", t.name)
        return Verdict(present, f"table {t.name} {_is(present)}")
    if t.verb in ("CREATE", "DROP") and t.kind in _EXISTS:
        present = _exists(cur, t.kind, t.name)
        return Verdict(present == (t.verb == "CREATE"), f"{t.kind.lower()} {t.name} {_is(present)}")
    if t.verb == "ALTER" and t.kind == "TABLE":
        return _alter_took_effect(cur, sql, t.table)
    return Verdict(None, "the engine cannot tell this kind of statement from the catalogue")


def _alter_took_effect(cur, sql: str, table: str) -> Verdict:
    for clause in alter_clauses(sql):
        for pattern, kind, wanted in _CLAUSES:
            m = re.match(pattern, clause, re.IGNORECASE)
            if m:
                present = _exists(cur, kind, table, m.group(1))
                return Verdict(present == wanted, f"{kind} {table}.{m.group(1)} {_is(present)}")
    return Verdict(None, f"no clause of this ALTER TABLE {table} can be checked in the catalogue (MODIFY, CHANGE, ...)")


def _is(present: bool) -> str:
    return "exists" if present else "does not exist"
