"""Settings, read from ``NECKCHECK_*`` environment variables.

    >>> from neckcheck.settings import Settings
    >>> Settings(database_url="sqlite:///diary.db").effective_database_url()
    'sqlite:///diary.db'

There is no module-level instance: each entry point builds its own ``Settings()``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("neckcheck", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NECKCHECK_", extra="forbid")

    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL of the database, e.g. postgresql+psycopg://user@host/neckcheck. "
            "Empty: a SQLite file in the data directory."
        ),
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for the default SQLite database (the user data directory).",
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")

    def effective_database_url(self) -> str:
        """The configured URL, or the default SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'neckcheck.db'}"
