"""Whole-process behaviour, each in a fresh Python (a second QApplication in one process aborts):
closing mid-training exits cleanly and fast, a long stress run stays healthy, main() launches.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT_WARNINGS = ("QThread", "Destroyed while", "QObject", "QBasicTimer", "QWidget", "Warning", "warning",
               "Traceback", "Fatal", "Abort", "propagateSizeHints")


def run(script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    bad = [line for line in proc.stderr.splitlines() if any(w in line for w in QT_WARNINGS)]
    assert not bad, proc.stderr


def test_closing_the_window_mid_training_exits_cleanly_within_a_second():
    proc = run("""
        import time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        seen = {}

        def start():  # the launcher's window, training flat out
            window = qapp._backprop_window
            seen["thread"] = window.trainer._thread
            window.state.speed = None
            window.state.epochs = 100000
            window.controller.toggle_play()
            QTimer.singleShot(10, lambda: close_when_busy(window))

        def close_when_busy(window):
            if window.trainer.timeline.steps < 2000:
                QTimer.singleShot(10, lambda: close_when_busy(window))
                return
            assert window.trainer.running
            seen["t"] = time.perf_counter()
            window.close()

        QTimer.singleShot(0, start)
        code = app.main([])
        print("closed_in", time.perf_counter() - seen["t"], "alive", seen["thread"].is_alive(), "code", code,
              flush=True)
    """)
    assert_clean(proc)
    words = proc.stdout.split()
    assert words[0] == "closed_in" and float(words[1]) < 1.0, proc.stdout
    assert words[3] == "False" and words[5] == "0", proc.stdout


def test_quitting_the_application_mid_training_stops_the_thread():
    proc = run("""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        seen = {}

        def start():
            window = qapp._backprop_window
            seen["thread"] = window.trainer._thread
            window.state.speed = None
            window.state.epochs = 100000
            window.controller.toggle_play()
            QTimer.singleShot(300, qapp.quit)  # Ctrl+Q or the desktop session ending

        QTimer.singleShot(0, start)
        code = app.main([])
        print("alive", seen["thread"].is_alive(), "code", code, flush=True)
    """)
    assert_clean(proc)
    assert proc.stdout.split() == ["alive", "False", "code", "0"], proc.stdout


@pytest.mark.slow
def test_stress_ten_thousand_signals_and_a_thousand_frames():
    proc = run("""
        import numpy as np
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        window = app.build_window()
        window.show()
        trainer = window.trainer
        received = []
        trainer.rowUpdated.connect(lambda record: received.append(record.step))  # queued: 10 000 events
        window.state.speed = None
        window.state.epochs = 2500  # 2500 epochs x 4 rows = 10 000 rows
        frames = 0

        def paint():
            global frames
            window.repaint()  # a real, synchronous paint of the whole window
            frames += 1
            if frames < 1000 or trainer.running or len(received) < 10000:
                QTimer.singleShot(0, paint)
            else:
                qapp.quit()

        window.controller.toggle_play()
        QTimer.singleShot(0, paint)
        qapp.exec()
        history = trainer.history()
        assert received == list(range(10000)), (len(received), received[:3])
        assert history.shape == (10000,) and np.all(np.isfinite(history))
        # The plot draws the rows in the table's units, folded into blocks (largest and smallest
        # of each) once there are more rows than a screen has pixel columns.
        table = trainer.snapshot().target_scaler.loss_to_table(history, "se")
        x, y = window.plot.rows_curve.getOriginalDataset()
        assert len(y) < 10000 and x[-1] == 10000 and y[-1] == table[-1]
        assert y.max() == table.max() and y.min() == table.min()
        print("ok", frames, len(received), flush=True)
        app.dispose(window)
    """, timeout=300)
    assert_clean(proc)
    words = proc.stdout.split()
    assert words[0] == "ok" and int(words[1]) >= 1000 and words[2] == "10000", proc.stdout


def test_main_launches_with_name_icon_and_closes():
    proc = run("""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        seen = {}

        def check_and_close():
            window = qapp._backprop_window
            seen.update(name=qapp.applicationName(), desktop=qapp.desktopFileName(),
                        icon=not qapp.windowIcon().isNull(), visible=window.isVisible(),
                        title=window.windowTitle(), steps=window.trainer.timeline.steps)
            window.close()

        QTimer.singleShot(200, check_and_close)
        code = app.main([])
        print(code, seen, flush=True)
    """)
    assert_clean(proc)
    assert proc.stdout.startswith("0 "), proc.stdout
    assert "'name': 'Backprop Studio'" in proc.stdout and "'desktop': 'backprop-studio'" in proc.stdout
    assert "'icon': True" in proc.stdout and "'visible': True" in proc.stdout and "'steps': 0" in proc.stdout


def test_import_app_does_not_import_qt():
    proc = run("""
        import sys
        import app
        print(sorted(m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph"))))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_scripts_that_close_a_trained_window_without_dispose_exit_silently():
    """A script that trains, runs the race (its legend once outlived its view) and closes the
    window without app.dispose(): exit 0 and nothing on stderr, in several fresh processes."""
    script = textwrap.dedent("""
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        window = app.build_window()
        window.show()
        window.state.speed = None
        window.state.epochs = 50
        window.controller.play()
        window.trainer.wait_idle(10)
        window.show_view("raceView")
        window.view("raceView").run()
        qapp.processEvents()
        window.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and err == "", err


# ---- the launcher: starts anywhere, or says why --------------------------------------------------------
XCB_ONLY_MISSING = "libxcb-cursor.so.0"


def launch(script: str, timeout: float = 120, cwd: Path = ROOT, **env: str | None) -> subprocess.CompletedProcess:
    """A fresh Python running `script`, with these environment variables set (None: removed)."""
    environment = dict(os.environ, PYTHONFAULTHANDLER="1")
    for key, value in env.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


MAIN_THEN_QT_MODULES = """
    import sys
    import app
    code = app.main({args})
    print(code, sorted(m for m in sys.modules if m.startswith("PySide6")), flush=True)
"""


def fake_library_folder(tmp_path: Path, *sonames: str) -> str:
    """A folder of empty files named like real libraries: first on LD_LIBRARY_PATH, the loader cannot use them,
    just as if the libraries were not installed."""
    folder = tmp_path / "broken-libs"
    folder.mkdir()
    for name in sonames:
        (folder / name).write_bytes(b"")
    return str(folder)


def test_preflight_finds_nothing_to_say_where_qt_needs_no_display_or_not_linux():
    import app

    never = lambda name: False  # noqa: E731 (nothing would load, nothing would connect)
    for platform in ("offscreen", "minimal", "vnc:size=800x600", "eglfs"):
        assert app.preflight({"QT_QPA_PLATFORM": platform}, "linux", never, never) is None
    assert app.preflight({}, "win32", never, never) is None
    assert app.preflight({}, "darwin", never, never) is None


def test_preflight_without_a_display_says_so_in_one_message():
    import app

    always = lambda name: True  # noqa: E731
    message = app.preflight({}, "linux", always, always)
    assert message == app.NO_DISPLAY
    assert "DISPLAY" in message and "WAYLAND_DISPLAY" in message and "--smoke-test" in message
    asked = app.preflight({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux", always, always)
    assert "QT_QPA_PLATFORM=xcb" in asked and "DISPLAY is not set" in asked


def test_preflight_names_every_missing_xcb_library_and_the_packages_that_bring_them():
    import app

    missing = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"}
    message = app.preflight({"DISPLAY": ":0"}, "linux", lambda name: name not in missing, lambda d: True)
    assert message.startswith("backprop-studio cannot start: Qt's X11 platform plugin (xcb) needs system libraries")
    assert all(name in message for name in missing)
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0" in message
    assert "sudo dnf install xcb-util-cursor xcb-util-wm libxkbcommon-x11" in message
    assert "libxcb-shm" not in message  # only what is missing


def test_preflight_checks_the_x_connection_and_trusts_a_reachable_wayland(tmp_path):
    import app

    always = lambda name: True  # noqa: E731
    refused = app.preflight({"DISPLAY": ":42"}, "linux", always, lambda display: display != ":42")
    assert "cannot connect to the X display ':42'" in refused
    assert app.preflight({"DISPLAY": ":0"}, "linux", always, always) is None
    # On Wayland Qt uses its wayland plugin: missing xcb libraries do not matter there...
    (tmp_path / "wayland-0").touch()
    wayland = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert app.preflight(wayland, "linux", lambda name: False, always) is None
    # ...unless the Wayland socket is gone and Qt falls back to X11, or X11 is asked for.
    gone = dict(wayland, WAYLAND_DISPLAY="wayland-9")
    assert XCB_ONLY_MISSING in app.preflight(gone, "linux", lambda name: name != XCB_ONLY_MISSING, always)
    forced = dict(wayland, QT_QPA_PLATFORM="xcb")
    assert XCB_ONLY_MISSING in app.preflight(forced, "linux", lambda name: name != XCB_ONLY_MISSING, always)
    only_wayland = {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert "'wayland-9' (WAYLAND_DISPLAY) cannot be reached" in app.preflight(only_wayland, "linux", always, always)


def test_without_a_display_main_exits_1_with_one_message_before_importing_qt():
    proc = launch(MAIN_THEN_QT_MODULES.format(args="[]"), DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
    assert proc.returncode == 0 and proc.stdout.strip() == "1 []", proc.stdout + proc.stderr
    import app

    assert proc.stderr.strip() == app.NO_DISPLAY


def test_a_missing_xcb_library_is_named_with_its_packages_and_no_core_dump(tmp_path):
    """The real dynamic loader cannot use libxcb-cursor.so.0 (the library Ubuntu installs often lack):
    `app.py` exits 1 naming it, where Qt itself would abort with "no Qt platform plugin could be initialized"."""
    proc = launch("import app; raise SystemExit(app.main([]))", DISPLAY=":0", WAYLAND_DISPLAY=None,
                  QT_QPA_PLATFORM=None, LD_LIBRARY_PATH=fake_library_folder(tmp_path, XCB_ONLY_MISSING))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[0] == ("backprop-studio cannot start: Qt's X11 platform plugin (xcb) needs "
                                           "system libraries that are missing: libxcb-cursor.so.0.")
    assert "sudo apt install libxcb-cursor0" in proc.stderr and "sudo dnf install xcb-util-cursor" in proc.stderr
    assert "Traceback" not in proc.stderr and "Aborted" not in proc.stderr


def test_an_x_display_that_does_not_answer_is_reported_before_qt_aborts():
    import app

    proc = launch("import app; raise SystemExit(app.main([]))", DISPLAY=":4242", WAYLAND_DISPLAY=None,
                  QT_QPA_PLATFORM=None)
    assert proc.returncode == 1, proc.stderr
    missing = [name for name in app.XCB_LIBRARIES if not app.library_loads(name)]
    expected = "needs system libraries that are missing" if missing else "cannot connect to the X display ':4242'"
    assert expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_a_system_library_qt_itself_needs_is_named_with_its_packages(tmp_path):
    proc = launch("import app; raise SystemExit(app.main([]))", QT_QPA_PLATFORM="offscreen",
                  LD_LIBRARY_PATH=fake_library_folder(tmp_path, "libGL.so.1"))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("backprop-studio cannot start: Qt needs system libraries that are missing: "
                                  "libGL.so.1.")
    assert "sudo apt install libgl1" in proc.stderr and "sudo dnf install mesa-libGL" in proc.stderr


def test_version_help_and_a_missing_file_on_the_command_line(capsys, tmp_path):
    import app
    from engine.resources import version

    assert app.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"backprop-studio {version()}"
    assert app.main(["--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: backprop-studio") and "--smoke-test" in text and "FILE" in text
    assert app.main([str(tmp_path / "nothing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert app.main(["--no-such-option"]) == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_the_application_names_itself_backprop_studio_for_the_taskbar():
    """argv[0] given to Qt is the X11 WM_CLASS instance (the .desktop file's StartupWMClass), whatever
    script started the process; the desktop file name is the Wayland app id."""
    proc = launch("""
        from PySide6.QtCore import QTimer
        import app
        build = app.build_window

        def build_and_close():
            from PySide6.QtWidgets import QApplication
            window = build()
            seen = (QApplication.arguments()[:1], QApplication.applicationName(), QApplication.desktopFileName())
            QTimer.singleShot(0, lambda: (print(*seen, sep="|", flush=True), window.close()))
            return window

        app.build_window = build_and_close
        raise SystemExit(app.main([]))
    """, QT_QPA_PLATFORM="offscreen")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['backprop-studio']|Backprop Studio|backprop-studio"


def test_a_csv_on_the_command_line_opens_as_the_table(tmp_path):
    table = tmp_path / "my marks.csv"
    table.write_text("hours,score\n1,50\n2,60\n3,71\n", encoding="utf-8")
    proc = run(f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app

        def check_and_close():
            window = qapp._backprop_window
            setup = window.state.setup
            print(setup.dataset_key, setup.dataset.input_names, setup.dataset.n_rows, flush=True)
            window.close()

        QTimer.singleShot(200, check_and_close)
        raise SystemExit(app.main([{str(table)!r}]))
    """)
    assert_clean(proc)
    assert proc.stdout.strip() == f"csv:{table} ('hours',) 3", proc.stdout


def test_a_session_on_the_command_line_opens_at_start(tmp_path):
    session = tmp_path / "class.bpsession"
    proc = run(f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        qapp = QApplication([])
        import app
        window = app.build_window()
        window.controller.train_epochs(3)
        saved = (window.trainer.timeline.steps, window.trainer.timeline.network.theta.tobytes())
        window.save_session({str(session)!r})
        app.dispose(window)

        def check_and_close():
            window = qapp._backprop_window
            opened = (window.trainer.timeline.steps, window.trainer.timeline.network.theta.tobytes())
            print("steps", opened[0], "same", opened == saved, flush=True)
            window.close()

        QTimer.singleShot(200, check_and_close)
        raise SystemExit(app.main([{str(session)!r}]))
    """)
    assert_clean(proc)
    assert proc.stdout.split() == ["steps", "12", "same", "True"], proc.stdout


def test_a_damaged_session_on_the_command_line_says_why_and_keeps_the_start_window(tmp_path):
    damaged = tmp_path / "damaged.bpsession"
    damaged.write_text('{"format": "backprop-studio-session", "version": 1, "setup": [', encoding="utf-8")
    proc = run(f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QMessageBox
        qapp = QApplication([])
        import app

        def check_and_close():
            window = qapp._backprop_window
            box = window.findChild(QMessageBox, "startupMessage")
            print(box is not None and box.isVisible(), window.trainer.timeline.steps,
                  window.state.setup.dataset_key, flush=True)
            window.close()
            if box is not None:
                box.close()

        QTimer.singleShot(200, check_and_close)
        raise SystemExit(app.main([{str(damaged)!r}]))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "0", "students-regression"], proc.stdout
    # A dialog of fixed size makes the offscreen plugin (only it) say it cannot propagate size hints.
    lines = [line for line in proc.stderr.splitlines() if "does not support propagateSizeHints" not in line]
    assert len(lines) == 1 and lines[0].startswith(f"backprop-studio: cannot open {str(damaged)!r}: "), proc.stderr


def test_smoke_test_trains_saves_and_reopens_offscreen_from_any_folder(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "app.py"), "--smoke-test"], cwd=tmp_path,
                          env=dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY="", PYTHONFAULTHANDLER="1"),
                          capture_output=True, text=True, timeout=120)
    assert_clean(proc)
    assert proc.stdout.startswith("backprop-studio ") and "smoke test passed" in proc.stdout, proc.stdout
    assert "4 rows trained" in proc.stdout and "saved and reopened bit-exactly" in proc.stdout
    assert list(tmp_path.iterdir()) == []  # the session went into a temporary folder, gone now


def test_smoke_test_failure_exits_1_with_the_reason():
    proc = launch("""
        import app

        def no_window():
            raise RuntimeError("the window could not be built")

        app.build_window = no_window
        raise SystemExit(app.main(["--smoke-test"]))
    """)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "backprop-studio --smoke-test failed: RuntimeError: the window could not be built")
