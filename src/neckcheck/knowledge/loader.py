"""Load the knowledge files packaged in ``neckcheck/knowledge/data``.

    >>> from neckcheck.knowledge import load
    >>> kb = load()
    >>> kb.finding("dizziness").label
    'Dizziness'

The files are read through :mod:`importlib.resources`, so they work from a wheel or a zip.
``load()`` parses and validates once per process and returns the same object afterwards.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from neckcheck.errors import KnowledgeError
from neckcheck.knowledge.models import KnowledgeBase

FILES = (
    "sources",
    "findings",
    "diary",
    "facts",
    "rules",
    "advice",
    "inputs",
    "nlp",
    "labels",
    "screening",
    "measures",
)


# libyaml's safe loader where PyYAML was built with it (its wheels are): the same documents,
# read some ten times faster than by the pure-Python one, which every process paid at start.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """A YAML document, read safely (plain data only)."""
    loader = _SAFE_LOADER(text)  # what yaml.safe_load does, with the faster loader
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_raw() -> dict[str, Any]:
    """The knowledge files as parsed YAML, one key per file, not yet validated."""
    data = resources.files("neckcheck.knowledge") / "data"
    return {name: parse_yaml((data / f"{name}.yaml").read_text("utf-8")) for name in FILES}


def validate(raw: dict[str, Any]) -> KnowledgeBase:
    """Validate parsed knowledge files; raise :class:`KnowledgeError` naming every problem."""
    try:
        return KnowledgeBase.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in err['loc']) or 'knowledge'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
        raise KnowledgeError("invalid knowledge base: " + "; ".join(lines)) from None


@functools.cache
def load() -> KnowledgeBase:
    """The packaged knowledge base, validated (cached after the first call)."""
    return validate(read_raw())
