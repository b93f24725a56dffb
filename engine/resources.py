"""Where the files that ship with the app live: the built-in tables, the lesson, the icon.

Defined once here, so the engine, the window and the launcher agree.
"""
from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
DATA_DIR = RESOURCES_DIR / "data"
LESSON_FILE = RESOURCES_DIR / "lesson" / "lesson.json"
ICON_FILE = RESOURCES_DIR / "icon.svg"
