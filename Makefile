# Two commands matter: `make audit` and `make test`. Both set up .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AS_OF ?= 2025-06-30
OUT ?= out

.PHONY: setup test lint typecheck unit rules-test fuzz audit bench bench-quick bench-sources bench-service catalogue clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests run on every core (pytest-xdist): the suite is CPU-bound and CI must stay under 10 min.
unit: $(STAMP)
	$(BIN)/pytest -n auto

rules-test: $(STAMP)
	$(BIN)/compliance rules lint rules/dk rules/municipal/* rules/it/road-fines
	$(BIN)/compliance rules test rules/dk rules/municipal rules/it/road-fines

test: lint typecheck unit rules-test

# The recorded long fuzz run (docs/reliability.md): the `fuzz`-marked Hypothesis tests with the
# long profile (tests/fuzzing.py), at low priority on a shared machine. FUZZ_EXAMPLES overrides
# the examples per fuzzer; `make test` runs the same fuzzers with the small `ci` profile.
FUZZ_EXAMPLES ?=
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz RELIABILITY_EXAMPLES=$(FUZZ_EXAMPLES) nice -n 10 \
	  $(BIN)/pytest -n 2 -m fuzz --hypothesis-show-statistics

AUDIT_RULES := --rules dk --rules municipal/slagelse --rules municipal/morsoe
DEMO := fixtures/demo/cases.jsonl

audit: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/compliance audit $(DEMO) $(AUDIT_RULES) --as-of $(AS_OF) --format html -o $(OUT)/audit.html --progress
	$(BIN)/compliance audit $(DEMO) $(AUDIT_RULES) --as-of $(AS_OF) --format xlsx -o $(OUT)/audit.xlsx --progress
	$(BIN)/compliance indicators $(DEMO) $(AUDIT_RULES) --as-of $(AS_OF)
	@echo "report: $(OUT)/audit.html (open it in a browser); workbook: $(OUT)/audit.xlsx"

catalogue: $(STAMP)
	$(BIN)/compliance rules catalogue rules/dk -o docs/rules/dk.md
	$(BIN)/compliance rules catalogue rules/it/road-fines -o docs/rules/it.md

# The peers comparison (issue 18) runs when the road-fines log is beside the repository; its
# peers (pm4py, Declare4Py) get a venv of their own, bench/peers/.venv, built once from PyPI.
PEERS_DATA ?= ../shared/data/road-fines
PEERS_VENV := bench/peers/.venv
PEERS_ROUNDS ?= 3

# `make bench`: every figure of issue 18 in one run (docs/performance.md), ending with the
# targets table (bench/results/targets.md). The results of an earlier run are removed first
# so the table never mixes runs; a part that is skipped (no log, no peers venv) is NOT RUN.
BENCH_ROUNDS ?= 3
BENCH_RESULTS := bench/results
BENCH_FILES := latest.json road-fines.json peers.json profile.txt profile-case.txt targets.md

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	mkdir -p $(BENCH_RESULTS) && cd $(BENCH_RESULTS) && rm -f $(BENCH_FILES)
	$(BIN)/python bench/run.py --rounds $(BENCH_ROUNDS)
	$(BIN)/python bench/road_fines_audit.py --data $(PEERS_DATA) --rounds $(BENCH_ROUNDS)
	@if [ ! -f "$(PEERS_DATA)/Road_Traffic_Fine_Management_Process.xes.zip" ]; then \
	  echo "bench: no road-fines log at $(PEERS_DATA); peers comparison skipped"; \
	else \
	  if [ ! -f $(PEERS_VENV)/.installed ] || [ bench/peers/requirements.txt -nt $(PEERS_VENV)/.installed ]; then \
	    $(PY) -m venv $(PEERS_VENV) && $(PEERS_VENV)/bin/pip install -q --upgrade pip && \
	    $(PEERS_VENV)/bin/pip install -q -r bench/peers/requirements.txt && touch $(PEERS_VENV)/.installed || exit 1; \
	  fi; \
	  $(BIN)/python bench/peers/compare.py --data $(PEERS_DATA) --peers-python $(PEERS_VENV)/bin/python --rounds $(PEERS_ROUNDS); \
	fi
	$(BIN)/python bench/profile_evaluate.py --repeat 1 > $(BENCH_RESULTS)/profile.txt
	$(BIN)/python bench/scaling.py --profile 64000 > $(BENCH_RESULTS)/profile-case.txt
	$(BIN)/python bench/targets.py

# A smoke run of the same pieces (small sizes, two rounds, no road-fines, no peers): minutes.
bench-quick: $(STAMP)
	mkdir -p $(BENCH_RESULTS) && cd $(BENCH_RESULTS) && rm -f $(BENCH_FILES)
	$(BIN)/python bench/run.py --quick --rounds 2
	$(BIN)/python bench/profile_evaluate.py --repeat 1 > $(BENCH_RESULTS)/profile.txt
	$(BIN)/python bench/scaling.py --profile 8000 > $(BENCH_RESULTS)/profile-case.txt
	$(BIN)/python bench/targets.py

# The HTTP service under load on loopback (bounded; stops by itself).
bench-service: $(STAMP)
	$(BIN)/python bench/service_load.py

# Reading cost per source on the full road-fines log in ../shared/data (skipped when absent),
# the whole audit of one generated corpus from every source format, the duplicate-key check's
# parse cost, and the measurements behind docs/adr/0009 and 0010.
bench-sources: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/sources.py
	$(BIN)/python bench/sources.py --audit --cases 20000
	$(BIN)/python bench/sources.py --duplicate-keys
	$(BIN)/python bench/xes_readers.py
	$(BIN)/python bench/grouping.py --rows 1000000

clean:
	rm -rf $(VENV) $(OUT) build dist
