"""File → Save, Save as, Open, Open recent and Export, with their dialogs and messages.

The work itself is elsewhere: sessions in gui.sessions (engine.session underneath), exports
in gui.exports. This module asks for paths, says what went wrong in one message, keeps the
window title and the recent-files list current, and asks before unsaved work is lost.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from gui import exports
from gui.session_document import SessionDocument

HEADLESS_PLATFORMS = ("offscreen", "minimal")  # nobody there to answer "save your changes?"


class FileCommands(QObject):
    def __init__(self, window, settings):
        super().__init__(window)
        self.window, self.settings = window, settings
        self.document = SessionDocument(window)
        self.document.changed.connect(self.show_title)
        self.recent_menu = QMenu("Open &recent", window)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        # Closing with unsaved work asks, where a person can answer (not on offscreen test windows).
        self.ask_on_close = QGuiApplication.platformName() not in HEADLESS_PLATFORMS
        self.show_title()

    def install(self, menu: QMenu, before: QAction) -> None:
        """File menu entries (also in window.actions, with their shortcuts)."""
        w = self.window
        entries = (
            ("save", "&Save session", "Ctrl+S", self.save),
            ("save_as", "Save session &as…", "Ctrl+Shift+S", self.save_as),
            ("open_session", "Open &session…", "Ctrl+Shift+O", self.open),
        )
        actions = []
        for name, text, shortcut, slot in entries:
            action = QAction(text, w, objectName=f"{name}Action", shortcut=QKeySequence(shortcut))
            action.setToolTip(f"{text.replace('&', '').rstrip('…')} ({shortcut})")
            action.triggered.connect(lambda _=False, run=slot: run())
            w.addAction(action)
            w.actions[name] = action
            actions.append(action)
        menu.insertActions(before, actions)
        menu.insertMenu(before, self.recent_menu)
        export = QMenu("&Export", w, objectName="exportMenu")
        for object_name, title in exports.VIEWS.items():
            export.addAction(f"{title} as a picture…", lambda n=object_name: self.export_view(n))
        export.addSeparator()
        export.addAction("Training trace (CSV)…", self.export_trace)
        export.addAction("Worksheet for the shown row…", lambda: self.export_worksheet(False))
        export.addAction("Worksheet with blanks and answer key…", lambda: self.export_worksheet(True))
        menu.insertMenu(before, export)
        menu.insertSeparator(before)

    def may_close(self) -> bool:
        return not self.ask_on_close or self.confirm_discard()

    # ---- the window title and the unsaved mark ------------------------------------------------
    def show_title(self) -> None:
        self.window.setWindowTitle(self.document.title)  # "name[*] — Backprop Studio"
        self.window.setWindowModified(self.document.modified)

    def confirm_discard(self) -> bool:
        """True when there is no unsaved work, or the user saved it or chose to discard it."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved work", "This session has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # ---- sessions -------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        from gui.sessions import FILE_FILTER, SUFFIX  # the session format loads when first used

        start = str(Path(self.settings.last_folder()) / f"{Path(self.document.name).stem}{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the session", start, FILE_FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        return self._document_does(self.document.save, path, "Cannot save the session", "Saved")

    def _document_does(self, operation, path: Path, failure: str, done: str) -> bool:
        """Save or open through the document: one message on failure, else remember the file."""
        from gui.sessions import SessionError

        try:
            operation(path)
        except (SessionError, OSError) as exc:
            QMessageBox.warning(self.window, failure, str(exc))
            return False
        self._remember(path)
        self.window.statusBar().showMessage(f"{done} {path.name}", 5000)
        return True

    def open(self, path: str | Path | None = None) -> bool:
        """Open a session (asking for one when no path is given); a bad file changes nothing."""
        from gui.sessions import FILE_FILTER

        if not self.confirm_discard():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open a session", self.settings.last_folder(),
                                                  FILE_FILTER)
            if not path:
                return False
        return self._document_does(self.document.open, Path(path), "Cannot open this session", "Opened")

    def fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.settings.recent_files()
        for file in files:
            action = QAction(Path(file).name, menu)
            action.setToolTip(file)
            action.triggered.connect(lambda _=False, f=file: self.open(f))
            menu.addAction(action)
        if not files:
            menu.addAction("(no recent sessions)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear the list", self.settings.clear_recent)

    def _remember(self, path: Path) -> None:
        self.settings.add_recent(path)
        self.settings.set_last_folder(path.parent)

    # ---- exports ----------------------------------------------------------------------------------
    def export_view(self, object_name: str) -> bool:
        title = exports.VIEWS.get(object_name, object_name)
        start = str(Path(self.settings.last_folder()) / f"{object_name}.png")
        path, _ = QFileDialog.getSaveFileName(self.window, f"Export {title}", start, exports.VIEW_FILTER)
        return bool(path) and self._export(lambda: exports.export_view(self.window, object_name, path))

    def export_trace(self) -> bool:
        start = str(Path(self.settings.last_folder()) / "training-trace.csv")
        path, _ = QFileDialog.getSaveFileName(self.window, "Export the training trace", start, exports.TRACE_FILTER)
        return bool(path) and self._export(lambda: exports.export_trace(self.window, path))

    def export_worksheet(self, blanks: bool = False) -> bool:
        name = "worksheet-blank.pdf" if blanks else "worksheet.pdf"
        start = str(Path(self.settings.last_folder()) / name)
        path, _ = QFileDialog.getSaveFileName(self.window, "Export a worksheet for the shown row", start,
                                              exports.WORKSHEET_FILTER)
        return bool(path) and self._export(lambda: exports.export_worksheet(self.window, path, blanks))

    def _export(self, run) -> bool:
        try:
            written = run()
        except exports.ExportError as exc:
            QMessageBox.warning(self.window, "Cannot export", str(exc))
            return False
        self.settings.set_last_folder(Path(written).parent)
        self.window.statusBar().showMessage(f"Exported {Path(written).name}", 5000)
        return True
