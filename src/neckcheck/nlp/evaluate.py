"""Score the extractor on an annotated corpus.

    python -m neckcheck.nlp.evaluate tests/nlp/corpus.yaml [--min-f1 0.90 ...]

The corpus is a YAML list of ``{text, findings, absent, uncertain, intensity,
duration_hours, onset, movements}`` (all but ``text`` optional). Printed:

* precision, recall and F1 of present findings, per finding and overall (micro);
* negation accuracy: of the annotated present/absent findings the extractor reported either
  way, the share it got the right way round;
* warning-sign recall: annotated present findings that triage rules at emergency or urgent
  level act on, found either as present or as ``uncertain`` (asked about, not dropped);
* accuracy of intensity, duration (within 10%), onset and movements where annotated.

With ``--min-*`` thresholds it exits 1 when one is missed, so CI can hold the line.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

# The fixed "now" the corpus's durations are written against: Tuesday 30 June 2026, 12:00.
CORPUS_NOW = datetime.fromisoformat("2026-06-30T12:00:00+00:00")


@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    polarity_right: int = 0
    polarity_seen: int = 0
    warning_found: int = 0
    warning_total: int = 0
    numbers_right: Counter[str] = field(default_factory=Counter)
    numbers_total: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

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


def _same_number(key: str, expected: Any, got: Any) -> bool:
    if got is None:
        return False
    if key == "duration_hours":
        return bool(abs(float(got) - float(expected)) <= 0.1 * max(float(expected), 0.1))
    if key == "movements":
        return bool(set(expected) <= set(got))
    return bool(got == expected)


def score(cases: list[dict[str, Any]]) -> Scores:
    from neckcheck.knowledge import load
    from neckcheck.nlp import extract

    kb = load()
    warning = {
        fid for rule in kb.rules if rule.level.rank <= 1 for fid in _rule_findings(rule.when)
    }
    scores = Scores()
    for case in cases:
        result = extract(case["text"], now=CORPUS_NOW)
        got_present = set(result.document.findings)
        got_absent = set(result.document.absent)
        want_present = set(case.get("findings", []))
        want_absent = set(case.get("absent", []))
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
        for finding in want_present & warning:
            scores.warning_total += 1
            if finding in got_present or finding in result.uncertain:
                scores.warning_found += 1
            else:
                scores.misses.append(f"warning sign missed: {finding!r} in {case['text']!r}")
        for finding in case.get("uncertain", []):
            if finding in warning:
                scores.warning_total += 1
                scores.warning_found += finding in result.uncertain or finding in got_present
        got_numbers = result.document.model_dump(mode="json")
        got_numbers["movements"] = [m.value for m in result.limited_movements]
        for key in ("intensity", "duration_hours", "onset", "movements"):
            if key in case:
                scores.numbers_total[key] += 1
                if _same_number(key, case[key], got_numbers.get(key)):
                    scores.numbers_right[key] += 1
                else:
                    scores.misses.append(
                        f"{key}: expected {case[key]!r}, got "
                        f"{got_numbers.get(key)!r} in {case['text']!r}"
                    )
        if got_present != want_present or (want_absent - got_absent):
            scores.misses.append(
                f"{case['text']!r}: missed {sorted(want_present - got_present)}, extra "
                f"{sorted(got_present - want_present)}, absent missed "
                f"{sorted(want_absent - got_absent)}"
            )
    return scores


def _rule_findings(condition: Any) -> list[str]:
    from neckcheck.knowledge.models import finding_ids_in

    return list(finding_ids_in(condition))


def report(scores: Scores, cases: int, *, show_misses: bool) -> str:
    lines = [f"{cases} texts", "", f"{'finding':34} {'prec':>6} {'recall':>6} {'F1':>6}  n"]
    for finding in sorted(set(scores.tp) | set(scores.fp) | set(scores.fn)):
        p, r, f = Scores.f1(scores.tp[finding], scores.fp[finding], scores.fn[finding])
        lines.append(
            f"{finding:34} {p:6.2f} {r:6.2f} {f:6.2f}  {scores.tp[finding] + scores.fn[finding]}"
        )
    p, r, f = scores.overall()
    lines += [
        "",
        f"overall (micro)   precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}",
        f"negation accuracy {scores.negation_accuracy:.3f} ({scores.polarity_right}/"
        f"{scores.polarity_seen})",
        f"warning-sign recall {scores.warning_recall:.3f} ({scores.warning_found}/"
        f"{scores.warning_total})",
    ]
    for key in ("intensity", "duration_hours", "onset", "movements"):
        total = scores.numbers_total[key]
        if total:
            lines.append(
                f"{key} accuracy {scores.numbers_right[key] / total:.3f} "
                f"({scores.numbers_right[key]}/{total})"
            )
    if show_misses and scores.misses:
        lines += ["", "misses:", *(f"  {m}" for m in scores.misses)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the text extractor on a corpus.")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--min-f1", type=float, default=0.0)
    parser.add_argument("--min-warning-recall", type=float, default=0.0)
    parser.add_argument("--min-negation", type=float, default=0.0)
    parser.add_argument("--misses", action="store_true", help="List every miss.")
    args = parser.parse_args(argv)
    cases = yaml.safe_load(args.corpus.read_text("utf-8"))
    scores = score(cases)
    print(report(scores, len(cases), show_misses=args.misses))
    failed = [
        name
        for name, value, floor in (
            ("F1", scores.overall()[2], args.min_f1),
            ("warning-sign recall", scores.warning_recall, args.min_warning_recall),
            ("negation accuracy", scores.negation_accuracy, args.min_negation),
        )
        if value < floor
    ]
    if failed:
        print("below target: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
