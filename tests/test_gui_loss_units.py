"""The loss plot speaks the table's units, as the canvas and the status bar do (issue 9, item 5).

A teacher's table with targets in the hundreds is standardised for training; the plot must
still draw each row's loss as (y − ŷ)² with y from the CSV and ŷ as the canvas shows it (in the
table's units), and each epoch's mean as the mean of those. Without target scaling the plot
draws the run's own loss, as it always did. Expected values are worked out here from the
table and the canvas, never read back from the engine's buffers.
"""
import numpy as np
import pytest

from engine.notation import fmt

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")

ROWS = [(1.0, 2.0, 310.0), (2.0, 1.0, 420.0), (3.0, 4.0, 650.0), (4.0, 3.0, 580.0), (5.0, 5.0, 870.0)]


def open_scores(window, tmp_path, target_scaling):
    path = tmp_path / "scores.csv"
    path.write_text("hours,sleep,score\n" + "".join(f"{a},{b},{y}\n" for a, b, y in ROWS))
    assert window.open_csv(str(path))
    assert window.request_setup({"target_scaling": target_scaling}) or \
        window.state.setup.target_scaling == target_scaling
    assert window.state.setup.target_scaling == target_scaling
    window.show_view("lossPlot")
    return window.view("lossPlot")


def train_by_hand(window, rows):
    """Step `rows` rows; each one's loss from the table's y and the ŷ the canvas shows."""
    losses = []
    for _ in range(rows):
        window.controller.step()
        shown = window.canvas.shown_values()
        y_hat = shown.get("y_hat_table", [None])[0]
        if y_hat is None:  # targets not scaled: the canvas's ŷ is already in the table's units
            y_hat = shown["forward"]["O21"]
        y = ROWS[window.state.shown.row][2]
        losses.append((y - y_hat) ** 2)
    return np.array(losses)


def test_with_standardised_targets_the_plot_draws_the_tables_loss(window, tmp_path):
    plot = open_scores(window, tmp_path, "standard")
    by_hand = train_by_hand(window, len(ROWS) + 2)  # one epoch and two rows of the next
    x, y = plot.rows_curve.getData()
    assert x[-1] == len(by_hand)
    assert y[-1] == pytest.approx(by_hand[-1], rel=1e-9)
    np.testing.assert_allclose(y, by_hand, rtol=1e-9)  # every row, in the table's units
    assert by_hand.max() > 100  # hundreds of points off at the start: not standardised numbers
    _, means = plot.epoch_curve.getData()
    assert means.tolist() == pytest.approx([by_hand[: len(ROWS)].mean()], rel=1e-9)
    assert "table units" in plot.getPlotItem().getAxis("left").labelText
    (_, _), (_, y_top) = plot.ranges()
    assert y_top >= by_hand.max()  # the range follows the table's units too
    # The status bar's number for the current row is the point just drawn, as is its epoch mean.
    digits = window.state.precision
    assert window.status.loss.text().startswith(f"loss {fmt(y[-1], digits)} · epoch mean {fmt(means[-1], digits)}")


def test_log_scale_keeps_the_tables_units(window, tmp_path):
    plot = open_scores(window, tmp_path, "standard")
    by_hand = train_by_hand(window, 3)
    plot.set_log(True)
    (_, _), (y0, y1) = plot.ranges()  # whole decades around the table's losses
    assert 10 ** y0 <= by_hand.min() and 10 ** y1 >= by_hand.max()
    np.testing.assert_allclose(10 ** plot.rows_curve.getData()[1], by_hand, rtol=1e-9)  # drawn as log10


def test_without_target_scaling_the_plot_is_the_runs_own_loss(window, tmp_path):
    plot = open_scores(window, tmp_path, "none")
    window.state.eta = 1e-5  # raw targets in the hundreds: a small step keeps the run finite
    by_hand = train_by_hand(window, len(ROWS))
    x, y = plot.rows_curve.getData()
    np.testing.assert_array_equal(x, np.arange(1, len(ROWS) + 1))
    np.testing.assert_allclose(y, by_hand, rtol=1e-9)
    assert plot.getPlotItem().getAxis("left").labelText == "loss (y − ŷ)²"
