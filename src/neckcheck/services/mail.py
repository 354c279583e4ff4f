"""Email from the clinic: invitations, reset links and alerts, by SMTP (the standard
library's ``smtplib`` and ``email``), where ``NECKCHECK_SMTP_URL`` names a server.

    >>> mailer = Mailer("smtp+starttls://clinic:secret@mail.example.org:587", "clinic@example.org")
    >>> mailer.send(Mail("ann@example.org", "Your invitation", "Open this link..."))

``smtp://`` talks plain SMTP (a relay on the same machine), ``smtp+starttls://`` upgrades to
TLS with STARTTLS, ``smtps://`` speaks TLS from the start; a user and password in the address
log in. A failure is a :class:`~neckcheck.errors.MailNotSent` that says what went wrong.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from neckcheck.errors import MailNotSent

__all__ = ["Mail", "Mailer", "mailer_for"]

TIMEOUT_SECONDS = 20
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer:
    """Sends plain-text messages through the SMTP server of ``url``, from ``sender``."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or _PORTS.get(parts.scheme, 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(mail.text)
        try:
            if self.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            with client:
                if self.scheme == "smtp+starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user is not None:
                    client.login(self.user, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(
                f"the email to {mail.to} could not be sent ({self.host}:{self.port}: {exc})"
            ) from None


def mailer_for(smtp_url: str, sender: str) -> Mailer | None:
    """The clinic's mailer, or None when no SMTP server is configured."""
    return Mailer(smtp_url, sender) if smtp_url else None
