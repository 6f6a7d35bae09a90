"""One Python function per stored procedure of CONTRACT.md: bound parameters, retries of
deadlocks and lock wait timeouts, and the contract's exception for each business error.

Every business rule lives in the procedures; these functions only marshal arguments (JSON for
lists) and results (dicts keyed by column name). The CLI, the API and the tests all use them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .db import drain, with_retry

Row = dict[str, Any]


def end_transaction(conn) -> None:
    """Commit what the call left open (a procedure's reads, under autocommit off). The writing
    procedures commit their own work, and a COMMIT with nothing open would only cost a round trip."""
    if conn.in_transaction:
        conn.commit()


def call_out(conn, name: str, *args: Any, outs: int = 1) -> tuple:
    """CALL a procedure whose last `outs` parameters are OUT; returns their values.

    Two round trips: the CALL with bound IN values and session variables for the OUT ones, then
    a SELECT of those (cursor.callproc would first SET every argument into a variable: three)."""
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

    return with_retry(attempt)


def call_rows(conn, name: str, *args: Any) -> list[list[Row]]:
    """CALL a procedure that returns result sets; returns each set as a list of dicts."""

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

    return with_retry(attempt)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


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
        _json(fares),
        _json(details),
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
    return call_out(conn, "create_reservation", user_id, _json(segments), _json(passengers))[0]


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
        conn, "pay_reservation", reservation_id, user_id, Decimal(str(amount)), currency, method, idempotency_key
    )[0]


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


def schema_status(conn) -> tuple[list[Row], str]:
    """The latest history row per migration script, and the event scheduler's state."""
    history, (scheduler,) = call_rows(conn, "schema_status")
    return history, scheduler["event_scheduler"]
