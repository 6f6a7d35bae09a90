"""Issue 17's attacks on the API, each performed and shown to fail: short JWT secrets, password
guessing (throttled, shared across processes), tokens of disabled accounts, weak passwords,
amounts the database would round, server texts in error bodies; issue 14's deeply nested JSON;
and the access log."""

from __future__ import annotations

import logging
import re
import time

import jwt
import pytest

from harness.api import create_app
from harness.api.throttle import LoginThrottle
from harness.errors import TravelError

from .conftest import CHEAP_HASHER, REPO_ROOT, SECRET, Customer, error_code, own_throttle
from .test_api import book, pay

SERVER_WORDS = re.compile(r"\bp_|column|Data too long|Incorrect|Out of range|at row|`|SQL")


def fresh_app(booking_url, **options):
    options.setdefault("throttle", own_throttle())
    return create_app(booking_url, jwt_secret=SECRET, password_hasher=CHEAP_HASHER, project_root=REPO_ROOT, **options)


def login(client, email: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


# -- the JWT secret -----------------------------------------------------------------------------
@pytest.mark.parametrize("secret", ["x", "31-bytes-is-one-byte-too-short!"])
def test_a_secret_under_32_bytes_is_refused(booking_url, secret):
    with pytest.raises(TravelError, match="at least 32"):
        create_app(booking_url, jwt_secret=secret)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the attacker's short key
def test_a_token_signed_with_a_guessable_secret_reads_nothing(client, customer):
    forged = jwt.encode({"sub": str(customer.user_id), "email": customer.email, "exp": 4102444800}, "x")
    response = client.get("/api/v1/reservations", headers={"Authorization": f"Bearer {forged}"})
    assert (response.status_code, error_code(response)) == (401, "UNAUTHORIZED")


# -- login throttling ---------------------------------------------------------------------------
def test_wrong_passwords_for_one_account_are_throttled_with_retry_after(booking_url):
    client = fresh_app(booking_url, throttle=own_throttle(account_failures=5, window_seconds=120)).test_client()
    victim = Customer(client)
    statuses = [login(client, victim.email, f"guess number {n}", f"10.0.0.{n}").status_code for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3  # five guesses per window, from any address
    blocked = login(client, victim.email, victim.password, "10.0.1.1")  # even the right one, until it ends
    assert (blocked.status_code, error_code(blocked)) == (429, "TOO_MANY_REQUESTS")
    assert 100 <= int(blocked.headers["Retry-After"]) <= 120
    other = Customer(client)  # another account is not affected
    assert login(client, other.email, other.password).status_code == 200


def test_failed_logins_from_one_address_are_throttled(booking_url):
    client = fresh_app(booking_url, throttle=own_throttle(address_failures=4, window_seconds=60)).test_client()
    statuses = [login(client, f"spray{n}@example.com", "Winter2026 is here", "10.9.9.9").status_code for n in range(6)]
    assert statuses == [401] * 4 + [429] * 2
    customer = Customer(client)
    assert login(client, customer.email, customer.password, "10.9.9.9").status_code == 429
    assert login(client, customer.email, customer.password, "10.9.9.10").status_code == 200


def test_a_success_clears_the_accounts_count(booking_url):
    client = fresh_app(booking_url, throttle=own_throttle(account_failures=3)).test_client()
    customer = Customer(client)
    for _ in range(2):
        assert login(client, customer.email, "not my password").status_code == 401
        assert login(client, customer.email, customer.password).status_code == 200
    assert login(client, customer.email, "not my password").status_code == 401


def test_the_count_is_shared_by_every_app_on_the_same_store(booking_url):
    """Two apps (as two API processes would be) with one store: guesses add up across them."""
    throttle = own_throttle(account_failures=4)
    first, second = (fresh_app(booking_url, throttle=throttle).test_client() for _ in range(2))
    customer = Customer(first)
    assert [login(c, customer.email, "wrong one").status_code for c in (first, second, first, second)] == [401] * 4
    assert login(second, customer.email, customer.password).status_code == 429
    assert login(first, customer.email, customer.password).status_code == 429


def test_logins_are_refused_while_the_store_is_unreachable(booking_url):
    client = fresh_app(booking_url, throttle=LoginThrottle("redis://127.0.0.1:1/0")).test_client()
    response = login(client, "someone@example.com", "a long enough password")
    assert (response.status_code, error_code(response)) == (503, "UNAVAILABLE")


# -- disabled accounts --------------------------------------------------------------------------
def _disable(shop, user_id: int) -> None:
    cur = shop.conn.cursor()
    cur.execute("UPDATE users SET status = 'disabled' WHERE user_id = %s", (user_id,))
    shop.conn.commit()


def test_tokens_of_a_disabled_account_neither_pay_nor_cancel(booking_url, shop):
    client = fresh_app(booking_url, status_ttl=0).test_client()
    customer = Customer(client)
    trip_id = shop.trip(capacity=4, price="100.00")
    held = book(client, customer, trip_id)
    assert held.status_code == 201
    reservation_id = held.json["reservation_id"]
    _disable(shop, customer.user_id)
    for response in (
        pay(client, customer, reservation_id),
        client.post(f"/api/v1/reservations/{reservation_id}/cancel", headers=customer.headers),
        client.get("/api/v1/reservations", headers=customer.headers),
    ):
        assert (response.status_code, error_code(response)) == (401, "UNAUTHORIZED")
    (row,) = shop.query("SELECT status FROM reservations WHERE reservation_id = %s", reservation_id)
    assert row["status"] == "held"


def test_reads_may_use_the_cached_status_for_status_ttl_seconds_writes_never(booking_url, shop):
    client = fresh_app(booking_url, status_ttl=0.5).test_client()
    customer = Customer(client)
    reservation_id = book(client, customer, shop.trip(capacity=4, price="100.00")).json["reservation_id"]
    assert client.get("/api/v1/reservations", headers=customer.headers).status_code == 200
    _disable(shop, customer.user_id)
    assert client.get("/api/v1/reservations", headers=customer.headers).status_code == 200  # cached
    assert pay(client, customer, reservation_id).status_code == 401  # a write asks the database
    time.sleep(0.6)  # the process-local cache's own clock, not the database's
    assert client.get("/api/v1/reservations", headers=customer.headers).status_code == 401


# -- the password policy ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password",
    [
        " " * 8,
        " " * 16,
        "\t\n \u3000" * 4,
        "short one",
        "password1234",
        "Password2026!",
        "correct horse battery staple",
        "qwertyuiopasdf",
        "123456789012",
        "abcabcabcabc",
        "aaaaaaaaaaaaaaaa",
        "x" * 257,
        "grace.hopper-1906",
    ],
)
def test_weak_passwords_are_refused(client, password):
    body = {"email": "grace.hopper@example.com", "password": password, "full_name": "Grace Hopper"}
    response = client.post("/api/v1/auth/register", json=body)
    assert (response.status_code, error_code(response)) == (400, "INVALID_ARGUMENT")
    assert "password" in response.json["error"]["message"]


def test_the_common_password_list_ships_in_the_package():
    from harness.api.passwords import common_passwords

    assert len(common_passwords()) > 1000 and "password123456" in common_passwords()


# -- amounts and error texts --------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["120.001", "100.009", "99.999", "1E-3", "12345678901.00"])
def test_amounts_the_database_would_round_are_refused(client, customer, shop, amount):
    trip_id = shop.trip(capacity=4, price="100.00")
    reservation_id = book(client, customer, trip_id).json["reservation_id"]
    response = pay(client, customer, reservation_id, amount=amount)
    assert (response.status_code, error_code(response)) == (400, "INVALID_ARGUMENT")
    assert shop.query("SELECT payment_id FROM payments WHERE reservation_id = %s", reservation_id) == []


def _no_server_text(response, names: tuple[str, ...]) -> str:
    assert (response.status_code, error_code(response)) == (400, "INVALID_ARGUMENT"), response.json
    message = response.json["error"]["message"]
    assert not SERVER_WORDS.search(message), message
    assert any(name in message for name in names), message
    return message


def test_binding_errors_name_the_api_field_never_the_server_text(client, customer, shop):
    trip_id = shop.trip(capacity=4, price="100.00")
    reservation_id = book(client, customer, trip_id).json["reservation_id"]
    _no_server_text(pay(client, customer, reservation_id, currency="EURO"), ("currency",))
    _no_server_text(pay(client, customer, reservation_id, key="k" * 65), ("Idempotency-Key",))
    long_search = client.get("/api/v1/trips?from=" + "X" * 11 + "&to=CDG&date=2031-03-11")
    _no_server_text(long_search, ("from",))
    long_name = {"email": "long@example.com", "password": "a fine passphrase", "full_name": "N" * 201}
    _no_server_text(client.post("/api/v1/auth/register", json=long_name), ("full_name",))


@pytest.mark.parametrize(
    ("segment", "passenger"),
    [
        ({"fare_class": "economy"}, {"full_name": "Ada", "birth_date": "2023-02-30"}),
        ({"fare_class": "economy"}, {"full_name": "Ada", "birth_date": "0000-00-00"}),
        ({"fare_class": "economy", "trip_id": 2**63}, {"full_name": "Ada"}),
        ({"fare_class": "economy", "trip_id": 1e300}, {"full_name": "Ada"}),
        ({"fare_class": "economy"}, {"full_name": "N" * 201}),
    ],
)
def test_bad_values_inside_a_booking_come_back_without_server_text(client, customer, shop, segment, passenger):
    segment = {"trip_id": shop.trip(capacity=4, price="100.00"), **segment}
    body = {"segments": [segment], "passengers": [passenger]}
    response = client.post("/api/v1/reservations", json=body, headers=customer.headers)
    _no_server_text(response, ("segments", "passengers", "birth_date", "trip_id", "full_name"))


# -- request bodies -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ["[" * 30000 + "]" * 30000, '{"a":' * 10000 + "1" + "}" * 10000, '{"email": ' + "[" * 33 + "]" * 33 + "}"],
)
def test_deeply_nested_json_under_64_kib_is_a_400(client, raw):
    assert len(raw.encode()) < 64 * 1024
    response = client.post("/api/v1/auth/register", data=raw, content_type="application/json")
    assert (response.status_code, error_code(response)) == (400, "BAD_REQUEST")


def test_the_web_layer_answers_its_own_refusals_as_json(client, customer):
    responses = {
        404: client.get("/api/v1/nowhere"),
        405: client.delete("/api/v1/trips"),
        413: client.post("/api/v1/auth/login", data="x" * (65 * 1024), content_type="application/json"),
    }
    for status, response in responses.items():
        assert response.status_code == status and response.is_json
        error_code(response)


# -- the access log -----------------------------------------------------------------------------
def test_one_access_log_line_per_request_without_secrets(client, caplog):
    caplog.set_level(logging.INFO, logger="travel.api.access")
    customer = Customer(client)
    client.get("/api/v1/reservations?status=held", headers=customer.headers)
    lines = [r.getMessage() for r in caplog.records if r.name == "travel.api.access"]
    assert len(lines) == 3  # register, login, list
    assert lines[0].startswith("POST /api/v1/auth/register 201 ") and "user=- " in lines[0]
    assert lines[2].startswith("GET /api/v1/reservations 200 ")
    assert f"user={customer.user_id} " in lines[2] and "ms " in lines[2]
    every = "\n".join(r.getMessage() for r in caplog.records)
    assert customer.token not in every and customer.password not in every


# -- idempotency keys ---------------------------------------------------------------------------
def test_another_customers_key_does_not_block_a_payment(client, shop):
    """Issue 17: keys were global, so a customer who took `pay-<id>` first blocked the owner."""
    trip_id = shop.trip(capacity=4, price="100.00")
    owner, other = Customer(client), Customer(client)
    mine = book(client, owner, trip_id).json["reservation_id"]
    theirs = book(client, other, trip_id).json["reservation_id"]
    assert pay(client, other, theirs, key=f"pay-{mine}").status_code == 201
    paid = pay(client, owner, mine, key=f"pay-{mine}")
    assert paid.status_code == 201, paid.json
    assert pay(client, owner, mine, key=f"pay-{mine}").json == paid.json  # still a replay
