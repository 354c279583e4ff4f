"""Text extraction: first-call load time, and sentences per second after warm-up.

The sentences are the annotated corpus (tests/nlp/corpus.yaml). The baseline is spaCy's
blank English tokenizer over the same sentences in the same run, so the ratio says what the
matching, ConText and the number rules cost on top of splitting the text into tokens.
Run on one core (the target is over 300 sentences per second):

    taskset -c 0 python bench/nlp.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "nlp" / "corpus.yaml"


def main() -> None:
    texts = [case["text"] for case in yaml.safe_load(CORPUS.read_text("utf-8"))]
    start = time.perf_counter()
    from neckcheck.nlp import extract

    extract("warm up: first call builds the pipeline")
    load = time.perf_counter() - start

    import spacy

    tokenizer = spacy.blank("en").tokenizer
    rounds = 5
    tokenize, full = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            tokenizer(text)
        tokenize.append(time.perf_counter() - start)
        start = time.perf_counter()
        for text in texts:
            extract(text)
        full.append(time.perf_counter() - start)
    base, cost = statistics.median(tokenize), statistics.median(full)
    print(f"nlp, {len(texts)} sentences, median of {rounds} rounds")
    print(f"  first call (imports and pipeline)  {load * 1000:8.0f} ms")
    print(f"  tokenizer only (baseline)          {len(texts) / base:8.0f} sentences/s")
    print(
        f"  extract()                          {len(texts) / cost:8.0f} sentences/s   "
        f"x{cost / base:.1f} of baseline (target over 300/s)"
    )


if __name__ == "__main__":
    main()
