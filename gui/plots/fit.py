"""A regression network's picture, live while training: with one input the fitted curve ŷ(x)
over the table's points, with two the fitted surface ŷ(x1, x2) as a heat map under the points
coloured by their target. Everything is in the table's own units (inputs and ŷ).

The points share the heat map's colours: a row whose colour matches the ground under it is
fitted well. Training rows are filled, held-out test rows hollow (a ring in the row's colour).
Numbers come from engine.boundary (fitted_line, fitted_surface); the live machinery (which
parameters, when to redraw) is gui.plots.boundary's LivePicture.

`PictureView` is one page for every task: the decision boundary for classification, this view
for regression.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from engine.boundary import fitted_line, fitted_surface, padded_range
from engine.contours import contour_levels, contour_xy
from engine.notation import fmt
from engine.spec import NetworkSpec
from gui import colors
from gui.plots.boundary import (
    BoundaryView,
    LivePicture,
    hollow_row_sample,
    image_rect,
    pastel_map,
    point_size,
)
from gui.plots.style import ColorScale, PinnedLegend, is_classifier, label_style, quiet, style_ticks, tick_font
from gui.widgets.state_view import subscribe

LINE_POINTS = 301  # x values along the fitted curve
MAP = "viridis"
CONTOURS = 5  # thin lines of equal ŷ over the surface, so values can be read off
POINT_SHADES = 64  # the targets' colours, as steps of the map


class FitView(LivePicture):
    """objectName 'fitView': the fitted curve (1 input) or surface (2 inputs) of a regression network.

    FitView(state, parent=None) subscribes like the BoundaryView. Public: refresh_now(), theta(),
    fit() -> engine.boundary.FittedLine | FittedSurface | None (last drawn), points() -> (x, y)
    of the training rows drawn, test_points() -> (x, y) of the rows drawn hollow,
    set_font_scale(factor). Signal updated() after every redraw.
    """

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.setObjectName("fitView")
        self.setAccessibleName("Fitted curve or surface")
        self._fit = None
        self._x_range = self._y_range = self._levels = None
        self._build()
        self._start()

    def _build(self) -> None:
        self.caption = QLabel(self)
        self.caption.setObjectName("fitCaption")
        self.caption.setTextFormat(Qt.RichText)
        self.caption.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("fitPlot")
        item = quiet(self.plot.getPlotItem())
        self.cmap = pastel_map(MAP)
        self.point_cmap = pg.colormap.get(MAP)  # the same colours at full strength: the dots stand out
        self.image = pg.ImageItem()
        self.image.setColorMap(self.cmap)
        self.contours = pg.PlotDataItem(pen=pg.mkPen(colors.qcolor(colors.INK, 0.35), width=1), connect="pairs")
        self.curve = pg.PlotDataItem(pen=pg.mkPen(colors.VERMILLION, width=3), antialias=True)
        self.train_points = pg.ScatterPlotItem(symbol="o", pen=pg.mkPen(colors.INK, width=1))
        self.hollow_points = pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(255, 255, 255, 0))
        self.test_sample = hollow_row_sample()
        for z, it in enumerate((self.image, self.contours, self.curve, self.train_points, self.hollow_points)):
            it.setZValue(z)
            item.addItem(it)
        self.legend = PinnedLegend(item.getViewBox(), "top-left", pen=pg.mkPen(colors.MUTED))
        self.color_bar = ColorScale(self.cmap)
        self.color_bar.setObjectName("fitColorScale")
        self._build_pages(self.caption, self.color_bar)
        self.message.setObjectName("fitMessage")
        self._say("Load a regression network and a table to see its fitted curve.")

    # ---- the problem ------------------------------------------------------------------------------
    def _applies(self, spec: NetworkSpec) -> str | None:
        if is_classifier(spec):
            return ("A classifier's picture is its decision boundary: the fitted curve or surface "
                    "belongs to regression.")
        if spec.n_inputs > 2:
            return (f"A fitted curve is drawn over one input and a fitted surface over two; this network "
                    f"has {spec.n_inputs} inputs, and ŷ over {spec.n_inputs} inputs cannot be drawn flat. "
                    "Choose a table with one or two inputs (plane, gauss-mix) to see it.")
        return None

    @property
    def surface(self) -> bool:
        return self._problem is not None and self._problem.spec.n_inputs == 2

    def _new_problem(self) -> None:
        self._fit = None
        X, y = self._problem.X_raw, self._problem.Y_raw[:, 0]
        test = self._test_mask()
        size = point_size(X.shape[0]) + (2 if self.surface else 0)
        self._x_range = padded_range(X[:, 0], 0.05)
        self._y_range = padded_range(X[:, 1] if self.surface else y, 0.05 if self.surface else 0.1)
        if self.surface:
            self._levels = padded_range(y, 0.02)  # about the targets' span: the points' colours never shift
            # POINT_SHADES steps of the map: finer than the eye tells apart, and pyqtgraph draws each
            # distinct colour's symbol once (a shade per point cost 0.8 s on a 10 000-row table).
            shade = np.rint((y - self._levels[0]) / (self._levels[1] - self._levels[0]) * (POINT_SHADES - 1))
            palette = self.point_cmap.map(np.linspace(0.0, 1.0, POINT_SHADES), mode="qcolor")
            brushes = [pg.mkBrush(c) for c in palette]
            pens = [pg.mkPen(c, width=3) for c in palette]
            index = shade.astype(int)
            self.train_points.setData(X[~test, 0], X[~test, 1], size=size, brush=[brushes[i] for i in index[~test]])
            self.hollow_points.setData(X[test, 0], X[test, 1], size=size, pen=[pens[i] for i in index[test]])
        else:
            self.train_points.setData(X[~test, 0], y[~test], size=size, brush=pg.mkBrush(colors.BLUE))
            self.hollow_points.setData(X[test, 0], y[test], size=size, pen=pg.mkPen(colors.BLUE, width=2.5))
        self.image.setVisible(self.surface)
        self.contours.setVisible(self.surface)
        self.curve.setVisible(not self.surface)
        self.color_bar.setVisible(self.surface)
        self.image.clear()
        self.curve.setData([], [])
        self.contours.setData([], [])
        self._write_legend()
        self._apply_plot_font(self.scaled_pixels())

    def _write_legend(self) -> None:
        entries = [(self.train_points, "training rows")]
        if self._problem.test_rows.size:
            entries.append((self.test_sample, "hollow: test rows"))
        if not self.surface:
            entries.append((self.curve, "ŷ, the network's output"))
        self.legend.set_entries(entries)

    def fit(self):
        return self._fit

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.train_points.getData()
        return np.asarray(x), np.asarray(y)

    def test_points(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.hollow_points.getData()
        return np.asarray(x), np.asarray(y)

    # ---- drawing -------------------------------------------------------------------------------
    def _draw(self, d: int) -> None:
        rows = self._problem
        if self.surface:
            f = fitted_surface(self._net, self._x_range, self._y_range, rows.scaler, rows.target_scaler,
                               n=self.grid_points())  # coarser while a run trains
            lo, hi = self._levels
            shown = np.nan_to_num(f.y_hat, nan=lo, posinf=hi, neginf=lo)  # an overflow: off the scale
            self.image.setImage(shown, autoLevels=False, levels=(lo, hi))
            self.image.setRect(image_rect(f.values_x, f.values_y))
            self.contours.setData(*contour_xy(shown, contour_levels(lo, hi, CONTOURS), f.values_x, f.values_y))
        else:
            f = fitted_line(self._net, self._x_range, rows.scaler, rows.target_scaler, n=LINE_POINTS)
            self.curve.setData(f.values_x, f.y_hat)
        self._fit = f
        self.plot.getPlotItem().setRange(xRange=self._x_range, yRange=self._y_range, padding=0)
        self._write_caption(d)

    def _write_caption(self, d: int) -> None:
        x_names = self._input_names(2 if self.surface else 1)
        what = (f"ŷ for every ({x_names[0]}, {x_names[1]}): the colours (lines join equal ŷ); "
                f"each row's dot has its {self._target_name}'s colour"
                if self.surface else f"ŷ for every {x_names[0]}: the line, over the table's rows")
        self.caption.setText(
            f"Fitted {'surface' if self.surface else 'curve'}: {what}.<br>"
            f"<span style='color:{colors.MUTED}'>In the table's own units; filled dots train the "
            f"network{', hollow ones are held out to test it' if self._problem.test_rows.size else ''}.</span>")

    # ---- fonts -----------------------------------------------------------------------------------
    def _apply_labels(self) -> None:
        if self._problem is None or self._net is None:
            return
        style = label_style(self.scaled_pixels())
        item = self.plot.getPlotItem()
        names = self._input_names(2 if self.surface else 1)
        item.setLabel("bottom", f"{names[0]} (x<sub>1</sub>, table units)", **style)
        if self.surface:
            item.setLabel("left", f"{names[1]} (x<sub>2</sub>, table units)", **style)
            self.color_bar.set_label(f"ŷ and {self._target_name}", **style)
            self.color_bar.align_to(item.getAxis("bottom"))
        else:
            item.setLabel("left", f"{self._target_name} and ŷ (table units)", **style)

    def _apply_plot_font(self, px: int) -> None:
        tick = tick_font(px - 2)
        style_ticks(self.plot.getPlotItem(), tick)
        self.color_bar.set_tick_font(tick, int(tick.pixelSize() * 5.6))  # room for "−0.0123" and the label
        if self._levels is not None:
            lo, hi = self._levels
            self.color_bar.set_range(lo, hi, [(v, fmt(v, 3)) for v in np.linspace(lo, hi, 5)])
        self.legend.set_text_size(f"{px}px")


class PictureView(QStackedWidget):
    """objectName 'pictureView': the picture that fits the task, on one page: the decision boundary
    (BoundaryView, 'boundaryView') for a classifier, the fitted curve or surface (FitView,
    'fitView') for regression. Only the page on show does any work (the other is hidden)."""

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pictureView")
        self.state = state
        self.boundary = BoundaryView(state, self)
        self.fit = FitView(state, self)
        self.addWidget(self.boundary)
        self.addWidget(self.fit)
        subscribe(self, state.events.setup, self._setup_changed)
        self._setup_changed(state.setup)

    def _setup_changed(self, setup) -> None:
        classifier = setup is None or is_classifier(setup.spec)
        self.setCurrentWidget(self.boundary if classifier else self.fit)

    def set_font_scale(self, factor: float) -> None:
        self.boundary.set_font_scale(factor)
        self.fit.set_font_scale(factor)
