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

from ..db import DatabaseUrl
from ..errors import TravelError
from ..project import find_root
from . import auth, booking, health
from .pool import ConnectionPool
from .web import register_error_handlers

DEFAULT_TTL_SECONDS = 3600


def create_app(
    database_url: DatabaseUrl,
    *,
    jwt_secret: str | None = None,
    debug: bool = False,
    token_ttl: int = DEFAULT_TTL_SECONDS,
    pool_size: int = 8,
    password_hasher: PasswordHasher | None = None,
    project_root: Path | None = None,
) -> Flask:
    """`jwt_secret` is required unless `debug` (which then makes up a throwaway one)."""
    if not jwt_secret:
        if not debug:
            raise TravelError(
                "set TRAVEL_JWT_SECRET (a long random string) to sign tokens; refusing to start without it"
            )
        jwt_secret = secrets.token_urlsafe(32)
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
    app.extensions["travel_pool"] = ConnectionPool(database_url, pool_size)
    for blueprint in (auth.blueprint, booking.trips, booking.reservations, booking.payments, health.blueprint):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app
