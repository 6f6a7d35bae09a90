"""Operations (issue: benchmarks, item 6): `travel migrate` of the whole schema on an empty
database, and the full test suite.

    .venv/bin/python bench/operations.py [--skip-tests]

Figures go into docs/benchmarks.md (section `operations`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

from common import (
    ROOT,
    bench_url,
    command_line,
    connect,
    describe_machine,
    median,
    recreate_database,
    server_sql,
    write_section,
)

from harness.migrate import Migrator
from harness.project import Project

MIGRATE_TARGET_S, TESTS_TARGET_S = 5.0, 90.0


def time_migrate(url, runs: int = 3) -> tuple[float, int]:
    timings, applied = [], 0
    for n in range(runs):
        scratch = url.with_database(f"travel_bench_migrate_{n}")
        recreate_database(scratch)
        started = time.perf_counter()
        applied = Migrator(scratch, Project(ROOT), echo=lambda _: None).migrate()
        timings.append(time.perf_counter() - started)
        server_sql(url, f"DROP DATABASE `{scratch.database}`")
    return median(timings), applied


def time_tests() -> tuple[float, str]:
    started = time.perf_counter()
    pytest = Path(sys.executable).parent / "pytest"
    result = subprocess.run([str(pytest), "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    summary = re.findall(r"\d+ (?:passed|failed|errors?|skipped)", result.stdout)
    return elapsed, ", ".join(summary) or "no summary"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (scratch databases are created and dropped)")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    url = bench_url(args.database_url)
    migrate_s, applied = time_migrate(url)
    print(f"migrate on an empty database: {migrate_s:.2f} s ({applied} files): "
          f"{'met' if migrate_s <= MIGRATE_TARGET_S else 'MISSED'}")  # fmt: skip
    rows = [f"| `travel migrate`, empty database ({applied} files), median of 3 | {migrate_s:.2f} s | ≤ {MIGRATE_TARGET_S:.0f} s "
            f"| {'met' if migrate_s <= MIGRATE_TARGET_S else 'MISSED'} |"]  # fmt: skip
    if not args.skip_tests:
        tests_s, summary = time_tests()
        print(f"test suite: {tests_s:.1f} s ({summary}): {'met' if tests_s <= TESTS_TARGET_S else 'MISSED'}")
        rows.append(f"| full test suite (`pytest -q`, private server): {summary} | {tests_s:.1f} s | "
                    f"≤ {TESTS_TARGET_S:.0f} s | {'met' if tests_s <= TESTS_TARGET_S else 'MISSED'} |")  # fmt: skip
    if args.no_write:
        return
    write_section(
        "operations",
        f"""## Operations

{describe_machine(connect(url))}.

    {command_line()}

| what | time | target | |
|---|---|---|---|
"""
        + "\n".join(rows)
        + f"\n\nMeasured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
    )


if __name__ == "__main__":
    main()
