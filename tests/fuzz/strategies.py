"""Hypothesis strategies for every IN parameter of CONTRACT.md's procedures.

Each argument is either a value that works in the fuzz world (a real user, a held reservation,
FRA->CDG, "EUR") or a hostile one for its SQL type: too long by one, far too long, empty, blank,
NULL, invalid UTF-8, numbers at and past the type's edges, impossible dates, JSON of the wrong
shape or with such values inside. Mixing the two lets calls reach deep into procedure bodies.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from harness.procedures import PARAMETERS

from .conftest import World

INT_EDGES = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64]
NUMBER_WORDS = ["1e400", "-1e400", "9223372036854775808", "abc", "", " 1", "0x10", "1.5"]
DATE_WORDS = ["0000-00-00", "2023-02-30", "1900-02-29", "1990-13-45", "2031-06-01", "9999-12-31", "0001-01-01",
              "2031-06-01 24:00:00", "2031-6-1", "today", "", "2031-06-01T09:00:00Z"]  # fmt: skip
TEXT_WORDS = ["' OR 1=1 -- ", "\\", "%", "_", "NULL", "\x00", "🚆" * 3, "Ａ", "e\u0301", "a\u200bb", " ", "\t"]
INVALID_UTF8 = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"ok\xfe", b"\xf4\x90\x80\x80"])
RAW_NUMBER = re.compile(r'"@raw:([^"]*)"')


def raw_number(text: str) -> str:
    """A JSON number json.dumps cannot write (1e400): a marker replaced after dumping."""
    return f"@raw:{text}"


def dumps(value: Any) -> str:
    return RAW_NUMBER.sub(lambda m: m.group(1), json.dumps(value, ensure_ascii=False))


def texts(length: int, raw_bytes: bool = True) -> st.SearchStrategy:
    """Text around `length` characters; with `raw_bytes`, also bytes that are not UTF-8 (a
    plain SQL argument can be; a string inside JSON cannot)."""
    choices = [
        st.text(max_size=length + 2),
        st.text(min_size=length + 1, max_size=length + 1),
        st.text(st.sampled_from("é🚆Ａ"), min_size=length - 49, max_size=length + 1) if length > 50 else st.nothing(),
        st.sampled_from(TEXT_WORDS),
        st.just("x" * (length * 4)),
        st.none(),
    ]
    return st.one_of(*choices, INVALID_UTF8) if raw_bytes else st.one_of(*choices)


def integers() -> st.SearchStrategy:
    return st.one_of(st.sampled_from(INT_EDGES), st.integers(-(2**65), 2**65), st.sampled_from(NUMBER_WORDS), st.none())


def decimals() -> st.SearchStrategy:
    return st.one_of(
        st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), allow_nan=False, allow_infinity=False),
        st.sampled_from(
            [
                Decimal("100.00"),
                Decimal("100.001"),
                Decimal("-0.01"),
                Decimal("9999999999.99"),
                Decimal("10000000000.00"),
                "1e400",
                "abc",
            ]
        ),  # fmt: skip
        st.none(),
    )


def dates(with_time: bool) -> st.SearchStrategy:
    shape = r"\A\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\Z" if with_time else r"\A\d{4}-\d{2}-\d{2}\Z"
    return st.one_of(st.sampled_from(DATE_WORDS), st.from_regex(shape), st.dates().map(str), st.none())


def json_number() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(INT_EDGES),
        st.sampled_from([raw_number("1e400"), raw_number("-0"), raw_number("1.0"), 1.5, "1", True, None]),
    )


def segments(world: World) -> st.SearchStrategy:
    trip = st.one_of(st.sampled_from([world.trip_id, world.usd_trip_id, world.cancelled_trip_id]), json_number())
    fare = st.one_of(st.sampled_from(["economy", "premium", "business", "first"]), st.text(max_size=12), st.none())
    segment = st.fixed_dictionaries({"trip_id": trip, "fare_class": fare})
    return st.one_of(st.lists(segment, max_size=5).map(dumps), json_junk())


def passengers() -> st.SearchStrategy:
    person = st.fixed_dictionaries(
        {"full_name": st.one_of(st.just("Ada Lovelace"), texts(200, raw_bytes=False), json_number())},
        optional={"birth_date": st.one_of(dates(False), json_number())},
    )
    return st.one_of(st.lists(person, max_size=10).map(dumps), json_junk())


def fares() -> st.SearchStrategy:
    fare = st.fixed_dictionaries(
        {
            "fare_class": st.one_of(st.sampled_from(["economy", "first"]), st.text(max_size=12)),
            "capacity": st.one_of(st.just(10), json_number()),
            "price": st.one_of(st.just("100.00"), st.sampled_from(["-1", "1e400", "0.001", "abc", ""]), json_number()),
            "currency": st.one_of(st.just("EUR"), texts(3, raw_bytes=False)),
        }
    )
    return st.one_of(st.lists(fare, max_size=5).map(dumps), json_junk())


def json_junk() -> st.SearchStrategy:
    """Not JSON, JSON of the wrong shape, or bytes that are not UTF-8."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
    shapes = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)  # fmt: skip
    return st.one_of(shapes.map(dumps), st.text(max_size=20), st.just("[" * 200 + "]" * 200), st.none(), INVALID_UTF8)


def valid_values(world: World) -> dict[str, list]:
    """Arguments that work in the fuzz world, by parameter name."""
    return {
        "user_id": [world.user_id, world.other_user_id],
        "reservation_id": [world.held_id, world.paid_id, world.cancelled_id],
        "trip_id": [world.cancelled_trip_id],  # cancel_trip: never the trips the world books on
        "amount": [Decimal("100.00")],
        "currency": ["EUR", "USD"],
        "method": ["card", "wallet", "bank_transfer"],
        "idempotency_key": [world.paid_key, "fuzz-key"],
        "email": [world.email, "new.customer@example.com"],
        "origin_code": [world.origin],
        "destination_code": [world.destination],
        "carrier_code": ["LH", "DB", "FLX"],
        "mode": ["air", "rail", "bus"],
        "country": ["DE"],
        "status": ["held", "confirmed", "cancelled", "expired"],
        "date": ["2031-06-01"],
        "departs_at": ["2031-07-01 09:00:00"],
        "arrives_at": ["2031-07-01 11:00:00"],
        "passengers": [1, 2],
        "batch_size": [1, 100],
        "older_than_days": [1, 30],
        "success": [0, 1],
        "ip": ["192.0.2.1"],
        "code": ["ZZ9"],
        "name": ["Fuzz Name"],
        "city": ["Fuzzville"],
        "full_name": ["Ada Lovelace"],
        "password_hash": ["argon2-hash"],
        "phone": ["+44 20 7946 0000"],
        "service_number": ["FZ100"],
        "reason": ["fuzz"],
    }


def hostile(world: World, name: str, sql_type: str) -> st.SearchStrategy:
    if name == "segments":
        return segments(world)
    if name == "passengers" and sql_type == "JSON":
        return passengers()
    if name == "fares":
        return fares()
    if sql_type == "JSON":
        return json_junk()
    if sql_type in ("INT", "BIGINT", "BOOLEAN"):
        return integers()
    if sql_type.startswith("DECIMAL"):
        return decimals()
    if sql_type in ("DATE", "DATETIME"):
        return dates(sql_type == "DATETIME")
    return texts(int(re.search(r"\((\d+)\)", sql_type).group(1)))


def good_json(world: World) -> dict[str, str | None]:
    return {
        "segments": dumps([{"trip_id": world.trip_id, "fare_class": "economy"}]),
        "passengers": dumps([{"full_name": "Ada Lovelace", "birth_date": "1990-12-10"}]),
        "fares": dumps([{"fare_class": "economy", "capacity": 10, "price": "100.00", "currency": "EUR"}]),
        "details": None,
    }


@st.composite
def arguments(draw, world: World, procedure: str) -> tuple:
    """IN arguments for `procedure`: values that work in the world, with up to three of them
    (none, sometimes) replaced by hostile ones, so each call probes a few things deep inside."""
    valid, json_ok = valid_values(world), good_json(world)
    specs = PARAMETERS[procedure]
    hostile_at = draw(st.sets(st.integers(0, len(specs) - 1), max_size=3))
    args = []
    for position, (name, sql_type) in enumerate(specs):
        if position in hostile_at:
            args.append(draw(hostile(world, name, sql_type)))
        elif sql_type == "JSON":
            args.append(json_ok[name])
        else:
            args.append(draw(st.sampled_from(valid[name])))
    return tuple(args)
