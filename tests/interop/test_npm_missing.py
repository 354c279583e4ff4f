"""Without Node or npm, the Medplum tests fail in CI (CI=true) and skip elsewhere, saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.interop.medplum import MEDPLUM_PACKAGES, Medplum
from tests.npm import npm_install


def _nothing(name: str) -> None:
    return None


def test_without_node_medplum_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tests.interop.medplum.shutil.which", _nothing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(
        pytest.fail.Exception, match=r"Node\.js is not installed.*\(required in CI\)"
    ):
        Medplum.install()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"Node\.js is not installed"):
        Medplum.install()


def test_without_npm_the_medplum_packages_fail_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("tests.npm.CACHE", tmp_path)  # nothing installed there
    monkeypatch.setattr("tests.npm.shutil.which", _nothing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"npm is not installed, so @medplum/core@"):
        npm_install("medplum", MEDPLUM_PACKAGES)
