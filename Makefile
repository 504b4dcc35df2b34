# The two commands from the README. Both work on a fresh machine with only Python 3.10+.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test

$(BIN)/hebnews: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

setup: $(BIN)/hebnews

run: setup
	$(BIN)/hebnews annotate seeds/alaska_summit_2025-08-15.he.txt -o out.json
	$(BIN)/hebnews view out.json -o out.html
	@echo "wrote out.json (the annotated document) and out.html (open it in a browser)"

test: setup
	$(BIN)/python -m pytest -q
