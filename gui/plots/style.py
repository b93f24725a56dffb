"""What the plots share: one pyqtgraph configuration, a legend pinned to a corner of its plot,
a colour key, and the problem they study, read from the application state's setup.

`apply_style()` sets pyqtgraph's global configuration once (white background, ink for axes,
ticks and labels); every plot calls it before building its items, so no plot sets its own
background or axis pens. `PinnedLegend` replaces pyqtgraph's anchored legend (see its
docstring for why), `ColorScale` is the heat maps' colour key, `Problem.of(setup)` the table,
scaling, start parameters and row order a plot works on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.init import initialise
from engine.network import Network
from engine.run_table import RunTable
from engine.spec import NetworkSpec
from gui import colors


@cache
def apply_style() -> None:
    """pyqtgraph's global configuration for every plot of the app (runs once)."""
    pg.setConfigOptions(background="w", foreground=colors.INK, antialias=False, imageAxisOrder="col-major")


def quiet(item: pg.PlotItem) -> pg.PlotItem:
    """No context menu and no auto-range button: each plot chooses its own ranges."""
    item.setMenuEnabled(False)
    item.hideButtons()
    return item


def label_style(pixels: int) -> dict:
    """Axis-label style for `PlotItem.setLabel` at a pixel size."""
    return {"color": colors.INK, "font-size": f"{pixels}px"}


def name_html(name: str) -> str:
    """'W211' -> 'W<sub>211</sub>' (tutorial names with their indices set as subscripts)."""
    return re.sub(r"^([A-Za-z]+)(\d+)$", r"\1<sub>\2</sub>", name)


def tick_font(pixels: int) -> QFont:
    font = QFont()
    font.setPixelSize(max(10, pixels))
    return font


def style_ticks(item: pg.PlotItem, font: QFont, axes=("left", "bottom")) -> None:
    for name in axes:
        item.getAxis(name).setStyle(tickFont=font, tickTextOffset=6)


class PinnedLegend(pg.LegendItem):
    """A legend held at a corner of a view box, placed when the view box resizes and when its
    own labels change: it has no anchor callback.

    Why not pyqtgraph's anchored legend (`PlotItem.addLegend`, `LegendItem(offset=…)`): it
    re-places itself from its own `geometryChanged` signal, reading the view box it stored.
    When a plot is destroyed, Qt destroys the view box before the legend (its child), and on
    its way out the view box un-parents itself, which re-resolves the legend's font and
    resizes the legend whenever its size lagged its layout (a label changed since the last
    layout pass: the race relabels its lanes on every tick). The anchor slot then called the
    view box whose Python side was already gone: "Internal C++ object (ViewBox) already
    deleted" (the flaky race test: a race view destroyed right after a tick relabelled its
    lanes). Here the legend's size is settled as soon as its labels change (its layout is
    activated at once, so its box also always holds its labels), and nothing connected to its
    geometry reads the view box, so a plot can be torn down at any moment.
    """

    def __init__(self, view_box: pg.ViewBox, corner: str = "top-right", margin: float = 10, **kwargs):
        kwargs.setdefault("labelTextColor", colors.INK)
        kwargs.setdefault("brush", pg.mkBrush(255, 255, 255, 225))
        super().__init__(offset=None, **kwargs)  # offset=None: no anchor
        self._box = view_box
        self._corner = corner
        self._margin = margin
        self._size = "14px"
        self._margins = self.layout.getContentsMargins()
        self._one_row = False
        self.setParentItem(view_box)
        self.setZValue(1000)
        view_box.sigResized.connect(self._place)

    # ---- content ---------------------------------------------------------------------------
    def set_entries(self, entries) -> None:
        """(plot item, text) pairs, replacing what the legend showed."""
        self.clear()
        for item, text in entries:
            self.addItem(item, text)
        self._arrange()
        self.set_text_size(self._size)

    def set_texts(self, texts) -> None:
        """New texts for the entries, in order (only the ones that changed are re-set)."""
        changed = False
        for (_sample, label), text in zip(self.items, texts):
            if label.text != text:
                label.setText(text, size=self._size, color=colors.INK)
                changed = True
        if changed:
            self._settle()

    def set_text_size(self, size: str) -> None:
        """The labels' size as CSS: '16px', '12pt'."""
        self._size = size
        self.setLabelTextSize(size)
        for _sample, label in self.items:
            label.setText(label.text, size=size, color=colors.INK)
        self._settle()

    def texts(self) -> list[str]:
        return [label.text for _sample, label in self.items]

    def set_one_row(self, on: bool) -> None:
        """The entries side by side (a low plot: a column of them would cover it) or stacked."""
        if bool(on) != self._one_row:
            self._one_row = bool(on)
            self._arrange()
            self._settle()

    def _arrange(self) -> None:
        """Each entry (sample, text) in the grid: all in row 0, or one row each. Placed here rather
        than by pyqtgraph's column count, which does not re-place entries added after a clear()."""
        for i in range(self.layout.count() - 1, -1, -1):
            self.layout.removeAt(i)
        for i, (sample, label) in enumerate(self.items):
            row, column = (0, 2 * i) if self._one_row else (i, 0)
            self.layout.addItem(sample, row, column, alignment=Qt.AlignmentFlag.AlignVCenter)
            self.layout.addItem(label, row, column + 1)
        self.layout.setContentsMargins(*((4, 0, 4, 0) if self._one_row else self._margins))  # a thin strip

    # ---- placement -------------------------------------------------------------------------
    def _settle(self) -> None:
        """Lay the labels out now and size the legend to them, then place it."""
        self.updateSize()
        self.layout.activate()
        self._place()

    def _place(self, *_args) -> None:
        box = self._box.boundingRect()
        m = self._margin
        x = box.right() - self.width() - m if self._corner.endswith("right") else box.left() + m
        y = box.bottom() - self.height() - m if self._corner.startswith("bottom") else box.top() + m
        self.setPos(x, y)

    # A drag would re-anchor the legend the pyqtgraph way (the callback this class avoids).
    def hoverEvent(self, ev) -> None:
        pass

    def mouseDragEvent(self, ev) -> None:
        ev.ignore()


class ColorScale(pg.PlotWidget):
    """A vertical colour key: the colour map as a strip, its values on the right-hand axis.

    (pyqtgraph's ColorBarItem inserted into a PlotItem's layout is not used: on PySide6,
    destroying such a plot and later collecting its Python wrappers corrupted memory in
    our tests. A plain PlotWidget with an ImageItem is the pattern every other plot here uses.)
    """

    def __init__(self, cmap: pg.ColorMap, parent: QWidget | None = None):
        apply_style()
        super().__init__(parent)
        item = quiet(self.getPlotItem())
        item.setMouseEnabled(x=False, y=False)
        item.hideAxis("bottom")
        item.hideAxis("left")
        item.showAxis("right")
        self.axis = item.getAxis("right")
        self.axis.enableAutoSIPrefix(False)
        lut = cmap.getLookupTable(nPts=256, alpha=True)  # (256, 4) uint8
        self.strip = pg.ImageItem()
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


# ---- the problem a plot studies ----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Problem:
    """What the plots study, from the state's setup alone: the table split and scaled exactly as
    the run trains on it (engine.run_table), the run's start parameters and its row order.

    X_raw, Y_raw are every row in the table's units (the pictures draw them, held-out rows
    hollow); X, Y are the training rows as the network sees them (the landscape's and the
    race's losses are the run's own)."""

    spec: NetworkSpec
    table: RunTable
    X: np.ndarray  # (training rows, inputs) as the network sees them
    Y: np.ndarray  # (training rows, outputs) as the network learns them
    theta0: np.ndarray  # the start parameters (setup.init, setup.seed)
    order: str
    seed: int
    batch: int
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]

    @classmethod
    def of(cls, setup) -> Problem | None:
        if setup is None:
            return None
        ds = setup.dataset
        table = RunTable.of(ds.X, ds.Y, scaling=setup.scaling, target_scaling=setup.target_scaling,
                            test_fraction=setup.test_fraction, seed=setup.seed)
        theta0 = initialise(Network(setup.spec), setup.init, setup.seed).theta.copy()
        X, Y = table.train
        return cls(spec=setup.spec, table=table, X=X, Y=Y, theta0=theta0, order=setup.order, seed=int(setup.seed),
                   batch=int(setup.batch), input_names=tuple(ds.input_names), target_names=tuple(ds.target_names))

    # the table's own view of it, for the pictures
    @property
    def X_raw(self) -> np.ndarray:
        return self.table.X_raw

    @property
    def Y_raw(self) -> np.ndarray:
        return self.table.Y_raw

    @property
    def scaler(self):
        return self.table.scaler

    @property
    def target_scaler(self):
        return self.table.target_scaler

    @property
    def train_rows(self) -> np.ndarray:
        return self.table.train_rows

    @property
    def test_rows(self) -> np.ndarray:
        return self.table.test_rows


def is_classifier(spec: NetworkSpec) -> bool:
    """A network whose output is a probability of class 1 (sigmoid output or cross-entropy loss)."""
    return spec.loss == "bce" or spec.activations[-1] == "sigmoid"
