"""The second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app,
and one-time recovery codes for when the app is lost.

    >>> secret = new_secret()
    >>> sealed = seal(secret, server_secret)          # what the database keeps
    >>> code = pyotp.TOTP(secret).at(now)            # what the app shows
    >>> match(secret, code, now=now, last_step=None)
    Match(step=59366400, replayed=False)

The secret is kept encrypted (Fernet, under a key derived from the server's secret), so a copy
of the database alone does not give anyone's codes. A code is accepted for the current
30-second step or the one before or after (clocks drift), and only for a step later than the
last one accepted: no code works twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import pyotp
from cryptography.fernet import Fernet, InvalidToken

ISSUER = "neckcheck"
RECOVERY_CODES = 10
# Steps either side of now a code may come from (an app's clock a little off).
DRIFT = 1


def new_secret() -> str:
    """A random base32 secret of 160 bits, as RFC 6238 suggests for SHA-1."""
    return pyotp.random_base32(length=32)


@cache
def _fernet(server_secret: str) -> Fernet:
    key = hmac.new(server_secret.encode(), b"neckcheck second factor", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, server_secret: str) -> str:
    """``secret`` encrypted for the database."""
    return _fernet(server_secret).encrypt(secret.encode()).decode()


def unseal(sealed: str, server_secret: str) -> str | None:
    """The secret ``seal`` encrypted, or None when it was sealed under another server secret."""
    try:
        return _fernet(server_secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def provisioning_uri(secret: str, *, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (dark modules on a light square, which
    every camera reads, whatever the page's colours)."""
    import segno

    svg: str = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", omitsize=True, svgclass="qr"
    )
    return svg


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app: ``ABCD EFGH ...``."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@dataclass(frozen=True)
class Match:
    """A code that matched the time step ``step``; ``replayed`` when that step (or a later
    one) was used already, so the code must be refused."""

    step: int
    replayed: bool


def match(secret: str, code: str, *, now: datetime, last_step: int | None) -> Match | None:
    """Which time step near ``now`` the six-digit ``code`` belongs to, or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return Match(step, last_step is not None and step <= last_step)
    return None


def new_recovery_codes() -> list[str]:
    """Ten one-time recovery codes such as ``7f3a9-c21e0`` (40 bits each)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    return len(normal_recovery_code(code)) == 10


def normal_recovery_code(code: str) -> str:
    return "".join(c for c in code.lower() if c in "0123456789abcdef")


def recovery_hash(code: str, server_secret: str) -> str:
    """A recovery code as kept: an HMAC under the server's secret, like invitation codes."""
    message = b"recovery\x1f" + normal_recovery_code(code).encode()
    return hmac.new(server_secret.encode(), message, hashlib.sha256).hexdigest()
