"""The loss landscape sizes its grid to what the table costs, before computing it: a big table
on a deep network gets a coarser grid at once (it took 3 s at the full 101² on the GUI thread),
and the tutorial's 4-row table keeps the full grid."""
from __future__ import annotations

from engine.landscape import GRID_POINTS


def grid_side(window) -> int:
    view = window.view("landscapeView")
    view.refresh_now()
    return len(view.grid().values_x)


def test_a_big_table_on_a_deep_network_gets_a_coarser_grid_and_a_small_one_the_full_grid(window):
    window.show_view("landscapeView")
    assert grid_side(window) == GRID_POINTS  # 4 rows, 2-2-1: cheap
    assert window.request_setup({"task": "classification"})
    assert window.request_setup({"dataset_key": "circles", "points": 1000})
    assert window.request_setup({"hidden": (8, 8, 8, 8), "hidden_activations": ("tanh",) * 4})
    coarse = grid_side(window)
    assert coarse < GRID_POINTS // 3  # chosen from the measured cost: ~3 × 10⁴ times the work per grid point
    assert window.request_setup({"dataset_key": "xor-table", "hidden": (2,), "hidden_activations": ("tanh",)})
    assert grid_side(window) > coarse  # and finer again when the work is small
