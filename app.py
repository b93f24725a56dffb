"""Backprop Studio's launcher.

    backprop-studio [FILE]          open the window (FILE: a .csv table or a saved session)
    backprop-studio --smoke-test    check an installation without a display
    python app.py ...               the same, from a source checkout

`build_window()` makes the main window without starting an event loop (tests and scripts use
it with their own QApplication); `main(argv)` is the launcher. Before Qt is imported, `main`
checks that Qt can open a window here (`preflight`): without a display, or without the system
libraries Qt's X11 plugin needs, it prints one message naming what is missing and the package
that brings it, and exits with status 1 instead of letting Qt abort with a core dump.
Qt is imported lazily, so `import app` stays cheap.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from engine.resources import ICON_FILE as ICON
from engine.resources import version

APP_NAME = "Backprop Studio"
DESKTOP_NAME = "backprop-studio"  # the .desktop file's name, the Wayland app id and the X11 WM_CLASS instance
CANNOT_START = 1

# The system libraries of Qt's X11 platform plugin (libqxcb.so and libQt6XcbQpa.so.6), each with the
# package that brings it: (Debian/Ubuntu, Fedora). Qt 6.5+ needs libxcb-cursor, which many installs lack.
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
}
# What Qt's own libraries need on any platform (a missing one makes `import PySide6.QtGui` fail).
QT_LIBRARIES: dict[str, tuple[str, str]] = {
    "libGL.so.1": ("libgl1", "mesa-libGL"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libzstd.so.1": ("libzstd1", "libzstd"),
    "libz.so.1": ("zlib1g", "zlib"),
}
NO_DISPLAY = (f"{DESKTOP_NAME} cannot start: there is no display to open its window on (neither DISPLAY nor "
              "WAYLAND_DISPLAY is set).\nStart it from a desktop session, or over ssh with X forwarding (ssh -X); "
              f"to check the installation without a display, run: {DESKTOP_NAME} --smoke-test")


# ---- before Qt: can a window open here? ----------------------------------------------------------
def preflight(environ: Mapping[str, str] | None = None, platform: str | None = None,
              loadable: Callable[[str], bool] | None = None,
              connects: Callable[[str], bool] | None = None) -> str | None:
    """Why Qt could not open a window here (one message), or None when it can (or it is not Linux).

    Decides as Qt does: QT_QPA_PLATFORM if set, else Wayland when WAYLAND_DISPLAY is set (falling back
    to X11), else X11. `loadable(soname)` and `connects(display)` are the real checks by default
    (the dynamic loader, and a connection to the X server); tests pass their own.
    """
    env = os.environ if environ is None else environ
    if not (sys.platform if platform is None else platform).startswith("linux"):
        return None
    loadable = library_loads if loadable is None else loadable
    connects = x_display_connects if connects is None else connects
    x11, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    requested = [entry.split(":")[0].strip().lower() for entry in env.get("QT_QPA_PLATFORM", "").split(";")]
    requested = [name for name in requested if name]
    if requested and not needs_display(requested[0]):
        return None  # offscreen, minimal, vnc, eglfs, linuxfb...: Qt needs no display server
    if not x11 and not wayland:
        return NO_DISPLAY
    candidates = requested or (["wayland", "xcb"] if wayland else ["xcb"])
    problem = None
    for name in candidates:
        if name.startswith("wayland"):
            if wayland and wayland_socket_exists(wayland, env):
                return None
            problem = problem or (
                f"{DESKTOP_NAME} cannot start: the Wayland display {wayland!r} (WAYLAND_DISPLAY) cannot be reached"
                if wayland else f"{DESKTOP_NAME} cannot start: Qt was asked for Wayland (QT_QPA_PLATFORM) but "
                                "WAYLAND_DISPLAY is not set")
        elif name == "xcb":
            return problem if problem and not x11 else xcb_problem(x11, loadable, connects)
        else:
            return None
    return problem


def needs_display(platform_plugin: str) -> bool:
    """Whether this Qt platform plugin needs a display server (xcb, wayland) or not (offscreen, vnc, eglfs...)."""
    return platform_plugin == "xcb" or platform_plugin.startswith("wayland")


def xcb_problem(display: str, loadable: Callable[[str], bool], connects: Callable[[str], bool]) -> str | None:
    """Why Qt's X11 plugin could not start on `display`: no display, missing libraries, or no connection."""
    if not display:
        return (f"{DESKTOP_NAME} cannot start: Qt was asked for X11 (QT_QPA_PLATFORM=xcb) but DISPLAY is not set.\n"
                "Start it from a desktop session, or over ssh with X forwarding (ssh -X)")
    missing = [name for name in XCB_LIBRARIES if not loadable(name)]
    if missing:
        return missing_libraries_message("Qt's X11 platform plugin (xcb)", missing, XCB_LIBRARIES)
    if not connects(display):
        return (f"{DESKTOP_NAME} cannot start: cannot connect to the X display {display!r} (DISPLAY).\n"
                "Is the X server running, and is this user allowed to use it (xauth, xhost)?")
    return None


def missing_libraries_message(what: str, missing: list[str], packages: Mapping[str, tuple[str, str]]) -> str:
    """One message: which libraries are missing and the commands that install them."""
    debian = unique(packages[name][0] for name in missing if name in packages)
    fedora = unique(packages[name][1] for name in missing if name in packages)
    lines = [f"{DESKTOP_NAME} cannot start: {what} needs system libraries that are missing: {', '.join(missing)}."]
    if debian:
        lines += ["Install them, then start again:",
                  f"  Debian/Ubuntu:  sudo apt install {' '.join(debian)}",
                  f"  Fedora:         sudo dnf install {' '.join(fedora)}"]
    return "\n".join(lines)


def unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def library_loads(soname: str) -> bool:
    """Whether the dynamic loader finds and loads this library (as Qt's plugin will need it to)."""
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def x_display_connects(display: str) -> bool:
    """Whether an X server answers on `display` (as Qt's X11 plugin will connect to it)."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def wayland_socket_exists(display: str, env: Mapping[str, str]) -> bool:
    socket = Path(display) if display.startswith("/") else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent"), display)
    return socket.exists()


def qt_import_problem(error: ImportError) -> str:
    """The message for Qt failing to import (a missing system library, or PySide6 not installed)."""
    text = str(error)
    found = re.search(r"(lib[\w.+-]+\.so(?:\.\d+)*)", text)
    if found:
        return missing_libraries_message("Qt", [found.group(1)], {**QT_LIBRARIES, **XCB_LIBRARIES}) + f"\n({text})"
    return (f"{DESKTOP_NAME} cannot start: Qt for Python (PySide6) cannot be imported: {text}\n"
            "Install the app with its dependencies: pip install .  (or pipx install .)")


# ---- the command line --------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=DESKTOP_NAME,
        description="Backprop Studio: watch and touch a small neural network while it learns; "
                    "every gradient by the chain rule, on screen.",
        epilog="Without a display, set QT_QPA_PLATFORM=offscreen (the smoke test does).")
    p.add_argument("path", nargs="?", type=existing_file, metavar="FILE",
                   help="open this at start: a .csv file as the table, anything else as a saved session")
    p.add_argument("--smoke-test", action="store_true",
                   help="check the installation: open the window offscreen, train one epoch, save and reopen "
                        "a session in a temporary folder; exit status 0 when all of it works")
    p.add_argument("--version", action="version", version=f"{DESKTOP_NAME} {version()}")
    return p


def existing_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a .csv table or a session file")
    return path.resolve()


# ---- the window ----------------------------------------------------------------------------------
def build_window():
    """The main window, loaded with the tutorial's regression network and table, ready for Play.

    Needs an existing QApplication; does not show the window or start an event loop.
    """
    from gui.main_window import MainWindow

    keep_memory_flat()
    window = MainWindow()
    # The window, its views and the modules behind them are tens of thousands of objects that
    # live as long as the app; Python's oldest-generation collection walks them all each time it
    # runs: a ~50 ms pause at a random moment (measured in the monkey test; ~19 ms frozen). Frozen,
    # collections leave them out. Garbage is collected first, so only survivors are frozen (a
    # test process builds many windows: the earlier ones' remains must not become permanent).
    gc.collect()
    gc.freeze()
    return window


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
    """Start the app (reusing a QApplication that already exists) and run until the window closes.

    `argv`: the command-line arguments without the program name (default: sys.argv[1:]).
    Returns the exit status: 0, 1 when it cannot start (the reason on stderr), 2 for bad arguments.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    words = [w for w in words if not w.startswith("-psn_")]  # what macOS's Finder may add to a .app's arguments
    try:
        args = parser().parse_args(words)
    except SystemExit as done:  # --help, --version or a usage error: argparse has printed it
        return done.code if isinstance(done.code, int) else 0
    if args.smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not qt_application_exists():
        problem = preflight()
        if problem:
            print(problem, file=sys.stderr)
            return CANNOT_START
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as error:
        print(qt_import_problem(error), file=sys.stderr)
        return CANNOT_START

    # argv[0] names the X11 WM_CLASS instance: "backprop-studio" (as the .desktop file's StartupWMClass)
    # whatever started us (app.py, a console-script wrapper, a bundle).
    app = QApplication.instance() or QApplication([DESKTOP_NAME])
    style_application(app)
    if args.smoke_test:
        return smoke_test(app)
    window = build_window()
    app._backprop_window = window  # keep it alive, reachable from scripts
    try:
        window.show()
        if args.path is not None:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, lambda: open_at_start(window, args.path))
        return app.exec()
    finally:
        del app._backprop_window
        dispose(window)


def qt_application_exists() -> bool:
    """A QApplication made by the caller (a test or a script): Qt is already up, nothing to check."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    return widgets is not None and widgets.QApplication.instance() is not None


def open_at_start(window, path: Path) -> bool:
    """Open the command line's file: a .csv as the table, anything else as a session.

    A file that cannot be used leaves the window as it was and says why (a CSV: the window's own
    message; a session: a message box named "startupMessage", and a line on stderr).
    """
    if path.suffix.lower() == ".csv":
        return window.open_csv(str(path))
    try:
        window.open_session(str(path))
    except (ValueError, OSError) as error:
        from PySide6.QtWidgets import QMessageBox

        print(f"{DESKTOP_NAME}: cannot open {str(path)!r}: {error}", file=sys.stderr)
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open this session", str(error), parent=window)
        box.setObjectName("startupMessage")
        box.open()
        return False
    return True


# ---- the smoke test ------------------------------------------------------------------------------
def smoke_test(app) -> int:
    """Read the shipped files, open the window, train one epoch, save a session, train on, reopen the
    session and check that it brought back the saved network: exit status 0, else 1 with the reason
    (and its traceback) on stderr."""
    import traceback

    window = None
    try:
        window = build_window()
        app._backprop_window = window
        report = check_window(window)
    except Exception as error:  # any failure is the smoke test's answer
        traceback.print_exc()
        print(f"{DESKTOP_NAME} --smoke-test failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        if window is not None:  # a throwaway run: stop it and delete the window without closing it, so no
            del app._backprop_window  # "save your changes?" can ever hold up a smoke test
            discard(window)
    print(f"{DESKTOP_NAME} {version()} smoke test passed: {report}", flush=True)
    return 0


def check_window(window) -> str:
    import numpy as np
    from PySide6.QtWidgets import QApplication

    from engine.session import SUFFIX

    start = time.perf_counter()
    shipped = check_shipped_files()
    window.show()
    window.state.speed = None  # flat out, not at the watching pace
    QApplication.processEvents()
    rows = window.trainer.timeline.n_rows
    train_one_epoch(window)
    saved = snapshot(window)
    if saved[0] != rows or not np.all(np.isfinite(saved[2])):
        raise RuntimeError(f"one epoch should train {rows} rows with finite losses; got {saved[0]} rows, "
                           f"losses {saved[2].tolist()}")
    with tempfile.TemporaryDirectory(prefix="backprop-studio-smoke-") as folder:
        path = Path(folder) / f"smoke-test{SUFFIX}"
        window.save_session(str(path))
        if not path.is_file() or path.stat().st_size == 0:
            raise RuntimeError(f"save_session wrote nothing at {path}")
        train_one_epoch(window)  # move on, so reopening has something to bring back
        window.open_session(str(path))
        QApplication.processEvents()
        reopened = snapshot(window)
    same = [reopened[0] == saved[0], reopened[1].tobytes() == saved[1].tobytes(),
            reopened[2].tobytes() == saved[2].tobytes()]
    if not all(same):
        raise RuntimeError(f"the reopened session differs from the saved one: {reopened[0]} steps, parameters "
                           f"{reopened[1].tolist()}, {len(reopened[2])} losses instead of {saved[0]} steps, "
                           f"parameters {saved[1].tolist()}, {len(saved[2])} losses")
    return (f"{shipped}; {rows} rows trained, final loss {float(saved[2][-1]):.6g}, session saved and reopened "
            f"bit-exactly, in {time.perf_counter() - start:.2f} s")


def check_shipped_files() -> str:
    """Every file that ships with the app can be read: the built-in tables, the lesson, the icon."""
    from engine.data import BUILTINS, load_builtin
    from engine.lesson import load_lesson

    for name in BUILTINS:
        load_builtin(name)
    lesson = load_lesson()
    if not ICON.is_file():
        raise FileNotFoundError(f"the icon is missing: {ICON}")
    return f"{len(BUILTINS)} built-in tables, the lesson ({len(lesson.steps)} steps) and the icon read"


def train_one_epoch(window, timeout: float = 60.0) -> None:
    """One epoch on the training thread, as the Step-epoch button does; waits for it and its last frame."""
    from PySide6.QtWidgets import QApplication

    window.controller.step_epoch()
    if not window.trainer.wait_idle(timeout):
        raise TimeoutError(f"one epoch did not finish within {timeout:.0f} s")
    QApplication.processEvents()


def snapshot(window) -> tuple:
    """(steps, current parameters, every row's loss) of the window's network, as copies."""
    timeline = window.trainer.timeline
    return timeline.steps, timeline.network.theta.copy(), window.trainer.history().copy()


def discard(window) -> None:
    """Stop the window's training thread and delete the window, without closeEvent (nothing is asked)."""
    import shiboken6

    if shiboken6.isValid(window):
        window.trainer.shutdown()
        shiboken6.delete(window)


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
