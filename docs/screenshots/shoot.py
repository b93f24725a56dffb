"""Take the README's screenshots of the real app on a virtual screen (run under Xvfb):

    xvfb-run -a -s "-screen 0 1280x720x24" python docs/screenshots/shoot.py step window-1280.png

Scenes: step (three rows trained, a fourth shown), derivation, presentation (the loss plot
beside the network), presentation-derivation, presentation-race, dark (the step scene in the
dark theme), zoom (the step scene zoomed in twice), shortcuts and about (the Help dialogs).
The window is shown as a user would see it (at the size it picks for the screen), the scene
is set up through the app's own controller, and the whole screen is grabbed with ImageMagick's `import -window root`.
Settings go to a temporary folder: the screenshots never depend on (or change) yours.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    scene, out = sys.argv[1], Path(sys.argv[2]).resolve()
    settings = tempfile.TemporaryDirectory()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings.name)
    qapp = QApplication(sys.argv[:1])
    import app

    app.style_application(qapp)
    window = app.build_window()
    c, s = window.controller, window.state
    window.show()

    def set_scene():
        if scene in ("step", "dark", "zoom") or scene.startswith("presentation"):
            window.request_setup({"init": "tutorial", "scaling": "none"})
            s.eta = 0.0001
            c.train_rows(3)
            c.step()
        if scene == "derivation":
            c.train_rows(5)
            window.show_view("derivationPanel")
        if scene == "dark":
            window.set_theme("dark")
        if scene == "zoom":
            window.presentation.zoom_in()
            window.presentation.zoom_in()
        if scene in ("shortcuts", "about"):
            window.actions[f"help_{scene}"].trigger()
        if scene.startswith("presentation"):
            panel = scene.partition("-")[2] or "loss"
            window.presentation.set_panel(panel)
            window.set_presentation(True)
        QTimer.singleShot(1500, shoot)

    def shoot():
        subprocess.run(["import", "-window", "root", str(out)], check=True)
        window.close()
        qapp.quit()

    QTimer.singleShot(800, set_scene)
    qapp.exec()
    settings.cleanup()


if __name__ == "__main__":
    main()
