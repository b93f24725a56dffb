"""The window's data commands: open a CSV table (choosing its columns), edit the table in a
data editor, and train on what comes out. Every table goes through the engine's loader, so
the same checks and the same one-line messages apply however a table arrives."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QFileDialog, QLayout, QMessageBox, QVBoxLayout

from engine import data as datamod
from engine.data import CsvError, Dataset
from gui.controller import SetupError


class DataCommands(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.editor_dialog: QDialog | None = None

    @property
    def loss(self) -> str:
        """The loss the table must suit: classification always needs 0/1 targets."""
        setup = self.window.state.setup
        return "bce" if setup.task == "classification" else setup.loss

    def open_csv(self, path: str | None = None) -> bool:
        """A path given (a script, the command line, a test) loads at once with the default columns;
        from the menu a file dialog, then a dialog to choose the columns, come first."""
        w = self.window
        if path:
            try:
                dataset = datamod.load_csv(path, loss=self.loss)
            except CsvError as exc:
                QMessageBox.warning(w, "Cannot open this table", str(exc))
                return False
        else:
            path, _ = QFileDialog.getOpenFileName(w, "Open a CSV table", str(Path.home()),
                                                  "CSV tables (*.csv *.txt *.tsv);;All files (*)")
            if not path:
                return False
            from gui.csv_import import choose_and_load  # only when a person opens a file

            dataset = choose_and_load(w, path, self.loss)
            if dataset is None:
                return False
        if not self.use_table(dataset, f"csv:{path}"):
            return False
        notes = "; ".join(dataset.notes)
        detected = f" ({dataset.detected})" if dataset.detected else ""
        w.statusBar().showMessage(
            f"Opened {Path(path).name}{detected}: {dataset.n_rows} rows, inputs {', '.join(dataset.input_names)}, "
            f"target {', '.join(dataset.target_names)}" + (f". Note: {notes}" if notes else ""), 10000)
        if dataset.notes:
            QMessageBox.information(w, "About this table", "\n".join(dataset.notes))
        return True

    def use_table(self, dataset: Dataset, key: str) -> bool:
        """Train on `dataset` from now on (a new run); a table the network cannot take says why."""
        w = self.window
        state = w.state
        previous = state.csv_tables.get(key)
        state.csv_tables[key] = dataset
        try:
            w.controller.change_setup(dataset_key=key, dataset=dataset)
        except SetupError as exc:
            if previous is None:
                del state.csv_tables[key]
            else:
                state.csv_tables[key] = previous
            QMessageBox.warning(w, "Cannot use this table", str(exc))
            return False
        return True

    def edit_data(self) -> QDialog:
        """The data editor, in a window of its own beside the main one (not modal)."""
        if self.editor_dialog is None:
            from gui.panels.data_editor import DataEditor

            dialog = QDialog(self.window, objectName="dataEditorDialog")
            dialog.setWindowTitle("Edit the table — Backprop Studio")
            editor = DataEditor(self.window.state, dialog)
            layout = QVBoxLayout(dialog)
            layout.addWidget(editor)
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # no size-hint pushes to the platform
            editor.datasetEdited.connect(lambda ds: self.use_table(ds, f"csv:{ds.name}"))
            dialog.resize(720, 520)
            self.editor_dialog = dialog
        self.editor_dialog.show()
        return self.editor_dialog
