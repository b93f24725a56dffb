"""Whole-process behaviour, each in a fresh Python (a second QApplication in one process aborts):
closing mid-training exits cleanly and fast, a long stress run stays healthy, main() launches.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT_WARNINGS = ("QThread", "Destroyed while", "QObject", "QBasicTimer", "QWidget", "Warning", "warning",
               "Traceback", "Fatal", "Abort", "propagateSizeHints")


def run(script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    bad = [line for line in proc.stderr.splitlines() if any(w in line for w in QT_WARNINGS)]
    assert not bad, proc.stderr


def test_closing_the_window_mid_training_exits_cleanly_within_a_second():
    proc = run("""
        import time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        seen = {}

        def start():  # the launcher's window, training flat out
            window = qapp._backprop_window
            seen["thread"] = window.trainer._thread
            window.state.speed = None
            window.state.epochs = 100000
            window.controller.toggle_play()
            QTimer.singleShot(10, lambda: close_when_busy(window))

        def close_when_busy(window):
            if window.trainer.timeline.steps < 2000:
                QTimer.singleShot(10, lambda: close_when_busy(window))
                return
            assert window.trainer.running
            seen["t"] = time.perf_counter()
            window.close()

        QTimer.singleShot(0, start)
        code = app.main([])
        print("closed_in", time.perf_counter() - seen["t"], "alive", seen["thread"].is_alive(), "code", code,
              flush=True)
    """)
    assert_clean(proc)
    words = proc.stdout.split()
    assert words[0] == "closed_in" and float(words[1]) < 1.0, proc.stdout
    assert words[3] == "False" and words[5] == "0", proc.stdout


def test_quitting_the_application_mid_training_stops_the_thread():
    proc = run("""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        seen = {}

        def start():
            window = qapp._backprop_window
            seen["thread"] = window.trainer._thread
            window.state.speed = None
            window.state.epochs = 100000
            window.controller.toggle_play()
            QTimer.singleShot(300, qapp.quit)  # Ctrl+Q or the desktop session ending

        QTimer.singleShot(0, start)
        code = app.main([])
        print("alive", seen["thread"].is_alive(), "code", code, flush=True)
    """)
    assert_clean(proc)
    assert proc.stdout.split() == ["alive", "False", "code", "0"], proc.stdout


@pytest.mark.slow
def test_stress_ten_thousand_signals_and_a_thousand_frames():
    proc = run("""
        import numpy as np
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        window = app.build_window()
        window.show()
        trainer = window.trainer
        received = []
        trainer.rowUpdated.connect(lambda record: received.append(record.step))  # queued: 10 000 events
        window.state.speed = None
        window.state.epochs = 2500  # 2500 epochs x 4 rows = 10 000 rows
        frames = 0

        def paint():
            global frames
            window.repaint()  # a real, synchronous paint of the whole window
            frames += 1
            if frames < 1000 or trainer.running or len(received) < 10000:
                QTimer.singleShot(0, paint)
            else:
                qapp.quit()

        window.controller.toggle_play()
        QTimer.singleShot(0, paint)
        qapp.exec()
        history = trainer.history()
        assert received == list(range(10000)), (len(received), received[:3])
        assert history.shape == (10000,) and np.all(np.isfinite(history))
        x, y = window.plot.rows_curve.getOriginalDataset()
        assert len(y) == 10000 and np.array_equal(y, history)
        print("ok", frames, len(received), flush=True)
        app.dispose(window)
    """, timeout=300)
    assert_clean(proc)
    words = proc.stdout.split()
    assert words[0] == "ok" and int(words[1]) >= 1000 and words[2] == "10000", proc.stdout


def test_main_launches_with_name_icon_and_closes():
    proc = run("""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        seen = {}

        def check_and_close():
            window = qapp._backprop_window
            seen.update(name=qapp.applicationName(), desktop=qapp.desktopFileName(),
                        icon=not qapp.windowIcon().isNull(), visible=window.isVisible(),
                        title=window.windowTitle(), steps=window.trainer.timeline.steps)
            window.close()

        QTimer.singleShot(200, check_and_close)
        code = app.main([])
        print(code, seen, flush=True)
    """)
    assert_clean(proc)
    assert proc.stdout.startswith("0 "), proc.stdout
    assert "'name': 'Backprop Studio'" in proc.stdout and "'desktop': 'backprop-studio'" in proc.stdout
    assert "'icon': True" in proc.stdout and "'visible': True" in proc.stdout and "'steps': 0" in proc.stdout


def test_import_app_does_not_import_qt():
    proc = run("""
        import sys
        import app
        print(sorted(m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph"))))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_scripts_that_close_a_trained_window_without_dispose_exit_silently():
    """A script that trains, runs the race (its legend once outlived its view) and closes the
    window without app.dispose(): exit 0 and nothing on stderr, in several fresh processes."""
    script = textwrap.dedent("""
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        window = app.build_window()
        window.show()
        window.state.speed = None
        window.state.epochs = 50
        window.controller.play()
        window.trainer.wait_idle(10)
        window.show_view("raceView")
        window.view("raceView").run()
        qapp.processEvents()
        window.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and err == "", err
