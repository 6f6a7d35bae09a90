"""A client process for tests/faults/test_client_kill.py, killed with SIGKILL mid-payment.

    TRAVEL_DATABASE_URL=mysql://... python -m tests.faults.payer KEY_PREFIX AMOUNT USER_ID RES_ID [RES_ID ...]

Prints `connection <id>` first, then `paid <reservation_id> <payment_id>` after each payment
returned (the acknowledgements). The URL comes from the environment, so no password shows in ps.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal

from harness import procedures as sp
from harness.db import DatabaseUrl, connect


def main(argv: list[str]) -> None:
    prefix, amount, user_id, *reservations = argv
    conn = connect(DatabaseUrl.parse(os.environ["TRAVEL_DATABASE_URL"]))
    cur = conn.cursor()
    cur.execute("SELECT CONNECTION_ID()")
    print(f"connection {cur.fetchone()[0]}", flush=True)
    cur.close()
    for reservation_id in map(int, reservations):
        key = f"{prefix}-{reservation_id}"
        payment_id = sp.pay_reservation(conn, reservation_id, int(user_id), Decimal(amount), "EUR", "card", key)
        print(f"paid {reservation_id} {payment_id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
