"""`travel baseline --version V`: adopt a database built before travel migrate ran on it.

The drift check proves it first: the files up to V are built in a scratch database and compared
with the live schema (tables, columns, indexes, constraints, triggers, events; routines and views
come from the repeatable files, which the next migrate applies again). Only an exact match is
recorded, as one BASELINE history row per version with its statements journalled; `migrate`
then continues from V + 1.
"""

from __future__ import annotations

from .drift import compare, expected_snapshot, snapshot
from .errors import MigrationError
from .migrate import Migrator
from .project import version_key

# Objects that come from repeatable files: the next migrate re-creates them.
REPEATABLE_KINDS = ("routine ", "routine parameters ", "view ")


def baseline(migrator: Migrator, version: str, lock_timeout: float = 60) -> list[str]:
    files = [f for f in migrator.project.versioned() if f.version_key <= version_key(version)]
    if version not in {f.version for f in files}:
        raise MigrationError(f"--version {version}: no schema/V{version}__*.sql file")
    migrator.check_database_collation()
    with migrator.lock(lock_timeout):
        conn = migrator.open()
        try:
            if migrator.history_rows(conn):
                raise MigrationError(
                    f"{migrator.url.database} already has a migration history; baseline adopts a database "
                    "travel migrate never ran on (see `travel info`)"
                )
            live = _versioned_objects(snapshot(conn, migrator.url.database))
            expected = _versioned_objects(expected_snapshot(migrator, [(f, len(f.statements)) for f in files], "b"))
            differences = compare(live, expected)
            if differences:
                raise MigrationError(
                    f"the live schema does not match the files up to {version}; nothing recorded:\n"
                    + "\n".join(differences[:20])
                    + ("\n..." if len(differences) > 20 else "")
                )
            cur = conn.cursor()
            for f in files:
                cur.execute(
                    "INSERT INTO schema_history (version, description, type, script, checksum, installed_by,"
                    " success, statements_applied, statements_total) VALUES (%s, %s, 'BASELINE', %s, %s,"
                    " CURRENT_USER(), 1, %s, %s)",
                    (f.version, f.description, f.script, f.checksum, len(f.statements), len(f.statements)),
                )
                rank = cur.lastrowid
                cur.executemany(
                    "INSERT INTO schema_history_statements (installed_rank, statement_no, line, checksum)"
                    " VALUES (%s, %s, %s, %s)",
                    [(rank, n, s.line, s.checksum) for n, s in enumerate(f.statements, start=1)],
                )
            conn.commit()
            return [f.script for f in files]
        finally:
            conn.close()


def _versioned_objects(objects: dict[str, str]) -> dict[str, str]:
    """Without what repeatables make: routines, views and the columns of views."""
    views = tuple(f"column {key.split(' ', 1)[1]}." for key in objects if key.startswith("view "))
    return {key: value for key, value in objects.items() if not key.startswith(REPEATABLE_KINDS + views)}
