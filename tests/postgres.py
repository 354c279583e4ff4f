"""A real PostgreSQL server for the test session, started from Debian's binaries.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` user through ``runuser``. It listens on a Unix socket in its own temporary folder,
not on a TCP port (so that servers started at once, by pytest-xdist's workers or by anyone
else on the computer, can never want the same port), keeps its data there and stops when the
session ends.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def running_server(bin_dir: Path) -> Iterator[str]:
    """Start a throwaway server; yields the URL of its ``postgres`` database (see
    ``tests/databases.py: database_url`` for another database on it)."""
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="neckcheck-pg-"))
    data, log = folder / "data", folder / "server.log"
    if as_root:
        shutil.chown(folder, "postgres")

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-o",
        f"-k {folder} -c listen_addresses='' -c fsync=off",
        "start",
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}"
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)
