"""Backprop Studio's launcher.

    python app.py              (or the `backprop-studio` command after installing)

`build_window()` makes the main window without starting an event loop (tests
and scripts use it with their own QApplication); `main()` is the launcher.
Qt is imported lazily, so `import app` stays cheap.
"""
from __future__ import annotations

import sys

from engine.resources import ICON_FILE as ICON

APP_NAME = "Backprop Studio"
DESKTOP_NAME = "backprop-studio"


def build_window():
    """The main window, loaded with the tutorial's regression network and table, ready for Play.

    Needs an existing QApplication; does not show the window or start an event loop.
    """
    from gui.main_window import MainWindow

    keep_memory_flat()
    return MainWindow()


def keep_memory_flat() -> None:
    """Let large temporary arrays go back to the OS when freed (glibc only; elsewhere a no-op).

    glibc raises its mmap threshold every time a big block is freed, so the plot's per-frame
    temporaries (which grow with the loss history) end up on the heap and are never returned:
    RSS then grows ~15 bytes a row beyond the data itself. A fixed threshold keeps it flat.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: fixed, so no dynamic raising
    except (OSError, AttributeError):
        pass


def style_application(app) -> None:
    """Name, icon, style and font of the application (dialogs too, not only the main window)."""
    from PySide6.QtGui import QFont, QIcon

    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName(DESKTOP_NAME)
    app.setStyle("Fusion")  # the same look on every platform (and in screenshots)
    font = QFont(app.font())
    font.setPointSize(13)
    app.setFont(font)
    if ICON.exists():
        app.setWindowIcon(QIcon(str(ICON)))


def main(argv: list[str] | None = None) -> int:
    """Start the app (reusing a QApplication that already exists) and run until the window closes."""
    from PySide6.QtWidgets import QApplication

    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance() or QApplication(argv)
    style_application(app)
    window = build_window()
    window.show()
    app._backprop_window = window  # keep it alive, reachable from scripts
    try:
        return app.exec()
    finally:
        del app._backprop_window
        dispose(window)


def dispose(window) -> None:
    """Close the window and delete its Qt objects now, while the QApplication still exists.

    Left to the interpreter's exit, Python may drop the QApplication before the window, and
    deleting widgets after their application is gone can crash the process on its way out.
    """
    import shiboken6

    if shiboken6.isValid(window):
        window.close()  # stops the training thread (closeEvent) if it was not closed yet
        shiboken6.delete(window)


if __name__ == "__main__":
    raise SystemExit(main())
