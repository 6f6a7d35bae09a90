"""Big data migrations in batches: an UPDATE or INSERT ... SELECT run over key ranges of its
driving table, at most 10,000 rows a range, each range its own transaction, resumable.

Why: a backfill of a million rows in one statement holds its locks for the whole run and, on
Galera, replicates as one write set of ~200 MB that every node must certify and apply at once
(COMPAT.md). Ranges keep every transaction small.

The pattern (docs/operations.md, "Running on Galera"):

1. A versioned migration creates the new table or column, and the trigger or procedure change
   that keeps NEW rows right from then on.
2. The backfill of the existing rows runs with `run_batches` (a release step, after migrate):

       job = BatchJob(
           name="V0031 booking_facts.channel",
           table="reservations",
           key="reservation_id",
           statement="UPDATE booking_facts AS f INNER JOIN reservations AS r USING (reservation_id)"
           " SET f.channel = r.channel WHERE r.reservation_id > %(lo)s AND r.reservation_id <= %(hi)s",
       )
       run_batches(conn, job)

   The statement covers the driving table's keys in `(lo, hi]`. Ranges are cut at real keys
   (the 10,000th key after `lo`), never by arithmetic on ids: on Galera, auto-increment values
   step by the cluster size and are not dense.
3. Each range commits with its watermark row (`batch_watermarks`); run it again after a crash
   and it continues after the last committed range. The statement must give the same result
   if a range ran twice (it never does, but an operator may reset the watermark).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .db import with_retry

MAX_BATCH = 10_000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class BatchJob:
    """A data migration: `statement` (with %(lo)s and %(hi)s) over `table`'s integer `key`."""

    name: str
    table: str
    key: str
    statement: str
    batch_size: int = MAX_BATCH

    def __post_init__(self) -> None:
        if not (1 <= self.batch_size <= MAX_BATCH):
            raise ValueError(f"batch_size {self.batch_size}: use 1-{MAX_BATCH} rows a transaction")
        for identifier in (self.table, self.key):
            if not _IDENTIFIER.match(identifier):
                raise ValueError(f"{identifier!r} is not a plain table or column name")
        if "%(lo)s" not in self.statement or "%(hi)s" not in self.statement:
            raise ValueError("the statement must bound the driving key with %(lo)s and %(hi)s: key > lo AND key <= hi")


@dataclass
class BatchProgress:
    batches: int  # ranges committed by this call
    rows_affected: int  # rows the statement changed in them
    last_key: int  # the watermark now
    done: bool  # no row of the driving table is left past the watermark


def run_batches(
    conn,
    job: BatchJob,
    *,
    max_batches: int | None = None,
    on_batch: Callable[[int, int, int], None] | None = None,
) -> BatchProgress:
    """Run `job` from its watermark to the end of the driving table (or `max_batches` ranges).

    Each range is one transaction: the statement and the watermark update commit together, and
    a deadlock or certification failure retries just that range (harness/db.py with_retry).
    `on_batch(lo, hi, rows_affected)` is called after each commit (progress bars, tests)."""
    lo, batches, affected = _watermark(conn, job), 0, 0
    while max_batches is None or batches < max_batches:
        found = _next_range(conn, job, lo)
        if found is None:
            _finish(conn, job)
            return BatchProgress(batches, affected, lo, True)
        hi, rows = found
        changed = with_retry(lambda lo=lo, hi=hi, rows=rows: _apply(conn, job, lo, hi, rows))
        if on_batch:
            on_batch(lo, hi, changed)
        batches, affected, lo = batches + 1, affected + changed, hi
    return BatchProgress(batches, affected, lo, _next_range(conn, job, lo) is None)


def _watermark(conn, job: BatchJob) -> int:
    """The job's watermark; a new job starts below the smallest key."""
    cur = conn.cursor()
    cur.execute("SELECT last_key FROM batch_watermarks WHERE job_name = %s", (job.name,))
    row = cur.fetchone()
    if row is None:
        cur.execute(f"SELECT COALESCE(MIN(`{job.key}`), 1) - 1 FROM `{job.table}`")
        (below,) = cur.fetchone()
        cur.execute("INSERT IGNORE INTO batch_watermarks (job_name, last_key) VALUES (%s, %s)", (job.name, int(below)))
        cur.execute("SELECT last_key FROM batch_watermarks WHERE job_name = %s", (job.name,))
        row = cur.fetchone()
    cur.close()
    conn.commit()
    return int(row[0])


def _next_range(conn, job: BatchJob, lo: int) -> tuple[int, int] | None:
    """The upper key of the next range after `lo` and its row count: the batch_size-th key,
    or the last key when fewer rows are left; None when none is."""
    cur = conn.cursor()
    cur.execute(
        f"SELECT MAX(k), COUNT(*) FROM (SELECT `{job.key}` AS k FROM `{job.table}`"
        f" WHERE `{job.key}` > %s ORDER BY `{job.key}` LIMIT %s) AS next_keys",
        (lo, job.batch_size),
    )
    hi, rows = cur.fetchone()
    cur.close()
    conn.commit()
    return None if hi is None else (int(hi), int(rows))


def _apply(conn, job: BatchJob, lo: int, hi: int, rows: int) -> int:
    try:
        cur = conn.cursor()
        cur.execute(job.statement, {"lo": lo, "hi": hi})
        changed = max(0, cur.rowcount)
        # guarded by the range's start: a second runner of the same job loses here, not twice
        cur.execute(
            "UPDATE batch_watermarks SET last_key = %s, last_range_rows = %s, batches = batches + 1,"
            " rows_affected = rows_affected + %s, finished_at = NULL WHERE job_name = %s AND last_key = %s",
            (hi, rows, changed, job.name, lo),
        )
        if cur.rowcount != 1:
            raise RuntimeError(f"batch job {job.name!r}: another runner moved the watermark past {lo}; stopped")
        cur.close()
        conn.commit()
        return changed
    except Exception:
        conn.rollback()
        raise


def _finish(conn, job: BatchJob) -> None:
    cur = conn.cursor()
    cur.execute(
        "UPDATE batch_watermarks SET finished_at = UTC_TIMESTAMP() WHERE job_name = %s AND finished_at IS NULL",
        (job.name,),
    )
    cur.close()
    conn.commit()
