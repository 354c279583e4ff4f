"""The rest of the form, read from the same text as the findings.

* ``numbers``: number words (``nlp.yaml``), temperatures, the pain score, the age;
* ``times``: when it started, how long it lasted, whether it is over, the onset;
* ``body``: where it hurts and which movements are stuck;
* ``who``: who the text is about;
* ``terms``: triggers, remedies and how much they helped, what was not understood;
* ``text``: what they share (sentences, clauses).

Small rules on the lower-cased text (regular expressions over words from ``nlp.yaml``).
Every reader returns what it found and the character spans it used, so that the
extraction can list what it could not place ("not understood").
"""

from neckcheck.nlp.details.body import movements, regions
from neckcheck.nlp.details.numbers import age, intensity, number, temperature_readings
from neckcheck.nlp.details.terms import find_terms, not_understood, phrases_pattern, remedies
from neckcheck.nlp.details.text import Span, any_of, prepare
from neckcheck.nlp.details.times import Moment, Times, onset, times
from neckcheck.nlp.details.who import Subject, subject

__all__ = [
    "Moment",
    "Span",
    "Subject",
    "Times",
    "age",
    "any_of",
    "find_terms",
    "intensity",
    "movements",
    "not_understood",
    "number",
    "onset",
    "phrases_pattern",
    "prepare",
    "regions",
    "remedies",
    "subject",
    "temperature_readings",
    "times",
]
