"""The API against the real test database, through Flask's test client.

Trips depart in 2031 (the procedures' test world), so holds made by the API on the real
clock are in the future and unexpired for the length of a test run.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from harness.api import create_app
from harness.api.throttle import LoginThrottle

from ..procedures.conftest import REPO_ROOT, Shop, booking_url, open_at  # noqa: F401 - booking_url is a fixture

SECRET = "test-secret-that-is-long-enough-for-hs256"
# Argon2id with the cheapest parameters: the scheme is the real one, the cost is a test's.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_serial = itertools.count(1)


def own_throttle(**limits) -> LoginThrottle:
    """A throttle on the machine's Redis with keys of its own, so that one test's failed logins
    (all from 127.0.0.1) never block another's."""
    from harness.api.throttle import Limits

    return LoginThrottle(limits=Limits(**limits), namespace=f"travel-test-{uuid.uuid4().hex}")


@pytest.fixture(scope="module")
def app(booking_url):  # noqa: F811
    app = create_app(
        booking_url, jwt_secret=SECRET, password_hasher=CHEAP_HASHER, project_root=REPO_ROOT, throttle=own_throttle()
    )
    yield app
    app.extensions["travel_pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def shop(booking_url) -> Iterator[Shop]:  # noqa: F811
    conn = open_at(booking_url, None)
    yield Shop(booking_url, conn)
    conn.close()


class Customer:
    """A registered, logged-in customer: `headers` carries the Bearer token."""

    def __init__(self, client, name: str = "Ada Lovelace"):
        self.email = f"api-user{next(_serial)}@example.com"
        self.password = "correct horse battery"
        response = client.post(
            "/api/v1/auth/register", json={"email": self.email, "password": self.password, "full_name": name}
        )
        assert response.status_code == 201, response.json
        self.user_id = response.json["user_id"]
        login = client.post("/api/v1/auth/login", json={"email": self.email, "password": self.password})
        assert login.status_code == 200, login.json
        self.token = login.json["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def customer(client) -> Customer:
    return Customer(client)


def error_code(response) -> str:
    assert set(response.json) == {"error"} and set(response.json["error"]) == {"code", "message"}, response.json
    return response.json["error"]["code"]
