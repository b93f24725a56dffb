"""The data editor: change the table by hand, then train on it.

It shows the set-up's table (`state.setup.dataset`, in table units) as text cells. Every number is
written with all its digits (the shortest text that reads back as the same double, whole numbers
without ".0"), so editing never rounds anything, and whatever the user types is kept as typed until
Apply. Apply writes the cells as CSV text and reads it back with the engine's own loader
(engine.data.parse_csv_text), so an edited table is checked exactly like a file: a cell that is not
a number, NaN or infinity, an empty cell, and for classification a target other than 0 or 1 are
refused with the loader's one-line message, shown here; nothing is sent. A valid table is emitted
as `datasetEdited(Dataset)`; the window makes it the new set-up.

Rows are numbered as in the CSV file (row 1 is the header of names, the first data row is row 2),
so the loader's messages point at the row you see. Edits, added and removed rows and imports are
undoable here (the editor's own Undo and Redo buttons). Export writes a temporary file in
the destination folder and renames it over the target, so a failed export never leaves half a file.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine import data as datamod
from engine.data import CsvError, Dataset
from engine.notation import MINUS
from gui.csv_import import ERROR_STYLE, choose_and_load, number_text
from gui.exports import ExportError, write_atomically
from gui.state import AppState, Setup
from gui.widgets.state_view import subscribe

CSV_FILTER = "CSV tables (*.csv);;All files (*)"
EDITED = " (edited)"
DISPLAY, EDIT, TOOLTIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def table_text(columns, rows) -> str:
    """CSV text: the header, then one line per row of cell texts (the screen's minus made ASCII)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for cells in rows:
        writer.writerow([cell.strip().replace(MINUS, "-") for cell in cells])
    return out.getvalue()


def dataset_rows(ds: Dataset) -> list[list[str]]:
    """The table's values as cell texts, in the table's column order."""
    pick = {name: ds.X[:, i] for i, name in enumerate(ds.input_names)}
    pick.update({name: ds.Y[:, k] for k, name in enumerate(ds.target_names)})
    columns = used_columns(ds)
    return [[number_text(pick[name][r]) for name in columns] for r in range(ds.n_rows)]


def used_columns(ds: Dataset) -> tuple[str, ...]:
    """Inputs and targets in the file's order (a column left out when loading is not shown)."""
    return tuple(n for n in ds.columns if n in ds.input_names or n in ds.target_names)


class DataEditorModel(QAbstractTableModel):
    """Cells as text (what the user typed, checked only at Apply). A user's edit goes through the
    undo stack; `set_cell` and `set_content` are what the undo commands call."""

    def __init__(self, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.columns: tuple[str, ...] = ()
        self.targets: tuple[str, ...] = ()
        self.rows: list[list[str]] = []

    def set_content(self, columns, targets, rows) -> None:
        self.beginResetModel()
        self.columns, self.targets = tuple(columns), tuple(targets)
        self.rows = [list(r) for r in rows]
        self.endResetModel()

    def content(self) -> tuple[tuple[str, ...], tuple[str, ...], list[list[str]]]:
        return self.columns, self.targets, [list(r) for r in self.rows]

    def set_cell(self, row: int, col: int, text: str) -> None:
        self.rows[row][col] = text
        index = self.index(row, col)
        self.dataChanged.emit(index, index, [DISPLAY, EDIT])

    # ---- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        if role == DISPLAY:
            return self.rows[index.row()][index.column()].replace("-", MINUS)
        if role == EDIT:
            return self.rows[index.row()][index.column()]
        if role == ALIGN:
            return ALIGN_NUMBER
        return None

    def setData(self, index, value, role=EDIT) -> bool:
        if role != EDIT or not index.isValid():
            return False
        text = str(value).strip()
        old = self.rows[index.row()][index.column()]
        if text != old:
            self.undo_stack.push(CellCommand(self, index.row(), index.column(), old, text))
        return True

    def flags(self, index):
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            name = self.columns[section]
            is_target = name in self.targets
            if role == DISPLAY:
                return f"{name} (target)" if is_target else name
            if role == TOOLTIP:
                return f"target column {name!r}" if is_target else f"input column {name!r}"
        elif orientation == Qt.Orientation.Vertical and role in (DISPLAY, TOOLTIP):
            if role == DISPLAY:
                return str(section + 2)
            return f"row {section + 2} of the CSV file (row 1 is the header of column names)"
        return None


class CellCommand(QUndoCommand):
    def __init__(self, model: DataEditorModel, row: int, col: int, old: str, new: str):
        super().__init__(f"edit row {row + 2}, column {model.columns[col]!r}")
        self.model, self.row, self.col, self.old, self.new = model, row, col, old, new

    def redo(self) -> None:
        self.model.set_cell(self.row, self.col, self.new)

    def undo(self) -> None:
        self.model.set_cell(self.row, self.col, self.old)


class ContentCommand(QUndoCommand):
    """Rows added or removed, or a table imported: the whole content before and after."""

    def __init__(self, model: DataEditorModel, after, text: str):
        super().__init__(text)
        self.model, self.before, self.after = model, model.content(), after

    def redo(self) -> None:
        self.model.set_content(*self.after)

    def undo(self) -> None:
        self.model.set_content(*self.before)


class DataEditor(QWidget):
    """Edit the set-up's table. Signal datasetEdited(Dataset): a valid edited table to train on."""

    datasetEdited = Signal(object)  # engine.data.Dataset

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dataEditor")
        self.state = state
        self.undo_stack = QUndoStack(self)
        self.model = DataEditorModel(self.undo_stack, self)
        self._source: Dataset | None = None  # the table the cells were loaded from
        self._sent: Dataset | None = None  # the last table Apply emitted

        layout = QVBoxLayout(self)
        self.title = QLabel(objectName="dataEditorTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        edits, files = QHBoxLayout(), QHBoxLayout()  # two short rows: the editor fits a narrow dock
        self.add_button = self._button("addRowButton", "Add row", "add an empty row at the end (fill every cell)",
                                       self.add_row, edits)
        self.remove_button = self._button("removeRowsButton", "Remove rows", "remove the selected rows",
                                          self.remove_selected_rows, edits)
        # Buttons, not Ctrl+Z: inside the main window that key is the training run's Undo.
        self.undo_button = self._button("undoDataButton", "Undo", "undo the last change in this table",
                                        self.undo_stack.undo, edits)
        self.redo_button = self._button("redoDataButton", "Redo", "redo the change just undone",
                                        self.undo_stack.redo, edits)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        edits.addStretch(1)
        layout.addLayout(edits)
        self.table = QTableView(objectName="dataEditorTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setToolTip("double-click or type to change a cell; every cell must be a plain number")
        layout.addWidget(self.table, 1)
        self.message = QLabel(objectName="dataEditorMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.import_button = self._button("importCsvButton", "Import CSV…",
                                          "replace this table by a CSV file's (you choose the target and inputs)",
                                          self.import_csv, files)
        self.export_button = self._button("exportCsvButton", "Export CSV…", "save this table as a CSV file",
                                          self.export_csv, files)
        files.addStretch(1)
        self.revert_button = self._button("revertDataButton", "Revert",
                                          "forget the edits: show the table the window trains on", self.revert, files)
        self.apply_button = self._button("applyDataButton", "Apply",
                                         "check the table and train on it (a new start from Step 0)", self.apply, files)
        self.apply_button.setDefault(True)
        layout.addLayout(files)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        subscribe(self, state.events.setup, self.show_setup)
        if state.setup is not None:
            self.show_setup(state.setup)

    def _button(self, name, text, tip, slot, layout) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setToolTip(tip)
        button.clicked.connect(lambda _=False: slot())
        layout.addWidget(button)
        return button

    # ---- from the state ------------------------------------------------------------------------
    def show_setup(self, setup: Setup | None) -> None:
        """Show the window's table, unless the user has edits here that were not applied."""
        if setup is None or setup.dataset is self._source:
            return
        if setup.dataset is self._sent:  # our own Apply came back as the new set-up: same cells
            self._source = setup.dataset
            self.undo_stack.setClean()
            self._describe(setup.dataset)
            self._say("\n".join([f"Applied: the window trains these {setup.dataset.n_rows} rows from Step 0.",
                                 *(f"warning: {note}" for note in setup.dataset.notes)]))
            return
        if not self.edited:
            self.load(setup.dataset)
            return
        self._say(f"The window now trains another table ({setup.dataset.name}). Your edits here are kept: "
                  "Apply trains on them, Revert shows the window's table.")

    @property
    def edited(self) -> bool:
        """Changes here that the window does not train on yet."""
        return not self.undo_stack.isClean()

    def load(self, ds: Dataset) -> None:
        """Show `ds` (not undoable: a fresh start of the editor)."""
        self._source = ds
        self.undo_stack.clear()
        self.model.set_content(used_columns(ds), ds.target_names, dataset_rows(ds))
        self.table.resizeColumnsToContents()
        self._describe(ds)
        self._say("")

    def revert(self) -> None:
        if self.state.setup is not None:
            self.load(self.state.setup.dataset)

    def _describe(self, ds: Dataset) -> None:
        self.title.setText(f"{ds.name}: inputs {', '.join(ds.input_names)} → target {', '.join(ds.target_names)}. "
                           "Rows are numbered as in the CSV file (row 1 is the header).")

    # ---- editing -----------------------------------------------------------------------------
    def add_row(self) -> None:
        columns, targets, rows = self.model.content()
        rows.append([""] * len(columns))
        self.undo_stack.push(ContentCommand(self.model, (columns, targets, rows), "add a row"))
        index = self.model.index(len(rows) - 1, 0)
        self.table.scrollTo(index)
        self.table.setCurrentIndex(index)

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedIndexes()})

    def remove_selected_rows(self) -> None:
        doomed = set(self.selected_rows())
        if not doomed:
            self._say("Select the rows to remove first (click a row number; Ctrl or Shift for more).")
            return
        columns, targets, rows = self.model.content()
        kept = [cells for r, cells in enumerate(rows) if r not in doomed]
        self.undo_stack.push(ContentCommand(self.model, (columns, targets, kept),
                                            f"remove {len(doomed)} row{'s' if len(doomed) > 1 else ''}"))
        self.table.clearSelection()
        self._say("")

    def replace_table(self, ds: Dataset) -> None:
        """Put another table in the editor (undoable); it is trained on after Apply."""
        content = (used_columns(ds), ds.target_names, dataset_rows(ds))
        self.undo_stack.push(ContentCommand(self.model, content, f"import {ds.name}"))
        self.table.resizeColumnsToContents()

    # ---- checking and sending ----------------------------------------------------------------
    def csv_text(self) -> str:
        columns, _targets, rows = self.model.content()
        return table_text(columns, rows)

    def validation_loss(self) -> str | None:
        """Classification targets must be 0 or 1 whatever loss the network uses, so the loader is asked
        for the cross-entropy check then; regression passes the set-up's loss through."""
        setup = self.state.setup
        if setup is None:
            return None
        return "bce" if setup.task == "classification" else setup.loss

    def checked_dataset(self, loss: str | None) -> Dataset:
        """The cells read back by the engine's loader; raises CsvError with its message."""
        name = self._source.name if self._source is not None else "data"
        name = name if name.endswith(EDITED) else name + EDITED
        return datamod.parse_csv_text(self.csv_text(), self.model.targets, name=name, loss=loss)

    def apply(self) -> Dataset | None:
        """Emit datasetEdited with the edited table if the loader accepts it; else say why, change nothing.
        Returns the table sent (None when refused)."""
        try:
            ds = self.checked_dataset(self.validation_loss())
        except CsvError as exc:
            self._say(f"Not applied: {exc}", error=True)
            return None
        self._sent = ds
        # The edits count as applied only when the window's set-up holds this table (show_setup):
        # a window that refuses it (and says why) leaves them here, still marked as edited.
        self._say(f"Checked: the {ds.n_rows} rows are valid, but the window has not started a run with them; "
                  "your edits are kept.")
        self.datasetEdited.emit(ds)
        return ds

    # ---- files -------------------------------------------------------------------------------
    def import_csv(self, path: str | Path | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a CSV table", str(Path.home()), CSV_FILTER)
            if not path:
                return False
        ds = choose_and_load(self, path, self.validation_loss())
        if ds is None:
            return False
        self.replace_table(ds)
        self._say(f"Imported {Path(path).name}: {ds.n_rows} rows. Apply to train on it.")
        return True

    def export_csv(self, path: str | Path | None = None) -> bool:
        """Save the table as CSV (every digit: reading it back gives the same numbers). The cells must
        form a table the loader reads; the task's target check is not needed for a file."""
        try:
            ds = self.checked_dataset(None)
        except CsvError as exc:
            self._say(f"Not exported: {exc}", error=True)
            return False
        if path is None:
            name = self._source.name.removesuffix(EDITED) if self._source is not None else "data"
            path, _ = QFileDialog.getSaveFileName(self, "Export the table as CSV", str(Path.home() / f"{name}.csv"),
                                                  CSV_FILTER)
            if not path:
                return False
        data = table_text(used_columns(ds), dataset_rows(ds)).encode("utf-8")
        try:  # the old file or the whole new one, never half (gui.exports)
            write_atomically(path, lambda f: f.write(data))
        except ExportError as exc:
            self._say(f"Not exported: {exc}", error=True)
            return False
        self._say(f"Exported {ds.n_rows} rows to {Path(path).name}.")
        return True

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")
