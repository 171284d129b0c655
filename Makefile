# Every target starts from nothing but python3: the venv it needs is built on first use, and
# rebuilt when PY names another interpreter than the one it was built with.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Which interpreter a python is (version and base installation), as a short digest.
ID_CODE := import hashlib, sys; print(hashlib.sha1((sys.version + sys.base_prefix).encode()).hexdigest()[:12])
PY_ID := $(shell $(PY) -c '$(ID_CODE)' 2>/dev/null)
ifeq ($(PY_ID),)
$(error $(PY) did not run: set PY to a Python 3.11+ interpreter, e.g. make PY=python3.12)
endif
STAMP := $(VENV)/.installed-$(PY_ID)
# `make demo` runs from a venv with the package and its runtime dependencies only.
RUN_VENV := .venv-run
RUN_STAMP := $(RUN_VENV)/.installed-$(PY_ID)
DEMO_STREAM := fixtures/real/fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse
PYTEST_WORKERS ?= auto
# The pytest plugins the suite uses, loaded by name with autoloading off: pytest rewrites the
# asserts of every module of a plugin's distribution it autoloads (all of hypothesis and anyio,
# ~120 modules), in each worker, on every run when no bytecode is written. No test reads logs.
PYTEST := PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/python -m pytest -p xdist.plugin \
	-p pytest_cov.plugin -p _hypothesis_pytestplugin -p no:logging
# Branch coverage of the package by the deterministic tests (measured only while they run:
# tests/coverage_windows.py): 99.39 % when this floor was last checked (2026-12-01).
# The floor sits a few branches below, so that a change leaving code untested fails.
COVERAGE_FLOOR ?= 99.0

.PHONY: help test lint typecheck pytest docs dist-check demo bench bench-load states check-states \
	test-thorough clean

help:  ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# A venv whose python is another interpreter than PY (or no longer runs) is made again.
define fresh-venv
	@if [ -d $(1) ] && [ "$$($(1)/bin/python -c '$(ID_CODE)' 2>/dev/null)" != "$(PY_ID)" ]; then \
		echo "$(1) was built by another python: rebuilding it with $(PY)"; rm -rf $(1); fi
endef

$(STAMP): pyproject.toml
	$(call fresh-venv,$(VENV))
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(RUN_STAMP): pyproject.toml $(shell find translator -name '*.py' -o -name py.typed)
	$(call fresh-venv,$(RUN_VENV))
	$(PY) -m venv $(RUN_VENV)
	$(RUN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RUN_VENV)/bin/python -m pip install --quiet .
	rm -f $(RUN_VENV)/.installed-* && touch $(RUN_STAMP)

test: lint typecheck check-states docs dist-check pytest  ## everything CI runs

lint: $(STAMP)  ## ruff check and ruff format --check
	$(BIN)/ruff check translator tests scripts docs examples
	$(BIN)/ruff format --check translator tests scripts docs examples

typecheck: $(STAMP)  ## mypy --strict over the package, tests/, scripts/, examples/ and the docs hook
	$(BIN)/mypy translator tests scripts docs/hooks.py examples

# --dist worksteal: a worker that runs out of tests takes some of the other's, so a long property
# test near the end does not leave a core idle.
pytest: $(STAMP)  ## the test suite, in parallel (PYTEST_WORKERS=auto), with a branch-coverage floor
	$(PYTEST) -q -n $(PYTEST_WORKERS) --dist worksteal --cov=translator --cov-branch \
		--cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

docs: $(STAMP)  ## the HTML reference and guide in site/, strict: a warning fails
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

dist-check: $(STAMP)  ## build sdist and wheel, check them, install the wheel and run it elsewhere
	$(BIN)/python scripts/check_dist.py

demo: $(RUN_STAMP)  ## translate a bundled real stream with the installed package
	$(RUN_VENV)/bin/translator replay $(DEMO_STREAM)

states: $(STAMP)  ## regenerate states/ and the diagram blocks of both READMEs
	$(BIN)/python -m translator diagram --write states --readme states/README.md --readme README.md \
		--tables states/README.md
	@if command -v dot >/dev/null 2>&1; then \
		dot -Tsvg states/translator.dot -o states/translator.svg && echo "wrote states/translator.svg"; \
	fi

check-states: $(STAMP)  ## fail if states/ or a README's diagram no longer matches the machine
	$(BIN)/python -m translator diagram --check states --readme states/README.md --readme README.md \
		--tables states/README.md

bench: $(STAMP)  ## the benchmarks against their baselines (see README, Performance)
	$(BIN)/python -m tests.bench

bench-load: $(STAMP)  ## the example endpoint under 500 concurrent streams (uvicorn, loopback)
	$(BIN)/python -m tests.bench.load

test-thorough: $(STAMP)  ## the suite with the long hypothesis budgets
	HYPOTHESIS_PROFILE=thorough $(PYTEST) -q -n $(PYTEST_WORKERS) --dist worksteal

clean:  ## remove the venvs, caches and build output
	rm -rf $(VENV) $(RUN_VENV) .mypy_cache .ruff_cache .pytest_cache .coverage build dist site *.egg-info
