"""Judges one call against CONTRACT.md's rules for bad input.

A refusal is a catalogued errno (50001-50008) whose message is the contract's `CODE: detail`,
never a server text or an internal name; it changes no table and leaves no transaction open.
The one other refusal a plain SQL caller can meet is the server refusing to bind a value to a
parameter (too long, out of range, not UTF-8): the procedure never ran, and the harness must
word it as INVALID_ARGUMENT naming the argument. Anything else is a contract breach, recorded
as a `Problem` (one per procedure and kind, with the first call that showed it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import mysql.connector

from harness.errors import BUSINESS_ERRORS, PARAMETER_ERRNOS, TravelError, translate
from harness.procedures import PARAMETERS

CODES = {errno: cls.code for errno, cls in BUSINESS_ERRORS.items()}
# What a server's own error text looks like, and internal names: none may reach a caller.
RAW_TEXT = re.compile(
    r"\b[pv]_[a-z_]+\b|for column|at row \d|Incorrect \w+ value|Out of range value|Data too long|Truncated"
    r"|Duplicate entry|foreign key constraint|CONSTRAINT `|Datetime function|SQL syntax|SQLSTATE|\(\d{4,5}\)"
)
BINDING_COLUMN = re.compile(r"for column (?:`[^`]*`\.)*[`']p_(\w+)[`']")


@dataclass
class Problem:
    procedure: str
    kind: str
    call: str
    detail: str

    def __str__(self) -> str:
        return f"{self.procedure}: {self.kind}\n    call: {self.call}\n    got:  {self.detail}"


@dataclass
class Outcome:
    ok: bool
    errno: int = 0
    message: str = ""
    values: tuple = ()
    binding: str | None = None  # the argument the server refused to bind, if that is what failed


def table_checksums(cur) -> dict[str, Any]:
    """CHECKSUM TABLE of every base table in one statement: equal means nothing changed."""
    cur.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
    )
    tables = [row[0] for row in cur.fetchall()]
    cur.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
    return {row[0]: row[1] for row in cur.fetchall()}


def clean_message(message: str) -> str | None:
    """Why a refusal's message breaks the contract, or None when it is fine."""
    raw = RAW_TEXT.search(message)
    return f"message carries server text or an internal name ({raw.group(0)!r})" if raw else None


def sql_call(conn, name: str, args: tuple, outs: int) -> Outcome:
    """CALL with bound values, as a plain SQL client would (no harness checks in between)."""
    out_vars = [f"@fz_out{n}" for n in range(outs)]
    cur = conn.cursor()
    try:
        cur.execute(f"CALL {name}({', '.join(['%s'] * len(args) + out_vars)})", args)
        while True:
            if cur.with_rows:
                cur.fetchall()
            if not cur.nextset():
                break
        values = ()
        if out_vars:
            cur.execute(f"SELECT {', '.join(out_vars)}")
            values = cur.fetchone()
        return Outcome(True, values=tuple(values))
    except mysql.connector.Error as err:
        message = err.msg or str(err)
        binding = BINDING_COLUMN.search(message) if err.errno in PARAMETER_ERRNOS else None
        names = [arg for arg, _ in PARAMETERS.get(name, ())]
        argument = binding.group(1) if binding and binding.group(1) in names else None
        return Outcome(False, err.errno, message, binding=argument)
    finally:
        cur.close()


def short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


@dataclass
class Referee:
    """Calls procedures as `conn`'s account and records every breach of the contract.

    `root` reads the checksums (the application account may read no table)."""

    root: Any
    problems: dict[tuple[str, str], Problem] = field(default_factory=dict)
    calls: int = 0
    refusals: int = 0
    outcomes: Counter = field(default_factory=Counter)  # errno (0: success) -> calls

    def __post_init__(self):
        self.snapshot = self._checksums()

    def _checksums(self) -> dict[str, Any]:
        cur = self.root.cursor()
        sums = table_checksums(cur)
        cur.close()
        self.root.commit()
        return sums

    def note(self, procedure: str, kind: str, call: str, detail: str) -> None:
        self.problems.setdefault((procedure, kind), Problem(procedure, kind, call, detail))

    def call(self, conn, name: str, args: tuple, outs: int = 1) -> Outcome:
        self.calls += 1
        outcome = sql_call(conn, name, args, outs)
        self.outcomes[outcome.errno] += 1
        shown = f"CALL {name}({', '.join(short(a, 80) for a in args)})"
        self._check_transaction(conn, name, shown)
        if outcome.ok:
            self.snapshot = self._checksums()
            return outcome
        self.refusals += 1
        self._check_refusal(name, outcome, shown)
        after = self._checksums()
        if after != self.snapshot:
            changed = sorted(t for t in after if after[t] != self.snapshot.get(t))
            self.note(
                name, "a refused call changed data", shown, f"{outcome.errno} {outcome.message}; tables {changed}"
            )
            self.snapshot = after
        return outcome

    def call_harness(self, conn, name: str, args: tuple, outs: int = 1) -> Outcome:
        """The same call through the harness (what the CLI and API use): a refusal must come
        out as the contract's exception, never a driver or Python error."""
        from harness import procedures as sp

        self.calls += 1
        shown = f"harness {name}({', '.join(short(a, 80) for a in args)})"
        try:
            values = sp.call_rows(conn, name, *args) if outs == 0 else sp.call_out(conn, name, *args, outs=outs)
            outcome = Outcome(True, values=tuple(values))
        except TravelError as err:
            outcome = Outcome(False, err.errno, str(err))
        except Exception as err:  # noqa: BLE001 - any other exception is the finding
            self.note(name, f"harness raised {type(err).__name__}", shown, str(err)[:300])
            outcome = Outcome(False, -1, str(err))
        self.outcomes[outcome.errno] += 1
        if conn.in_transaction:
            self.note(name, "the harness left a transaction open", shown, "conn.in_transaction")
            conn.rollback()
        if outcome.ok:
            self.snapshot = self._checksums()
            return outcome
        self.refusals += 1
        if outcome.errno in CODES:
            self._check_refusal(name, outcome, shown)
        elif outcome.errno != -1:
            self.note(name, f"harness let error {outcome.errno} through", shown, outcome.message[:300])
        self._check_unchanged(name, outcome, shown)
        return outcome

    def _check_unchanged(self, name: str, outcome: Outcome, shown: str) -> None:
        after = self._checksums()
        if after != self.snapshot:
            changed = sorted(t for t in after if after[t] != self.snapshot.get(t))
            self.note(
                name, "a refused call changed data", shown, f"{outcome.errno} {outcome.message}; tables {changed}"
            )
            self.snapshot = after

    def _check_transaction(self, conn, name: str, shown: str) -> None:
        cur = conn.cursor()
        cur.execute("SELECT @@in_transaction")
        (open_,) = cur.fetchone()
        cur.close()
        if open_:
            self.note(name, "a transaction was left open", shown, "@@in_transaction = 1 after the call")
            conn.rollback()

    def _check_refusal(self, name: str, outcome: Outcome, shown: str) -> None:
        got = f"{outcome.errno} {outcome.message}"
        if outcome.errno in CODES:
            code, _, detail = outcome.message.partition(": ")
            if code != CODES[outcome.errno]:
                self.note(name, f"errno {outcome.errno} without its code prefix", shown, got)
            elif clean_message(detail):
                self.note(name, f"{CODES[outcome.errno]} message not in the contract's words", shown, got)
        elif outcome.binding:
            self._check_harness_wording(name, outcome, shown)
        else:
            self.note(name, f"raw server error {outcome.errno}", shown, got)

    def _check_harness_wording(self, name: str, outcome: Outcome, shown: str) -> None:
        """The server refused to bind a value: the harness's translation must name it."""
        err = mysql.connector.Error(msg=outcome.message, errno=outcome.errno)
        names = [arg for arg, _ in PARAMETERS.get(name, ())]
        translated = translate(err, names)
        message = str(translated).partition(": ")[2]
        if not isinstance(translated, TravelError) or translated.errno != 50001:
            self.note(name, "harness does not map a binding error to 50001", shown, repr(translated))
        elif outcome.binding not in message or clean_message(message):
            self.note(name, "harness wording of a binding error", shown, message)

    def report(self) -> str:
        lines = [f"{len(self.problems)} contract breach(es) in {self.calls} calls ({self.refusals} refused):"]
        lines += [str(p) for p in self.problems.values()]
        return "\n".join(lines)
