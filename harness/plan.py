"""`travel plan`: what the next `travel migrate` would do, for a pull-request comment (Markdown)
or a CI gate (JSON): the files in order, where a failed one resumes, the lint verdicts and the
pending SQL."""

from __future__ import annotations

import json

from .lint import LintReport, lint
from .migrate import Migrator


def build_plan(migrator: Migrator, target: str | None = None) -> dict:
    todo = migrator.pending(target)
    report: LintReport = lint(migrator, target)
    files = []
    for f, row in todo:
        resume = row.statements_applied if row is not None and not row.success and f.version else 0
        files.append(
            {
                "script": f.script,
                "kind": f.kind,
                "version": f.version,
                "checksum": f.checksum,
                "statements": len(f.statements),
                "resume_at": resume + 1,
                "sql": [s.sql for s in f.statements[resume:]],
            }
        )
    lint_json = report.as_json()
    return {
        "database": migrator.url.database,
        "files": files,
        "lint": lint_json,
        "migrate_would_refuse": lint_json["risky"] > 0,
        "exit_code": report.exit_code,
    }


def as_json(plan: dict) -> str:
    return json.dumps(plan, indent=2, default=str)


def as_markdown(plan: dict) -> str:
    files, lint_json = plan["files"], plan["lint"]
    lines = [f"### travel plan: `{plan['database']}`", ""]
    if not files:
        lines.append("Up to date: `travel migrate` would apply nothing.")
    else:
        verdict = (
            "**refuses** (risky statements; `--allow-risky` to override)" if plan["migrate_would_refuse"] else "applies"
        )
        lines += [f"`travel migrate` {verdict} {len(files)} file(s):", ""]
        lines += ["| # | file | kind | statements |", "|---|---|---|---|"]
        for n, f in enumerate(files, start=1):
            resume = f" (resumes at {f['resume_at']})" if f["resume_at"] > 1 else ""
            lines.append(f"| {n} | `{f['script']}` | {f['kind']} | {f['statements']}{resume} |")
    ddl = [v for v in lint_json["statements"] if v["kind"] == "ddl"]
    if ddl:
        lines += [
            "",
            "#### Lint",
            "",
            "| file:line | algorithm | table | rows | risky | note |",
            "|---|---|---|---|---|---|",
        ]
        for v in ddl:
            rows = f"{v['rows']:,}" if v["rows"] is not None else ""
            note = "; ".join(v["destructive"]) or (v["alternative"] or "")
            lines.append(
                f"| `{v['script']}:{v['line']}` | {v['algorithm']} | {v['table'] or ''} | {rows} | "
                f"{'**yes**' if v['risky'] else 'no'} | {note.replace('|', '/')[:160]} |"
            )
    if lint_json["portability"]:
        lines += ["", f"#### Portability ({len(lint_json['portability'])} finding(s), shared/COMPAT.md)", ""]
        lines += [f"- `{p['script']}:{p['line']}` {p['rule']}: {p['message']}" for p in lint_json["portability"]]
    for f in files:
        lines += ["", f"<details><summary><code>{f['script']}</code></summary>", "", "```sql", "DELIMITER $$"]
        lines += [f"{sql}$$" for sql in f["sql"]]
        lines += ["DELIMITER ;", "```", "</details>"]
    return "\n".join(lines)
