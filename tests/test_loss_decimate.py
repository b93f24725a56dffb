"""What the loss plot hands pyqtgraph for long runs (gui.plots.decimate, and the plot fed by it):
a bounded number of points whatever the run's length, the same envelope (largest and smallest
loss) as the whole history, the newest row as a point of its own, and detail on a hand zoom.
Expected values come from numpy over the raw series, written out here."""
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from engine.data import Dataset
from engine.spec import NetworkSpec
from gui.plots.decimate import Summary, slice_points
from gui.plots.loss import LossPlot
from gui.state import AppState, Setup

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")

SERIES = np.random.default_rng(3).exponential(size=50_000)


def test_a_growing_series_keeps_its_envelope_in_few_points():
    summary = Summary("peak", max_blocks=64)
    n = 0
    for grow in (1, 7, 500, 3000, 9000, 37_492):  # fed in uneven steps, as frames come
        n += grow
        values = SERIES[:n]
        summary.update(values)
        x, y = summary.points(values)
        assert y.max() == values.max() and y.min() == values.min()
        assert y[-1] == values[-1] and x[-1] == n  # the newest row, at x = its count
        assert len(y) <= 2 * 64 + summary.k  # blocks, two points each, and the part after them
        assert np.all(np.diff(x) >= 0)


def test_block_means_are_the_means_of_their_rows():
    summary = Summary("mean", max_blocks=16)
    values = SERIES[:1000]
    summary.update(values)
    x, y = summary.points(values, x_step=4.0)
    k, blocks = summary.k, summary.blocks
    np.testing.assert_allclose(y[:blocks], values[: k * blocks].reshape(blocks, k).mean(axis=1), rtol=1e-12)
    assert x[0] == pytest.approx(4.0 * (k + 1) / 2)  # the middle of rows 1 … k, 4 x units a row
    np.testing.assert_array_equal(y[blocks:], values[k * blocks:])


def test_a_rewritten_history_is_summarised_again():
    summary = Summary("peak", max_blocks=16)
    summary.update(SERIES[:5000])
    rewound = SERIES[:8000].copy()
    rewound[1000:] = 0.25  # rewound to row 1000 and trained again differently
    summary.update(rewound)
    x, y = summary.points(rewound)
    assert y.max() == rewound.max() and y.min() == rewound.min()
    assert np.all(y[x > 1000 + summary.k] == 0.25)  # nothing of the forgotten rows is left


def test_a_slice_is_drawn_in_detail():
    x, y = slice_points(SERIES, 1000, 1100)
    np.testing.assert_array_equal(x, np.arange(1001, 1101))
    np.testing.assert_array_equal(y, SERIES[1000:1100])
    x, y = slice_points(SERIES, 0, 50_000, max_blocks=100)
    assert len(y) <= 2 * 100 + 1024 and y.max() == SERIES.max() and y.min() == SERIES.min()


def snapshot(losses, n_rows=4):
    epochs = losses.size // n_rows
    return SimpleNamespace(steps=losses.size, running=False, losses=losses, n_rows=n_rows, target_steps=None,
                           target_scaler=None, epoch_means=losses[: epochs * n_rows].reshape(epochs, n_rows).mean(1),
                           epoch_test_losses=np.full(epochs, np.nan), epoch_train_accuracy=np.full(epochs, np.nan),
                           epoch_test_accuracy=np.full(epochs, np.nan))


def test_the_plot_holds_a_bounded_curve_and_zooms_into_detail(qtbot):
    x = np.arange(4.0)
    ds = Dataset("line", ("x",), ("y",), x[:, None], 2 * x[:, None])
    state = AppState()
    state.setup = Setup("regression", "hand-made", ds, NetworkSpec((1, 1), ("linear",), "se"))
    plot = LossPlot(state)
    qtbot.addWidget(plot)
    plot.resize(700, 500)
    plot.show()
    qtbot.waitExposed(plot)
    state.history = snapshot(SERIES.copy())
    curve = plot.rows_curve
    rx, ry = curve.xData, curve.yData  # what the curve was fed and holds (it draws ≤ 1 point a pixel of it)
    assert len(ry) < 20_000  # not 50 000: what the curve holds does not grow with the run
    assert ry.max() == SERIES.max() and ry.min() == SERIES.min() and ry[-1] == SERIES[-1]
    ey = plot.epoch_curve.yData
    assert len(ey) < 20_000 and ey[-1] == pytest.approx(SERIES[-4:].mean())
    # A hand zoom (the mouse wheel over the plot) into the first rows: every row there, as trained.
    plot.getViewBox().setXRange(0, 40, padding=0)
    centre = plot.viewport().rect().center()
    wheel = QWheelEvent(QPointF(centre), QPointF(plot.viewport().mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(plot.viewport(), wheel)
    (x0, x1), _ = plot.getViewBox().viewRange()
    assert x1 < 40
    rx, ry = curve.xData, curve.yData
    inside = (rx >= x0) & (rx <= x1)
    rows = np.arange(int(np.ceil(x0)), int(np.floor(x1)) + 1)
    np.testing.assert_array_equal(rx[inside], rows[rows >= 1])
    np.testing.assert_array_equal(ry[inside], SERIES[rows[rows >= 1] - 1])
    plot.fit()  # following the run again: the whole history, summarised
    assert curve.yData.max() == SERIES.max() and curve.yData[-1] == SERIES[-1]
