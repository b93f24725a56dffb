"""The window's layout for the room it has: from a 1280 × 720 projector to a 4K monitor.

Two questions decide it, each with its own threshold:

    narrow  (width < WIDE_MIN_WIDTH)   the set-up and lesson column folds into tabs beside
            the loss plot and the training rows, so the network keeps its width
    short   (height < TALL_MIN_HEIGHT)  the bottom row (the loss plot and the training rows,
            as tabs) joins the right-hand column, so the network keeps its height

    wide     set-up | network | numbers, and below them the loss plot beside the training rows
    narrow   network | numbers, and below them tabs: loss, training rows, set-up, lesson
    short    set-up | network | numbers over tabs of the loss and the training rows
    compact  network | numbers over tabs of the loss, the training rows, set-up and lesson

Every splitter has minimum sizes and no part can be collapsed to nothing. The step-through
strip under the canvas is at most a quarter of the network page (its words scroll beyond
that), so it never eats the canvas. `Room.normal_page` is what presentation mode swaps out.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

WIDE_MIN_WIDTH = 1400  # narrower: the loss plot and the table become tabs
TALL_MIN_HEIGHT = 880  # lower: those tabs join the right-hand column
MAXIMISE_BELOW = QSize(1700, 1000)  # a screen smaller than this: the window opens maximised
LARGEST = QSize(1600, 1000)  # on a bigger screen the window opens at this size, centred
STEPPER_SHARE = 0.25  # the step-through strip takes at most this share of the network page
MODES = ("wide", "narrow", "short", "compact")
SPLITTERS = ("mainSplitter", "topSplitter", "bottomSplitter", "sideSplitter")


def mode_for(size: QSize) -> str:
    narrow, short = size.width() < WIDE_MIN_WIDTH, size.height() < TALL_MIN_HEIGHT
    return {(False, False): "wide", (True, False): "narrow", (False, True): "short", (True, True): "compact"}[
        (narrow, short)]


def opening_geometry(window: QWidget) -> tuple[QSize, bool]:
    """(size, maximised): the size a new window opens at on the screen it is on."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size() if screen is not None else LARGEST
    if room.width() < MAXIMISE_BELOW.width() or room.height() < MAXIMISE_BELOW.height():
        return room, True
    return QSize(min(LARGEST.width(), room.width()), min(LARGEST.height(), room.height())), False


def splitter(name: str, orientation, *parts) -> QSplitter:
    """A splitter of (widget, stretch) parts whose parts can never be collapsed to nothing."""
    s = QSplitter(orientation, objectName=name)
    s.setChildrenCollapsible(False)
    for i, (widget, stretch) in enumerate(parts):
        s.addWidget(widget)
        s.setStretchFactor(i, stretch)
    return s


class NetworkPage(QWidget):
    """The canvas with the step-through strip under it; the strip is as tall as its words
    need, up to STEPPER_SHARE of the page (then its words scroll)."""

    def __init__(self, canvas: QWidget, stepper: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkPage")
        self.canvas, self.stepper = canvas, stepper
        self.strip = QScrollArea(objectName="stepThroughScroll")
        # The words' minimum size hint is their height at a tiny width: the strip sizes them
        # for the width they have instead (words_height), and scrolls what is still taller.
        stepper.setMinimumHeight(1)
        self.strip.setWidget(stepper)
        self.strip.setWidgetResizable(True)
        self.strip.setFrameShape(QFrame.Shape.NoFrame)
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(canvas, 1)
        layout.addWidget(self.strip)
        stepper.installEventFilter(self)
        self.fit_strip()

    def words_height(self, width: int) -> int:
        """The strip's height with all its words showing, at this width."""
        st = self.stepper
        layout = st.layout()
        m = layout.contentsMargins()
        spacing = max(0, layout.spacing())
        buttons = [st.prev_button, st.next_button]
        text_w = width - m.left() - m.right() - sum(b.sizeHint().width() + spacing for b in buttons) - 4
        text_h = st.text.heightForWidth(max(80, text_w))
        words = st.title.sizeHint().height() + 2 + (text_h if text_h > 0 else st.text.sizeHint().height())
        return max(words, *(b.sizeHint().height() for b in buttons)) + m.top() + m.bottom() + 2

    def fit_strip(self) -> None:
        need = self.words_height(max(200, self.width()))
        buttons = max(b.sizeHint().height() for b in (self.stepper.prev_button, self.stepper.next_button)) + 10
        cap = max(buttons, int(self.height() * STEPPER_SHARE)) if self.height() > 0 else need
        height = max(buttons, min(need, cap))
        if self.strip.height() != height or self.strip.minimumHeight() != height:
            self.strip.setFixedHeight(height)
        # never narrower than its buttons and a few words (the scroll area would hide its minimum)
        self.strip.setMinimumWidth(self.stepper.minimumSizeHint().width())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_strip()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.stepper and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange):
            self.fit_strip()
        return False


class Room:
    """Builds the normal page (the splitters) from its parts and moves the loss plot and the
    table between the layouts of MODES as the window's size changes."""

    def __init__(self, left: QWidget, centre: QTabWidget, side: QTabWidget, plot_box: QWidget,
                 table_box: QWidget):
        self.left, self.centre, self.side = left, centre, side
        self.left_pages = [(left.widget(i), left.tabText(i)) for i in range(left.count())]
        self.plot_box, self.table_box = plot_box, table_box
        left.setMinimumWidth(300)
        side.setMinimumWidth(360)
        side.setMinimumHeight(200)
        plot_box.setMinimumHeight(150)  # (heights only: their widths stay their contents' own minimum)
        table_box.setMinimumHeight(130)
        self.bottom_splitter = splitter("bottomSplitter", Qt.Horizontal)
        self.bottom_tabs = QTabWidget(objectName="bottomTabs")
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_area = QWidget(objectName="bottomArea")
        area = QVBoxLayout(self.bottom_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.addWidget(self.bottom_splitter)
        self.side_splitter = splitter("sideSplitter", Qt.Vertical, (side, 3))
        self.top_splitter = splitter("topSplitter", Qt.Horizontal, (left, 0), (centre, 1), (self.side_splitter, 0))
        self.main_splitter = splitter("mainSplitter", Qt.Vertical, (self.top_splitter, 3), (self.bottom_area, 2))
        self.stack = QStackedWidget(objectName="roomStack")
        self.stack.addWidget(self.main_splitter)
        self.normal_page = self.main_splitter
        self.mode: str | None = None

    # ---- modes ------------------------------------------------------------------------------
    def fit(self, size: QSize) -> bool:
        """The layout for a window of `size` (default splitter sizes when the mode changes);
        True when it changed."""
        mode = mode_for(size)
        if mode == self.mode:
            return False
        self.mode = mode
        self.place()
        self.default_sizes(size)
        return True

    def place(self) -> None:
        """Put the loss plot, the table and the set-up column where the current mode has them."""
        narrow, short = self.mode in ("narrow", "compact"), self.mode in ("short", "compact")
        tabs, area = self.bottom_tabs, self.bottom_area
        pages = [(self.plot_box, "Loss while training"), (self.table_box, "Training rows")]
        pages += self.left_pages if narrow else []
        if not narrow:
            for i, (page, title) in enumerate(self.left_pages):
                if self.left.indexOf(page) != i:
                    _remove(tabs, page)
                    self.left.insertTab(i, page, title)
        self.left.setVisible(not narrow)
        if narrow or short:
            for page in (self.plot_box, self.table_box, *(p for p, _t in self.left_pages)):
                if all(page is not p for p, _t in pages):
                    _remove(tabs, page)
            for i, (page, title) in enumerate(pages):
                if tabs.indexOf(page) != i:
                    _remove(tabs, page)
                    tabs.insertTab(i, page, title)
            self.bottom_splitter.hide()
            if short:
                self.side_splitter.insertWidget(1, tabs)
                self.side_splitter.setStretchFactor(1, 2)
            else:
                area.layout().addWidget(tabs)
            tabs.show()
        else:
            while tabs.count():
                tabs.removeTab(0)
            self.bottom_splitter.insertWidget(0, self.plot_box)
            self.bottom_splitter.insertWidget(1, self.table_box)
            self.bottom_splitter.setStretchFactor(0, 3)
            self.bottom_splitter.setStretchFactor(1, 2)
            area.layout().addWidget(tabs)  # kept in the window, unused
            tabs.hide()
            self.bottom_splitter.show()
            for box in (self.plot_box, self.table_box):
                box.show()
        area.setVisible(not short)

    def default_sizes(self, size: QSize) -> None:
        w, h = max(size.width(), 800), max(size.height(), 500)
        side = 420 if w >= 1500 else 380
        left = 0 if self.mode in ("narrow", "compact") else (340 if w >= 1500 else 300)
        self.top_splitter.setSizes([left, max(400, w - left - side), side])
        self.main_splitter.setSizes([int(h * 0.62), int(h * 0.38)])
        self.bottom_splitter.setSizes([int(w * 0.58), int(w * 0.42)])
        self.side_splitter.setSizes([int(h * 0.5), int(h * 0.5)])

    def splitters(self) -> dict[str, QSplitter]:
        return {s.objectName(): s for s in (self.main_splitter, self.top_splitter, self.bottom_splitter,
                                            self.side_splitter)}

    def sizes(self) -> dict[str, list[int]]:
        return {name: s.sizes() for name, s in self.splitters().items()}

    def restore_sizes(self, sizes: dict[str, list[int]]) -> None:
        for name, s in self.splitters().items():
            wanted = sizes.get(name)
            if wanted and len(wanted) == s.count() and sum(wanted) > 0:
                s.setSizes(wanted)


def _remove(tabs: QTabWidget, page: QWidget) -> None:
    index = tabs.indexOf(page)
    if index >= 0:
        tabs.removeTab(index)
