"""Trips, reservations and payments: each endpoint is one procedure call (plus a read of the
result), with the JSON mapped in and out. Every rule is the procedures'."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask import Blueprint, g, jsonify, request

from .. import procedures
from ..output import json_value
from .auth import login_required
from .web import ApiError, json_body, plain, pool

trips = Blueprint("trips", __name__, url_prefix="/api/v1/trips")
reservations = Blueprint("reservations", __name__, url_prefix="/api/v1/reservations")
payments = Blueprint("payments", __name__, url_prefix="/api/v1/reservations")

SUMMARY = ("reservation_id", "booking_ref", "status", "total_amount", "currency", "created_at", "expires_at")


def _query_int(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name!r} must be an integer", "INVALID_ARGUMENT") from None


def _query_date(name: str) -> dt.date:
    raw = request.args.get(name)
    if raw is None:
        raise ApiError(400, f"query parameter {name!r} is required (YYYY-MM-DD)", "INVALID_ARGUMENT")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name!r} must be a date YYYY-MM-DD", "INVALID_ARGUMENT") from None


def _query_text(name: str) -> str:
    raw = request.args.get(name)
    if not raw:
        raise ApiError(400, f"query parameter {name!r} is required", "INVALID_ARGUMENT")
    return raw


MAX_AMOUNT = Decimal("9999999999.99")  # DECIMAL(12,2)


def _money(text: str) -> Decimal:
    """JSON carries money as a string ("120.00"). Anything that is not a finite number, has more
    than two decimals (the procedure's DECIMAL(12,2) would round "120.001" to 120.00 in silence)
    or does not fit DECIMAL(12,2) is a 400."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ApiError(400, f'amount {text[:40]!r} is not a decimal number like "120.00"', "INVALID_ARGUMENT")
    if abs(value) > MAX_AMOUNT:
        raise ApiError(400, "amount is out of range (at most 9999999999.99)", "INVALID_ARGUMENT")
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_DOWN):
        raise ApiError(400, f"amount {text[:40]!r} has more than two decimals", "INVALID_ARGUMENT")
    return value.quantize(Decimal("0.01"))


@trips.get("")
def search():
    origin, destination = _query_text("from"), _query_text("to")
    date, passengers = _query_date("date"), _query_int("passengers", 1)
    with pool().connection() as conn:
        rows = procedures.search_trips(conn, origin, destination, date, request.args.get("mode"), passengers)
    return jsonify({"trips": [plain(row) for row in rows]})


@reservations.post("")
@login_required
def create():
    body = json_body({"segments": list, "passengers": list}, {"payment": dict})
    if "payment" in body:
        return _purchase(body)
    with pool().connection() as conn:
        reservation_id = procedures.create_reservation(conn, g.user_id, body["segments"], body["passengers"])
        detail = procedures.get_reservation(conn, reservation_id, g.user_id)
    return jsonify({key: plain(detail.reservation)[key] for key in SUMMARY}), 201


def _purchase(body: dict):
    """A body with a payment (amount, currency, method; header Idempotency-Key) holds and pays in
    one call (procedure purchase): the reservation comes back confirmed, with its payment_id."""
    key = request.headers.get("Idempotency-Key", "")
    if not key.strip():
        raise ApiError(400, "the Idempotency-Key header is required with a payment", "INVALID_ARGUMENT")
    payment = body["payment"]
    for name in ("amount", "currency", "method"):
        if not isinstance(payment.get(name), str):
            raise ApiError(400, f"field 'payment.{name}' must be a string", "INVALID_ARGUMENT")
    with pool().connection() as conn:
        reservation_id, payment_id = procedures.purchase(
            conn, g.user_id, body["segments"], body["passengers"], _money(payment["amount"]), payment["currency"],
            payment["method"], key,
        )  # fmt: skip
        detail = procedures.get_reservation(conn, reservation_id, g.user_id)
    return jsonify({**{key: plain(detail.reservation)[key] for key in SUMMARY}, "payment_id": payment_id}), 201


@reservations.get("")
@login_required
def list_mine():
    with pool().connection() as conn:
        rows = procedures.list_reservations(conn, g.user_id, request.args.get("status"))
    return jsonify({"reservations": [plain(row) for row in rows]})


@reservations.get("/<int:reservation_id>")
@login_required
def show(reservation_id: int):
    with pool().connection() as conn:
        detail = procedures.get_reservation(conn, reservation_id, g.user_id)
    money = [plain(row) for row in detail.money]
    return jsonify(
        {
            **plain(detail.reservation),
            "segments": [plain(row) for row in detail.segments],
            "passengers": [plain(row) for row in detail.passengers],
            "payments": [row for row in money if row["kind"] == "payment"],
            "refunds": [row for row in money if row["kind"] == "refund"],
        }
    )


@reservations.post("/<int:reservation_id>/cancel")
@login_required
def cancel(reservation_id: int):
    reason = None
    if request.content_length:  # the body is optional: {"reason": "..."}
        reason = json_body({}, {"reason": (str, None)}).get("reason")
    with pool().connection() as conn:
        refund = procedures.cancel_reservation(conn, reservation_id, g.user_id, reason)
    return jsonify({"reservation_id": reservation_id, "status": "cancelled", "refund_amount": json_value(refund)})


@payments.post("/<int:reservation_id>/payments")
@login_required
def pay(reservation_id: int):
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(
            400, "the Idempotency-Key header is required (any unique string per payment)", "INVALID_ARGUMENT"
        )
    body = json_body({"amount": str, "currency": str, "method": str})
    amount = _money(body["amount"])
    with pool().connection() as conn:
        payment_id = procedures.pay_reservation(
            conn, reservation_id, g.user_id, amount, body["currency"], body["method"], key
        )
        detail = procedures.get_reservation(conn, reservation_id, g.user_id)
    payment = plain(next(row for row in detail.money if row["kind"] == "payment" and row["id"] == payment_id))
    fields = {key: payment[key] for key in ("amount", "currency", "method", "created_at")}
    return jsonify({"payment_id": payment_id, "reservation_id": reservation_id, **fields}), 201
