# Two commands on a fresh machine with Python 3.11+:
#   make run    creates .venv, installs the app, launches it
#   make test   creates .venv, installs the app with its test extras, lints, runs the whole suite
# and, for the checks alone:
#   make soak   the long reliability runs (not in CI, ~15 min): 10^6 rows live, 20 seeds x 2000 monkey
#               actions, 10x the fuzz examples, every fault; prints the README's reliability table
#   make lint   ruff (style and likely bugs) and lint-imports (the layer contracts in pyproject.toml)
# and, to get it onto a desktop:
#   make install-desktop    menu entry and icon for this user (Exec: backprop-studio on the PATH, else .venv's)
#   make uninstall-desktop  removes them again
#   make wheel              dist/backprop_studio-*.whl, for pip install / pipx install
#   make bundle             dist/backprop-studio/: a PyInstaller one-folder bundle (installs PyInstaller into .venv)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint bench soak clean install-desktop uninstall-desktop wheel bundle

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
	$(PY) -m pytest -n 2

soak: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(PY) bench/reliability.py

bench: $(VENV)/.installed
	$(PY) bench/engine_speed.py
	$(PY) bench/gui_speed.py

install-desktop:
	sh packaging/install-desktop.sh install "$(abspath $(VENV))/bin/backprop-studio"

uninstall-desktop:
	sh packaging/install-desktop.sh uninstall

wheel: $(VENV)/.installed
	rm -rf build/lib  # setuptools would ship files left there by an older build
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .

bundle: $(VENV)/.installed
	$(PY) -m pip install --quiet 'pyinstaller>=6.10'
	$(PY) -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/backprop-studio.spec
	QT_QPA_PLATFORM=offscreen dist/backprop-studio/backprop-studio --smoke-test

clean:
	rm -rf $(VENV) build dist *.egg-info
