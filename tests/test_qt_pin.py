"""Qt is pinned below 6.12: PySide6 6.12.0 aborts Python 3.10/3.11 after a few hundred signal emits.

6.12.0 drops a reference to `True` on every Signal.emit() and to `None` on many
void calls such as QPainter.setPen, until the interpreter dies with "Fatal
Python error: bool_dealloc" — sometimes only at exit, after the tests passed.
So the storm runs in a subprocess, and only its exit status tells.
"""
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import PySide6

ROOT = Path(__file__).resolve().parent.parent
EMITS = 10_000

STORM = f"""
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

app = QGuiApplication([])


class Emitter(QObject):
    value = Signal(object)
    flag = Signal(bool)
    bare = Signal()


received = {{"value": 0, "flag": 0, "bare": 0}}
emitter = Emitter()
emitter.value.connect(lambda v: received.__setitem__("value", received["value"] + 1))
emitter.flag.connect(lambda b: received.__setitem__("flag", received["flag"] + 1))
emitter.bare.connect(lambda: received.__setitem__("bare", received["bare"] + 1))
for i in range({EMITS}):
    emitter.value.emit(i)
    emitter.flag.emit(i % 2 == 0)
    emitter.bare.emit()

image = QImage(16, 16, QImage.Format.Format_ARGB32)
painter = QPainter(image)
for i in range(2000):
    painter.setPen(QPen(QColor(i % 256, 0, 0)))
    painter.drawPoint(i % 16, i % 16)
painter.end()
print(received["value"], received["flag"], received["bare"])
"""


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def test_installed_pyside6_is_a_version_that_works():
    assert (6, 8) <= version_tuple(PySide6.__version__) < (6, 12), PySide6.__version__


def test_pyproject_pins_qt_below_6_12():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pyside = [d for d in project["dependencies"] if d.lower().startswith("pyside6")]
    assert pyside and all("<6.12" in d.replace(" ", "") for d in pyside), pyside


def test_ten_thousand_signal_emits_do_not_kill_the_interpreter():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", STORM], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(EMITS)] * 3
