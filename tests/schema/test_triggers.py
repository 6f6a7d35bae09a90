"""Status history for every reservation status change; payments and refunds are append-only."""

from __future__ import annotations

import mysql.connector
import pytest

from .conftest import confirm_with_ticket, insert


def history(cur, reservation_id):
    cur.execute(
        "SELECT old_status, new_status FROM reservation_status_history WHERE reservation_id = %s"
        " ORDER BY reservation_status_history_id",
        (reservation_id,),
    )
    return cur.fetchall()


def test_status_history_follows_every_change(cur, world):
    cur.execute("SET time_zone = '+00:00'")
    cur.execute("SET timestamp = UNIX_TIMESTAMP('2029-12-01 10:00:00')")
    assert history(cur, world["reservation"]) == [(None, "held")]
    confirm_with_ticket(cur, world)
    cur.execute(
        "UPDATE reservations SET total_amount = total_amount WHERE reservation_id = %s", (world["reservation"],)
    )
    cur.execute("UPDATE tickets SET status = 'void'")
    cur.execute("UPDATE reservations SET status = 'cancelled' WHERE reservation_id = %s", (world["reservation"],))
    assert history(cur, world["reservation"]) == [(None, "held"), ("held", "confirmed"), ("confirmed", "cancelled")]
    cur.execute("SELECT DISTINCT changed_at FROM reservation_status_history WHERE reservation_id = %s"
                " AND old_status IS NOT NULL", (world["reservation"],))  # fmt: skip
    assert [str(r[0]) for r in cur.fetchall()] == ["2029-12-01 10:00:00"]  # UTC, and time can be moved
    cur.execute("SET timestamp = DEFAULT")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payments SET amount = 1",
        "DELETE FROM payments",
        "UPDATE refunds SET amount = 1",
        "DELETE FROM refunds",
    ],
)
def test_money_is_append_only(cur, world, statement):
    confirm_with_ticket(cur, world)
    insert(cur, "refunds", reservation_id=world["reservation"], amount="0", currency="EUR", refund_percent="0")
    with pytest.raises(mysql.connector.Error) as caught:
        cur.execute(statement)
    assert caught.value.errno == 50007
    assert caught.value.msg.startswith("FORBIDDEN: ") and "append-only" in caught.value.msg
    cur.execute("SELECT amount FROM payments UNION ALL SELECT amount FROM refunds")
    assert [str(r[0]) for r in cur.fetchall()] == ["100.00", "0.00"]
