"""engine/ never imports Qt, directly or through anything it imports.

The engine must run (and be tested, and be scripted through `python -m engine`)
with no GUI toolkit at all. Every module under engine/ is found with pkgutil,
so a module added later is covered without touching this file.
"""
import ast
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = Path(engine.__file__).resolve().parent
QT_PACKAGES = ("PySide6", "PySide2", "PyQt6", "PyQt5", "shiboken6", "shiboken2", "pyqtgraph", "qtpy")


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
    for expected in ("engine.network", "engine.record", "engine.training", "engine.chain", "engine.spec"):
        assert expected in modules
    assert len(modules) == len(set(modules))


def test_importing_the_whole_engine_loads_no_qt():
    assert qt_modules_loaded_by(engine_modules()) == []


def test_the_probe_does_see_qt_when_it_is_imported():
    # Guards the test above against passing vacuously.
    loaded = qt_modules_loaded_by(["engine.network", "PySide6.QtCore"])
    assert "PySide6.QtCore" in loaded


def qt_imports_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{path.name}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in QT_PACKAGES]
    return found


def test_no_engine_source_file_imports_qt():
    files = sorted(ENGINE_DIR.rglob("*.py"))
    assert files, "no engine sources found"
    offenders = [hit for path in files for hit in qt_imports_in(path)]
    assert offenders == []


def test_the_source_scan_recognises_a_qt_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nif True:\n    from PySide6.QtCore import Signal\nimport pyqtgraph as pg\n")
    assert sorted(qt_imports_in(sample)) == ["sample.py:3 imports PySide6.QtCore", "sample.py:4 imports pyqtgraph"]
