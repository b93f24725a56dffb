"""The Help menu's dialogs: every keyboard shortcut (generated from the window's actions)
and About (version, licence, the libraries used with their versions).

    shortcut_rows(actions)   [(menu text, keys, what it does)] for every action
    about_text()             the About box's rich text
    ShortcutsDialog(actions, parent), AboutDialog(parent)
"""
from __future__ import annotations

import platform
from importlib import metadata

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from gui.actions import MENUS, shortcut_text

DISTRIBUTION = "backprop-studio"
FALLBACK_VERSION = "0.1.0 (from source)"
NO_LICENCE = "No licence is declared in the package metadata yet"
LIBRARIES = (("Qt for Python (PySide6)", "PySide6-Essentials"), ("pyqtgraph", "pyqtgraph"), ("NumPy", "numpy"),
             ("psygnal", "psygnal"), ("superqt", "superqt"))
HOME = "the README that comes with the app (README.md) and docs/ARCHITECTURE.md"


def version() -> str:
    """The installed version, or the source tree's when the app runs unpacked."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def licence() -> str:
    """The licence the package metadata declares (License-Expression or License)."""
    try:
        meta = metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return NO_LICENCE
    text = meta.get("License-Expression") or meta.get("License") or ""
    return f"Licence: {text}" if text.strip() and text.strip() != "UNKNOWN" else NO_LICENCE


def library_versions() -> list[tuple[str, str]]:
    rows = []
    for label, dist in LIBRARIES:
        try:
            rows.append((label, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            rows.append((label, _module_version(dist)))
    from PySide6 import QtCore

    rows.append(("Qt", QtCore.qVersion()))
    rows.append(("Python", platform.python_version()))
    return rows


def _module_version(dist: str) -> str:
    module = {"PySide6-Essentials": "PySide6"}.get(dist, dist)
    try:
        return str(__import__(module).__version__)
    except (ImportError, AttributeError):
        return "not found"


def about_text() -> str:
    libs = "".join(f"<tr><td>{name}</td><td>&nbsp;{ver}</td></tr>" for name, ver in library_versions())
    return (f"<h3>Backprop Studio {version()}</h3>"
            "<p>Watch and touch a small neural network while it learns: every gradient by the chain "
            "rule, on screen.</p>"
            f"<p>{licence()}. Colours: Okabe &amp; Ito's colour-blind-safe palette.</p>"
            f"<p>Built with:</p><table>{libs}</table>"
            f"<p>Documentation: {HOME}.</p>")


class AboutDialog(QDialog):
    """Help → About (objectName 'aboutDialog'): version, licence, the libraries and their versions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Backprop Studio")
        icon = QLabel()
        if parent is not None:
            icon.setPixmap(parent.windowIcon().pixmap(64, 64))
        self.text = QLabel(about_text(), objectName="aboutText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.resize(max(460, self.sizeHint().width()), self.sizeHint().height())


def shortcut_rows(actions: dict[str, QAction]) -> list[tuple[str, str, str]]:
    """(command, keys, what it does) for every action, in the order the window made them."""
    submenu = {name: title.replace("&", "") for entries in MENUS.values() for entry in entries
               if isinstance(entry, tuple) for title, names in [entry] for name in names}
    rows = []
    for name, action in actions.items():
        text = action.text().replace("&", "").rstrip("…")
        if name in submenu:
            text = f"{submenu[name]}: {text}"
        rows.append((text, shortcut_text(action) or "—", action.statusTip()))
    return rows


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: a table of every action (objectName 'shortcutsDialog')."""

    def __init__(self, actions: dict[str, QAction], parent=None):
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(actions)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Command", "Keys", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setWordWrap(False)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        note = QLabel("These keys work whatever field has the focus: a field first keeps what you typed. "
                      "Enter in a field keeps it and gives the keys back to the network. "
                      "Page Down / Page Up walk through one row (and clickers send them).")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        fm = self.table.fontMetrics()
        titles = ("Command", "Keys", "What it does")
        width = sum(max(fm.horizontalAdvance(t) for t in [titles[c], *(row[c] for row in rows)]) + 28
                    for c in range(3))
        width += self.table.verticalScrollBar().sizeHint().width() + 40
        screen = (parent.screen() if parent is not None else None) or self.screen()
        room = screen.availableGeometry().size() if screen is not None else QSize(1280, 720)
        height = 160 + round(fm.height() * 1.9) * (len(rows) + 1)
        self.resize(min(width, int(room.width() * 0.95)), min(height, int(room.height() * 0.9)))

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]
