"""Saving and opening sessions from the window: the whole application state in one file.

    save_session(window, path)   the window's state and run → engine.session → an atomic save
    open_session(window, path)   reads and checks the file first (JSON, schema, and the run
                                 replayed bit for bit); only then applies it: table, set-up,
                                 run, settings, what was on screen. A bad file raises
                                 SessionError (one line) and changes nothing at all.
    SessionDocument(window)      the session's file and whether there is unsaved work, for the
                                 window title ("name — Backprop Studio", "*" when unsaved) and
                                 for asking before closing.

The table travels inside the file: a built-in table that is still identical is used as the
built-in; any other goes into `state.csv_tables` under its key (a fresh key if that one now
names a different table). A long run is replayed behind a progress dialog with Cancel.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QProgressDialog

from engine import data as datamod
from engine import playground
from engine import session as sessions
from engine.data import Dataset
from engine.resources import version
from engine.session import SUFFIX, Session, SessionError
from engine.timeline import Timeline
from gui.session_document import APP, SessionDocument  # noqa: F401 (re-exported)
from gui.state import Setup

FILE_FILTER = f"{APP} sessions (*{sessions.SUFFIX} *.json);;All files (*)"
PROGRESS_AFTER_ROWS = 50_000  # a replay longer than this (about a second) shows a progress dialog

__all__ = ["FILE_FILTER", "SUFFIX", "SessionDocument", "SessionError", "capture", "open_session", "save_session"]


# ---- saving ------------------------------------------------------------------------------------------
def capture(window) -> Session:
    """The window's whole state as a session (training is paused first: the run must be idle)."""
    s = window.state
    window.controller.pause()
    timeline = window.trainer.timeline
    setup = s.setup
    settings = {"eta": s.eta, "epochs": int(s.epochs), "speed": s.speed, "precision": int(s.precision),
                "selected": s.selected, "lesson_step": None if s.lesson_step is None else int(s.lesson_step)}
    view = {"cursor": min(int(s.cursor), timeline.steps),
            "row": None if s.row is None else int(s.row),
            "phase": None if s.phase is None else {"name": s.phase[0], "layer": int(s.phase[1])},
            "predict_inputs": None if s.predict_inputs is None else [float(v) for v in s.predict_inputs]}
    generated = ({"points": setup.points, "noise": setup.noise, "data_seed": setup.data_seed}
                 if setup.dataset_key in playground.GENERATED else None)
    return sessions.capture(timeline, task=setup.task, dataset_key=setup.dataset_key, dataset=setup.dataset,
                            settings=settings, view=view, saved_by=f"{APP} {version()}", generated=generated)


def save_session(window, path: str | Path) -> None:
    """Save the window's state to `path` (atomically). Raises SessionError (one line, naming `path`)."""
    sessions.save(capture(window), path)


# ---- opening -----------------------------------------------------------------------------------------------
def open_session(window, path: str | Path) -> Session:
    """Open the session in `path` in this window. Everything is read and checked (and the run
    replayed) before anything changes; a bad file raises SessionError and changes nothing."""
    path = Path(path)
    session = sessions.load(path)
    timeline = _replay(window, session, path.name)
    key, dataset, new_table = _table_for(window.state, session, path)
    st, view = session.settings, session.view
    lesson_step = st.lesson_step if st.lesson_step is not None and st.lesson_step < len(
        window.lesson_panel.steps) else None
    r = session.setup
    setup = Setup(task=r.task, dataset_key=key, dataset=dataset, spec=timeline.spec, scaling=r.scaling,
                  init=r.init, seed=r.seed, order=r.order, target_scaling=r.target_scaling, batch=r.batch,
                  test_fraction=r.test_fraction, points=r.points, noise=r.noise, data_seed=r.data_seed)
    # From here on nothing can fail: apply.
    s, controller = window.state, window.controller
    controller.pause()
    if new_table:
        s.csv_tables[key] = dataset
    # The lesson panel sets up a step it moves to; the saved run then replaces that set-up.
    s.lesson_step = lesson_step
    controller.adopt(setup, timeline)
    s.epochs = st.epochs
    s.speed = st.speed
    s.precision = st.precision
    s.eta = st.eta
    s.selected = st.selected if st.selected is not None else timeline.spec.param_names[0]
    s.cursor = view.cursor
    s.row = view.row
    s.phase = None if view.phase is None else (view.phase.name, view.phase.layer)
    s.predict_inputs = None if view.predict_inputs is None else tuple(view.predict_inputs)
    return session


def _replay(window, session: Session, where: str) -> Timeline:
    steps = session.history.steps
    if steps < PROGRESS_AFTER_ROWS:
        return sessions.replay(session, where=where)
    dialog = QProgressDialog(f"Replaying the {steps:,} rows trained in {where}…", "Cancel", 0, steps, window)
    dialog.setObjectName("sessionProgress")
    dialog.setWindowTitle(f"Opening {where}")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.show()

    def progress(done: int, _total: int) -> None:
        dialog.setValue(done)
        QCoreApplication.processEvents()  # the dialog is modal: only it takes clicks (Cancel)
        if dialog.wasCanceled():
            raise SessionError(f"opening {where} was cancelled; nothing changed")

    try:
        return sessions.replay(session, progress=progress, where=where)
    finally:
        dialog.close()
        dialog.deleteLater()


def same_table(a: Dataset, b: Dataset) -> bool:
    """The same table, bit for bit: names, column order and every number."""
    return (a.name == b.name and a.input_names == b.input_names and a.target_names == b.target_names
            and a.columns == b.columns and a.X.shape == b.X.shape and a.Y.shape == b.Y.shape
            and a.X.tobytes() == b.X.tobytes() and a.Y.tobytes() == b.Y.tobytes())


def _table_for(state, session: Session, path: Path) -> tuple[str, Dataset, bool]:
    """(key, table, whether the table must be added to state.csv_tables)."""
    key, table = session.setup.dataset_key, session.dataset
    if not key.startswith("csv:"):
        r = session.setup
        try:
            builtin = (playground.generate(key, points=r.points, noise=r.noise, seed=r.data_seed)
                       if key in playground.GENERATED else datamod.load_builtin(key))
        except (ValueError, OSError):  # CsvError is a ValueError
            builtin = None
        if builtin is not None and same_table(builtin, table):
            return key, builtin, False
        key = f"csv:{table.name or key} (from {path.name})"  # the built-in has changed since: keep the saved one
    base, n = key, 1
    while key in state.csv_tables:
        if same_table(state.csv_tables[key], table):
            return key, state.csv_tables[key], False
        n += 1
        key = f"{base} ({n})"  # that key names another table now: this one gets its own
    return key, table, True
