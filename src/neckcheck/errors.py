"""The one error tree of neckcheck.

::

    NeckcheckError            anything neckcheck itself refuses or cannot do
     ├── InputError           bad input from a person or a file; names the field(s)
     ├── NotFoundError        an episode or record that does not exist (for this patient)
     ├── KnowledgeError       the packaged knowledge base is inconsistent
     ├── ConfigError          settings that cannot work
     ├── NotSignedIn          clinic mode: no valid session (401; pages redirect to sign in)
     │    └── SecondFactorNeeded  the password was right; the second factor is still to be
     │                            given or set up (pages redirect to where that is done)
     ├── NotAllowed           this account may not do that (403)
     │    └── CsrfRejected    a form post without this viewer's CSRF token
     ├── LinkNotUsable        a join or reset link that is used, expired or unknown (404/410)
     ├── MailNotSent          the email server refused or could not be reached (503)
     └── TooManyAttempts      too many failed sign-ins or codes from here (429)

Library code raises these; the CLI and the web app translate them at the edge (exit code 2 and
one line; HTTP 4xx with a JSON body). Pydantic's ``ValidationError`` is translated by
:func:`InputError.from_pydantic` so users read plain messages that name the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "ConfigError",
    "CsrfRejected",
    "FieldProblem",
    "InputError",
    "KnowledgeError",
    "LinkNotUsable",
    "MailNotSent",
    "NeckcheckError",
    "NotAllowed",
    "NotFoundError",
    "NotSignedIn",
    "SecondFactorNeeded",
    "TooManyAttempts",
]


class NeckcheckError(Exception):
    """Root of every error neckcheck raises on purpose."""

    status = 400


class FieldProblem:
    """One problem with one field: ``field`` is a dotted path such as ``history.weeks``."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


# Plain-language wording for Pydantic's error types; the context holds the bounds.
_MESSAGES: Mapping[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
    "string_too_long": "must be at most {max_length} characters",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "enum": "must be one of: {expected}",
    "literal_error": "must be one of: {expected}",
    "timezone_aware": "must include a time zone (for example 2026-05-01T08:30+02:00)",
    "datetime_parsing": "must be a date and time such as 2026-05-01T08:30+02:00",
    "datetime_from_date_parsing": "must be a date and time such as 2026-05-01T08:30+02:00",
    "datetime_type": "must be a date and time such as 2026-05-01T08:30+02:00",
    "date_from_datetime_parsing": "must be a date such as 2026-05-01",
    "bool_parsing": "must be true or false",
}


def _plain(value: Any) -> str:
    """``0.0`` as ``0``: bounds read as people write them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _field_path(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


class InputError(NeckcheckError):
    """Bad input. ``problems`` lists every field that was wrong, in input order."""

    status = 422

    def __init__(self, problems: list[FieldProblem] | str, field: str = "") -> None:
        if isinstance(problems, str):
            problems = [FieldProblem(field, problems)]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    @property
    def field(self) -> str:
        return self.problems[0].field if self.problems else ""

    @classmethod
    def from_pydantic(cls, exc: Any, *, prefix: str = "") -> InputError:
        """Translate a ``pydantic.ValidationError`` into plain messages."""
        return cls.from_error_list(exc.errors(include_url=False), prefix=prefix)

    @classmethod
    def from_error_list(
        cls, errors: Iterable[Mapping[str, Any]], *, prefix: str = ""
    ) -> InputError:
        """Translate Pydantic-style error dicts (``loc``, ``msg``, ``type``, ``ctx``)."""
        problems = []
        for err in errors:
            ctx = {key: _plain(value) for key, value in (err.get("ctx") or {}).items()}
            template = _MESSAGES.get(err["type"])
            if err["type"].startswith("neckcheck_") or template is None:
                message = err["msg"].removeprefix("Value error, ")
            else:
                message = template.format(**ctx) if ctx or "{" not in template else template
            path = _field_path(err["loc"])
            if prefix:
                path = f"{prefix}.{path}" if path else prefix
            problems.append(FieldProblem(path, message))
        return cls(problems)


class NotFoundError(NeckcheckError):
    status = 404


class KnowledgeError(NeckcheckError):
    status = 500


class ConfigError(NeckcheckError):
    status = 500


class NotSignedIn(NeckcheckError):
    status = 401


class SecondFactorNeeded(NotSignedIn):
    """Signed in with the password, not yet with the second factor: ``stage`` says whether it
    is to be given ("code") or set up first ("setup")."""

    def __init__(self, message: str, *, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


class NotAllowed(NeckcheckError):
    status = 403


class CsrfRejected(NotAllowed):
    pass


class TooManyAttempts(NeckcheckError):
    status = 429


class LinkNotUsable(NeckcheckError):
    """A join or reset link that cannot be used: ``reason`` is "used", "expired" or
    "unknown"; the message says which, and whom to ask for a new one."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = 404 if reason == "unknown" else 410


class MailNotSent(NeckcheckError):
    status = 503
