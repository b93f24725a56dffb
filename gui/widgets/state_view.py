"""How a view listens to the application state.

`subscribe` connects a state event to a widget's method and cuts the connection when the
widget is destroyed (a psygnal callback into a deleted Qt object would raise).
`RenderWhenShown` is for views that are often hidden behind a tab: they render at once
when visible, and otherwise only mark themselves stale and catch up when next shown,
so a hidden view costs nothing while training runs.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject


def subscribe(widget: QObject, signal, slot: Callable) -> None:
    """signal.connect(slot) for as long as `widget` lives."""
    signal.connect(slot)
    widget.destroyed.connect(lambda *_: signal.disconnect(slot, missing_ok=True))


class RenderWhenShown:
    """Mixin for a QWidget with a `render()` method that draws the state it subscribes to."""

    _stale = True

    def request_render(self, *_args) -> None:
        if self.isVisible():
            self._stale = False
            self.render_state()
        else:
            self._stale = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.render_state()

    def render_state(self) -> None:
        raise NotImplementedError
