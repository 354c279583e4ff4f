"""Settings, read from ``NECKCHECK_*`` environment variables.

    >>> from neckcheck.settings import Settings
    >>> Settings(database_url="sqlite:///diary.db").effective_database_url()
    'sqlite:///diary.db'

There is no module-level instance: each entry point builds its own ``Settings()``.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("neckcheck", appauthor=False))


DEFAULT_SECRET = "change-me"  # nosec B105: the placeholder Settings.check refuses
PASSPHRASE_MIN_LENGTH = 10
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


# The names of this computer a browser on it uses (the Host header's host, port aside).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_ANY_ADDRESS = frozenset({"0.0.0.0", "::", "[::]"})  # nosec B104: compared, never bound
# A host name or IP address as the Host header gives it (IPv6 in brackets), or a wildcard
# of a domain's names ("*.example.org").
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_HOST_NAME = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*|\[[0-9a-f:.]+\]")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this computer only (127.0.0.1, ::1, localhost): nothing else on
    the network can reach a server listening there."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1, as a dual-stack socket reports it
    return address.is_loopback


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
    passphrase: SecretStr = Field(
        SecretStr(""),
        description="Local mode: a passphrase of 10+ characters, or its Argon2 hash from "
        "`neckcheck hash-passphrase`. When set, the diary asks for it before anything else; "
        "serving beyond this computer (--host) needs it.",
    )
    allowed_hosts: str = Field(
        "",
        description="Comma-separated names this server answers to besides this computer's "
        "own (127.0.0.1, localhost, [::1]) and the host of NECKCHECK_PUBLIC_URL: the public "
        "name a phone or a clinic uses, such as diary.example.org (or *.example.org). A "
        "request naming any other host is refused (400), so a web page whose name is "
        "pointed at this computer cannot use the diary. "
        "Names beyond this computer need a sign-in (a passphrase or clinic mode).",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (e.g. 127.0.0.1 behind a local nginx). Empty: none, "
        "so the address in the audit log is the connecting one.",
    )
    public_url: str = Field(
        "",
        description="Clinic mode: the address people use to reach the server, such as "
        "https://clinic.example.org; invitation and reset links and alert emails start with "
        "it. Empty: http://HOST:PORT.",
    )
    smtp_url: SecretStr = Field(
        SecretStr(""),
        description="Clinic mode: where to send email, as smtp://[user:password@]host[:port] "
        "(plain), smtp+starttls://... (STARTTLS) or smtps://... (TLS). Empty: no email; "
        "invitation and reset links are handed over by the clinic's staff.",
    )
    mail_from: str = Field(
        "",
        description="The sender of the clinic's emails. Empty: neckcheck@ and the public "
        "address's host name.",
    )
    totp_required: bool = Field(
        True,
        description="Clinic mode: clinicians and administrators must set up a second factor "
        "(an authenticator app) at their first sign-in. Turn off only for a trial.",
    )
    alert_hours: str = Field(
        "",
        description="Clinic mode: when the clinic reads the alerts of its Needs attention "
        "list, in words a patient reads after 'The clinic reads these' (e.g. 'on weekdays "
        "from 8:00 to 18:00'). Empty: the patient is told it is not watched at all hours.",
    )

    def check(self) -> None:
        """Refuse settings a clinic server must not run with."""
        from neckcheck.errors import ConfigError

        passphrase = self.passphrase.get_secret_value()
        if not self.clinic_mode:
            hashed = passphrase.startswith("$argon2")
            if passphrase and not hashed and len(passphrase) < PASSPHRASE_MIN_LENGTH:
                raise ConfigError(
                    f"NECKCHECK_PASSPHRASE must be at least {PASSPHRASE_MIN_LENGTH} "
                    "characters (or an Argon2 hash from neckcheck hash-passphrase)"
                )
            if not passphrase and not is_loopback(self.host):
                raise ConfigError(
                    f"serving beyond this computer (host {self.host}) needs "
                    "NECKCHECK_PASSPHRASE: without it anyone who reaches the server could "
                    "read and change the diary (see the README, 'On your phone')"
                )
            public = [name for name in self.public_hosts() if not is_loopback(name)]
            if not passphrase and public:
                raise ConfigError(
                    f"NECKCHECK_ALLOWED_HOSTS or NECKCHECK_PUBLIC_URL names "
                    f"{', '.join(public)}: answering to a name beyond this computer needs "
                    "NECKCHECK_PASSPHRASE (see the README, 'On your phone')"
                )
            return
        self.public_hosts()
        if passphrase:
            raise ConfigError(
                "NECKCHECK_PASSPHRASE is for a local diary; in clinic mode people sign in "
                "with their accounts"
            )
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

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        value = value.strip().rstrip("/")
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError("must be an address such as https://clinic.example.org")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr) -> SecretStr:
        from urllib.parse import urlsplit

        raw = value.get_secret_value().strip()
        if raw:
            parts = urlsplit(raw)
            if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
                raise ValueError(
                    "must be smtp://host:port, smtp+starttls://host:port or smtps://host:port "
                    "(with user:password@ before the host if the server asks for them)"
                )
        return SecretStr(raw)

    def base_url(self) -> str:
        """The address links in emails and printed links start with (no trailing slash)."""
        return self.public_url or f"http://{self.host}:{self.port}"

    def sender(self) -> str:
        """The From address of the clinic's emails."""
        from urllib.parse import urlsplit

        return self.mail_from or f"neckcheck@{urlsplit(self.base_url()).hostname}"

    def public_hosts(self) -> list[str]:
        """The names of ``allowed_hosts`` and the host of ``public_url``, lower-cased (wildcards
        such as ``*.example.org`` included). ConfigError for one that is not a host name."""
        from neckcheck.errors import ConfigError

        names = [name.strip().lower() for name in self.allowed_hosts.split(",") if name.strip()]
        if self.public_url:  # the address people use answers without being listed twice
            from urllib.parse import urlsplit

            names.append(str(urlsplit(self.public_url).hostname).lower())
        for name in names:
            if not _HOST_NAME.fullmatch(name):
                raise ConfigError(
                    f"NECKCHECK_ALLOWED_HOSTS: {name!r} is not a host name (such as "
                    "diary.example.org, *.example.org or 192.0.2.7, without a scheme or port)"
                )
        return names

    def host_names(self) -> list[str]:
        """Every name the server answers to (the ``Host`` of a request, its port aside):
        this computer's own, the address it listens on when that is one address, and
        ``allowed_hosts``."""
        names = list(LOOPBACK_NAMES)
        listening = self.host.strip().lower()
        if listening and listening not in _ANY_ADDRESS:
            names.append(f"[{listening}]" if ":" in listening else listening)
        return list(dict.fromkeys([*names, *self.public_hosts()]))

    @property
    def local_sign_in(self) -> bool:
        """Whether a local diary asks for the passphrase before anything else."""
        return not self.clinic_mode and bool(self.passphrase.get_secret_value())

    def key_file(self) -> Path | None:
        """Where a local diary without ``NECKCHECK_SECRET_KEY`` keeps the random key of its
        calendar addresses: beside its SQLite file (``neckcheck.db.key``), or in the data
        folder for another database; None when there is a key setting, in clinic mode, and
        for a database in memory (whose key lives as long as the process)."""
        if self.clinic_mode or self.secret_key != DEFAULT_SECRET:
            return None
        from sqlalchemy.engine import make_url

        url = make_url(self.effective_database_url())
        if url.get_backend_name() != "sqlite":
            return self.data_dir / "neckcheck.key"
        if url.database in (None, "", ":memory:"):
            return None
        database = Path(url.database).expanduser()
        return database.with_name(database.name + ".key")

    def effective_database_url(self) -> str:
        """The configured URL, or the default SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'neckcheck.db'}"
