"""The data editor and the CSV import dialog: edits are checked by the engine's own loader before
anything is sent, files round-trip every digit, and a semicolon / decimal-comma file is read with
the columns the user picks. Values are the students tables' (resources/data), written out here."""
import os

import numpy as np
import pytest
from conftest import Studio
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
)

from engine.data import load_csv
from gui.csv_import import CsvImportDialog, choose_and_load
from gui.panels.data_editor import DataEditor

# students-regression.csv: cgpa, profile_score -> lpa
STUDENTS = [[8, 8, 4], [7, 9, 5], [6, 10, 6], [5, 12, 7]]


# An offscreen window cannot report its size hints to a window manager; Qt says so once per window.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def take_edits(state):
    """What the window does with datasetEdited (through its controller): a set-up with that table."""
    return lambda ds: setattr(state, "setup", state.setup.but(dataset=ds))


@pytest.fixture
def editor(qtbot):
    state = Studio().state
    e = DataEditor(state)
    e.datasetEdited.connect(take_edits(state))
    qtbot.addWidget(e)
    e.show()
    return e


def click(qtbot, widget, name):
    qtbot.mouseClick(widget.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def type_into(qtbot, editor, row, col, text, paste=False):
    """Select the cell, start editing as a user does (F2), type (or paste) the text, press Enter."""
    table = editor.table
    index = editor.model.index(row, col)
    table.setCurrentIndex(index)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_F2)
    line = table.findChild(QLineEdit)
    line.selectAll()
    if paste:  # QTest types Latin-1 keys only; a pasted U+2212 goes in as a paste does
        line.insert(text)
    else:
        qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    # the delegate commits on Return through a queued call: wait until the editor has closed
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.NoState, timeout=1000)


def apply(qtbot, editor):
    with qtbot.waitSignal(editor.datasetEdited, timeout=1000) as sig:
        click(qtbot, editor, "applyDataButton")
    return sig.args[0]


def refused(qtbot, editor):
    with qtbot.assertNotEmitted(editor.datasetEdited):
        click(qtbot, editor, "applyDataButton")
    return editor.findChild(QLabel, "dataEditorMessage").text()


# ---- editing and Apply -------------------------------------------------------------------------
def test_editor_shows_the_table_with_named_buttons(editor):
    assert editor.objectName() == "dataEditor"
    m = editor.model
    assert (m.rowCount(), m.columnCount()) == (4, 3)
    assert [m.index(r, c).data() for r in range(4) for c in range(3)] == [str(v) for r in STUDENTS for v in r]
    assert m.headerData(2, Qt.Orientation.Horizontal) == "lpa (target)"
    assert m.headerData(0, Qt.Orientation.Vertical) == "2"  # row 1 of the file is the header
    for name in ("addRowButton", "removeRowsButton", "importCsvButton", "exportCsvButton", "applyDataButton",
                 "undoDataButton", "redoDataButton", "revertDataButton"):
        b = editor.findChild(QPushButton, name)
        assert b is not None and b.toolTip()


def test_editing_a_cell_then_apply_emits_a_table_with_that_value(qtbot, editor):
    type_into(qtbot, editor, 1, 2, "5.75")  # row 3 of the file, lpa
    assert editor.edited
    ds = apply(qtbot, editor)
    expected = np.array(STUDENTS, dtype=float)
    expected[1, 2] = 5.75
    assert ds.input_names == ("cgpa", "profile_score") and ds.target_names == ("lpa",)
    assert np.array_equal(ds.X, expected[:, :2]) and np.array_equal(ds.Y, expected[:, 2:])
    assert not editor.edited and editor.state.setup.dataset is ds
    assert "Applied" in editor.message.text()


def test_edits_stay_marked_until_the_window_takes_the_table(qtbot):
    e = DataEditor(Studio().state)  # a window that refuses the table: nothing connected
    qtbot.addWidget(e)
    type_into(qtbot, e, 0, 2, "4.5")
    assert apply(qtbot, e).Y[0, 0] == 4.5
    assert e.edited and "edits are kept" in e.message.text()


def test_adding_and_removing_rows(qtbot, editor):
    click(qtbot, editor, "addRowButton")
    assert editor.model.rowCount() == 5
    for col, text in enumerate(("4", "13", "8.5")):
        type_into(qtbot, editor, 4, col, text)
    ds = apply(qtbot, editor)
    assert ds.n_rows == 5 and list(ds.X[4]) == [4.0, 13.0] and ds.Y[4, 0] == 8.5

    selection = editor.table.selectionModel()
    selection.clearSelection()  # as a click on row 2's number, then Ctrl+click on row 4's
    for row in (0, 2):
        selection.select(editor.model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    click(qtbot, editor, "removeRowsButton")
    assert editor.model.rowCount() == 3
    ds = apply(qtbot, editor)
    assert ds.X.tolist() == [[7, 9], [5, 12], [4, 13]] and ds.Y.ravel().tolist() == [5, 7, 8.5]

    click(qtbot, editor, "undoDataButton")  # the removal is undoable within the editor
    assert editor.model.rowCount() == 5
    click(qtbot, editor, "redoDataButton")
    assert editor.model.rowCount() == 3


def test_a_row_added_and_left_empty_is_refused(qtbot, editor):
    click(qtbot, editor, "addRowButton")
    message = refused(qtbot, editor)
    assert "row 6, column 1 ('cgpa')" in message and "empty" in message


@pytest.mark.parametrize("text, says", [("abc", "is not a number"), ("nan", "not a finite number"),
                                        ("inf", "not a finite number")])
def test_a_cell_that_is_not_a_number_gives_one_message_and_no_signal(qtbot, editor, text, says):
    type_into(qtbot, editor, 0, 1, text)
    message = refused(qtbot, editor)
    assert message.startswith("Not applied:") and "\n" not in message
    assert "row 2, column 2 ('profile_score')" in message and says in message
    assert editor.edited  # nothing changed: the edit is still there to fix
    type_into(qtbot, editor, 0, 1, "8")
    assert apply(qtbot, editor).X[0, 1] == 8.0


def test_classification_refuses_a_target_of_2_naming_the_row(qtbot):
    e = DataEditor(Studio(task="classification", dataset="students-classification").state)
    qtbot.addWidget(e)
    type_into(qtbot, e, 2, 2, "2")  # the third data row: row 4 of the file
    message = refused(qtbot, e)
    assert "row 4" in message and "'placed'" in message and "0 or 1" in message and "2" in message


def test_a_new_setup_table_replaces_unedited_cells_but_not_edits(qtbot, editor):
    from engine.data import parse_csv_text

    state = editor.state
    other = parse_csv_text("a,b,y\n1,2,3\n", name="other")
    state.setup = state.setup.but(dataset=other)
    assert editor.model.rowCount() == 1 and editor.model.columns == ("a", "b", "y")
    type_into(qtbot, editor, 0, 0, "9")
    state.setup = state.setup.but(dataset=parse_csv_text("p,q\n1,2\n3,4\n"))
    assert editor.model.index(0, 0).data() == "9" and "kept" in editor.message.text()
    click(qtbot, editor, "revertDataButton")
    assert editor.model.columns == ("p", "q") and not editor.edited


# ---- files -----------------------------------------------------------------------------------
AWKWARD = ["0.1", "0.30000000000000004", "1e-300", "-123.45678901234568", "2.5e+17", "6.02214076e23"]


def test_export_then_import_round_trips_every_digit(qtbot, editor, tmp_path, monkeypatch):
    for row, text in enumerate(AWKWARD[:4]):
        type_into(qtbot, editor, row, 0, text)
    type_into(qtbot, editor, 0, 1, AWKWARD[4])
    type_into(qtbot, editor, 3, 2, AWKWARD[5])
    path = tmp_path / "table.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(path), "")))
    click(qtbot, editor, "exportCsvButton")
    assert os.listdir(tmp_path) == ["table.csv"]  # no temporary file left behind

    back = load_csv(path, "lpa")
    assert [repr(float(v)) for v in back.X[:, 0]] == [repr(float(t)) for t in AWKWARD[:4]]
    assert repr(float(back.X[0, 1])) == repr(2.5e17) and repr(float(back.Y[3, 0])) == repr(6.02214076e23)

    # … and into the editor again, through the import dialog (answered with OK at once)
    click(qtbot, editor, "revertDataButton")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(path), "")))
    monkeypatch.setattr(CsvImportDialog, "exec", lambda self: self.accept() or self.result())
    click(qtbot, editor, "importCsvButton")
    ds = apply(qtbot, editor)
    assert np.array_equal(ds.X, back.X) and np.array_equal(ds.Y, back.Y)
    assert [repr(float(v)) for v in ds.X[:, 0]] == [repr(float(t)) for t in AWKWARD[:4]]


def test_a_failed_export_leaves_the_old_file_whole(qtbot, editor, tmp_path, monkeypatch):
    path = tmp_path / "table.csv"
    path.write_text("old,file\n1,2\n")

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert not editor.export_csv(path)
    assert path.read_text() == "old,file\n1,2\n" and os.listdir(tmp_path) == ["table.csv"]
    assert "No space left on device" in editor.message.text()


def test_export_refuses_cells_that_are_not_a_table(qtbot, editor, tmp_path):
    type_into(qtbot, editor, 0, 0, "eight")
    assert not editor.export_csv(tmp_path / "t.csv")
    assert not (tmp_path / "t.csv").exists() and "'eight' is not a number" in editor.message.text()


# ---- the import dialog ---------------------------------------------------------------------------
def semicolon_file(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text("hours;attempts;score\n1,5;2;55,5\n3;2;70\n4,25;2;92\n", encoding="utf-8")
    return path


def checked(dialog):
    box = dialog.findChild(type(dialog.inputs), "inputColumnsInput")
    return [box.item(i).text() for i in range(box.count()) if box.item(i).checkState() == Qt.CheckState.Checked]


def test_import_dialog_detects_semicolons_and_decimal_commas_and_picks_another_target(qtbot, tmp_path):
    d = CsvImportDialog(semicolon_file(tmp_path), loss="se")
    qtbot.addWidget(d)
    assert d.objectName() == "csvImportDialog"
    detected = d.findChild(type(d.detected), "csvDetectedLabel").text()
    assert "semicolon" in detected and "decimal comma" in detected
    target = d.findChild(type(d.target), "targetColumnInput")
    assert target.currentText() == "score" and checked(d) == ["hours", "attempts"]
    assert d.preview.item(0, 0).text() == "1.5" and d.preview.item(2, 2).text() == "92"
    assert "attempts" in d.message  # the constant column gets its warning, naming it

    target.setCurrentIndex(target.findData("hours"))
    assert checked(d) == ["attempts", "score"]
    d.set_input_columns(["score"])
    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    ds = d.dataset()
    assert ds.target_names == ("hours",) and ds.input_names == ("score",)
    assert ds.Y.ravel().tolist() == [1.5, 3.0, 4.25] and ds.X.ravel().tolist() == [55.5, 70.0, 92.0]


def test_unticking_a_column_of_names_makes_the_table_loadable(qtbot, tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("name,hours,score\nAna,1,50\nBo,2,60\nCy,4,80\n", encoding="utf-8")
    d = CsvImportDialog(path, loss="se")
    qtbot.addWidget(d)
    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "row 2, column 1 ('name')" in d.message and "'Ana'" in d.message
    assert d.preview.item(1, 0).text() == "Ana,1,50"  # the lines as written, to find the problem
    box = d.findChild(type(d.inputs), "inputColumnsInput")
    box.item(0).setCheckState(Qt.CheckState.Unchecked)  # as a click on the name column's box
    assert ok.isEnabled() and d.preview.item(2, 0).text() == "4"
    d.accept()
    assert d.dataset().input_names == ("hours",) and d.dataset().columns == ("hours", "score")


def test_import_dialog_shows_the_loaders_error_and_refuses_ok(qtbot, tmp_path):
    d = CsvImportDialog(semicolon_file(tmp_path), loss="bce")  # score 55,5 is not a 0/1 target
    qtbot.addWidget(d)
    assert not d.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "0 or 1" in d.message and "'score'" in d.message
    d.reject()
    assert d.dataset() is None


def test_choose_and_load_says_why_a_path_is_not_a_table(qtbot, tmp_path, dialogs):
    assert choose_and_load(None, tmp_path, "se") is None  # a folder
    assert len(dialogs) == 1 and "folder" in dialogs[0]
    assert QApplication.activeModalWidget() is None  # no dialog was left waiting for an answer


def test_negative_numbers_show_a_real_minus_and_read_back_either_way(qtbot, editor):
    type_into(qtbot, editor, 0, 0, "-2.5")
    type_into(qtbot, editor, 1, 0, "\u22123e\u221205", paste=True)  # pasted from the screen: U+2212 in both places
    assert editor.model.index(0, 0).data() == "\u22122.5"
    ds = apply(qtbot, editor)
    assert ds.X[:2, 0].tolist() == [-2.5, -3e-05]
    assert editor.model.index(1, 0).data() == "\u22123e\u221205"
