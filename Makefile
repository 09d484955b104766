# Every target installs what it needs: a clean clone runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench golden clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	TZ=UTC $(BIN)/plan analyze sample_logs/ --db :memory:

test: install
	TZ=UTC $(BIN)/pytest

lint: install
	$(BIN)/ruff check cli planner pricing tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m tests.benchmarks.bench_analyze

# Rewrites the golden files from the current code; review the diff before committing.
golden: install
	PLAN_UPDATE_GOLDEN=1 TZ=UTC $(BIN)/pytest tests/test_golden.py

clean:
	rm -rf $(VENV) .plan *.egg-info
