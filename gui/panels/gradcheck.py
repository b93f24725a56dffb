"""Gradient check: backprop's ∂L/∂p beside a finite-difference estimate, for every parameter.

The numbers come from engine.gradcheck.gradient_check(network, x, y). From a
record it checks the parameters *before* that row's update (theta_before) on
that row — the very gradients the inspector and the derivation show. The check
runs on set_context / Refresh at once; after show_record it runs at most every
AUTO_MS while "auto" is on (it costs 2 forward passes per parameter).

Widgets (objectNames): `gradCheckTable`, `gradCheckRefreshButton`,
`gradCheckAutoToggle`, `gradCheckSummary`.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from engine.gradcheck import STEP, GradCheckRow, gradient_check
from engine.network import Network
from engine.spec import NetworkSpec
from gui import colors
from engine.notation import fmt, fmt_full

COLUMNS = ("parameter", "backprop ∂L/∂p", "finite difference", "relative error")
GOOD_REL_ERROR = 1e-6


class GradCheckView(QWidget):
    """Contract: set_network, show_record, select_parameter, parameterSelected(str);
    set_context(network, x, y) checks at once; refresh() re-runs; rows() gives the last result."""

    parameterSelected = Signal(str)

    AUTO_MS = 250

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gradCheckPanel")
        self._context: tuple[Network, np.ndarray, np.ndarray] | None = None
        self._record = None
        self._rows: list[GradCheckRow] = []
        self._names: tuple[str, ...] = ()
        self._programmatic = False
        self._last_run = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.AUTO_MS)
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
        self.auto.setToolTip(f"Re-check after each trained row (at most every {self.AUTO_MS} ms)")
        self.auto.setChecked(True)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("gradCheckTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentCellChanged.connect(self._on_current_cell)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.auto)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.set_font_scale(1.0)
        self._render_summary()

    # ---- the view contract ----------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        self._context = None
        self._record = None
        self._rows = []
        self._names = tuple(spec.param_names)
        self._fill()

    def show_record(self, record, params: Mapping[str, float] | None = None) -> None:
        if record is self._record:
            return
        self._record = record
        if record is None:
            self._context = None
            self._rows = []
            self._fill()
            return
        self._context = (Network(record.spec, record.theta_before), np.array(record.x), np.array(record.y))
        if self.auto.isChecked():
            wait = self.AUTO_MS / 1000 - (time.perf_counter() - self._last_run)
            if wait <= 0:
                self.refresh()  # throttled: at most one check every AUTO_MS
                return
            if not self._timer.isActive():
                self._timer.start(max(1, int(wait * 1000)))
        self._render_summary(stale=True)

    def select_parameter(self, name: str) -> None:
        if name not in self._names:
            return
        row = self._names.index(name)
        if self.table.currentRow() != row and row < self.table.rowCount():
            self._programmatic = True
            try:
                self.table.setCurrentCell(row, 0)
            finally:
                self._programmatic = False

    def set_context(self, network: Network, x, y) -> None:
        """Check `network`'s current parameters on the row (x, y), now."""
        self._context = (Network(network.spec, network.theta), np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        self._record = None
        self.refresh()

    def set_font_scale(self, factor: float) -> None:
        f = QFont(self.font())
        f.setPixelSize(max(8, round(15 * factor)))
        self.table.setFont(f)
        self.table.verticalHeader().setDefaultSectionSize(round(f.pixelSize() * 1.8))
        self.summary.setFont(f)

    # ---- running the check ------------------------------------------------------------------
    def refresh(self) -> list[GradCheckRow]:
        self._timer.stop()
        self._last_run = time.perf_counter()
        if self._context is None:
            self._rows = []
        else:
            net, x, y = self._context
            self._rows = gradient_check(net, x, y)
            self._names = tuple(r.name for r in self._rows)
        self._fill()
        return self._rows

    def rows(self) -> list[GradCheckRow]:
        return list(self._rows)

    def worst(self) -> GradCheckRow | None:
        return max(self._rows, key=lambda r: r.rel_error) if self._rows else None

    # ---- display ---------------------------------------------------------------------------
    def _fill(self) -> None:
        rows = self._rows
        current = self.table.currentRow()
        self.table.setRowCount(len(rows))
        worst = self.worst()
        for i, r in enumerate(rows):
            cells = (
                (r.name, None),
                (fmt(r.analytic), r.analytic),
                (fmt(r.numeric), r.numeric),
                (fmt(r.rel_error, 3), r.rel_error),
            )
            is_worst = worst is not None and r is worst and r.rel_error > 0
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
        if 0 <= current < len(rows):
            self._programmatic = True
            try:
                self.table.setCurrentCell(current, 0)
            finally:
                self._programmatic = False
        self._render_summary()

    def _render_summary(self, stale: bool = False) -> None:
        worst = self.worst()
        if self._context is None:
            text = f"<span style='color:{colors.MUTED}'>Train one row (Step) to check its gradients.</span>"
        elif not self._rows or stale:
            text = f"<span style='color:{colors.MUTED}'>Press Refresh to compare backprop with finite differences.</span>"
            if self._rows:
                text = f"<span style='color:{colors.MUTED}'>A newer row arrived: Refresh to check it.</span>"
        else:
            ok = worst.rel_error < GOOD_REL_ERROR
            verdict = "backprop agrees" if ok else "check the worst row"
            where = ""
            if self._record is not None:
                where = f" at table row {self._record.row + 1} (parameters before its update)"
            text = (
                f"Central differences (h = {fmt(STEP)}){where}: worst relative error "
                f"<b>{fmt(worst.rel_error, 3)}</b> ({worst.name}), {verdict}."
            )
        self.summary.setText(text)

    def _on_current_cell(self, row: int, _col: int, _prev_row: int, _prev_col: int) -> None:
        if self._programmatic or not (0 <= row < len(self._rows)):
            return
        self.parameterSelected.emit(self._rows[row].name)
