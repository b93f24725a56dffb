"""What a zoom and a presentation toggle cost the GUI thread, after a long run.

The bound is the issue's (issue 10, item 1): after every action the event loop answers within
100 ms. Here the cost is the GUI thread's own CPU time (time.thread_time) from the action to the
moment the window has settled: the action itself, the relayout it asks for and the repaint,
counted twice round the event loop so the paint that follows a late relayout is in. CPU time of
this thread leaves out the time other processes hold the cores, so a loaded machine does not fail
it; the median of a few tries leaves out a stray garbage collection.

The run before it is long (20 000 rows trained, many toggles and zooms): a cost that grew with the
run's length (widgets, connections or items piling up) would show here, and the number of objects
the window holds must not grow round after round of toggles.
"""
from __future__ import annotations

import statistics
import time

from PySide6.QtCore import QObject, QTimer

BOUND_S = 0.1  # the issue's: the event loop answers within 100 ms of any action
ROWS = 20_000
ROUNDS = 8  # presentation on and off, zoom in and out, per round, before measuring
TRIES = 3


def answered(qtbot) -> None:
    """Until the event loop runs an event posted now."""
    done: list[bool] = []
    QTimer.singleShot(0, lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=5000)


def settle(qtbot) -> None:
    """Until the event loop has answered twice: the relayout, then the paint it asked for."""
    answered(qtbot)
    answered(qtbot)


def cost_s(qtbot, action) -> float:
    """GUI-thread CPU seconds from triggering `action` until the window has settled."""
    settle(qtbot)
    start = time.thread_time()
    action.trigger()
    settle(qtbot)
    return time.thread_time() - start


def one_round(qtbot, window) -> None:
    for name in ("presentation", "zoom_in", "presentation", "zoom_out"):
        window.actions[name].trigger()
        settle(qtbot)


def test_a_zoom_and_a_presentation_toggle_stay_cheap_after_a_long_run(qtbot, window):
    window.build_all_views()
    window.controller.train_rows(ROWS)
    assert window.state.steps == ROWS
    one_round(qtbot, window)
    objects = len(window.findChildren(QObject))
    for _ in range(ROUNDS):
        one_round(qtbot, window)
    # Nothing piles up round after round (a passing status-bar timer may come and go).
    assert len(window.findChildren(QObject)) - objects < ROUNDS

    costs: dict[str, list[float]] = {}
    for _ in range(TRIES):
        for label, name in (("presentation on", "presentation"), ("zoom in", "zoom_in"),
                            ("zoom out", "zoom_out"), ("presentation off", "presentation")):
            costs.setdefault(label, []).append(cost_s(qtbot, window.actions[name]))
    assert not window.presentation.on and window.presentation.zoom == 1.0
    medians = {label: statistics.median(c) for label, c in costs.items()}
    slow = {label: f"{c * 1000:.0f} ms" for label, c in medians.items() if c >= BOUND_S}
    assert not slow, f"GUI-thread work per action (median of {TRIES}): {slow}"
