"""The loss landscape: a heat map of the mean loss as two chosen parameters vary.

Left: the mean loss over the table on a grid of two parameters (the rest fixed
at their current values) as a viridis heat map on a log scale with contour
lines, the SGD path drawn live, the current point (●) and the grid's lowest
point (★). Right: the slice along the X parameter through the current point,
with the tangent whose slope is the gradient SGD uses. Every number comes from
engine.landscape; this module only draws it.

Costs: the grid (engine.batch, one vectorised pass) is recomputed at most
MAX_GRID_HZ times a second, only while the view is visible, and never more
than a quarter of the time (slow tables lower the rate and the resolution).
The plot items are created once and afterwards only fed data. Contours are
drawn by a vectorised marching-squares routine (`contour_segments`), every level
in ONE curve item (connect="pairs"): pyqtgraph's IsocurveItem traces each level
in a Python loop, and seven of them cost ~8× the grid itself.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.landscape import GRID_POINTS, follow_range, loss_grid, loss_slice
from engine.network import Network
from engine.scaling import Standardizer
from engine.spec import NetworkSpec
from gui import colors
from engine.notation import fmt
from gui.widgets.font_scale import FontScaled

MAX_GRID_HZ = 10
MAX_BUSY_FRACTION = 0.25  # the grid may use at most this share of the GUI thread
MIN_GRID_POINTS = 31
CONTOUR_LEVELS = 7
PATH_FLOATS = 4_000_000  # the SGD path keeps at most this many floats (then halves its resolution)
HEAT_MAP = "viridis"


def name_html(name: str) -> str:
    """'W211' -> 'W<sub>211</sub>' (tutorial names with their indices set as subscripts)."""
    return re.sub(r"^([A-Za-z]+)(\d+)$", r"\1<sub>\2</sub>", name)


class RateLimiter(QObject):
    """Run `callback` at most once per interval, and only while `active()`.

    `request()` may be called at any rate (e.g. on a 60 Hz refresh tick): the
    first request after a quiet interval runs at once; later ones within the
    interval are merged into one run at the interval's end. Requests made while
    inactive wait until the next `request()` or `flush()` while active (a view
    calls `request()` from its showEvent).
    """

    def __init__(self, callback: Callable[[], None], interval_ms: float, active: Callable[[], bool],
                 parent: QObject | None = None):
        super().__init__(parent)
        self._callback = callback
        self._active = active
        self.interval_ms = float(interval_ms)
        self.pending = False
        self._last = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def request(self) -> None:
        self.pending = True
        if not self._active() or self._timer.isActive():
            return
        wait = self.interval_ms - (time.monotonic() - self._last) * 1e3
        if wait <= 0:
            self._fire()
        else:
            self._timer.start(max(1, int(wait)))

    def flush(self) -> None:
        """Run now if anything is pending (ignores the interval)."""
        self._timer.stop()
        if self.pending:
            self._fire()

    def _fire(self) -> None:
        if not self.pending:
            return
        if not self._active():
            return  # stays pending
        self.pending = False
        self._last = time.monotonic()
        self._callback()


def _theta_from(spec: NetworkSpec, params: Mapping[str, float]) -> np.ndarray:
    theta = np.empty(spec.n_params)
    for name, i in spec.param_index.items():
        theta[i] = params[name]
    return theta


def _log_loss(loss: np.ndarray) -> np.ndarray:
    """log10 of a loss grid for colouring: non-finite -> the top, 0 -> just below the smallest."""
    finite = np.isfinite(loss)
    if not finite.any():
        return np.zeros_like(loss)
    top = float(loss[finite].max())
    positive = loss[finite & (loss > 0)]
    floor = float(positive.min()) if positive.size else 1.0
    floor = max(floor, top * 1e-15, 1e-300)
    safe = np.where(finite, loss, top)
    return np.log10(np.maximum(safe, floor))


def contour_segments(z: np.ndarray, level: float) -> np.ndarray:
    """Marching squares, vectorised: the level's contour as line segments in index coordinates.

    z is indexed [i, j] (i along x). Returns (2k, 2) points, consecutive pairs being one
    segment (draw with connect="pairs"). Each cell whose corners straddle the level gets
    one segment between its two edge crossings (linearly interpolated); a saddle cell (all
    four edges crossed) gets two, paired by the value at the cell's centre. The same picture
    as pyqtgraph's isocurve, ~30× faster (no Python loop over cells).
    """
    below = z < level
    b_a, b_b, b_c, b_d = below[:-1, :-1], below[1:, :-1], below[1:, 1:], below[:-1, 1:]
    # Corners (i, j) = a, (i+1, j) = b, (i+1, j+1) = c, (i, j+1) = d; edges bottom a-b,
    # right b-c, top d-c, left a-d. Only the few cells the contour crosses are worked on.
    flags = (b_a != b_b, b_b != b_c, b_d != b_c, b_a != b_d)
    i, j = np.nonzero(flags[0] | flags[1] | flags[2] | flags[3])
    if i.size == 0:
        return np.empty((0, 2))
    a, b, c, d = z[i, j], z[i + 1, j], z[i + 1, j + 1], z[i, j + 1]
    fi, fj = i.astype(float), j.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):  # (uncrossed edges only)
        xs = np.stack([fi + (level - a) / (b - a), fi + 1.0, fi + (level - d) / (c - d), fi], axis=1)
        ys = np.stack([fj, fj + (level - b) / (c - b), fj + 1.0, fj + (level - a) / (d - a)], axis=1)
    points = np.stack([xs, ys], axis=2)  # (cells, 4 edges, 2)
    crossed = np.stack([f[i, j] for f in flags], axis=1)  # (cells, 4)
    count = crossed.sum(axis=1)
    out = []
    two = count == 2
    if two.any():
        f, p = crossed[two], points[two]
        first = np.argmax(f, axis=1)
        second = 3 - np.argmax(f[:, ::-1], axis=1)
        rows = np.arange(f.shape[0])
        out.append(np.stack([p[rows, first], p[rows, second]], axis=1).reshape(-1, 2))
    four = count == 4
    if four.any():
        p = points[four]
        centre_below = ((a + b + c + d)[four] / 4.0) < level
        same = centre_below == (a[four] < level)
        # centre on a's side: cut off corners b and d, else cut off a and c
        pairs_same = p[:, [0, 1, 2, 3]]  # bottom-right, top-left
        pairs_diff = p[:, [0, 3, 2, 1]]  # bottom-left, top-right
        out.append(np.where(same[:, None, None], pairs_same, pairs_diff).reshape(-1, 2))
    return np.concatenate(out)


def contour_xy(z: np.ndarray, levels: Sequence[float], vx: np.ndarray, vy: np.ndarray):
    """Every level's contour of a finite z (indexed [ix, iy] over vx × vy) as x, y arrays for connect="pairs"."""
    pts = [contour_segments(z, level) for level in levels]
    pts = np.concatenate(pts) if pts else np.empty((0, 2))
    sx = (vx[-1] - vx[0]) / (z.shape[0] - 1)
    sy = (vy[-1] - vy[0]) / (z.shape[1] - 1)
    return vx[0] + pts[:, 0] * sx, vy[0] + pts[:, 1] * sy


class ColorScale(pg.PlotWidget):
    """A vertical colour key: the colour map as a strip, its values on the right-hand axis.

    (pyqtgraph's ColorBarItem inserted into a PlotItem's layout is not used: on PySide6,
    destroying such a plot and later collecting its Python wrappers corrupted memory in
    our tests. A plain PlotWidget with an ImageItem is the pattern every other plot here uses.)
    """

    def __init__(self, cmap: pg.ColorMap, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.hideAxis("bottom")
        item.hideAxis("left")
        item.showAxis("right")
        self.axis = item.getAxis("right")
        self.axis.setPen(pg.mkPen(colors.INK))
        self.axis.setTextPen(pg.mkPen(colors.INK))
        self.axis.enableAutoSIPrefix(False)
        lut = cmap.getLookupTable(nPts=256, alpha=True)  # (256, 4) uint8
        self.strip = pg.ImageItem(axisOrder="col-major")
        self.strip.setImage(np.ascontiguousarray(lut[None, :, :]), autoLevels=False, levels=(0, 255))
        item.addItem(self.strip)
        # An empty bottom axis as tall as the plot's beside it, so the strip spans the same height.
        item.showAxis("bottom")
        self.bottom = item.getAxis("bottom")
        self.bottom.setStyle(showValues=False)
        self.bottom.setPen(pg.mkPen(None))
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)
        self.set_range(0.0, 1.0, [(0.0, "0"), (1.0, "1")])

    def set_range(self, lo: float, hi: float, ticks: list[tuple[float, str]]) -> None:
        self.strip.setRect(QRectF(0.0, lo, 1.0, hi - lo))
        self.getPlotItem().setRange(xRange=(0.0, 1.0), yRange=(lo, hi), padding=0)
        self.axis.setTicks([ticks])

    def set_label(self, text: str, **style) -> None:
        self.getPlotItem().setLabel("right", text, **style)

    def set_tick_font(self, font: QFont, width: int) -> None:
        self.axis.setStyle(tickFont=font, tickTextOffset=6)
        self.axis.setWidth(width)
        self.setFixedWidth(width + 34)

    def align_to(self, bottom_axis: pg.AxisItem) -> None:
        """Leave as much room below the strip as the neighbouring plot's bottom axis takes."""
        self.bottom.setHeight(bottom_axis.maximumHeight())


class LandscapeView(FontScaled, QWidget):
    """objectName 'landscapeView': the loss landscape of two chosen parameters, plus a slice.

    Contract (the main window calls these; all cheap when the view is hidden):
      set_network(spec, input_names=())       a new network shape: axes reset, path cleared
      set_problem(spec, X_raw, Y, input_names=(), scaler=None)
                                              the table in raw units and the Standardizer the
                                              network sees it through (None: identity)
      show_record(record_or_None, params)     the latest state on the refresh tick; params is
                                              name -> current value. A record extends the SGD
                                              path (a record whose step is not after the last
                                              one seen means reset/rewind: the path restarts)
    Also:
      set_params(x_name, y_name) / params()   the two parameters on the axes (combo boxes
                                              'landscapeParamX', 'landscapeParamY'); the slice
                                              follows the X parameter
      add_path_point(theta), set_path(thetas (m, P)), clear_path()
      refresh_now()                           recompute at once (ignores the rate limit)
      grid() -> engine.landscape.LossGrid | None, slice() -> LossSlice | None   (last drawn)
      set_font_scale(factor)                  presentation mode
    Signal updated() after every recompute of the grid.
    """

    updated = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("landscapeView")
        self.setAccessibleName("Loss landscape")
        self._spec: NetworkSpec | None = None
        self._net: Network | None = None
        self._X: np.ndarray | None = None  # as the network sees it (standardised)
        self._Y: np.ndarray | None = None
        self._theta: np.ndarray | None = None
        self._px: str | None = None
        self._py: str | None = None
        self._range_x: tuple[float, float] | None = None
        self._range_y: tuple[float, float] | None = None
        self._grid = None
        self._slice = None
        self._n = GRID_POINTS
        self._last_record = None
        self._last_step = -1
        self._path = np.empty((0, 0))
        self._path_n = 0
        self._limiter = RateLimiter(self._recompute, 1000 / MAX_GRID_HZ, self.isVisible, self)
        self._build()
        self._apply_font()

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
        self.map_plot = pg.PlotWidget(self, background="w")
        self.map_plot.setObjectName("landscapeMap")
        item = self.map_plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.image = pg.ImageItem(axisOrder="col-major")
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
        self.minimum = pg.ScatterPlotItem(symbol="star", size=24, brush=pg.mkBrush("w"), pen=pg.mkPen(colors.INK, width=1.5))
        self.current = pg.ScatterPlotItem(symbol="o", size=16, brush=pg.mkBrush(colors.VERMILLION),
                                          pen=pg.mkPen("w", width=2.5))
        for z, it in enumerate((self.contours, self.slice_line, self.path, self.path_start, self.minimum, self.current)):
            it.setZValue(10 + z)
            item.addItem(it)

        # The slice with its tangent.
        self.slice_plot = pg.PlotWidget(self, background="w")
        self.slice_plot.setObjectName("landscapeSlice")
        sitem = self.slice_plot.getPlotItem()
        sitem.setMenuEnabled(False)
        sitem.hideButtons()
        sitem.showGrid(x=True, y=True, alpha=0.15)
        self.slice_curve = sitem.plot(pen=pg.mkPen(colors.BLUE, width=3))
        self.tangent = pg.PlotDataItem(pen=pg.mkPen(colors.VERMILLION, width=3, style=Qt.DashLine))
        sitem.addItem(self.tangent, ignoreBounds=True)
        self.slice_point = pg.ScatterPlotItem(symbol="o", size=14, brush=pg.mkBrush(colors.VERMILLION),
                                              pen=pg.mkPen(colors.INK, width=1.5))
        sitem.addItem(self.slice_point)
        for plot in (self.map_plot, self.slice_plot):
            p = plot.getPlotItem()
            for axis in ("left", "bottom"):
                p.getAxis(axis).setPen(pg.mkPen(colors.INK))
                p.getAxis(axis).setTextPen(pg.mkPen(colors.INK))

        self.map_caption = QLabel(self)
        self.map_caption.setObjectName("landscapeCaption")
        self.map_caption.setWordWrap(True)
        self.map_caption.setTextFormat(Qt.RichText)
        self.slice_caption = QLabel(self)
        self.slice_caption.setObjectName("landscapeSliceCaption")
        self.slice_caption.setWordWrap(True)
        self.slice_caption.setTextFormat(Qt.RichText)
        for label in (self.map_caption, self.slice_caption):
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

    # ---- contract ------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        if spec == self._spec and self._net is not None:
            return
        self._spec = spec
        self._net = Network(spec)
        self._theta = None
        self._grid = self._slice = None
        if self._X is not None and self._X.shape[1] != spec.n_inputs:
            self._X = self._Y = None
        self.clear_path()
        names = spec.param_names
        x, y = self._default_params(spec)
        for combo, value in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentText(value)
            combo.blockSignals(False)
        self._px, self._py = x, y
        self._range_x = self._range_y = None
        self._apply_axis_labels()
        self._limiter.request()

    def set_problem(self, spec: NetworkSpec, X_raw, Y, input_names: Sequence[str] = (),
                    scaler: Standardizer | None = None) -> None:
        self.set_network(spec, input_names)
        X_raw = np.asarray(X_raw, dtype=float)
        scaler = scaler if scaler is not None else Standardizer.identity(spec.n_inputs)
        self._X = scaler.transform(X_raw)
        Y = np.asarray(Y, dtype=float)
        self._Y = Y[:, None] if Y.ndim == 1 else Y
        self._n = GRID_POINTS
        self._limiter.request()

    def show_record(self, record, params: Mapping[str, float] | None) -> None:
        if self._spec is None:
            if record is None:
                return
            self.set_network(record.spec)
        if record is not None and record is not self._last_record:
            if record.step <= self._last_step:
                self.clear_path()
            if self._path_n == 0:
                self.add_path_point(record.theta_before, redraw=False)
            self.add_path_point(record.theta_after, redraw=False)
            self._last_record, self._last_step = record, record.step
        if params is not None:
            theta = _theta_from(self._spec, params)
        elif record is not None:
            theta = np.array(record.theta_after, dtype=float)
        else:
            return
        if self._theta is not None and np.array_equal(theta, self._theta) and not self._limiter.pending:
            if record is not None and self.isVisible():
                self._draw_path()
            return
        self._theta = theta
        if self.isVisible():
            self._draw_point()
            self._draw_path()
        self._limiter.request()

    # ---- parameters on the axes ----------------------------------------------------------------
    @staticmethod
    def _default_params(spec: NetworkSpec) -> tuple[str, str]:
        # The output neuron's first weight and its bias: for the tutorial's net a clean valley.
        last = spec.n_layers
        return f"W{last}11", f"b{last}1"

    def params(self) -> tuple[str | None, str | None]:
        return self._px, self._py

    def set_params(self, x_name: str, y_name: str) -> None:
        if self._spec is None:
            return
        for name in (x_name, y_name):
            if name not in self._spec.param_index:
                raise KeyError(f"no parameter named {name!r} in {self._spec}")
        if x_name == y_name:
            raise ValueError(f"choose two different parameters (both are {x_name})")
        for combo, value in ((self.x_combo, x_name), (self.y_combo, y_name)):
            combo.blockSignals(True)
            combo.setCurrentText(value)
            combo.blockSignals(False)
        self._px, self._py = x_name, y_name
        self._range_x = self._range_y = None
        self._apply_axis_labels()
        self._draw_path()
        self._limiter.request()

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
    def clear_path(self) -> None:
        self._path_n = 0
        self._last_record = None
        self._last_step = -1
        self.path.setData([], [])
        self.path_start.setData([], [])

    def add_path_point(self, theta, redraw: bool = True) -> None:
        if self._spec is None:
            return
        theta = np.asarray(theta, dtype=float)
        P = self._spec.n_params
        if self._path.shape[1] != P:
            self._path = np.empty((256, P))
            self._path_n = 0
        if self._path_n == self._path.shape[0]:
            if self._path.shape[0] * P * 2 <= PATH_FLOATS:
                grown = np.empty((self._path.shape[0] * 2, P))
                grown[: self._path_n] = self._path[: self._path_n]
                self._path = grown
            else:  # full: keep every other point (the first and the last stay)
                keep = np.r_[self._path[: self._path_n - 1 : 2], self._path[self._path_n - 1 : self._path_n]]
                self._path_n = keep.shape[0]
                self._path[: self._path_n] = keep
        self._path[self._path_n] = theta
        self._path_n += 1
        if redraw and self.isVisible():
            self._draw_path()

    def set_path(self, thetas) -> None:
        self.clear_path()
        for theta in np.atleast_2d(np.asarray(thetas, dtype=float)):
            self.add_path_point(theta, redraw=False)
        if self.isVisible():
            self._draw_path()

    def path_points(self) -> np.ndarray:
        """The path projected on the two chosen parameters: (m, 2)."""
        if self._spec is None or self._path_n == 0 or self._px is None:
            return np.empty((0, 2))
        idx = [self._spec.param_index[self._px], self._spec.param_index[self._py]]
        return self._path[: self._path_n][:, idx]

    # ---- drawing -------------------------------------------------------------------------------------
    def grid(self):
        return self._grid

    def slice(self):
        return self._slice

    def refresh_now(self) -> None:
        self._limiter.pending = True
        self._recompute()
        self._limiter.pending = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._limiter.pending:
            self._limiter.request()
        self._draw_path()
        self._draw_point()

    def _ready(self) -> bool:
        return self._spec is not None and self._X is not None and self._theta is not None and self._px is not None

    def _recompute(self) -> None:
        if not self._ready():
            return
        net, spec = self._net, self._spec
        net.set_theta(self._theta)
        ix, iy = spec.param_index[self._px], spec.param_index[self._py]
        self._range_x = follow_range(self._range_x, self._theta[ix])
        self._range_y = follow_range(self._range_y, self._theta[iy])
        t0 = time.perf_counter()
        grid = loss_grid(net, self._X, self._Y, self._px, self._py, self._range_x, self._range_y, n=self._n)
        sl = loss_slice(net, self._X, self._Y, self._px, self._range_x)
        self._grid, self._slice = grid, sl
        self._draw_grid(grid)
        self._draw_slice(sl)
        self._draw_point()
        self._draw_path()
        self._adapt(time.perf_counter() - t0)
        self.updated.emit()

    def _adapt(self, seconds: float) -> None:
        """Keep the grid to ≤ MAX_BUSY_FRACTION of the GUI thread on slow tables."""
        ms = seconds * 1e3
        self._limiter.interval_ms = max(1000 / MAX_GRID_HZ, ms / MAX_BUSY_FRACTION)
        if ms > 60 and self._n > MIN_GRID_POINTS:
            self._n = max(MIN_GRID_POINTS, int(self._n * math.sqrt(60 / ms)) | 1)

    def _draw_grid(self, grid) -> None:
        z = _log_loss(grid.loss)
        lo, hi = float(z.min()), float(z.max())
        if hi - lo < 1e-9:
            hi = lo + 1e-9
        vx, vy = grid.values_x, grid.values_y
        dx = (vx[-1] - vx[0]) / (len(vx) - 1)
        dy = (vy[-1] - vy[0]) / (len(vy) - 1)
        self.image.setImage(z, autoLevels=False, levels=(lo, hi))
        self.image.setRect(QRectF(vx[0] - dx / 2, vy[0] - dy / 2, vx[-1] - vx[0] + dx, vy[-1] - vy[0] + dy))
        self.color_bar.set_range(lo, hi, self._bar_ticks(lo, hi))
        levels = np.linspace(lo, hi, CONTOUR_LEVELS + 2)[1:-1]
        cx, cy = contour_xy(z, levels, vx, vy)
        self.contours.setData(cx, cy)
        if np.isfinite(grid.min_loss):
            self.minimum.setData([grid.min_at[0]], [grid.min_at[1]])
        else:
            self.minimum.setData([], [])
        self.map_plot.getPlotItem().setRange(xRange=(vx[0], vx[-1]), yRange=(vy[0], vy[-1]), padding=0)
        px, py = name_html(self._px), name_html(self._py)
        self._hint.setText(f"mean loss over the {len(self._X)} rows; the other {self._spec.n_params - 2} "
                           f"parameters stay at their current values")
        self.map_caption.setText(
            f"<span style='color:{colors.VERMILLION}'>●</span> now: {px} = {fmt(grid.current[0], 4)}, "
            f"{py} = {fmt(grid.current[1], 4)} → mean loss <b>{fmt(grid.current_loss, 4)}</b><br>"
            f"★ lowest on this grid: <b>{fmt(grid.min_loss, 4)}</b> at "
            f"({fmt(grid.min_at[0], 3)}, {fmt(grid.min_at[1], 3)})"
            f"<span style='color:{colors.MUTED}'> · dashed: the slice →</span>"
        )

    @staticmethod
    def _bar_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        if last - first >= 1:
            step = max(1, math.ceil((last - first + 1) / 6))
            return [(float(k), fmt(10.0 ** k)) for k in range(first, last + 1, step)]
        return [(v, fmt(10.0 ** v, 3)) for v in np.linspace(lo, hi, 3)]

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
        sitem = self.slice_plot.getPlotItem()
        if finite.any():
            ys = sl.loss[finite]
            top = float(ys.max())
            bottom = float(ys.min())
            pad = 0.05 * (top - bottom or 1.0)
            sitem.setRange(xRange=(sl.values[0], sl.values[-1]), yRange=(bottom - pad, top + pad), padding=0)
        p = name_html(sl.param)
        if sl.slope > 0:
            direction = f"SGD lowers {p} (moves left)"
        elif sl.slope < 0:
            direction = f"SGD raises {p} (moves right)"
        else:
            direction = f"flat: SGD leaves {p} where it is"
        self.slice_caption.setText(
            f"Tangent slope ∂L̄/∂{p} = <b>{fmt(sl.slope, 4)}</b><br>"
            f"<span style='color:{colors.MUTED}'>(the mean of the rows' gradients)</span><br>{direction}"
        )

    def _draw_point(self) -> None:
        if self._spec is None or self._theta is None or self._px is None:
            self.current.setData([], [])
            return
        x = self._theta[self._spec.param_index[self._px]]
        y = self._theta[self._spec.param_index[self._py]]
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
        style = {"color": colors.INK, "font-size": f"{self.scaled_pixels()}px"}
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
        tick = QFont(font)
        tick.setPixelSize(max(10, px - 2))
        for plot in (self.map_plot, self.slice_plot):
            for axis in ("left", "bottom"):
                plot.getPlotItem().getAxis(axis).setStyle(tickFont=tick, tickTextOffset=6)
        self.color_bar.set_tick_font(tick, int(tick.pixelSize() * 4))
        self._apply_axis_labels()
