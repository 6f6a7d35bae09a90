"""requirements.lock (what .ci/setup installs with --require-hashes) pins every dependency of
pyproject.toml (runtime and the dev extra), each at a version its floor allows, with hashes;
the floors keep known advisories out (issue 17)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# Releases with known advisories that the floors must exclude (package, last affected version).
ADVISORIES = {
    "mysql-connector-python": "9.0.0",  # CVE-2024-21272
    "waitress": "3.0.1",  # CVE-2024-49768 / 49769 before 3.0.1; proxy headers before 3.0.2
    "flask": "3.1.2",  # GHSA-68rp-wp8r-4726
    "werkzeug": "3.1.5",  # GHSA-29vq-49wr-vm6x
    "pyjwt": "2.11.0",  # CVE-2026-32597
    "jinja2": "3.1.5",  # CVE-2025-27516
    "requests": "2.32.3",  # CVE-2024-47081
    "urllib3": "2.4.0",  # CVE-2025-50181 / 50182
}


def _locked() -> dict[str, tuple[Version, int]]:
    text = (ROOT / "requirements.lock").read_text()
    pins = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        found = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if found:
            pins[canonicalize_name(found[1])] = (Version(found[2]), block.count("--hash=sha256:"))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["dev"]]


def test_every_dependency_is_locked_with_hashes_within_its_floor():
    locked = _locked()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is in pyproject.toml but not in requirements.lock: run .ci/lock"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version), f"{name}=={version} is outside {requirement.specifier}"
    assert all(hashes >= 1 for _, hashes in locked.values())


def test_floors_exclude_releases_with_known_advisories():
    declared = {canonicalize_name(r.name): r for r in _declared()}
    for name, last_affected in ADVISORIES.items():
        assert not declared[name].specifier.contains(last_affected), f"{name} {declared[name].specifier}"


def test_setup_installs_from_the_lock_with_hashes():
    setup = (ROOT / ".ci" / "setup").read_text()
    assert "--require-hashes -r requirements.lock" in setup and "--no-deps -e ." in setup
