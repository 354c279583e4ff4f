"""The safety benchmark: how often the check's level is exact, and how often an emergency or
urgent case comes out less urgent, on the triage vignettes and in a simulated interview.

    python scripts/safety.py > docs/safety.md        (``make safety``)

1. **Vignettes** (tests/engine/vignettes.yaml, written from clinical/TRIAGE.md, and
   tests/engine/lookalikes.yaml, the dangerous look-alikes of TRIAGE v3 with their condition,
   docs/clinical-review.md): each findings document is assessed as it stands; per level, per
   condition and per rule, the exact level and the under-triage; then every vignette with
   the level it should have and the level it has.
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

3. **The benign check's taps**: the pages a person goes through for an ordinary spasm,
   answering "None of these" to every question, counted as the browser test counts them
   (tests/web/test_browser.py, at 390 x 844): "Log a spasm", the pain score, Save, then one
   tap per page of the check. The check is run through the web app itself (a FastAPI test
   client on a throwaway SQLite file), for a person of 41 (the browser test's), 72 and 8.

Under-triage: the truth is an emergency or urgent, and the result is less urgent.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neckcheck.domain import Findings, Level
from neckcheck.engine import assess
from neckcheck.engine.interview import Answer, interview
from neckcheck.knowledge import load
from neckcheck.knowledge.loader import parse_yaml
from neckcheck.nlp.evaluate import CORPUS_NOW, read_text

if TYPE_CHECKING:
    from neckcheck.nlp.extract import Extraction

Reader = Callable[[str], "Extraction"]

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = ROOT / "tests" / "engine" / "vignettes.yaml"
LOOKALIKES = ROOT / "tests" / "engine" / "lookalikes.yaml"
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


@dataclass
class Vignettes:
    """The vignettes' figures: in all, per level, per condition (the look-alikes) and per
    rule, and every case with its expected and actual level."""

    total: Tally = field(default_factory=Tally)
    by_level: dict[Level, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_condition: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_rule: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    cases: list[tuple[str, str, Level, Level]] = field(default_factory=list)


def vignettes() -> Vignettes:
    figures = Vignettes()
    rule_cases = parse_yaml(VIGNETTES.read_text("utf-8"))
    lookalikes = parse_yaml(LOOKALIKES.read_text("utf-8"))
    for case in [*rule_cases, *lookalikes]:
        expected = Level(case["level"])
        got = assess(Findings.model_validate(case["doc"])).level
        figures.total.add(case["name"], expected, got)
        figures.by_level[expected].add(case["name"], expected, got)
        if "condition" in case:
            figures.by_condition[case["condition"]].add(case["name"], expected, got)
        for rule in case["flags"]:
            figures.by_rule[rule].add(case["name"], expected, got)
        figures.cases.append((case["name"], case.get("condition", ""), expected, got))
    return figures


def benign_check_taps(age: int) -> int:
    """The taps of an ordinary spasm's check at phone width, for a person of ``age``: the
    three of the quick log, then one per page of the check answered "None of these" (or "No
    to all of these"), through the web app's own pages (see the module's docstring)."""
    import re
    import tempfile

    from fastapi.testclient import TestClient

    from neckcheck.clock import FixedClock
    from neckcheck.settings import Settings
    from neckcheck.web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'taps.db'}")
        with TestClient(create_app(settings, clock=FixedClock(CORPUS_NOW))) as client:
            client.get("/learn")
            token = {"csrf_token": client.cookies["neckcheck_csrf"]}
            started = CORPUS_NOW - timedelta(minutes=30)  # over after a few minutes
            logged = client.post(
                "/log",
                data={
                    **token,
                    "started_at": started.astimezone().strftime("%Y-%m-%dT%H:%M"),
                    "intensity": "3",
                    "state": "over",
                    "lasted": "minutes",
                    "birth_year": str(CORPUS_NOW.year - age),
                },
                follow_redirects=False,
            )
            check = logged.headers["location"]
            taps = 3  # "Log a spasm", the pain score, Save
            for _ in range(50):
                page = client.get(check, follow_redirects=False)
                if page.status_code != 200:
                    break  # the check is over: the result page
                assert re.search(r'name="none"', page.text), "a page without 'none of these'"
                client.post(check, data={**token, "none": "yes"})
                taps += 1
            return taps


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
        for number, case in enumerate(parse_yaml(corpus.read_text("utf-8"))):
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
    figures = vignettes()
    lines += _table("level", [*_by_level(figures.by_level), ("**all**", figures.total)])
    lines += [
        "",
        "Per condition (the dangerous look-alikes of TRIAGE v3, tests/engine/lookalikes.yaml,",
        "docs/clinical-review.md):",
        "",
        *_table("condition", sorted(figures.by_condition.items())),
    ]
    lines += ["", *_table("rule", sorted(figures.by_rule.items()))]
    failures = figures.total.misses[:]
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
    lines += [
        "",
        "## The benign check's taps",
        "",
        'An ordinary spasm answered "None of these" throughout, at 390 x 844 (see the',
        "docstring; tests/web/test_browser.py measures the 41-year-old's in Chromium):",
        "",
        "| age | taps |",
        "| ---: | ---: |",
        *(f"| {age} | {benign_check_taps(age)} |" for age in (41, 72, 8)),
        "",
        "## Every vignette",
        "",
        "| vignette | condition | should be | is |",
        "| --- | --- | --- | --- |",
        *(
            f"| {name.replace('|', '/')} | {condition} | {expected.value} | {got.value} |"
            for name, condition, expected, got in figures.cases
        ),
    ]
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
