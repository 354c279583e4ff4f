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
