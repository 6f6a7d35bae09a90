"""`travel serve`: checks what the API is about to trust, then runs it under waitress.

Before serving it refuses (unless `--insecure-dev`, for local trials) a database account that
can do more than EXECUTE routines: the API is the door customers knock on, and an account with
table or global privileges behind it turns any bug in it into a bug with the whole database.
The JWT secret must have at least 32 bytes (create_app checks). Refusals waitress makes itself
(a malformed request line, headers too large, a body over the limit) answer in the same JSON
error shape as the app's.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.task import ErrorTask

from ..db import DatabaseUrl, connect
from ..errors import TravelError
from .web import HTTP_CODES

log = logging.getLogger("travel.api")
MAX_BODY_BYTES = 64 * 1024  # as create_app's MAX_CONTENT_LENGTH: waitress refuses more itself
_GRANT = re.compile(r"^GRANT (?P<privileges>.+?) ON (?:(?:PROCEDURE|FUNCTION|PACKAGE BODY|PACKAGE) )?(?P<on>\S+) TO ")
_ROLE = re.compile(r"^GRANT (?P<roles>[^()]+?) TO ")


@dataclass(frozen=True)
class AccountCheck:
    account: str
    problems: tuple[str, ...]  # each grant beyond USAGE and EXECUTE on one database's routines


def check_account(url: DatabaseUrl) -> AccountCheck:
    """What the account of `url` may do beyond executing routines, from its SHOW GRANTS (and
    those of its roles)."""
    conn = connect(url, database=False)
    try:
        cur = conn.cursor()
        cur.execute("SELECT CURRENT_USER()")
        (account,) = cur.fetchone()
        problems = _grant_problems(cur, "SHOW GRANTS", set())
    finally:
        conn.close()
    return AccountCheck(account, tuple(dict.fromkeys(problems)))  # a default role shows twice


def _grant_problems(cur, statement: str, seen: set[str]) -> list[str]:
    cur.execute(statement)
    problems = []
    for (line,) in cur.fetchall():
        grant = _GRANT.match(line)
        if grant:
            problems += _privilege_problems(line, grant["privileges"], grant["on"])
            continue
        role = _ROLE.match(line)
        for name in role["roles"].split(",") if role else []:
            name = name.strip()
            if name and name not in seen:  # a role's privileges are the account's too
                seen.add(name)
                problems += _grant_problems(cur, f"SHOW GRANTS FOR {name}", seen)
    return problems


def _privilege_problems(line: str, privileges: str, on: str) -> list[str]:
    """What one GRANT line allows beyond USAGE and EXECUTE on a database's routines, in words
    (never the line itself: MariaDB's carries the password hash)."""
    without_columns = re.sub(r"\s*\(.*?\)", "", privileges)  # SELECT (a, b) -> SELECT
    names = {name.strip().upper() for name in without_columns.split(",") if name.strip()}
    grant_option = "WITH GRANT OPTION" in line.upper()
    if not grant_option and (names == {"USAGE"} or (names == {"EXECUTE"} and on != "*.*")):
        return []
    scope = "global" if on == "*.*" else "database" if on.endswith(".*") else "table"
    if "PROXY" in names:
        scope = "proxy"
    extra = ", with grant option" if grant_option else ""
    return [f"{', '.join(sorted(names))} on {on} ({scope} privileges{extra})"]


def refuse_privileged(url: DatabaseUrl, insecure_dev: bool) -> AccountCheck:
    check = check_account(url)
    if check.problems and not insecure_dev:
        raise TravelError(
            f"refusing to serve the API as {check.account}, which can do more than execute the routines: "
            + "; ".join(check.problems)
            + ". Use the travel_app account (`travel accounts`, then --app-url), or --insecure-dev for a local trial"
        )
    if check.problems:
        log.warning("--insecure-dev: serving as %s, which has %s", check.account, "; ".join(check.problems))
    return check


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (400, 413, 431, 500, ...) in the API's JSON error shape; the
    message is fixed per status (waitress's detail may quote the request)."""

    def execute(self) -> None:
        error = self.request.error
        body = {"error": {"code": HTTP_CODES.get(error.code, "ERROR"), "message": error.reason.lower()}}
        data = json.dumps(body).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(data)
        self.write(data)


class JsonChannel(HTTPChannel):
    error_task_class = JsonErrorTask


def make_server(app, host: str, port: int, threads: int):
    """A waitress server (not yet running) whose own error answers are JSON."""
    server = waitress.create_server(
        app, host=host, port=port, threads=threads, ident="travel-db", max_request_body_size=MAX_BODY_BYTES
    )
    listeners = server.map.values() if isinstance(server, MultiSocketServer) else [server]
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = JsonChannel
    return server


def run(
    url: DatabaseUrl,
    *,
    host: str,
    port: int,
    threads: int,
    token_ttl: int,
    debug: bool,
    insecure_dev: bool,
    redis_url: str,
    jwt_secret: str | None,
    project_root,
    echo=print,
) -> None:
    """Check the account and the secret, then serve until interrupted."""
    from . import create_app
    from .throttle import LoginThrottle

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("mysql.connector").setLevel(logging.WARNING)  # one INFO line per new connection
    check = refuse_privileged(url, insecure_dev)
    namespace = f"travel:{url.host}:{url.port}/{url.database}"
    app = create_app(
        url, jwt_secret=jwt_secret, debug=debug, token_ttl=token_ttl, pool_size=threads, project_root=project_root,
        throttle=LoginThrottle(redis_url, namespace=namespace),
    )  # fmt: skip
    server = make_server(app, host, port, threads)
    echo(f"serving the API on http://{host}:{port}/api/v1 (database {url} as {check.account})")
    server.run()
