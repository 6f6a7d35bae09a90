"""One exception type per error code of CONTRACT.md, raised from a single errno map."""

from __future__ import annotations

import mysql.connector


class TravelError(Exception):
    """Base of every error the harness reports to a user."""

    code = "ERROR"
    errno = 0
    http_status = 500


class BusinessError(TravelError):
    """A failure signalled by a procedure (SQLSTATE 45000, errno 50001-50008)."""


class InvalidArgument(BusinessError):
    code, errno, http_status = "INVALID_ARGUMENT", 50001, 400


class NotFound(BusinessError):
    code, errno, http_status = "NOT_FOUND", 50002, 404


class SoldOut(BusinessError):
    code, errno, http_status = "SOLD_OUT", 50003, 409


class InvalidState(BusinessError):
    code, errno, http_status = "INVALID_STATE", 50004, 409


class Duplicate(BusinessError):
    code, errno, http_status = "DUPLICATE", 50005, 409


class AmountMismatch(BusinessError):
    code, errno, http_status = "AMOUNT_MISMATCH", 50006, 422


class Forbidden(BusinessError):
    code, errno, http_status = "FORBIDDEN", 50007, 403


class TooLate(BusinessError):
    code, errno, http_status = "TOO_LATE", 50008, 409


class MigrationError(TravelError):
    """A migration could not be applied, validated or locked; the message says how to fix it."""

    code = "MIGRATION"


class ServerError(TravelError):
    """The local server could not be initialised, started or stopped."""

    code = "SERVER"


BUSINESS_ERRORS: dict[int, type[BusinessError]] = {
    cls.errno: cls
    for cls in (
        InvalidArgument,
        NotFound,
        SoldOut,
        InvalidState,
        Duplicate,
        AmountMismatch,
        Forbidden,
        TooLate,
    )
}

# Errors worth retrying as a whole transaction: deadlock (also a Galera certification
# failure) and lock wait timeout.
RETRYABLE_ERRNOS = frozenset({1213, 1205})


# The server refuses some bad input before a procedure body runs: a value too long or out of
# range for a parameter's type, a malformed number or date, invalid JSON for a JSON parameter
# (MySQL), a value out of range for an unsigned column, a truncated value. That is the
# database saying INVALID_ARGUMENT, so it is reported as one.
PARAMETER_ERRNOS = frozenset({1406, 1264, 1366, 1292, 3140, 3141, 3156, 1690, 1265, 1367})


def translate(err: mysql.connector.Error) -> Exception:
    """Turn a driver error into the contract's exception when it is one of ours."""
    errno = getattr(err, "errno", None) or 0
    message = err.msg if getattr(err, "msg", None) else str(err)
    if errno in PARAMETER_ERRNOS:
        return InvalidArgument(f"INVALID_ARGUMENT: {message}")
    cls = BUSINESS_ERRORS.get(errno)
    return err if cls is None else cls(message)
