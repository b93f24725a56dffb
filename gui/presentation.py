"""Text size for the room: the normal size, presentation mode (F5) and zoom.

One place decides the window's font size; views that draw their own text scale with
`set_font_scale`. Presentation mode also goes full screen and gives the network the
room (the set-up panel steps aside; the transport bar, menus and shortcuts still work).
"""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel

BASE_PT = 13  # readable from the back of a classroom
PRESENTATION_PT = 19


class Presentation:
    def __init__(self, window):
        self.window = window
        self.on = False
        self._normal_geometry = None

    def set(self, on: bool) -> None:
        w = self.window
        if on == self.on:
            return
        self.on = on
        self.apply_font(PRESENTATION_PT if on else BASE_PT)
        w.left_tabs.setVisible(not on)
        if on:
            self._normal_geometry = w.saveGeometry()
            w.showFullScreen()
        else:
            w.showNormal()
            if self._normal_geometry is not None:
                w.restoreGeometry(self._normal_geometry)
        w.statusBar().showMessage("Presentation mode: Esc or F5 to leave" if on else "", 4000)

    def apply_font(self, points: int) -> None:
        w = self.window
        font = QFont(w.font())
        font.setPointSize(points)
        w.setFont(font)
        w.menuBar().setFont(font)
        big = QFont(font)
        big.setPointSize(points + 2)
        big.setBold(True)
        t = w.transport
        for button in (t.play, t.step, t.step_epoch, t.step_back, t.reset):
            button.setFont(big)
            button.setMinimumHeight(int(big.pointSize() * 2.6))
        t.fit_to_font()
        title = QFont(font)
        title.setBold(True)
        for label in w.findChildren(QLabel, "plotTitle") + [w.table_title]:
            label.setFont(title)
        w.banner.setFont(big)
        w.plot.set_font_size(points - 1)
        metrics = QFontMetrics(font)
        for label in w.status.labels:
            label.setFixedHeight(metrics.height() + 6)
        w.left_tabs.setMinimumWidth(max(300, w.setup.minimumSizeHint().width() + 24))
        scale = points / BASE_PT
        for view in w.scalable_views():
            view.set_font_scale(scale)
