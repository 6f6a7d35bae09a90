"""docs/security.md states exactly the privileges `travel accounts` grants on a live server."""

from __future__ import annotations

import os

from harness.db import connect, is_mariadb
from harness.security import live_grants, render, replace_block

from ..conftest import REPO_ROOT, database_accounts

DOC = REPO_ROOT / "docs" / "security.md"


def test_security_doc_lists_the_live_grants(migrated_url):
    with database_accounts(migrated_url):
        conn = connect(migrated_url)
        try:
            mariadb = is_mariadb(conn)
            block = render(live_grants(conn, migrated_url.database))
        finally:
            conn.close()
    document = DOC.read_text(encoding="utf-8")
    expected = replace_block(document, block)
    if os.environ.get("TRAVEL_UPDATE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
    if mariadb:  # the document shows MariaDB's spelling of the grants
        assert document == expected, "docs/security.md is stale: run TRAVEL_UPDATE_DOCS=1 pytest " + __file__
    assert "EXECUTE ON PROCEDURE `<db>`.`create_reservation`" in block
    assert "cancel_trip" not in block.split("`travel_admin`:")[0]  # the app cannot cancel trips
    assert "user_credentials" not in block  # nobody is granted the hashes
