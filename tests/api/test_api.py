"""Every endpoint: success, each error status, and who may see what."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import replace

import jwt
import pytest

from harness.api import create_app
from harness.api.auth import issue_token
from harness.errors import TravelError

from .conftest import SECRET, Customer, error_code

DEPARTS = dt.datetime(2031, 3, 11, 12, 0)


def book(client, customer, trip_id: int, passengers: int = 1):
    body = {
        "segments": [{"trip_id": trip_id, "fare_class": "economy"}],
        "passengers": [{"full_name": f"Passenger {i}", "birth_date": f"1990-01-0{i + 1}"} for i in range(passengers)],
    }
    return client.post("/api/v1/reservations", json=body, headers=customer.headers)


def pay(client, customer, reservation_id: int, key: str | None = None, amount: str = "100.00", currency: str = "EUR"):
    return client.post(
        f"/api/v1/reservations/{reservation_id}/payments",
        json={"amount": amount, "currency": currency, "method": "card"},
        headers={**customer.headers, "Idempotency-Key": key or f"key-{reservation_id}"},
    )


# -- auth -------------------------------------------------------------------------------------
def test_register_stores_the_email_lower_case_and_an_argon2_hash(client, shop):
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": " Grace@Example.COM ",
            "password": "compiler at sea 1952",
            "full_name": "Grace Hopper",
            "phone": None,
        },
    )
    assert response.status_code == 201
    (row,) = shop.query("SELECT email FROM users WHERE user_id = %s", response.json["user_id"])
    assert row["email"] == "grace@example.com" == response.json["email"]
    (login,) = shop.query("CALL get_login(%s)", "grace@example.com")
    assert login["password_hash"].startswith("$argon2id$")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "x@example.com", "password": "short", "full_name": "X"}, 400, "INVALID_ARGUMENT"),
        ({"email": "x@example.com", "full_name": "X"}, 400, "INVALID_ARGUMENT"),
        ({"email": 5, "password": "compiler at sea 1952", "full_name": "X"}, 400, "INVALID_ARGUMENT"),
        ({"email": "not-an-email", "password": "compiler at sea 1952", "full_name": "X"}, 400, "INVALID_ARGUMENT"),
        ({"email": "y@example.com", "password": "compiler at sea 1952", "full_name": ""}, 400, "INVALID_ARGUMENT"),
        (["a list"], 400, "BAD_REQUEST"),
    ],
)
def test_register_refuses_bad_input(client, body, status, code):
    response = client.post("/api/v1/auth/register", json=body)
    assert (response.status_code, error_code(response)) == (status, code)


def test_register_twice_is_duplicate(client, customer):
    response = client.post(
        "/api/v1/auth/register",
        json={"email": customer.email.upper(), "password": "compiler at sea 1952", "full_name": "Again"},
    )
    assert (response.status_code, error_code(response)) == (409, "DUPLICATE")


def test_bodies_must_be_json(client):
    response = client.post("/api/v1/auth/register", data="email=a", content_type="application/x-www-form-urlencoded")
    assert (response.status_code, error_code(response)) == (415, "UNSUPPORTED_MEDIA_TYPE")
    response = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert (response.status_code, error_code(response)) == (400, "BAD_REQUEST")


def test_login_issues_a_token_for_the_user_and_records_each_attempt(client, customer, shop):
    claims = jwt.decode(customer.token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(customer.user_id) and claims["exp"] - claims["iat"] == 3600
    wrong = client.post("/api/v1/auth/login", json={"email": customer.email, "password": "wrong password"})
    assert (wrong.status_code, error_code(wrong)) == (401, "UNAUTHORIZED")
    rows = shop.query("SELECT success FROM login_events WHERE user_id = %s ORDER BY login_event_id", customer.user_id)
    assert [r["success"] for r in rows] == [1, 0]


def test_login_for_an_unknown_email_is_the_same_401(client):
    response = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "whatever1"})
    assert (response.status_code, response.json["error"]["message"]) == (401, "wrong email or password")


def test_login_of_a_disabled_account_is_refused_and_recorded(client, customer, shop):
    cur = shop.conn.cursor()
    cur.execute("UPDATE users SET status = 'disabled' WHERE user_id = %s", (customer.user_id,))
    shop.conn.commit()
    response = client.post("/api/v1/auth/login", json={"email": customer.email, "password": customer.password})
    assert response.status_code == 401
    rows = shop.query("SELECT success FROM login_events WHERE user_id = %s ORDER BY login_event_id", customer.user_id)
    assert [r["success"] for r in rows] == [1, 0]


@pytest.mark.parametrize(
    "how", ["none", "not bearer", "tampered", "expired", "other secret", "garbage sub", "no email", "other email"]
)
def test_bad_tokens_are_401(app, client, customer, how):
    with app.app_context():
        expired = issue_token(customer.user_id, customer.email, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    head, payload, signature = customer.token.split(".")
    tokens = {
        "none": None,
        "not bearer": f"Basic {customer.token}",
        "tampered": f"Bearer {head}.{payload}x.{signature}",
        "expired": f"Bearer {expired}",
        "other secret": "Bearer "
        + jwt.encode({"sub": str(customer.user_id), "exp": 4102444800}, "another-secret-that-is-32-bytes-long"),
        "garbage sub": "Bearer " + jwt.encode({"sub": "abc", "email": customer.email, "exp": 4102444800}, SECRET),
        # tokens made before tokens named their email, and a user id paired with another email
        "no email": "Bearer " + jwt.encode({"sub": str(customer.user_id), "exp": 4102444800}, SECRET),
        "other email": "Bearer "
        + jwt.encode({"sub": str(customer.user_id), "email": "x@example.com", "exp": 4102444800}, SECRET),
    }
    headers = {"Authorization": tokens[how]} if tokens[how] else {}
    response = client.get("/api/v1/reservations", headers=headers)
    assert (response.status_code, error_code(response)) == (401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_app_refuses_to_start_without_a_secret_unless_debug(booking_url):
    with pytest.raises(TravelError, match="TRAVEL_JWT_SECRET"):
        create_app(booking_url)
    assert create_app(booking_url, debug=True).config["JWT_SECRET"]


# -- trips ------------------------------------------------------------------------------------
def test_search_lists_fares_with_seats(client, shop):
    origin, destination = shop.stations()
    trip_id = shop.trip(origin=origin, destination=destination, departs=DEPARTS, capacity=3, price="79.90")
    response = client.get(f"/api/v1/trips?from={origin}&to={destination}&date=2031-03-11&passengers=2")
    assert response.status_code == 200
    (trip,) = response.json["trips"]
    assert trip["trip_id"] == trip_id
    assert (trip["price"], trip["currency"], trip["seats_available"]) == ("79.90", "EUR", 3)
    assert trip["departs_at"] == "2031-03-11T12:00:00" and trip["fare_class"] == "economy"
    too_many = client.get(f"/api/v1/trips?from={origin}&to={destination}&date=2031-03-11&passengers=4")
    assert too_many.json == {"trips": []}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=FRA&to=CDG", 400, "INVALID_ARGUMENT"),
        ("from=FRA&to=CDG&date=11/03/2031", 400, "INVALID_ARGUMENT"),
        ("from=FRA&to=CDG&date=2031-03-11&passengers=two", 400, "INVALID_ARGUMENT"),
        ("from=FRA&to=CDG&date=2031-03-11&passengers=10", 400, "INVALID_ARGUMENT"),
        ("from=FRA&to=CDG&date=2031-03-11&mode=boat", 400, "INVALID_ARGUMENT"),
        ("to=CDG&date=2031-03-11", 400, "INVALID_ARGUMENT"),
        ("from=XXX&to=CDG&date=2031-03-11", 404, "NOT_FOUND"),
    ],
)
def test_search_refuses_bad_queries(client, query, status, code):
    response = client.get(f"/api/v1/trips?{query}")
    assert (response.status_code, error_code(response)) == (status, code)


# -- reservations -----------------------------------------------------------------------------
def test_book_pay_show_list_and_cancel(client, customer, shop):
    trip_id = shop.trip(capacity=5, price="100.00")
    created = book(client, customer, trip_id, passengers=2)
    assert created.status_code == 201
    body = created.json
    assert set(body) == {
        "reservation_id",
        "booking_ref",
        "status",
        "total_amount",
        "currency",
        "created_at",
        "expires_at",
    }
    assert (body["status"], body["total_amount"], body["currency"]) == ("held", "200.00", "EUR")
    assert len(body["booking_ref"]) == 6
    reservation_id = body["reservation_id"]

    paid = pay(client, customer, reservation_id, amount="200.00")
    assert paid.status_code == 201
    assert (paid.json["reservation_id"], paid.json["amount"], paid.json["method"]) == (reservation_id, "200.00", "card")

    shown = client.get(f"/api/v1/reservations/{reservation_id}", headers=customer.headers)
    assert shown.status_code == 200 and shown.json["status"] == "confirmed"
    assert [s["trip_id"] for s in shown.json["segments"]] == [trip_id]
    assert [p["ticket_status"] for p in shown.json["passengers"]] == ["active", "active"]
    assert [p["id"] for p in shown.json["payments"]] == [paid.json["payment_id"]] and shown.json["refunds"] == []

    listed = client.get("/api/v1/reservations?status=confirmed", headers=customer.headers)
    assert [r["reservation_id"] for r in listed.json["reservations"]] == [reservation_id]
    assert client.get("/api/v1/reservations?status=held", headers=customer.headers).json == {"reservations": []}

    cancelled = client.post(f"/api/v1/reservations/{reservation_id}/cancel", json={"reason": "plans changed"},
                            headers=customer.headers)  # fmt: skip
    assert cancelled.status_code == 200
    assert cancelled.json == {"reservation_id": reservation_id, "status": "cancelled", "refund_amount": "200.00"}
    again = client.post(f"/api/v1/reservations/{reservation_id}/cancel", headers=customer.headers)
    assert (again.status_code, error_code(again)) == (409, "INVALID_STATE")
    assert shop.fare(trip_id) == (5, 0, 0)
    assert shop.violations() == []


def test_a_customer_cannot_see_pay_or_cancel_anothers_reservation(client, customer, shop):
    reservation_id = book(client, customer, shop.trip()).json["reservation_id"]
    intruder = Customer(client, "Eve")
    for response in (
        client.get(f"/api/v1/reservations/{reservation_id}", headers=intruder.headers),
        pay(client, intruder, reservation_id, key="intruder-key"),
        client.post(f"/api/v1/reservations/{reservation_id}/cancel", headers=intruder.headers),
    ):
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
    assert client.get("/api/v1/reservations", headers=intruder.headers).json == {"reservations": []}
    assert shop.reservation(reservation_id)["status"] == "held"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"segments": [], "passengers": [{"full_name": "A"}]}, 400, "INVALID_ARGUMENT"),
        ({"segments": "trip 1", "passengers": [{"full_name": "A"}]}, 400, "INVALID_ARGUMENT"),
        ({"segments": [{"trip_id": 99999999, "fare_class": "economy"}], "passengers": [{"full_name": "A"}]}, 404,
         "NOT_FOUND"),
        ({"segments": [{"trip_id": "x", "fare_class": "economy"}], "passengers": [{"full_name": "A"}]}, 400,
         "INVALID_ARGUMENT"),
        ({"segments": [{"trip_id": 1, "fare_class": "economy"}], "passengers": []}, 400, "INVALID_ARGUMENT"),
    ],
)  # fmt: skip
def test_booking_refuses_bad_input(client, customer, body, status, code):
    response = client.post("/api/v1/reservations", json=body, headers=customer.headers)
    assert (response.status_code, error_code(response)) == (status, code)


def test_booking_more_seats_than_left_is_sold_out(client, customer, shop):
    trip_id = shop.trip(capacity=2)
    response = book(client, customer, trip_id, passengers=3)
    assert (response.status_code, error_code(response)) == (409, "SOLD_OUT")
    assert shop.fare(trip_id) == (2, 0, 0)


def test_unknown_reservation_is_404(client, customer):
    response = client.get("/api/v1/reservations/99999999", headers=customer.headers)
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


# -- payments ---------------------------------------------------------------------------------
def test_a_replayed_payment_returns_the_same_payment(client, customer, shop):
    reservation_id = book(client, customer, shop.trip()).json["reservation_id"]
    first = pay(client, customer, reservation_id, key="replay-1")
    replay = pay(client, customer, reservation_id, key="replay-1")
    assert first.status_code == replay.status_code == 201
    assert first.json == replay.json
    assert len(shop.query("SELECT * FROM payments WHERE reservation_id = %s", reservation_id)) == 1
    other_amount = pay(client, customer, reservation_id, key="replay-1", amount="99.00")
    assert (other_amount.status_code, error_code(other_amount)) == (409, "DUPLICATE")


@pytest.mark.parametrize(
    ("amount", "currency", "status", "code"),
    [("99.99", "EUR", 422, "AMOUNT_MISMATCH"), ("100.00", "GBP", 422, "AMOUNT_MISMATCH"),
     ("lots", "EUR", 400, "INVALID_ARGUMENT"), ("NaN", "EUR", 400, "INVALID_ARGUMENT"),
     ("-100.00", "EUR", 400, "INVALID_ARGUMENT")],
)  # fmt: skip
def test_payment_of_the_wrong_amount_is_refused(client, customer, shop, amount, currency, status, code):
    reservation_id = book(client, customer, shop.trip()).json["reservation_id"]
    response = pay(client, customer, reservation_id, key=f"wrong-{amount}", amount=amount, currency=currency)
    assert (response.status_code, error_code(response)) == (status, code)
    assert shop.reservation(reservation_id)["status"] == "held"


def test_payment_needs_an_idempotency_key(client, customer, shop):
    reservation_id = book(client, customer, shop.trip()).json["reservation_id"]
    response = client.post(f"/api/v1/reservations/{reservation_id}/payments",
                           json={"amount": "100.00", "currency": "EUR", "method": "card"}, headers=customer.headers)  # fmt: skip
    assert (response.status_code, error_code(response)) == (400, "INVALID_ARGUMENT")
    assert "Idempotency-Key" in response.json["error"]["message"]


def test_cancel_with_a_body_that_is_not_json_is_415(client, customer, shop):
    reservation_id = book(client, customer, shop.trip()).json["reservation_id"]
    response = client.post(f"/api/v1/reservations/{reservation_id}/cancel", data="reason=x",
                           content_type="text/plain", headers=customer.headers)  # fmt: skip
    assert (response.status_code, error_code(response)) == (415, "UNSUPPORTED_MEDIA_TYPE")


# -- the rest ---------------------------------------------------------------------------------
def test_unknown_paths_and_methods_answer_json(client):
    assert error_code(client.get("/api/v1/nothing-here")) == "NOT_FOUND"
    response = client.delete("/api/v1/trips")
    assert (response.status_code, error_code(response)) == (405, "METHOD_NOT_ALLOWED")


def test_an_unreachable_database_is_503_without_details(booking_url):
    app = create_app(_dead(booking_url), jwt_secret=SECRET)
    client = app.test_client()
    response = client.get("/api/v1/trips?from=FRA&to=CDG&date=2031-03-11")
    assert (response.status_code, error_code(response)) == (503, "UNAVAILABLE")
    assert "2003" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    health = client.get("/api/v1/health")
    assert (health.status_code, health.json) == (503, {"status": "unavailable", "database": False})


def _dead(url):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return replace(url, host="127.0.0.1", port=port, unix_socket=None)


def test_openapi_describes_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/trips", "/api/v1/reservations",
        "/api/v1/reservations/{reservation_id}", "/api/v1/reservations/{reservation_id}/payments",
        "/api/v1/reservations/{reservation_id}/cancel", "/api/v1/health", "/api/v1/openapi.json",
    }  # fmt: skip
