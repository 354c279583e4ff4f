"""Meta-tests: the public API, documented settings, and a fast, lazy import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import neckcheck
from neckcheck.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_public_api_is_pinned() -> None:
    assert neckcheck.__all__ == [
        "Assessment",
        "Episode",
        "EpisodeCreate",
        "EpisodeUpdate",
        "Findings",
        "InputError",
        "Level",
        "NeckcheckError",
        "NotFoundError",
        "__version__",
        "assess",
    ]
    for name in neckcheck.__all__:
        assert getattr(neckcheck, name) is not None


def test_every_setting_is_documented() -> None:
    readme = README.read_text("utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"
        assert f"`NECKCHECK_{name.upper()}`" in readme, f"NECKCHECK_{name.upper()} not in README"


def test_settings_come_from_the_environment(monkeypatch: object, tmp_path: Path) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("NECKCHECK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NECKCHECK_DATABASE_URL", raising=False)
    assert Settings().effective_database_url() == f"sqlite:///{tmp_path / 'neckcheck.db'}"
    monkeypatch.setenv("NECKCHECK_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().effective_database_url() == "postgresql+psycopg://u@h/db"


def test_help_does_not_import_the_heavy_parts() -> None:
    code = (
        "import sys\n"
        "from neckcheck.cli import app\n"
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'fastapi', 'pydantic', 'yaml')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_has_one_source() -> None:
    pyproject = (README.parent / "pyproject.toml").read_text("utf-8")
    assert re.search(rf'^version = "{re.escape(neckcheck.__version__)}"$', pyproject, re.M)
