"""The OpenAPI 3.0 description of the API, served at /api/v1/openapi.json.

Written by hand next to the endpoints (one place to read what a client sends and gets back);
the test suite fuzzes the running app against it with schemathesis.
"""

from __future__ import annotations

from typing import Any

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "120.00"}
DATETIME = {"type": "string", "format": "date-time", "example": "2026-07-01T08:30:00"}
DATE = {"type": "string", "format": "date", "example": "2026-07-01"}
NULLABLE_DATETIME = {**DATETIME, "nullable": True}
MODE = {"type": "string", "enum": ["air", "rail", "bus"]}
STATUS = {"type": "string", "enum": ["held", "confirmed", "cancelled", "expired"]}
ERROR_CODES = {
    "400": "Malformed request or INVALID_ARGUMENT",
    "401": "Missing, bad or expired token",
    "403": "FORBIDDEN",
    "404": "NOT_FOUND",
    "409": "SOLD_OUT, INVALID_STATE, DUPLICATE or TOO_LATE",
    "415": "The body is not JSON",
    "422": "AMOUNT_MISMATCH",
    "429": "Too many failed logins for this account or address; the Retry-After header says when to retry",
    "503": "The database (or the login throttle's store) is unavailable",
}


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties), **extra}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {"error": obj({"code": {"type": "string", "example": "SOLD_OUT"}, "message": {"type": "string"}})},
        additionalProperties=False,
    ),
    "Register": obj(
        {
            "email": {"type": "string", "example": "ada@example.com"},
            "password": {
                "type": "string",
                "minLength": 12,
                "maxLength": 256,
                "example": "correct horse battery",
                "description": "12-256 characters; not a common, repetitive or sequential one, nor your email or name",
            },
            "full_name": {"type": "string", "example": "Ada Lovelace"},
            "phone": {"type": "string", "nullable": True, "example": "+44 20 7946 0000"},
        },
        ["email", "password", "full_name"],
    ),
    "Registered": obj({"user_id": {"type": "integer"}, "email": {"type": "string"}}),
    "Login": obj({"email": {"type": "string"}, "password": {"type": "string"}}),
    "Token": obj(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "seconds"},
        }
    ),
    "Trip": obj(
        {
            "trip_id": {"type": "integer"},
            "mode": MODE,
            "carrier_code": {"type": "string"},
            "service_number": {"type": "string"},
            "origin_code": {"type": "string"},
            "destination_code": {"type": "string"},
            "departs_at": DATETIME,
            "arrives_at": DATETIME,
            "fare_class": {"type": "string", "enum": ["economy", "premium", "business", "first"]},
            "price": MONEY,
            "currency": {"type": "string", "minLength": 3, "maxLength": 3},
            "seats_available": {"type": "integer"},
        }
    ),
    "NewReservation": obj(
        {
            "segments": {
                "type": "array",
                "minItems": 1,
                "maxItems": 4,
                "items": obj({"trip_id": {"type": "integer"}, "fare_class": {"type": "string", "example": "economy"}}),
            },
            "passengers": {
                "type": "array",
                "minItems": 1,
                "maxItems": 9,
                "items": obj(
                    {"full_name": {"type": "string"}, "birth_date": {**DATE, "nullable": True}}, ["full_name"]
                ),
            },
            # with a payment (and the Idempotency-Key header) the seats are held and paid in one call
            "payment": ref("Payment"),
        },
        ["segments", "passengers"],
    ),
    "ReservationSummary": obj(
        {
            "reservation_id": {"type": "integer"},
            "booking_ref": {"type": "string", "minLength": 6, "maxLength": 6},
            "status": STATUS,
            "total_amount": MONEY,
            "currency": {"type": "string"},
            "created_at": DATETIME,
            "expires_at": NULLABLE_DATETIME,
        }
    ),
    "Reservation": {
        "allOf": [
            ref("ReservationSummary"),
            obj(
                {
                    "segments": {"type": "array", "items": {"type": "object"}},
                    "passengers": {"type": "array", "items": {"type": "object"}},
                    "payments": {"type": "array", "items": {"type": "object"}},
                    "refunds": {"type": "array", "items": {"type": "object"}},
                }
            ),
        ]
    },
    "Payment": obj(
        {
            "amount": {**MONEY, "description": "the reservation's total_amount"},
            "currency": {"type": "string", "example": "EUR"},
            "method": {"type": "string", "enum": ["card", "wallet", "bank_transfer"]},
        }
    ),
    "PaymentMade": obj(
        {
            "payment_id": {"type": "integer"},
            "reservation_id": {"type": "integer"},
            "amount": MONEY,
            "currency": {"type": "string"},
            "method": {"type": "string"},
            "created_at": DATETIME,
        }
    ),
    "Cancel": obj({"reason": {"type": "string", "nullable": True}}, []),
    "Cancelled": obj(
        {
            "reservation_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["cancelled"]},
            "refund_amount": MONEY,
        }
    ),
    "Health": obj(
        {
            "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
            "database": {"type": "boolean"},
            "migrations": obj(
                {"current": {"type": "boolean"}, "not_applied": {"type": "array", "items": {"type": "string"}}}
            ),
            "event_scheduler": {"type": "string"},
        },
        ["status", "database"],
    ),
}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def operation(summary: str, ok: tuple[str, dict], errors: tuple[str, ...], *, body: str | None = None,
              secured: bool = True, parameters: list | None = None) -> dict[str, Any]:  # fmt: skip
    status, schema = ok
    responses = {status: {"description": "Success", "content": json_content(schema)}}
    for code in errors:
        responses[code] = {"description": ERROR_CODES[code], "content": json_content(ref("Error"))}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body:
        op["requestBody"] = {"required": True, "content": json_content(ref(body))}
    if secured:
        op["security"] = [{"bearer": []}]
    if parameters:
        op["parameters"] = parameters
    return op


def query(name: str, schema: dict, required: bool = False, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


RESERVATION_ID = {"name": "reservation_id", "in": "path", "required": True, "schema": {"type": "integer"}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    "description": "Unique per payment; a replay with the same key and body returns the same payment",
}


def spec() -> dict[str, Any]:
    paths = {
        "/api/v1/auth/register": {
            "post": operation(
                "Create a customer account",
                ("201", ref("Registered")),
                ("400", "409", "415"),
                body="Register",
                secured=False,
            )  # fmt: skip
        },
        "/api/v1/auth/login": {
            "post": operation(
                "Exchange email and password for a Bearer token",
                ("200", ref("Token")),
                ("400", "401", "415", "429", "503"),
                body="Login",
                secured=False,
            )  # fmt: skip
        },
        "/api/v1/trips": {
            "get": operation(
                "Search scheduled trips with seats on a UTC date",
                ("200", obj({"trips": {"type": "array", "items": ref("Trip")}})),
                ("400", "404"),
                secured=False,
                parameters=[
                    query("from", {"type": "string", "minLength": 1}, True, "origin station code"),
                    query("to", {"type": "string", "minLength": 1}, True, "destination station code"),
                    query("date", {"type": "string", "format": "date"}, True, "departure date (UTC)"),
                    query("mode", MODE),
                    query("passengers", {"type": "integer", "minimum": 1, "maximum": 9, "default": 1}),
                ],
            )
        },
        "/api/v1/reservations": {
            "post": operation(
                "Hold seats for passengers on 1-4 trips",
                ("201", ref("ReservationSummary")),
                ("400", "401", "404", "409", "415"),
                body="NewReservation",
            ),  # fmt: skip
            "get": operation(
                "The caller's reservations, newest first",
                ("200", obj({"reservations": {"type": "array", "items": ref("ReservationSummary")}})),
                ("400", "401", "404"),
                parameters=[query("status", STATUS)],
            ),
        },
        "/api/v1/reservations/{reservation_id}": {
            "get": operation(
                "One of the caller's reservations with segments, passengers, tickets and money",
                ("200", ref("Reservation")),
                ("400", "401", "404"),
                parameters=[RESERVATION_ID],
            )  # fmt: skip
        },
        "/api/v1/reservations/{reservation_id}/payments": {
            "post": operation(
                "Pay the total due: confirms the reservation and issues tickets",
                ("201", ref("PaymentMade")),
                ("400", "401", "404", "409", "415", "422"),
                body="Payment",
                parameters=[RESERVATION_ID, IDEMPOTENCY_KEY],
            )  # fmt: skip
        },
        "/api/v1/reservations/{reservation_id}/cancel": {
            "post": operation(
                "Cancel; a paid reservation is refunded by the refund rules",
                ("200", ref("Cancelled")),
                ("400", "401", "404", "409", "415"),
                parameters=[RESERVATION_ID],
            )  # fmt: skip
        },
        "/api/v1/health": {
            "get": {
                "summary": "Database reachable, migrations current, event scheduler on",
                "responses": {
                    "200": {"description": "Healthy", "content": json_content(ref("Health"))},
                    "503": {"description": "Not healthy; the body says why", "content": json_content(ref("Health"))},
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.0"}}}
        },
    }
    cancel = paths["/api/v1/reservations/{reservation_id}/cancel"]["post"]
    cancel["requestBody"] = {"required": False, "content": json_content(ref("Cancel"))}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "travel-db",
            "version": "1",
            "description": "Ticket reservations for flights, trains and buses. Every rule is enforced by the "
            'database\'s stored procedures; errors are {"error": {"code", "message"}}.',
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
