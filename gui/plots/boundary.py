"""The classifier's decision boundary over its two inputs, in the table's own units.

A heat map of P(class 1) (a lightened cividis: dark blue near 0, yellow near 1)
over the two RAW inputs, the boundary P = 0.5 as a thick black line, the
table's rows as points (class 0: blue circles, class 1: orange triangles, a
black ring around every row the network gets wrong) and the accuracy. Numbers
come from engine.boundary; the grid is recomputed at most MAX_GRID_HZ times a
second and only while the view is visible.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from engine.boundary import THRESHOLD, boundary_grid, padded_range
from engine.network import Network
from engine.scaling import Standardizer
from engine.spec import NetworkSpec
from gui import colors
from engine.notation import fmt
from gui.plots.landscape import ColorScale, RateLimiter, _theta_from, contour_xy
from gui.widgets.font_scale import FontScaled, style_legend

MAX_GRID_HZ = 10
GRID_POINTS = 161  # one point through the network each: cheap, and a smoother picture
LIGHTEN = 0.45  # mix the heat map with this much white, so the points stand out


def pastel_map(name: str = "cividis", lighten: float = LIGHTEN) -> pg.ColorMap:
    base = pg.colormap.get(name)
    pos = np.linspace(0.0, 1.0, 16)
    rgba = base.map(pos, mode="float")
    rgba[:, :3] = rgba[:, :3] * (1 - lighten) + lighten
    return pg.ColorMap(pos, (rgba * 255).astype(np.ubyte))


def is_classifier(spec: NetworkSpec) -> bool:
    return spec.loss == "bce" or spec.activations[-1] == "sigmoid"


class BoundaryView(FontScaled, QWidget):
    """objectName 'boundaryView': P(class 1) over the two raw inputs, the rows, the accuracy.

    Contract (the main window calls these; cheap when hidden):
      set_network(spec, input_names=())        a new network shape
      set_problem(spec, X_raw, Y, input_names=(), scaler=None, target_name="class")
                                               the table in raw units and the Standardizer the
                                               network sees it through (None: identity)
      show_record(record_or_None, params)      the latest parameters (name -> value) on the
                                               refresh tick; the grid follows at ≤ 10 Hz
    Also refresh_now(), boundary() -> engine.boundary.BoundaryGrid | None (last drawn),
    accuracy_text(), set_font_scale(factor). Signal updated() after every recompute.
    Only 2-input classifiers (sigmoid output or cross-entropy loss) have a boundary;
    otherwise the view says so.
    """

    updated = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("boundaryView")
        self.setAccessibleName("Decision boundary")
        self._spec: NetworkSpec | None = None
        self._net: Network | None = None
        self._input_names: tuple[str, ...] = ()
        self._target_name = "class"
        self._X_raw: np.ndarray | None = None
        self._Y: np.ndarray | None = None
        self._scaler: Standardizer | None = None
        self._theta: np.ndarray | None = None
        self._boundary = None
        self._limiter = RateLimiter(self._recompute, 1000 / MAX_GRID_HZ, self.isVisible, self)
        self._build()
        self._apply_font()

    def _build(self) -> None:
        self.accuracy_label = QLabel(self)
        self.accuracy_label.setObjectName("boundaryAccuracy")
        self.accuracy_label.setTextFormat(Qt.RichText)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("boundaryPlot")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.image = pg.ImageItem(axisOrder="col-major")
        item.addItem(self.image)
        cmap = pastel_map()
        self.image.setColorMap(cmap)
        self.color_bar = ColorScale(cmap)
        self.color_bar.setObjectName("boundaryColorScale")
        self.color_bar.set_range(0.0, 1.0, [(v, fmt(v)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)])
        boundary_pen = pg.mkPen(colors.INK, width=3)
        boundary_pen.setCapStyle(Qt.RoundCap)
        self.boundary_line = pg.PlotDataItem(pen=boundary_pen, connect="pairs")
        self.points = [
            pg.ScatterPlotItem(symbol="o", size=17, brush=pg.mkBrush(colors.BLUE), pen=pg.mkPen("w", width=1.5)),
            pg.ScatterPlotItem(symbol="t1", size=20, brush=pg.mkBrush(colors.ORANGE), pen=pg.mkPen(colors.INK, width=1.5)),
        ]
        self.wrong = pg.ScatterPlotItem(symbol="o", size=30, brush=None, pen=pg.mkPen(colors.INK, width=3))
        for z, it in enumerate((self.boundary_line, self.wrong, *self.points)):
            it.setZValue(10 + z)
            item.addItem(it)
        self.legend = pg.LegendItem(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 225),
                                    pen=pg.mkPen(colors.MUTED), labelTextColor=colors.INK)
        self.legend.setParentItem(item.getViewBox())
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(colors.INK))
            item.getAxis(axis).setTextPen(pg.mkPen(colors.INK))

        self.message = QLabel(self)
        self.message.setObjectName("boundaryMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignCenter)
        self.plot_page = QWidget(self)
        row = QHBoxLayout(self.plot_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.plot, 1)
        row.addWidget(self.color_bar)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.plot_page)
        self.stack.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self.stack, 1)
        self._say("Load a classification network and a table to see its decision boundary.")

    # ---- contract ------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        if input_names:
            self._input_names = tuple(input_names)
        if spec == self._spec and self._net is not None:
            return
        self._spec = spec
        self._net = Network(spec)
        self._theta = None
        self._boundary = None
        if self._X_raw is not None and self._X_raw.shape[1] != spec.n_inputs:
            self._X_raw = self._Y = None
        self._check_applicable()
        self._limiter.request()

    def set_problem(self, spec: NetworkSpec, X_raw, Y, input_names: Sequence[str] = (),
                    scaler: Standardizer | None = None, target_name: str = "class") -> None:
        self.set_network(spec, input_names)
        self._X_raw = np.asarray(X_raw, dtype=float)
        Y = np.asarray(Y, dtype=float)
        self._Y = Y[:, None] if Y.ndim == 1 else Y
        self._scaler = scaler
        self._target_name = target_name
        self._ranges = (padded_range(self._X_raw[:, 0]), padded_range(self._X_raw[:, 1])) \
            if self._X_raw.shape[1] == 2 else None
        self._set_points()
        self._apply_labels()
        self._check_applicable()
        self._limiter.request()

    def show_record(self, record, params: Mapping[str, float] | None) -> None:
        if self._spec is None:
            if record is None:
                return
            self.set_network(record.spec)
        if params is not None:
            theta = _theta_from(self._spec, params)
        elif record is not None:
            theta = np.array(record.theta_after, dtype=float)
        else:
            return
        if self._theta is not None and np.array_equal(theta, self._theta):
            return
        self._theta = theta
        self._limiter.request()

    def boundary(self):
        return self._boundary

    def accuracy_text(self) -> str:
        return self.accuracy_label.text()

    def refresh_now(self) -> None:
        self._limiter.pending = True
        self._recompute()
        self._limiter.pending = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._limiter.pending:
            self._limiter.request()

    # ---- drawing -------------------------------------------------------------------------------
    def _applicable(self) -> bool:
        return self._spec is not None and self._spec.n_inputs == 2 and is_classifier(self._spec)

    def _check_applicable(self) -> None:
        if self._spec is None:
            return
        if self._spec.n_inputs != 2:
            self._say(f"A decision boundary is drawn over two inputs; this network has "
                      f"{self._spec.n_inputs}.")
        elif not is_classifier(self._spec):
            self._say("The decision boundary belongs to classification: switch the task to "
                      "classification (sigmoid output, binary cross-entropy).")
        else:
            self.stack.setCurrentWidget(self.plot_page)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.accuracy_label.setText("")
        self.stack.setCurrentWidget(self.message)

    def _set_points(self) -> None:
        if self._X_raw is None or self._X_raw.shape[1] != 2:
            return
        cls = self._Y[:, 0] >= THRESHOLD
        for k, scatter in enumerate(self.points):
            rows = self._X_raw[cls == bool(k)]
            scatter.setData(rows[:, 0], rows[:, 1])
        self.legend.clear()
        self.legend.addItem(self.points[0], f"{self._target_name} = 0")
        self.legend.addItem(self.points[1], f"{self._target_name} = 1")
        self.legend.addItem(self.boundary_line, f"P = {fmt(THRESHOLD)}")
        self._style_legend()

    def _recompute(self) -> None:
        if not self._applicable() or self._X_raw is None or self._theta is None:
            return
        self._net.set_theta(self._theta)
        g = boundary_grid(self._net, self._X_raw, self._Y, self._scaler, n=GRID_POINTS,
                          range_x=self._ranges[0], range_y=self._ranges[1])
        self._boundary = g
        vx, vy = g.values_x, g.values_y
        dx = (vx[-1] - vx[0]) / (len(vx) - 1)
        dy = (vy[-1] - vy[0]) / (len(vy) - 1)
        prob = np.nan_to_num(g.prob, nan=0.5)
        self.image.setImage(prob, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(vx[0] - dx / 2, vy[0] - dy / 2, vx[-1] - vx[0] + dx, vy[-1] - vy[0] + dy))
        bx, by = contour_xy(prob, [THRESHOLD], vx, vy)
        self.boundary_line.setData(bx, by)
        wrong = ~g.row_right
        self.wrong.setData(self._X_raw[wrong, 0], self._X_raw[wrong, 1])
        self.plot.getPlotItem().setRange(xRange=(vx[0], vx[-1]), yRange=(vy[0], vy[-1]), padding=0)
        percent = 100.0 * g.accuracy
        n_wrong = int(wrong.sum())
        ringed = f"; the {n_wrong} ringed ◯ {'is' if n_wrong == 1 else 'are'} wrong" if n_wrong else ""
        self.accuracy_label.setText(
            f"Accuracy on the table: <b>{g.correct} of {g.total}</b> rows right "
            f"(<b>{fmt(percent, 3)} %</b>){ringed}.<br>"
            f"<span style='color:{colors.MUTED}'>A row counts as {self._target_name} = 1 when "
            f"P ≥ {fmt(THRESHOLD)}: the black line.</span>"
        )
        self.updated.emit()

    # ---- fonts -----------------------------------------------------------------------------------
    def _apply_labels(self) -> None:
        names = self._input_names or ("x1", "x2")
        if len(names) < 2:
            return
        style = {"color": colors.INK, "font-size": f"{self.scaled_pixels()}px"}
        item = self.plot.getPlotItem()
        item.setLabel("bottom", f"{names[0]} (x<sub>1</sub>, raw units)", **style)
        item.setLabel("left", f"{names[1]} (x<sub>2</sub>, raw units)", **style)
        self.color_bar.set_label(f"P({self._target_name} = 1)", **style)
        self.color_bar.align_to(item.getAxis("bottom"))

    def _style_legend(self) -> None:
        style_legend(self.legend, self.scaled_pixels())

    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        self.message.setFont(font)
        big = QFont(font)
        big.setPixelSize(round(px * 1.15))
        self.accuracy_label.setFont(big)
        tick = QFont(font)
        tick.setPixelSize(max(10, px - 2))
        item = self.plot.getPlotItem()
        for axis in ("left", "bottom"):
            item.getAxis(axis).setStyle(tickFont=tick, tickTextOffset=6)
        self.color_bar.set_tick_font(tick, int(tick.pixelSize() * 3.6))
        self._apply_labels()
        self._style_legend()

