# Two commands matter: `make audit` and `make test`. Both set up .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AS_OF ?= 2025-06-30
OUT ?= out

.PHONY: setup test lint typecheck unit rules-test audit bench catalogue clean

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

unit: $(STAMP)
	$(BIN)/pytest

rules-test: $(STAMP)
	$(BIN)/compliance rules test rules/dk rules/municipal

test: lint typecheck unit rules-test

audit: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/compliance audit fixtures/demo/cases.jsonl --rules dk --rules municipal/slagelse \
	  --as-of $(AS_OF) --format html -o $(OUT)/audit.html
	@echo "report: $(OUT)/audit.html"

catalogue: $(STAMP)
	$(BIN)/compliance rules catalogue rules/dk -o docs/rules/dk.md

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) build dist
