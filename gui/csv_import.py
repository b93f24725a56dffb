"""Opening a CSV table: see what was detected, choose the target and the inputs, check a preview.

The engine does all the reading (engine.data.header_of for the column names and what it detected,
engine.data.load_csv for the table with the chosen columns): this dialog only asks and shows. Every
change of choice loads the table again, so the preview, the warnings and the error shown are exactly
what training would get; OK is possible only when that load succeeded.

`choose_and_load(parent, path, loss)` is what the window (and the data editor) call: the chosen
Dataset, or None when the file cannot be read or the user cancels.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import data as datamod
from engine.data import CsvError, Dataset
from engine.notation import MINUS

PREVIEW_ROWS = 8  # enough to see that the numbers were read right, small enough to stay on screen
RAW_PREVIEW_BYTES = 16_384  # when the table cannot be loaded, the first lines as written are shown
ERROR_STYLE = "color: #b00020;"


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly `value` ('55', '0.1', '1e-05'); ASCII minus."""
    text = repr(float(value))
    text = text.removesuffix(".0")  # 55.0 -> 55: whole numbers as a teacher writes them
    return "0" if text == "-0" else text


class CsvImportDialog(QDialog):
    """Choose the target and input columns of the CSV file at `path`; `dataset()` after OK."""

    def __init__(self, path: str | Path, loss: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("csvImportDialog")
        self.path, self.loss = Path(path), loss
        self.setWindowTitle(f"Open {self.path.name}")
        self._loaded: Dataset | None = None
        self._filling = False
        try:
            columns, detected = datamod.header_of(self.path)
        except CsvError as exc:  # not a readable table at all: nothing to choose
            columns, detected = (), ""
            self.header_error: str | None = str(exc)
        else:
            self.header_error = None
        self.columns: tuple[str, ...] = tuple(columns)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.detected = QLabel(f"Read as: {detected or 'comma-separated, decimal point'}")
        self.detected.setObjectName("csvDetectedLabel")
        self.detected.setToolTip("the separator between cells and the decimal mark found in the file")
        form.addRow("File", QLabel(str(self.path)))
        form.addRow("", self.detected)
        self.target = QComboBox(objectName="targetColumnInput")
        self.target.setToolTip("the column the network learns to output")
        for name in self.columns:
            self.target.addItem(name, name)
        form.addRow("Target column", self.target)
        self.inputs = QListWidget(objectName="inputColumnsInput")
        self.inputs.setToolTip("the columns the network receives as inputs (tick or untick each); "
                               "the target column cannot be an input")
        for name in self.columns:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.inputs.addItem(item)
        self.inputs.setMaximumHeight(self.inputs.sizeHintForRow(0) * min(6, max(1, len(self.columns))) + 8)
        form.addRow("Input columns", self.inputs)
        layout.addLayout(form)

        self.preview = QTableWidget(objectName="csvPreviewTable")
        self.preview.setToolTip(f"the first {PREVIEW_ROWS} rows as they will be trained on")
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.preview, 1)
        self.messages = QLabel(objectName="csvImportMessages")
        self.messages.setWordWrap(True)
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.messages)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("use this table with these columns")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        if self.columns:
            self.target.setCurrentIndex(len(self.columns) - 1)  # the loader's default: the last column
        self.target.currentIndexChanged.connect(self._target_changed)
        self.inputs.itemChanged.connect(self._inputs_changed)
        self._target_changed()
        self.resize(560, 480)

    # ---- the user's choices ---------------------------------------------------------------
    def target_column(self) -> str | None:
        return self.target.currentData()

    def input_columns(self) -> tuple[str, ...]:
        """The ticked columns, in file order."""
        items = (self.inputs.item(i) for i in range(self.inputs.count()))
        return tuple(item.data(Qt.ItemDataRole.UserRole) for item in items
                     if item.checkState() == Qt.CheckState.Checked)

    def set_input_columns(self, names) -> None:
        """Tick exactly these columns (the target stays unticked)."""
        self._filling = True
        try:
            for i in range(self.inputs.count()):
                item = self.inputs.item(i)
                name = item.data(Qt.ItemDataRole.UserRole)
                ticked = name in names and name != self.target_column()
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        finally:
            self._filling = False
        self.reload()

    def _target_changed(self, *_args) -> None:
        """The target cannot be an input: its row is unticked and disabled; the old target's row
        becomes an input again (a column that was the target was an input before it)."""
        target = self.target_column()
        self._filling = True
        try:
            for i in range(self.inputs.count()):
                item = self.inputs.item(i)
                is_target = item.data(Qt.ItemDataRole.UserRole) == target
                was_target = not item.flags() & Qt.ItemFlag.ItemIsEnabled
                if is_target:
                    item.setCheckState(Qt.CheckState.Unchecked)
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                    item.setToolTip("the target column")
                elif was_target:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEnabled)
                    item.setCheckState(Qt.CheckState.Checked)
                    item.setToolTip("")
        finally:
            self._filling = False
        self.reload()

    def _inputs_changed(self, _item) -> None:
        if not self._filling:
            self.reload()

    # ---- loading with those choices ----------------------------------------------------------
    def reload(self) -> None:
        """Load the table with the current choices; show its first rows and every note or the error."""
        if self.header_error is not None:
            self._loaded = None
            self._show_messages([self.header_error], error=True)
            self._fill_raw()
        else:
            try:
                self._loaded = datamod.load_csv(self.path, self.target_column(), loss=self.loss,
                                                inputs=self.input_columns())
            except CsvError as exc:
                self._loaded = None
                self._show_messages([str(exc)], error=True)
                self._fill_raw()
            else:
                ds = self._loaded
                summary = (f"{ds.n_rows} rows · inputs {', '.join(ds.input_names)} · "
                           f"target {', '.join(ds.target_names)}")
                self._show_messages([summary, *(f"warning: {note}" for note in ds.notes)], error=False)
                self._fill_preview(ds)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._loaded is not None)

    def dataset(self) -> Dataset | None:
        """The table chosen with OK; None when the dialog was cancelled (or nothing could be loaded)."""
        return self._loaded if self.result() == QDialog.DialogCode.Accepted else None

    @property
    def message(self) -> str:
        return self.messages.text()

    def _show_messages(self, lines: list[str], *, error: bool) -> None:
        self.messages.setText("\n".join(lines))
        self.messages.setStyleSheet(ERROR_STYLE if error else "")

    def _fill_preview(self, ds: Dataset) -> None:
        used = [name for name in ds.columns if name in ds.input_names or name in ds.target_names]
        values = {name: ds.X[:, i] for i, name in enumerate(ds.input_names)}
        values.update({name: ds.Y[:, k] for k, name in enumerate(ds.target_names)})
        rows = min(PREVIEW_ROWS, ds.n_rows)
        self.preview.clear()
        self.preview.setColumnCount(len(used))
        self.preview.setRowCount(rows)
        self.preview.setHorizontalHeaderLabels([f"{n} (target)" if n in ds.target_names else n for n in used])
        self.preview.setVerticalHeaderLabels([str(r + 2) for r in range(rows)])  # rows as in the file
        for c, name in enumerate(used):
            for r in range(rows):
                item = QTableWidgetItem(number_text(values[name][r]).replace("-", MINUS))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.preview.setItem(r, c, item)

    def _fill_raw(self) -> None:
        """The first lines as written, so the error's row can be seen. Only for a regular file (the
        engine checked it in header_of), and a bounded read: never a hang or a huge read."""
        self.preview.clear()
        self.preview.setColumnCount(1)
        self.preview.setHorizontalHeaderLabels(["as written in the file"])
        lines: list[str] = []
        if self.header_error is None:
            try:
                with self.path.open("rb") as f:
                    lines = f.read(RAW_PREVIEW_BYTES).decode("utf-8", "replace").splitlines()[:PREVIEW_ROWS + 1]
            except OSError:
                lines = []
        self.preview.setRowCount(len(lines))
        self.preview.setVerticalHeaderLabels([str(r + 1) for r in range(len(lines))])
        for r, line in enumerate(lines):
            self.preview.setItem(r, 0, QTableWidgetItem(line))


def choose_and_load(parent: QWidget | None, path: str | Path, loss: str | None = None) -> Dataset | None:
    """Ask which columns to use and load the table; None if it cannot be read or the user cancels.

    A file whose header cannot even be read gets one message box, not an empty dialog."""
    dialog = CsvImportDialog(path, loss, parent)
    try:
        if dialog.header_error is not None:
            QMessageBox.warning(parent, "Cannot open this table", dialog.header_error)
            return None
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.dataset()
    finally:
        dialog.deleteLater()
