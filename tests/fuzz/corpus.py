"""The known-bad inputs of issue 14 (and what the fuzzer found since), one `Case` each.

Every case runs on every CI, three ways where the way exists: as a plain SQL CALL by the account
the product uses, through the harness function (what the CLI and API call), and through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .conftest import World

CUSTOMER = {
    "register_user",
    "get_login",
    "record_login",
    "search_trips",
    "create_reservation",
    "pay_reservation",
    "cancel_reservation",
    "get_reservation",
    "list_reservations",
    "purchase",
}
ADMIN = {"add_station", "add_carrier", "add_trip", "cancel_trip"}
HOUSEKEEPING = {"expire_reservations", "purge_expired_reservations"}
OUTS = {
    "get_login": 0,
    "record_login": 0,
    "search_trips": 0,
    "get_reservation": 0,
    "list_reservations": 0,
    "purchase": 2,
}


@dataclass
class Case:
    id: str
    procedure: str
    args: Callable[[World], tuple]  # the IN arguments, as bound on the SQL level
    errnos: set[int]  # the refusals the contract allows
    names: str  # the argument a refusal's message must name ("a|b": either)
    success_allowed: bool = False  # success is right too, when nothing was cut or lost
    harness_args: Callable[[World], tuple] | None = None  # where Python values differ from SQL ones


def _segments(trip_id: Any) -> str:
    return f'[{{"trip_id": {trip_id}, "fare_class": "economy"}}]'


def _book(passenger: str) -> Callable[[World], tuple]:
    return lambda w: (w.user_id, _segments(w.trip_id), passenger)


def _trip(departs: str) -> Callable[[World], tuple]:
    fares = '[{"fare_class": "economy", "capacity": 10, "price": "100.00", "currency": "EUR"}]'
    return lambda w: ("LH", "FZBAD", "FRA", "CDG", departs, "2031-06-01 12:00:00", fares, None)


def _pay(**change: Any) -> Callable[[World], tuple]:
    def args(w: World) -> tuple:
        call = {"amount": Decimal("100.00"), "currency": "EUR", "method": "card", "key": "corpus-key", **change}
        return (w.held_id, w.user_id, call["amount"], call["currency"], call["method"], call["key"])

    return args


LONG_NAME = "N" * 151
CASES = [
    *(
        Case(
            f"birth_date {day}",
            "create_reservation",
            _book(f'[{{"full_name": "Ada Lovelace", "birth_date": "{day}"}}]'),
            {50001},
            "birth_date",
        )  # fmt: skip
        for day in ("2023-02-30", "1900-02-29", "1990-13-45", "0000-00-00")
    ),
    Case(
        "trip_id 2^63",
        "create_reservation",
        lambda w: (w.user_id, _segments(2**63), '[{"full_name": "Ada"}]'),
        {50001},
        "trip_id",
    ),  # fmt: skip
    Case(
        "trip_id 1e400",
        "create_reservation",
        lambda w: (w.user_id, _segments("1e400"), '[{"full_name": "Ada"}]'),
        {50001},
        "trip_id",
    ),  # fmt: skip
    Case(
        "151-character passenger name",
        "create_reservation",
        _book(f'[{{"full_name": "{LONG_NAME}"}}]'),
        {50001},
        "full_name",
        success_allowed=True,
    ),  # fmt: skip
    Case(
        "passenger name not UTF-8",
        "create_reservation",
        lambda w: (w.user_id, _segments(w.trip_id), b'[{"full_name": "Ada \xff"}]'),
        {50001},
        "passengers|full_name",
        harness_args=lambda w: (w.user_id, _segments(w.trip_id), '[{"full_name": "Ada \\udcff"}]'),
    ),  # fmt: skip
    Case("record_login user -1", "record_login", lambda w: (-1, 1, "192.0.2.1"), {50001, 50002}, "user"),
    Case("add_trip departs_at 0000-00-00", "add_trip", _trip("0000-00-00"), {50001}, "departs_at"),
    Case(
        "purge_expired_reservations(3650000)",
        "purge_expired_reservations",
        lambda w: (3650000,),
        {50001},
        "days",
        success_allowed=True,
    ),  # fmt: skip
    Case(
        "search_trips date 0000-00-00", "search_trips", lambda w: ("FRA", "CDG", "0000-00-00", None, 1), {50001}, "date"
    ),  # fmt: skip
    Case("over-long currency", "pay_reservation", _pay(currency="EURO"), {50001}, "currency"),
    Case("currency of 3 characters, 5 bytes", "pay_reservation", _pay(currency="EU€"), {50001}, "currency"),
    Case(
        "idempotency key not UTF-8",
        "pay_reservation",
        _pay(key=b"key-\xff\xfe"),
        {50001},
        "idempotency_key",
        harness_args=_pay(key="key-\udcff"),
    ),  # fmt: skip
    Case("idempotency key of 65 characters", "pay_reservation", _pay(key="k" * 65), {50001}, "idempotency_key"),
    Case("amount out of range", "pay_reservation", _pay(amount=Decimal("1e12")), {50001}, "amount"),
    Case("reservation_id 2^63", "get_reservation", lambda w: (2**63, w.user_id), {50001}, "reservation_id"),
    Case(
        "reservation_id 1e400", "cancel_reservation", lambda w: ("1e400", w.user_id, None), {50001}, "reservation_id"
    ),  # fmt: skip
    Case(
        "email of 256 characters",
        "register_user",
        lambda w: ("a" * 244 + "@example.com", "h", "A", None),
        {50001},
        "email",
    ),  # fmt: skip
    Case(
        "passengers 2^31 in a search",
        "search_trips",
        lambda w: ("FRA", "CDG", "2031-06-01", None, 2**31),
        {50001},
        "passengers",
    ),  # fmt: skip
]
# Values only a Python caller can send: the harness must refuse them, naming the argument.
HARNESS_ONLY = [
    Case("amount with three decimals", "pay_reservation", _pay(amount=Decimal("100.001")), {50001}, "amount"),
    Case("amount NaN", "pay_reservation", _pay(amount=Decimal("NaN")), {50001}, "amount"),
    Case("amount not a number", "pay_reservation", _pay(amount="abc"), {50001}, "amount"),
    Case("user_id with a fraction", "list_reservations", lambda w: (w.user_id + 0.5, None), {50001}, "user_id"),
    Case(
        "full_name with a lone surrogate",
        "register_user",
        lambda w: ("s@example.com", "h", "Ada \udcff", None),
        {50001},
        "full_name",
    ),  # fmt: skip
]
