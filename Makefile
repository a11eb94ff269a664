# The README's two commands: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The same Hypothesis examples on every run, no example database in the checkout.
export HYPOTHESIS_PROFILE ?= ci
# Test processes (pytest-xdist), each with its own PostgreSQL database and Prefect harness.
# Three on two cores: many tests wait on servers and subprocesses. TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 3

.PHONY: install lint up status demo test stop bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

# The local stack (Prefect server + UI, SMTP sink, web app with the mailbox); it keeps running.
up: install
	$(BIN)/leadflow up

status: install
	$(BIN)/leadflow status

demo: install
	$(BIN)/leadflow demo

lint: install
	$(BIN)/ruff format --check leadflow flows tasks tests bench
	$(BIN)/ruff check leadflow flows tasks tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

test: lint
	$(BIN)/leadflow rules check
	$(BIN)/leadflow rules test
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

stop: install
	$(BIN)/leadflow down

bench: install
	$(BIN)/python bench/bench_ingest.py

clean:
	rm -rf .leadflow
