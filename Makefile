# One task runner. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: run test test-clock lint bench screenshots nlp-score nlp-heldout safety clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TESTSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

run: $(STAMP)  ## serve the web app on 127.0.0.1:8000 with the default SQLite database
	$(BIN)/neckcheck serve

# Two test processes (pytest-xdist); tests that share the corpus readings share a process.
# The tests marked `serial` (load, processes, Lighthouse, measured waits) then run alone.
PARALLEL := -n 2 --dist loadgroup

test: $(TESTSTAMP)  ## install the test extras and run the whole suite, then again at odd hours
	$(BIN)/python -m pytest $(PARALLEL) -m "not serial"
	$(BIN)/python -m pytest -m serial
	PYTHON=$(BIN)/python scripts/clock-runs

test-clock: $(TESTSTAMP)  ## the fast unit modules under faketime: early hours, DST changes
	PYTHON=$(BIN)/python scripts/clock-runs

lint: $(TESTSTAMP)  ## ruff, mypy (strict on src/) and bandit
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/bandit -q -r src

bench: $(TESTSTAMP)  ## performance figures, each as a ratio against a baseline from the same run
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/report.py
	$(BIN)/python -m bench.fhir
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.memory
	taskset -c 0 $(BIN)/python bench/nlp.py

safety: $(TESTSTAMP)  ## docs/safety.md: exact level and under-triage, vignettes and a simulated interview
	$(BIN)/python scripts/safety.py > docs/safety.md

# make nlp-score EXTRA=posts.jsonl: also score a file of one's own (YAML, or JSON lines as
# ../shared/nlp/real-dev.jsonl), every miss listed by kind.
EXTRA ?=

nlp-score: $(TESTSTAMP)  ## the text extractor's scores on the development and the held-out corpora
	$(BIN)/python -m neckcheck.nlp.evaluate tests/nlp/corpus.yaml tests/nlp/corpus-a.yaml \
		tests/nlp/corpus-b.yaml tests/nlp/old-heldout.yaml --targets tests/nlp/targets.yaml
	$(MAKE) --no-print-directory nlp-real-style
	$(MAKE) --no-print-directory nlp-heldout

# `make test` holds the development corpus to the same targets (tests/nlp/test_extract.py),
# so CI scores only the held-out set besides.
nlp-heldout: $(TESTSTAMP)  ## the text extractor's scores on the held-out corpus alone
	$(BIN)/python -m neckcheck.nlp.evaluate tests/nlp/heldout.yaml
	$(if $(EXTRA),$(BIN)/python -m neckcheck.nlp.evaluate $(EXTRA) --misses)

nlp-real-style: $(TESTSTAMP)  ## the text extractor's scores on the real-style corpora, each alone
	for corpus in a b c; do \
		echo "== tests/nlp/real-style-$$corpus.yaml"; \
		$(BIN)/python -m neckcheck.nlp.evaluate tests/nlp/real-style-$$corpus.yaml || exit 1; \
	done

screenshots: $(TESTSTAMP)  ## every page at 1280 and 390 px into docs/screenshots (needs chromium)
	$(BIN)/python -m scripts.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .cache
