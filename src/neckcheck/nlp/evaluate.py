"""Score the extractor on annotated corpora (tests/nlp/ANNOTATION.md says how they are written).

    python -m neckcheck.nlp.evaluate tests/nlp/corpus.yaml tests/nlp/corpus-a.yaml \\
        [--min-f1 0.90 --min-warning-recall 0.98 --min-numbers 0.95 ...] [--misses]
    python -m neckcheck.nlp.evaluate tests/nlp/corpus.yaml --targets tests/nlp/targets.yaml
    python -m neckcheck.nlp.evaluate posts.jsonl --misses

A corpus is a YAML list (``.yaml``) or JSON lines (``.jsonl``: one object a line, with the
findings in ``present``, the denials in ``absent`` and the numbers in ``nums``, as
``{"text": ..., "present": [...], "absent": [...], "nums": {"onset": "sudden"}}``); both
are read into the same items.

Printed, over all files together and per register (the ``register`` key):

* precision, recall and F1 of present findings, per finding and overall (micro);
* warning-sign recall: annotated warning signs (``findings`` or ``uncertain``) the extractor
  found as present or uncertain (asked about, not dropped); warning-sign precision: of the
  warning signs it reported present or uncertain, the share annotated so. A warning sign is a
  finding that a triage rule at urgent or emergency level acts on;
* negation accuracy: of the annotated present and absent findings the extractor reported
  either way, the share it got the right way round;
* past mentions (``past``) found as past, and hedges (``uncertain``) found as uncertain;
* each number: intensity, age_years, temperature_c (within 0.1), duration_hours (within
  10%), started (the day, when a day is annotated; within an hour, when a time is), ongoing
  and onset, as the share of the texts that state one;
* regions (neck zones and other areas), movements, qualities, triggers and remedies
  (precision and recall of the sets), and how much each remedy helped.

With ``--min-*`` thresholds it exits 1 when one is missed, so CI can hold the line;
``--targets`` reads them from a YAML file (``f1``, ``warning_recall``, ``warning_precision``,
``negation``, ``numbers``), where the suite reads them too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neckcheck.knowledge.loader import parse_yaml

if TYPE_CHECKING:
    from neckcheck.nlp.extract import Extraction

# The fixed "now" the corpus's times are written against: Tuesday 30 June 2026, 12:00.
CORPUS_NOW = datetime.fromisoformat("2026-06-30T12:00:00+00:00")
NUMBERS = (
    "intensity",
    "age_years",
    "temperature_c",
    "duration_hours",
    "started",
    "ongoing",
    "onset",
)
SETS = ("regions", "movements", "qualities", "triggers", "remedies")


@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    texts: int = 0
    polarity_right: int = 0
    polarity_seen: int = 0
    warning_found: int = 0
    warning_total: int = 0
    warning_reported: int = 0
    warning_correct: int = 0
    past_found: int = 0
    past_total: int = 0
    hedge_found: int = 0
    hedge_total: int = 0
    numbers_right: Counter[str] = field(default_factory=Counter)
    numbers_total: Counter[str] = field(default_factory=Counter)
    set_tp: Counter[str] = field(default_factory=Counter)
    set_fp: Counter[str] = field(default_factory=Counter)
    set_fn: Counter[str] = field(default_factory=Counter)
    helped_right: int = 0
    helped_total: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (kind, what)

    @staticmethod
    def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    def overall(self) -> tuple[float, float, float]:
        return self.f1(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))

    @property
    def negation_accuracy(self) -> float:
        return self.polarity_right / self.polarity_seen if self.polarity_seen else 1.0

    @property
    def warning_recall(self) -> float:
        return self.warning_found / self.warning_total if self.warning_total else 1.0

    @property
    def warning_precision(self) -> float:
        return self.warning_correct / self.warning_reported if self.warning_reported else 1.0

    def number_accuracy(self, key: str) -> float:
        total = self.numbers_total[key]
        return self.numbers_right[key] / total if total else 1.0

    def numbers_accuracy(self) -> float:
        total = sum(self.numbers_total.values())
        return sum(self.numbers_right.values()) / total if total else 1.0

    def set_scores(self, key: str) -> tuple[float, float, float]:
        return self.f1(self.set_tp[key], self.set_fp[key], self.set_fn[key])


def warning_ids() -> frozenset[str]:
    from neckcheck.knowledge import load
    from neckcheck.nlp.extract import _warning_ids

    return _warning_ids(load())


def _same(key: str, expected: Any, got: Any) -> bool:
    if got is None:
        return False
    if key == "duration_hours":
        return bool(abs(float(got) - float(expected)) <= 0.1 * max(float(expected), 0.1))
    if key == "temperature_c":
        return bool(abs(float(got) - float(expected)) <= 0.1 + 1e-9)
    if key == "started":
        text = str(expected)
        moment: datetime = got
        if "T" not in text:
            return moment.date().isoformat() == text
        wanted = datetime.fromisoformat(text).replace(tzinfo=moment.tzinfo)
        return abs((moment - wanted).total_seconds()) <= 3600
    return bool(got == expected)


def _got_numbers(result: Any) -> dict[str, Any]:
    doc = result.document
    return {
        "intensity": doc.intensity,
        "age_years": doc.age_years,
        "temperature_c": result.temperature_c,
        "duration_hours": doc.duration_hours,
        "started": result.started_at,
        "ongoing": result.ongoing,
        "onset": doc.onset.value if doc.onset else None,
    }


def _got_sets(result: Any) -> dict[str, set[str]]:
    return {
        "regions": {r.value for r in result.regions} | set(result.other_areas),
        "movements": {m.value for m in result.limited_movements},
        "qualities": {q.value for q in result.pain_qualities},
        "triggers": set(result.triggers),
        "remedies": {r.remedy for r in result.remedies},
    }


def score_one(
    case: dict[str, Any],
    scores: Scores,
    warning: frozenset[str],
    result: Extraction | None = None,
) -> None:
    """Add ``case`` to ``scores``, from ``result`` when the text has been read already."""
    from neckcheck.nlp import extract

    text = case["text"]
    if result is None:
        result = extract(text, now=CORPUS_NOW)
    scores.texts += 1
    got_present = set(result.document.findings)
    got_absent = set(result.document.absent)
    got_uncertain = set(result.uncertain)
    got_past = set(result.past)
    want_present = set(case.get("findings") or [])
    want_absent = set(case.get("absent") or [])
    want_uncertain = set(case.get("uncertain") or [])
    want_past = set(case.get("past") or [])
    for finding in got_present & want_present:
        scores.tp[finding] += 1
    for finding in got_present - want_present:
        scores.fp[finding] += 1
    for finding in want_present - got_present:
        scores.fn[finding] += 1
    for finding in want_present | want_absent:
        if finding in got_present or finding in got_absent:
            scores.polarity_seen += 1
            right = (finding in want_present) == (finding in got_present)
            scores.polarity_right += right
            if not right:
                scores.misses.append(("negation", f"{finding!r} the wrong way round in {text!r}"))
    for finding in (want_present | want_uncertain) & warning:
        scores.warning_total += 1
        if finding in got_present or finding in got_uncertain:
            scores.warning_found += 1
        else:
            scores.misses.append(("warning sign missed", f"{finding!r} in {text!r}"))
    for finding in (got_present | got_uncertain) & warning:
        scores.warning_reported += 1
        if finding in want_present or finding in want_uncertain:
            scores.warning_correct += 1
        else:
            scores.misses.append(("warning sign not in the text", f"{finding!r} in {text!r}"))
    scores.past_total += len(want_past)
    scores.past_found += len(want_past & got_past)
    scores.hedge_total += len(want_uncertain)
    scores.hedge_found += len(want_uncertain & got_uncertain)
    numbers = _got_numbers(result)
    for key in NUMBERS:
        if key in case:
            scores.numbers_total[key] += 1
            if _same(key, case[key], numbers.get(key)):
                scores.numbers_right[key] += 1
            else:
                scores.misses.append(
                    (key, f"expected {case[key]!r}, got {numbers.get(key)!r} in {text!r}")
                )
    sets = _got_sets(result)
    for key in SETS:
        if key not in case:
            if sets[key] and key != "qualities":
                # Not annotated: whatever was found is extra.
                scores.set_fp[key] += len(sets[key])
            continue
        if key == "remedies":
            wanted = {item["remedy"] for item in case[key]}
            helped = {r.remedy: (r.helped.value if r.helped else None) for r in result.remedies}
            for item in case[key]:
                if "helped" in item:
                    scores.helped_total += 1
                    if helped.get(item["remedy"]) == item["helped"]:
                        scores.helped_right += 1
        else:
            wanted = set(case[key])
        scores.set_tp[key] += len(wanted & sets[key])
        scores.set_fp[key] += len(sets[key] - wanted)
        scores.set_fn[key] += len(wanted - sets[key])
        if wanted != sets[key]:
            scores.misses.append(
                (key, f"expected {sorted(wanted)}, got {sorted(sets[key])} in {text!r}")
            )
    if got_present != want_present or (want_absent - got_absent):
        scores.misses.append(
            (
                "findings",
                f"{text!r}: missed {sorted(want_present - got_present)}, extra "
                f"{sorted(got_present - want_present)}, absent missed "
                f"{sorted(want_absent - got_absent)}",
            )
        )


def read_text(text: str) -> Extraction:
    """The extractor's reading of a corpus text, against the corpus's fixed "now"."""
    from neckcheck.nlp import extract

    return extract(text, now=CORPUS_NOW)


def score(
    cases: list[dict[str, Any]], read: Callable[[str], Extraction] = read_text
) -> dict[str, Scores]:
    """Scores over all ``cases`` (key ``"all"``) and per register; ``read`` gives each
    text's extraction (:func:`read_text` unless the caller has them already)."""
    warning = warning_ids()
    by: dict[str, Scores] = {"all": Scores()}
    for case in cases:
        result = read(case["text"])  # read once, counted in both
        score_one(case, by["all"], warning, result)
        register = case.get("register")
        if register:
            score_one(case, by.setdefault(register, Scores()), warning, result)
    return by


def _line(name: str, s: Scores) -> str:
    p, r, f = s.overall()
    return (
        f"{name:11} {s.texts:5} {p:6.3f} {r:6.3f} {f:6.3f} {s.warning_recall:7.3f} "
        f"{s.warning_precision:7.3f} {s.negation_accuracy:7.3f} {s.numbers_accuracy():7.3f}"
    )


def report(by: dict[str, Scores], *, show_misses: bool) -> str:
    scores = by["all"]
    lines = [f"{scores.texts} texts", "", f"{'finding':34} {'prec':>6} {'recall':>6} {'F1':>6}  n"]
    for finding in sorted(set(scores.tp) | set(scores.fp) | set(scores.fn)):
        p, r, f = Scores.f1(scores.tp[finding], scores.fp[finding], scores.fn[finding])
        lines.append(
            f"{finding:34} {p:6.2f} {r:6.2f} {f:6.2f}  {scores.tp[finding] + scores.fn[finding]}"
        )
    p, r, f = scores.overall()
    lines += [
        "",
        f"overall (micro)   precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}",
        f"warning-sign recall {scores.warning_recall:.3f} ({scores.warning_found}/"
        f"{scores.warning_total})  precision {scores.warning_precision:.3f} "
        f"({scores.warning_correct}/{scores.warning_reported})",
        f"negation accuracy {scores.negation_accuracy:.3f} ({scores.polarity_right}/"
        f"{scores.polarity_seen})",
        f"past mentions found {scores.past_found}/{scores.past_total}; "
        f"hedges found uncertain {scores.hedge_found}/{scores.hedge_total}",
        "",
    ]
    for key in NUMBERS:
        total = scores.numbers_total[key]
        if total:
            lines.append(
                f"{key:15} accuracy {scores.number_accuracy(key):.3f} "
                f"({scores.numbers_right[key]}/{total})"
            )
    lines.append("")
    for key in SETS:
        p, r, f = scores.set_scores(key)
        lines.append(f"{key:15} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    if scores.helped_total:
        lines.append(
            f"{'remedy helped':15} accuracy {scores.helped_right / scores.helped_total:.3f} "
            f"({scores.helped_right}/{scores.helped_total})"
        )
    registers = [name for name in by if name != "all"]
    if registers:
        lines += [
            "",
            f"{'register':11} {'texts':>5} {'prec':>6} {'recall':>6} {'F1':>6} {'warn-r':>7} "
            f"{'warn-p':>7} {'neg':>7} {'numbers':>7}",
        ]
        lines += [_line(name, by[name]) for name in sorted(registers)]
        lines.append(_line("all", scores))
    if scores.misses:
        kinds = Counter(kind for kind, _what in scores.misses)
        lines += ["", "misses by kind:"]
        lines += [f"  {kind:30} {count:4}" for kind, count in sorted(kinds.items())]
    if show_misses and scores.misses:
        lines += ["", "misses:"]
        for kind in sorted({kind for kind, _what in scores.misses}):
            lines += [f"  {kind}: {what}" for k, what in scores.misses if k == kind]
    return "\n".join(lines)


class CorpusError(ValueError):
    """A corpus file that cannot be read, with where."""


# The keys of a JSON-lines corpus that name what the YAML corpora call otherwise.
_JSONL_KEYS: dict[str, str] = {"present": "findings"}


def _from_jsonl(line: str, where: str) -> dict[str, Any]:
    """One item of a JSON-lines corpus as a corpus item: ``present`` is ``findings`` and the
    numbers of ``nums`` are keys of their own (``level``, ``source`` and ``note`` are kept,
    unread)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{where}: not JSON ({error.msg})") from error
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise CorpusError(f"{where}: an item is an object with a text")
    case: dict[str, Any] = {}
    for key, value in item.items():
        if key == "nums":
            if not isinstance(value, dict):
                raise CorpusError(f"{where}: nums is an object of numbers")
            case.update(value)
        else:
            case[_JSONL_KEYS.get(key) or key] = value
    return case


def load_cases(paths: list[Path]) -> list[dict[str, Any]]:
    """The items of every corpus file: YAML lists, or JSON lines for ``.jsonl`` files."""
    cases: list[dict[str, Any]] = []
    for path in paths:
        text = path.read_text("utf-8")
        if path.suffix == ".jsonl":
            cases += [
                _from_jsonl(line, f"{path}:{number}")
                for number, line in enumerate(text.splitlines(), 1)
                if line.strip()
            ]
        else:
            cases += parse_yaml(text)
    return cases


FLOORS = ("f1", "warning_recall", "warning_precision", "negation", "numbers")


def load_targets(path: Path) -> dict[str, float]:
    """The floors in a targets file: a mapping of some of :data:`FLOORS` to numbers."""
    data = parse_yaml(path.read_text("utf-8"))
    if not isinstance(data, dict) or not set(data) <= set(FLOORS):
        raise SystemExit(f"{path}: a mapping of {', '.join(FLOORS)} to numbers is expected")
    return {name: float(value) for name, value in data.items()}


def below_targets(scores: Scores, floors: Mapping[str, float]) -> list[str]:
    """The figures of ``scores`` under their floor (names as :data:`FLOORS`; a missing floor
    is 0); ``numbers`` is the floor of each number type the texts state."""
    floor = {name: floors.get(name, 0.0) for name in FLOORS}
    checks = [
        ("F1", scores.overall()[2], floor["f1"]),
        ("warning-sign recall", scores.warning_recall, floor["warning_recall"]),
        ("warning-sign precision", scores.warning_precision, floor["warning_precision"]),
        ("negation accuracy", scores.negation_accuracy, floor["negation"]),
    ]
    checks += [
        (f"{key} accuracy", scores.number_accuracy(key), floor["numbers"])
        for key in NUMBERS
        if scores.numbers_total[key]
    ]
    return [name for name, value, least in checks if value < least]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the text extractor on corpora.")
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument(
        "--targets", type=Path, help="A YAML file of floors; a --min-* given as well wins."
    )
    parser.add_argument("--min-f1", type=float)
    parser.add_argument("--min-warning-recall", type=float)
    parser.add_argument("--min-warning-precision", type=float)
    parser.add_argument("--min-negation", type=float)
    parser.add_argument("--min-numbers", type=float, help="The floor for every number type.")
    parser.add_argument("--misses", action="store_true", help="List every miss.")
    args = parser.parse_args(argv)
    floors = load_targets(args.targets) if args.targets else {}
    for name in FLOORS:
        given = getattr(args, f"min_{name}")
        if given is not None:
            floors[name] = given
    by = score(load_cases(args.corpus))
    print(report(by, show_misses=args.misses))
    failed = below_targets(by["all"], floors)
    if failed:
        print("below target: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
