"""new_booking_ref: booking references are uniform over 32^6, so they do not run out.

RAND() was used before: its per-session generator reached about 845,000 of the 1.07 billion
references (one million draws gave 585,503 distinct ones), and at 300,000 reservations a
booking drew ten taken references in a row and failed DUPLICATE. These tests fail on it.
"""

from __future__ import annotations

import pytest

from harness import procedures as sp
from harness.db import connect
from harness.seed import run_sql_file

from ..helpers import DIGITS, assert_fails_unchanged
from .conftest import REPO_ROOT

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DRAWS = 200_000
# 200,000 draws of 100,000 rows (five digits cross-joined) twice over.
ROWS = f"{DIGITS} AS a, {DIGITS} AS b, {DIGITS} AS c, {DIGITS} AS d, {DIGITS} AS e, (SELECT 1 UNION ALL SELECT 2) AS f"


@pytest.fixture(scope="module")
def draws(migrated_url) -> list[str]:
    conn = connect(migrated_url)
    cur = conn.cursor()
    cur.execute(f"SELECT new_booking_ref() FROM {ROWS}")
    refs = [ref for (ref,) in cur.fetchall()]
    conn.close()
    return refs


def test_draws_are_as_distinct_as_uniform_ones(draws):
    assert len(draws) == DRAWS
    # A uniform draw from 32^6 = 2^30 repeats n^2 / 2^31 = 18.6 times in 200,000 (sd 4.3);
    # RAND() repeated about 22,000 times.
    assert len(set(draws)) >= DRAWS - 60


def test_every_position_uses_the_whole_alphabet_evenly(draws):
    assert all(len(ref) == 6 and set(ref) <= set(ALPHABET) for ref in draws)
    for position in range(6):
        counts = {ch: 0 for ch in ALPHABET}
        for ref in draws:
            counts[ref[position]] += 1
        # 6,250 expected per character and position (sd 78).
        assert min(counts.values()) >= 5_700 and max(counts.values()) <= 6_800, (position, counts)


@pytest.fixture
def rigged_refs(shop):
    """new_booking_ref replaced by a function of the test's (taken references, counted in
    @rig_draws); the real one is put back after the test."""

    def rig(body: str) -> None:
        shop.query("DROP FUNCTION IF EXISTS new_booking_ref")
        shop.query(f"CREATE FUNCTION new_booking_ref() RETURNS CHAR(6) NOT DETERMINISTIC NO SQL {body}")

    yield rig
    run_sql_file(shop.conn, REPO_ROOT / "procedures" / "new_booking_ref.sql")


# The one-passenger hold and purchase write their reservation themselves and call
# insert_reservation only when that draw was taken; a party goes to insert_reservation at once.
WAYS = {
    "hold": lambda shop, user, trip: shop.book(user, trip),
    "party": lambda shop, user, trip: shop.book(user, trip, passengers=2),
    "purchase": lambda shop, user, trip: sp.purchase(
        shop.conn, user, [{"trip_id": trip, "fare_class": "economy"}], [{"full_name": "A"}],
        "100.00", "EUR", "card", f"buy-{trip}",
    )[0],
}  # fmt: skip


# References of the rig, distinct per way: the module's tests share one database.
RIGGED = {"hold": ("AAAAAA", "BBBBBB", "CCCCCC"), "party": ("DDDDDD", "EEEEEE", "FFFFFF"),
          "purchase": ("GGGGGG", "HHHHHH", "JJJJJJ")}  # fmt: skip


@pytest.mark.parametrize("way", WAYS)
def test_a_taken_reference_is_drawn_again(shop, rigged_refs, way):
    taken, fresh, _ = RIGGED[way]
    rigged_refs(f"RETURN '{taken}'")
    first = shop.book(shop.user(), shop.trip())
    assert shop.reservation(first)["booking_ref"] == taken
    # the next draws: the taken one twice, then a fresh one
    rigged_refs(
        f"BEGIN SET @rig_draws = COALESCE(@rig_draws, 0) + 1; RETURN IF(@rig_draws <= 2, '{taken}', '{fresh}'); END"
    )
    shop.query("SET @rig_draws = 0")
    second = WAYS[way](shop, shop.user(), shop.trip())
    assert shop.reservation(second)["booking_ref"] == fresh
    assert shop.query("SELECT @rig_draws AS n") == [{"n": 3}]
    assert shop.violations() == []


@pytest.mark.parametrize("way", WAYS)
def test_ten_taken_references_in_a_row_fail_duplicate_and_change_nothing(shop, rigged_refs, way):
    taken = RIGGED[way][2]
    rigged_refs(f"RETURN '{taken}'")
    shop.book(shop.user(), shop.trip())
    user, trip = shop.user(), shop.trip()
    rigged_refs(f"BEGIN SET @rig_draws = COALESCE(@rig_draws, 0) + 1; RETURN '{taken}'; END")
    shop.query("SET @rig_draws = 0")
    assert_fails_unchanged(shop.url, 50005, lambda: WAYS[way](shop, user, trip))
    assert shop.query("SELECT @rig_draws AS n") == [{"n": 10}]  # ten draws in all, whichever way
