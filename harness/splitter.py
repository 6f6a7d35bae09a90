"""Split a SQL script into statements the way the mysql client would.

Understands `DELIMITER` lines, quoted strings and identifiers (with backslash and doubled-quote
escapes), `--`, `#` and `/* */` comments, and compound bodies (`BEGIN ... END` with nested
`IF ... END IF`, `CASE ... END CASE`, loops) written without a custom delimiter.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMPOUND_START = re.compile(
    r"^\s*(CREATE\b(?:(?!\bAS\b)[^;])*?\b(PROCEDURE|FUNCTION|TRIGGER|EVENT)\b|BEGIN\s+NOT\s+ATOMIC\b)",
    re.IGNORECASE | re.DOTALL,
)
# `END IF`, `END LOOP`, ... close blocks the depth counter never opened; only `END` alone
# (closing BEGIN or a CASE expression) and `END CASE` change the depth.
_END_OF_UNCOUNTED = {"IF", "LOOP", "WHILE", "REPEAT"}
# Comments and blank space before a statement are not part of it (so editing a comment does not
# change a statement's checksum); `/*! ... */` is executable and stays.
_LEADING_COMMENTS = re.compile(r"(?:\s+|--(?:[ \t][^\n]*)?(?:\n|$)|#[^\n]*(?:\n|$)|/\*(?!!).*?\*/)*", re.DOTALL)
_DELIMITER_LINE = re.compile(r"[ \t]*DELIMITER[ \t]+(\S+)[^\n]*(\n|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    sql: str
    line: int  # 1-based line of the script where the statement starts

    @property
    def checksum(self) -> str:
        return checksum_text(self.sql)


def normalise(text: str) -> str:
    """Text as checksummed: LF line ends, no trailing whitespace, no trailing blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def checksum_text(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


class _Scanner:
    def __init__(self, text: str):
        self.text = text.replace("\r\n", "\n")
        self.pos = 0
        self.line = 1
        self.delimiter = ";"
        self.statements: list[Statement] = []
        self.start = 0
        self.start_line = 1
        self.depth = 0
        self.compound: bool | None = None  # decided once the statement's head is read

    def run(self) -> list[Statement]:
        text = self.text
        while self.pos < len(text):
            if self._delimiter_command():
                continue
            ch = text[self.pos]
            if text.startswith(self.delimiter, self.pos) and (
                self.delimiter != ";" or self.depth <= 0 or not self._is_compound()
            ):
                self._emit(self.pos)
                self.pos += len(self.delimiter)
                self._begin_next()
            elif ch in "'\"`":
                self._skip_quoted(ch)
            elif (
                text.startswith("--", self.pos)
                and (self.pos + 2 >= len(text) or text[self.pos + 2] in " \t\n")
                or ch == "#"
            ):
                self._skip_until("\n")
            elif text.startswith("/*", self.pos):
                self._skip_block_comment()
            elif ch.isalpha() or ch == "_":
                self._word()
            else:
                self._advance(1)
        self._emit(len(text))
        return self.statements

    # -- helpers -------------------------------------------------------------------------
    def _advance(self, n: int) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + n)
        self.pos += n

    def _skip_until(self, marker: str) -> None:
        end = self.text.find(marker, self.pos)
        self._advance((len(self.text) if end < 0 else end) - self.pos)

    def _skip_block_comment(self) -> None:
        end = self.text.find("*/", self.pos + 2)
        self._advance((len(self.text) if end < 0 else end + 2) - self.pos)

    def _skip_quoted(self, quote: str) -> None:
        text, i = self.text, self.pos + 1
        while i < len(text):
            if text[i] == "\\" and quote != "`":
                i += 2
            elif text[i] == quote:
                if i + 1 < len(text) and text[i + 1] == quote:
                    i += 2  # doubled quote is an escaped quote
                else:
                    i += 1
                    break
            else:
                i += 1
        self._advance(i - self.pos)

    def _pending_text(self) -> str:
        return self.text[self.start : self.pos]

    def _at_statement_start(self) -> bool:
        return _strip_comments(self._pending_text()).strip() == ""

    def _delimiter_command(self) -> bool:
        """Handle a `DELIMITER x` line; only recognised at the start of a line and statement."""
        if self.pos > 0 and self.text[self.pos - 1] != "\n":
            return False
        match = _DELIMITER_LINE.match(self.text, self.pos)
        if not match or not self._at_statement_start():
            return False
        self.delimiter = match.group(1)
        self._advance(match.end() - self.pos)
        self._begin_next()
        return True

    def _begin_next(self) -> None:
        self.start, self.start_line = self.pos, self.line
        self.depth, self.compound = 0, None

    def _is_compound(self) -> bool:
        if self.compound is None:
            head = _strip_comments(self._pending_text())
            self.compound = bool(_COMPOUND_START.match(head))
        return self.compound

    def _word(self) -> None:
        match = _WORD.match(self.text, self.pos)
        word = match.group(0).upper()
        self._advance(match.end() - self.pos)
        if word in ("BEGIN", "CASE"):
            if word == "BEGIN" and self._next_word() in ("WORK", "TRANSACTION"):
                return
            self.depth += 1
        elif word == "END":
            following = self._next_word()
            if following not in _END_OF_UNCOUNTED:
                self.depth -= 1
                if following == "CASE":
                    self._advance(self._next_word_end() - self.pos)

    def _next_word(self) -> str:
        match = re.compile(r"\s*([A-Za-z_]+)").match(self.text, self.pos)
        return match.group(1).upper() if match else ""

    def _next_word_end(self) -> int:
        match = re.compile(r"\s*([A-Za-z_]+)").match(self.text, self.pos)
        return match.end() if match else self.pos

    def _emit(self, end: int) -> None:
        raw = self.text[self.start : end]
        lead = _LEADING_COMMENTS.match(raw).end()
        body = raw[lead:].strip()
        if body:
            self.statements.append(Statement(body, self.start_line + raw[:lead].count("\n")))


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"(--(\s|$)|#)[^\n]*", " ", text)
    return text


def split(text: str) -> list[Statement]:
    """The statements of a script, without delimiters and `DELIMITER` lines."""
    return _Scanner(text).run()
