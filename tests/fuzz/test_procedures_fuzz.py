"""Hypothesis over every procedure of CONTRACT.md, called as a plain SQL client by the account
the product uses: each refusal is a catalogued errno in the contract's words (or a value the
server would not bind, which the harness words), changes nothing and leaves no transaction open;
a success cuts nothing (a name is stored as given).

The same arguments also go through the harness (as the API and the CLI call): every refusal
must come out as the contract's exception with a clean message.

Bounded and derandomized: the same examples on every CI run (FUZZ_EXAMPLES to change the count).
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings

from .corpus import ADMIN, CUSTOMER, HOUSEKEEPING, OUTS
from .referee import Referee
from .strategies import arguments

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
HARNESS_EXAMPLES = EXAMPLES // 3
PROCEDURES = sorted(CUSTOMER | ADMIN | HOUSEKEEPING)
TOTALS = {"calls": 0, "refusals": 0}


def account(world, procedure: str):
    if procedure in CUSTOMER:
        return world.app_url
    return world.admin_url if procedure in ADMIN else world.root_url


def stored_names_match(referee: Referee, conn_root, name: str, args: tuple, values: tuple) -> None:
    """Nothing cut in silence: a reservation's passengers and a user's name read back as given."""
    cur = conn_root.cursor()
    if name == "create_reservation":
        try:
            given = [p["full_name"].strip() for p in json.loads(args[2])]
        except (TypeError, ValueError, AttributeError, KeyError):
            return
        cur.execute("SELECT full_name FROM passengers WHERE reservation_id = %s ORDER BY passenger_id", (values[0],))
        stored = [row[0] for row in cur.fetchall()]
    elif name == "register_user" and isinstance(args[2], str):
        given = [args[2].strip()]
        cur.execute("SELECT full_name FROM users WHERE user_id = %s", (values[0],))
        stored = [row[0] for row in cur.fetchall()]
    else:
        return
    conn_root.commit()
    if stored != given:
        referee.note(name, "a success changed what was given (cut or altered)", repr(args)[:300], repr(stored)[:300])


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_every_refusal_keeps_to_the_contract(world, root_conn, procedure):
    referee = Referee(root_conn)
    conn = world.connect(account(world, procedure))

    @given(args=arguments(world, procedure))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(args):
        outcome = referee.call(conn, procedure, args, OUTS.get(procedure, 1))
        if outcome.ok:
            stored_names_match(referee, root_conn, procedure, args, outcome.values)

    call()
    conn.close()
    TOTALS["calls"] += referee.calls
    TOTALS["refusals"] += referee.refusals
    print(f"{procedure}: {referee.calls} calls, by errno {dict(referee.outcomes)}; running total {TOTALS}")
    assert referee.calls >= EXAMPLES // 2
    assert not referee.problems, referee.report()


def as_python(value):
    """What a Python caller (the API, the CLI) can pass: text, never raw bytes; bytes that are not
    UTF-8 become the lone surrogates Python decodes them to."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_through_the_harness_every_refusal_is_the_contracts_exception(world, root_conn, procedure):
    referee = Referee(root_conn)
    conn = world.connect(account(world, procedure), autocommit=False)

    @given(args=arguments(world, procedure))
    @settings(max_examples=HARNESS_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(args):
        referee.call_harness(conn, procedure, tuple(map(as_python, args)), OUTS.get(procedure, 1))

    call()
    conn.close()
    print(f"{procedure} through the harness: {referee.calls} calls, by errno {dict(referee.outcomes)}")
    assert not referee.problems, referee.report()
