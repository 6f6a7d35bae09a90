"""Bad values on the command line are usage errors (exit 2) naming the option, never a
traceback, and never a silent stand-in (port 0 must not mean the machine's server on 3306)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from harness.cli import cli

GOOD_URL = "mysql://root@127.0.0.1:1/travel"  # never reached: the option is refused first


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "-1", "abc", "604801"])
@pytest.mark.parametrize("command", ["migrate", "repair"])
def test_lock_timeout_must_be_finite_seconds(command, value):
    result = CliRunner().invoke(cli, ["--database-url", GOOD_URL, command, "--lock-timeout", value])
    assert result.exit_code == 2, result.output
    assert "--lock-timeout" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@127.0.0.1:0/travel",
        "mysql://root@127.0.0.1:65536/travel",
        "mysql://root@127.0.0.1:abc/travel",
        "postgres://root@127.0.0.1/travel",
    ],  # fmt: skip
)
def test_a_database_url_that_cannot_be_right_is_a_usage_error(url):
    result = CliRunner().invoke(cli, ["--database-url", url, "info"])
    assert result.exit_code == 2, result.output
    assert "--database-url" in result.output and "Traceback" not in result.output


def test_port_zero_from_the_environment_is_refused_too():
    result = CliRunner().invoke(cli, ["info"], env={"TRAVEL_DATABASE_URL": "mysql://root@127.0.0.1:0/travel"})
    assert result.exit_code == 2, result.output
    assert "port 0" in result.output


def test_a_refused_url_does_not_echo_its_password():
    result = CliRunner().invoke(cli, ["--database-url", "postgres://root:s3cret-pw@127.0.0.1/travel", "info"])
    assert result.exit_code == 2, result.output
    assert "s3cret-pw" not in result.output
