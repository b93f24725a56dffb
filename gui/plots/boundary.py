"""The classifier's decision boundary over its two inputs, in the table's own units.

A heat map of P(class 1) (a lightened cividis: dark blue near 0, yellow near 1)
over the two RAW inputs, the boundary P = 0.5 as a thick black line, the
table's rows as points (class 0: blue circles, class 1: orange triangles, a
black ring around every row the network gets wrong) and the accuracy. Numbers
come from engine.boundary and engine.contours.

The view reads the application state: the table, network and scaling from
`state.setup`, the parameters from `state.shown.params` (the ones the shown forward
pass used). The grid is recomputed through a superqt throttle, at most MAX_GRID_HZ
times a second, and only while the view is visible.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
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
from gui.plots.style import ColorScale, PinnedLegend, Problem, apply_style, label_style, quiet, style_ticks, tick_font
from gui.widgets.font_scale import FontScaled
from gui.widgets.state_view import RenderWhenShown, subscribe

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


class BoundaryView(FontScaled, RenderWhenShown, QWidget):
    """objectName 'boundaryView': P(class 1) over the two raw inputs, the rows, the accuracy.

    BoundaryView(state, parent=None) subscribes to state.setup (the problem), state.shown (the
    parameters) and state.precision. Public: refresh_now(), boundary() ->
    engine.boundary.BoundaryGrid | None (last drawn), accuracy_text(), set_font_scale(factor).
    Signal updated() after every recompute. Only 2-input classifiers (sigmoid output or
    cross-entropy loss) have a boundary; otherwise the view says so.
    """

    updated = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        apply_style()
        self.state = state
        self.setObjectName("boundaryView")
        self.setAccessibleName("Decision boundary")
        self._problem: Problem | None = None
        self._net: Network | None = None
        self._theta: np.ndarray | None = None
        self._ranges = None
        self._boundary = None
        self._drawn = None  # (theta bytes, precision) the picture on screen was computed for
        self._grid_soon = qthrottled(self._recompute, timeout=1000 // MAX_GRID_HZ, leading=True, parent=self)
        self._build()
        self._apply_font()
        subscribe(self, state.events.setup, self._setup_changed)
        subscribe(self, state.events.shown, self._shown_changed)
        subscribe(self, state.events.precision, self.request_render)
        self._setup_changed(state.setup)

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
        self.points = [
            pg.ScatterPlotItem(symbol="o", size=17, brush=pg.mkBrush(colors.BLUE), pen=pg.mkPen("w", width=1.5)),
            pg.ScatterPlotItem(symbol="t1", size=20, brush=pg.mkBrush(colors.ORANGE),
                               pen=pg.mkPen(colors.INK, width=1.5)),
        ]
        self.wrong = pg.ScatterPlotItem(symbol="o", size=30, brush=None, pen=pg.mkPen(colors.INK, width=3))
        for z, it in enumerate((self.boundary_line, self.wrong, *self.points)):
            it.setZValue(10 + z)
            item.addItem(it)
        self.legend = PinnedLegend(item.getViewBox(), "top-left", pen=pg.mkPen(colors.MUTED))

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

    # ---- the state ------------------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        problem = Problem.of(setup)
        self._problem = problem
        self._theta = self._boundary = self._drawn = None
        if problem is None:
            self._net = None
            return
        self._net = Network(problem.spec)
        if problem.X_raw.shape[1] == 2:
            self._ranges = (padded_range(problem.X_raw[:, 0]), padded_range(problem.X_raw[:, 1]))
            cls = problem.Y[:, 0] >= THRESHOLD
            for k, scatter in enumerate(self.points):
                rows = problem.X_raw[cls == bool(k)]
                scatter.setData(rows[:, 0], rows[:, 1])
        self._write_legend()
        self._apply_labels()
        if self._check_applicable():
            self._shown_changed(self.state.shown)

    def _shown_changed(self, moment) -> None:
        problem = self._problem
        if problem is None:
            return
        if moment is not None and moment.spec == problem.spec:
            self._theta = theta_of(problem.spec, moment.params)
        elif self._theta is None:
            self._theta = problem.theta0.copy()
        self.request_render()

    @property
    def _target_name(self) -> str:
        names = () if self._problem is None else self._problem.target_names
        return names[0] if names else "class"

    def boundary(self):
        return self._boundary

    def accuracy_text(self) -> str:
        return self.accuracy_label.text()

    def refresh_now(self) -> None:
        """Recompute now, shown or not (ignores the throttle)."""
        self._recompute(force=True)

    def render_state(self) -> None:
        if self._applicable() and self._theta is not None \
                and (self._theta.tobytes(), self.state.precision) != self._drawn:
            self._grid_soon()

    # ---- drawing -------------------------------------------------------------------------------
    def _applicable(self) -> bool:
        spec = None if self._problem is None else self._problem.spec
        return spec is not None and spec.n_inputs == 2 and is_classifier(spec)

    def _check_applicable(self) -> bool:
        spec = self._problem.spec
        if spec.n_inputs != 2:
            self._say(f"A decision boundary is drawn over two inputs; this network has {spec.n_inputs}.")
        elif not is_classifier(spec):
            self._say("The decision boundary belongs to classification: switch the task to "
                      "classification (sigmoid output, binary cross-entropy).")
        else:
            self.stack.setCurrentWidget(self.plot_page)
            return True
        return False

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.accuracy_label.setText("")
        self.stack.setCurrentWidget(self.message)

    def _write_legend(self) -> None:
        name = self._target_name
        self.legend.set_entries([(self.points[0], f"{name} = 0"), (self.points[1], f"{name} = 1"),
                                 (self.boundary_line, f"P = {fmt(THRESHOLD)}")])

    def _recompute(self, force: bool = False) -> None:
        if not self._applicable() or self._theta is None:
            return
        if not (force or self.isVisible()):
            self.request_render()  # hidden since the request: catch up when shown
            return
        problem, d = self._problem, self.state.precision
        self._net.set_theta(self._theta)
        g = boundary_grid(self._net, problem.X_raw, problem.Y, problem.scaler, n=GRID_POINTS,
                          range_x=self._ranges[0], range_y=self._ranges[1])
        self._boundary = g
        self._drawn = (self._theta.tobytes(), d)
        vx, vy = g.values_x, g.values_y
        dx = (vx[-1] - vx[0]) / (len(vx) - 1)
        dy = (vy[-1] - vy[0]) / (len(vy) - 1)
        prob = np.nan_to_num(g.prob, nan=0.5)
        self.image.setImage(prob, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(vx[0] - dx / 2, vy[0] - dy / 2, vx[-1] - vx[0] + dx, vy[-1] - vy[0] + dy))
        self.boundary_line.setData(*contour_xy(prob, [THRESHOLD], vx, vy))
        wrong = ~g.row_right
        self.wrong.setData(problem.X_raw[wrong, 0], problem.X_raw[wrong, 1])
        self.plot.getPlotItem().setRange(xRange=(vx[0], vx[-1]), yRange=(vy[0], vy[-1]), padding=0)
        n_wrong = int(wrong.sum())
        ringed = f"; the {n_wrong} ringed ◯ {'is' if n_wrong == 1 else 'are'} wrong" if n_wrong else ""
        name = self._target_name
        self.accuracy_label.setText(
            f"Accuracy on the table: <b>{g.correct} of {g.total}</b> rows right "
            f"(<b>{fmt(100.0 * g.accuracy, d)} %</b>){ringed}.<br>"
            f"<span style='color:{colors.MUTED}'>A row counts as {name} = 1 when "
            f"P ≥ {fmt(THRESHOLD, d)}: the black line.</span>"
        )
        self.updated.emit()

    # ---- fonts -----------------------------------------------------------------------------------
    def _apply_labels(self) -> None:
        names = self._problem.input_names if self._problem is not None else ()
        if len(names) != 2:
            names = ("x1", "x2")
        style = label_style(self.scaled_pixels())
        item = self.plot.getPlotItem()
        item.setLabel("bottom", f"{names[0]} (x<sub>1</sub>, raw units)", **style)
        item.setLabel("left", f"{names[1]} (x<sub>2</sub>, raw units)", **style)
        self.color_bar.set_label(f"P({self._target_name} = 1)", **style)
        self.color_bar.align_to(item.getAxis("bottom"))

    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        self.message.setFont(font)
        big = QFont(font)
        big.setPixelSize(round(px * 1.15))
        self.accuracy_label.setFont(big)
        tick = tick_font(px - 2)
        style_ticks(self.plot.getPlotItem(), tick)
        self.color_bar.set_tick_font(tick, int(tick.pixelSize() * 3.6))
        self.color_bar.set_range(0.0, 1.0, [(v, fmt(v)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)])
        self._apply_labels()
        self.legend.set_text_size(f"{px}px")
