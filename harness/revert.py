"""`travel revert` and `travel validate --revert`: undo files, applied and proven.

A version may have `schema/U<version>__<what>.sql` beside `V<version>__<what>.sql`. `travel revert
--target V` runs the undo files of every applied version above V, newest first, through the same
engine as migrate: the deployer lease, the per-statement journal (type UNDO, resumable), the
bounded lock waits and lint. `verify` proves on a scratch database, for every version with an
undo file, that migrate -> revert ends where the version started and that migrating again ends
where the first migrate did (tables, columns, indexes, constraints, routines, triggers, events,
views): a revert file nobody ran is not a revert file.
"""

from __future__ import annotations

from .db import connect
from .drift import compare, snapshot
from .errors import MigrationError
from .migrate import Migrator
from .project import MigrationFile, version_key
from .scratch import disabled_event, scratch_database


def revert(migrator: Migrator, target: str, lock_timeout: float = 60, allow_risky: bool = False) -> list[str]:
    """Undo every applied version above `target` (`0` for all), newest first; returns the scripts."""
    versions = {f.version for f in migrator.project.versioned()}
    if target != "0" and target not in versions:
        raise MigrationError(f"--target {target}: no schema/V{target}__*.sql file (use 0 to revert every version)")
    migrator.check_database_collation()
    with migrator.lock(lock_timeout):
        conn = migrator.open()
        try:
            migrator._await_orphans(conn)
            todo = _undo_plan(migrator, conn, target)
            if not todo:
                migrator.echo(f"{migrator.url.database}: nothing above {target} is applied; nothing to revert")
            elif not allow_risky:
                migrator._refuse_risky([(f, row) for f, row in todo])
            for f, row in todo:
                migrator._apply(conn, f, row)
            return [f.script for f, _ in todo]
        finally:
            conn.close()


def _undo_plan(migrator: Migrator, conn, target: str) -> list[tuple[MigrationFile, object]]:
    history = migrator.history(conn)
    undo = migrator.project.undo_files()
    above = [f for f in migrator.project.versioned() if f.version_key > version_key(target)]
    failed = [f.script for f in above if (row := history.get(f.script)) is not None and not row.success]
    if failed:
        raise MigrationError(
            f"{', '.join(failed)} failed part-way; finish it (`travel migrate`) or `travel repair` it before reverting"
        )
    applied = [f for f in above if history.get(f.script) is not None]
    missing = [f.script for f in applied if f.version not in undo]
    if missing:
        raise MigrationError(
            f"cannot revert to {target}: no undo file for {', '.join(missing)} "
            "(write schema/U<version>__<what>.sql and prove it with `travel validate --revert`)"
        )
    plan = []
    for f in reversed(applied):
        u = undo[f.version]
        row = history.get(u.script)
        resumable = row is not None and not row.success and row.installed_rank > history[f.script].installed_rank
        plan.append((u, row if resumable else None))
    return plan


def verify(migrator: Migrator) -> list[str]:
    """For each version with an undo file: problems where migrate -> revert -> migrate does not
    return to the same schema. Empty when every undo file is proven."""
    versioned = migrator.project.versioned()
    undo = migrator.project.undo_files()
    problems = [
        f"undo file {u.script} has no schema/V{v}__*.sql"
        for v, u in undo.items()
        if v not in {f.version for f in versioned}
    ]
    with scratch_database(migrator.url, "r") as scratch:
        engine = Migrator(scratch, migrator.project, echo=lambda _: None, lease_timeout=migrator.lease_timeout)
        engine.statement_filter = lambda sql: disabled_event(sql)[0]
        conn = connect(scratch, autocommit=True)
        try:
            previous = "0"
            for f in versioned:
                if f.version in undo:
                    problems += _cycle(engine, conn, scratch.database, f, previous)
                else:
                    engine.migrate(target=f.version, allow_risky=True, versions_only=True)
                previous = f.version
        except _Stop as stop:
            problems += stop.problems
        finally:
            conn.close()
    return problems


def _cycle(engine: Migrator, conn, schema: str, f: MigrationFile, previous: str) -> list[str]:
    before = snapshot(conn, schema)
    engine.migrate(target=f.version, allow_risky=True, versions_only=True)
    after = snapshot(conn, schema)
    revert(engine, previous, allow_risky=True)
    problems = [f"revert of {f.script}: {line}" for line in compare(snapshot(conn, schema), before)]
    try:
        engine.migrate(target=f.version, allow_risky=True, versions_only=True)
    except MigrationError as err:
        raise _Stop([*problems, f"{f.script} cannot be applied again after its revert: {err}"]) from err
    problems += [
        f"{f.script} applied again after its revert: {line}" for line in compare(snapshot(conn, schema), after)
    ]
    return problems


class _Stop(Exception):
    """The scratch database is in a state later versions cannot build on: stop verifying."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
