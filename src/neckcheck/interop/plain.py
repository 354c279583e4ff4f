"""Plain exports: JSON (lossless, importable) and CSV (for spreadsheets).

>>> text = export_json(episodes, now=now, pain_free_days=days)
>>> import_json(text).episodes == [EpisodeCreate(...), ...]   # every record validated first
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from neckcheck.domain import Episode, EpisodeCreate, PainFreeDay
from neckcheck.errors import FieldProblem, InputError

FORMAT = "neckcheck.episodes"
VERSION = 1
# Stored metadata an export carries for reference; an import gives episodes new ones.
_METADATA = ("id", "patient_id", "created_at", "updated_at")
CSV_COLUMNS = ["id", *EpisodeCreate.model_fields]


class ActivityRecord(BaseModel):
    """An activity named for a patient-specific outcome measure (``services.outcomes``)."""

    model_config = ConfigDict(extra="forbid")
    id: int
    measure: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    created_at: AwareDatetime
    removed_at: AwareDatetime | None = None


class CheckInRecord(BaseModel):
    """A check-in of the outcome measures: ratings by measure, then item (a personal item's
    is the ``id`` of its activity in the same file)."""

    model_config = ConfigDict(extra="forbid")
    at: AwareDatetime
    answers: dict[str, dict[str, int]]


@dataclass(frozen=True)
class PlainImport:
    """The records of a JSON export, each validated."""

    episodes: list[EpisodeCreate]
    pain_free_days: list[PainFreeDay]
    activities: list[ActivityRecord] = field(default_factory=list)
    check_ins: list[CheckInRecord] = field(default_factory=list)


def export_json(
    episodes: list[Episode],
    *,
    now: datetime,
    pain_free_days: Sequence[PainFreeDay] = (),
    activities: Sequence[ActivityRecord] = (),
    check_ins: Sequence[CheckInRecord] = (),
) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": now.isoformat(),
            "episodes": [e.model_dump(mode="json") for e in episodes],
            "pain_free_days": [d.model_dump(mode="json") for d in pain_free_days],
            "activities": [a.model_dump(mode="json") for a in activities],
            "check_ins": [c.model_dump(mode="json") for c in check_ins],
        },
        indent=2,
        ensure_ascii=False,
    )


def read_json(text: str, *, field: str) -> Any:
    """Parse JSON from a person's file or standard input; anything that is not plain JSON is
    an InputError naming ``field`` (including nesting too deep to read and numbers too long
    to convert, which the parser reports with other errors)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", field=field
        ) from None
    except RecursionError:
        raise InputError("is nested too deeply to be a neckcheck document", field=field) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise InputError(f"cannot be read: {exc}", field=field) from None


def import_json(text: str) -> PlainImport:
    """Validate every record of a JSON export; InputError names the record and the field.
    Exports made before pain-free days were recorded have none."""
    document = read_json(text, field="file")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"not a neckcheck export (expected format {FORMAT!r})", field="format")
    if document.get("version") != VERSION:
        raise InputError(f"version {document.get('version')!r} is not supported", field="version")
    records = document.get("episodes")
    if not isinstance(records, list):
        raise InputError("must be a list", field="episodes")
    episodes, problems = [], []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.append(FieldProblem(f"episodes.{index}", "must be an object"))
            continue
        data = {key: value for key, value in record.items() if key not in _METADATA}
        try:
            episodes.append(EpisodeCreate.model_validate(data))
        except ValidationError as exc:
            problems += InputError.from_pydantic(exc, prefix=f"episodes.{index}").problems
    pain_free_days = _records(document, "pain_free_days", PainFreeDay, problems)
    activities = _records(document, "activities", ActivityRecord, problems)
    check_ins = _records(document, "check_ins", CheckInRecord, problems)
    if problems:
        raise InputError(problems)
    return PlainImport(episodes, pain_free_days, activities, check_ins)


Record = TypeVar("Record", bound=BaseModel)


def _records(
    document: dict[str, Any], key: str, model: type[Record], problems: list[FieldProblem]
) -> list[Record]:
    """The records under ``key`` (none in exports made before it existed), each validated;
    what is wrong is added to ``problems``."""
    raw = document.get(key, [])
    if not isinstance(raw, list):
        problems.append(FieldProblem(key, "must be a list"))
        return []
    found = []
    for index, record in enumerate(raw):
        try:
            found.append(model.model_validate(record))
        except ValidationError as exc:
            problems += InputError.from_pydantic(exc, prefix=f"{key}.{index}").problems
    return found


# A cell a spreadsheet would read as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = ";".join(
            f"{v['remedy']}={v['helped']}" if isinstance(v, dict) else str(v) for v in value
        )
    else:
        text = str(value)
    # Neutralised as OWASP recommends: a leading quote makes the cell plain text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(episodes: list[Episode]) -> str:
    """One row per episode; lists joined with ';', remedies as remedy=helped."""
    return csv_table(
        CSV_COLUMNS,
        (
            [data[column] for column in CSV_COLUMNS]
            for data in (episode.model_dump(mode="json") for episode in episodes)
        ),
    )


def csv_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A table as CSV text, every cell (the header's too) safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(name) for name in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
