"""The REST API: a thin door to the stored procedures (Flask app factory).

    app = create_app(database_url, jwt_secret="...")

It authenticates (Bearer JWT), maps JSON to procedure calls and errors to HTTP statuses
(CONTRACT.md); it enforces no business rule of its own.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from argon2 import PasswordHasher
from flask import Flask

from ..db import DatabaseUrl, read_your_writes
from ..errors import TravelError
from ..project import find_root
from . import auth, booking, health
from .pool import ConnectionPool
from .throttle import DEFAULT_REDIS_URL, LoginThrottle
from .web import register_access_log, register_error_handlers

DEFAULT_TTL_SECONDS = 3600
MIN_SECRET_BYTES = 32  # HS256 signs with a 256-bit key; a shorter secret can be brute-forced


def create_app(
    database_url: DatabaseUrl,
    *,
    jwt_secret: str | None = None,
    debug: bool = False,
    token_ttl: int = DEFAULT_TTL_SECONDS,
    pool_size: int = 8,
    password_hasher: PasswordHasher | None = None,
    project_root: Path | None = None,
    throttle: LoginThrottle | None = None,
    status_ttl: float = 5.0,
) -> Flask:
    """`jwt_secret` (at least 32 bytes) is required unless `debug` (which then makes up a
    throwaway one). `throttle` counts failed logins (default: Redis on 127.0.0.1, keys named
    after the database); `status_ttl` is how long an account's active/disabled status is cached."""
    if not jwt_secret:
        if not debug:
            raise TravelError(
                "set TRAVEL_JWT_SECRET (a long random string) to sign tokens; refusing to start without it"
            )
        jwt_secret = secrets.token_urlsafe(32)
    if len(jwt_secret.encode()) < MIN_SECRET_BYTES:
        raise TravelError(
            f"TRAVEL_JWT_SECRET has {len(jwt_secret.encode())} bytes; it must have at least {MIN_SECRET_BYTES} "
            "(make one with: openssl rand -hex 32)"
        )
    app = Flask("travel")
    app.config.update(
        JWT_SECRET=jwt_secret,
        JWT_TTL_SECONDS=token_ttl,
        DEBUG=debug,
        PROJECT_ROOT=project_root or find_root(),
        MAX_CONTENT_LENGTH=64 * 1024,  # no request of this API needs more
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    hasher = password_hasher or PasswordHasher()
    app.extensions["travel_hasher"] = hasher
    app.extensions["travel_dummy_hash"] = hasher.hash(secrets.token_urlsafe(16))
    # on Galera, reads wait for what other nodes committed (a booking made through another node)
    app.extensions["travel_pool"] = ConnectionPool(read_your_writes(database_url), pool_size)
    namespace = f"travel:{database_url.host}:{database_url.port}/{database_url.database}"
    app.extensions["travel_throttle"] = throttle or LoginThrottle(DEFAULT_REDIS_URL, namespace=namespace)
    app.extensions["travel_accounts"] = auth.AccountStatus(status_ttl)
    for blueprint in (auth.blueprint, booking.trips, booking.reservations, booking.payments, health.blueprint):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_access_log(app)
    return app
