"""What the window remembers and how it comes back: the stored preferences applied at start,
kept up to date, the layout stored at close, the theme switch and "Restore defaults".

Functions of the main window (gui.main_window calls them; its methods of the same names are
the public interface): `remember(window)`, `place_on_screen(window, geometry)`,
`save_layout(window)`, `set_theme(window, name)`, `restore_defaults(window)`.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine.notation import SIGNIFICANT
from gui.room import opening_geometry
from gui.state import DEFAULT_SPEED
from gui.theme import DEFAULT_THEME, THEMES, apply_theme, restyle_plots
from gui.widgets.state_view import subscribe


def remember(window) -> dict | None:
    """Apply the stored preferences and geometry, keep the store up to date as they change.
    Returns the stored splitter sizes for the window to apply once it is laid out (or None)."""
    st, s = window.settings, window.state
    set_theme(window, st.theme(DEFAULT_THEME), store=False, refresh=False)  # nothing is drawn yet
    s.precision = st.precision()
    s.speed = st.speed()
    window.presentation.set_zoom(st.zoom(), apply=False)
    window.presentation.apply_font()  # once, for the theme and the zoom
    place_on_screen(window, st.geometry())
    subscribe(window, s.events.precision, st.set_precision)
    subscribe(window, s.events.speed, st.set_speed)
    window.presentation.zoomChanged.connect(st.set_zoom)
    if st.value("splitters/mode") == window.room.mode:
        return {name: st.splitter_sizes(name) for name in window.room.splitters()}
    return None


def place_on_screen(window, geometry=None) -> None:
    """The stored geometry, else a size that fits the screen the window is on (maximised on a
    screen smaller than gui.room.MAXIMISE_BELOW, centred otherwise)."""
    if geometry is not None and window.restoreGeometry(geometry):
        window.room.fit(window.size())
        return
    size, maximised = opening_geometry(window)
    window.resize(size)
    screen = window.screen()
    if screen is not None:
        area = screen.availableGeometry()
        window.move(area.topLeft() if maximised else area.center() - window.rect().center())
    window.setWindowState(Qt.WindowState.WindowMaximized if maximised else Qt.WindowState.WindowNoState)
    window.room.fit(size)
    window.room.default_sizes(size)


def save_layout(window) -> None:
    """Geometry and splitter sizes into the settings (when the window closes; in presentation
    mode the normal layout is what was stored before it)."""
    if window.presentation.on:
        return
    st = window.settings
    st.set_geometry(window.saveGeometry())
    st.set_value("splitters/mode", window.room.mode)
    for name, sizes in window.room.sizes().items():
        st.set_splitter_sizes(name, sizes)
    st.sync()


def set_theme(window, name: str, store: bool = True, refresh: bool = True) -> None:
    """Light or dark: the palette, the canvas' and the plots' colours; every view repaints
    (`refresh`: not needed before the window has drawn anything)."""
    if name not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, got {name!r}")
    apply_theme(name)
    restyle_plots(window)
    window.actions[f"theme_{name}"].setChecked(True)
    if refresh:
        window.presentation.apply_font()  # the views re-style what they styled with the old colours
        window.state.events.shown.emit(window.state.shown)  # and render again
        for widget in window.findChildren(QWidget):
            widget.update()
    if store:
        window.settings.set_theme(name)


def restore_defaults(window) -> None:
    """View → Restore defaults: theme, text size, digits, speed and layout as on a first start
    (the recent files and the last folder stay)."""
    window.set_presentation(False)
    set_theme(window, DEFAULT_THEME, store=False)
    window.presentation.zoom_reset()
    window.state.precision = SIGNIFICANT
    window.state.speed = DEFAULT_SPEED
    window.showNormal()
    place_on_screen(window, None)
    window.settings.restore_defaults()  # last: what the lines above stored on their way
    window.statusBar().showMessage("Defaults restored: theme, text size, digits, speed and layout", 5000)
