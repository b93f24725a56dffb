"""Every window command as a QAction, in one dict, with its shortcut (mnelab's pattern).

Buttons and menus trigger these actions, so a shortcut always does exactly what
its button does; a test loops over ACTIONS so none is left untested.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

# name: (menu text, shortcut, checkable, status tip)
ACTIONS: dict[str, tuple[str, str, bool, str]] = {
    "open_csv": ("&Open CSV…", "Ctrl+O", False, "train on your own table"),
    "quit": ("&Quit", "Ctrl+Q", False, "close Backprop Studio"),
    "play": ("&Play / Pause", "Space", False, "train the chosen epochs, or pause"),
    "step": ("&Step one row", "Right", False, "forward, loss, backward and update for one row"),
    "step_epoch": ("Step one &epoch", "Shift+Right", False, "train to the end of the epoch"),
    "step_back": ("Step &back", "Left", False, "undo the last row exactly"),
    "reset": ("&Reset", "Ctrl+R", False, "back to the same starting parameters; history cleared"),
    "eta_small": ("η = 0.01", "Ctrl+1", False, "a small learning rate"),
    "eta_medium": ("η = 0.1", "Ctrl+2", False, "the newcomer's learning rate"),
    "eta_large": ("η = 1", "Ctrl+3", False, "a large learning rate"),
    "log_scale": ("&Log-scale loss", "Ctrl+L", True, "show the loss on a logarithmic axis"),
    "fit_plot": ("&Fit the plot", "Ctrl+F", False, "follow the data again after zooming"),
    "presentation": ("Pre&sentation mode", "F5", True, "big fonts, full screen: for the back of the room"),
}
MENUS: dict[str, tuple[str, ...]] = {
    "&File": ("open_csv", "quit"),
    "&Train": ("play", "step", "step_epoch", "step_back", "reset", None, "eta_small", "eta_medium", "eta_large"),
    "&View": ("log_scale", "fit_plot", None, "presentation"),
}


def build_actions(parent, handlers: dict[str, Callable]) -> dict[str, QAction]:
    """One QAction per ACTIONS entry, connected to handlers[name] (checkable ones get the state)."""
    actions: dict[str, QAction] = {}
    for name, (text, shortcut, checkable, tip) in ACTIONS.items():
        action = QAction(text, parent)
        action.setObjectName(f"{name}Action")
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.WindowShortcut)
        action.setCheckable(checkable)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})")
        handler = handlers[name]
        if checkable:
            action.toggled.connect(handler)
        else:
            action.triggered.connect(lambda _=False, h=handler: h())
        parent.addAction(action)
        actions[name] = action
    return actions


def build_menus(menubar, actions: dict[str, QAction]) -> None:
    for title, names in MENUS.items():
        menu = menubar.addMenu(title)
        for name in names:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[name])
