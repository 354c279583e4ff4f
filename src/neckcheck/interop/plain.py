"""Plain exports: JSON (lossless, importable) and CSV (for spreadsheets).

>>> text = export_json(episodes, now=now)
>>> import_json(text) == [EpisodeCreate(...), ...]   # every record validated first
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from neckcheck.domain import Episode, EpisodeCreate
from neckcheck.errors import FieldProblem, InputError

FORMAT = "neckcheck.episodes"
VERSION = 1
# Stored metadata an export carries for reference; an import gives episodes new ones.
_METADATA = ("id", "patient_id", "created_at", "updated_at")
CSV_COLUMNS = ["id", *EpisodeCreate.model_fields]


def export_json(episodes: list[Episode], *, now: datetime) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": now.isoformat(),
            "episodes": [e.model_dump(mode="json") for e in episodes],
        },
        indent=2,
        ensure_ascii=False,
    )


def import_json(text: str) -> list[EpisodeCreate]:
    """Validate every record of a JSON export; InputError names the record and the field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON (line {exc.lineno}: {exc.msg})", field="file") from None
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
    if problems:
        raise InputError(problems)
    return episodes


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(
            f"{v['remedy']}={v['helped']}" if isinstance(v, dict) else str(v) for v in value
        )
    return str(value)


def export_csv(episodes: list[Episode]) -> str:
    """One row per episode; lists joined with ';', remedies as remedy=helped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for episode in episodes:
        data = episode.model_dump(mode="json")
        writer.writerow([_cell(data[column]) for column in CSV_COLUMNS])
    return out.getvalue()
