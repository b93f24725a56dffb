# Two commands on a fresh machine with Python 3.11+:
#   make run    creates .venv, installs the app, launches it
#   make test   creates .venv, installs the app with its test extras, lints, runs the whole suite
# and, for the checks alone:
#   make lint   ruff (style and likely bugs) and lint-imports (the layer contracts in pyproject.toml)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

test: $(VENV)/.installed
	$(PY) -m ruff check . && $(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) bench/engine_speed.py
	$(PY) bench/gui_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
