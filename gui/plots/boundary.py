"""The classifier's decision boundary over its two inputs, in the table's own units, live while
training; and what it shares with the regression pictures (gui.plots.fit).

A heat map of P(class 1) (a lightened cividis: dark blue near 0, yellow near 1) over the two
RAW inputs, the boundary P = 0.5 as a thick black line, the table's rows as points (class 0:
blue circles, class 1: orange triangles; training rows filled, held-out test rows hollow; a
black ring around every row the network gets wrong) and the accuracy on both. Numbers come
from engine.boundary and engine.contours.

`LivePicture` is the part every picture shares. It reads the application state: the problem
from `state.setup` (split and scaled as the run trains on it, `Problem`), and the parameters
from `state.shown.params` (the one moment every view shows) or, while a run is training,
from `state.history.params` (the trainer's latest: when training flat out, the window moves
only the history each frame, not the shown moment). Redrawing happens only while the view is
visible, at most MAX_GRID_HZ times a second. While a run trains, the picture is drawn at once
in the frame that brings the new parameters: the window's frame pacer (gui.pacing) has parked
the trainer's thread then, so the grid's numpy work and the paint do not fight it for the
interpreter lock (a redraw from a timer of its own would, and would cost training twice);
a grid of LIVE_GRID_POINTS² then, and the fine one once the run stops. Otherwise (scrubbing
the timeline, edits) a superqt throttle spaces the redraws.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from engine.boundary import THRESHOLD, boundary_grid, padded_range
from engine.contours import contour_xy
from engine.landscape import theta_of
from engine.network import Network
from engine.notation import fmt
from engine.spec import NetworkSpec
from gui import colors
from gui.plots.style import (
    ColorScale,
    PinnedLegend,
    Problem,
    apply_style,
    is_classifier,
    label_style,
    quiet,
    style_ticks,
    tick_font,
)
from gui.widgets.font_scale import FontScaled
from gui.widgets.state_view import RenderWhenShown, subscribe

MAX_GRID_HZ = 20  # redraws a second at most (a 161² grid of a 2-8-8-1 net takes ~8 ms, 101²: ~3 ms)
GRID_POINTS = 161  # one point through the network each: cheap, and a smoother picture
LIVE_GRID_POINTS = 101  # while a run trains: a new picture 10-20 times a second costs training 2.5× less
LIGHTEN = 0.45  # mix the heat map with this much white, so the points stand out


def pastel_map(name: str = "cividis", lighten: float = LIGHTEN) -> pg.ColorMap:
    base = pg.colormap.get(name)
    pos = np.linspace(0.0, 1.0, 16)
    rgba = base.map(pos, mode="float")
    rgba[:, :3] = rgba[:, :3] * (1 - lighten) + lighten
    return pg.ColorMap(pos, (rgba * 255).astype(np.ubyte))


def point_size(n_rows: int) -> int:
    """Symbol size in pixels: big for the students' four rows, small enough for a 1000-point spiral."""
    return 17 if n_rows <= 40 else 11 if n_rows <= 200 else 8


def image_rect(vx: np.ndarray, vy: np.ndarray) -> QRectF:
    """The rectangle an n × n image covers so that pixel (i, j) is centred on (vx[i], vy[j])."""
    dx = (vx[-1] - vx[0]) / (len(vx) - 1)
    dy = (vy[-1] - vy[0]) / (len(vy) - 1)
    return QRectF(vx[0] - dx / 2, vy[0] - dy / 2, vx[-1] - vx[0] + dx, vy[-1] - vy[0] + dy)


def hollow_row_sample() -> pg.ScatterPlotItem:
    """The legend's sample for "hollow = a test row" (never given data)."""
    return pg.ScatterPlotItem(symbol="o", size=12, brush=pg.mkBrush(255, 255, 255), pen=pg.mkPen(colors.INK, width=2))


class LivePicture(FontScaled, RenderWhenShown, QWidget):
    """What the live pictures share: a message page or a plot page, the problem and the run's rows,
    the parameters to draw (shown moment, or the run's latest while training), a throttled redraw.

    Subclasses build `self.plot_page`, and implement `_applies(spec) -> str | None` (None, or why
    there is no picture), `_new_problem()` (the setup changed and a picture applies) and
    `_draw(precision)`. `updated()` is emitted after every redraw.
    """

    updated = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        apply_style()
        self.state = state
        self._problem: Problem | None = None
        self._net: Network | None = None
        self._theta: np.ndarray | None = None
        self._drawn = None  # (theta bytes, precision, grid) the picture on screen was computed for
        self._drawn_at = -1.0  # time.perf_counter() of the last redraw
        self._draw_soon = qthrottled(self._redraw, timeout=1000 // MAX_GRID_HZ, leading=True, parent=self)
        # while training: a frame that came too soon after the last redraw is caught up by the next
        # frame; this catches the last one should no other frame come
        self._catch_up = QTimer(self, singleShot=True, interval=2 * 1000 // MAX_GRID_HZ)
        self._catch_up.timeout.connect(self.request_render)

    def _start(self) -> None:
        """Subscribe and draw the state as it is (call at the end of the subclass's __init__)."""
        self._apply_font()
        subscribe(self, self.state.events.setup, self._setup_changed)
        subscribe(self, self.state.events.shown, self._shown_changed)
        subscribe(self, self.state.events.history, self._history_changed)
        subscribe(self, self.state.events.precision, self.request_render)
        subscribe(self, self.state.events.history, self._running_changed)
        self._setup_changed(self.state.setup)

    def _build_pages(self, header: QLabel, color_bar: QWidget) -> None:
        """The header over either the picture (plot with its colour scale beside it) or a message."""
        self.plot_page = QWidget(self)
        row = QHBoxLayout(self.plot_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.plot, 1)
        row.addWidget(color_bar)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.plot_page)
        self.stack.addWidget(self.message)
        self.header = header
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(header)
        layout.addWidget(self.stack, 1)

    # ---- the state ------------------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        self._problem = problem = Problem.of(setup)
        self._theta = self._drawn = self._net = None
        if problem is None:
            return
        why = self._applies(problem.spec)
        if why is not None:
            self._say(why)
            return
        self._net = Network(problem.spec)
        self.stack.setCurrentWidget(self.plot_page)
        self._new_problem()
        self._apply_labels()
        self._shown_changed(self.state.shown)

    def _shown_changed(self, moment) -> None:
        if self._net is None or (self.state.running and self._theta is not None):
            return  # while a run trains, its latest parameters (the history) are drawn
        if moment is not None and moment.spec == self._problem.spec:
            self._theta = theta_of(self._problem.spec, moment.params)
        elif self._theta is None:
            self._theta = self._problem.theta0.copy()
        self.request_render()

    def _history_changed(self, snapshot) -> None:
        # Only a running run's latest parameters: otherwise the shown moment says which to draw
        # (a rewind, an edit, a prediction), and the controller sets it right after the history.
        if self._net is None or snapshot is None or not snapshot.running:
            return
        params, spec = snapshot.params, self._problem.spec
        if len(params) == spec.n_params and spec.param_names[0] in params:  # not a stale run's
            self._theta = theta_of(spec, params)
            self.request_render()

    def theta(self) -> np.ndarray | None:
        """The parameters the picture is (or is about to be) drawn for."""
        return None if self._theta is None else self._theta.copy()

    def refresh_now(self) -> None:
        """Redraw now, shown or not (ignores the throttle)."""
        self._redraw(force=True)

    def _running_changed(self, snapshot) -> None:
        if self._drawn is not None and self._drawn[2] != self.grid_points():
            self.request_render()  # the run stopped: the fine grid

    def grid_points(self) -> int:
        """Points per axis of the grid drawn now: coarser while a run trains."""
        return LIVE_GRID_POINTS if self.state.running else GRID_POINTS

    def render_state(self) -> None:
        if self._net is None or self._theta is None \
                or (self._theta.tobytes(), self.state.precision, self.grid_points()) == self._drawn:
            return
        if self.state.running:
            # frames come every ~30-45 ms: one a little early for MAX_GRID_HZ still draws (else
            # only every other frame would, ~11 a second)
            if time.perf_counter() - self._drawn_at >= 0.7 / MAX_GRID_HZ:
                self._redraw()  # now, in the pacer's frame
            else:
                self._catch_up.start()
        else:
            self._draw_soon()

    def _redraw(self, force: bool = False) -> None:
        if self._net is None or self._theta is None:
            return
        if not (force or self.isVisible()):
            self.request_render()  # hidden since the request: catch up when shown
            return
        self._catch_up.stop()
        self._drawn_at = time.perf_counter()
        self._net.set_theta(self._theta)
        self._drawn = (self._theta.tobytes(), self.state.precision, self.grid_points())
        self._draw(self.state.precision)
        self.updated.emit()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.header.setText("")
        self.stack.setCurrentWidget(self.message)

    # ---- helpers for the subclasses ------------------------------------------------------------------
    def _test_mask(self) -> np.ndarray:
        """True for every table row held out for testing."""
        mask = np.zeros(self._problem.X_raw.shape[0], dtype=bool)
        mask[self._problem.test_rows] = True
        return mask

    def _input_names(self, n: int) -> tuple[str, ...]:
        names = () if self._problem is None else self._problem.input_names
        return names if len(names) == n else tuple(f"x{k}" for k in range(1, n + 1))

    @property
    def _target_name(self) -> str:
        names = () if self._problem is None else self._problem.target_names
        return names[0] if names else "y"

    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        self.message.setFont(font)
        big = QFont(font)
        big.setPixelSize(round(px * 1.15))
        self.header.setFont(big)
        self._apply_plot_font(px)
        self._apply_labels()

    def _apply_plot_font(self, px: int) -> None:
        raise NotImplementedError

    def _apply_labels(self) -> None:
        raise NotImplementedError


class BoundaryView(LivePicture):
    """objectName 'boundaryView': P(class 1) over the two raw inputs, the rows, the accuracy.

    BoundaryView(state, parent=None) subscribes to state.setup (the problem), state.shown and
    state.history (the parameters) and state.precision. Public: refresh_now(), theta(),
    boundary() -> engine.boundary.BoundaryGrid | None (last drawn), accuracy_text(),
    test_points() -> (x, y) of the rows drawn hollow, set_font_scale(factor). Signal updated()
    after every redraw. Only 2-input classifiers (sigmoid output or cross-entropy loss) have
    a boundary; otherwise the view says why.
    """

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.setObjectName("boundaryView")
        self.setAccessibleName("Decision boundary")
        self._ranges = None
        self._boundary = None
        self._build()
        self._start()

    def _build(self) -> None:
        self.accuracy_label = QLabel(self)
        self.accuracy_label.setObjectName("boundaryAccuracy")
        self.accuracy_label.setTextFormat(Qt.RichText)
        self.accuracy_label.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("boundaryPlot")
        item = quiet(self.plot.getPlotItem())
        self.image = pg.ImageItem()
        item.addItem(self.image)
        cmap = pastel_map()
        self.image.setColorMap(cmap)
        self.color_bar = ColorScale(cmap)
        self.color_bar.setObjectName("boundaryColorScale")
        boundary_pen = pg.mkPen(colors.INK, width=3)
        boundary_pen.setCapStyle(Qt.RoundCap)
        self.boundary_line = pg.PlotDataItem(pen=boundary_pen, connect="pairs")
        # Training rows filled, test rows hollow (the class's colour as a thick outline).
        self.points = [
            pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(colors.BLUE), pen=pg.mkPen("w", width=1.5)),
            pg.ScatterPlotItem(symbol="t1", brush=pg.mkBrush(colors.ORANGE), pen=pg.mkPen(colors.INK, width=1.5)),
        ]
        self.hollow = [
            pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(255, 255, 255, 200), pen=pg.mkPen(colors.BLUE, width=2.5)),
            pg.ScatterPlotItem(symbol="t1", brush=pg.mkBrush(255, 255, 255, 200),
                               pen=pg.mkPen(colors.VERMILLION, width=2.5)),
        ]
        # The legend's sample for "hollow = test row" (never given data).
        self.test_sample = hollow_row_sample()
        self.wrong = pg.ScatterPlotItem(symbol="o", brush=None, pen=pg.mkPen(colors.INK, width=1.5))
        for z, it in enumerate((self.boundary_line, self.wrong, *self.points, *self.hollow)):
            it.setZValue(10 + z)
            item.addItem(it)
        self.legend = PinnedLegend(item.getViewBox(), "top-left", pen=pg.mkPen(colors.MUTED))

        self._build_pages(self.accuracy_label, self.color_bar)
        self.message.setObjectName("boundaryMessage")
        self._say("Load a classification network and a table to see its decision boundary.")

    # ---- the problem ------------------------------------------------------------------------------
    def _applies(self, spec: NetworkSpec) -> str | None:
        if not is_classifier(spec):
            return ("The decision boundary belongs to classification: switch the task to "
                    "classification (sigmoid output, binary cross-entropy). A regression network's "
                    "picture is its fitted curve or surface.")
        if spec.n_inputs != 2:
            return (f"A decision boundary is drawn over two inputs, one per axis; this network has "
                    f"{spec.n_inputs}, and a picture over {spec.n_inputs} inputs cannot be drawn flat. "
                    "Choose a table with two inputs (xor, circles, gauss, spiral) to see one.")
        return None

    def _new_problem(self) -> None:
        self._boundary = None
        X_raw, Y = self._problem.X_raw, self._problem.Y_raw
        self._ranges = (padded_range(X_raw[:, 0]), padded_range(X_raw[:, 1]))
        cls, test = Y[:, 0] >= THRESHOLD, self._test_mask()
        size = point_size(X_raw.shape[0])
        for k in (0, 1):
            for scatter, rows in ((self.points[k], (cls == bool(k)) & ~test),
                                  (self.hollow[k], (cls == bool(k)) & test)):
                scatter.setData(X_raw[rows, 0], X_raw[rows, 1], size=size + 2 * k)
        self._ring_size = size + 7
        self.wrong.setData([], [])
        self._write_legend()

    def _write_legend(self) -> None:
        name = self._target_name
        entries = [(self.points[0], f"{name} = 0"), (self.points[1], f"{name} = 1")]
        if self._problem is not None and self._problem.test_rows.size:
            entries.append((self.test_sample, "hollow: test row"))
        self.legend.set_entries([*entries, (self.boundary_line, f"P = {fmt(THRESHOLD)}")])

    def boundary(self):
        return self._boundary

    def accuracy_text(self) -> str:
        return self.accuracy_label.text()

    def test_points(self) -> tuple[np.ndarray, np.ndarray]:
        """(x1, x2) of every row drawn hollow, as a test row."""
        xs = [s.getData()[0] for s in self.hollow]
        ys = [s.getData()[1] for s in self.hollow]
        return np.concatenate(xs), np.concatenate(ys)

    # ---- drawing -------------------------------------------------------------------------------
    def _draw(self, d: int) -> None:
        problem = self._problem
        g = boundary_grid(self._net, problem.X_raw, problem.Y_raw, problem.scaler, n=self.grid_points(),
                          range_x=self._ranges[0], range_y=self._ranges[1])
        self._boundary = g
        vx, vy = g.values_x, g.values_y
        prob = np.nan_to_num(g.prob, nan=0.5)
        self.image.setImage(prob, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(image_rect(vx, vy))
        self.boundary_line.setData(*contour_xy(prob, [THRESHOLD], vx, vy))
        wrong = ~g.row_right
        self.wrong.setData(problem.X_raw[wrong, 0], problem.X_raw[wrong, 1], size=self._ring_size)
        self.plot.getPlotItem().setRange(xRange=(vx[0], vx[-1]), yRange=(vy[0], vy[-1]), padding=0)
        self.accuracy_label.setText(self._accuracy_html(g, int(wrong.sum()), d))

    def _accuracy_html(self, g, n_wrong: int, d: int) -> str:
        ringed = f"; the {n_wrong} ringed ◯ {'is' if n_wrong == 1 else 'are'} wrong" if n_wrong else ""
        name = self._target_name
        rule = (f"<br><span style='color:{colors.MUTED}'>A row counts as {name} = 1 when "
                f"P ≥ {fmt(THRESHOLD, d)}: the black line.</span>")
        test_rows = self._problem.test_rows
        if not test_rows.size:
            return (f"Accuracy on the table: <b>{g.correct} of {g.total}</b> rows right "
                    f"(<b>{fmt(100.0 * g.accuracy, d)} %</b>){ringed}.{rule}")
        parts = []
        for label, rows in (("training", self._problem.train_rows), ("test (hollow)", test_rows)):
            right, total = g.rows_right(rows)
            parts.append(f"{label} <b>{right} of {total}</b> (<b>{fmt(100.0 * right / total, d)} %</b>)")
        return f"Rows right: {', '.join(parts)}{ringed}.{rule}"

    # ---- fonts -----------------------------------------------------------------------------------
    def _apply_labels(self) -> None:
        names = self._input_names(2)
        style = label_style(self.scaled_pixels())
        item = self.plot.getPlotItem()
        item.setLabel("bottom", f"{names[0]} (x<sub>1</sub>, raw units)", **style)
        item.setLabel("left", f"{names[1]} (x<sub>2</sub>, raw units)", **style)
        self.color_bar.set_label(f"P({self._target_name} = 1)", **style)
        self.color_bar.align_to(item.getAxis("bottom"))

    def _apply_plot_font(self, px: int) -> None:
        tick = tick_font(px - 2)
        style_ticks(self.plot.getPlotItem(), tick)
        self.color_bar.set_tick_font(tick, int(tick.pixelSize() * 3.6))
        self.color_bar.set_range(0.0, 1.0, [(v, fmt(v)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)])
        self.legend.set_text_size(f"{px}px")
