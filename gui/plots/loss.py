"""The live loss plot: every row's loss (faint), each epoch's mean (bold) and, when rows are
held out, the test rows' mean loss after each epoch; for classification a small plot below
shows each epoch's accuracy on the training rows and on the test rows.

The curves are created once and only fed data afterwards, and what they are fed is the
history folded into a few thousand points (gui.plots.decimate, updated from the new rows
only): a feed costs the same at row 10^6 as at row 10^4, and the curves hold no array as long
as the run (a million-row x array alone was 4 bytes a row). A hand zoom is re-fed, in detail,
from the part of the history it shows. pyqtgraph's own peak downsampling and a pen of width 1
keep the row curve cheap to paint. The grid has major lines only: every grid line costs
~0.2 ms to paint, minor ones made the axes the most expensive part of a frame.

Units: with standardised targets the run learns y' = (y − μ)/σ, and its losses are in those
units; every loss drawn (rows, epoch means, test) goes through the run's
TargetScaler.loss_to_table first, so the plot speaks the table's units as the status bar,
the table and the derivation do ("(table units)" on the axis). Where one number cannot say it
(outputs of different σ) the run's own loss is drawn, labelled "(standardised targets)".

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
from PySide6.QtGui import QFont, QFontMetrics

from gui import colors
from gui.plots.decimate import Summary, slice_points
from gui.plots.loss_axis import EpochAxis, nice_ceil
from gui.plots.style import PinnedLegend, apply_style, is_classifier, quiet
from gui.widgets.state_view import RenderWhenShown, subscribe

ROW_PEN = pg.mkPen(colors.qcolor(colors.BLUE, 0.55), width=1)
EPOCH_PEN = pg.mkPen(colors.VERMILLION, width=3)
TEST_PEN = pg.mkPen(colors.BLUISH_GREEN, width=3, style=Qt.PenStyle.DashLine)
ACCURACY_SHARE = 0.35  # of the height, for the accuracy plot under the loss (classification)
CURVE_BUDGET = 0.15  # at most this share of the time goes into re-feeding the curves
SYMBOLS_UP_TO = 60  # epoch-mean markers while there are at most this many epochs
LOG_DECADES = 14  # the log-scale y range never spans more than this
LEGEND_SHARE = 0.4  # a legend taller than this share of its plot goes into one row
LOSS_LABEL = {"se": "loss (y − ŷ)²", "half-se": "loss ½(y − ŷ)²", "bce": "loss (cross-entropy)"}


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
        for box in (self.getViewBox(), self.accuracy_plot.getViewBox()):
            box.sigResized.connect(self._fit_texts)
        self.getViewBox().sigRangeChangedManually.connect(self._stop_following)
        # A hand pan/zoom is drawn from the part of the history it shows, in detail.
        self.getViewBox().sigXRangeChanged.connect(self._view_moved)
        self._log = False
        self._following = True
        self._loss_name = self._base_name = "loss"
        self._titles_fit_for = None  # what the axis titles were last fitted to (they shorten to fit their plot)
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
        # The shared "rows trained" axis under the lower plot, not between the two.
        self.getPlotItem().showAxis("bottom", not on)
        acc.showAxis("bottom", on)

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
        self._fit_texts()

    # ---- settings ------------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        if setup is not None:
            self._epoch_axis.n_rows = max(1, int(setup.dataset.n_rows))
            self._base_name = LOSS_LABEL.get(setup.spec.loss, "loss")
            self._loss_name = self._base_name
            if setup.target_scaling != "none" and not is_classifier(setup.spec):
                # Drawn in the table's units, as every other view shows L (the first snapshot
                # says if one number cannot: outputs of different scales).
                self._loss_name += " (table units)"
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
        self._n = self._n_means = -1  # the whole run again
        self.request_render()
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
        self.accuracy_plot.getAxis("bottom").setStyle(tickFont=font, tickTextOffset=6, maxTickLevel=0)
        width = round(points * 6)
        item.getAxis("left").setWidth(width)
        self.accuracy_plot.getAxis("left").setWidth(width)
        self.legend.set_text_size(f"{points}pt")
        self.accuracy_legend.set_text_size(f"{points}pt")
        self._apply_labels()

    def _apply_labels(self) -> None:
        style = {"color": colors.INK, "font-size": f"{self._font_pt}pt"}
        item = self.getPlotItem()
        # Through the axes: PlotItem.setLabel would show the loss plot's bottom axis again.
        for axis in (item.getAxis("bottom"), self.accuracy_plot.getAxis("bottom")):
            axis.setLabel("rows trained", **style)
        item.setLabel("top", "epoch", **style)
        self._titles_fit_for = None
        self._fit_texts()

    def _fit_texts(self, *_args) -> None:
        """Axis titles no longer than their plot is high, legends in one row on a low plot: in the
        corner of a 1280 × 720 window the accuracy's title ran into the loss's, and the legends
        covered the curves."""
        loss_box, acc_box = self.getViewBox(), self.accuracy_plot.getViewBox()
        units = self._loss_name != self._base_name  # "(table units)": kept as long as anything is
        shorter = ("loss (table units)",) if units else (self._base_name,)
        wanted = ((self._loss_name, *shorter, "loss"), ("accuracy", "acc."))
        key = (self._font_pt, wanted, loss_box.height(), acc_box.height())
        if key != self._titles_fit_for:
            self._titles_fit_for = key
            style = {"color": colors.INK, "font-size": f"{self._font_pt}pt"}
            for item, options in zip((self.getPlotItem(), self.accuracy_plot), wanted):
                # A title is centred on its view box and may reach as far into the axes above and
                # below as both have (the loss's alone: none below it when the accuracy is there).
                box, frame = item.getViewBox().geometry(), item.rect()
                above = box.top() - frame.top() if item.getAxis("top").isVisible() else 0.0
                below = frame.bottom() - box.bottom() if item.getAxis("bottom").isVisible() else 0.0
                room = box.height() + 2 * max(0.0, min(above, below))
                axis = item.getAxis("left")
                for text in options:  # measured as drawn: the title's own text item
                    axis.setLabel(text, **style)
                    if axis.label.boundingRect().width() <= room:
                        break
        font = QFont()
        font.setPointSizeF(self._font_pt)
        line = QFontMetrics(font).height()
        for legend, box in ((self.legend, loss_box), (self.accuracy_legend, acc_box)):
            legend.set_one_row(len(legend.items) * line * 1.5 > LEGEND_SHARE * box.height())

    # ---- data ------------------------------------------------------------------------------
    def _clear(self) -> None:
        for curve in (self.rows_curve, self.epoch_curve, self.test_curve,
                      self.train_accuracy_curve, self.test_accuracy_curve):
            curve.setData([], [])
        self._n = self._n_means = self._scanned = self._scanned_tests = 0
        self._rows_summary, self._epoch_summary = Summary("peak"), Summary("mean")
        self._test_summary, self._train_acc_summary, self._test_acc_summary = (
            Summary("mean"), Summary("mean"), Summary("mean"))
        self._scaler_seen = self._to_table = None
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

    def _units(self, snapshot) -> None:
        """How this run's losses become the table's: TargetScaler.loss_to_table, when the targets
        are standardised and one number can say it (else the run's own loss, labelled so)."""
        scaler, setup = snapshot.target_scaler, self.state.setup
        to_table, label = None, self._base_name
        if (scaler is not None and not scaler.is_identity and setup is not None
                and not is_classifier(setup.spec)):
            loss = setup.spec.loss
            if scaler.loss_to_table(1.0, loss) is None:
                label += " (standardised targets)"
            else:
                def to_table(values, scaler=scaler, loss=loss):
                    return scaler.loss_to_table(values, loss)
                label += " (table units)"
        self._to_table = to_table
        if label != self._loss_name:
            self._loss_name = label
            self._apply_labels()

    def _table(self, values):
        """Losses as plotted: in the table's units where the run's targets are standardised."""
        return values if self._to_table is None else self._to_table(values)

    def _feed_curves(self, snapshot, force: bool) -> None:
        """Feed the curves the run's latest buffers, summarised (gui.plots.decimate).

        A feed costs the rows trained since the last one plus the few thousand points drawn;
        each curve is still re-fed at most as often as keeps that work under CURVE_BUDGET of the
        time; the axes and ranges follow on every frame. `force` feeds all at once (whenever the
        run is not training)."""
        if snapshot.target_scaler is not self._scaler_seen:
            self._scaler_seen = snapshot.target_scaler
            self._units(snapshot)
            self._n = self._n_means = -1  # re-feed in the new units
        losses, means = snapshot.losses, snapshot.epoch_means
        n, n_means = losses.shape[0], means.shape[0]
        self._epoch_axis.n_rows = max(1, int(snapshot.n_rows))  # the training rows: one epoch
        if n < self._scanned:  # rewound or reset: rescan from the start
            self._ymax, self._ymin_pos, self._scanned = 0.0, math.inf, 0
        if n > self._scanned:
            self._scan(losses[self._scanned:n])
            self._scanned = n
        now = time.perf_counter()
        if n != self._n and (force or self._due("rows", now)):
            self._feed("rows", now, lambda: self._feed_rows(losses))
            self._n = n
        if n_means != self._n_means and (force or self._due("epochs", now)):
            self._feed("epochs", now, lambda: self._feed_epochs(snapshot, n_means))
            self._n_means = n_means
        self._target = snapshot.target_steps
        self._apply_ranges()

    def _scan(self, new: np.ndarray) -> None:
        """Widen the y extent (kept in the run's own units) to hold `new` losses."""
        finite = new[np.isfinite(new)]
        if finite.size:
            self._ymax = max(self._ymax, float(finite.max()))
            positive = finite[finite > 0]
            if positive.size:
                self._ymin_pos = min(self._ymin_pos, float(positive.min()))

    def _visible_rows(self, x_step: float, n: int) -> tuple[int, int] | None:
        """The values in the x range a hand pan/zoom shows (None while the plot follows the run:
        then it shows all of it)."""
        if self._following:
            return None
        (x0, x1), _ = self.getViewBox().viewRange()
        return max(0, math.floor(x0 / x_step) - 2), min(n, math.ceil(x1 / x_step) + 1)

    def _points(self, summary: Summary, values: np.ndarray, x_step: float, loss: bool = True):
        """(x, y) to draw for `values`: the whole run summarised, or in detail what a hand zoom shows;
        losses in the plot's units, only the finite points."""
        view = self._visible_rows(x_step, values.shape[0])
        if view is None:
            summary.update(values)
            x, y = summary.points(values, x_step)
        else:
            x, y = slice_points(values, *view, method=summary.method, x_step=x_step)
        y = self._table(y) if loss else y
        finite = np.isfinite(y)
        return (x, y) if finite.all() else (x[finite], y[finite])

    def _feed_rows(self, losses: np.ndarray) -> None:
        self.rows_curve.setData(*self._points(self._rows_summary, losses, 1.0))

    def _feed_epochs(self, snapshot, n_means: int) -> None:
        few = 0 < n_means <= SYMBOLS_UP_TO
        self.epoch_curve.setSymbol("o" if few else None)
        self.epoch_curve.setSymbolSize(8 if few else 0)
        step = float(snapshot.n_rows)
        self.epoch_curve.setData(*self._points(self._epoch_summary, snapshot.epoch_means, step))
        self._feed_per_epoch(snapshot, n_means, step)

    def _feed_per_epoch(self, snapshot, n_means: int, step: float) -> None:
        """The test loss and the accuracies after each epoch, where they apply (the snapshot's
        arrays read NaN where they do not: nothing is drawn for them)."""
        setup = self.state.setup
        tested = setup is not None and setup.test_fraction > 0
        if tested:
            test = snapshot.epoch_test_losses[:n_means]
            if self._scanned_tests > n_means:
                self._scanned_tests = 0
            self._scan(test[self._scanned_tests:])
            self._scanned_tests = n_means
            self.test_curve.setData(*self._points(self._test_summary, test, step))
        if self._accuracy and setup is not None and is_classifier(setup.spec):
            self.train_accuracy_curve.setData(
                *self._points(self._train_acc_summary, snapshot.epoch_train_accuracy[:n_means], step, loss=False))
            if tested:
                self.test_accuracy_curve.setData(
                    *self._points(self._test_acc_summary, snapshot.epoch_test_accuracy[:n_means], step, loss=False))

    def _due(self, curve: str, now: float) -> bool:
        last, cost = self._fed.get(curve, (0.0, 0.0))
        return now - last >= cost / CURVE_BUDGET

    def _feed(self, curve: str, now: float, feed) -> None:
        feed()
        self._fed[curve] = (now, time.perf_counter() - now)

    # ---- ranges that do not jump ---------------------------------------------------------------
    def _stop_following(self, *_) -> None:
        self._following = False
        self._view_moved()

    def _view_moved(self, *_) -> None:
        if not self._following:
            self._n = self._n_means = -1  # re-feed what is now in view
            self.request_render()

    def _apply_ranges(self, force: bool = False) -> None:
        if not self._following:
            return
        n_rows = self._epoch_axis.n_rows
        x_max = max(self._n, n_rows)
        if self._target and self._target >= x_max:
            x_max = self._target
        else:
            x_max = nice_ceil(x_max)
        # The extent is kept in the run's own units; loss_to_table keeps order (×σ², σ > 0).
        ymax = min(float(self._table(self._ymax)), 1e300)  # σ² × a huge loss may pass the largest float
        ymin_pos = float(self._table(self._ymin_pos)) if math.isfinite(self._ymin_pos) else math.inf
        if self._log:
            if ymax > 0 and math.isfinite(ymin_pos) and ymin_pos > 0:
                top = math.ceil(math.log10(ymax) + 1e-9)
                bottom = max(math.floor(math.log10(ymin_pos)), top - LOG_DECADES)
                y_range = (bottom, max(top, bottom + 1))
            else:
                y_range = (-2, 1)
        else:
            y_range = (0.0, nice_ceil(ymax * 1.05) if ymax > 0 else 1.0)
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
