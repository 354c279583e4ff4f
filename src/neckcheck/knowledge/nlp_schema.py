"""The schema of ``nlp.yaml``: the free-text extractor's vocabulary, ConText rules, the
findings read from two things said together, and the words of the rest of the form (see
nlp/extract.py and nlp/pipeline.py for how each part is used)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from neckcheck.knowledge.strict import Strict

__all__ = ["CombineRule", "ContextCategory", "ContextRuleData", "DetailData", "NlpData"]

ContextCategory = Literal[
    "NEGATED_EXISTENCE",
    "RESOLVED",
    "HISTORICAL",
    "PAST_TIME",
    "HYPOTHETICAL",
    "INDICATION",
    "POSSIBLE_EXISTENCE",
    "FAMILY",
    "CLAUSE",
    "CONTRAST",
    "PRESENT",
    "ABILITY",
]


class ContextRuleData(Strict):
    """A ConText rule: a cue (a phrase, or a pattern in the extractor's pattern language),
    what it says about the findings in its scope, and which way its scope runs.

    CLAUSE, CONTRAST and PRESENT cues modify nothing: they end other cues' scopes (a new
    clause, "but", "now"). ABILITY cues modify nothing either: "couldn't turn" says what
    could not be done, and, matched over its "n't", keeps that from negating what follows."""

    literal: str = Field(min_length=1)
    category: ContextCategory
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL"] = "FORWARD"
    pattern: str | None = None
    max_scope: int | None = Field(None, ge=1, le=30)


class CombineRule(Strict):
    """A finding read from two things said together: a mention of one of ``needs`` and a
    cue of ``cues`` in the same sentence, clause or text ("headache" + "in seconds" is a
    thunderclap headache). The new mention takes the status of the mention it builds on."""

    finding: str
    needs: list[str] = Field(min_length=1)
    cues: list[str] = Field(min_length=1)
    within: Literal["clause", "sentence", "text"] = "sentence"
    replaces: bool = False  # the finding it builds on is dropped (a "fall" that is a drop attack)


class DetailData(Strict):
    """Words for the rest of the form, by value id: phrases (matched as whole words,
    case-insensitive; a phrase may hold ``\\w*`` and other simple regular expressions)."""

    qualities: dict[str, list[str]]
    triggers: dict[str, list[str]]
    remedies: dict[str, list[str]]
    helped: dict[Literal["none", "some", "a_lot"], list[str]]
    not_tried: list[str]
    people: dict[str, list[str]]
    body_parts: dict[str, list[str]]


class NlpData(Strict):
    """Vocabulary and rules for the free-text extractor (see nlp/extract.py and
    nlp/pipeline.py for how each part is used)."""

    classes: dict[str, list[str]] = Field(default_factory=dict)
    macros: dict[str, str] = Field(default_factory=dict)
    terms: dict[str, list[str]]
    patterns: dict[str, list[str]] = Field(default_factory=dict)
    denials: dict[str, list[str]] = Field(default_factory=dict)
    denial_patterns: dict[str, list[str]] = Field(default_factory=dict)
    pain_words: list[str] = Field(default_factory=list)
    cues: dict[str, list[str]] = Field(default_factory=dict)
    cue_patterns: dict[str, list[str]] = Field(default_factory=dict)
    exclude: dict[str, list[str]] = Field(default_factory=dict)
    combine: list[CombineRule] = Field(default_factory=list)
    onset: dict[Literal["sudden", "gradual"], list[str]]
    context: list[ContextRuleData]
    clause_starters: list[str]
    number_words: dict[str, Annotated[int, Field(ge=0, le=90)]]
    amount_words: dict[str, Annotated[float, Field(gt=0, le=12)]] = Field(default_factory=dict)
    norms: dict[str, str] = Field(default_factory=dict)
    spellings: list[str] = Field(default_factory=list)
    known_words: list[str] = Field(default_factory=list)
    keep_words: list[str] = Field(default_factory=list)
    implies: dict[str, list[str]] = Field(default_factory=dict)
    history_findings: list[str] = Field(default_factory=list)
    recent_findings: list[str] = Field(default_factory=list)
    details: DetailData
