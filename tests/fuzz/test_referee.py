"""The referee catches each kind of breach: procedures written to break the contract on
purpose, called the way the fuzz test calls the real ones."""

from __future__ import annotations

import pytest

from .referee import Referee

BROKEN = {
    # refuses with a raw server error, after writing a row it does not roll back
    "fz_raw_and_dirty": """
        CREATE PROCEDURE fz_raw_and_dirty(IN p_value INT)
        BEGIN
            INSERT INTO fz_scratch () VALUES ();
            SIGNAL SQLSTATE '22003' SET MYSQL_ERRNO = 1264, MESSAGE_TEXT = 'Out of range value for column v_x';
        END""",
    # refuses in the contract's errno, but leaves its transaction open and words it raw
    "fz_open_transaction": """
        CREATE PROCEDURE fz_open_transaction(IN p_value INT)
        BEGIN
            START TRANSACTION;
            SELECT COUNT(*) INTO @fz FROM settings FOR UPDATE;
            SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 50001,
                MESSAGE_TEXT = 'INVALID_ARGUMENT: Data too long for column p_value';
        END""",
    # uses a catalogued errno without its code
    "fz_no_code": """
        CREATE PROCEDURE fz_no_code(IN p_value INT)
        BEGIN
            SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 50002, MESSAGE_TEXT = 'nothing here';
        END""",
}
EXPECTED = {
    "fz_raw_and_dirty": {"raw server error 1264", "a refused call changed data"},
    "fz_open_transaction": {"a transaction was left open", "INVALID_ARGUMENT message not in the contract's words"},
    "fz_no_code": {"errno 50002 without its code prefix"},
}


@pytest.mark.parametrize("name", BROKEN)
def test_the_referee_catches_each_breach(world, root_conn, name):
    cur = root_conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS fz_scratch (scratch_id INT AUTO_INCREMENT PRIMARY KEY)")
    cur.execute(f"DROP PROCEDURE IF EXISTS {name}")
    cur.execute(BROKEN[name])
    cur.close()
    referee = Referee(root_conn)
    conn = world.connect(world.root_url)
    outcome = referee.call(conn, name, (1,), outs=0)
    conn.close()
    assert not outcome.ok
    assert {problem.kind for problem in referee.problems.values()} == EXPECTED[name]
