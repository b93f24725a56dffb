"""Gradient check: backprop's ∂L/∂p beside a finite-difference estimate, for every parameter.

A view of the application state. The numbers come from
engine.gradcheck.gradient_check at the shown moment: its parameters (`moment.params`,
the ones its forward pass and gradients used), its inputs as the network saw them
(`moment.x`) and its target — the very gradients the inspector and the derivation
show. A prediction has no target, so there is nothing to check. With "auto" on, a
new moment is checked at once, at most every AUTO_MS while training runs (it costs
2 forward passes per parameter); a hidden view checks when it is next shown.

Widgets (objectNames): `gradCheckTable`, `gradCheckRefreshButton`,
`gradCheckAutoToggle`, `gradCheckSummary`.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.gradcheck import STEP, GradCheckRow, gradient_check
from engine.network import Network
from engine.notation import fmt, fmt_full
from gui import colors
from gui.state import AppState
from gui.widgets.font_scale import scale_table_font
from gui.widgets.state_view import RenderWhenShown, subscribe

COLUMNS = ("parameter", "backprop ∂L/∂p", "finite difference", "relative error")
GOOD_REL_ERROR = 1e-6
ERROR_DIGITS = 3  # a relative error needs no more


def network_at(moment) -> Network:
    """A network holding the parameters the moment's forward pass used."""
    spec = moment.spec
    theta = np.empty(spec.n_params)
    for name, i in spec.param_index.items():
        theta[i] = moment.params[name]
    return Network(spec, theta)


class GradCheckView(RenderWhenShown, QWidget):
    """A view of `state` (shown, selected, precision). refresh() checks the shown moment now;
    rows() gives the check of the shown moment (computed on demand when auto is on),
    worst() its largest relative error. Clicking a row sets `state.selected` and emits
    parameterSelected(name)."""

    parameterSelected = Signal(str)

    AUTO_MS = 250

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("gradCheckView")
        self._rows: list[GradCheckRow] = []
        self._checked = None  # the moment self._rows belong to
        self._programmatic = False
        self._last_run = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)

        self.summary = QLabel(self)
        self.summary.setObjectName("gradCheckSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("gradCheckRefreshButton")
        self.refresh_button.setToolTip("Run the finite-difference check now")
        self.refresh_button.clicked.connect(self.refresh)
        self.auto = QCheckBox("auto", self)
        self.auto.setObjectName("gradCheckAutoToggle")
        self.auto.setToolTip(f"Check each shown row (at most every {self.AUTO_MS} ms while training runs)")
        self.auto.setChecked(True)
        self.auto.toggled.connect(self.request_render)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("gradCheckTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.currentCellChanged.connect(self._on_current_cell)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.auto)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.set_font_scale(1.0)

        subscribe(self, state.events.shown, self.request_render)
        subscribe(self, state.events.precision, self._fill)
        subscribe(self, state.events.selected, self._on_selected)
        self.request_render()

    # ---- public ------------------------------------------------------------------------------
    def set_font_scale(self, factor: float) -> None:
        self.summary.setFont(scale_table_font(self.table, factor))

    def refresh(self) -> list[GradCheckRow]:
        """Check the shown moment now."""
        self._timer.stop()
        self._last_run = time.perf_counter()
        moment = self.state.shown
        self._checked = moment
        if moment is None or moment.record is None:
            self._rows = []
        else:
            self._rows = gradient_check(network_at(moment), moment.x, moment.record.y)
        self._fill()
        return list(self._rows)

    def rows(self) -> list[GradCheckRow]:
        """The check of the shown moment (checked now if auto is on and it was not yet)."""
        if self.auto.isChecked() and self._checked is not self.state.shown:
            self.refresh()
        return list(self._rows)

    def worst(self) -> GradCheckRow | None:
        rows = self.rows()
        return max(rows, key=lambda r: r.rel_error) if rows else None

    # ---- the state -----------------------------------------------------------------------------
    def render_state(self) -> None:
        """A new moment: check it (throttled) when auto is on, else say it is not checked yet."""
        if self._checked is self.state.shown:
            return
        if not self.auto.isChecked():
            self._render_summary()
            return
        wait = self.AUTO_MS / 1000 - (time.perf_counter() - self._last_run)
        if wait <= 0:
            self.refresh()
        else:
            if not self._timer.isActive():
                self._timer.start(max(1, int(wait * 1000)))
            self._render_summary()

    def _on_selected(self, *_args) -> None:
        names = [r.name for r in self._rows]
        name = self.state.selected
        if name in names and self.table.currentRow() != names.index(name):
            self._programmatic = True
            try:
                self.table.setCurrentCell(names.index(name), 0)
            finally:
                self._programmatic = False

    def _on_current_cell(self, row: int, _col: int, _prev_row: int, _prev_col: int) -> None:
        if self._programmatic or not (0 <= row < len(self._rows)):
            return
        name = self._rows[row].name
        if name != self.state.selected:
            self.state.selected = name
        self.parameterSelected.emit(name)

    # ---- display ---------------------------------------------------------------------------
    def _fill(self, *_args) -> None:
        rows, d = self._rows, self.state.precision
        self.table.setRowCount(len(rows))
        worst = max(rows, key=lambda r: r.rel_error) if rows else None
        for i, r in enumerate(rows):
            cells = (
                (r.name, None),
                (fmt(r.analytic, d), r.analytic),
                (fmt(r.numeric, d), r.numeric),
                (fmt(r.rel_error, ERROR_DIGITS), r.rel_error),
            )
            is_worst = r is worst and r.rel_error > 0
            for c, (text, full) in enumerate(cells):
                item = self.table.item(i, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(i, c, item)
                item.setText(text)
                item.setToolTip(fmt_full(full) if full is not None else text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                font = item.font()
                font.setBold(c == 0 or is_worst)
                item.setFont(font)
                item.setBackground(QBrush(QColor(colors.WARN_FILL)) if is_worst else QBrush())
            if is_worst:
                self.table.item(i, 3).setToolTip(f"worst relative error: {fmt_full(r.rel_error)}")
        self._on_selected()
        self._render_summary()

    def _render_summary(self) -> None:
        moment = self.state.shown
        muted = f"<span style='color:{colors.MUTED}'>"
        if moment is None:
            text = f"{muted}Train one row (Step) to check its gradients.</span>"
        elif moment.record is None:
            text = f"{muted}A prediction has no target, so there is no loss and no gradient to check.</span>"
        elif self._checked is not moment or not self._rows:
            text = f"{muted}Press Refresh to compare backprop with finite differences for the shown row.</span>"
        else:
            worst = max(self._rows, key=lambda r: r.rel_error)
            ok = worst.rel_error < GOOD_REL_ERROR
            verdict = "backprop agrees" if ok else "check the worst row"
            text = (
                f"Central differences (h = {fmt(STEP)}) at table row {moment.record.row + 1} "
                f"(the parameters its forward pass used): worst relative error "
                f"<b>{fmt(worst.rel_error, ERROR_DIGITS)}</b> ({worst.name}), {verdict}."
            )
        self.summary.setText(text)
