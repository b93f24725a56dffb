"""What the app remembers between runs (QSettings: organisation "Backprop Studio",
application "backprop-studio"): window geometry, splitter sizes, theme, zoom, precision,
speed, the last folder and the recent files.

    store = SettingsStore.user()            the user's settings (QSettings' default format and path)
    store = SettingsStore.at(path)          an INI file (tests, portable installs)
    store = SettingsStore.memory()          remembers nothing beyond this object
    store = SettingsStore.for_application() the user's when the app is Backprop Studio, else memory

The window reads it when built and writes each preference when it changes (geometry and
splitters when it closes). `restore_defaults()` forgets the look and the layout; the
recent files and the last folder are kept (they are the user's work, not a preference).

Sessions use `recent_files()`, `add_recent(path)`, `remove_recent(path)`, `last_folder()` and
`set_last_folder(path)`; `recentFilesChanged(list)` lets a menu follow.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from engine.notation import PRECISIONS, SIGNIFICANT
from gui.state import DEFAULT_SPEED

ORGANISATION = "Backprop Studio"
APPLICATION = "backprop-studio"
RUNNING_AS = "Backprop Studio"  # QCoreApplication.applicationName() of the app itself (app.py)
MAX_RECENT = 10
PREFERENCES = ("theme", "zoom", "precision", "speed")  # what "Restore defaults" resets
LAYOUT_KEYS = ("geometry", "splitters")


class SettingsStore(QObject):
    recentFilesChanged = Signal(list)

    def __init__(self, settings: QSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings
        self._memory: dict[str, object] = {}

    # ---- where ---------------------------------------------------------------------------
    @classmethod
    def user(cls) -> SettingsStore:
        """The user's own settings, in QSettings' default format and place for the user scope."""
        return cls(QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANISATION, APPLICATION))

    @classmethod
    def for_application(cls) -> SettingsStore:
        """The user's settings when the running application is Backprop Studio (app.py names it
        so), else a memory store: a window built by tests or by another program keeps nothing."""
        from PySide6.QtCore import QCoreApplication

        return cls.user() if QCoreApplication.applicationName() == RUNNING_AS else cls.memory()

    @classmethod
    def at(cls, path: str | os.PathLike) -> SettingsStore:
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @classmethod
    def memory(cls) -> SettingsStore:
        return cls(None)

    def file_name(self) -> str | None:
        return None if self._settings is None else self._settings.fileName()

    # ---- raw access ----------------------------------------------------------------------
    def value(self, key: str, default=None):
        if self._settings is None:
            return self._memory.get(key, default)
        return self._settings.value(key, default)

    def set_value(self, key: str, value) -> None:
        if self._settings is None:
            self._memory[key] = value
        else:
            self._settings.setValue(key, value)

    def remove(self, key: str) -> None:
        if self._settings is None:
            self._memory = {k: v for k, v in self._memory.items() if k != key and not k.startswith(key + "/")}
        else:
            self._settings.remove(key)

    def sync(self) -> None:
        if self._settings is not None:
            self._settings.sync()

    # ---- preferences (read back checked: a hand-edited or foreign file gives the default) ----
    def theme(self, default: str = "light") -> str:
        value = self.value("theme", default)
        return value if value in ("light", "dark") else default

    def set_theme(self, name: str) -> None:
        self.set_value("theme", name)

    def zoom(self, default: float = 1.0) -> float:
        return _number(self.value("zoom"), default, 0.5, 3.0)

    def set_zoom(self, factor: float) -> None:
        self.set_value("zoom", float(factor))

    def precision(self, default: int = SIGNIFICANT) -> int:
        value = _number(self.value("precision"), default, min(PRECISIONS), max(PRECISIONS))
        return int(value) if int(value) in PRECISIONS else default

    def set_precision(self, digits: int) -> None:
        self.set_value("precision", int(digits))

    def speed(self, default: float | None = DEFAULT_SPEED) -> float | None:
        """Rows per second; None is 'max' (stored as the text 'max')."""
        value = self.value("speed")
        if value == "max":
            return None
        return _number(value, default, 1e-3, 1e9)

    def set_speed(self, speed: float | None) -> None:
        self.set_value("speed", "max" if speed is None else float(speed))

    # ---- layout ----------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self.value("geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, data: QByteArray) -> None:
        self.set_value("geometry", QByteArray(data))

    def splitter_sizes(self, name: str) -> list[int] | None:
        value = self.value(f"splitters/{name}")
        if isinstance(value, str):
            value = [value]
        try:
            sizes = [int(v) for v in value] if isinstance(value, list | tuple) else None
        except (TypeError, ValueError):
            return None
        return sizes if sizes and all(s >= 0 for s in sizes) else None

    def set_splitter_sizes(self, name: str, sizes: list[int]) -> None:
        self.set_value(f"splitters/{name}", [int(s) for s in sizes])

    # ---- files -------------------------------------------------------------------------------
    def last_folder(self) -> str:
        value = self.value("last_folder")
        return value if isinstance(value, str) and value and Path(value).is_dir() else str(Path.home())

    def set_last_folder(self, path: str | os.PathLike) -> None:
        folder = Path(path)
        if not folder.is_dir():
            folder = folder.parent
        self.set_value("last_folder", str(folder))

    def recent_files(self) -> list[str]:
        """Most recent first, at most MAX_RECENT, each once."""
        value = self.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return []
        seen: list[str] = []
        for v in value:
            if isinstance(v, str) and v and v not in seen:
                seen.append(v)
        return seen[:MAX_RECENT]

    def add_recent(self, path: str | os.PathLike) -> None:
        """Put `path` first in the recent files (and its folder as the last folder)."""
        text = str(Path(path).absolute())
        files = [text] + [f for f in self.recent_files() if f != text]
        self._set_recent(files[:MAX_RECENT])
        self.set_last_folder(text)

    def remove_recent(self, path: str | os.PathLike) -> None:
        text = str(Path(path).absolute())
        self._set_recent([f for f in self.recent_files() if f != text])

    def clear_recent(self) -> None:
        self._set_recent([])

    def _set_recent(self, files: list[str]) -> None:
        self.set_value("recent_files", list(files))
        self.recentFilesChanged.emit(list(files))

    # ---- restore defaults ----------------------------------------------------------------------
    def restore_defaults(self) -> None:
        """Forget the preferences and the layout (recent files and last folder stay)."""
        for key in PREFERENCES + LAYOUT_KEYS:
            self.remove(key)
        self.sync()


def _number(value, default, low: float, high: float):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) and low <= number <= high else default
