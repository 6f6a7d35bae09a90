"""The harness's wording of values the server refused to bind, for MariaDB's and MySQL's texts."""

from __future__ import annotations

import mysql.connector
import pytest

from harness.errors import InvalidArgument, translate

from .referee import clean_message

PAY = ["reservation_id", "user_id", "amount", "currency", "method", "idempotency_key"]


@pytest.mark.parametrize(
    ("errno", "server_text", "expected"),
    [
        (1406, "Data too long for column 'p_currency' at row 0", "currency is too long"),
        (1264, "Out of range value for column 'p_reservation_id' at row 1", "reservation_id is too big or too small"),
        (
            1366,
            "Incorrect string value: '\\xFF\\xFE' for column ``.``.`p_idempotency_key` at row 0",
            "idempotency_key is not valid UTF-8 text",
        ),  # fmt: skip
        (1366, "Incorrect integer value: 'abc' for column ``.``.`p_user_id` at row 1", "user_id is not a number"),
        (
            1292,
            "Incorrect date value: 'junk' for column ``.``.`p_amount` at row 1",
            "amount is not a valid date (YYYY-MM-DD)",
        ),  # fmt: skip
        (
            3140,
            "Invalid JSON text: \"Invalid value.\" at position 0 in value for column 'p_method'.",
            "method is not valid JSON",
        ),  # fmt: skip
        # a column deep in a procedure body: not the caller's word, so the arguments are listed
        (
            1264,
            "Out of range value for column 'v_candidate' at row 1",
            "a value in reservation_id, user_id, amount, currency, method, idempotency_key is too big or too small",
        ),  # fmt: skip
    ],
)
def test_a_binding_error_names_the_argument_in_the_callers_words(errno, server_text, expected):
    err = translate(mysql.connector.Error(msg=server_text, errno=errno), PAY)
    assert isinstance(err, InvalidArgument)
    assert str(err) == f"INVALID_ARGUMENT: {expected}"
    assert clean_message(expected) is None
