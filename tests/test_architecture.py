"""The layers stay apart: the engine runs with no GUI toolkit, the state is Qt-free.

The import rules are import-linter contracts in pyproject.toml ([tool.importlinter]):
engine/ imports no PySide6, shiboken6, pyqtgraph or superqt and nothing of gui/ or app.py;
gui/ imports nothing of app.py; gui/state.py imports no Qt. `lint-imports` follows every
import, direct or through another module. On top of that static check, a fresh interpreter
imports the whole engine (every module, found with pkgutil) and no Qt module may come along.
"""
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = Path(engine.__file__).resolve().parent
QT_PACKAGES = ("PySide6", "PySide2", "PyQt6", "PyQt5", "shiboken6", "shiboken2", "pyqtgraph", "qtpy", "superqt")
CONTRACTS = ("The engine imports no GUI toolkit", "The engine imports nothing of the gui or the app",
             "The gui imports nothing of the app launcher", "The application state is Qt-free")


# ---- the import contracts ---------------------------------------------------------------------------
def lint_imports(project: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).parent / "lint-imports"
    assert command.exists(), "lint-imports is missing: install the test extra (pip install -e '.[test]')"
    env = dict(os.environ, PYTHONPATH=str(project))
    return subprocess.run([str(command), "--no-cache", "--no-logo"], cwd=project, env=env, capture_output=True,
                          text=True, timeout=120)


def test_every_import_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in CONTRACTS:
        assert f"{name} KEPT" in done.stdout
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


def test_the_contracts_catch_a_forbidden_import(tmp_path):
    # Guards the test above against passing vacuously: a copy of the tree with four bad imports.
    for name in ("engine", "gui"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("app.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    with open(tmp_path / "engine" / "spec.py", "a", encoding="utf-8") as f:
        f.write("\nimport pyqtgraph  # noqa\n")
    with open(tmp_path / "engine" / "data.py", "a", encoding="utf-8") as f:
        f.write("\nimport app  # noqa\n")
    with open(tmp_path / "gui" / "colors.py", "a", encoding="utf-8") as f:
        f.write("\nimport app  # noqa\n")
    with open(tmp_path / "gui" / "state.py", "a", encoding="utf-8") as f:
        f.write("\nfrom PySide6.QtCore import QObject  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    for name in CONTRACTS:
        assert f"{name} BROKEN" in done.stdout
    assert "engine.spec -> pyqtgraph" in done.stdout and "engine.data -> app" in done.stdout
    assert "gui.colors -> app" in done.stdout and "gui.state -> PySide6" in done.stdout


# ---- behaviour: importing the whole engine loads no Qt -------------------------------------------
def engine_modules() -> list[str]:
    names = ["engine"]
    for info in pkgutil.walk_packages([str(ENGINE_DIR)], prefix="engine."):
        if info.name.rsplit(".", 1)[-1] != "__main__":  # importing it would run the command line
            names.append(info.name)
    return names


def qt_modules_loaded_by(imports: list[str]) -> list[str]:
    """Import the given modules in a fresh interpreter; the Qt modules that came along."""
    probe = (
        "import importlib, json, sys\n"
        f"for name in {imports!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {QT_PACKAGES!r})))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_engine_module_is_found():
    modules = engine_modules()
    for expected in ("engine.network", "engine.record", "engine.training", "engine.chain", "engine.spec",
                     "engine.moment", "engine.timeline", "engine.notation", "engine.lesson"):
        assert expected in modules
    assert len(modules) == len(set(modules))


def test_importing_the_whole_engine_loads_no_qt():
    assert qt_modules_loaded_by(engine_modules()) == []


def test_importing_the_application_state_loads_no_qt():
    assert qt_modules_loaded_by(["gui.state"]) == []


def test_the_probe_does_see_qt_when_it_is_imported():
    # Guards the two tests above against passing vacuously.
    loaded = qt_modules_loaded_by(["engine.network", "PySide6.QtCore"])
    assert "PySide6.QtCore" in loaded
