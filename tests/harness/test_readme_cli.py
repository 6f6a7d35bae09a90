"""The README and docs/reports.md show only command lines the CLI accepts: every `travel ...`
in their shell blocks parses (options in the right place, known choices), and `--database-url`
always comes before the command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from harness.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "docs/reports.md"]
INVOCATION = re.compile(r"(?:^|[\s;&|(])(?:\.venv/bin/)?travel(?=\s|$)((?:\s+[^&|;#\n]*)?)")


def command_lines(text: str) -> list[list[str]]:
    """The arguments of every `travel` call in ```sh blocks (after `&&`, `;`, `|`, env settings)."""
    found = []
    for block in re.findall(r"```(?:sh|bash)?\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line)  # a shell comment
            for match in INVOCATION.finditer(line):
                args = match.group(1).strip()
                if args.startswith(("[", "-db")):  # a synopsis, not a command line
                    continue
                found.append(shlex.split(args))
    return found


def parses(args: list[str]) -> None:
    """Parse like `travel ARGS` would, down to the last subcommand, without running anything."""
    command: click.Command = cli
    parent = None
    name = "travel"
    while True:
        ctx = command.make_context(name, list(args), parent=parent, resilient_parsing=False)
        if not isinstance(command, click.Group):
            return
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]  # protected_args: deprecated in Click 8.2
        if not rest:
            return
        name, command, args = command.resolve_command(ctx, rest)
        parent = ctx


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_line_in_the_docs_parses(doc):
    lines = command_lines((REPO_ROOT / doc).read_text(encoding="utf-8"))
    assert len(lines) >= 3
    for args in lines:
        try:
            parses(args)
        except click.exceptions.Exit:
            pass  # --help, --version
        except click.UsageError as err:
            pytest.fail(f"{doc}: `travel {shlex.join(args)}` is refused: {err.format_message()}")


@pytest.mark.parametrize("doc", [*DOCS, "docs/operations.md", "docs/api.md"])
def test_database_url_comes_before_the_command(doc):
    path = REPO_ROOT / doc
    for line in path.read_text(encoding="utf-8").splitlines():
        if "is refused" in line:
            continue  # the README showing what not to do
        for match in re.finditer(r"travel\s+(?:--project\s+\S+\s+)?([a-z][\w-]*)\b[^`\n]*?--database-url", line):
            if match.group(1) not in ("--database-url",):
                pytest.fail(f"{doc}: --database-url after the command {match.group(1)!r}: {line.strip()}")


def test_misplaced_database_url_is_refused_as_the_readme_says():
    with pytest.raises(click.UsageError, match="No such option.*--database-url"):
        parses(["migrate", "--database-url", "mysql://root@127.0.0.1/travel"])
    with pytest.raises(click.UsageError, match="'xml' is not one of"):
        parses(["report", "revenue", "--format", "xml"])
    parses(["--database-url", "mysql://root@127.0.0.1/travel", "report", "revenue", "-p", "date_from=-30d"])
