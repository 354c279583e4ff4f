"""Password hashing with Argon2id (argon2-cffi's defaults, which follow RFC 9106).

>>> stored = hash_password("correct horse battery")
>>> verify_password(stored, "correct horse battery")
True
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from neckcheck.errors import InputError

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn's score (0-4) a new password needs: 3 is "safely unguessable" (about 10^10 guesses).
MIN_STRENGTH = 3
_HASHER = PasswordHasher()  # stateless and thread-safe; holds only the cost parameters


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InputError(f"must be at least {MIN_LENGTH} characters", field="password")
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("no account has this password")


def verify_nothing(password: str) -> bool:
    """Spend the time a real check takes, for an unknown or disabled account, so that how long
    a refusal takes does not tell whether an account exists. Always False."""
    verify_password(_dummy_hash(), password)
    return False


def check_new_password(password: str, again: str, *, email: str = "", name: str = "") -> None:
    """Refuse a new password that is too short, too long, easy to guess (zxcvbn, which also
    knows the person's email and name), or typed differently the second time. The
    InputError names the field: ``password`` or ``password_again``."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_LENGTH:
        raise InputError(f"must be at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InputError(f"must be at most {MAX_LENGTH} characters", field="password")
    hints = [part for part in (email, email.split("@")[0], *name.split()) if part]
    # zxcvbn looks at the first 72 characters (longer ones are all long enough).
    found = zxcvbn(password[:72], user_inputs=hints, max_length=72)
    if found["score"] < MIN_STRENGTH:
        feedback = found["feedback"]
        why = feedback.get("warning") or "It is easy to guess."
        tips = " ".join(feedback.get("suggestions") or ["Add another word or two."])
        raise InputError(f"is too easy to guess. {why} {tips}".strip(), field="password")
    if password != again:
        raise InputError("is not the same as the first password", field="password_again")
