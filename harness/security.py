"""The accounts' live privileges, rendered for docs/security.md (checked by a test, so the
threat model can never promise less than the server actually grants)."""

from __future__ import annotations

import re

from .accounts import ACCOUNTS

BEGIN = "<!-- grants: generated from SHOW GRANTS; tests/schema/test_security_doc.py checks it -->"
END = "<!-- grants: end -->"


def live_grants(conn, database: str, host: str = "%") -> dict[str, list[str]]:
    """SHOW GRANTS of each account, with the database name and password hash taken out."""
    cur = conn.cursor()
    found: dict[str, list[str]] = {}
    for account in ACCOUNTS:
        cur.execute("SHOW GRANTS FOR %s@%s", (account, host))
        lines = []
        for (grant,) in cur.fetchall():
            grant = re.sub(r" IDENTIFIED BY PASSWORD '[^']*'", "", grant)
            grant = grant.replace(f"`{database}`", "`<db>`")
            grant = re.sub(
                r"`" + re.escape(database[:40].replace("_", "\\_")) + r"\\_drift\\_%`", "`<db>_drift_%`", grant
            )
            lines.append(re.sub(r" TO [`']?" + account + r"[`']?@.*$", "", grant))
        found[account] = sorted(lines)
    cur.close()
    return found


def render(grants: dict[str, list[str]]) -> str:
    out = [BEGIN, ""]
    for account, lines in grants.items():
        out.append(f"`{account}`:")
        out.append("")
        out += [f"- `` {line} ``" for line in lines]
        out.append("")
    out.append(END)
    return "\n".join(out)


def replace_block(document: str, block: str) -> str:
    start, end = document.index(BEGIN), document.index(END) + len(END)
    return document[:start] + block + document[end:]
