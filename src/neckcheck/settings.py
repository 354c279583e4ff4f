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


DEFAULT_SECRET = "change-me"  # nosec B105: the placeholder Settings.check refuses


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
    clinic_mode: bool = Field(
        False,
        description="Many patients and clinicians with accounts (needs a database URL "
        "and a secret key).",
    )
    secret_key: str = Field(
        DEFAULT_SECRET, description="Secret for signing in clinic mode; at least 32 characters."
    )
    session_hours: int = Field(12, ge=1, le=24 * 30, description="How long a login lasts.")
    cookie_secure: bool = Field(
        True, description="Send the login cookie over HTTPS only (turn off only for local tests)."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (e.g. 127.0.0.1 behind a local nginx). Empty: none, "
        "so the address in the audit log is the connecting one.",
    )

    def check(self) -> None:
        """Refuse settings a clinic server must not run with."""
        from neckcheck.errors import ConfigError

        if not self.clinic_mode:
            return
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            raise ConfigError(
                "clinic mode needs NECKCHECK_SECRET_KEY: a random secret of at "
                "least 32 characters, not the default"
            )
        if not self.database_url:
            raise ConfigError(
                "clinic mode needs NECKCHECK_DATABASE_URL (PostgreSQL), not "
                "the local SQLite default"
            )

    def effective_database_url(self) -> str:
        """The configured URL, or the default SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'neckcheck.db'}"
