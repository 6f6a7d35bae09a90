"""Accounts and tokens: register, login, and the Bearer JWT every customer endpoint requires.

Passwords are hashed with Argon2id (memory-hard) here, because the database only ever sees the
hash. A login for an unknown email still verifies a password against a dummy hash, so the
answer takes as long as for a known one and does not reveal which emails exist.
"""

from __future__ import annotations

import datetime as dt
import functools

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, current_app, g, jsonify, request

from .. import procedures
from .web import ApiError, json_body, pool

blueprint = Blueprint("auth", __name__, url_prefix="/api/v1/auth")
MIN_PASSWORD = 8


def hasher() -> PasswordHasher:
    return current_app.extensions["travel_hasher"]


@blueprint.post("/register")
def register():
    body = json_body({"email": str, "password": str, "full_name": str}, {"phone": (str, None)})
    if len(body["password"]) < MIN_PASSWORD:
        raise ApiError(400, f"password must have at least {MIN_PASSWORD} characters", "INVALID_ARGUMENT")
    password_hash = hasher().hash(body["password"])
    with pool().connection() as conn:
        user_id = procedures.register_user(conn, body["email"], password_hash, body["full_name"], body.get("phone"))
    return jsonify({"user_id": user_id, "email": body["email"].strip().lower()}), 201


@blueprint.post("/login")
def login():
    body = json_body({"email": str, "password": str})
    with pool().connection() as conn:
        account = procedures.get_login(conn, body["email"])
        password_hash = account.password_hash if account else current_app.extensions["travel_dummy_hash"]
        verified = _verify(password_hash, body["password"])
        if account is None:
            raise ApiError(401, "wrong email or password")
        ok = verified and account.status == "active"
        procedures.record_login(conn, account.user_id, ok, request.remote_addr)
    if not ok:
        raise ApiError(401, "wrong email or password" if not verified else "this account is disabled")
    ttl = current_app.config["JWT_TTL_SECONDS"]
    return jsonify({"access_token": issue_token(account.user_id), "token_type": "Bearer", "expires_in": ttl})


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: int, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    claims = {"sub": str(user_id), "iat": now, "exp": now + dt.timedelta(seconds=current_app.config["JWT_TTL_SECONDS"])}
    return jwt.encode(claims, current_app.config["JWT_SECRET"], algorithm="HS256")


def current_user_id() -> int:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "send a token: Authorization: Bearer <access_token> (from POST /api/v1/auth/login)")
    try:
        claims = jwt.decode(
            token.strip(), current_app.config["JWT_SECRET"], algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
        return int(claims["sub"])
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "the token has expired; log in again") from None
    except (jwt.InvalidTokenError, ValueError):
        raise ApiError(401, "the token is not valid") from None


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.user_id = current_user_id()
        return view(*args, **kwargs)

    return wrapper
