"""Patterns over a patient's episodes: course, trends, triggers and remedies (pure functions)."""

from neckcheck.patterns.course import Course, course
from neckcheck.patterns.triggers import RemedyStat, TriggerStat, remedy_stats, trigger_stats

__all__ = ["Course", "RemedyStat", "TriggerStat", "course", "remedy_stats", "trigger_stats"]
