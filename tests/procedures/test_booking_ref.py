"""new_booking_ref: booking references are uniform over 32^6, so they do not run out.

RAND() was used before: its per-session generator reached about 845,000 of the 1.07 billion
references (one million draws gave 585,503 distinct ones), and at 300,000 reservations a
booking drew ten taken references in a row and failed DUPLICATE. These tests fail on it.
"""

from __future__ import annotations

import pytest

from harness.db import connect

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DRAWS = 200_000
# 200,000 draws of 100,000 rows (five digits cross-joined) twice over.
DIGITS = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " \
         "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"  # fmt: skip
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
