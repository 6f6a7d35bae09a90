import pytest

from harness.splitter import checksum_text, split

CASES = [
    ("two plain statements", "SELECT 1;\nSELECT 2;", ["SELECT 1", "SELECT 2"]),
    ("no trailing delimiter", "SELECT 1;\nSELECT 2", ["SELECT 1", "SELECT 2"]),
    ("semicolon in single quotes", "SELECT 'a;b';", ["SELECT 'a;b'"]),
    ("doubled quote escape", "SELECT 'it''s;';SELECT 2", ["SELECT 'it''s;'", "SELECT 2"]),
    ("backslash escape", "SELECT 'a\\';b';SELECT 2", ["SELECT 'a\\';b'", "SELECT 2"]),
    ("double quotes", 'SELECT "x;\\"y";', ['SELECT "x;\\"y"']),
    ("backtick identifier", "CREATE TABLE `a;b` (`c``;` INT);", ["CREATE TABLE `a;b` (`c``;` INT)"]),
    ("dash comment", "SELECT 1; -- not; a statement\nSELECT 2;", ["SELECT 1", "SELECT 2"]),
    ("dash without space is minus", "SELECT 1--1;", ["SELECT 1--1"]),
    ("hash comment", "# x; y\nSELECT 1;", ["SELECT 1"]),
    ("block comment", "/* a; b */ SELECT 1; /* c */", ["SELECT 1"]),
    ("executable comment kept", "/*!40101 SET x = 1 */;", ["/*!40101 SET x = 1 */"]),
    ("only comments", "-- nothing\n/* here */\n# at all\n", []),
    (
        "DELIMITER",
        "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;",
        ["CREATE PROCEDURE p() BEGIN SELECT 1; END", "SELECT 2"],
    ),
    (
        "DELIMITER lower case with //",
        "delimiter //\nSELECT 1; SELECT 2//\ndelimiter ;\n",
        ["SELECT 1; SELECT 2"],
    ),
    (
        "BEGIN END without DELIMITER",
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;\nSELECT 3;",
        ["CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "SELECT 3"],
    ),
    (
        "IF END IF nested",
        "CREATE PROCEDURE p(v INT)\nBEGIN\n  IF v THEN\n    BEGIN SELECT 1; END;\n  ELSEIF v > 2 THEN SELECT 2;\n"
        "  END IF;\nEND;\nSELECT 4;",
        [
            "CREATE PROCEDURE p(v INT)\nBEGIN\n  IF v THEN\n    BEGIN SELECT 1; END;\n  ELSEIF v > 2 THEN SELECT 2;\n"
            "  END IF;\nEND",
            "SELECT 4",
        ],
    ),
    (
        "CASE statement and expression, loops",
        "CREATE FUNCTION f(v INT) RETURNS INT DETERMINISTIC\nBEGIN\n  CASE v WHEN 1 THEN SET v = 2; END CASE;\n"
        "  l: LOOP LEAVE l; END LOOP l;\n  WHILE v < 3 DO SET v = v + 1; END WHILE;\n"
        "  REPEAT SET v = v - 1; UNTIL v < 0 END REPEAT;\n  RETURN CASE WHEN v THEN 1 ELSE 0 END;\nEND;\nSELECT 5;",
        [
            "CREATE FUNCTION f(v INT) RETURNS INT DETERMINISTIC\nBEGIN\n  CASE v WHEN 1 THEN SET v = 2; END CASE;\n"
            "  l: LOOP LEAVE l; END LOOP l;\n  WHILE v < 3 DO SET v = v + 1; END WHILE;\n"
            "  REPEAT SET v = v - 1; UNTIL v < 0 END REPEAT;\n  RETURN CASE WHEN v THEN 1 ELSE 0 END;\nEND",
            "SELECT 5",
        ],
    ),
    (
        "trigger with body",
        "CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW BEGIN IF NEW.a THEN SET NEW.b = 1; END IF; END;\nSELECT 1;",
        ["CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW BEGIN IF NEW.a THEN SET NEW.b = 1; END IF; END", "SELECT 1"],
    ),
    (
        "single statement trigger",
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1;\nSELECT 1;",
        ["CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1", "SELECT 1"],
    ),
    (
        "event with body",
        "CREATE EVENT e ON SCHEDULE EVERY 1 MINUTE DO BEGIN CALL p(); END;\nSELECT 1;",
        ["CREATE EVENT e ON SCHEDULE EVERY 1 MINUTE DO BEGIN CALL p(); END", "SELECT 1"],
    ),
    ("transaction BEGIN is not a block", "BEGIN;\nSELECT 1;\nCOMMIT;", ["BEGIN", "SELECT 1", "COMMIT"]),
    (
        "end inside string ignored",
        "CREATE PROCEDURE p() BEGIN SELECT 'END;'; END;",
        ["CREATE PROCEDURE p() BEGIN SELECT 'END;'; END"],
    ),
    ("CRLF line ends", "SELECT 1;\r\nSELECT 2;\r\n", ["SELECT 1", "SELECT 2"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_split(text, expected):
    assert [s.sql for s in split(text)] == expected


def test_statement_lines_point_at_the_statement_not_its_comment():
    statements = split("-- head\n\nSELECT 1;\n/* x */\nSELECT\n2;")
    assert [s.line for s in statements] == [3, 5]


def test_checksum_ignores_crlf_and_trailing_whitespace():
    assert checksum_text("SELECT 1;  \r\nSELECT 2;\n\n") == checksum_text("SELECT 1;\nSELECT 2;")
    assert checksum_text("SELECT 1;") != checksum_text("SELECT  1;")
