"""The safety benchmark: how often the check's level is exact, and how often an emergency or
urgent case comes out less urgent, on the triage vignettes and in a simulated interview.

    python scripts/safety.py > docs/safety.md        (``make safety``)

1. **Vignettes** (tests/engine/vignettes.yaml, written from clinical/TRIAGE.md): each
   findings document is assessed as it stands; per level and per rule, the exact level and
   the under-triage.
2. **Interview simulation** on the annotated texts of tests/nlp/ (corpus.yaml, corpus-a.yaml,
   corpus-b.yaml, old-heldout.yaml; heldout.yaml is kept for scoring the extractor and is not
   read here). For each text, the *truth* is the annotation: its findings (and those marked
   uncertain, taken as present) are present and every other finding is absent; its numbers
   are known, an age it does not give is 40, an onset it does not give stays unknown. The
   truthful patient answers whatever ``unanswered`` asks from that truth, through the same
   loop the pages and the CLI run (:func:`neckcheck.engine.interview.interview`). Two starts:
   the form skipped (only the numbers every diary entry has), and the sentence read by the
   extractor (what it found, denied and measured; what it is unsure of is asked). The final
   level is compared with the level of the truth.

Under-triage: the truth is an emergency or urgent, and the result is less urgent.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from neckcheck.domain import Findings, Level
from neckcheck.engine import assess
from neckcheck.engine.interview import Answer, interview
from neckcheck.knowledge import load
from neckcheck.nlp.evaluate import read_text

if TYPE_CHECKING:
    from neckcheck.nlp.extract import Extraction

Reader = Callable[[str], "Extraction"]

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = ROOT / "tests" / "engine" / "vignettes.yaml"
CORPORA = [
    ROOT / "tests" / "nlp" / name
    for name in ("corpus.yaml", "corpus-a.yaml", "corpus-b.yaml", "old-heldout.yaml")
]
SERIOUS = (Level.emergency, Level.urgent)
DEFAULT_AGE = 40
NUMBERS = ("intensity", "duration_hours", "age_years", "onset")


@dataclass
class Tally:
    """Cases, exact levels and under-triaged serious cases, for one row of a table."""

    cases: int = 0
    exact: int = 0
    serious: int = 0
    under: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, expected: Level, got: Level) -> None:
        self.cases += 1
        self.exact += got == expected
        if expected in SERIOUS:
            self.serious += 1
            if got.rank > expected.rank:
                self.under += 1
                self.misses.append(f"{name}: {expected.value} -> {got.value}")


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "-"


def _table(title: str, rows: Iterable[tuple[str, Tally]]) -> list[str]:
    lines = [
        f"| {title} | cases | exact level | serious | under-triaged |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, tally in rows:
        lines.append(
            f"| {name} | {tally.cases} | {_percent(tally.exact, tally.cases)} | "
            f"{tally.serious} | {tally.under} |"
        )
    return lines


def vignettes() -> tuple[Tally, dict[Level, Tally], dict[str, Tally]]:
    total, by_level, by_rule = Tally(), defaultdict(Tally), defaultdict(Tally)
    for case in yaml.safe_load(VIGNETTES.read_text("utf-8")):
        expected = Level(case["level"])
        got = assess(Findings.model_validate(case["doc"])).level
        total.add(case["name"], expected, got)
        by_level[expected].add(case["name"], expected, got)
        for rule in case["flags"]:
            by_rule[rule].add(case["name"], expected, got)
    return total, by_level, by_rule


def _truth(case: dict[str, Any], every_finding: frozenset[str]) -> tuple[Findings, dict[str, Any]]:
    present = set(case.get("findings", [])) | set(case.get("uncertain", []))
    numbers: dict[str, Any] = {key: case[key] for key in NUMBERS if case.get(key) is not None}
    numbers.setdefault("age_years", DEFAULT_AGE)
    truth = Findings.model_validate(
        {"findings": sorted(present), "absent": sorted(every_finding - present), **numbers}
    )
    return truth, numbers


def _patient(truth: Findings, numbers: dict[str, Any]) -> Callable[[str], Answer]:
    def answer(question: str) -> Answer:
        if question in Findings.model_fields:
            value: Answer = numbers.get(question)
            return value
        return question in truth.findings

    return answer


def _from_the_sentence(text: str, numbers: dict[str, Any], read: Reader) -> Findings:
    found = read(text).document.model_dump(exclude_none=True)
    for key in ("intensity", "duration_hours"):  # every diary entry has these
        if key in numbers:
            found.setdefault(key, numbers[key])
    return Findings.model_validate(found)


def simulation(*, sentences: bool, read: Reader = read_text) -> tuple[Tally, dict[Level, Tally]]:
    """The simulated interview over the corpora; ``read`` gives a text's extraction (the
    texts' dates, such as "yesterday", read against the moment the annotations use)."""
    every_finding = frozenset(load().finding_ids)
    total, by_level = Tally(), defaultdict(Tally)
    for corpus in CORPORA:
        for number, case in enumerate(yaml.safe_load(corpus.read_text("utf-8"))):
            name = f"{corpus.stem}:{case.get('id', number)}"
            truth, numbers = _truth(case, every_finding)
            expected = assess(truth).level
            diary: dict[str, Any] = {"findings": []}
            diary.update({k: numbers[k] for k in ("intensity", "duration_hours") if k in numbers})
            start = (
                _from_the_sentence(case["text"], numbers, read)
                if sentences
                else Findings.model_validate(diary)
            )
            _, result = interview(start, _patient(truth, numbers))
            total.add(name, expected, result.level)
            by_level[expected].add(name, expected, result.level)
    return total, by_level


def _by_level(tallies: dict[Level, Tally]) -> list[tuple[str, Tally]]:
    return [(level.value, tallies[level]) for level in Level if level in tallies]


def main() -> int:
    lines = [
        "# Safety benchmark",
        "",
        "Written by `make safety` (scripts/safety.py); see its docstring for the method.",
        "Under-triage: an emergency or urgent case whose result is less urgent. The target",
        "is zero in every table.",
        "",
        "## Vignettes",
        "",
    ]
    total, by_level, by_rule = vignettes()
    lines += _table("level", [*_by_level(by_level), ("**all**", total)])
    lines += ["", *_table("rule", sorted(by_rule.items()))]
    failures = total.misses[:]
    for sentences, title in ((False, "the form skipped"), (True, "the sentence read first")):
        sim_total, sim_levels = simulation(sentences=sentences)
        lines += [
            "",
            f"## Interview simulation: {title}",
            "",
            *_table("true level", [*_by_level(sim_levels), ("**all**", sim_total)]),
        ]
        if sim_total.misses:
            lines += ["", "Under-triaged:", "", *(f"- {miss}" for miss in sim_total.misses)]
        failures += sim_total.misses
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
