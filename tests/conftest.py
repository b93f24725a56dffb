"""Shared test set-up: Qt renders offscreen, so the suite runs with no display."""
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def window(qtbot):
    """The main window as a student first sees it, shown; its trainer stopped afterwards."""
    import app

    w = app.build_window()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.trainer.shutdown()
