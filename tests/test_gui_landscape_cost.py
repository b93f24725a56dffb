"""The loss landscape on a big table: the grid's side is chosen from the measured cost before a
refresh (a 1 000-row table on a 4 × 8 network took 3 s at the full 101² on the GUI thread), the
tutorial's 4-row table keeps the full grid, and a refresh runs in slices of the GUI thread so
the event loop answers within 100 ms while it is computed."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from engine.csv_text import MAX_ROWS
from engine.landscape import GRID_POINTS


def grid_side(window) -> int:
    view = window.view("landscapeView")
    view.refresh_now()
    return len(view.grid().values_x)


def big_problem(window) -> None:
    assert window.request_setup({"task": "classification"})
    assert window.request_setup({"dataset_key": "circles", "points": 1000})
    assert window.request_setup({"hidden": (8, 8, 8, 8), "hidden_activations": ("tanh",) * 4})


def test_a_big_table_on_a_deep_network_gets_a_coarser_grid_and_a_small_one_the_full_grid(window):
    window.show_view("landscapeView")
    assert grid_side(window) == GRID_POINTS  # 4 rows, 2-2-1: cheap
    big_problem(window)
    coarse = grid_side(window)
    assert coarse < GRID_POINTS // 3  # chosen from the measured cost: ~3 × 10⁴ times the work per grid point
    assert window.request_setup({"dataset_key": "xor-table", "hidden": (2,), "hidden_activations": ("tanh",)})
    assert grid_side(window) > coarse  # and finer again when the work is small


def test_the_event_loop_answers_while_the_biggest_landscape_is_computed(window, qtbot, tmp_path):
    # The biggest table the window opens, on a 4 × 8 network: even an 11² grid and its slice take
    # over a second of CPU (10⁴ rows at each of ~320 points).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(MAX_ROWS, 2))
    table = tmp_path / "big.csv"
    table.write_text("x1,x2,y\n" + "".join(f"{a:.6g},{b:.6g},{a * b:.6g}\n" for a, b in X))
    assert window.open_csv(str(table))
    assert window.request_setup({"hidden": (8, 8, 8, 8), "hidden_activations": ("tanh",) * 4})
    window.show_view("landscapeView")
    view = window.view("landscapeView")
    view.refresh_now()  # learn what this table costs
    window.build_all_views()  # (the start-up's deferred views are not the landscape's cost)
    QApplication.processEvents()  # and paint it: only the new map's cost is measured below
    answers: list[float] = []  # the GUI thread's CPU clock at every turn of the event loop
    tick = QTimer(window, interval=0)
    tick.timeout.connect(lambda: answers.append(time.thread_time()))
    tick.start()
    started = time.thread_time()  # the work done until the map is drawn
    with qtbot.waitSignal(view.updated, timeout=60_000):
        view.set_params("W511", "W521")  # a new map: computed through the throttle, in slices
    tick.stop()
    busy = time.thread_time() - started
    grid = view.grid()
    assert (grid.param_x, grid.param_y) == ("W511", "W521") and len(grid.values_x) >= 11
    assert busy > 0.3  # the work is real: several slices' worth
    # CPU time of this thread between turns (immune to waiting for a core), from the first answer on:
    # the click's own cost before it (new axis labels, a repaint) is the monkey test's to measure.
    assert len(answers) >= 3, "the event loop did not turn while the map was computed"
    gaps = [b - a for a, b in zip(answers, answers[1:])]  # a slice of the computation is ~30 ms
    assert max(gaps) < 0.1, f"{max(gaps) * 1e3:.0f} ms without an answer (turn {gaps.index(max(gaps))} of {len(gaps)})"
