"""A tab page whose view is built the first time it is needed.

The plots behind tabs (race, landscape, boundary) cost a third of the window's start-up;
built when first shown, or shortly after the window first paints, they stay out of the
cold start. A view built late renders the current state at once (it subscribes then).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyPage(QWidget):
    def __init__(self, name: str, build: Callable[[], QWidget], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"{name}Host")
        self.view_name = name
        self._build = build
        self._view: QWidget | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._view is not None

    def view(self) -> QWidget:
        if self._view is None:
            self._view = self._build()
            self.layout().addWidget(self._view)
        return self._view

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.view()
        super().showEvent(event)
