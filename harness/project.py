"""The migration files of a project: versioned `schema/V*.sql` and repeatable
`procedures/*.sql` and `views/*.sql`, with their checksums and dependency order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import MigrationError
from .splitter import Statement, checksum_text, split

VERSIONED_NAME = re.compile(r"^V(\d+(?:\.\d+)*)__(\w+)\.sql$")
UNDO_NAME = re.compile(r"^U(\d+(?:\.\d+)*)__(\w+)\.sql$")  # undoes V<version> (travel revert)
REQUIRES = re.compile(r"^\s*--\s*requires:\s*(.+)$", re.MULTILINE | re.IGNORECASE)
REPEATABLE_DIRS = ("procedures", "views")
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class MigrationFile:
    script: str  # path relative to the project root, as recorded in schema_history
    path: Path
    version: str | None  # None for repeatables
    description: str
    requires: list[str] = field(default_factory=list)
    undo: bool = False  # a schema/U<version>__*.sql file, which undoes V<version>

    @property
    def kind(self) -> str:
        if self.undo:
            return "UNDO"
        return "SQL" if self.version else "REPEATABLE"

    @property
    def name(self) -> str:
        return self.path.stem

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @cached_property
    def checksum(self) -> str:
        return checksum_text(self.text)

    @cached_property
    def statements(self) -> list[Statement]:
        return split(self.text)

    @property
    def version_key(self) -> tuple[int, ...]:
        return version_key(self.version or "0")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def find_root(start: Path | None = None) -> Path:
    """The project root: `start` (--project) when given; else the nearest of the working
    directory and its parents that holds `schema/`; else the installed package's own files."""
    if start is not None:
        if (Path(start) / "schema").is_dir():
            return Path(start).resolve()
        raise MigrationError(f"--project {start}: no schema/ directory there")
    for candidate in (enclosing_root(), PACKAGE_ROOT):
        if candidate is not None and (candidate / "schema").is_dir():
            return candidate.resolve()
    raise MigrationError(f"no schema/ directory in {Path.cwd()}, its parents or {PACKAGE_ROOT}; pass --project DIR")


def enclosing_root(start: Path | None = None) -> Path | None:
    """The nearest of `start` (default: the working directory) and its parents holding `schema/`."""
    here = Path(start or Path.cwd()).resolve()
    return next((d for d in (here, *here.parents) if (d / "schema").is_dir()), None)


def local_server_dir(project_dir: Path | None = None) -> Path:
    """Where the project's private server lives: `<root>/.travel/server`, the same from any
    subdirectory. Outside a project there is none: starting one there would give an empty
    database (every command failing with "Table ... doesn't exist") and a stray server."""
    root = Path(project_dir).resolve() if project_dir else enclosing_root()
    if root is None:
        raise MigrationError(
            f"{Path.cwd()} is not inside a travel-db project (no schema/ here or above), so there is no "
            "local server to use or start; cd into the project, or pass --project DIR or --database-url URL"
        )
    return root / ".travel" / "server"


class Project:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def versioned(self) -> list[MigrationFile]:
        files = []
        for path in sorted((self.root / "schema").glob("*.sql")):
            if UNDO_NAME.match(path.name):
                continue
            match = VERSIONED_NAME.match(path.name)
            if not match:
                raise MigrationError(
                    f"{path.relative_to(self.root)}: versioned files are named "
                    "V<version>__<description>.sql, e.g. V0002__add_trips.sql"
                )
            version, slug = match.groups()
            files.append(self._file(path, version, slug.replace("_", " ")))
        files.sort(key=lambda f: f.version_key)
        for earlier, later in zip(files, files[1:], strict=False):
            if earlier.version_key == later.version_key:
                raise MigrationError(f"version {later.version} is used twice: {earlier.script}, {later.script}")
        return files

    def undo_files(self) -> dict[str, MigrationFile]:
        """The `schema/U<version>__*.sql` files, by the version they undo."""
        files = {}
        for path in sorted((self.root / "schema").glob("U*.sql")):
            match = UNDO_NAME.match(path.name)
            if match:
                undo = self._file(path, match.group(1), match.group(2).replace("_", " "))
                undo.undo = True
                files[undo.version] = undo
        return files

    def repeatables(self) -> list[MigrationFile]:
        """Repeatable files in dependency order (`-- requires: name`), else directory then name."""
        files = [
            self._file(path, None, path.stem.replace("_", " "))
            for folder in REPEATABLE_DIRS
            for path in sorted((self.root / folder).glob("*.sql"))
        ]
        return _dependency_order(files)

    def all(self) -> list[MigrationFile]:
        return self.versioned() + self.repeatables()

    def _file(self, path: Path, version: str | None, description: str) -> MigrationFile:
        migration = MigrationFile(str(path.relative_to(self.root)), path, version, description)
        migration.requires = [
            name.strip() for line in REQUIRES.findall(migration.text) for name in line.split(",") if name.strip()
        ]
        return migration


def _dependency_order(files: list[MigrationFile]) -> list[MigrationFile]:
    by_name = {f.name: f for f in files}
    ordered: list[MigrationFile] = []
    state: dict[str, str] = {}

    def visit(f: MigrationFile, chain: list[str]) -> None:
        if state.get(f.name) == "done":
            return
        if state.get(f.name) == "visiting":
            raise MigrationError(f"dependency cycle among repeatables: {' -> '.join([*chain, f.name])}")
        state[f.name] = "visiting"
        for dep in f.requires:
            if dep not in by_name:
                raise MigrationError(f"{f.script} requires {dep!r}, but no procedures/ or views/ file is named so")
            visit(by_name[dep], [*chain, f.name])
        state[f.name] = "done"
        ordered.append(f)

    for f in files:
        visit(f, [])
    return ordered
