"""A random key kept in a file of its own, outside the database (a local diary's key for its
calendar addresses, when ``NECKCHECK_SECRET_KEY`` is not set): made on first use, readable
by its owner only, and the same for every process that reads it.

    >>> key = kept_key(Path("~/.local/share/neckcheck/neckcheck.db.key").expanduser())

A copy of the database alone (``neckcheck backup``) does not hold it, so it does not give
anyone the addresses keyed with it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

__all__ = ["kept_key"]


def kept_key(path: Path) -> str:
    """The key in ``path``, made (48 random bytes, URL-safe) if the file does not exist yet.
    Two processes that make it at once agree: the file is written aside and linked into
    place only if no other is there yet."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, aside = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process linked its key first
            os.link(aside, path)
    finally:
        os.unlink(aside)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text("utf-8").strip()
    if len(key) < 32:
        raise ValueError(f"{path} does not hold a key; remove it to make a new one")
    return key
