"""Every window command as a QAction, in one dict, with its shortcut (mnelab's pattern).

Buttons and menus trigger these actions, so a shortcut always does exactly what
its button does; a test loops over ACTIONS so none is left untested, and Help →
Keyboard shortcuts is generated from them.

`WindowKeys` makes the window's shortcuts work whatever has the keyboard focus: a spin
box or a text field would otherwise eat Space and the arrows. It commits what was typed
first, then gives the focus back to the network, and Enter in a field does the same.
"""
from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QMenu, QWidget

from engine.notation import PRECISIONS

# name: (menu text, shortcut ("" for none), kind, status tip);
# kind: "" a command, "check" a toggle (its handler gets the state), else the name of a
# group of exclusive choices (the handler of the chosen one is called).
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "open_csv": ("&Open CSV…", "Ctrl+O", "", "train on your own table"),
    "edit_data": ("&Edit the table…", "Ctrl+E", "", "change cells, add or remove rows, import or export CSV"),
    "quit": ("&Quit", "Ctrl+Q", "", "close Backprop Studio"),
    "play": ("&Play / Pause", "Space", "", "train the chosen epochs, or pause"),
    "step": ("&Step one row", "Right", "", "forward, loss, backward and update for one row"),
    "step_epoch": ("Step one &epoch", "Shift+Right", "", "train to the end of the epoch"),
    "step_back": ("Step &back", "Left", "", "undo the last row exactly"),
    "reset": ("&Reset", "Ctrl+R", "", "back to the same starting parameters; history cleared"),
    "eta_small": ("η = 0.01", "Ctrl+1", "", "a small learning rate"),
    "eta_medium": ("η = 0.1", "Ctrl+2", "", "the newcomer's learning rate"),
    "eta_large": ("η = 1", "Ctrl+3", "", "a large learning rate"),
    "log_scale": ("&Log-scale loss", "Ctrl+L", "check", "show the loss on a logarithmic axis"),
    "fit_plot": ("&Fit the plot", "Ctrl+F", "", "follow the data again after zooming"),
    "zoom_in": ("Zoom &in", "Ctrl++", "", "all text bigger"),
    "zoom_out": ("Zoom &out", "Ctrl+-", "", "all text smaller"),
    "zoom_reset": ("&Actual size", "Ctrl+0", "", "all text at its normal size"),
    "theme_light": ("&Light", "", "theme", "dark text on light surfaces"),
    "theme_dark": ("&Dark", "", "theme", "light text on dark surfaces"),
    "presentation": ("Pre&sentation mode", "F5", "check", "the network and one panel, full screen, big text"),
    "panel_loss": ("&Loss plot", "", "panel", "presentation mode shows the loss plot beside the network"),
    "panel_derivation": ("&Why this number?", "", "panel", "presentation mode shows the derivation"),
    "panel_race": ("Learning-rate &race", "", "panel", "presentation mode shows the learning-rate race"),
    "restore_defaults": ("Restore &defaults", "", "", "default theme, text size, digits, speed and layout"),
    "help_shortcuts": ("&Keyboard shortcuts", "F1", "", "every command and its key"),
    "help_lesson": ("&Lesson", "", "", "start the guided lesson"),
    "help_about": ("&About Backprop Studio", "", "", "version, licence and the libraries used"),
}
# more keys for the same action (e.g. Ctrl+= : Ctrl++ without Shift on most keyboards)
ALT_SHORTCUTS: dict[str, tuple[str, ...]] = {"zoom_in": ("Ctrl+=",)}
# Menu layout: an action name, None (a separator) or (submenu title, names).
MENUS: dict[str, tuple] = {
    "&File": ("open_csv", "edit_data", None, "quit"),
    "&Train": ("play", "step", "step_epoch", "step_back", "reset", None, "eta_small", "eta_medium", "eta_large"),
    "&View": ("log_scale", "fit_plot", None, "zoom_in", "zoom_out", "zoom_reset",
              ("&Theme", ("theme_light", "theme_dark")), None, "presentation",
              ("Presentation &shows", ("panel_loss", "panel_derivation", "panel_race")), None, "restore_defaults"),
    "&Help": ("help_shortcuts", "help_lesson", None, "help_about"),
}
MENU_ORDER = ("&File", "&Edit", "&Train", "&View", "&Numbers", "&Help")
PANEL_OF_ACTION = {"panel_loss": "loss", "panel_derivation": "derivation", "panel_race": "race"}


def build_actions(parent, handlers: dict[str, Callable]) -> dict[str, QAction]:
    """One QAction per ACTIONS entry, connected to handlers[name] (checkable ones get the state;
    a choice in a group is called when the user chooses it, not when the window checks it)."""
    actions: dict[str, QAction] = {}
    groups: dict[str, QActionGroup] = {}
    for name, (text, shortcut, kind, tip) in ACTIONS.items():
        action = QAction(text, parent)
        action.setObjectName(f"{name}Action")
        keys = [QKeySequence(k) for k in (shortcut, *ALT_SHORTCUTS.get(name, ())) if k]
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.WindowShortcut)
        action.setCheckable(bool(kind))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut_text(action)})" if keys else tip)
        handler = handlers[name]
        if kind == "check":
            action.toggled.connect(handler)
        elif kind:
            groups.setdefault(kind, QActionGroup(parent)).addAction(action)
            action.triggered.connect(lambda _=False, h=handler: h())  # chosen (setChecked does not call it)
        else:
            action.triggered.connect(lambda _=False, h=handler: h())
        parent.addAction(action)
        actions[name] = action
    return actions


def precision_actions(parent, state) -> dict[int, QAction]:
    """Numbers → 4 … 8 significant digits: exclusive choices that set `state.precision`."""
    group = QActionGroup(parent)
    actions = {}
    for digits in PRECISIONS:
        action = QAction(f"{digits} significant digits", parent, checkable=True, objectName=f"precision{digits}Action")
        action.setStatusTip(f"every number on screen with {digits} significant digits")
        action.setChecked(digits == state.precision)
        action.triggered.connect(lambda _=False, d=digits: setattr(state, "precision", d))
        group.addAction(action)
        actions[digits] = action
    return actions


def shortcut_text(action: QAction) -> str:
    """The action's keys as the menus write them ('Ctrl++ or Ctrl+=')."""
    return " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def build_menus(menubar, actions: dict[str, QAction], extra: dict[str, list[QAction | None]] | None = None) -> dict:
    """The menus in MENU_ORDER; `extra` adds actions made elsewhere (Edit's undo, the digits).
    Returns {title: QMenu} (the lead adds File's Save / Open / Export to menus['&File'])."""
    extra = extra or {}
    menus = {}
    for title in MENU_ORDER:
        if title not in MENUS and title not in extra:
            continue
        menu = menubar.addMenu(title)
        _fill(menu, MENUS.get(title, ()), actions)
        for action in extra.get(title, ()):
            menu.addSeparator() if action is None else menu.addAction(action)
        menus[title] = menu
    return menus


def _fill(menu: QMenu, names, actions: dict[str, QAction]) -> None:
    for entry in names:
        if entry is None:
            menu.addSeparator()
        elif isinstance(entry, tuple):
            _fill(menu.addMenu(entry[0]), entry[1], actions)
        else:
            menu.addAction(actions[entry])


class WindowKeys(QObject):
    """Application-wide: the window's own keys act on the window whatever field has focus.

    A key that is one of `window`'s shortcuts (`keys()`), pressed in any widget of that window
    but the canvas: a spin box commits what was typed (interpretText), the focus goes back to
    the canvas (or the window when the canvas is hidden), and the shortcut then fires as if
    nothing had the focus. Enter in a spin box or a text field commits it (the field itself
    does) and gives the focus back the same way. Dialogs and menus are other windows: untouched.
    """

    def __init__(self, window: QWidget, home: QWidget, extra_keys=()):
        super().__init__(window)
        self.window = window
        self.home = home
        self._extra = [QKeySequence(k) for k in extra_keys]
        self._watched: QWidget | None = None
        app = QApplication.instance()
        if app is not None:
            # Only the focused widget is watched (cheaper than filtering every event of the app).
            app.focusChanged.connect(self._focus_changed)
            self._focus_changed(None, QApplication.focusWidget())

    def _focus_changed(self, _old, new) -> None:
        if self._watched is not None and shiboken6.isValid(self._watched):
            self._watched.removeEventFilter(self)
        self._watched = None
        if isinstance(new, QWidget) and new.window() is self.window and new is not self.home:
            new.installEventFilter(self)
            self._watched = new

    def keys(self) -> set[int]:
        """Every key combination (as an int) one of the window's shortcuts uses."""
        combos = set()
        for action in QWidget.actions(self.window):  # (MainWindow.actions is its dict of actions)
            for seq in action.shortcuts():
                if seq.count() == 1:
                    combos.add(seq[0].toCombined())
        for seq in self._extra:
            combos.add(seq[0].toCombined())
        return combos

    def give_back_focus(self) -> None:
        """Commit the focused field and give the keyboard back to the network (or the window)."""
        focus = QApplication.focusWidget()
        field = _field(focus)
        if isinstance(field, QAbstractSpinBox):
            field.interpretText()
        if self.home.isVisible():
            self.home.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            if focus is not None:
                focus.clearFocus()
            self.window.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            return False
        focus = QApplication.focusWidget()
        if obj is not focus or not isinstance(obj, QWidget) or obj.window() is not self.window or obj is self.home:
            return False
        if kind == QEvent.Type.KeyRelease:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and _field(obj) is not None:
                self.give_back_focus()
            return False
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        combo = event.key() | mods.value
        keys = self.keys()
        # A symbol typed with Shift ('+' is Shift+= on most keyboards) also matches without it.
        symbol = 0x20 < event.key() < 0x01000000
        plain = event.key() | (mods & ~Qt.KeyboardModifier.ShiftModifier).value
        if combo in keys or (symbol and plain in keys):
            self.give_back_focus()
            event.ignore()  # not the field's: the window's shortcut fires
            return True
        return False


def _field(widget: QWidget | None) -> QWidget | None:
    """The spin box or text field `widget` is (or is inside), else None."""
    while widget is not None:
        if isinstance(widget, QAbstractSpinBox):
            return widget
        if isinstance(widget, QLineEdit):
            parent = widget.parentWidget()
            return parent if isinstance(parent, QAbstractSpinBox) else widget
        if widget.isWindow():
            return None
        widget = widget.parentWidget()
    return None
