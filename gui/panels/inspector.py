"""The parameter inspector: every parameter's value, gradient and last update, and the
selected one's chain rule written out with the last row's numbers.

A QTableView (objectName `paramInspector`) over a small QAbstractTableModel; one
row per parameter in the tutorial's order (W111, W121, b11, W112, …). On each
refresh tick the model copies the numbers once and emits a single dataChanged
for the number columns — never a reset — so selection and scrolling survive.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSizePolicy, QTableView, QVBoxLayout, QWidget

from engine.spec import NetworkSpec
from gui import colors
from gui.panels.derivation import chain_rule_html, math_html
from engine.notation import fmt, fmt_full

COLUMNS = ("param", "value", "∂L/∂p\nlast row", "update\n−η·∂L/∂p")
COLUMN_TIPS = (
    "parameter name (W: weight, b: bias)",
    "current value",
    "gradient of the last row's loss with respect to this parameter",
    "how much the last row's update changed it: −η·∂L/∂p",
)
NAME, VALUE, GRAD, UPDATE = range(4)


class ParamTableModel(QAbstractTableModel):
    """Rows: parameters; columns: name, value, ∂L/∂p, −η·∂L/∂p. Numbers shown with fmt."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._names: tuple[str, ...] = ()
        self._cols: list[list[float | None]] = [[], [], []]  # value, grad, update per row
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- feeding ---------------------------------------------------------------------
    def set_names(self, names: Sequence[str]) -> None:
        self.beginResetModel()
        self._names = tuple(names)
        self._cols = [[None] * len(self._names) for _ in range(3)]
        self.endResetModel()

    def update_values(self, params: Mapping[str, float] | None, record) -> None:
        """Copy the latest numbers; one dataChanged for all number cells, only if anything changed."""
        names = self._names
        if not names:
            return
        values = [float(params[n]) for n in names] if params is not None else [None] * len(names)
        if record is not None:
            grads, updates = record.grads, record.updates
            g = [grads[n] for n in names]
            u = [updates[n] for n in names]
        else:
            g = u = [None] * len(names)
        new = [values, g, u]
        if new == self._cols:
            return
        self._cols = new
        self.dataChanged.emit(self.index(0, VALUE), self.index(len(names) - 1, UPDATE),
                              [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole])

    def names(self) -> tuple[str, ...]:
        return self._names

    # ---- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMN_TIPS[section]
        return None

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
        v = self._cols[col - 1][row]
        if role == Qt.ItemDataRole.DisplayRole:
            return "—" if v is None else fmt(v)
        if role == Qt.ItemDataRole.ToolTipRole:
            return None if v is None else fmt_full(v)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and v is not None and math.isfinite(v):
            return QBrush(QColor(colors.sign_text_color(v)))
        return None


class ParamInspector(QWidget):
    """Table of parameters plus the selected one's chain rule (objectName of the table:
    `paramInspector`; of the label: `chainRuleLabel`). Contract: set_network,
    show_record, select_parameter, parameterSelected(str); set_font_scale."""

    parameterSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("paramInspectorPanel")
        self._record = None
        self._selected: str | None = None
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
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.ResizeToContents)
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
        self._render_chain()

    # ---- the view contract --------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        self._record = None
        keep = self._selected if self._selected in spec.param_names else None
        self.model.set_names(spec.param_names)
        self._selected = None
        if keep:
            self.select_parameter(keep)
        self._render_chain()

    def show_record(self, record, params: Mapping[str, float] | None = None) -> None:
        if record is not None and tuple(record.spec.param_names) != self.model.names():
            self.set_network(record.spec)
        if params is None and record is not None:
            params = record.params_after
        self.model.update_values(params, record)
        if record is not self._record:
            self._record = record
            self._render_chain()

    def select_parameter(self, name: str) -> None:
        """Select `name`'s row (no signal: the caller already knows)."""
        names = self.model.names()
        if name not in names:
            return
        self._selected = name
        row = names.index(name)
        if self.table.currentIndex().row() != row:
            self._programmatic = True
            try:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(self.model.index(row, 0))
            finally:
                self._programmatic = False
        self._render_chain()

    def selected_parameter(self) -> str | None:
        return self._selected

    def set_font_scale(self, factor: float) -> None:
        f = QFont(self.font())
        f.setPixelSize(max(8, round(15 * factor)))
        self.table.setFont(f)
        self.table.horizontalHeader().setFont(f)
        self.table.verticalHeader().setDefaultSectionSize(round(f.pixelSize() * 1.8))
        g = QFont(f)
        g.setPixelSize(max(8, round(16 * factor)))
        self.chain_label.setFont(g)

    # ---- helpers -------------------------------------------------------------------------------
    def row_text(self, name: str) -> list[str]:
        """What the table shows for `name`, cell by cell (for tests and exports)."""
        row = self.model.names().index(name)
        return [self.model.data(self.model.index(row, c)) for c in range(len(COLUMNS))]

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        name = self.model.names()[current.row()]
        if name == self._selected:
            return
        self._selected = name
        self._render_chain()
        if not self._programmatic:
            self.parameterSelected.emit(name)

    def _render_chain(self) -> None:
        key = (id(self._record), self._selected)
        if key == self._chain_key:
            return
        self._chain_key = key
        name, record = self._selected, self._record
        if name is None:
            self.chain_label.setText(f"<span style='color:{colors.MUTED}'>Select a parameter to see its chain rule.</span>")
        elif record is None:
            self.chain_label.setText(
                f"{math_html('∂L/∂' + name)}: <span style='color:{colors.MUTED}'>train one row to see its chain rule "
                f"with numbers.</span>"
            )
        else:
            self.chain_label.setText(chain_rule_html(record, name))
