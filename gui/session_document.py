"""The session's document: which file the work belongs to, and whether there is unsaved work.

Kept apart from gui.sessions so that the window can follow its document from the start
without importing the session format (and its schema library) until a file is saved or opened.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from gui.widgets.state_view import subscribe

APP = "Backprop Studio"
UNTITLED = "Untitled"


class SessionDocument(QObject):
    """The session's file (`path`, None until saved or opened) and whether the run or the
    settings changed since (`modified`). Emits `changed()` when either does.

    Unsaved work: a new set-up or table, rows trained, edits, reset, undo/redo, η, epochs,
    speed, precision or the lesson step. Looking around is not: selecting a parameter, moving
    the Timeline's cursor, stepping through phases or typing a prediction.
    Use `save(path)` / `open(path)` so the document follows (both raise SessionError).
    `title` is for QWidget.setWindowTitle with setWindowModified(modified): "name[*] — Backprop Studio".
    """

    changed = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._path: Path | None = None
        self._modified = False
        self._applying = False
        self._steps = self._run_steps()
        ev = window.state.events
        for signal in (ev.setup, ev.eta, ev.epochs, ev.speed, ev.precision, ev.lesson_step):
            subscribe(self, signal, self._touched)
        subscribe(self, ev.history, self._history)
        window.trainer.changed.connect(self._touched)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def modified(self) -> bool:
        return self._modified

    @property
    def name(self) -> str:
        return UNTITLED if self._path is None else self._path.name

    @property
    def title(self) -> str:
        return f"{self.name}[*] — {APP}"

    def save(self, path: str | Path | None = None) -> Path:
        """Save to `path` (default: the current file) and make it the document's file."""
        from gui.sessions import SessionError, save_session

        path = self._path if path is None else Path(path)
        if path is None:
            raise SessionError("the session has no file yet: choose where to save it")
        save_session(self.window, path)
        self._set(path.absolute())
        return self._path

    def open(self, path: str | Path):
        """Open `path` in the window and make it the document's file (nothing changes on a bad file);
        returns the engine.session.Session it read."""
        from gui.sessions import open_session

        path = Path(path)
        self._applying = True
        try:
            session = open_session(self.window, path)
        finally:
            self._applying = False
        self._set(path.absolute())
        return session

    def mark_modified(self) -> None:
        self._touched()

    def forget(self) -> None:
        """No file and nothing unsaved (e.g. after the user chose to discard the work)."""
        self._set(None)

    # ---- internals ---------------------------------------------------------------------------------
    def _run_steps(self) -> int:
        timeline = self.window.trainer.timeline
        return -1 if timeline is None else timeline.steps

    def _set(self, path: Path | None) -> None:
        self._steps = self._run_steps()
        if (path, False) != (self._path, self._modified):
            self._path, self._modified = path, False
            self.changed.emit()

    def _touched(self, *_args) -> None:
        if not self._applying and not self._modified:
            self._modified = True
            self.changed.emit()

    def _history(self, snapshot) -> None:
        steps = -1 if snapshot is None else snapshot.steps
        if steps != self._steps:  # rows trained while playing (idle commands emit trainer.changed)
            self._steps = steps
            self._touched()
