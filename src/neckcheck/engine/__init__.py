"""The assessment engine: pure, deterministic triage of a findings document."""

from neckcheck.engine.assess import Engine, assess, engine_for
from neckcheck.engine.episode import check

__all__ = ["Engine", "assess", "check", "engine_for"]
