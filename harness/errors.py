"""One exception type per error code of CONTRACT.md, raised from a single errno map."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
# range for a parameter's type, a malformed number or date, invalid UTF-8, invalid JSON for a JSON
# parameter (MySQL), a value out of range for an unsigned column, a truncated value. That is the
# database saying INVALID_ARGUMENT, so it is reported as one, in the contract's words: the message
# names the argument (never the server's text, never an internal `p_` parameter name).
PARAMETER_ERRNOS = frozenset({1406, 1264, 1366, 1292, 3140, 3141, 3156, 1690, 1265, 1367})

# "... for column 'p_currency' at row 0" (MySQL) or "... for column ``.``.`p_date` at row 1".
_COLUMN = re.compile(r"for column (?:`[^`]*`\.)*[`']([^`']+)[`']")
_PROBLEMS = (  # (errno, start of the server's message, what the caller is told)
    (1406, "", "is too long"),
    (1264, "", "is too big or too small"),
    (1690, "", "is too big or too small"),
    (1366, "Incorrect string value", "is not valid UTF-8 text"),
    (1366, "", "is not a number"),
    (1292, "Incorrect date value", "is not a valid date (YYYY-MM-DD)"),
    (1292, "Incorrect datetime value", "is not a valid date and time (YYYY-MM-DD HH:MM:SS)"),
    (1292, "", "is not a valid value"),
    (1265, "", "is not a valid value"),
    (1367, "", "is not a valid value"),
    (3140, "", "is not valid JSON"),
    (3141, "", "is not valid JSON"),
    (3156, "", "is not valid JSON"),
)


def parameter_problem(err: mysql.connector.Error, parameters: Sequence[str] = ()) -> str:
    """The message for a value the server refused to bind: "currency is too long".

    The argument is named when the server names a parameter of the call (`p_currency`); when
    it names something else (a column or variable deep in a procedure body: a procedure bug,
    but not one to show a caller as is), the message lists the arguments it can have come from."""
    errno, text = getattr(err, "errno", 0), getattr(err, "msg", None) or str(err)
    problem = next(said for code, start, said in _PROBLEMS if code == errno and text.startswith(start))
    found = _COLUMN.search(text)
    column = found.group(1) if found else ""
    name = column[2:] if column.startswith("p_") else ""
    if name and (not parameters or name in parameters):
        return f"{name} {problem}"
    if parameters:
        return f"a value in {', '.join(parameters)} {problem}"
    return f"an argument {problem}"


def translate(err: mysql.connector.Error, parameters: Sequence[str] = ()) -> Exception:
    """Turn a driver error into the contract's exception when it is one of ours. `parameters`
    are the IN arguments of the procedure called, in the caller's words (no `p_`)."""
    errno = getattr(err, "errno", None) or 0
    message = err.msg if getattr(err, "msg", None) else str(err)
    if errno in PARAMETER_ERRNOS:
        return InvalidArgument(f"INVALID_ARGUMENT: {parameter_problem(err, parameters)}")
    cls = BUSINESS_ERRORS.get(errno)
    return err if cls is None else cls(message)
