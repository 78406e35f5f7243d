# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= statewide
STORE ?= embedded

.PHONY: run test lint format bench bench-load neo4j-up neo4j-down chromium clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

## run: install, load the Oregon demo network into ./data and serve it on http://$(HOST):$(PORT)
run: $(INSTALLED)
	$(BIN)/stakeholder-graph seed load oregon
	$(BIN)/stakeholder-graph serve --host $(HOST) --port $(PORT)

## test: lint, then the whole suite on both stores (a throwaway Neo4j) and in headless Chromium
test: $(INSTALLED) chromium lint
	bash tests/run_suite.sh

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: the speed bars at statewide scale through HTTP (SCALE=small: about a minute;
## STORE=neo4j: on a throwaway Neo4j, each query beside its hand-written Cypher floor);
## prints a table and writes bench/results.json (results-neo4j.json); the network is cached in bench/cache/
bench: $(INSTALLED)
	$(BIN)/python -m bench.run --scale $(SCALE) --store $(STORE)

## bench-load: many clients at once (1, 8, 32, 128) against serve with one worker and with the
## default, from load generator processes of their own; writes the key "load" of bench/results.json
bench-load: $(INSTALLED)
	$(BIN)/python -m bench.load --scale $(SCALE)

## chromium: Debian's Chromium for the browser tests
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## neo4j-up / neo4j-down: the throwaway Neo4j 5 of the tests, to try the Neo4j store by hand
neo4j-up:
	bash tests/neo4j_server/neo4j.sh up

neo4j-down:
	bash tests/neo4j_server/neo4j.sh down

clean:
	rm -rf $(VENV) data tests/neo4j_server/.state tests/neo4j_server/.spare tests/neo4j_server/*.lock
