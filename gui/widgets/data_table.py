"""The training table: each row's inputs and target, what the network saw, and how it did.

Columns: row number, the raw input columns, the target column(s), ŷ and the loss of
that row the last time it was trained (before its update, as in the tutorial's forward
pass), then the scaled inputs x1, x2, … the network actually receives (when inputs are
standardised). The row of the shown moment is highlighted; clicking a row asks the state
to explain it (`state.row`). The model reads the run's per-row arrays; a refresh only
signals which cells changed, so a 10 000-row table costs nothing extra.

Numbers are written with `fmt(v, state.precision)` and never cut: no eliding, and every
column is at least as wide as the widest number it can hold at that precision.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from engine.notation import MINUS, SIGNIFICANT, fmt, fmt_full, output_name
from engine.run_table import RunTable
from gui import colors
from gui.widgets.state_view import RenderWhenShown, subscribe

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
SLOW_SPEED = 20  # rows/s at or below which the table scrolls to follow the shown row while training
PADDING = 20  # px around a cell's text


def _sub(index: int) -> str:
    return str(index).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def widest_number(digits: int) -> str:
    """A string at least as wide as any `fmt(v, digits)` (sign, digits, point, exponent)."""
    return MINUS + "8." + "8" * (digits - 1) + "e" + MINUS + "308"


class DataTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._inputs: tuple[str, ...] = ()
        self._targets: tuple[str, ...] = ()
        self._X = np.empty((0, 0))
        self._Y = np.empty((0, 0))
        self._Xnet: np.ndarray | None = None
        self._records: list = []
        self._loss = np.empty(0)
        self._current: int | None = None
        self._digits = SIGNIFICANT
        self._headers: list[tuple[str, str]] = []  # (title, tooltip)
        self._bold = QFont()
        self._bold.setBold(True)
        self._current_brush = QBrush(CURRENT_FILL)
        self._scaled_brush = QBrush(colors.qcolor(SCALED_TEXT))
        self._first_scaled = 1 << 30  # first column of the scaled inputs (none yet)
        self._units = None  # engine.scaling.TargetScaler when targets are standardised
        self._test: frozenset[int] = frozenset()  # rows held out for testing

    # ---- content ----------------------------------------------------------------------
    def set_table(self, input_names: Sequence[str], target_names: Sequence[str], X, Y,
                  X_net: np.ndarray | None = None, scale_note: Sequence[str] = (),
                  output_names: Sequence[str] = ()) -> None:
        """X_net: the inputs the network sees, when they differ from X (standardised)."""
        self.beginResetModel()
        self._inputs, self._targets = tuple(input_names), tuple(target_names)
        self._X = np.asarray(X, dtype=float).reshape(len(X), len(self._inputs))
        self._Y = np.asarray(Y, dtype=float).reshape(len(X), len(self._targets))
        self._Xnet = None if X_net is None else np.asarray(X_net, dtype=float)
        n, k = self._Y.shape
        self._records = [None] * n
        self._loss = np.full(n, np.nan)
        self._current = None
        outputs = tuple(output_names) or (("ŷ",) if k == 1 else tuple(f"ŷ{_sub(j + 1)}" for j in range(k)))
        heads = [("#", "row of the table (1 = first data row); click a row to see it in every view")]
        heads += [(name, f"input column {name!r} as in the table") for name in self._inputs]
        heads += [(name, f"target column {name!r}: the value the network should output") for name in self._targets]
        heads += [(name, f"the network's output {name} for this row when it was last trained (before the update)")
                  for name in outputs]
        heads.append(("loss", "this row's loss when it was last trained"))
        if self._Xnet is not None:
            notes = list(scale_note) or [""] * len(self._inputs)
            heads += [(f"x{_sub(i + 1)}", f"what input {i + 1} of the network receives: {name} scaled {note}")
                      for i, (name, note) in enumerate(zip(self._inputs, notes))]
        self._headers = heads
        self._first_scaled = 1 + len(self._inputs) + 2 * k + 1 if self._Xnet is not None else 1 << 30
        self.endResetModel()

    def set_results(self, records, losses: np.ndarray, current: int | None, units=None, loss_name: str = "se",
                    test_rows=()) -> None:
        """Per row: the record of its last step (for ŷ) and its loss (live sequences); the highlighted
        row; `units` (a TargetScaler) turns standardised ŷ and L back into the table's units;
        `test_rows` are held out (never trained, marked)."""
        n = self.rowCount()
        if n == 0:
            return
        if len(records) != n or len(losses) != n:  # a run of another table (the setup just changed)
            records, losses = [None] * n, np.full(n, np.nan)
        self._units = None if units is None or units.is_identity else units
        if self._units is not None:
            table_losses = self._units.loss_to_table(np.asarray(losses), loss_name)
            losses = np.full(n, np.nan) if table_losses is None else table_losses
        test = frozenset(int(r) for r in test_rows)
        if test != self._test:
            self._test = test
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, 0), [DISPLAY, TOOLTIP, FOREGROUND])
        self._records, self._loss = records, losses
        old, self._current = self._current, current
        first = 1 + len(self._inputs) + self._Y.shape[1]
        last = first + self._Y.shape[1]
        self.dataChanged.emit(self.index(0, first), self.index(n - 1, last), [DISPLAY, TOOLTIP])
        if old != current:
            for row in {old, current} - {None}:
                if 0 <= row < n:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1),
                                          [BACKGROUND, FONT, DISPLAY])

    def set_digits(self, digits: int) -> None:
        self._digits = int(digits)
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1),
                                  [DISPLAY])

    @property
    def current(self) -> int | None:
        return self._current

    @property
    def own_columns(self) -> int:
        """The row number and the table's own columns (inputs, targets): their values never change."""
        return 1 + len(self._inputs) + self._Y.shape[1]

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

    def value(self, row: int, col: int) -> float | None:
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
            if record is None:
                return np.nan
            return record.y_hat[col] if self._units is None else self._units.inverse(record.y_hat)[col]
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
                mark = " test" if row in self._test else ""
                return (f"▶ {row + 1}" if row == self._current else str(row + 1)) + mark
            value = self.value(row, col)
            return "—" if value is None or value != value else fmt(value, self._digits)
        if role == ALIGN:
            return ALIGN_NUMBER if col else ALIGN_CENTRE
        if role == BACKGROUND:
            return self._current_brush if row == self._current else None
        if role == FONT:
            return self._bold if row == self._current else None
        if role == FOREGROUND:
            return self._scaled_brush if col >= self._first_scaled or (col == 0 and row in self._test) else None
        if role == TOOLTIP and col == 0 and row in self._test:
            return "held out for testing: never trained on; its loss is part of the test loss"
        if role == TOOLTIP and col > 0:
            value = self.value(row, col)
            return None if value is None or value != value else fmt_full(value)
        return None


class DataTable(RenderWhenShown, QTableView):
    """objectName 'dataTable': the table of `state.setup`, the run's per-row results from
    `state.history`, the row of `state.shown` highlighted; a click sets `state.row`.

    DataTable(state, parent=None). Public: `highlighted_row()` (0-based, or None).
    """

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("dataTable")
        self.setAccessibleName("Training data")
        self.model_ = DataTableModel(self)
        self.setModel(self.model_)
        self.setSelectionMode(QAbstractItemView.NoSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.horizontalHeader().setMinimumSectionSize(40)
        self.setWordWrap(False)
        self.clicked.connect(self._row_clicked)
        subscribe(self, state.events.setup, self._setup_changed)
        # Per-row results change with the run, but every change of the run also brings a new shown
        # moment (at the numbers' pace while training flat out): rendering on `shown` alone keeps
        # the results and the highlighted row from the same instant, at a readable rate.
        subscribe(self, state.events.shown, self.request_render)
        subscribe(self, state.events.precision, self._precision_changed)
        self.model_.set_digits(state.precision)
        self._setup_changed(state.setup)

    def highlighted_row(self) -> int | None:
        return self.model_.current

    # ---- state → table -----------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        if setup is None:
            self.model_.set_table((), (), np.empty((0, 0)), np.empty((0, 0)))
        else:
            ds = setup.dataset
            X = np.asarray(ds.X, dtype=float)
            scaled, notes = None, ()
            if setup.scaling != "none":  # as the run scales them (fitted on its training rows)
                table = RunTable.of(X, ds.Y, scaling=setup.scaling, target_scaling=setup.target_scaling,
                                    test_fraction=setup.test_fraction, seed=setup.seed)
                scaled = table.X
                offset, scale = ("minimum", "range") if setup.scaling == "minmax" else ("mean", "deviation")
                d = self.state.precision
                notes = [f"({offset} {fmt(m, d)}, {scale} {fmt(v, d)} over the training rows)"
                         for m, v in zip(table.scaler.offset, table.scaler.scale)]
            outputs = [output_name(setup.spec, k) for k in range(1, setup.spec.n_outputs + 1)]
            self.model_.set_table(ds.input_names, ds.target_names, X, ds.Y, X_net=scaled, scale_note=notes,
                                  output_names=outputs)
        self._fit_columns()
        self.request_render()

    def _precision_changed(self, digits: int) -> None:
        self.model_.set_digits(digits)
        self._fit_columns()

    def render_state(self) -> None:
        model, state = self.model_, self.state
        history, shown = state.history, state.shown
        n = model.rowCount()
        if history is not None:
            records, losses = history.row_records, history.row_loss
        else:
            records, losses = [None] * n, np.full(n, np.nan)
        current = None if shown is None else shown.row
        if history is not None and state.setup is not None:
            model.set_results(records, losses, current, units=history.target_scaler, loss_name=state.setup.loss,
                              test_rows=history.test_rows)
        else:
            model.set_results(records, losses, current)
        running = history is not None and history.running
        follow = not running or (state.speed is not None and state.speed <= SLOW_SPEED)
        if follow and current is not None and 0 <= current < n:
            self.scrollTo(model.index(current, 0), QAbstractItemView.EnsureVisible)

    def _row_clicked(self, index) -> None:
        if index.isValid():
            self.state.row = index.row()

    # ---- sizes --------------------------------------------------------------------------------------
    def changeEvent(self, event):  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_columns()

    def _fit_columns(self) -> None:
        """Row height from the font; every column as wide as the widest text it can hold (from the
        font and the precision, not from the live data: no relayout while training)."""
        fm = self.fontMetrics()
        height = int(fm.height() * 1.6)
        self.verticalHeader().setDefaultSectionSize(height)
        self.horizontalHeader().setFixedHeight(height)
        bold = QFont(self.font())
        bold.setBold(True)
        bfm = QFontMetrics(bold)
        model = self.model_
        digits = self.state.precision
        number = bfm.horizontalAdvance(widest_number(digits)) + PADDING
        for col in range(model.columnCount()):
            title = model.headerData(col, HORIZONTAL) or ""
            if col == 0:
                held_out = self.state.setup is not None and self.state.setup.test_fraction > 0
                width = bfm.horizontalAdvance(f"▶ {max(1, model.rowCount())}{' test' if held_out else ''}") + PADDING
            elif col < model.own_columns:
                width = self._widest(bfm, [model.value(r, col) for r in range(model.rowCount())], digits)
            else:
                width = number
            self.setColumnWidth(col, max(width, bfm.horizontalAdvance(title) + PADDING))

    @staticmethod
    def _widest(metrics: QFontMetrics, values, digits: int) -> int:
        texts = {fmt(v, digits) for v in values if v == v} or {"—"}
        return max(metrics.horizontalAdvance(t) for t in texts) + PADDING
