"""End to end through `travel serve` (waitress) on a free port, with a real HTTP client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from harness.server import free_port

from .conftest import REPO_ROOT


@pytest.fixture
def served(booking_url):
    port = free_port()
    env = {**os.environ, "TRAVEL_JWT_SECRET": "e2e-secret-that-is-at-least-32-bytes"}
    travel = str(Path(sys.executable).parent / "travel")  # the console script of this environment
    command = [travel, "--database-url", booking_url.unmasked(), "serve", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{base}/openapi.json", timeout=1)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"travel serve did not start: {proc.stdout.read().decode(errors='replace')}")
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_register_login_search_book_pay_cancel(served, shop):
    origin, destination = shop.stations()
    trip_id = shop.trip(origin=origin, destination=destination, capacity=4, price="55.50")
    http = requests.Session()
    account = {"email": "e2e@example.com", "password": "a long password", "full_name": "Edsger Dijkstra"}
    assert http.post(f"{served}/auth/register", json=account).status_code == 201
    login = http.post(f"{served}/auth/login", json={"email": account["email"], "password": account["password"]})
    assert login.status_code == 200 and login.json()["token_type"] == "Bearer"
    http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

    trips = http.get(f"{served}/trips", params={"from": origin, "to": destination, "date": "2031-03-11"}).json()
    assert [(t["trip_id"], t["price"], t["seats_available"]) for t in trips["trips"]] == [(trip_id, "55.50", 4)]

    booking = {"segments": [{"trip_id": trip_id, "fare_class": "economy"}],
               "passengers": [{"full_name": "Edsger Dijkstra"}, {"full_name": "Ria Debets"}]}  # fmt: skip
    held = http.post(f"{served}/reservations", json=booking)
    assert held.status_code == 201 and held.json()["total_amount"] == "111.00"
    reservation_id = held.json()["reservation_id"]

    payment = {"amount": "111.00", "currency": "EUR", "method": "wallet"}
    paid = http.post(
        f"{served}/reservations/{reservation_id}/payments", json=payment, headers={"Idempotency-Key": "e2e-1"}
    )
    assert paid.status_code == 201
    replay = http.post(
        f"{served}/reservations/{reservation_id}/payments", json=payment, headers={"Idempotency-Key": "e2e-1"}
    )
    assert replay.json() == paid.json()
    shown = http.get(f"{served}/reservations/{reservation_id}").json()
    assert shown["status"] == "confirmed" and len(shown["passengers"]) == 2

    cancelled = http.post(f"{served}/reservations/{reservation_id}/cancel", json={"reason": "e2e"})
    assert cancelled.json() == {"reservation_id": reservation_id, "status": "cancelled", "refund_amount": "111.00"}
    assert shop.fare(trip_id) == (4, 0, 0) and shop.violations() == []
