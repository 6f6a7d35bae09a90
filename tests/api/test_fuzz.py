"""Schemathesis generates requests from /api/v1/openapi.json (valid and invalid ones, with a real
token) and checks every answer: never a 5xx, and status, content type and body as the spec says.

Driven through Hypothesis directly (one strategy per operation): schemathesis' pytest fixture
loader does not run under pytest 9.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import Customer

EXAMPLES_PER_OPERATION = 60


def test_the_api_never_fails_and_keeps_to_its_spec(app):
    token = Customer(app.test_client(), "Fuzz Tester").token
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9  # every path and method of the spec

    for operation in operations:
        if operation.path == "/api/v1/health":
            continue  # 503 by design on a test server without the event scheduler; tested apart

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def check(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            # A schema-valid request may still break a rule only the database knows (an email
            # address it refuses, a trip that does not exist): that 400/404 is right, not a bug.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
