"""Text extraction: the first call's time, and sentences per second after warm-up.

The texts are the development corpora (tests/nlp/corpus*.yaml and old-heldout.yaml, about
760 texts); a sentence is what the pipeline's sentencizer splits them into. The baseline is
spaCy's blank English tokenizer over the same texts in the same run, so the ratio says what
normalising, matching, ConText and the readers of the form cost on top of splitting text into
tokens. Run on one core (the target is at least 2,000 sentences per second):

    taskset -c 0 python bench/nlp.py

The first call imports spaCy and medspaCy and builds the pipeline; the web app does that in a
background thread when it starts (web/app.py), so a person's first description does not wait.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from pathlib import Path

from neckcheck.knowledge.loader import parse_yaml

CORPORA = Path(__file__).resolve().parents[1] / "tests" / "nlp"
FILES = ["corpus.yaml", "corpus-a.yaml", "corpus-b.yaml", "old-heldout.yaml"]
NOW = datetime.fromisoformat("2026-06-30T12:00:00+00:00")
TARGET = 2000


def main() -> None:
    texts = [
        case["text"] for name in FILES for case in parse_yaml((CORPORA / name).read_text("utf-8"))
    ]
    start = time.perf_counter()
    from neckcheck.nlp import extract

    extract("warm up: first call builds the pipeline", now=NOW)
    load = time.perf_counter() - start
    start = time.perf_counter()
    extract("neck locked since this morning, can't turn left, 6/10", now=NOW)
    second = time.perf_counter() - start

    import spacy

    splitter = spacy.blank("en")
    splitter.add_pipe("sentencizer")
    sentences = sum(len(list(splitter(text).sents)) for text in texts)
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
            extract(text, now=NOW)
        full.append(time.perf_counter() - start)
    base, cost = statistics.median(tokenize), statistics.median(full)
    print(f"nlp, {len(texts)} texts, {sentences} sentences, median of {rounds} rounds")
    print(f"  first call (imports and pipeline)  {load * 1000:8.0f} ms")
    print(f"  a call after that                  {second * 1000:8.1f} ms")
    print(f"  tokenizer only (baseline)          {sentences / base:8.0f} sentences/s")
    print(
        f"  extract()                          {sentences / cost:8.0f} sentences/s   "
        f"{len(texts) / cost:6.0f} texts/s   x{cost / base:.1f} of baseline "
        f"(target over {TARGET}/s)"
    )
    # Texts of marks at the 2,000-character limit against an ordinary text of that length
    # (the development texts run together): each mark was a ConText modifier and every
    # pair of them was compared.
    ordinary = " ".join(texts)[:2000]
    timed = {"an ordinary 2,000 characters": ordinary}
    timed |= {f"2,000 {mark!r}": mark * 2000 for mark in "?,;:"}
    timed |= {"'? ' x 1,000": "? " * 1000, "'no fever, ' x 200": "no fever, " * 200}
    for name, text in timed.items():
        took = []
        for _ in range(3):
            start = time.perf_counter()
            extract(text, now=NOW)
            took.append(time.perf_counter() - start)
        print(f"  {name:34} {min(took) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
