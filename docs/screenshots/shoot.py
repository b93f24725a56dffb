"""Take the README's screenshots of the real app on a virtual screen (run under Xvfb):

    xvfb-run -s "-screen 0 1280x720x24" python docs/screenshots/shoot.py step window-1280.png

The window is shown as a user would see it, the scene is set up through the app's own
controller, and the whole screen is grabbed with ImageMagick's `import -window root`.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    scene, out = sys.argv[1], Path(sys.argv[2]).resolve()
    qapp = QApplication(sys.argv[:1])
    import app

    app.style_application(qapp)
    window = app.build_window()
    c, s = window.controller, window.state
    window.show()

    def set_scene():
        if scene in ("step", "presentation"):
            window.request_setup({"init": "tutorial", "scaling": "none"})
            s.eta = 0.0001
            c.train_rows(3)
            c.step()
        if scene == "derivation":
            c.train_rows(5)
            window.show_view("derivationPanel")
        if scene == "presentation":
            window.set_presentation(True)
        QTimer.singleShot(1500, shoot)

    def shoot():
        subprocess.run(["import", "-window", "root", str(out)], check=True)
        window.close()
        qapp.quit()

    QTimer.singleShot(800, set_scene)
    qapp.exec()


if __name__ == "__main__":
    main()
