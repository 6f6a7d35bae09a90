"""What every endpoint shares: the error shape, JSON bodies with checked types and depth,
JSON-safe values, the pooled connection of the current request, and the access log."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import mysql.connector
from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import BusinessError, InvalidArgument
from ..output import json_value

log = logging.getLogger("travel.api")
access_log = logging.getLogger("travel.api.access")

# Status codes that are not business errors of CONTRACT.md.
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    411: "LENGTH_REQUIRED",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    431: "HEADERS_TOO_LARGE",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
}
MAX_JSON_DEPTH = 32  # the deepest body of this API nests 3 levels

# A procedure's argument (CONTRACT.md's name without `p_`) as the API calls it, where they differ.
API_NAMES = {
    "origin_code": "from",
    "destination_code": "to",
    "idempotency_key": "Idempotency-Key",
    "reservation_id": "reservation id",
    "user_id": "user id",
    "password_hash": "password",
    "ip": "client address",
}
_NAME = re.compile(r"\b(?:p_)?(" + "|".join(API_NAMES) + r")\b|\bp_(\w+)")
# Traces of a server's own wording: it must not reach a caller.
_SERVER_TEXT = re.compile(r"for column|at row|Incorrect \w+ value|Data too long|Out of range|`|SQL", re.IGNORECASE)


class ApiError(Exception):
    """A refusal made by the web layer itself (authentication, request shape, throttling)."""

    def __init__(self, status: int, message: str, code: str | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or HTTP_CODES.get(status, "ERROR")
        self.retry_after = retry_after


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="travel-db"'
    return response


def api_message(message: str) -> str:
    """A procedure's or the harness's message in the API's words: argument names as the API
    calls them, and never a server's own text (which names internal columns and parameters)."""
    if _SERVER_TEXT.search(message):
        fields = sorted(request.args) or sorted(_body_fields())
        where = f" (in {', '.join(fields)})" if fields else ""
        return f"a value of the request{where} is too long, out of range or malformed"
    return _NAME.sub(lambda m: API_NAMES.get(m.group(1) or "", m.group(1) or m.group(2)), message)


def _body_fields() -> list[str]:
    body = request.get_json(silent=True) if request.is_json and request.content_length else None
    return list(body) if isinstance(body, dict) else []


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        response = error_response(err.status, err.code, err.message)
        if err.retry_after:
            response.headers["Retry-After"] = str(err.retry_after)
        return response

    @app.errorhandler(BusinessError)
    def business_error(err: BusinessError):
        # The procedure's message after its "CODE: " prefix; it names the offending input.
        message = str(err).split(": ", 1)[-1]
        if isinstance(err, InvalidArgument) or _SERVER_TEXT.search(message):
            message = api_message(message)
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


def register_access_log(app: Flask) -> None:
    """One line per request: method, path (no query string), status, milliseconds, user id and
    client address. Never a header or body, so never a token or password."""

    @app.before_request
    def started() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def logged(response):
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        user = g.get("user_id") or "-"
        access_log.info(
            "%s %s %d %.1fms user=%s addr=%s",
            request.method,
            request.path,
            response.status_code,
            elapsed,
            user,
            request.remote_addr or "-",
        )
        return response


def json_body(required: dict[str, type | tuple], optional: dict[str, type | tuple] | None = None) -> dict[str, Any]:
    """The request's JSON object with each field of the right JSON type (400 otherwise; 415 for
    a body that is not JSON). Values are checked for type only: their rules are the database's."""
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise ApiError(400, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
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


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deep a JSON text nests, counted without parsing it (the parser recurses, and a body
    of 64 KiB of brackets would exhaust Python's recursion limit: a 500)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


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
