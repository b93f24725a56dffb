"""Shared test set-up: Qt renders offscreen, so the suite runs with no display."""
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tally as tally_file  # noqa: E402  (this folder is on the path: pytest puts it there for conftest)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    """A modal dialog waits for a person, so a test that opened one would hang. Here every dialog
    answers at once (no file chosen; Cancel to a question; OK to a message) and what each said is
    kept in the returned list. A test that wants another answer patches that dialog itself."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    said: list[str] = []

    def tell(_parent, _title, text, *_args, **_kwargs):
        said.append(text)
        return QMessageBox.StandardButton.Ok

    def ask(_parent, _title, text, *_args, **_kwargs):
        said.append(text)
        return QMessageBox.StandardButton.Cancel

    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(tell))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(ask))
    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *_a, **_k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *_a, **_k: ""))

    # The CSV column chooser: OK with the columns it proposes when the table loads, else Cancel
    # (after noting the message it shows, as a person would read it).
    from PySide6.QtWidgets import QDialog, QDialogButtonBox

    from gui.csv_import import CsvImportDialog

    def choose(dialog):
        if dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
            dialog.accept()
            return QDialog.DialogCode.Accepted
        said.append(dialog.message)
        dialog.reject()
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CsvImportDialog, "exec", choose)
    return said


@pytest.fixture
def window(qtbot):
    """The main window as a student first sees it, shown; its trainer stopped afterwards."""
    import app

    w = app.build_window()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.trainer.shutdown()


class Studio:
    """An application state driven by a Qt-free Timeline, for testing views without the window:
    `studio.state` is what the view is given; `step()`, `edit()`, `predict()` move it the way the
    window's controller does."""

    def __init__(self, task="regression", init="random", dataset="students-regression", scaling="standard"):
        from engine import moment
        from engine.data import load_builtin
        from engine.spec import NetworkSpec, preset
        from engine.timeline import Timeline
        from gui.state import AppState, Setup

        self.moment = moment
        ds = load_builtin(dataset)
        base = preset(task)
        spec = NetworkSpec((ds.n_inputs, *base.sizes[1:-1], ds.n_outputs), base.activations, base.loss)
        self.timeline = Timeline(spec, ds.X, ds.Y, init=init, scaling=scaling)
        self.state = AppState()
        self.state.setup = Setup(task, dataset, ds, spec, scaling=scaling, init=init)
        self.state.selected = spec.param_names[0]
        self.idle(self.timeline.training.next_row)

    def idle(self, row):
        tl = self.timeline
        self.state.row = row
        self.state.shown = self.moment.idle(tl.network, tl.X, tl.Y, tl.X_raw, row, self.state.eta)

    def step(self):
        tl = self.timeline
        record = tl.row(self.state.eta)
        self.state.shown = self.moment.after_step(record, tl.X_raw[record.row])
        return record

    def preview(self, with_update=False):
        tl = self.timeline
        record = tl.training.peek()
        self.state.shown = self.moment.preview(record, tl.X_raw[record.row], with_update=with_update)
        return record

    def edit(self, name, value):
        self.timeline.set_parameter(name, value)
        self.idle(self.state.row)

    def predict(self, x_raw):
        tl = self.timeline
        self.state.predict_inputs = tuple(x_raw)
        self.state.shown = self.moment.prediction(tl.network, tl.scaler, x_raw)


@pytest.fixture
def studio():
    """A students-regression state at Step 0 (small random start), showing the first row idle."""
    return Studio()


@pytest.fixture
def tally(request):
    """`tally(**counts)`: what this test did, appended to $BACKPROP_TALLY for bench/reliability.py
    (nothing at all when it is not set). Named after the test that calls it."""
    return lambda **counts: tally_file.record(request.node.nodeid, **counts)
