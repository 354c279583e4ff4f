"""npm packages that only the tests use, installed on first use into ``.cache/`` (not committed).

Each set of packages gets its own folder, ``.cache/node/<name>``, with a ``package.json`` that
npm writes there, so installing one set never prunes another. The install is skipped when
every package is already present at its pinned version, and made by one process at a time
(a lock file beside the folder): test processes started together (pytest-xdist) wait for the
first one's install instead of writing into the same folder::

    folder = npm_install("lighthouse", ["lighthouse@12.2.3"])
    cli = folder / "node_modules" / "lighthouse" / "cli" / "index.js"

When npm is missing or the install fails the calling test fails in CI (``CI=true``) and skips
elsewhere, saying why (see `missing`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest
from filelock import FileLock

# The project's root is the folder that holds this ``tests`` package, wherever pytest runs from.
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "node"
INSTALL_TIMEOUT_SECONDS = 600


def missing(reason: str) -> NoReturn:
    """Stop the current test for want of a real component: fail in CI, skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def split_spec(spec: str) -> tuple[str, str]:
    """``"@medplum/core@4.5.2"`` -> ``("@medplum/core", "4.5.2")``; the version is required."""
    name, at, version = spec.rpartition("@")
    if not at or not name or not version:
        raise ValueError(f"npm package {spec!r} is not pinned as name@version")
    return name, version


def installed_version(folder: Path, package: str) -> str | None:
    manifest = folder / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text("utf-8")).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def npm_install(name: str, specs: Sequence[str]) -> Path:
    """Install the pinned ``specs`` into ``.cache/node/<name>`` unless already there.

    Returns the folder; the packages are under its ``node_modules``.
    """
    pinned = [split_spec(spec) for spec in specs]
    folder = CACHE / name
    if _installed(folder, pinned):
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(CACHE / f"{name}.lock", timeout=INSTALL_TIMEOUT_SECONDS + 60):
        if not _installed(folder, pinned):  # another process may have installed it meanwhile
            _install(folder, specs, pinned)
    return folder


def _installed(folder: Path, pinned: Sequence[tuple[str, str]]) -> bool:
    return all(installed_version(folder, package) == version for package, version in pinned)


def _install(folder: Path, specs: Sequence[str], pinned: Sequence[tuple[str, str]]) -> None:
    npm = shutil.which("npm")
    if npm is None:
        missing(f"npm is not installed, so {', '.join(specs)} cannot be fetched")
    folder.mkdir(parents=True, exist_ok=True)
    # --prefer-offline: every version is pinned, so a copy in npm's own cache will do.
    command = [
        npm,
        "install",
        "--save-exact",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--prefix",
        str(folder),
    ]
    try:
        done = subprocess.run(
            [*command, *specs],
            capture_output=True,
            text=True,
            check=False,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        missing(f"npm install {' '.join(specs)} took more than {INSTALL_TIMEOUT_SECONDS} s")
    wrong = [
        f"{package} (found {installed_version(folder, package)}, wanted {version})"
        for package, version in pinned
        if installed_version(folder, package) != version
    ]
    if done.returncode != 0 or wrong:
        detail = done.stderr.strip()[-500:] or f"not installed: {', '.join(wrong)}"
        missing(f"npm could not install {' '.join(specs)}: {detail}")
