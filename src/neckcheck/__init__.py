"""neckcheck: a neck-spasm diary with a conservative, explainable triage.

The public API::

    >>> from neckcheck import Findings, assess
    >>> assess(Findings.model_validate({"findings": ["neck_pain"]})).level
    <Level.self_care: 'self_care'>

Names are imported on first use, so ``import neckcheck`` (and ``neckcheck --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

__version__ = _version("neckcheck")

_EXPORTS = {
    "Assessment": "neckcheck.domain",
    "Episode": "neckcheck.domain",
    "EpisodeCreate": "neckcheck.domain",
    "EpisodeUpdate": "neckcheck.domain",
    "Findings": "neckcheck.domain",
    "Level": "neckcheck.levels",
    "assess": "neckcheck.engine",
    "InputError": "neckcheck.errors",
    "NeckcheckError": "neckcheck.errors",
    "NotFoundError": "neckcheck.errors",
}

__all__ = [
    "Assessment",
    "Episode",
    "EpisodeCreate",
    "EpisodeUpdate",
    "Findings",
    "InputError",
    "Level",
    "NeckcheckError",
    "NotFoundError",
    "__version__",
    "assess",
]

if TYPE_CHECKING:
    from neckcheck.domain import Assessment, Episode, EpisodeCreate, EpisodeUpdate, Findings
    from neckcheck.engine.assess import assess
    from neckcheck.errors import InputError, NeckcheckError, NotFoundError
    from neckcheck.levels import Level


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'neckcheck' has no attribute {name!r}")
