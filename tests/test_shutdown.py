"""Shutdown: opening, training and closing the window again and again leaves nothing behind.

In one process: 50 cycles of build → show → train on the worker thread → close (half of them
while the run is still going), each ending with no thread of ours alive and no Qt warning
(pytest-qt fails the test on one). In fresh processes: a script that builds the window, trains
and simply ends, with no dispose call (and the launcher, app.main(), closed by a timer), must
exit 0 with nothing at all on stderr. CI runs a few fresh processes; SOAK=1 runs 50 of each.
With BACKPROP_TALLY set, the cycles run are counted there (tests/tally.py).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

ROOT = Path(__file__).resolve().parent.parent
SOAK = os.environ.get("SOAK") == "1"
CYCLES = 50
FRESH_RUNS = 50 if SOAK else 6  # the build_window script; ~1 s each, two at a time on two cores
MAIN_RUNS = 50 if SOAK else 4  # the launcher


def settle() -> None:
    """Run what a closed window left queued: deferred deletes first, then pending events."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def threads_now() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_fifty_open_train_close_cycles_leave_no_thread(qtbot, tally):
    import app

    before = threads_now()  # the main thread, and whatever the test runner itself keeps (xdist)
    for cycle in range(CYCLES):
        window = app.build_window()
        window.show()
        qtbot.waitExposed(window)
        trainer = window.trainer
        window.state.speed = None  # flat out
        window.state.epochs = 3 if cycle % 2 else 100_000
        if cycle % 2:  # ends by itself after 3 epochs
            with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
                window.controller.play()
            assert trainer.timeline.steps == 3 * trainer.timeline.n_rows
        else:  # closed mid-run, the case that matters most
            window.controller.play()
            qtbot.waitUntil(lambda t=trainer: t.timeline.steps >= 8, timeout=10_000)
            assert trainer.running
        window.close()
        settle()  # deferred deletes and queued signals run now
        assert not window.isVisible()
        assert not trainer.worker_alive, f"cycle {cycle}: the training thread outlived its window"
        left = threads_now() - before
        assert not left, f"cycle {cycle}: threads left behind: {sorted(t.name for t in left)}"
        window.deleteLater()
    settle()
    tally(cycles={"open-train-close in one process": CYCLES}, closed_mid_run=(CYCLES + 1) // 2, threads_left=0)


# The scripts call nothing to clean up: whatever is alive at the end is the interpreter's to destroy.
BUILD_WINDOW_SCRIPT = """
    from PySide6.QtWidgets import QApplication
    qapp = QApplication([])
    import app
    window = app.build_window()
    window.show()
    window.build_all_views()  # every plot (the pyqtgraph items are what once failed at exit)
    window.state.speed = None
    window.state.epochs = 25
    window.controller.play()
    assert window.trainer.wait_idle(20)
    qapp.processEvents()
    tl = window.trainer.timeline
    print("trained" if tl.steps == 25 * tl.n_rows else f"only {tl.steps} rows", flush=True)
"""

MAIN_SCRIPT = """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    qapp = QApplication([])
    import app

    def train_then_close():
        window = qapp._backprop_window
        window.state.speed = None
        window.state.epochs = 100_000
        window.controller.play()
        QTimer.singleShot(150, window.close)  # mid-run, as a person closing the window

    QTimer.singleShot(0, train_then_close)
    print(app.main([]), flush=True)
"""


def run_fresh(script: str, runs: int) -> list[subprocess.CompletedProcess]:
    """`runs` fresh Pythons running `script`, two at a time (the machine has two cores)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    env.pop("SOAK", None)
    code = textwrap.dedent(script)
    done: list[subprocess.CompletedProcess] = []
    for start in range(0, runs, 2):
        procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(min(2, runs - start))]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


@pytest.mark.parametrize("script, runs, expected", [
    (BUILD_WINDOW_SCRIPT, FRESH_RUNS, "trained"),
    (MAIN_SCRIPT, MAIN_RUNS, "0"),  # main()'s exit status
], ids=["build_window without dispose", "app.main closed mid-run"])
def test_fresh_processes_exit_silently(script, runs, expected, tally):
    results = run_fresh(script, runs)
    failed = [(p.returncode, p.stderr) for p in results if p.returncode != 0 or p.stderr]
    assert not failed, f"{len(failed)} of {runs} runs: {failed[0]}"
    assert all(p.stdout.split() == [expected] for p in results), [p.stdout for p in results]
    kind = "fresh process, build_window()" if script is BUILD_WINDOW_SCRIPT else "fresh process, app.main()"
    tally(cycles={kind: runs}, nonzero_exits=0, stderr_bytes=0)
