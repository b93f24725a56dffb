"""The loss landscape: a heat map of the mean loss as two chosen parameters vary.

Left: the mean loss over the table on a grid of two parameters (the rest fixed at the
current point's values) as a viridis heat map on a log scale with contour lines, the SGD
path of the run, the current point (●) and the grid's lowest point (★). Right: the slice
along the X parameter through the current point, with the tangent whose slope is the
gradient SGD uses. Every number comes from engine.landscape and engine.contours; this
module only draws it.

The view reads the application state: the table, network and scaling from `state.setup`,
the current point from `state.shown.params` (the parameters the shown forward pass used),
the SGD path from the records of `state.history` (each new row adds its parameters after
the update; a row that is not after the last one seen — a reset, a step back — restarts
the path).

Costs: the grid and the slice (engine.landscape_job: every point is one parameter vector's
mean loss over the whole table) are recomputed through a superqt throttle, at most
MAX_GRID_HZ times a second and never more than a quarter of the time (slow tables lower the
rate and the resolution), and only while the view is visible. One refresh runs as a job in
CHUNK_BUDGET_S slices of the GUI thread, each from a zero-timer, so the event loop answers
between them however big the table (a 1 000-row table on a 4 × 8 network needs ~0.13 s for
even an 11² grid and its slice); the finished job is drawn in one go, never half a map. The
grid's side is chosen before a job starts, from what the last one cost per point, row and
parameter, aiming at GRID_BUDGET_S a refresh (never below MIN_GRID_POINTS a side). The plot
items are created once and afterwards only fed data; all contour levels are one curve item
(connect="pairs").
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from engine.contours import contour_levels, contour_xy, decade_ticks, log_colour_values
from engine.landscape import GRID_POINTS, SLICE_POINTS, follow_range, theta_of
from engine.landscape_job import LandscapeJob, seconds_per_point
from engine.network import Network
from engine.notation import fmt
from gui import colors
from gui.plots.style import ColorScale, Problem, apply_style, label_style, name_html, quiet, style_ticks, tick_font
from gui.widgets.font_scale import FontScaled
from gui.widgets.state_view import RenderWhenShown, subscribe

MAX_GRID_HZ = 10
MAX_BUSY_FRACTION = 0.25  # the grid may use at most this share of the GUI thread
MIN_GRID_POINTS = 11  # coarse, but still a picture of the valley
GRID_BUDGET_S = 0.1  # what one refresh (grid + slice) should cost the GUI thread in all
CHUNK_BUDGET_S = 0.03  # ... in pieces of this much, with the event loop answering in between (limit 100 ms)
CONTOUR_LEVELS = 7
PATH_FLOATS = 4_000_000  # the SGD path keeps at most this many floats (then halves its resolution)
HEAT_MAP = "viridis"


class LandscapeView(FontScaled, RenderWhenShown, QWidget):
    """objectName 'landscapeView': the loss landscape of two chosen parameters, plus a slice.

    LandscapeView(state, parent=None) subscribes to state.setup (a new problem: axes reset,
    path cleared), state.shown (the current point), state.history (the SGD path) and
    state.precision (the captions). Public:
      set_params(x_name, y_name) / params()   the two parameters on the axes (combo boxes
                                              'landscapeParamX', 'landscapeParamY'); the slice
                                              follows the X parameter
      path_points() -> (m, 2)                 the SGD path on the two chosen parameters
      refresh_now()                           recompute the grid at once (ignores the throttle)
      grid() -> engine.landscape.LossGrid | None, slice() -> LossSlice | None   (last drawn)
      set_font_scale(factor)                  presentation mode
    Signal updated() after every recompute of the grid.
    """

    updated = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        apply_style()
        self.state = state
        self.setObjectName("landscapeView")
        self.setAccessibleName("Loss landscape")
        self._problem: Problem | None = None
        self._net: Network | None = None
        self._theta: np.ndarray | None = None  # the current point
        self._px: str | None = None
        self._py: str | None = None
        self._range_x: tuple[float, float] | None = None
        self._range_y: tuple[float, float] | None = None
        self._grid = None
        self._slice = None
        self._drawn_key = None  # what the grid on screen was computed for
        self._n = GRID_POINTS
        self._unit_cost: float | None = None  # seconds per point × row × parameter, last measured
        self._job: LandscapeJob | None = None  # the refresh being computed, a chunk per event-loop turn
        self._job_key = None  # what it is computed for
        self._next_chunk = QTimer(self, singleShot=True, interval=0)
        self._next_chunk.timeout.connect(self._advance_job)
        self._last_record = None
        self._last_step = -1
        self._path = np.empty((0, 0))
        self._path_n = 0
        self._grid_soon = qthrottled(self._recompute, timeout=1000 // MAX_GRID_HZ, leading=True, parent=self)
        self._build()
        self._apply_font()
        subscribe(self, state.events.setup, self._setup_changed)
        subscribe(self, state.events.shown, self._shown_changed)
        subscribe(self, state.events.history, self._history_changed)
        subscribe(self, state.events.precision, self.request_render)
        self._setup_changed(state.setup)

    # ---- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        self.x_combo = QComboBox(self)
        self.x_combo.setObjectName("landscapeParamX")
        self.x_combo.setToolTip("The parameter along the horizontal axis (and the slice)")
        self.y_combo = QComboBox(self)
        self.y_combo.setObjectName("landscapeParamY")
        self.y_combo.setToolTip("The parameter along the vertical axis")
        for combo in (self.x_combo, self.y_combo):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
            combo.currentTextChanged.connect(self._on_combo)
        self._x_label = QLabel("Horizontal:", self)
        self._y_label = QLabel("Vertical:", self)
        self._hint = QLabel("others stay at their current values", self)
        self._hint.setStyleSheet(f"color: {colors.MUTED};")
        self._hint.setWordWrap(True)
        self._hint.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # never widens the view
        controls = QHBoxLayout()
        controls.addWidget(self._x_label)
        controls.addWidget(self.x_combo)
        controls.addSpacing(16)
        controls.addWidget(self._y_label)
        controls.addWidget(self.y_combo)
        controls.addSpacing(16)
        controls.addWidget(self._hint, 1)

        # Heat map, contours, path, current point, minimum.
        self.map_plot = pg.PlotWidget(self)
        self.map_plot.setObjectName("landscapeMap")
        item = quiet(self.map_plot.getPlotItem())
        self.image = pg.ImageItem()
        item.addItem(self.image)
        cmap = pg.colormap.get(HEAT_MAP)
        self.image.setColorMap(cmap)
        self.color_bar = ColorScale(cmap, self)
        self.color_bar.setObjectName("landscapeColorScale")
        self.contours = pg.PlotDataItem(pen=pg.mkPen(255, 255, 255, 150, width=1), connect="pairs")
        self.slice_line = pg.InfiniteLine(angle=0, movable=False,
                                          pen=pg.mkPen(255, 255, 255, 200, width=2, style=Qt.DashLine))
        self.path = pg.PlotDataItem(pen=pg.mkPen(255, 255, 255, 230, width=2))
        self.path_start = pg.ScatterPlotItem(symbol="s", size=11, brush=pg.mkBrush("w"), pen=pg.mkPen(colors.INK))
        self.minimum = pg.ScatterPlotItem(symbol="star", size=24, brush=pg.mkBrush("w"),
                                          pen=pg.mkPen(colors.INK, width=1.5))
        self.current = pg.ScatterPlotItem(symbol="o", size=16, brush=pg.mkBrush(colors.VERMILLION),
                                          pen=pg.mkPen("w", width=2.5))
        items = (self.contours, self.slice_line, self.path, self.path_start, self.minimum, self.current)
        for z, it in enumerate(items):
            it.setZValue(10 + z)
            item.addItem(it)

        # The slice with its tangent.
        self.slice_plot = pg.PlotWidget(self)
        self.slice_plot.setObjectName("landscapeSlice")
        sitem = quiet(self.slice_plot.getPlotItem())
        sitem.showGrid(x=True, y=True, alpha=0.15)
        self.slice_curve = sitem.plot(pen=pg.mkPen(colors.BLUE, width=3))
        self.tangent = pg.PlotDataItem(pen=pg.mkPen(colors.VERMILLION, width=3, style=Qt.DashLine))
        sitem.addItem(self.tangent, ignoreBounds=True)
        self.slice_point = pg.ScatterPlotItem(symbol="o", size=14, brush=pg.mkBrush(colors.VERMILLION),
                                              pen=pg.mkPen(colors.INK, width=1.5))
        sitem.addItem(self.slice_point)

        self.map_caption = QLabel(self)
        self.map_caption.setObjectName("landscapeCaption")
        self.slice_caption = QLabel(self)
        self.slice_caption.setObjectName("landscapeSliceCaption")
        for label in (self.map_caption, self.slice_caption):
            label.setWordWrap(True)
            label.setTextFormat(Qt.RichText)
            label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
            label.setAlignment(Qt.AlignTop | Qt.AlignLeft)

        map_row = QHBoxLayout()
        map_row.setSpacing(6)
        map_row.addWidget(self.map_plot, 1)
        map_row.addWidget(self.color_bar)
        grid = QGridLayout()
        grid.addLayout(map_row, 0, 0)
        grid.addWidget(self.slice_plot, 0, 1)
        grid.addWidget(self.map_caption, 1, 0)
        grid.addWidget(self.slice_caption, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addLayout(grid, 1)
        self._show_message("Load a network and a table to see its loss landscape.")

    # ---- the state ------------------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        problem = Problem.of(setup)
        same_net = self._problem is not None and problem is not None and problem.spec == self._problem.spec
        self._problem = problem
        self._grid = self._slice = self._drawn_key = self._theta = self._job = None
        self._n = GRID_POINTS
        self._range_x = self._range_y = None
        self._clear_path()
        self._n = self._affordable(GRID_POINTS)
        if problem is None:
            self._net = None
            return
        spec = problem.spec
        self._net = Network(spec)
        x, y = (self._px, self._py) if same_net else self._default_params(spec)  # a new net: its valley
        for combo, value in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(spec.param_names)
            combo.setCurrentText(value)
            combo.blockSignals(False)
        self._px, self._py = x, y
        self._apply_axis_labels()
        self._shown_changed(self.state.shown)
        self._history_changed(self.state.history)

    def _shown_changed(self, moment) -> None:
        problem = self._problem
        if problem is None:
            return
        if moment is not None and moment.spec == problem.spec:
            self._theta = theta_of(problem.spec, moment.params)
        elif self._theta is None:
            self._theta = problem.theta0.copy()
        self.request_render()

    def _history_changed(self, history) -> None:
        """Extend the SGD path with the run's latest row (cheap: done even while hidden)."""
        problem = self._problem
        if problem is None:
            return
        record = None if history is None else history.record
        if record is None or record.spec != problem.spec:
            if history is None or history.steps == 0:
                self._clear_path()
        elif record is not self._last_record:
            if record.step <= self._last_step:
                self._clear_path()
            if self._path_n == 0:
                self._add_path_point(record.theta_before)
            self._add_path_point(record.theta_after)
            self._last_record, self._last_step = record, record.step
        self.request_render()

    # ---- parameters on the axes ----------------------------------------------------------------
    @staticmethod
    def _default_params(spec) -> tuple[str, str]:
        # The output neuron's first weight and its bias: for the tutorial's net a clean valley.
        last = spec.n_layers
        return f"W{last}11", f"b{last}1"

    def params(self) -> tuple[str | None, str | None]:
        return self._px, self._py

    def set_params(self, x_name: str, y_name: str) -> None:
        if self._problem is None:
            return
        spec = self._problem.spec
        for name in (x_name, y_name):
            if name not in spec.param_index:
                raise KeyError(f"no parameter named {name!r} in {spec}")
        if x_name == y_name:
            raise ValueError(f"choose two different parameters (both are {x_name})")
        for combo, value in ((self.x_combo, x_name), (self.y_combo, y_name)):
            combo.blockSignals(True)
            combo.setCurrentText(value)
            combo.blockSignals(False)
        self._px, self._py = x_name, y_name
        self._range_x = self._range_y = None
        self._job = None  # computed for the old axes
        self._apply_axis_labels()
        self._draw_point()
        self._draw_path()
        self._recompute()  # a person asked for this map: now, not after the throttle's pause

    def _on_combo(self, _text: str) -> None:
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not x or not y:
            return
        if x == y:  # picking the other axis's parameter swaps the two
            if self.sender() is self.x_combo:
                y = self._px
            else:
                x = self._py
        self.set_params(x, y)

    # ---- the SGD path --------------------------------------------------------------------------
    def _clear_path(self) -> None:
        self._path_n = 0
        self._last_record = None
        self._last_step = -1

    def _add_path_point(self, theta) -> None:
        theta = np.asarray(theta, dtype=float)
        if not np.all(np.isfinite(theta)):
            return  # a diverged row's parameters have no place on the map
        P = theta.shape[0]
        if self._path.shape[1] != P:
            self._path = np.empty((256, P))
            self._path_n = 0
        if self._path_n == self._path.shape[0]:
            if self._path.shape[0] * P * 2 <= PATH_FLOATS:
                grown = np.empty((self._path.shape[0] * 2, P))
                grown[: self._path_n] = self._path[: self._path_n]
                self._path = grown
            else:  # full: keep every other point (the first and the last stay)
                keep = np.r_[self._path[: self._path_n - 1: 2], self._path[self._path_n - 1: self._path_n]]
                self._path_n = keep.shape[0]
                self._path[: self._path_n] = keep
        self._path[self._path_n] = theta
        self._path_n += 1

    def path_points(self) -> np.ndarray:
        """The path projected on the two chosen parameters: (m, 2)."""
        if self._problem is None or self._path_n == 0 or self._px is None:
            return np.empty((0, 2))
        index = self._problem.spec.param_index
        return self._path[: self._path_n][:, [index[self._px], index[self._py]]]

    # ---- drawing -------------------------------------------------------------------------------------
    def grid(self):
        return self._grid

    def slice(self):
        return self._slice

    def refresh_now(self) -> None:
        """Recompute the grid now, shown or not (ignores the throttle)."""
        self._recompute(force=True)

    def render_state(self) -> None:
        self._draw_point()
        self._draw_path()
        if self._ready() and self._grid_key() != self._drawn_key:
            self._grid_soon()
        if self._grid is not None:
            self._write_captions()

    def _ready(self) -> bool:
        return self._problem is not None and self._theta is not None and self._px is not None

    def _grid_key(self) -> tuple:
        # Not the grid's side: a new side alone is not worth a refresh; the next one uses it.
        return (self._theta.tobytes(), self._px, self._py)

    def _recompute(self, force: bool = False) -> None:
        """Start a refresh for the current point (force: finish it now, in this call)."""
        if not self._ready():
            return
        if not (force or self.isVisible()):
            self.request_render()  # hidden since the request: catch up when shown
            return
        if self._job is not None and not force:
            return  # one at a time: when it is drawn, a point that has moved on asks again
        problem, net, theta = self._problem, self._net, self._theta
        net.set_theta(theta)
        ix, iy = problem.spec.param_index[self._px], problem.spec.param_index[self._py]
        self._range_x = follow_range(self._range_x, theta[ix])
        self._range_y = follow_range(self._range_y, theta[iy])
        if self._unit_cost is None:  # nothing measured yet: time one point before choosing the grid
            self._unit_cost = seconds_per_point(net, problem.X, problem.Y) / (len(problem.X) * problem.spec.n_params)
        self._n = self._affordable(self._n)
        self._job_key = self._grid_key()
        self._job = LandscapeJob(net, problem.X, problem.Y, self._px, self._py, self._range_x, self._range_y,
                                 n=self._n)
        if force:
            self._job.advance()
            self._draw_job()
        else:
            self._next_chunk.start()  # the first slice too: whatever asked for the map returns at once

    def _advance_job(self) -> None:
        job = self._job
        if job is None:
            return  # dropped: the set-up or the axes changed
        if job.advance(CHUNK_BUDGET_S):
            self._draw_job()
        else:
            self._next_chunk.start()

    def _draw_job(self) -> None:
        job, self._job = self._job, None
        self._grid, self._slice = job.result()
        self._drawn_key = self._job_key
        self._draw_grid(self._grid)
        self._draw_slice(self._slice)
        self._write_captions()
        self._draw_point()
        self._draw_path()
        self._adapt(job.busy_s)
        self.updated.emit()
        if self._ready() and self._grid_key() != self._drawn_key:
            self._grid_soon()  # the point moved while the job ran

    def _work(self, n: int) -> int:
        """Points × rows × parameters: what a refresh's cost grows with (the captions are small)."""
        return (n * n + SLICE_POINTS) * len(self._problem.X) * self._problem.spec.n_params

    def _affordable(self, wanted: int) -> int:
        """The finest odd grid side up to `wanted` that the last measured cost says fits GRID_BUDGET_S."""
        if self._unit_cost is None or self._problem is None:
            return wanted
        per_point = self._unit_cost * len(self._problem.X) * self._problem.spec.n_params
        side = int(math.sqrt(max(0.0, GRID_BUDGET_S / per_point - SLICE_POINTS))) if per_point > 0 else wanted
        return max(MIN_GRID_POINTS, min(wanted, side)) | 1

    def _adapt(self, seconds: float) -> None:
        """Learn the cost per unit of work, and keep the grid to ≤ MAX_BUSY_FRACTION of the GUI thread."""
        self._unit_cost = seconds / self._work(self._n)
        self._grid_soon.setTimeout(int(max(1000 / MAX_GRID_HZ, seconds * 1e3 / MAX_BUSY_FRACTION)))
        self._n = self._affordable(GRID_POINTS)  # finer again when the table got smaller

    def _draw_grid(self, grid) -> None:
        z = log_colour_values(grid.loss)
        lo, hi = float(z.min()), float(z.max())
        if hi - lo < 1e-9:
            hi = lo + 1e-9
        vx, vy = grid.values_x, grid.values_y
        dx = (vx[-1] - vx[0]) / (len(vx) - 1)
        dy = (vy[-1] - vy[0]) / (len(vy) - 1)
        self.image.setImage(z, autoLevels=False, levels=(lo, hi))
        self.image.setRect(QRectF(vx[0] - dx / 2, vy[0] - dy / 2, vx[-1] - vx[0] + dx, vy[-1] - vy[0] + dy))
        self.color_bar.set_range(lo, hi, decade_ticks(lo, hi))
        self.contours.setData(*contour_xy(z, contour_levels(lo, hi, CONTOUR_LEVELS), vx, vy))
        if np.isfinite(grid.min_loss):
            self.minimum.setData([grid.min_at[0]], [grid.min_at[1]])
        else:
            self.minimum.setData([], [])
        self.map_plot.getPlotItem().setRange(xRange=(vx[0], vx[-1]), yRange=(vy[0], vy[-1]), padding=0)

    def _draw_slice(self, sl) -> None:
        finite = np.isfinite(sl.loss)
        self.slice_curve.setData(sl.values[finite], sl.loss[finite])
        width = sl.values[-1] - sl.values[0]
        if math.isfinite(sl.slope) and math.isfinite(sl.current_loss):
            tx = np.array([sl.current - 0.2 * width, sl.current + 0.2 * width])
            self.tangent.setData(tx, sl.tangent(tx))
            self.slice_point.setData([sl.current], [sl.current_loss])
        else:
            self.tangent.setData([], [])
            self.slice_point.setData([], [])
        if finite.any():
            ys = sl.loss[finite]
            top, bottom = float(ys.max()), float(ys.min())
            pad = 0.05 * (top - bottom or 1.0)
            self.slice_plot.getPlotItem().setRange(xRange=(sl.values[0], sl.values[-1]),
                                                   yRange=(bottom - pad, top + pad), padding=0)

    def _write_captions(self) -> None:
        grid, sl, d = self._grid, self._slice, self.state.precision
        px, py = name_html(self._px), name_html(self._py)
        self._hint.setText(f"mean loss over the {len(self._problem.X)} rows; the other "
                           f"{self._problem.spec.n_params - 2} parameters stay at the shown values")
        self.map_caption.setText(
            f"<span style='color:{colors.VERMILLION}'>●</span> now: {px} = {fmt(grid.current[0], d)}, "
            f"{py} = {fmt(grid.current[1], d)} → mean loss <b>{fmt(grid.current_loss, d)}</b><br>"
            f"★ lowest on this grid: <b>{fmt(grid.min_loss, d)}</b> at "
            f"({fmt(grid.min_at[0], d)}, {fmt(grid.min_at[1], d)})"
            f"<span style='color:{colors.MUTED}'> · dashed: the slice →</span>"
        )
        p = name_html(sl.param)
        if sl.slope > 0:
            direction = f"SGD lowers {p} (moves left)"
        elif sl.slope < 0:
            direction = f"SGD raises {p} (moves right)"
        else:
            direction = f"flat: SGD leaves {p} where it is"
        self.slice_caption.setText(
            f"Tangent slope ∂L̄/∂{p} = <b>{fmt(sl.slope, d)}</b><br>"
            f"<span style='color:{colors.MUTED}'>(the mean of the rows' gradients)</span><br>{direction}"
        )

    def _draw_point(self) -> None:
        if not self._ready():
            self.current.setData([], [])
            return
        index = self._problem.spec.param_index
        x, y = self._theta[index[self._px]], self._theta[index[self._py]]
        self.current.setData([x], [y])
        self.slice_line.setValue(y)

    def _draw_path(self) -> None:
        pts = self.path_points()
        if pts.shape[0] == 0:
            self.path.setData([], [])
            self.path_start.setData([], [])
            return
        self.path.setData(pts[:, 0], pts[:, 1])
        self.path_start.setData(pts[:1, 0], pts[:1, 1])

    def _show_message(self, text: str) -> None:
        self.map_caption.setText(text)
        self.slice_caption.setText("")

    def _apply_axis_labels(self) -> None:
        if self._px is None:
            return
        style = label_style(self.scaled_pixels())
        self.color_bar.set_label("mean loss (log scale)", **style)
        m = self.map_plot.getPlotItem()
        m.setLabel("bottom", name_html(self._px), **style)
        m.setLabel("left", name_html(self._py), **style)
        self.color_bar.align_to(m.getAxis("bottom"))
        s = self.slice_plot.getPlotItem()
        s.setLabel("bottom", name_html(self._px), **style)
        s.setLabel("left", "mean loss L̄", **style)

    # ---- fonts ---------------------------------------------------------------------------------------
    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        for w in (self.x_combo, self.y_combo, self._x_label, self._y_label, self._hint,
                  self.map_caption, self.slice_caption):
            w.setFont(font)
        tick = tick_font(px - 2)
        for plot in (self.map_plot, self.slice_plot):
            style_ticks(plot.getPlotItem(), tick)
        self.color_bar.set_tick_font(tick, int(tick.pixelSize() * 4))
        self._apply_axis_labels()
