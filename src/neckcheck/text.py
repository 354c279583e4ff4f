"""How neckcheck words counts, durations and moments for people, in one place.

    >>> count(1, "episode", "episodes"), count(3, "episode", "episodes")
    ('1 episode', '3 episodes')
    >>> format_hours(0.75), format_hours(5), format_hours(50, short=True)
    ('45 min', '5.0 h', '2.1 d')
    >>> format_elapsed(8040), format_elapsed(200_000)
    ('2 h 14 min', '2 days 7 h')

Plural forms go through Babel's translations (``ngettext``), so a translated catalogue can
supply the right form for any language; without one, English forms are used.
"""

from __future__ import annotations

from datetime import datetime

from babel.support import NullTranslations

__all__ = [
    "count",
    "format_elapsed",
    "format_hours",
    "format_moment",
    "iso_duration",
    "ngettext",
    "translations",
]

# The translations in use; a catalogue (babel.support.Translations) can replace them.
translations = NullTranslations()


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``."""
    return str(translations.ngettext(singular, plural, n))


def count(n: int, singular: str, plural: str) -> str:
    """``n`` and its noun in the right form: ``1 episode``, ``2 episodes``."""
    return f"{n} {ngettext(singular, plural, n)}"


def format_hours(hours: float, *, short: bool = False) -> str:
    """A duration as people read it: ``45 min``, ``3.5 h``, ``2.0 days`` (``2.0 d`` if short)."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} {'d' if short else 'days'}"


def format_moment(moment: datetime) -> str:
    """A moment in a page or a report: ``Tue 30 Jun 2026, 12:00``."""
    return moment.strftime("%a %d %b %Y, %H:%M")


def format_elapsed(seconds: float) -> str:
    """How long something has lasted, as a running timer shows it: ``under a minute``,
    ``45 min``, ``2 h 14 min``, ``3 h``, ``3 days 2 h``. (``web/static/app.js`` words a
    ticking timer the same way.)"""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{count(days, 'day', 'days')} {hours} h" if hours else count(days, "day", "days")


def iso_duration(seconds: float) -> str:
    """A duration in whole minutes as ISO 8601 (``PT2H14M``), for HTML's ``<time>``."""
    hours, minutes = divmod(int(max(seconds, 0) // 60), 60)
    return f"PT{hours}H{minutes}M"
