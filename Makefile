# Every target starts from nothing but python3: the venv is built on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest demo bench states check-states test-thorough clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: lint typecheck check-states pytest

lint: $(STAMP)
	$(BIN)/ruff check translator tests
	$(BIN)/ruff format --check translator tests

typecheck: $(STAMP)
	$(BIN)/mypy translator

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m translator replay fixtures/real/fantasy__testanthropicthinking-claude-sonnet-4-thinking-streaming-r1.sse

states: $(STAMP)
	$(BIN)/python -m translator diagram --write states --readme README.md
	@if command -v dot >/dev/null 2>&1; then \
		dot -Tsvg states/translator.dot -o states/translator.svg && echo "wrote states/translator.svg"; \
	fi

check-states: $(STAMP)
	$(BIN)/python -m translator diagram --check states --readme README.md

bench: $(STAMP)
	$(BIN)/python -m tests.bench

test-thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
