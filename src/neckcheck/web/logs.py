"""Keeping secrets out of logs: a calendar feed's address is its credential.

    >>> redact("GET /calendar/AbCdEf0123456789xyz.ics HTTP/1.1")
    'GET /calendar/[token].ics HTTP/1.1'

The server's access log (uvicorn) gets :class:`RedactFeedTokens` on its handlers through
:func:`log_config`; the app logs paths through :func:`redact`.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

__all__ = ["RedactFeedTokens", "log_config", "redact"]

# The feed's path, wherever it appears (a full URL too); not the profile's calendar forms.
_FEED = re.compile(r"(?<!/profile)/calendar/[^/?#\s\"']+")
# A join or reset link's path: its token lets someone in.
_LINK = re.compile(r"/(join|reset)/[^/?#\s\"']+")


def _hidden(match: re.Match[str]) -> str:
    return "/calendar/[token]" + (".ics" if match.group(0).endswith(".ics") else "")


def redact(text: str) -> str:
    """``text`` with every calendar feed and join or reset link token replaced by
    ``[token]``."""
    return _LINK.sub(r"/\1/[token]", _FEED.sub(_hidden, text))


class RedactFeedTokens(logging.Filter):
    """Rewrites a record's message and arguments so no feed token reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def log_config() -> dict[str, Any]:
    """Uvicorn's default logging, with every handler redacting feed tokens."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactFeedTokens}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config
