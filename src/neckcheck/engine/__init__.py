"""The assessment engine: pure, deterministic triage of a findings document."""

from neckcheck.engine.assess import Engine, assess

__all__ = ["Engine", "assess"]
