"""Text size for the room: the normal size, zoom (Ctrl + / Ctrl − / Ctrl 0) and presentation mode.

One place decides every text size: the window's font, the transport bar, the plots' axes
and the views that draw their own text (`set_font_scale`). Zoom multiplies all of them, in
both modes.

Presentation mode (F5; Esc or the bar's button leaves) is made for a projector: full
screen, the network and ONE chosen panel (the loss plot, "Why this number?" or the
learning-rate race; View → Presentation shows, or the bar's combo) side by side, the
transport bar above them, everything else hidden. Its text is PROJECTOR_PX per 1080 window
pixels (24 px at 1920 × 1080), never under MIN_PROJECTOR_PX (18 px at 1280 × 720); the
canvas' labels are sized to the same pixels for the room the canvas has. The views keep
their tabs: the canvas and the panel are lent to the presentation page and given back.
"""
from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontInfo, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from gui.canvas.layout import base_px

BASE_PT = 13  # the normal text size, readable from the back of a classroom
PROJECTOR_PX = 24  # presentation text per 1080 pixels of window height
MIN_PROJECTOR_PX = 18
SETTLE_PASSES = 4  # rounds of pending layout requests run before the one repaint (a font change ripples)
VIEW_BASE_PX = 14  # the smallest text a view draws at font scale 1 (headers, tick labels)
LABEL_SHARE = 0.78  # the canvas' labels are this share of its base text size (gui.canvas.layout)
STATUS_BAR_MARGIN = 24  # the status bar's own margins and size grip
ZOOMS = (0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0)
PANELS = {"loss": "Loss plot", "derivation": "Why this number?", "race": "Learning-rate race"}
DEFAULT_PANEL = "loss"
PANEL_SHARE = 0.45  # a panel needing more of the width than this goes under the network


def projector_px(height: int) -> int:
    """Presentation text size in pixels for a window `height` pixels high."""
    return max(MIN_PROJECTOR_PX, round(PROJECTOR_PX * height / 1080))


class PresentationBar(QWidget):
    """Shown in presentation mode only: which panel is beside the network, and a way out."""

    panelChosen = Signal(str)
    leaveRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("presentationBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        label = QLabel("Beside the network:", objectName="presentationPanelLabel")
        self.combo = QComboBox(objectName="presentationPanelInput")
        for key, text in PANELS.items():
            self.combo.addItem(text, key)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip("the panel shown beside the network (View → Presentation shows)")
        label.setBuddy(self.combo)
        self.leave = QPushButton("Leave presentation (Esc)", objectName="leavePresentationButton")
        self.leave.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        layout.addWidget(self.leave)
        self.combo.activated.connect(lambda i: self.panelChosen.emit(self.combo.itemData(i)))
        self.leave.clicked.connect(self.leaveRequested)

    def show_panel(self, key: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(key))


class Presentation(QObject):
    """window.presentation: `on`, `set(on)`, `panel` / `set_panel(key)`, `zoom` / `set_zoom(f)`,
    `zoom_in()`, `zoom_out()`, `zoom_reset()`, `text_px()`, `apply_font()`.
    Signals: changed(bool) on entering / leaving, zoomChanged(float), panelChanged(str)."""

    changed = Signal(bool)
    zoomChanged = Signal(float)
    panelChanged = Signal(str)

    def __init__(self, window, room, bar: PresentationBar):
        super().__init__(window)
        self.window, self.room, self.bar = window, room, bar
        self.on = False
        self.zoom = 1.0
        self.panel = DEFAULT_PANEL
        self.page = QSplitter(Qt.Orientation.Horizontal, objectName="presentationSplitter")
        self.page.setChildrenCollapsible(False)
        room.stack.addWidget(self.page)
        self._lent: list = []  # how to give back what the page holds
        self._orientation = None
        self._normal_state = None
        self._switching = False  # set() is moving the window: it applies the font once, at the end
        self._pending: dict[QWidget, float] = {}  # hidden views → the font scale they get when shown
        self._watched: set[QWidget] = set()
        bar.hide()
        bar.panelChosen.connect(self.set_panel)
        bar.leaveRequested.connect(lambda: window.set_presentation(False))
        window.canvas.installEventFilter(self)

    # ---- on / off ------------------------------------------------------------------------------
    def set(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        w = self.window
        with self._one_repaint():
            self._switching = True
            try:
                if on:
                    self._enter()
                else:
                    self._leave()
                for part in (w.menuBar(), w.statusBar(), w.timeline):
                    part.setVisible(not on)
                self.bar.setVisible(on)
                self.bar.show_panel(self.panel)
            finally:
                self._switching = False
            self.apply_font()
            if not on:
                # Shown only now, with the normal text size already set: the views that missed it
                # behind the presentation page take it once, when shown, not the old size first.
                self.room.stack.setCurrentWidget(self.room.normal_page)
                self.room.restore_sizes(self._normal_state[2])
        self.changed.emit(on)

    def _enter(self) -> None:
        w = self.window
        self._normal_state = (w.windowState(), w.saveGeometry(), self.room.sizes(), w.geometry())
        self.room.stack.setCurrentWidget(self.page)
        self._lend()
        screen = w.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            w.setGeometry(screen.geometry())  # a window manager may not be there to do it
        w.showFullScreen()

    def _leave(self) -> None:
        w = self.window
        self._give_back()
        state, geometry, _sizes, maximised = self._normal_state
        if state & Qt.WindowState.WindowMaximized:
            # Straight back to maximised at the size it had: through the normal size first, or
            # waiting for the system to report the size, laid the whole window out twice more.
            w.setWindowState(Qt.WindowState.WindowMaximized)
            w.setGeometry(maximised)
        else:
            w.showNormal()
            w.restoreGeometry(geometry)
        self.room.fit(w.size())

    def _panel_widget(self, key: str) -> QWidget:
        w = self.window
        if key == "race":
            w.view("raceView")  # built now, so its size is known
            return w.lazy_pages["raceView"]
        return {"loss": w.plot_box, "derivation": w.view("derivationPanel")}[key]

    def _lend(self) -> None:
        page, panel = self.window.network_page, self._panel_widget(self.panel)
        for widget in (page, panel):
            self._lent.append(_take(widget, self.room))
            self.page.addWidget(widget)
            widget.show()
        self.page.setStretchFactor(0, 3)
        self.page.setStretchFactor(1, 2)
        self._orientation = None

    def arrange(self) -> None:
        """The panel beside the network, or under it when it needs more than PANEL_SHARE of the
        width (the race's row of inputs at projector sizes)."""
        if self.page.count() < 2:
            return
        w = self.window
        panel = self.page.widget(1)
        beside = panel.minimumSizeHint().width() <= PANEL_SHARE * w.width()
        orientation = Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical
        if orientation != self._orientation:
            self._orientation = orientation
            self.page.setOrientation(orientation)
            length = max(600, w.width() if beside else self.page.height() or w.height())
            share = 0.6 if beside else 0.45
            self.page.setSizes([int(length * share), int(length * (1 - share))])

    def _give_back(self) -> None:
        while self._lent:
            self._lent.pop()()

    def set_panel(self, key: str) -> None:
        if key not in PANELS:
            raise ValueError(f"panel must be one of {list(PANELS)}, got {key!r}")
        if key == self.panel:
            return
        self.panel = key
        if self.on:
            with self._one_repaint():
                self._give_back()
                self._lend()
                self.apply_font()
        self.bar.show_panel(key)
        self.panelChanged.emit(key)

    # ---- zoom ----------------------------------------------------------------------------------
    def set_zoom(self, factor: float, apply: bool = True) -> None:
        """All text × `factor` (ZOOMS[0] … ZOOMS[-1]); `apply=False` leaves apply_font() to the caller."""
        factor = min(ZOOMS[-1], max(ZOOMS[0], float(factor)))
        if factor != self.zoom:
            self.zoom = factor
            if apply:
                self.apply_font()
            self.zoomChanged.emit(factor)

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOMS if z > self.zoom + 1e-9), ZOOMS[-1]))

    def zoom_out(self) -> None:
        self.set_zoom(next((z for z in reversed(ZOOMS) if z < self.zoom - 1e-9), ZOOMS[0]))

    def zoom_reset(self) -> None:
        self.set_zoom(1.0)

    # ---- fonts ---------------------------------------------------------------------------------
    def text_px(self) -> int:
        """The window's text size in pixels now."""
        return QFontInfo(self.window.font()).pixelSize()

    def apply_font(self) -> None:
        """Every text size from the zoom and the mode, then one repaint of the settled window."""
        with self._one_repaint():
            self._apply_font()

    @contextmanager
    def _one_repaint(self):
        """Paint the window once, after the change, not at every step of it.

        A new font ripples through the layouts over several rounds of the event loop, and each
        plot's graphics scene flushes the whole window's pending paint as soon as its own items
        move (QGraphicsScene dispatches the window's update request at once). Left alone that
        painted the window five or six times per zoom or presentation toggle, each time with
        every plot, and it was most of their cost. Updates are held off until the layouts have
        settled; turning them back on repaints the window once."""
        w = self.window
        if not w.updatesEnabled():  # an outer change holds them already
            yield
            return
        w.setUpdatesEnabled(False)
        try:
            yield
            for _ in range(SETTLE_PASSES):
                QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        finally:
            w.setUpdatesEnabled(True)

    def _apply_font(self) -> None:
        w = self.window
        font = QFont(w.font())
        if self.on:
            font.setPixelSize(max(1, round(projector_px(w.height()) * self.zoom)))
        else:
            font.setPointSizeF(BASE_PT * self.zoom)
        # The same font again goes through another one first: Qt does not propagate a font equal
        # to the current one, and a header view moved to another layout (gui.room) keeps its class
        # font until it does. Only then: each pass sends every widget of the window a font change.
        if font == w.font():
            w.setFont(QFont(font.family()))
        w.setFont(font)
        w.menuBar().setFont(font)
        px = QFontInfo(font).pixelSize()
        big = QFont(font)
        big.setPixelSize(round(px * 1.15))
        big.setBold(True)
        t = w.transport
        for button in (t.play, t.step, t.step_epoch, t.step_back, t.reset):
            button.setFont(big)
            button.setMinimumHeight(round(px * 2.1))
        t.fit_to_font()
        title = QFont(font)
        title.setBold(True)
        for label in w.titles():
            label.setFont(title)
        w.banner.set_text_font(big)
        dpi = w.logicalDpiY() or 96
        w.plot.set_font_size((px if self.on else px * 12 / 13) * 72 / dpi)
        self.fit_status()
        w.left_tabs.setMinimumWidth(max(300, w.setup.minimumSizeHint().width() + 24))
        scale = px / VIEW_BASE_PX if self.on else self.zoom
        for view in w.scalable_views():
            if view is not w.canvas:
                self._scale_view(view, scale)
        self.fit_canvas()
        if self.on:
            self.arrange()

    def _scale_view(self, view: QWidget, scale: float) -> None:
        """A view on screen takes the scale now; one behind a tab when it is next shown (or fetched
        through window.view()): re-laying out the hidden plots was a third of a zoom's cost."""
        if view.isVisible():
            self._pending.pop(view, None)
            view.set_font_scale(scale)
            return
        if view not in self._watched:
            self._watched.add(view)
            view.installEventFilter(self)
        self._pending[view] = scale

    def catch_up(self, view: QWidget | None) -> None:
        """Give `view` the font scale it missed while hidden (before it is drawn or exported)."""
        scale = self._pending.pop(view, None)
        if scale is not None:
            view.set_font_scale(scale)

    def view_scale(self) -> float:
        """The font scale the views get now (lazy views built later use it too)."""
        return self.text_px() / VIEW_BASE_PX if self.on else self.zoom

    def fit_canvas(self) -> None:
        """Normal mode: the canvas scales with the zoom. Presentation: its labels are the
        presentation text size, for the room the canvas has."""
        canvas = self.window.canvas
        if not self.on:
            scale = self.zoom
        else:
            scale = self.text_px() / (LABEL_SHARE * base_px(canvas.width(), canvas.height()))
        if abs(canvas.font_scale() - scale) > 1e-6:
            canvas.set_font_scale(scale)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show and obj in self._pending:
            self.catch_up(obj)
        elif self.on and obj is self.window.canvas and event.type() == QEvent.Type.Resize:
            self.fit_canvas()
        return False

    def window_resized(self) -> None:
        """The window's height sets the presentation text size; in normal mode its size picks the
        room's layout (gui.room), and views moved to another layout take the window's font again.
        While set() moves the window it applies the font itself, once, at the new size."""
        if self._switching:
            if not self.on:
                self.room.fit(self.window.size())
            return
        if self.on:
            if self.text_px() != round(projector_px(self.window.height()) * self.zoom):
                self.apply_font()
        elif self.room.fit(self.window.size()):
            self.apply_font()
        else:
            self.fit_status()

    def fit_status(self) -> None:
        """The status bar's readouts in the window's text size, or smaller if that would cut them."""
        w = self.window
        w.status.fit(w.font(), w.width() - STATUS_BAR_MARGIN, beside=(w.present_button,))


def _take(widget: QWidget, room) -> callable:
    """Take `widget` out of its tab (or out of the room's bottom row); returns how to put it back."""
    tabs = _tabs_of(widget)
    if tabs is not None:
        index, current = tabs.indexOf(widget), tabs.currentIndex()
        text = tabs.tabText(index)
        tip = tabs.tabToolTip(index)
        tabs.removeTab(index)

        def give_back():
            tabs.insertTab(index, widget, text)
            tabs.setTabToolTip(index, tip)
            tabs.setCurrentIndex(current)
        return give_back
    return room.place


def _tabs_of(widget: QWidget) -> QTabWidget | None:
    parent = widget.parentWidget()
    tabs = parent.parentWidget() if parent is not None else None
    if isinstance(tabs, QTabWidget) and tabs.indexOf(widget) >= 0:
        return tabs
    return None
