"""End to end through `travel serve` (waitress) on a free port, with a real HTTP client: the
account and secret it refuses, waitress's own refusals in the JSON error shape, and login
throttling shared between processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from harness.api import create_app
from harness.api.serve import _privilege_problems, check_account
from harness.db import connect, is_mariadb
from harness.server import free_port

from .conftest import CHEAP_HASHER, REPO_ROOT, SECRET

TRAVEL = str(Path(sys.executable).parent / "travel")  # the console script of this environment
JWT_ENV = {"TRAVEL_JWT_SECRET": "e2e-secret-that-is-at-least-32-bytes"}


@pytest.fixture(scope="module")
def app_url(booking_url):
    """An account like travel_app (EXECUTE on the database's routines, nothing else), of this
    module alone: other tests may re-create travel_app itself meanwhile."""
    name, password = f"api_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    conn = connect(booking_url, autocommit=True)
    cur = conn.cursor()
    cur.execute("CREATE USER %s@'%' IDENTIFIED BY %s", (name, password))
    cur.execute(f"GRANT EXECUTE ON `{booking_url.database}`.* TO %s@'%'", (name,))
    yield replace(booking_url, user=name, password=password)
    cur.execute("DROP USER %s@'%'", (name,))
    conn.close()


class Served:
    def __init__(self, url, *args: str, env: dict | None = None):
        self.port = free_port()
        command = [TRAVEL, "--database-url", url.unmasked(), "serve", "--port", str(self.port), *args]
        self.proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **JWT_ENV, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}/api/v1"

    def wait_up(self) -> Served:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{self.base}/openapi.json", timeout=1)
                return self
            except requests.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"travel serve did not start: {self.output()}")
                time.sleep(0.1)

    def refused(self) -> str:
        """Waits for the server to exit by itself (a refusal); returns what it printed."""
        assert self.proc.wait(timeout=30) == 1
        return self.output()

    def output(self) -> str:
        return self.proc.stdout.read().decode(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def served(app_url):
    server = Served(app_url).wait_up()
    yield server.base
    server.stop()


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


# -- what serve refuses to trust ------------------------------------------------------------------
def test_serve_refuses_root_unless_insecure_dev(booking_url):
    """Issue 17: `travel serve` accepted any account, root included."""
    output = Served(booking_url).refused()
    assert "refusing to serve the API as root@" in output and "--insecure-dev" in output
    assert "ALL PRIVILEGES on *.* (global privileges, with grant option)" in output and "PASSWORD" not in output
    server = Served(booking_url, "--insecure-dev").wait_up()
    try:
        assert requests.get(f"{server.base}/openapi.json", timeout=5).status_code == 200
    finally:
        server.stop()


def test_serve_refuses_an_account_with_table_privileges(app_url, booking_url):
    conn = connect(booking_url, autocommit=True)
    cur = conn.cursor()
    cur.execute(f"GRANT SELECT ON `{booking_url.database}`.`reservations` TO %s@'%'", (app_url.user,))
    try:
        output = Served(app_url).refused()
        assert f"SELECT on `{booking_url.database}`.`reservations` (table privileges)" in output
    finally:
        cur.execute(f"REVOKE SELECT ON `{booking_url.database}`.`reservations` FROM %s@'%'", (app_url.user,))
        conn.close()


def test_privileges_through_a_role_count_too(app_url, booking_url):
    role = f"r_{uuid.uuid4().hex[:10]}"
    conn = connect(booking_url, autocommit=True)
    if not is_mariadb(conn):
        pytest.skip("the role statements below are MariaDB's (MySQL 8 says SET DEFAULT ROLE ... TO)")
    cur = conn.cursor()
    cur.execute(f"CREATE ROLE {role}")
    cur.execute(f"GRANT SELECT ON `{booking_url.database}`.* TO {role}")
    cur.execute(f"GRANT {role} TO %s@'%'", (app_url.user,))
    cur.execute(f"SET DEFAULT ROLE {role} FOR %s@'%'", (app_url.user,))
    try:
        check = check_account(app_url)
        assert check.problems == (f"SELECT on `{booking_url.database}`.* (database privileges)",)
    finally:
        cur.execute("SET DEFAULT ROLE NONE FOR %s@'%'", (app_url.user,))
        cur.execute(f"DROP ROLE {role}")
        conn.close()
    assert check_account(app_url).problems == ()


@pytest.mark.parametrize("secret", ["x", "0123456789abcdef0123456789abcde"])
def test_serve_refuses_a_short_jwt_secret(app_url, secret):
    output = Served(app_url, env={"TRAVEL_JWT_SECRET": secret}).refused()
    assert "at least 32" in output


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("GRANT USAGE ON *.* TO `a`@`%` IDENTIFIED BY PASSWORD '*AB'", True),
        ("GRANT EXECUTE ON `travel`.* TO `a`@`%`", True),
        ("GRANT EXECUTE ON PROCEDURE `travel`.`pay_reservation` TO `a`@`%`", True),
        ("GRANT EXECUTE ON *.* TO `a`@`%`", False),
        ("GRANT SELECT, EXECUTE ON `travel`.* TO `a`@`%`", False),
        ("GRANT SELECT (`email`, `user_id`) ON `travel`.`users` TO `a`@`%`", False),
        ("GRANT PROCESS ON *.* TO `a`@`%`", False),
        ("GRANT EXECUTE ON `travel`.* TO `a`@`%` WITH GRANT OPTION", False),
        ("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION", False),
    ],
)
def test_which_grants_an_api_account_may_hold(line, allowed):
    from harness.api.serve import _GRANT

    grant = _GRANT.match(line)
    assert (not _privilege_problems(line, grant["privileges"], grant["on"])) is allowed


# -- waitress's own refusals ------------------------------------------------------------------------
def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"THIS IS NOT HTTP\r\n\r\n", 400),
        (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        # just over waitress's 256 KiB of headers, all of it read (unread bytes would reset the connection)
        (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 262_144, 431),
        (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413),
        (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n", 400),
        (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
        (b"DELETE /api/v1/trips HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405),
        (b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
        (
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{not json",
            400,
        ),
    ],
)
def test_refusals_of_the_web_server_itself_are_json(served, request_bytes, status):
    """Issue 14: four refusals made by waitress came back as text/plain."""
    port = int(served.split(":")[2].split("/")[0])
    got, headers, body = _raw(port, request_bytes)
    assert got == status and headers["content-type"].startswith("application/json"), body[:200]
    import json

    error = json.loads(body)["error"]
    assert set(error) == {"code", "message"} and error["code"].isupper()


# -- throttling across processes --------------------------------------------------------------------
def test_failed_logins_through_one_process_block_another(served, booking_url):
    """Guesses made through `travel serve` (one process) count in this test's own app (another)."""
    email = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    http = requests.Session()
    account = {"email": email, "password": "a long password", "full_name": "Shared Count"}
    assert http.post(f"{served}/auth/register", json=account).status_code == 201
    guesses = [http.post(f"{served}/auth/login", json={"email": email, "password": f"guess {n}"}) for n in range(5)]
    assert [g.status_code for g in guesses] == [401] * 5
    here = create_app(booking_url, jwt_secret=SECRET, password_hasher=CHEAP_HASHER, project_root=REPO_ROOT)
    response = here.test_client().post("/api/v1/auth/login", json={"email": email, "password": "a long password"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    again = http.post(f"{served}/auth/login", json={"email": email, "password": "a long password"})
    assert again.status_code == 429 and again.headers["Retry-After"].isdigit()
    here.extensions["travel_pool"].close()
