"""The training table: each row's inputs and target, what the network saw, and how it did.

Columns: row number, the raw input columns, the target column(s), the scaled
inputs x1, x2, … the network actually receives (when inputs are standardised),
then ŷ and the loss of that row the last time it was trained (before its
update, as in the tutorial's forward pass). The row trained last is
highlighted. The model reads the trainer's per-row arrays; a refresh only
signals which cells changed, so a 10 000-row table costs nothing extra.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from gui import colors
from engine.notation import fmt, fmt_full

CURRENT_FILL = colors.qcolor(colors.ORANGE, 0.30)
# Qt enum look-ups cost microseconds each in PySide6 (the short `Qt.DisplayRole` form ~15 µs);
# data() runs for every cell and role on every paint, so resolve them once.
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FONT = Qt.ItemDataRole.FontRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
HORIZONTAL = Qt.Orientation.Horizontal
ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
ALIGN_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
SCALED_TEXT = colors.MUTED


def _sub(index: int) -> str:
    return str(index).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


class DataTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._inputs: tuple[str, ...] = ()
        self._targets: tuple[str, ...] = ()
        self._X = np.empty((0, 0))
        self._Y = np.empty((0, 0))
        self._Xnet: np.ndarray | None = None
        self._loss = np.empty(0)
        self._current: int | None = None
        self._headers: list[tuple[str, str]] = []  # (title, tooltip)
        self._bold = QFont()
        self._bold.setBold(True)
        self._current_brush = QBrush(CURRENT_FILL)
        self._scaled_brush = QBrush(colors.qcolor(SCALED_TEXT))
        self._first_scaled = 1 << 30  # first column of the scaled inputs (none yet)

    # ---- content ----------------------------------------------------------------------
    def set_table(self, input_names: Sequence[str], target_names: Sequence[str], X, Y,
                  X_net: np.ndarray | None = None, scale_note: Sequence[str] = ()) -> None:
        """X_net: the inputs the network sees, when they differ from X (standardised)."""
        self.beginResetModel()
        self._inputs, self._targets = tuple(input_names), tuple(target_names)
        self._X, self._Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float).reshape(len(X), -1)
        self._Xnet = None if X_net is None else np.asarray(X_net, dtype=float)
        n, k = self._Y.shape
        self._records: list = [None] * n
        self._loss = np.full(n, np.nan)
        self._current = None
        heads = [("#", "row of the table (1 = first data row)")]
        heads += [(name, f"input column {name!r} as in the table") for name in self._inputs]
        heads += [(name, f"target column {name!r}: the value the network should output") for name in self._targets]
        if k == 1:
            heads.append(("ŷ", "the network's prediction for this row when it was last trained (before the update)"))
        else:
            heads += [(f"ŷ{_sub(j + 1)}", f"prediction {j + 1} when last trained") for j in range(k)]
        heads.append(("loss", "this row's loss when it was last trained"))
        if self._Xnet is not None:
            notes = list(scale_note) or [""] * len(self._inputs)
            heads += [(f"x{_sub(i + 1)}", f"what input {i + 1} of the network receives: {name} standardised {note}")
                      for i, (name, note) in enumerate(zip(self._inputs, notes))]
        self._headers = heads
        self._first_scaled = 1 + len(self._inputs) + 2 * k + 1 if self._Xnet is not None else 1 << 30
        self.endResetModel()

    def set_results(self, records, losses: np.ndarray, current: int | None) -> None:
        """Per row: the record of its last step (for ŷ) and its loss (live sequences); the highlighted row."""
        if self.rowCount() == 0:
            return
        self._records, self._loss = records, losses
        old, self._current = self._current, current
        first = 1 + len(self._inputs) + self._Y.shape[1]
        last = first + self._Y.shape[1]
        self.dataChanged.emit(self.index(0, first), self.index(self.rowCount() - 1, last),
                              [DISPLAY, TOOLTIP])
        if old != current:
            for row in {old, current} - {None}:
                if 0 <= row < self.rowCount():
                    self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1),
                                          [BACKGROUND, FONT, DISPLAY])

    @property
    def current(self) -> int | None:
        return self._current

    # ---- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self._X.shape[0]

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation != HORIZONTAL or not 0 <= section < len(self._headers):
            return None
        if role == DISPLAY:
            return self._headers[section][0]
        if role == TOOLTIP:
            return self._headers[section][1]
        return None

    def _value(self, row: int, col: int) -> float | None:
        """Columns: #, inputs, targets, ŷ (one per output), loss, then the scaled inputs."""
        n_in, k = len(self._inputs), self._Y.shape[1]
        if col == 0:
            return None
        col -= 1
        if col < n_in:
            return self._X[row, col]
        col -= n_in
        if col < k:
            return self._Y[row, col]
        col -= k
        if col < k:
            record = self._records[row] if row < len(self._records) else None
            return np.nan if record is None else record.y_hat[col]
        col -= k
        if col == 0:
            return self._loss[row] if row < self._loss.shape[0] else np.nan
        col -= 1
        if self._Xnet is not None and col < n_in:
            return self._Xnet[row, col]
        return None

    def data(self, index, role=DISPLAY):
        row, col = index.row(), index.column()
        if role == DISPLAY:
            if col == 0:
                return f"▶ {row + 1}" if row == self._current else str(row + 1)
            value = self._value(row, col)
            return "—" if value is None or value != value else fmt(value)
        if role == ALIGN:
            return ALIGN_NUMBER if col else ALIGN_CENTRE
        if role == BACKGROUND:
            return self._current_brush if row == self._current else None
        if role == FONT:
            return self._bold if row == self._current else None
        if role == FOREGROUND:
            return self._scaled_brush if col >= self._first_scaled else None
        if role == TOOLTIP and col > 0:
            value = self._value(row, col)
            return None if value is None or value != value else fmt_full(value)
        return None


class DataTable(QTableView):
    """objectName 'dataTable'."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dataTable")
        self.setAccessibleName("Training data")
        self.model_ = DataTableModel(self)
        self.setModel(self.model_)
        self.setSelectionMode(QAbstractItemView.NoSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setMinimumSectionSize(40)
        self.setWordWrap(False)
        self._follow = True

    def set_table(self, *args, **kwargs) -> None:
        self.model_.set_table(*args, **kwargs)
        self._fit_rows()

    def show_state(self, snapshot, scroll: bool = True) -> None:
        record = snapshot.record
        current = None if record is None else int(record.row)
        self.model_.set_results(snapshot.row_records, snapshot.row_loss, current)
        if scroll and current is not None:
            self.scrollTo(self.model_.index(current, 0), QAbstractItemView.EnsureVisible)

    def changeEvent(self, event):  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_rows()

    def _fit_rows(self) -> None:
        """Row height and column widths from the font (not from the data: no relayout per frame)."""
        fm = self.fontMetrics()
        height = int(fm.height() * 1.6)
        self.verticalHeader().setDefaultSectionSize(height)
        self.horizontalHeader().setFixedHeight(height)
        bold = QFont(self.font())
        bold.setBold(True)
        bfm = QFontMetrics(bold)
        number = bfm.horizontalAdvance("−7.77777e−77") + 14  # any fmt() result
        model = self.model_
        fixed = 1 + len(model._inputs) + model._Y.shape[1]  # the table's own columns: size to their values
        for col in range(model.columnCount()):
            title = model.headerData(col, HORIZONTAL) or ""
            if col == 0:
                width = bfm.horizontalAdvance(f"▶ {max(1, model.rowCount())}") + 20
            elif col < fixed:
                sample = [model.data(model.index(r, col)) or "" for r in range(min(model.rowCount(), 500))]
                width = max([bfm.horizontalAdvance(t) for t in sample] + [0]) + 20
            else:
                width = number
            self.setColumnWidth(col, max(width, bfm.horizontalAdvance(title) + 20))
