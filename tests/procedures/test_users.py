"""register_user, get_login, record_login."""

from __future__ import annotations

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW


def test_register_stores_email_lower_case_and_get_login_finds_it(shop):
    user_id = sp.register_user(shop.conn, "  Grace.Hopper@Example.COM ", "scrypt$abc", " Grace Hopper ", "")
    assert shop.query("SELECT email, full_name, phone, status, created_at FROM users WHERE user_id = %s", user_id) == [
        {"email": "grace.hopper@example.com", "full_name": "Grace Hopper", "phone": None, "status": "active",
         "created_at": NOW}
    ]  # fmt: skip
    login = sp.get_login(shop.conn, "GRACE.HOPPER@example.com")
    assert login == sp.Login(user_id=user_id, password_hash="scrypt$abc", status="active")
    assert sp.get_login(shop.conn, "nobody@example.com") is None


@pytest.mark.parametrize(
    ("email", "password_hash", "name", "errno"),
    [
        ("taken@example.com", "h", "Dup", 50005),
        ("TAKEN@example.com", "h", "Dup by case", 50005),
        ("not-an-email", "h", "N", 50001),
        ("a@b", "h", "N", 50001),
        ("has space@example.com", "h", "N", 50001),
        (None, "h", "N", 50001),
        ("ok@example.com", "", "N", 50001),
        ("ok@example.com", "h", "   ", 50001),
    ],
)
def test_register_errors(shop, email, password_hash, name, errno):
    if sp.get_login(shop.conn, "taken@example.com") is None:
        sp.register_user(shop.conn, "taken@example.com", "h", "Taken")
    assert_fails_unchanged(shop.url, errno, lambda: sp.register_user(shop.conn, email, password_hash, name))


def test_record_login(shop):
    user_id = shop.user()
    sp.record_login(shop.conn, user_id, True, "203.0.113.7")
    sp.record_login(shop.conn, user_id, False, "2001:db8::1")
    rows = shop.query("SELECT success, ip, created_at FROM login_events WHERE user_id = %s ORDER BY 1 DESC", user_id)
    assert rows == [
        {"success": 1, "ip": "203.0.113.7", "created_at": NOW},
        {"success": 0, "ip": "2001:db8::1", "created_at": NOW},
    ]
    assert_fails_unchanged(shop.url, 50002, lambda: sp.record_login(shop.conn, 999999999, True, None))
    assert_fails_unchanged(shop.url, 50002, lambda: sp.record_login(shop.conn, None, True, None))
    assert_fails_unchanged(shop.url, 50001, lambda: sp.record_login(shop.conn, user_id, None, None))
