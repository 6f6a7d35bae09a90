"""The committed corpus of known-bad inputs (corpus.py), on the SQL level and through the harness,
and idempotency keys that differ only in case or trailing spaces: different keys."""

from __future__ import annotations

from decimal import Decimal

import pytest

from harness import procedures as sp
from harness.errors import BusinessError, TravelError

from .conftest import World
from .corpus import ADMIN, CASES, CUSTOMER, HARNESS_ONLY, OUTS, Case
from .referee import Referee, clean_message, table_checksums


def account_url(world: World, procedure: str):
    if procedure in CUSTOMER:
        return world.app_url
    return world.admin_url if procedure in ADMIN else world.root_url


def names_argument(message: str, names: str) -> bool:
    return any(name in message for name in names.split("|"))


def stored_in_full(world: World, root_conn, case: Case, values: tuple) -> None:
    """A success is right only when nothing was cut: the long name is stored as given."""
    if case.procedure == "create_reservation":
        cur = root_conn.cursor()
        cur.execute("SELECT full_name FROM passengers WHERE reservation_id = %s", (values[0],))
        stored = [row[0] for row in cur.fetchall()]
        root_conn.commit()
        assert stored and all(len(name) == 151 for name in stored), f"name stored cut to {stored}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_plain_sql_call_is_refused_in_the_contracts_words(world, root_conn, case: Case):
    referee = Referee(root_conn)
    conn = world.connect(account_url(world, case.procedure))
    outcome = referee.call(conn, case.procedure, case.args(world), OUTS.get(case.procedure, 1))
    conn.close()
    assert not referee.problems, referee.report()
    if outcome.ok:
        assert case.success_allowed, f"accepted {case.id}: {outcome.values}"
        stored_in_full(world, root_conn, case, outcome.values)
    else:
        assert outcome.errno in case.errnos or outcome.binding, f"{outcome.errno} {outcome.message}"


@pytest.mark.parametrize("case", CASES + HARNESS_ONLY, ids=lambda c: c.id)
def test_the_harness_refuses_naming_the_argument(world, root_conn, case: Case):
    """What the CLI and the API see: the contract's exception, a message naming the argument."""
    conn = world.connect(account_url(world, case.procedure), autocommit=False)
    args = (case.harness_args or case.args)(world)
    cur = root_conn.cursor()
    before = table_checksums(cur)
    root_conn.commit()
    try:
        if OUTS.get(case.procedure, 1) == 0:
            result = sp.call_rows(conn, case.procedure, *args)
        else:
            result = sp.call_out(conn, case.procedure, *args)
    except TravelError as err:
        assert isinstance(err, BusinessError) and err.errno in case.errnos, f"{type(err).__name__} {err}"
        detail = str(err).partition(": ")[2]
        assert not clean_message(detail), clean_message(detail) + f": {detail!r}"
        assert names_argument(detail, case.names), f"message does not name {case.names}: {detail!r}"
        assert table_checksums(cur) == before, "a refused call changed data"
        assert not conn.in_transaction
    else:
        assert case.success_allowed, f"accepted {case.id}: {result}"
    finally:
        root_conn.commit()
        conn.close()


# -- idempotency keys ---------------------------------------------------------------------
def held(world: World, conn, user_id: int | None = None) -> int:
    segments = [{"trip_id": world.trip_id, "fare_class": "economy"}]
    return sp.create_reservation(conn, user_id or world.user_id, segments, [{"full_name": "Key Tester"}])


def pay(conn, reservation_id: int, user_id: int, key: str) -> int:
    return sp.pay_reservation(conn, reservation_id, user_id, Decimal("100.00"), "EUR", "card", key)


TWINS = {"lower case": str.lower, "upper case": str.upper, "a trailing space": lambda k: k + " ",
         "two trailing spaces": lambda k: k + "  "}  # fmt: skip


@pytest.mark.parametrize("twin_of", TWINS.values(), ids=TWINS.keys())
def test_keys_differing_only_in_case_or_trailing_spaces_are_different_keys(world, twin_of):
    conn = world.connect(world.app_url, autocommit=False)
    first, second = held(world, conn), held(world, conn)
    original = f"Key-Aa-{first}"
    twin = twin_of(original)
    paid = pay(conn, first, world.user_id, original)
    assert twin != original
    other = pay(conn, second, world.user_id, twin)  # a new key: a new payment
    assert other != paid
    assert pay(conn, first, world.user_id, original) == paid  # the same key replays
    assert pay(conn, second, world.user_id, twin) == other
    with pytest.raises(BusinessError) as caught:  # a new key on a paid reservation
        pay(conn, first, world.user_id, twin)
    assert caught.value.errno == 50004, caught.value
    conn.close()


def test_a_key_is_scoped_to_its_reservation(world):
    """Another customer's key cannot block a payment (CONTRACT.md, pay_reservation)."""
    conn = world.connect(world.app_url, autocommit=False)
    mine, theirs = held(world, conn), held(world, conn, world.other_user_id)
    paid = pay(conn, mine, world.user_id, "shared-key-1")
    assert pay(conn, theirs, world.other_user_id, "shared-key-1") != paid
    conn.close()
