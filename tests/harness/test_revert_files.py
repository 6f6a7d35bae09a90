"""Every schema/U*.sql of the project is proven: on a scratch database, migrate -> revert ->
migrate ends in the same schema, version by version (`travel validate --revert`)."""

from __future__ import annotations

from harness.migrate import Migrator
from harness.project import Project
from harness.revert import verify
from tests.conftest import REPO_ROOT


def test_the_project_undo_files_are_proven(migrated_url):
    project = Project(REPO_ROOT)
    assert {"0011", "0013"} <= set(project.undo_files())
    assert verify(Migrator(migrated_url, project, echo=lambda _: None)) == []
