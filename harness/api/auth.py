"""Accounts and tokens: register, login, and the Bearer JWT every customer endpoint requires.

Passwords are hashed with Argon2id (memory-hard) here, because the database only ever sees the
hash, and must pass the policy of passwords.py. A login for an unknown email still verifies a
password against a dummy hash, so the answer takes as long as for a known one and does not
reveal which emails exist. Failed logins are throttled per account and per client address
(throttle.py): 429 with Retry-After.

A token names its user (`sub`) and email; every request checks, through `get_login`, that the
account is still active. A request that changes something (book, pay, cancel) always asks the
database; a read may use the answer cached per process for `status_ttl` seconds (5), so reads
cost one procedure call per user and process every few seconds, and a disabled account can
move no money from the moment it is disabled.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, current_app, g, jsonify, request

from .. import procedures
from .passwords import password_problem
from .throttle import LoginThrottle, ThrottleUnavailable
from .web import ApiError, json_body, log, pool

blueprint = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


def hasher() -> PasswordHasher:
    return current_app.extensions["travel_hasher"]


def throttle() -> LoginThrottle:
    return current_app.extensions["travel_throttle"]


@blueprint.post("/register")
def register():
    body = json_body({"email": str, "password": str, "full_name": str}, {"phone": (str, None)})
    problem = password_problem(body["password"], body["email"], body["full_name"])
    if problem:
        raise ApiError(400, problem, "INVALID_ARGUMENT")
    password_hash = hasher().hash(body["password"])
    with pool().connection() as conn:
        user_id = procedures.register_user(conn, body["email"], password_hash, body["full_name"], body.get("phone"))
    return jsonify({"user_id": user_id, "email": body["email"].strip().lower()}), 201


@blueprint.post("/login")
def login():
    body = json_body({"email": str, "password": str})
    email, address = body["email"], request.remote_addr
    _refuse_if_throttled(email, address)
    with pool().connection() as conn:
        account = procedures.get_login(conn, email)
        password_hash = account.password_hash if account else current_app.extensions["travel_dummy_hash"]
        verified = _verify(password_hash, body["password"])
        ok = account is not None and verified and account.status == "active"
        if account is not None:
            procedures.record_login(conn, account.user_id, ok, address)
    _count(email, address, ok)
    if not ok:
        disabled = account is not None and verified
        raise ApiError(401, "this account is disabled" if disabled else "wrong email or password")
    ttl = current_app.config["JWT_TTL_SECONDS"]
    token = issue_token(account.user_id, email.strip().lower())
    return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": ttl})


def _refuse_if_throttled(email: str, address: str | None) -> None:
    try:
        wait = throttle().retry_after(email, address)
    except ThrottleUnavailable as err:
        log.error("login throttle store unavailable: %s", err)
        raise ApiError(503, "logins are unavailable for a moment; try again shortly") from None
    if wait:
        raise ApiError(429, f"too many failed logins; try again in {wait} seconds", retry_after=wait)


def _count(email: str, address: str | None, ok: bool) -> None:
    try:
        if ok:
            throttle().succeeded(email, address)
        else:
            throttle().failed(email, address)
    except ThrottleUnavailable as err:
        log.error("login throttle store unavailable: %s", err)
        raise ApiError(503, "logins are unavailable for a moment; try again shortly") from None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: int, email: str, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    claims = {
        "sub": str(user_id),
        "email": email,
        "iat": now,
        "exp": now + dt.timedelta(seconds=current_app.config["JWT_TTL_SECONDS"]),
    }
    return jwt.encode(claims, current_app.config["JWT_SECRET"], algorithm="HS256")


def current_user_id() -> int:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "send a token: Authorization: Bearer <access_token> (from POST /api/v1/auth/login)")
    try:
        claims = jwt.decode(
            token.strip(),
            current_app.config["JWT_SECRET"],
            algorithms=["HS256"],
            options={"require": ["exp", "sub", "email"]},
        )
        user_id, email = int(claims["sub"]), str(claims["email"])
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "the token has expired; log in again") from None
    except (jwt.InvalidTokenError, ValueError):
        raise ApiError(401, "the token is not valid") from None
    fresh = request.method not in ("GET", "HEAD", "OPTIONS")
    if not current_app.extensions["travel_accounts"].active(user_id, email, fresh=fresh):
        raise ApiError(401, "the token's account is disabled or no longer exists")
    return user_id


class AccountStatus:
    """Whether a token's account is active: asked of the database when `fresh`, else at most
    every `ttl` seconds per user and process (0: every request)."""

    def __init__(self, ttl: float = 5.0):
        self.ttl = ttl
        self.lock = threading.Lock()
        self.known: dict[tuple[int, str], tuple[bool, float]] = {}

    def active(self, user_id: int, email: str, fresh: bool = False) -> bool:
        now = time.monotonic()
        with self.lock:
            cached = self.known.get((user_id, email))
        if cached and not fresh and now - cached[1] < self.ttl:
            return cached[0]
        with pool().connection() as conn:
            account = procedures.get_login(conn, email)
        active = account is not None and account.user_id == user_id and account.status == "active"
        with self.lock:
            if len(self.known) > 100_000:
                self.known.clear()  # bounded memory; the next requests re-ask
            self.known[(user_id, email)] = (active, now)
        return active


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.user_id = current_user_id()
        return view(*args, **kwargs)

    return wrapper
