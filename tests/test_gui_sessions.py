"""Sessions through the window: what is saved comes back exactly (run, history, settings, lesson
step, what was on screen, the table itself); a bad file changes nothing; the document knows its
file and whether there is unsaved work."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog

from engine import session as engine_session
from gui import sessions
from gui.sessions import SessionDocument, SessionError, open_session, same_table, save_session

CSV = "hours,sleep,score\n1,8,52\n2,7.5,55\n3,6,61\n4,7,68\n5,5.5,70\n6,8,79\n"


@pytest.fixture
def new_window(qtbot):
    """Another main window (the app opened afresh); its trainer stopped afterwards."""
    import app

    made = []

    def make():
        w = app.build_window()
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.trainer.shutdown()


def bits(a) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def picture(w) -> dict:
    """Everything a session keeps, as comparable values."""
    s, tl = w.state, w.trainer.timeline
    setup = s.setup
    return {
        "setup": (setup.task, setup.dataset_key, setup.scaling, setup.init, setup.seed, setup.order, setup.spec),
        "table": (setup.dataset.name, setup.dataset.columns, setup.dataset.input_names, setup.dataset.target_names,
                  bits(setup.dataset.X), bits(setup.dataset.Y)),
        "params": bits(tl.network.theta), "initial": bits(tl.initial_theta),
        "losses": bits(tl.losses.view()), "epoch_means": bits(tl.epoch_means.view()), "row_loss": bits(tl.row_loss),
        "steps": tl.steps, "eta_log": list(tl.eta_log), "edits": list(tl.edits),
        "settings": (s.eta, s.epochs, s.speed, s.precision, s.selected, s.lesson_step),
        "view": (s.cursor, s.row, s.phase, s.predict_inputs),
        "history": (s.history.steps, bits(s.history.losses)),
    }


def fingerprint(w) -> tuple:
    """The window's state down to object identity: equal before and after = nothing changed."""
    s, tl = w.state, w.trainer.timeline
    return (s.setup, tl, bits(tl.network.theta), tl.steps, tuple(tl.eta_log), tuple(tl.edits), s.eta, s.epochs,
            s.speed, s.precision, s.selected, s.lesson_step, s.cursor, s.row, s.phase, s.predict_inputs,
            tuple(s.csv_tables.items()), w.controller.undo_stack.count(), id(s.shown), id(s.history))


def do_work(w) -> None:
    c, s = w.controller, w.state
    c.train_rows(20)
    c.edit("W111", 0.3)
    s.eta = 0.05
    c.train_rows(17)
    s.precision, s.selected, s.epochs, s.speed = 5, "b21", 7, None


def test_round_trip_into_a_new_window(window, new_window, tmp_path):
    do_work(window)
    path = tmp_path / "work.bpsession"
    save_session(window, path)
    other = new_window()
    open_session(other, path)
    assert picture(other) == picture(window)
    assert other.state.setup.dataset_key == "students-regression"  # the built-in, unchanged: used as such
    assert other.state.csv_tables == {}
    assert other.state.shown.params_now == window.state.shown.params_now
    for w in (window, other):  # and the two train on identically
        w.controller.train_rows(9)
    assert picture(other) == picture(window)


def test_opening_in_the_same_window_brings_the_saved_moment_back(window, tmp_path):
    do_work(window)
    path = tmp_path / "work.bpsession"
    save_session(window, path)
    expected = picture(window)
    c, s = window.controller, window.state
    c.train_rows(11)
    c.change_setup(seed=5, order="sequential")
    s.eta, s.precision, s.selected, s.speed = 0.5, 8, "W221", 20.0
    c.train_rows(3)
    open_session(window, path)
    assert picture(window) == expected
    assert window.controller.undo_stack.count() == 0  # undo belongs to the run that was replaced


def test_the_table_travels_inside_the_file(window, new_window, tmp_path):
    csv = tmp_path / "marks.csv"
    csv.write_text(CSV)
    assert window.open_csv(str(csv))
    window.controller.train_rows(13)
    path = tmp_path / "marks.bpsession"
    save_session(window, path)
    csv.unlink()  # the session does not need the CSV any more
    other = new_window()
    open_session(other, path)
    key = f"csv:{csv}"
    assert other.state.setup.dataset_key == key and key in other.state.csv_tables
    assert same_table(other.state.csv_tables[key], window.state.setup.dataset)
    assert picture(other) == picture(window)


def test_a_key_that_names_another_table_now_gets_a_fresh_key(window, new_window, tmp_path):
    csv = tmp_path / "marks.csv"
    csv.write_text(CSV)
    assert window.open_csv(str(csv))
    window.controller.train_rows(5)
    path = tmp_path / "marks.bpsession"
    save_session(window, path)
    csv.write_text(CSV.replace("52", "53"))  # the file changed since
    other = new_window()
    assert other.open_csv(str(csv))
    theirs = other.state.csv_tables[f"csv:{csv}"]
    open_session(other, path)
    assert other.state.csv_tables[f"csv:{csv}"] is theirs  # kept as it was
    assert other.state.setup.dataset_key == f"csv:{csv} (2)"
    assert same_table(other.state.setup.dataset, window.state.setup.dataset)
    assert picture(other)["params"] == picture(window)["params"]


def test_lesson_step_and_what_was_on_screen_come_back(window, new_window, tmp_path):
    s, c = window.state, window.controller
    s.lesson_step = 2  # the lesson sets up its step (a forward pass, stepped through)
    c.train_rows(6)
    s.phase = ("backward", 2)
    s.row = 1
    path = tmp_path / "lesson.bpsession"
    save_session(window, path)
    other = new_window()
    open_session(other, path)
    assert other.state.lesson_step == 2
    assert other.lesson_panel.current_index == 2
    assert picture(other) == picture(window)
    assert other.state.shown.kind == window.state.shown.kind

    c.scrub(2)  # looking back at row 2 of the Timeline, with a prediction typed
    s.predict_inputs = (7.5, 8.5)
    save_session(window, path)
    open_session(other, path)
    assert (other.state.cursor, other.state.predict_inputs) == (2, (7.5, 8.5))
    assert picture(other) == picture(window)


def test_saving_while_training_pauses_and_keeps_that_moment(window, new_window, qtbot, tmp_path):
    s = window.state
    s.speed, s.epochs = None, 10_000
    window.controller.play()
    qtbot.waitUntil(lambda: window.trainer.timeline.steps > 300, timeout=10_000)
    path = tmp_path / "running.bpsession"
    save_session(window, path)
    assert not window.trainer.running
    other = new_window()
    open_session(other, path)
    assert picture(other)["params"] == picture(window)["params"]
    assert picture(other)["losses"] == picture(window)["losses"]


def bad_files(tmp_path, good) -> dict:
    text = good.read_text(encoding="utf-8")
    doc = json.loads(text)
    doc["params"]["W111"] += 1.0  # a run its history does not lead to
    cases = {
        "garbage": "{not json",
        "newer": text.replace('"version": 2', '"version": 3', 1),
        "eta true": text.replace('"eta": 0.05', '"eta": true', 1),
        "epochs Infinity": text.replace('"epochs": 7', '"epochs": Infinity', 1),
        "tampered run": json.dumps(doc),
        "nested": "[" * 100_000,
    }
    paths = {}
    for name, damaged in cases.items():
        assert damaged != text
        paths[name] = tmp_path / f"{name}.bpsession"
        paths[name].write_text(damaged, encoding="utf-8")
    fifo = tmp_path / "fifo.bpsession"
    os.mkfifo(fifo)
    paths["fifo"] = fifo
    paths["missing"] = tmp_path / "missing.bpsession"
    paths["folder"] = tmp_path
    return paths


def test_a_bad_file_changes_nothing(window, new_window, tmp_path):
    csv = tmp_path / "marks.csv"
    csv.write_text(CSV)
    author = new_window()  # someone else's session, on a table this window has never seen
    assert author.open_csv(str(csv))
    do_work(author)
    good = tmp_path / "good.bpsession"
    save_session(author, good)
    do_work(window)
    before = fingerprint(window)
    for name, path in bad_files(tmp_path, good).items():
        with pytest.raises(SessionError) as caught:
            open_session(window, path)
        assert "\n" not in str(caught.value), name
        assert fingerprint(window) == before, name  # not even the table was added
    open_session(window, good)  # the good one opens, table and all
    assert f"csv:{csv}" in window.state.csv_tables


def test_the_document_knows_its_file_and_unsaved_work(window, qtbot, tmp_path):
    doc = SessionDocument(window)
    c, s = window.controller, window.state
    assert (doc.path, doc.modified, doc.title) == (None, False, "Untitled[*] — Backprop Studio")
    with pytest.raises(SessionError, match="choose where"):
        doc.save()
    with qtbot.waitSignal(doc.changed):
        c.train_rows(3)
    assert doc.modified
    path = tmp_path / "mine.bpsession"
    with qtbot.waitSignal(doc.changed):
        doc.save(path)
    assert (doc.path, doc.modified, doc.title) == (path, False, "mine.bpsession[*] — Backprop Studio")

    s.selected = "b21"  # looking around is not unsaved work
    c.scrub(1)
    s.phase = ("forward", 1)
    assert not doc.modified
    for change in (lambda: setattr(s, "eta", 0.5), lambda: c.edit("W111", 0.25), lambda: c.reset(),
                   lambda: c.undo_stack.undo(), lambda: setattr(s, "epochs", 3), lambda: setattr(s, "precision", 7),
                   lambda: c.change_setup(seed=9)):
        doc.save()
        assert not doc.modified
        change()
        assert doc.modified

    doc.save()
    s.speed, s.epochs = None, 1
    with qtbot.waitSignal(window.trainer.trainingFinished, timeout=10_000):
        c.play()  # rows trained by the worker thread
    qtbot.waitUntil(lambda: doc.modified)

    with qtbot.waitSignal(doc.changed):
        doc.open(path)
    assert (doc.path, doc.modified) == (path, False)
    (tmp_path / "bad.bpsession").write_text("[]")
    c.train_rows(1)
    with pytest.raises(SessionError):
        doc.open(tmp_path / "bad.bpsession")
    assert (doc.path, doc.modified) == (path, True)
    doc.forget()
    assert (doc.path, doc.modified) == (None, False)


def cancel_progress(window, seen: list) -> None:
    dialog = window.findChild(QProgressDialog, "sessionProgress")
    seen.append(dialog is not None and dialog.isVisible())
    if dialog is not None:
        dialog.cancel()


def test_a_long_replay_shows_progress_and_cancel_changes_nothing(window, new_window, tmp_path, monkeypatch):
    monkeypatch.setattr(sessions, "PROGRESS_AFTER_ROWS", 100)
    window.controller.train_rows(9000)  # replay reports progress every 4096 rows
    path = tmp_path / "long.bpsession"
    save_session(window, path)
    other = new_window()
    before, seen = fingerprint(other), []
    QTimer.singleShot(0, lambda: cancel_progress(other, seen))
    with pytest.raises(SessionError, match="cancelled; nothing changed"):
        open_session(other, path)
    assert seen == [True]
    assert fingerprint(other) == before
    open_session(other, path)  # not cancelled: it opens
    assert picture(other) == picture(window)


def test_save_errors_name_the_users_path(window, tmp_path):
    folder = tmp_path / "session-folder.bpsession"
    folder.mkdir()
    with pytest.raises(SessionError, match=f"^cannot save {folder}: it is a folder$"):
        save_session(window, folder)
    assert engine_session.SUFFIX == ".bpsession" and "*.bpsession" in sessions.FILE_FILTER


def test_the_title_marks_unsaved_work_and_closing_asks_first(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    files = window.files
    assert not window.isWindowModified()
    window.controller.step()
    assert window.isWindowModified()  # shown as "*" in the title
    window.save_session(tmp_path / "class.bpsession")
    assert window.windowTitle().startswith("class.bpsession") and not window.isWindowModified()
    window.controller.step()
    files.ask_on_close = True  # offscreen windows have nobody to ask; a desktop one does
    asked = []

    def answer(*args, **_kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    window.close()
    assert asked and window.isVisible()  # Cancel keeps the window and the work
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    window.close()
    assert not window.isVisible()
