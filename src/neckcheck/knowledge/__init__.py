"""The knowledge base: findings, sources, article facts, triage rules and advice, as data."""

from neckcheck.knowledge.loader import load, read_raw, validate
from neckcheck.knowledge.models import KnowledgeBase

__all__ = ["KnowledgeBase", "load", "read_raw", "validate"]
