"""What every endpoint shares: the error shape, JSON bodies with checked types, JSON-safe values
and the pooled connection of the current request."""

from __future__ import annotations

import logging
from typing import Any

import mysql.connector
from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import BusinessError
from ..output import json_value

log = logging.getLogger("travel.api")

# Status codes that are not business errors of CONTRACT.md.
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """A refusal made by the web layer itself (authentication, request shape)."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or HTTP_CODES.get(status, "ERROR")


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="travel-db"'
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        return error_response(err.status, err.code, err.message)

    @app.errorhandler(BusinessError)
    def business_error(err: BusinessError):
        # The procedure's message after its "CODE: " prefix; it names the offending input.
        message = str(err).split(": ", 1)[-1]
        return error_response(err.http_status, err.code, message)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        return error_response(status, HTTP_CODES.get(status, "ERROR"), err.description or err.name)

    @app.errorhandler(mysql.connector.Error)
    def database_unavailable(err: mysql.connector.Error):
        log.error("database error: %s", err)  # the details go to the log, never to the client
        return error_response(503, "UNAVAILABLE", "the database is unavailable; try again shortly")

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unexpected error")
        return error_response(500, "INTERNAL", "unexpected error; it has been logged")


def json_body(required: dict[str, type | tuple], optional: dict[str, type | tuple] | None = None) -> dict[str, Any]:
    """The request's JSON object with each field of the right JSON type (400 otherwise; 415 for
    a body that is not JSON). Values are checked for type only: their rules are the database's."""
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    allowed = {**required, **(optional or {})}
    for name, kind in allowed.items():
        if name not in body:
            if name in required:
                raise ApiError(400, f"field {name!r} is required", "INVALID_ARGUMENT")
            continue
        if not _is(body[name], kind):
            raise ApiError(400, f"field {name!r} must be {_kind_name(kind)}", "INVALID_ARGUMENT")
    return body


def _is(value: Any, kind: type | tuple) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true is not a number
    return any(value is None if k is None else isinstance(value, k) for k in kinds)


def _kind_name(kind: type | tuple) -> str:
    names = {str: "a string", int: "an integer", list: "an array", dict: "an object", None: "null"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, str(k)) for k in kinds)


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON: money as strings, times as ISO 8601."""
    return {key: json_value(value) for key, value in row.items()}


def pool():
    return current_app.extensions["travel_pool"]
