"""The parameter inspector: every parameter's value and gradient in the shown moment,
and the selected one's chain rule written out with that moment's numbers.

A view of the application state. A QTableView (objectName `paramInspector`) over a
small QAbstractTableModel, one row per parameter in the tutorial's order (W111, W121,
b11, W112, …). Columns:

    parameter | value | ∂L/∂p                              idle, preview, prediction
    parameter | value before → after | ∂L/∂p | −η·∂L/∂p   when the moment shows an update

A prediction has no target, so its gradients read "—". Numbers are
`fmt(v, state.precision)`; columns are as wide as their contents (never an ellipsis).
A new moment changes the number cells with one dataChanged — never a reset — so
selection and scrolling survive.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSizePolicy, QTableView, QVBoxLayout, QWidget

from engine.notation import SIGNIFICANT, fmt, fmt_full
from gui import colors
from gui.panels.derivation import chain_rule_html, math_html
from gui.state import AppState
from gui.widgets.font_scale import scale_table_font
from gui.widgets.state_view import subscribe

NAME, VALUE, GRAD, UPDATE = range(4)
HEADERS = {
    NAME: ("parameter", "parameter name (W: weight, b: bias)"),
    VALUE: ("value", "the value the shown row's forward pass used"),
    GRAD: ("∂L/∂p", "gradient of the shown row's loss with respect to this parameter"),
    UPDATE: ("update\n−η·∂L/∂p", "how much this row's update changes it: −η·∂L/∂p"),
}
VALUE_AFTER = ("value\nbefore → after", "the value before this row's update → after it")
ARROW = " → "
NO_NUMBER = "—"


class ParamTableModel(QAbstractTableModel):
    """Rows: parameters. Cells hold numbers; `data` writes them with fmt at the model's precision."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._names: tuple[str, ...] = ()
        self._values: list[tuple[float, float | None] | None] = []  # (value, after or None); None: no moment
        self._grads: list[float | None] = []
        self._updates: list[float] | None = None  # only when an update is shown
        self._digits = SIGNIFICANT
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- feeding ---------------------------------------------------------------------
    def names(self) -> tuple[str, ...]:
        return self._names

    def shows_update(self) -> bool:
        return self._updates is not None

    def show(self, names: tuple[str, ...], moment, digits: int) -> None:
        """The numbers of `moment` (None: names only). One dataChanged for what changed."""
        if names != self._names:
            self.beginResetModel()
            self._names = names
            self._values = [None] * len(names)
            self._grads = [None] * len(names)
            self._updates = None
            self.endResetModel()
        if moment is None or tuple(moment.spec.param_names) != names:
            values: list = [None] * len(names)
            grads: list[float | None] = [None] * len(names)
            updates = None
        else:
            after = moment.params_after
            values = [(moment.params[n], None if after is None else after[n]) for n in names]
            record = moment.record
            grads = [None] * len(names) if record is None else [record.grads[n] for n in names]
            updates = None if after is None or record is None else [record.updates[n] for n in names]
        self._set_update_column(updates)
        changed = (values, grads) != (self._values, self._grads) or digits != self._digits
        self._values, self._grads, self._digits = values, grads, digits
        if names and changed:
            roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole]
            self.dataChanged.emit(self.index(0, VALUE), self.index(len(names) - 1, self.columnCount() - 1), roles)

    def _set_update_column(self, updates: list[float] | None) -> None:
        had = self._updates is not None
        if had and updates is None:
            self.beginRemoveColumns(QModelIndex(), UPDATE, UPDATE)
            self._updates = None
            self.endRemoveColumns()
        elif not had and updates is not None:
            self.beginInsertColumns(QModelIndex(), UPDATE, UPDATE)
            self._updates = updates
            self.endInsertColumns()
        else:
            self._updates = updates
        if had != (updates is not None):
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, VALUE, VALUE)

    # ---- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else (4 if self._updates is not None else 3)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        text, tip = VALUE_AFTER if section == VALUE and self._updates is not None else HEADERS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        return None

    def _numbers(self, row: int, col: int) -> tuple[float | None, ...]:
        if col == VALUE:
            if self._values[row] is None:
                return (None,)
            before, after = self._values[row]
            return (before,) if after is None else (before, after)
        if col == GRAD:
            return (self._grads[row],)
        return (self._updates[row],)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if col == NAME:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return self._names[row]
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            return None
        numbers = self._numbers(row, col)
        known = all(v is not None for v in numbers)
        if role == Qt.ItemDataRole.DisplayRole:
            return ARROW.join(fmt(v, self._digits) for v in numbers) if known else NO_NUMBER
        if role == Qt.ItemDataRole.ToolTipRole:
            return ARROW.join(fmt_full(v) for v in numbers) if known else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and known and math.isfinite(numbers[-1]):
            return QBrush(QColor(colors.sign_text_color(numbers[-1])))
        return None


class ParamInspector(QWidget):
    """Table of parameters plus the selected one's chain rule, a view of `state`
    (objectName of the table: `paramInspector`; of the label: `chainRuleLabel`).
    It renders at once, hidden or not: one dataChanged and a label are cheap.
    Clicking a row sets `state.selected` and emits parameterSelected(name)."""

    parameterSelected = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("paramInspectorPanel")
        self._chain_key = None
        self._programmatic = False

        self.model = ParamTableModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("paramInspector")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setTextElideMode(Qt.TextElideMode.ElideNone)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

        self.chain_label = QLabel(self)
        self.chain_label.setObjectName("chainRuleLabel")
        self.chain_label.setTextFormat(Qt.TextFormat.RichText)
        self.chain_label.setWordWrap(True)
        self.chain_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chain_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.chain_label.setMinimumHeight(60)
        self.chain_label.setStyleSheet(f"QLabel#chainRuleLabel {{ background: {colors.LABEL_BG}; padding: 6px; }}")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.chain_label)
        self.set_font_scale(1.0)

        for event in (state.events.setup, state.events.shown, state.events.precision):
            subscribe(self, event, self.render_state)
        subscribe(self, state.events.selected, self._on_selected)
        self.render_state()

    # ---- public ----------------------------------------------------------------------------
    def selected_parameter(self) -> str | None:
        return self.state.selected

    def row_text(self, name: str) -> list[str]:
        """What the table shows for `name`, cell by cell (for tests and exports)."""
        row = self.model.names().index(name)
        return [self.model.data(self.model.index(row, c)) for c in range(self.model.columnCount())]

    def header_text(self) -> list[str]:
        """The column headings as shown (a line break as a space)."""
        return [self.model.headerData(c, Qt.Orientation.Horizontal).replace("\n", " ")
                for c in range(self.model.columnCount())]

    def chain_text(self) -> str:
        """The chain-rule label's rich text."""
        return self.chain_label.text()

    def set_font_scale(self, factor: float) -> None:
        f = scale_table_font(self.table, factor)
        g = QFont(f)
        g.setPixelSize(max(8, round(16 * factor)))
        self.chain_label.setFont(g)
        # (re-styled here too: the window calls this again when the theme changes)
        self.chain_label.setStyleSheet(f"QLabel#chainRuleLabel {{ background: {colors.LABEL_BG}; padding: 6px; }}")

    # ---- rendering -------------------------------------------------------------------------
    def render_state(self, *_args) -> None:
        s = self.state
        moment = s.shown
        spec = moment.spec if moment is not None else s.spec
        names = () if spec is None else tuple(spec.param_names)
        reset = names != self.model.names()
        self.model.show(names, moment, s.precision)
        if reset:
            self._select_row(s.selected)
        self._render_chain()

    def _on_selected(self, *_args) -> None:
        self._select_row(self.state.selected)
        self._render_chain()

    def _select_row(self, name: str | None) -> None:
        """Select `name`'s row without emitting parameterSelected."""
        names = self.model.names()
        if name not in names:
            return
        row = names.index(name)
        if self.table.currentIndex().row() == row:
            return
        self._programmatic = True
        try:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(self.model.index(row, 0))
        finally:
            self._programmatic = False

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self._programmatic:
            return
        name = self.model.names()[current.row()]
        if name != self.state.selected:
            self.state.selected = name
            self.parameterSelected.emit(name)

    def _render_chain(self) -> None:
        s = self.state
        name, moment = s.selected, s.shown
        key = (moment, name, s.precision)
        if key == self._chain_key:
            return
        self._chain_key = key
        muted = f"<span style='color:{colors.MUTED}'>"
        if moment is None or name not in moment.spec.param_names:
            text = f"{muted}Select a parameter to see its chain rule.</span>"
        elif moment.record is None:
            text = (f"{math_html('∂L/∂' + name)}: {muted}a prediction has no target y, so there is no loss "
                    f"and no gradient.</span>")
        else:
            text = chain_rule_html(moment.record, name, s.precision)
        self.chain_label.setText(text)
