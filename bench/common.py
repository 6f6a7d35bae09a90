"""What every benchmark shares: where the bench database is, how the machine is described, and
how figures are written into docs/benchmarks.md (each benchmark owns one marked section)."""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.db import COLLATION, DatabaseUrl, connect  # noqa: E402
from harness.migrate import Migrator  # noqa: E402
from harness.project import Project  # noqa: E402
from harness.seed import run_sql_file, seed_reference  # noqa: E402
from harness.server import LocalServer  # noqa: E402

BENCH_DATABASE = "travel_bench"
DOC = ROOT / "docs" / "benchmarks.md"


def bench_url(given: str | None) -> DatabaseUrl:
    """`--database-url`, else TRAVEL_BENCH_DATABASE_URL, else the local server's `travel_bench`
    database (the server is started when needed, and the database created)."""
    text = given or os.environ.get("TRAVEL_BENCH_DATABASE_URL")
    if text:
        return DatabaseUrl.parse(text)
    # All the bench data sets (the million, the search set, sysbench's) fit a 4 GiB pool; with
    # 2 GiB they evict each other and the reports read from disk. Applies when this starts the
    # server; a running one keeps its size (describe_machine prints it beside every figure).
    os.environ.setdefault("TRAVEL_SERVER_BUFFER_POOL", "4G")
    server = LocalServer(ROOT / ".travel" / "server")
    server.start(BENCH_DATABASE)
    return server.url(BENCH_DATABASE)


def server_sql(url: DatabaseUrl, *statements: str) -> None:
    """Run statements on the server, outside any database (create, drop, alter)."""
    conn = connect(url, database=False, autocommit=True)
    for statement in statements:
        conn.cursor().execute(statement)
    conn.close()


def apply_sql_file(url: DatabaseUrl, path: Path) -> None:
    """Run a SQL script in `url.database` as `travel seed` runs a seed file: a what-if."""
    conn = connect(url)
    run_sql_file(conn, path)
    conn.close()


def recreate_database(url: DatabaseUrl) -> None:
    """An empty `url.database` in the project's collation (which `travel migrate` requires)."""
    server_sql(
        url,
        f"DROP DATABASE IF EXISTS `{url.database}`",
        f"CREATE DATABASE `{url.database}` CHARACTER SET utf8mb4 COLLATE {COLLATION}",
    )


def fresh_database(url: DatabaseUrl, project_root: Path | None = None):
    """`url.database` recreated, migrated and given the reference data; returns a connection.
    `project_root`: another checkout's schema, procedures, views and seeds (a baseline)."""
    root = project_root or ROOT
    recreate_database(url)
    Migrator(url, Project(root), echo=lambda _: None).migrate()
    conn = connect(url)
    seed_reference(conn, root)
    return conn


def describe_machine(conn) -> str:
    cur = conn.cursor()
    cur.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
    version, pool = cur.fetchone()
    cur.close()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{dt.date.today().isoformat()}, server {version} (buffer pool {int(pool) // 2**20} MiB), "
        f"{os.cpu_count()} cores, {memory_gib:.0f} GiB RAM"
    )


def command_line() -> str:
    """The command that is running, for the docs: a password in a URL argument is left out."""
    args = [re.sub(r"(mysql://[^:/@\s]+):[^@\s]*@", r"\1:***@", arg) for arg in sys.argv[1:]]
    return " ".join([".venv/bin/python", os.path.relpath(sys.argv[0], ROOT), *args])


def write_section(name: str, body: str) -> None:
    """Replace the text between `<!-- name:begin -->` and `<!-- name:end -->` (appended when new)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


__all__ = ["DatabaseUrl", "connect"]
