"""The spaCy pipeline behind :func:`neckcheck.nlp.extract`, built once from ``nlp.yaml``.

    tokenizer -> normaliser -> clause marks -> sentencizer -> TargetMatcher -> readings -> ConText

* **normaliser**: every word gets a normal form (``token.norm_``) that the matchers compare:
  lower case, the abbreviations people type ("yday", "nite", "rn"), dropped g's ("killin"),
  spelling mistakes corrected against the extractor's own vocabulary (never against the
  whole language: a word English knows is left alone), then the lemma from spaCy's lookup
  tables (``spacy-lookups-data``): "hurts", "hurting" and "hurt" are one word. Normal forms
  are kept on the vocabulary's lexemes, so each new word is looked at once.
* **clause marks**: the tokens that start a new clause (a comma, "and" or dash) are noted
  clause, so that a negation stops there ("no headache, arm tingling"), while a list keeps
  it ("no fever, chills or rash").
* **TargetMatcher** (medspaCy): every phrase of the lexicon and every pattern, matched on the
  normal forms. Matches of different findings may overlap; ConText reads them from a span
  group.
* **readings**: temperatures, found by a regular expression, become spans too, so ConText
  can say "had a temperature of 38.1 on Sunday, fine since" is in the past.
* **ConText** (medspaCy): neckcheck's rules only (``nlp.yaml``: negation, resolution, past,
  worries, hedges, family), with clause marks, contrast words and "now" ending their scopes.

Patterns are written in a small language (see :func:`compile_pattern`).
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from neckcheck.knowledge.models import KnowledgeBase
from neckcheck.nlp.details import temperature_readings

SPAN_GROUP = "neckcheck"
_BREAKS_KEY = "neckcheck_breaks"
# The normal form a clause mark gets just before ConText (an equality test is cheap there).
_BREAK_NORM = "neckcheck-clause-break"
AUX_GROUP = "neckcheck_aux"
# Labels of spans that are not findings: a phrase saying a finding is absent, a cue for a
# rule that combines mentions, a phrase inside which a finding's words mean something else.
DENIAL = "denial:"
CUE = "cue:"
EXCLUDE = "exclude:"
READING = "reading:temperature"
PAIN_WORD = "pain:word"
# The structural ConText categories: they end other modifiers' scopes and modify nothing.
CLAUSE, CONTRAST, PRESENT = "CLAUSE", "CONTRAST", "PRESENT"
# A cue that modifies nothing and ends nothing: it only covers the words it is made of.
ABILITY = "ABILITY"
_NOTHING = {"NO_TARGET"}
# Which structural categories end each category's scope. Resolution ("but fine now") looks
# back across "but"; everything else stops at a contrast word.
_ENDS: dict[str, set[str]] = {
    "NEGATED_EXISTENCE": {CLAUSE, CONTRAST},
    "RESOLVED": {CLAUSE},
    "HISTORICAL": {CLAUSE, CONTRAST, PRESENT},
    "PAST_TIME": {CLAUSE, CONTRAST, PRESENT},
    "HYPOTHETICAL": {CLAUSE, CONTRAST, PRESENT},
    "INDICATION": {CLAUSE, CONTRAST},
    "POSSIBLE_EXISTENCE": {CLAUSE, CONTRAST},
    "FAMILY": {CLAUSE, CONTRAST, PRESENT},
}
_FILLER_BREAKS = [
    "but", "though", "although", "however", "because", "except", "then", "not", "no", "never",
    "might", "maybe", "may", "possibly", "perhaps", "sure", "think",
]  # fmt: skip


class English:
    """What spaCy's English lookup tables (``spacy-lookups-data``) know: whether a word is an
    English word (a base form of the rule lemmatizer's index, an exception, or one of them
    with a regular ending), and its lemma (the lookup lemmatizer's table)."""

    def __init__(self) -> None:
        from spacy.lookups import load_lookups

        tables = load_lookups("en", ["lemma_lookup", "lemma_index", "lemma_exc", "lemma_rules"])
        self._lookup = tables.get_table("lemma_lookup")
        self._words: set[str] = set()
        for words in tables.get_table("lemma_index").values():
            self._words.update(words)
        for exceptions in tables.get_table("lemma_exc").values():
            self._words.update(exceptions)
        self._rules = [
            (old, new) for rules in tables.get_table("lemma_rules").values() for old, new in rules
        ]

    def knows(self, word: str) -> bool:
        if word in self._words or word in self._lookup:
            return True
        for old, new in self._rules:
            if word.endswith(old) and word[: len(word) - len(old)] + new in self._words:
                return True
        if word.endswith("ly"):
            stem = word[:-2]
            return (
                stem in self._words or stem + "le" in self._words or stem[:-1] + "y" in self._words
            )
        return False

    def lemma(self, word: str) -> str:
        found = self._lookup.get(word)
        return str(found) if found else word


@dataclass
class Normaliser:
    """Normal forms of words: abbreviation, dropped g, spelling, lemma (in that order)."""

    english: English
    vocabulary: list[str]
    norms: dict[str, str]
    protected: set[str]
    keep: set[str]
    _seen: set[int] = field(default_factory=set)
    corrections: dict[str, str] = field(default_factory=dict)

    def word(self, lower: str) -> str:
        if lower in self.norms:
            lower = self.norms[lower]
        elif (
            lower.isalpha()
            and lower not in self.protected
            and lower not in self._vocabulary_set
            and not self.english.knows(lower)
        ):
            if lower.endswith("in") and self.english.knows(lower + "g"):
                lower += "g"  # "killin", "goin"
            else:
                fixed = self.correct(lower)
                if fixed is not None:
                    self.corrections[lower] = fixed
                    lower = fixed
        if lower in self.keep:
            return lower
        return self.english.lemma(lower)

    @functools.cached_property
    def _vocabulary_set(self) -> set[str]:
        return set(self.vocabulary)

    def correct(self, lower: str) -> str | None:
        """The vocabulary word a misspelling most likely meant, or None."""
        if len(lower) < 4:
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        limit = 1 if len(lower) < 7 else 2
        best = process.extractOne(lower, self.vocabulary, scorer=OSA.distance, score_cutoff=limit)
        if best is None:
            return None
        candidate: str = best[0]
        # Most slips keep the first letter; "nek" for "neck" is in the abbreviations.
        return candidate if candidate[0] == lower[0] else None

    def __call__(self, doc: Any) -> Any:
        vocab = doc.vocab
        for token in doc:
            orth = token.orth
            if orth in self._seen:
                continue
            self._seen.add(orth)
            lexeme = vocab[orth]
            norm = self.word(token.lower_)
            if norm != lexeme.norm_:
                lexeme.norm_ = norm
        return doc


_PUNCT_BREAKS = frozenset(
    [",", ";", ":", "(", ")", "-", "--", "\u2013", "\u2014", "/", "...", "\u2026"]
)
_JOINERS = frozenset(["and", "n", "&", "plus", "so", "then", "also", "which", "cos", "because"])


def _clause_marks(doc: Any, starters: frozenset[str]) -> Any:
    """Record the tokens that start a new clause (``doc.user_data[_BREAKS_KEY]``, a set of
    token indexes): a comma that is not inside a list, a dash between spaces, "and" before
    a new subject."""
    lowers = [t.lower_ for t in doc]
    norms = [t.norm_ for t in doc]
    spaced = [bool(t.whitespace_) for t in doc]
    breaks: set[int] = set()
    doc.user_data[_BREAKS_KEY] = breaks
    size = len(lowers)
    for i, text in enumerate(lowers):
        if text in _PUNCT_BREAKS:
            if text == "," and (_list_comma(lowers, norms, i) or _resolution_follows(lowers, i)):
                continue
            if text in ("-", "/") and not spaced[i] and i and not spaced[i - 1]:
                continue  # "light-headed", "C5-6", "and/or"
            breaks.add(i)
        elif text in _JOINERS and i + 1 < size and norms[i + 1] in starters:
            breaks.add(i)
    return doc


# How far a list may run on after a comma before its "or": a dozen short items.
_LIST_REACH = 60


def _list_comma(lowers: list[str], norms: list[str], i: int) -> bool:
    """Whether the comma at ``i`` separates items of a list closed by "or" or "nor"
    ("no fever, chills or rash"; "no numbness, tingling, or weakness")."""
    words = 0
    for j in range(i + 1, min(len(lowers), i + 1 + _LIST_REACH)):
        text = lowers[j]
        if text in ("or", "nor"):
            return True
        if text in (".", "!", "?", ";", ":", "but", "and", "n"):
            return False
        if text == ",":
            words = 0
            continue
        if norms[j] in ("no", "not", "i", "my", "it", "he", "she", "his", "her"):
            return False
        words += 1
        if words > 4:
            return False
    return False


_RESOLUTION_WORDS = {
    "gone",
    "fine",
    "settled",
    "cleared",
    "passed",
    "better",
    "normal",
    "good",
    "back",
}


def _resolution_follows(lowers: list[str], i: int) -> bool:
    """ "had pins and needles last night, that has gone now": the clause after the comma
    only says that what came before is over."""
    following = lowers[i + 1 : i + 5]
    return any(word in _RESOLUTION_WORDS for word in following[:4]) and not any(
        word in ("no", "not", "neck", "head", "arm", "pain") for word in following
    )


FILLER_BREAKS = frozenset(_FILLER_BREAKS)


def longest_per_label(spans: Iterable[Any]) -> list[Any]:
    """Of overlapping matches with the same label, the longest (the matchers keep all: a
    phrase and a longer window around it)."""
    by_label: dict[str, list[Any]] = {}
    for span in spans:
        by_label.setdefault(span.label_, []).append(span)
    kept: list[Any] = []
    for group in by_label.values():
        group.sort(key=lambda s: (s.start - s.end, s.start))
        chosen: list[Any] = []
        for span in group:
            if all(span.end <= c.start or span.start >= c.end for c in chosen):
                chosen.append(span)
        kept += chosen
    kept.sort(key=lambda s: (s.start, -s.end))
    return kept


def clause_breaks(doc: Any) -> set[int]:
    """The indexes of the tokens that start a new clause in ``doc``."""
    found: set[int] = doc.user_data.get(_BREAKS_KEY, set())
    return found


class PatternError(ValueError):
    pass


def compile_pattern(
    text: str, *, classes: dict[str, list[str]], norm: Any, macros: dict[str, str]
) -> list[dict[str, Any]]:
    """A spaCy Matcher pattern from neckcheck's pattern language.

    Items are separated by spaces and match one token each, on its normal form:

    * ``word`` the word (normalised like the text: ``hurts`` matches "hurt", "hurting"...);
    * ``a|b|c`` any of the words; ``@NAME`` any word of the class ``NAME`` (``classes``);
    * ``%NAME`` a macro: its text is put in place (``%CANT`` -> ``can|could|will|would not``);
    * ``<m-n>`` m to n other words of the same clause (no punctuation, no clause break);
    * ``=word`` that word as written (any case), not its lemma; ``^WORD`` that word in that
      case ("AS" for ankylosing spondylitis, not "as");
    * ``#`` a number; ``*`` any one word;
    * a trailing ``?`` makes an item optional.

        >>> compile_pattern("@NECK <0-3> @PAIN", ...)   # "neck is so sore", "neck n shoulders ache"
    """
    for name, body in macros.items():
        text = re.sub(rf"%{name}\b", body, text)
    pattern: list[dict[str, Any]] = []
    for item in text.split():
        optional = item.endswith("?") and len(item) > 1
        if optional:
            item = item[:-1]
        spec: dict[str, Any]
        window = re.fullmatch(r"<(\d+)-(\d+)>", item)
        if window:
            low, high = window.groups()
            spec = {
                "IS_PUNCT": False,
                "NORM": {"NOT_IN": _FILLER_BREAKS},
                "OP": f"{{{low},{high}}}",
            }
            pattern.append(spec)
            continue
        words: list[str] = []
        if item.startswith("^") and len(item) > 1:
            words = item.replace("^", "").split("|")
            spec = {"ORTH": words[0]} if len(words) == 1 else {"ORTH": {"IN": words}}
        elif item.startswith("=") and len(item) > 1:
            words = item.replace("=", "").lower().split("|")
            spec = {"LOWER": words[0]} if len(words) == 1 else {"LOWER": {"IN": words}}
        elif item == "#":
            spec = {"LIKE_NUM": True}
        elif item == "*":
            spec = {"IS_PUNCT": False}
        else:
            for part in item.split("|"):
                if part.startswith("@"):
                    if part[1:] not in classes:
                        raise PatternError(f"unknown class {part!r} in {text!r}")
                    words += classes[part[1:]]
                else:
                    words.append(part)
            norms = sorted({norm(w) for w in words})
            spec = {"NORM": norms[0]} if len(norms) == 1 else {"NORM": {"IN": norms}}
        if optional:
            spec["OP"] = "?"
        pattern.append(spec)
    return pattern


_NORM, _LOWER, _ORTH, _NUMBER, _WORD, _FILLER = range(6)
_ATTRS = {"NORM": _NORM, "LOWER": _LOWER, "ORTH": _ORTH}


@dataclass(frozen=True)
class _Item:
    kind: int
    words: frozenset[str]
    low: int
    high: int


class WindowMatcher:
    """Matches patterns of :func:`compile_pattern` (windows of "m to n words of the same
    clause" around words of a class) and adds them to the span group.

    spaCy's Matcher tests the first item of every pattern on every token, through Python
    set predicates; this matcher looks up each token's normal form in an index of first
    items instead, which is many times faster for a lexicon of this shape."""

    def __init__(self) -> None:
        self._patterns: list[tuple[str, tuple[_Item, ...]]] = []
        self._first: dict[tuple[int, str], list[int]] = {}

    def add(self, label: str, pattern: list[dict[str, Any]]) -> None:
        items = tuple(self._item(spec) for spec in pattern)
        first = items[0]
        if first.low != 1 or first.kind not in (_NORM, _LOWER, _ORTH):
            raise PatternError(f"a pattern must start with a word: {pattern}")
        index = len(self._patterns)
        self._patterns.append((label, items))
        for word in first.words:
            self._first.setdefault((first.kind, word), []).append(index)

    @staticmethod
    def _item(spec: dict[str, Any]) -> _Item:
        op = spec.get("OP", "")
        low, high = 1, 1
        if op == "?":
            low = 0
        elif op.startswith("{"):
            low, high = (int(n) for n in op.strip("{}").split(","))
            return _Item(_FILLER, frozenset(), low, high)
        for key, kind in _ATTRS.items():
            if key in spec:
                value = spec[key]
                words = frozenset(value["IN"]) if isinstance(value, dict) else frozenset([value])
                return _Item(kind, words, low, high)
        if spec.get("LIKE_NUM"):
            return _Item(_NUMBER, frozenset(), low, high)
        return _Item(_WORD, frozenset(), low, high)

    def __call__(self, doc: Any) -> list[tuple[str, int, int]]:
        from spacy.attrs import IS_PUNCT, LIKE_NUM, LOWER, NORM, ORTH

        strings = doc.vocab.strings
        if self._hashed is None:
            self._hash(strings)
        columns = doc.to_array([NORM, LOWER, ORTH, LIKE_NUM, IS_PUNCT]).tolist()
        size = len(columns)
        breaks: set[int] = doc.user_data.get(_BREAKS_KEY, set())
        fillers_out = self._filler_breaks
        patterns = self._hashed_patterns
        first = self._hashed_first

        def ok(item: tuple[int, frozenset[int], int, int], i: int) -> bool:
            kind = item[0]
            row = columns[i]
            if kind <= _ORTH:
                return row[kind] in item[1]
            if kind == _NUMBER:
                return bool(row[3])
            if row[4]:
                return False
            if kind == _FILLER:
                return i not in breaks and row[0] not in fillers_out
            return True

        def ends(
            items: tuple[tuple[int, frozenset[int], int, int], ...], j: int, i: int
        ) -> list[int]:
            if j == len(items):
                return [i]
            item = items[j]
            found: list[int] = []
            low, high = item[2], item[3]
            if item[0] == _FILLER:
                k = i
                for taken in range(high + 1):
                    if taken >= low:
                        found += ends(items, j + 1, k)
                    if taken == high or k >= size or not ok(item, k):
                        break
                    k += 1
                return found
            if low == 0:
                found += ends(items, j + 1, i)
            if i < size and ok(item, i):
                found += ends(items, j + 1, i + 1)
            return found

        matches: list[tuple[str, int, int]] = []
        for i, row in enumerate(columns):
            for key in ((_NORM, row[0]), (_LOWER, row[1]), (_ORTH, row[2])):
                for index in first.get(key, ()):
                    label, items = patterns[index]
                    matches += [(label, i, end) for end in ends(items, 1, i + 1)]
        return matches

    _hashed: bool | None = None

    def _hash(self, strings: Any) -> None:
        """The patterns with words as the string store's hashes (compared as integers)."""

        def hashed(item: _Item) -> tuple[int, frozenset[int], int, int]:
            return (item.kind, frozenset(strings.add(w) for w in item.words), item.low, item.high)

        self._hashed_patterns = [
            (label, tuple(hashed(item) for item in items)) for label, items in self._patterns
        ]
        self._hashed_first: dict[tuple[int, int], list[int]] = {}
        for (kind, word), indexes in self._first.items():
            self._hashed_first[(kind, strings.add(word))] = indexes
        self._filler_breaks = frozenset(strings.add(w) for w in FILLER_BREAKS)
        self._hashed = True


def limit_scopes(modifiers: list[Any]) -> None:
    """What medspaCy's ``ConTextGraph.update_scopes`` does, at a cost that grows with the
    pairs of modifiers whose scopes meet rather than with every pair of them.

    ``update_scopes`` lets each pair of modifiers (in their order) limit each other's scope,
    and a pair whose scopes do not meet changes nothing (``limit_scope`` returns at once).
    Scopes only shrink, so two that do not meet at first never meet later: the pairs that
    meet are found once, by a sweep over the scopes in order of their starts, and taken in
    the same order as there. The result is the same, but a text of 2,000 question marks
    (each a hedge that looks five tokens back) is about 10,000 pairs, not 2,000,000.
    """
    spans = [modifier.scope_span for modifier in modifiers]
    pairs: list[tuple[int, int]] = []
    open_: list[tuple[int, int]] = []  # (scope end, index), the scopes that reach this far
    for index in sorted(range(len(modifiers)), key=lambda i: spans[i][0]):
        start, end = spans[index]
        while open_ and open_[0][0] < start:
            heapq.heappop(open_)
        pairs += [(min(other, index), max(other, index)) for _, other in open_]
        heapq.heappush(open_, (end, index))
    for first, second in sorted(pairs):
        modifiers[first].limit_scope(modifiers[second])
        modifiers[second].limit_scope(modifiers[first])


def apply_modifiers(graph: Any) -> None:
    """What medspaCy's ``ConTextGraph.apply_modifiers`` does (drop the modifiers that overlap
    a target, when the graph prunes; then each modifier modifies the targets in its scope,
    in their order), comparing each modifier with the targets near it only: those that
    start at most the longest target's length before it and no later than its end."""
    from medspacy.util import tuple_overlaps

    targets = sorted(range(len(graph.targets)), key=lambda i: graph.targets[i].start)
    starts = [graph.targets[i].start for i in targets]
    reach = max((t.end - t.start for t in graph.targets), default=0)

    def near(low: int, high: int) -> list[Any]:
        chosen = targets[
            bisect.bisect_left(starts, low - reach) : bisect.bisect_right(starts, high)
        ]
        return [graph.targets[i] for i in sorted(chosen)]

    if graph.prune_on_modifier_overlap:
        graph.modifiers = [
            modifier
            for modifier in graph.modifiers
            if not any(
                tuple_overlaps((target.start, target.end), modifier.modifier_span)
                for target in near(*modifier.modifier_span)
            )
        ]
    edges = []
    for modifier in graph.modifiers:
        for target in near(*modifier.scope_span):
            if modifier.modifies(target):
                modifier.modify(target)
        modifier.reduce_targets()
        edges += [(target, modifier) for target in modifier._targets]
    graph.edges = edges


def _register_context() -> None:
    """medspaCy's ConText as the ``neckcheck_context`` component, with the scope pass of
    :func:`limit_scopes` (registered once per process)."""
    from medspacy.context import ConText, ConTextGraph, ConTextModifier
    from spacy.language import Language

    if Language.has_factory("neckcheck_context"):
        return

    @Language.factory("neckcheck_context")
    class LinearContext(ConText):  # type: ignore[misc]
        def __call__(self, doc: Any, targets: str | None = None) -> Any:
            # ConText.__call__ (medspaCy 1.3) as it is, but for the scope pass.
            spans = doc.spans[self.span_group_name] if targets is None else getattr(doc._, targets)
            graph = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
            graph.targets = spans
            matcher = self._ConText__matcher
            graph.modifiers = [
                ConTextModifier(
                    matcher.rule_map[self.nlp.vocab[match_id].text],
                    start,
                    end,
                    doc,
                    max_scope=self.max_scope,
                )
                for match_id, start, end in matcher(doc)
            ]
            limit_scopes(graph.modifiers)
            apply_modifiers(graph)
            for target, modifier in graph.edges:
                target._.modifiers += (modifier,)
            if self.context_attributes_mapping:
                self.set_context_attributes(graph.edges)
            doc._.context_graph = graph
            return doc


def _english_for_real_writing(normaliser: Normaliser) -> Any:
    """spaCy's blank English with two changes to its tokenizer, made in its defaults so that
    its 4,000 special cases are loaded once (setting a tokenizer's rules loads them again):

    * a dash that ends a word is split from it ("he bent down- then it clicked"), as people
      type dashes between clauses without the space before;
    * the words of a contraction get the normal form the same words have alone: spaCy's
      exceptions give "couldn't" the norms "could" + "not", while "could" alone is
      normalised to its lemma "can", so "couldn't breathe" must match "can not breathe".
    """
    from spacy.attrs import NORM
    from spacy.lang.en import English as SpacyEnglish

    rules = {
        text: [
            {**piece, NORM: normaliser.word(str(piece[NORM]).lower())} if NORM in piece else piece
            for piece in pieces
        ]
        for text, pieces in SpacyEnglish.Defaults.tokenizer_exceptions.items()
    }

    defaults = type(
        "Defaults",
        (SpacyEnglish.Defaults,),
        {
            "tokenizer_exceptions": rules,
            "suffixes": [*(SpacyEnglish.Defaults.suffixes or []), r"(?<=[A-Za-z])-+"],
        },
    )
    language = type("RealWriting", (SpacyEnglish,), {"lang": "en", "Defaults": defaults})
    return language()


@dataclass(frozen=True)
class Pipeline:
    nlp: Any
    normaliser: Normaliser


def _phrase_words(phrases: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for phrase in phrases:
        words.update(w for w in re.findall(r"[a-z]+", phrase.lower()) if len(w) >= 4)
    return words


def _import_medspacy() -> None:
    """Import medspaCy without QuickUMLS. medspaCy's ``util`` module imports QuickUMLS at
    its top, for a UMLS component neckcheck does not use, and QuickUMLS imports NLTK, which
    imports SciPy's statistics: over a second of every first extraction. While medspaCy is
    imported an empty module stands in for QuickUMLS, and is taken away after, so that
    anything that imports QuickUMLS itself later gets the real one."""
    import sys
    import types

    if "medspacy" in sys.modules or "quickumls" in sys.modules:
        return
    placeholder = types.ModuleType("quickumls")
    placeholder.spacy_component = types.ModuleType("quickumls.spacy_component")  # type: ignore[attr-defined]
    sys.modules["quickumls"] = placeholder
    try:
        import medspacy.context
        import medspacy.target_matcher  # noqa: F401
    finally:
        if sys.modules.get("quickumls") is placeholder:
            del sys.modules["quickumls"]


def build(kb: KnowledgeBase) -> Pipeline:
    """Build the pipeline (imports spaCy and medspaCy: about a second or two)."""
    from loguru import logger

    logger.disable("PyRuSH")  # medspaCy's own sentence splitter logs at debug level; unused
    _import_medspacy()
    from medspacy.context import ConText, ConTextRule  # noqa: F401 (registers the factory)
    from medspacy.target_matcher import TargetMatcher, TargetRule  # noqa: F401
    from spacy.language import Language

    data = kb.nlp

    lexicon_phrases: list[str] = []
    for finding in kb.findings:
        lexicon_phrases += finding.synonyms
    for words in [*data.terms.values(), *data.classes.values(), *data.cues.values()]:
        lexicon_phrases += words
    normaliser = Normaliser(
        english=English(),
        vocabulary=sorted(_phrase_words(lexicon_phrases) | set(data.spellings)),
        norms=dict(data.norms),
        protected=set(data.known_words),
        keep=set(data.keep_words),
    )

    nlp = _english_for_real_writing(normaliser)
    starters = frozenset(normaliser.word(w) for w in data.clause_starters)

    @Language.component("neckcheck_normaliser")
    def _normalise(doc: Any) -> Any:
        return normaliser(doc)

    @Language.component("neckcheck_clauses")
    def _clauses(doc: Any) -> Any:
        return _clause_marks(doc, starters)

    nlp.add_pipe("neckcheck_normaliser")
    nlp.add_pipe("neckcheck_clauses")
    nlp.add_pipe("sentencizer")
    matcher: Any = nlp.add_pipe(
        "medspacy_target_matcher",
        config={
            "phrase_matcher_attr": "NORM",
            "result_type": "group",
            "span_group_name": SPAN_GROUP,
            "prune": False,
        },
    )

    def norm(word: str) -> str:
        return str(normaliser.word(word.lower()))

    def prepare(phrase: str) -> str:
        normaliser(nlp.make_doc(phrase))  # lexeme norms must be set before the phrase is added
        return phrase.lower()

    classes = {name: list(words) for name, words in data.classes.items()}
    macros = dict(data.macros)
    rules: list[Any] = []
    phrases: dict[tuple[str, str], None] = {}
    for finding in kb.findings:
        for phrase in [*finding.synonyms, *data.terms.get(finding.id, [])]:
            phrases.setdefault((prepare(phrase), finding.id))
    for finding_id, words in data.denials.items():
        for phrase in words:
            phrases.setdefault((prepare(phrase), DENIAL + finding_id))
    for phrase in data.pain_words:
        phrases.setdefault((prepare(phrase), PAIN_WORD))
    for cue, words in data.cues.items():
        for phrase in words:
            phrases.setdefault((prepare(phrase), CUE + cue))
    for finding_id, words in data.exclude.items():
        for phrase in words:
            phrases.setdefault((prepare(phrase), EXCLUDE + finding_id))
    rules += [TargetRule(literal, label) for literal, label in phrases]

    windows = WindowMatcher()

    def patterns(table: dict[str, list[str]], prefix: str) -> None:
        for label, texts in table.items():
            for text in texts:
                compiled = compile_pattern(text, classes=classes, norm=norm, macros=macros)
                if "ORTH" in compiled[0]:
                    # Abbreviations in capitals ("AS", "RA"): few, matched by the
                    # TargetMatcher's own token matcher.
                    rules.append(TargetRule(text, prefix + label, pattern=compiled))
                else:
                    windows.add(prefix + label, compiled)

    patterns(data.patterns, "")
    patterns(data.denial_patterns, DENIAL)
    patterns(data.cue_patterns, CUE)
    matcher.add(rules)

    @Language.component("neckcheck_windows")
    def _windows(doc: Any) -> Any:
        from spacy.tokens import Span

        found = [Span(doc, start, end, label=label) for label, start, end in windows(doc)]
        if found:
            doc.spans[SPAN_GROUP] = [*doc.spans[SPAN_GROUP], *found]
        return doc

    nlp.add_pipe("neckcheck_windows")

    @Language.component("neckcheck_readings")
    def _readings(doc: Any) -> Any:
        # Cues and exclusions go to a group of their own: ConText reads only findings, and
        # a cue holding "no" ("no warning") must not hide that "no" from the findings.
        group = longest_per_label(doc.spans[SPAN_GROUP])
        doc.spans[AUX_GROUP] = [s for s in group if s.label_.startswith((CUE, EXCLUDE))]
        doc.spans[SPAN_GROUP] = [s for s in group if not s.label_.startswith((CUE, EXCLUDE))]
        found = []
        for start, end, _value in temperature_readings(doc.text):
            span = doc.char_span(start, end, label=READING, alignment_mode="expand")
            if span is not None:
                found.append(span)
        if found:
            doc.spans[SPAN_GROUP] = [*doc.spans[SPAN_GROUP], *found]
        return doc

    nlp.add_pipe("neckcheck_readings")

    @Language.component("neckcheck_break_norms")
    def _break_norms(doc: Any) -> Any:
        # After the matchers: "stiff and sore" must still match as a phrase.
        for i in doc.user_data.get(_BREAKS_KEY, ()):
            doc[i].norm_ = _BREAK_NORM
        return doc

    nlp.add_pipe("neckcheck_break_norms")
    _register_context()
    context: Any = nlp.add_pipe(
        "neckcheck_context",
        config={
            "rules": None,
            "phrase_matcher_attr": "NORM",
            "prune_on_target_overlap": True,
            "span_attrs": None,
            "input_span_type": "group",
            "span_group_name": SPAN_GROUP,
        },
    )
    context_rules = []
    seen: dict[tuple[str, ...], str] = {}
    for rule in data.context:
        literal = prepare(rule.literal)
        if rule.pattern is None:
            key = tuple(t.norm_ for t in nlp.make_doc(literal))
            kind = f"{rule.category} {rule.direction}"
            if seen.setdefault(key, kind) != kind:
                raise PatternError(f"context rules {rule.literal!r} and another read as {key}")
        pattern = (
            compile_pattern(rule.pattern, classes=classes, norm=norm, macros=macros)
            if rule.pattern
            else None
        )
        structural = rule.category in (CLAUSE, CONTRAST, PRESENT, ABILITY)
        context_rules.append(
            ConTextRule(
                literal,
                rule.category,
                direction="FORWARD" if structural else rule.direction,
                pattern=pattern,
                max_scope=1 if structural else rule.max_scope,
                allowed_types=_NOTHING if structural else None,
                terminated_by=_ENDS.get(rule.category, set()),
            )
        )
    context_rules.append(
        ConTextRule(
            "clause mark",
            CLAUSE,
            direction="FORWARD",
            pattern=[{"NORM": _BREAK_NORM}],
            max_scope=1,
            allowed_types=_NOTHING,
        )
    )
    context.add(context_rules)
    return Pipeline(nlp=nlp, normaliser=normaliser)
