"""POST /reservations with a payment in the body: hold and pay in one call (procedure purchase)."""

from __future__ import annotations

import datetime as dt

from .conftest import Customer, error_code

DEPARTS = dt.datetime(2031, 3, 11, 12, 0)


def purchase(client, customer, trip_id: int, key: str | None = "buy-1", amount: str = "100.00"):
    body = {
        "segments": [{"trip_id": trip_id, "fare_class": "economy"}],
        "passengers": [{"full_name": "Ada Lovelace"}],
        "payment": {"amount": amount, "currency": "EUR", "method": "card"},
    }
    headers = {**customer.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post("/api/v1/reservations", json=body, headers=headers)


def test_a_purchase_comes_back_confirmed_with_its_payment(client, customer, shop):
    trip = shop.trip(departs=DEPARTS)
    response = purchase(client, customer, trip)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "confirmed" and response.json["total_amount"] == "100.00"
    (payment,) = shop.query("SELECT payment_id FROM payments WHERE reservation_id = %s",
                            response.json["reservation_id"])  # fmt: skip
    assert response.json["payment_id"] == payment["payment_id"]
    again = purchase(client, customer, trip)
    assert again.status_code == 201 and again.json == response.json
    assert shop.fare(trip)[1:] == (0, 1)
    other = Customer(client)
    assert purchase(client, other, trip).json["reservation_id"] != response.json["reservation_id"]


def test_purchase_errors_answer_in_the_contracts_shape(client, customer, shop):
    trip = shop.trip(departs=DEPARTS, capacity=1)
    missing = purchase(client, customer, trip, key=None)
    assert (missing.status_code, error_code(missing)) == (400, "INVALID_ARGUMENT")
    wrong = purchase(client, customer, trip, amount="99.00")
    assert (wrong.status_code, error_code(wrong)) == (422, "AMOUNT_MISMATCH")
    assert purchase(client, customer, trip, key="a").status_code == 201
    sold = purchase(client, customer, trip, key="b")
    assert (sold.status_code, error_code(sold)) == (409, "SOLD_OUT")
    reused = purchase(client, customer, shop.trip(departs=DEPARTS), key="a")
    assert (reused.status_code, error_code(reused)) == (409, "DUPLICATE")
    fraction = purchase(client, customer, trip, key="c", amount="100.001")
    assert (fraction.status_code, error_code(fraction)) == (400, "INVALID_ARGUMENT")
    assert shop.violations() == []
