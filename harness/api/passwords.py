"""The password policy of registration (NIST SP 800-63B's rules for memorised secrets).

- 12 to 256 characters after Unicode NFKC normalisation (long passphrases welcome; the upper
  bound only keeps hashing cost bounded) and not only whitespace;
- not a common password (the list shipped beside this module, compared case-insensitively),
  not a run of one short pattern ("abcabcabcabc"), not a keyboard or number sequence, and at
  least 5 different characters;
- not the account's own email address, its local part, or the full name.

No composition rules (a digit, a capital): they make passwords harder to remember, not to guess.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_DISTINCT = 5
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "01234567890",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: str = "", full_name: str = "") -> str | None:
    """Why `password` is refused (a sentence for the caller), or None when it is acceptable."""
    normal = unicodedata.normalize("NFKC", password)
    if not normal.strip():
        return "password must not be empty or only whitespace"
    if len(normal) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters (a few words make a good one)"
    if len(normal) > MAX_LENGTH:
        return f"password must have at most {MAX_LENGTH} characters"
    folded = normal.casefold()
    squeezed = "".join(folded.split())
    if folded in common_passwords() or squeezed in common_passwords():
        return "password is too common; choose one that is not on lists of leaked passwords"
    if len(set(squeezed)) < MIN_DISTINCT or _is_repetition(squeezed) or _is_sequence(squeezed):
        return "password is too predictable (a repeated pattern or a keyboard or number sequence)"
    if _is_personal(folded, email, full_name):
        return "password must not be or contain your email address or name"
    return None


def _is_repetition(text: str) -> bool:
    """The whole text is one short unit repeated ("abcabcabcabc", "12121212121212")."""
    return any(len(text) % size == 0 and text == text[:size] * (len(text) // size) for size in range(1, 5))


def _is_sequence(text: str) -> bool:
    """The text runs along a keyboard row or the alphabet or digits, forwards or backwards."""
    return any(text in row or text in row[::-1] for row in SEQUENCES)


def _is_personal(password: str, email: str, full_name: str) -> bool:
    email = email.strip().casefold()
    local = email.split("@", 1)[0]
    name = "".join(full_name.casefold().split())
    squeezed = "".join(password.split())
    return bool(
        (email and email in password)
        or (len(local) >= 4 and local in squeezed)
        or (len(name) >= 4 and name == squeezed)
    )
