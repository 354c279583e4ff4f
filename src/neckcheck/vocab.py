"""The closed vocabularies of an episode's fields: how it started, how the pain feels, where it
hurts, which movements are limited, what it got in the way of, and how well a remedy helped.

A module of its own, so that the domain models and the knowledge base (which labels every
value) can both use them without importing each other.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Activity", "Helped", "Movement", "Onset", "PainQuality", "Region"]


class Onset(StrEnum):
    sudden = "sudden"
    gradual = "gradual"


class PainQuality(StrEnum):
    constant = "constant"
    throbbing = "throbbing"
    dull = "dull"
    sharp = "sharp"
    burning = "burning"


class Region(StrEnum):
    """Where it hurts, as the neck diagram divides it: six zones of the neck, and the areas
    around it a spasm spreads to. Values are stored: add new ones, never rename."""

    upper_left = "upper_left"
    upper_centre = "upper_centre"
    upper_right = "upper_right"
    lower_left = "lower_left"
    lower_centre = "lower_centre"
    lower_right = "lower_right"
    shoulder_left = "shoulder_left"
    shoulder_right = "shoulder_right"
    head = "head"
    jaw_left = "jaw_left"
    jaw_right = "jaw_right"
    upper_back = "upper_back"
    arm_left = "arm_left"
    arm_right = "arm_right"

    @property
    def on_neck(self) -> bool:
        """One of the six zones of the neck itself (not the head, shoulders, arms or back)."""
        return self.value.startswith(("upper_", "lower_")) and self is not Region.upper_back

    @property
    def side(self) -> str | None:
        """``left`` or ``right`` for an area on one side, None for one in the middle."""
        side = self.value.rsplit("_", 1)[-1]
        return side if side in ("left", "right") else None


class Movement(StrEnum):
    """Movements of the head and neck that can be limited."""

    flexion = "flexion"
    extension = "extension"
    rotation_left = "rotation_left"
    rotation_right = "rotation_right"
    side_bending_left = "side_bending_left"
    side_bending_right = "side_bending_right"


class Helped(StrEnum):
    none = "none"
    some = "some"
    a_lot = "a_lot"


class Activity(StrEnum):
    driving = "driving"
    concentrating = "concentrating"
    carrying = "carrying"
    sleep = "sleep"
    work = "work"
