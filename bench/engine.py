"""Assessments per second for a mix of documents, against validating the same documents.

The mix is the triage vignettes (tests/engine/vignettes.yaml): emergencies, combinations,
boundaries and ordinary spasms. Both figures come from the same run:

* validation: ``Findings.model_validate`` of each raw document;
* engine: ``assess`` of each already-validated document (rules compiled beforehand).

The target is an engine that costs less than the validation itself (ratio below 1).

    python bench/engine.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neckcheck.domain import Findings
from neckcheck.engine import assess
from neckcheck.knowledge.loader import parse_yaml

VIGNETTES = Path(__file__).resolve().parents[1] / "tests" / "engine" / "vignettes.yaml"


def _per_item(work: Callable[[], Any], items: int, rounds: int) -> float:
    """Median seconds per item over `rounds` passes."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) / items)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    raw: list[dict[str, Any]] = [case["doc"] for case in parse_yaml(VIGNETTES.read_text())]
    docs = [Findings.model_validate(doc) for doc in raw]
    for doc in docs:  # compile the rules and warm up
        assess(doc)

    def validate_all() -> None:
        for doc in raw:
            Findings.model_validate(doc)

    def assess_all() -> None:
        for doc in docs:
            assess(doc)

    validation = _per_item(validate_all, len(raw), args.rounds)
    engine = _per_item(assess_all, len(docs), args.rounds)
    print(f"engine, {len(raw)} documents, median of {args.rounds} rounds")
    print(f"  validation (baseline)  {validation * 1e6:7.1f} us/doc  {1 / validation:9.0f} docs/s")
    print(f"  engine.assess          {engine * 1e6:7.1f} us/doc  {1 / engine:9.0f} docs/s")
    print(f"  engine / validation    x{engine / validation:.2f}  (target: below 1)")
    print(f"  validate + assess      {1 / (validation + engine):9.0f} assessments/s")


if __name__ == "__main__":
    main()
