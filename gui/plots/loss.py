"""The live loss plot: every row's loss (faint), each epoch's mean (bold) and, when rows are
held out, the test rows' mean loss after each epoch; for classification a small plot below
shows each epoch's accuracy on the training rows and on the test rows.

Built as pyqtgraph's speed examples recommend: the two curves are created once
and only fed data afterwards — `setData` on views of the trainer's growing
buffers — with peak downsampling, clip-to-view and a pen of width 1 for the
row curve, so a million rows redraw in a few milliseconds. The grid has major
lines only: every grid line costs ~0.2 ms to paint, minor ones made the axes
the most expensive part of a frame.

x counts rows trained (row k of training sits at x = k); a second axis on top
counts epochs (an epoch is one pass over the training rows, so with rows held out it is shorter
than the table). The per-epoch numbers (test loss, accuracies) come from the trainer's snapshot
(computed by the engine after each epoch); the plot only draws them, at x = epoch × rows.
Autoscaling never jumps: during a Play run the x range is the
whole run from the start (the curve fills it left to right), otherwise it
grows in 1-2-5 steps; y only grows, in 1-2-5 steps (whole decades in log
mode). Panning or zooming by hand stops the following until "Fit" is pressed.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from gui import colors
from gui.plots.style import PinnedLegend, apply_style, is_classifier, quiet
from gui.widgets.state_view import RenderWhenShown, subscribe

ROW_PEN = pg.mkPen(colors.qcolor(colors.BLUE, 0.55), width=1)
EPOCH_PEN = pg.mkPen(colors.VERMILLION, width=3)
TEST_PEN = pg.mkPen(colors.BLUISH_GREEN, width=3, style=Qt.PenStyle.DashLine)
ACCURACY_SHARE = 0.3  # of the height, for the accuracy plot under the loss (classification)
CURVE_BUDGET = 0.15  # at most this share of the time goes into re-feeding the curves
SYMBOLS_UP_TO = 60  # epoch-mean markers while there are at most this many epochs
LOG_DECADES = 14  # the log-scale y range never spans more than this
LOSS_LABEL = {"se": "loss (y − ŷ)²", "half-se": "loss ½(y − ŷ)²", "bce": "loss (cross-entropy)"}


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is ≥ value (value > 0)."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        candidate = mantissa * 10.0 ** exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)


class EpochAxis(pg.AxisItem):
    """An axis over x = rows trained that labels whole epochs."""

    def __init__(self, orientation: str = "top"):
        super().__init__(orientation)
        self.n_rows = 1

    def tickValues(self, minVal, maxVal, size):  # noqa: N802,N803 (pyqtgraph API)
        n = self.n_rows
        lo, hi = minVal / n, maxVal / n
        if hi <= lo:
            return []
        # About one label per 80 px, in whole epochs of 1-2-5 steps.
        wanted = max(1.0, (hi - lo) / max(1.0, size / 80.0))
        step = max(1.0, nice_ceil(wanted))
        first = math.ceil(lo / step) * step
        values = np.arange(first, hi + step * 1e-9, step) * n
        return [(step * n, values.tolist())]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        return [f"{round(v / self.n_rows):d}" for v in values]


class LossPlot(RenderWhenShown, pg.PlotWidget):
    """objectName 'lossPlot': every row's loss, each epoch's mean and test loss, from `state.history`.

    LossPlot(state, parent=None) renders the run of `state.history` (a gui.trainer.Snapshot)
    whenever it changes, and starts afresh when `state.setup` changes; a hidden plot renders
    when next shown. Curves: rows_curve, epoch_curve, test_curve (legend "test"). For a
    classifier, `accuracy_plot` (a pg.PlotItem, objectName 'accuracyPlot', under the loss, its
    x linked to it) has train_accuracy_curve and test_accuracy_curve. Public: set_log(on), log,
    fit(), set_font_size(points), ranges(), shows_accuracy().
    """

    def __init__(self, state, parent=None):
        apply_style()
        self._epoch_axis = EpochAxis("top")
        super().__init__(parent, axisItems={"top": self._epoch_axis})
        self.state = state
        self.setObjectName("lossPlot")
        # The view paints its white background over everything it exposes: tell Qt, so the
        # window does not repaint the panels behind the plot on every frame.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setAccessibleName("Loss plot")
        item = quiet(self.getPlotItem())
        item.showAxis("top")
        item.showGrid(x=True, y=True, alpha=0.15)
        # Down-sampling to ~1 point (min and max) per pixel column; pyqtgraph's default factor
        # draws 5 per pixel, several times the vertices for the same picture.
        self.rows_curve = item.plot(pen=ROW_PEN, autoDownsampleFactor=1.0)
        self.rows_curve.setDownsampling(auto=True, method="peak")
        self.rows_curve.setClipToView(True)
        self.epoch_curve = item.plot(pen=EPOCH_PEN, antialias=True,
                                     symbolBrush=colors.VERMILLION, symbolPen=None, symbolSize=0)
        # The bold curve is the costly one (a wide antialiased pen): one mean point per two pixels.
        self.epoch_curve.setDownsampling(auto=True, method="mean")
        self.epoch_curve.opts["autoDownsampleFactor"] = 0.5
        self.epoch_curve.setClipToView(True)
        # One point per epoch: few enough to draw whole (no down-sampling).
        self.test_curve = item.plot(pen=TEST_PEN, antialias=True)
        self.legend = PinnedLegend(item.getViewBox(), "top-right", brush=pg.mkBrush(255, 255, 255, 220))
        self._build_accuracy()
        self.getViewBox().sigRangeChangedManually.connect(self._stop_following)
        self._log = False
        self._following = True
        self._loss_name = "loss"
        self._font_pt = 12
        self.set_font_size(12)
        subscribe(self, state.events.setup, self._setup_changed)
        subscribe(self, state.events.history, self.request_render)
        self._setup_changed(state.setup)

    def _build_accuracy(self) -> None:
        """The accuracy plot, in a grid layout under the loss plot (hidden, no height, for regression)."""
        grid = pg.GraphicsLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        self.setCentralItem(grid)
        grid.addItem(self.plotItem, 0, 0)
        self.accuracy_plot = acc = quiet(pg.PlotItem())
        acc.setObjectName("accuracyPlot")
        grid.addItem(acc, 1, 0)
        grid.layout.setRowStretchFactor(0, round((1 - ACCURACY_SHARE) * 10))
        grid.layout.setRowStretchFactor(1, round(ACCURACY_SHARE * 10))
        acc.setXLink(self.plotItem)
        acc.setMouseEnabled(x=True, y=False)
        acc.showGrid(x=True, y=True, alpha=0.15)
        acc.hideAxis("bottom")
        acc.getAxis("left").setTicks([[(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")]])
        acc.enableAutoRange(y=False)  # always the whole 0–100 %: a rise is seen for what it is
        acc.setYRange(0.0, 1.0, padding=0.12)  # room for the 0 % and 100 % labels
        self.train_accuracy_curve = acc.plot(pen=pg.mkPen(colors.VERMILLION, width=2), antialias=True)
        self.test_accuracy_curve = acc.plot(pen=pg.mkPen(colors.BLUISH_GREEN, width=2, style=Qt.PenStyle.DashLine),
                                            antialias=True)
        self.accuracy_legend = PinnedLegend(acc.getViewBox(), "bottom-right", brush=pg.mkBrush(255, 255, 255, 220))
        self._accuracy = None
        self._show_accuracy(False)

    def _show_accuracy(self, on: bool) -> None:
        if on == self._accuracy:
            return
        self._accuracy = on
        acc = self.accuracy_plot
        acc.setVisible(on)
        acc.setMaximumHeight(1e6 if on else 0)  # a hidden item still takes its row: give it none

    def shows_accuracy(self) -> bool:
        return bool(self._accuracy)

    def _write_legends(self) -> None:
        setup = self.state.setup
        test = setup is not None and setup.test_fraction > 0
        entries = [(self.rows_curve, "each row"), (self.epoch_curve, "epoch mean")]
        self.legend.set_entries(entries + ([(self.test_curve, "test")] if test else []))
        acc_entries = [(self.train_accuracy_curve, "training")]
        self.accuracy_legend.set_entries(acc_entries + ([(self.test_accuracy_curve, "test")] if test else []))
        self.legend.set_text_size(f"{self._font_pt}pt")
        self.accuracy_legend.set_text_size(f"{self._font_pt}pt")

    # ---- settings ------------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        if setup is not None:
            self._epoch_axis.n_rows = max(1, int(setup.dataset.n_rows))
            self._loss_name = LOSS_LABEL.get(setup.spec.loss, "loss")
            if setup.target_scaling != "none" and not is_classifier(setup.spec):
                # The run learns standardised targets: this is its loss, σ⁻² × the table's.
                self._loss_name += " (standardised targets)"
            self._apply_labels()
        self._show_accuracy(setup is not None and is_classifier(setup.spec))
        self._write_legends()
        self._clear()
        self.request_render()

    def set_log(self, on: bool) -> None:
        self._log = bool(on)
        self.getPlotItem().setLogMode(False, self._log)
        self._ranges = None
        self._apply_ranges(force=True)

    @property
    def log(self) -> bool:
        return self._log

    def fit(self) -> None:
        """Follow the data again after a hand pan/zoom."""
        self._following = True
        self._apply_ranges(force=True)

    def set_font_size(self, points: float) -> None:
        self._font_pt = points
        font = QFont()
        font.setPointSizeF(points)
        item = self.getPlotItem()
        for axis in ("left", "bottom", "top"):
            item.getAxis(axis).setStyle(tickFont=font, tickTextOffset=6, maxTickLevel=0)
        # The two plots' left axes as wide as each other, so their x axes line up.
        self.accuracy_plot.getAxis("left").setStyle(tickFont=font, tickTextOffset=6)
        width = round(points * 6)
        item.getAxis("left").setWidth(width)
        self.accuracy_plot.getAxis("left").setWidth(width)
        self.legend.set_text_size(f"{points}pt")
        self.accuracy_legend.set_text_size(f"{points}pt")
        self._apply_labels()

    def _apply_labels(self) -> None:
        style = {"color": colors.INK, "font-size": f"{self._font_pt}pt"}
        item = self.getPlotItem()
        item.setLabel("bottom", "rows trained", **style)
        item.setLabel("top", "epoch", **style)
        item.setLabel("left", self._loss_name, **style)
        self.accuracy_plot.setLabel("left", "accuracy", **style)

    # ---- data ------------------------------------------------------------------------------
    def _clear(self) -> None:
        for curve in (self.rows_curve, self.epoch_curve, self.test_curve,
                      self.train_accuracy_curve, self.test_accuracy_curve):
            curve.setData([], [])
        self._n = self._n_means = self._scanned = 0
        self._fed: dict[str, tuple[float, float]] = {}  # curve -> (when last fed, how long it took)
        self._ymax = 0.0
        self._ymin_pos = math.inf
        self._target = None
        self._ranges = None
        self._following = True
        self._apply_ranges(force=True)

    def render_state(self) -> None:
        snapshot = self.state.history
        if snapshot is None or (snapshot.steps == 0 and self._scanned > 0):
            self._clear()  # no run, or a reset: the ranges start afresh too
        if snapshot is not None:
            self._feed_curves(snapshot, force=not snapshot.running)

    def _feed_curves(self, snapshot, force: bool) -> None:
        """Feed the curves the run's latest buffers.

        Handing pyqtgraph a curve costs time in proportion to its length (bounds, finiteness
        checks, down-sampling): ~20 ms for 10^6 rows. So each curve is re-fed at most as often
        as keeps that work under CURVE_BUDGET of the time; the axes and ranges still follow on
        every frame. `force` feeds both at once (whenever the run is not training)."""
        losses, means = snapshot.losses, snapshot.epoch_means
        n, n_means = losses.shape[0], means.shape[0]
        self._epoch_axis.n_rows = max(1, int(snapshot.n_rows))  # the training rows: one epoch
        if n < self._scanned:  # rewound or reset: rescan from the start
            self._ymax, self._ymin_pos, self._scanned = 0.0, math.inf, 0
        if n > self._scanned:
            new = losses[self._scanned:n]
            finite = new[np.isfinite(new)]
            if finite.size:
                self._ymax = max(self._ymax, float(finite.max()))
                positive = finite[finite > 0]
                if positive.size:
                    self._ymin_pos = min(self._ymin_pos, float(positive.min()))
            self._scanned = n
        now = time.perf_counter()
        n_rows = snapshot.n_rows
        if n != self._n and (force or self._due("rows", now)):
            # x arrays are made for this frame only (float32 is exact up to 16 million rows):
            # keeping a grown copy would cost memory for every row ever trained.
            self._feed("rows", now, lambda: self.rows_curve.setData(np.arange(1, n + 1, dtype=np.float32), losses))
            self._n = n
        if n_means != self._n_means and (force or self._due("epochs", now)):
            def feed_means():
                mean_x = np.arange(n_rows, (n_means + 1) * n_rows, n_rows, dtype=np.float32)[:n_means]
                few = 0 < n_means <= SYMBOLS_UP_TO
                self.epoch_curve.setSymbol("o" if few else None)
                self.epoch_curve.setSymbolSize(8 if few else 0)
                self.epoch_curve.setData(mean_x, means)
                self._feed_per_epoch(snapshot, mean_x, n_means)
            self._feed("epochs", now, feed_means)
            self._n_means = n_means
        self._target = snapshot.target_steps
        self._apply_ranges()

    def _feed_per_epoch(self, snapshot, x: np.ndarray, n_means: int) -> None:
        """The test loss and the accuracies after each epoch (NaN, where they do not apply, is not drawn)."""
        test = np.asarray(snapshot.epoch_test_losses)[:n_means]
        finite = np.isfinite(test)
        self.test_curve.setData(x[finite], test[finite])
        if finite.any():
            self._ymax = max(self._ymax, float(test[finite].max()))
            positive = test[finite & (test > 0)]
            if positive.size:
                self._ymin_pos = min(self._ymin_pos, float(positive.min()))
        if self._accuracy:
            for curve, values in ((self.train_accuracy_curve, snapshot.epoch_train_accuracy),
                                  (self.test_accuracy_curve, snapshot.epoch_test_accuracy)):
                values = np.asarray(values)[:n_means]
                finite = np.isfinite(values)
                curve.setData(x[finite], values[finite])

    def _due(self, curve: str, now: float) -> bool:
        last, cost = self._fed.get(curve, (0.0, 0.0))
        return now - last >= cost / CURVE_BUDGET

    def _feed(self, curve: str, now: float, feed) -> None:
        feed()
        self._fed[curve] = (now, time.perf_counter() - now)

    # ---- ranges that do not jump ---------------------------------------------------------------
    def _stop_following(self, *_) -> None:
        self._following = False

    def _apply_ranges(self, force: bool = False) -> None:
        if not self._following:
            return
        n_rows = self._epoch_axis.n_rows
        x_max = max(self._n, n_rows)
        if self._target and self._target >= x_max:
            x_max = self._target
        else:
            x_max = nice_ceil(x_max)
        if self._log:
            if self._ymax > 0 and math.isfinite(self._ymin_pos):
                top = math.ceil(math.log10(self._ymax) + 1e-9)
                bottom = max(math.floor(math.log10(self._ymin_pos)), top - LOG_DECADES)
                y_range = (bottom, max(top, bottom + 1))
            else:
                y_range = (-2, 1)
        else:
            y_range = (0.0, nice_ceil(self._ymax * 1.05) if self._ymax > 0 else 1.0)
        ranges = ((0.0, float(x_max)), (float(y_range[0]), float(y_range[1])))
        if force or ranges != self._ranges:
            self._ranges = ranges
            self.getViewBox().setRange(xRange=ranges[0], yRange=ranges[1], padding=0.02)

    def mouseDoubleClickEvent(self, event):  # noqa: N802 (Qt API)
        self.fit()
        event.accept()
        super().mouseDoubleClickEvent(event)

    def ranges(self):
        """((x0, x1), (y0, y1)) the plot follows (for tests)."""
        return self._ranges
