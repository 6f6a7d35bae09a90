"""One Python function per stored procedure of CONTRACT.md: bound parameters, retries of
deadlocks and lock wait timeouts, and the contract's exception for each business error.

Every business rule lives in the procedures; these functions only marshal arguments (JSON for
lists) and results (dicts keyed by column name). The CLI, the API and the tests all use them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import mysql.connector

from .db import connection_on_cluster, drain, with_retry
from .errors import PARAMETER_ERRNOS, InvalidArgument, translate

Row = dict[str, Any]

# The IN parameters of every procedure of CONTRACT.md, in order, with their SQL types: the
# caller's name for each (the procedure's minus `p_`) is what an error message may say.
PARAMETERS: dict[str, tuple[tuple[str, str], ...]] = {
    "add_station": (
        ("code", "VARCHAR(10)"),
        ("name", "VARCHAR(200)"),
        ("city", "VARCHAR(100)"),
        ("country", "CHAR(2)"),
    ),
    "add_carrier": (("code", "VARCHAR(10)"), ("name", "VARCHAR(200)"), ("mode", "VARCHAR(5)")),
    "add_trip": (
        ("carrier_code", "VARCHAR(10)"),
        ("service_number", "VARCHAR(16)"),
        ("origin_code", "VARCHAR(10)"),
        ("destination_code", "VARCHAR(10)"),
        ("departs_at", "DATETIME"),
        ("arrives_at", "DATETIME"),
        ("fares", "JSON"),
        ("details", "JSON"),
    ),
    "cancel_trip": (("trip_id", "BIGINT"), ("reason", "VARCHAR(200)")),
    "register_user": (
        ("email", "VARCHAR(255)"),
        ("password_hash", "VARCHAR(255)"),
        ("full_name", "VARCHAR(200)"),
        ("phone", "VARCHAR(32)"),
    ),
    "get_login": (("email", "VARCHAR(255)"),),
    "record_login": (("user_id", "BIGINT"), ("success", "BOOLEAN"), ("ip", "VARCHAR(45)")),
    "search_trips": (
        ("origin_code", "VARCHAR(10)"),
        ("destination_code", "VARCHAR(10)"),
        ("date", "DATE"),
        ("mode", "VARCHAR(5)"),
        ("passengers", "INT"),
    ),
    "create_reservation": (("user_id", "BIGINT"), ("segments", "JSON"), ("passengers", "JSON")),
    "pay_reservation": (
        ("reservation_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("amount", "DECIMAL(12,2)"),
        ("currency", "CHAR(3)"),
        ("method", "VARCHAR(20)"),
        ("idempotency_key", "VARCHAR(64)"),
    ),
    "purchase": (
        ("user_id", "BIGINT"),
        ("segments", "JSON"),
        ("passengers", "JSON"),
        ("amount", "DECIMAL(12,2)"),
        ("currency", "CHAR(3)"),
        ("method", "VARCHAR(20)"),
        ("idempotency_key", "VARCHAR(64)"),
    ),
    "cancel_reservation": (("reservation_id", "BIGINT"), ("user_id", "BIGINT"), ("reason", "VARCHAR(200)")),
    "get_reservation": (("reservation_id", "BIGINT"), ("user_id", "BIGINT")),
    "list_reservations": (("user_id", "BIGINT"), ("status", "VARCHAR(10)")),
    "expire_reservations": (("batch_size", "INT"),),
    "purge_expired_reservations": (("older_than_days", "INT"),),
}


def end_transaction(conn) -> None:
    """Commit what the call left open (a procedure's reads, under autocommit off). The writing
    procedures commit their own work, and a COMMIT with nothing open would only cost a round trip."""
    if conn.in_transaction:
        conn.commit()


def check_arguments(name: str, args: tuple) -> None:
    """Refuse, as INVALID_ARGUMENT naming the argument, what the driver cannot send faithfully:
    text that is not valid Unicode (the driver would fail outside the contract), a number that
    is not finite (it would be sent as the bare word NaN), a fraction for an integer or more than
    two decimals for money (the server would round either in silence). Everything else, lengths
    and ranges included, is the server's to refuse; `call_error` words its answer."""
    for (arg, sql_type), value in zip(PARAMETERS.get(name, ()), args, strict=False):
        problem = _argument_problem(sql_type, value)
        if problem:
            raise InvalidArgument(f"INVALID_ARGUMENT: {arg} {problem}")


def _argument_problem(sql_type: str, value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid UTF-8 text"
        return None
    if isinstance(value, bool) or not isinstance(value, float | Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if isinstance(value, Decimal) and not value.is_finite():
        return "is not a finite number"
    exact = Decimal(str(value)) if isinstance(value, float) else value
    if sql_type in ("INT", "BIGINT", "BOOLEAN") and exact != exact.to_integral_value():
        return "must be a whole number"
    if sql_type.startswith("DECIMAL") and exact.normalize().as_tuple().exponent < -2:
        return "has more than two decimals"
    return None


def _call(conn, name: str, attempt) -> Any:
    """Run `attempt` with retries; a value the server refused to bind comes back naming the
    argument in the caller's words (with_retry alone cannot know the procedure's parameters)."""
    try:
        return with_retry(attempt, cluster=connection_on_cluster(conn))
    except InvalidArgument as err:
        cause = err.__cause__
        if isinstance(cause, mysql.connector.Error) and cause.errno in PARAMETER_ERRNOS:
            raise translate(cause, [arg for arg, _ in PARAMETERS.get(name, ())]) from cause
        raise


def call_out(conn, name: str, *args: Any, outs: int = 1) -> tuple:
    """CALL a procedure whose last `outs` parameters are OUT; returns their values.

    Two round trips: the CALL with bound IN values and session variables for the OUT ones, then
    a SELECT of those (cursor.callproc would first SET every argument into a variable: three)."""
    check_arguments(name, args)
    out_vars = [f"@_{name}_out{n}" for n in range(outs)]
    call = f"CALL {name}({', '.join(['%s'] * len(args) + out_vars)})"

    def attempt() -> tuple:
        try:
            cur = conn.cursor()
            cur.execute(call, args)
            drain(cur)
            values = ()
            if out_vars:
                cur.execute(f"SELECT {', '.join(out_vars)}")
                values = cur.fetchone()
            cur.close()
            end_transaction(conn)
            return tuple(values)
        except Exception:
            conn.rollback()
            raise

    return _call(conn, name, attempt)


def call_rows(conn, name: str, *args: Any) -> list[list[Row]]:
    """CALL a procedure that returns result sets; returns each set as a list of dicts."""

    check_arguments(name, args)

    def attempt() -> list[list[Row]]:
        try:
            cur = conn.cursor(dictionary=True)
            placeholders = ", ".join(["%s"] * len(args))
            cur.execute(f"CALL {name}({placeholders})", args)
            sets = []
            while True:
                if cur.with_rows:
                    sets.append(cur.fetchall())
                if not cur.nextset():
                    break
            cur.close()
            end_transaction(conn)
            return sets
        except Exception:
            conn.rollback()
            raise

    return _call(conn, name, attempt)


def _json(value: Any, name: str) -> str | None:
    """JSON text for a JSON argument. What JSON text cannot carry faithfully is refused here,
    naming where it sits: a float that is inf or NaN (a parsed 1e400; json.dumps would write the
    invalid word Infinity) and a string with a lone surrogate (not Unicode text)."""
    if value is None:
        return None
    problem = _json_problem(value, name)
    if problem:
        raise InvalidArgument(f"INVALID_ARGUMENT: {problem}")
    return json.dumps(value, default=str)


def _json_problem(value: Any, path: str) -> str | None:
    """What is wrong with the first bad leaf of `value`, with its path ("segments[0].trip_id")."""
    if isinstance(value, float | str):
        problem = _argument_problem("JSON", value)
        return f"{path} {problem}" if problem else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _json_problem(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found:
            return found
    return None


# -- administration -------------------------------------------------------------------------
def add_station(conn, code: str, name: str, city: str, country: str) -> int:
    return call_out(conn, "add_station", code, name, city, country)[0]


def add_carrier(conn, code: str, name: str, mode: str) -> int:
    return call_out(conn, "add_carrier", code, name, mode)[0]


def add_trip(
    conn,
    carrier_code: str,
    service_number: str,
    origin_code: str,
    destination_code: str,
    departs_at: dt.datetime | str,
    arrives_at: dt.datetime | str,
    fares: list[dict[str, Any]],
    details: dict[str, Any] | None = None,
) -> int:
    return call_out(
        conn,
        "add_trip",
        carrier_code,
        service_number,
        origin_code,
        destination_code,
        departs_at,
        arrives_at,
        _json(fares, "fares"),
        _json(details, "details"),
    )[0]


def cancel_trip(conn, trip_id: int, reason: str | None) -> int:
    return call_out(conn, "cancel_trip", trip_id, reason)[0]


# -- customers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Login:
    user_id: int
    password_hash: str
    status: str


def register_user(conn, email: str, password_hash: str, full_name: str, phone: str | None = None) -> int:
    return call_out(conn, "register_user", email, password_hash, full_name, phone)[0]


def get_login(conn, email: str) -> Login | None:
    (rows,) = call_rows(conn, "get_login", email)
    return Login(**rows[0]) if rows else None


def record_login(conn, user_id: int, success: bool, ip: str | None) -> None:
    call_out(conn, "record_login", user_id, success, ip, outs=0)


def search_trips(
    conn, origin_code: str, destination_code: str, date: dt.date | str, mode: str | None, passengers: int
) -> list[Row]:
    (rows,) = call_rows(conn, "search_trips", origin_code, destination_code, date, mode, passengers)
    return rows


def create_reservation(conn, user_id: int, segments: list[dict[str, Any]], passengers: list[dict[str, Any]]) -> int:
    return call_out(conn, "create_reservation", user_id, _json(segments, "segments"), _json(passengers, "passengers"))[
        0
    ]


def pay_reservation(
    conn,
    reservation_id: int,
    user_id: int,
    amount: Decimal | str,
    currency: str,
    method: str,
    idempotency_key: str,
) -> int:
    return call_out(
        conn, "pay_reservation", reservation_id, user_id, _amount(amount), currency, method, idempotency_key
    )[0]


def purchase(
    conn,
    user_id: int,
    segments: list[dict[str, Any]],
    passengers: list[dict[str, Any]],
    amount: Decimal | str,
    currency: str,
    method: str,
    idempotency_key: str,
) -> tuple[int, int]:
    """Hold and pay in one call and one commit; returns (reservation_id, payment_id)."""
    reservation_id, payment_id = call_out(
        conn, "purchase", user_id, _json(segments, "segments"), _json(passengers, "passengers"), _amount(amount),
        currency, method, idempotency_key, outs=2,
    )  # fmt: skip
    return reservation_id, payment_id


def _amount(value: Decimal | str | float | int | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidArgument(f'INVALID_ARGUMENT: amount {value!r} is not a decimal number like "120.00"') from None


def cancel_reservation(conn, reservation_id: int, user_id: int, reason: str | None = None) -> Decimal:
    return call_out(conn, "cancel_reservation", reservation_id, user_id, reason)[0]


@dataclass
class ReservationDetail:
    reservation: Row
    segments: list[Row]
    passengers: list[Row]
    money: list[Row]


def get_reservation(conn, reservation_id: int, user_id: int) -> ReservationDetail:
    reservation, segments, passengers, money = call_rows(conn, "get_reservation", reservation_id, user_id)
    return ReservationDetail(reservation[0], segments, passengers, money)


def list_reservations(conn, user_id: int, status: str | None = None) -> list[Row]:
    (rows,) = call_rows(conn, "list_reservations", user_id, status)
    return rows


# -- housekeeping ---------------------------------------------------------------------------
def expire_reservations(conn, batch_size: int = 1000) -> int:
    return call_out(conn, "expire_reservations", batch_size)[0]


def purge_expired_reservations(conn, older_than_days: int) -> int:
    return call_out(conn, "purge_expired_reservations", older_than_days)[0]


def refresh_reporting_facts(conn, batch_size: int = 500, max_batches: int = 1_000_000) -> int:
    """Fold pending reservations into the reporting tables until a whole pass is done (schema
    V0030; the event does it every 10 s). Returns the reservations written."""
    return call_out(conn, "refresh_reporting_facts", batch_size, max_batches)[0]


def schema_status(conn) -> tuple[list[Row], str, str]:
    """The latest history row per migration script, the event scheduler's state, and the
    `session_clock` setting (`session` means any caller can move the procedures' clock)."""
    history, (scheduler,), (clock,) = call_rows(conn, "schema_status")
    return history, scheduler["event_scheduler"], clock["session_clock"]
