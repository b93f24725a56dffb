"""The window in the room: it fits the screen from 1280 × 720 to 4K, presentation mode reads
from the back of the room, every shortcut works whatever field has the focus, text zooms,
light and dark themes, and what the user chose is remembered (pytest-qt, offscreen).

Settings go to a temporary folder (QSettings' INI path is redirected before a window is
built): no test reads or writes the user's own settings.
"""
from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QSettings, QSize, QStandardPaths, Qt
from PySide6.QtGui import QColor, QFontInfo, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QScrollBar,
    QSpinBox,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from gui import colors
from gui.actions import ACTIONS
from gui.help import shortcut_rows
from gui.main_window import MainWindow
from gui.presentation import PANELS
from gui.settings_store import MAX_RECENT, SettingsStore
from gui.state import DEFAULT_SPEED
from gui.theme import apply_theme

NEURONS = ("O11", "O12", "O21")


# ---- fixtures and helpers ------------------------------------------------------------------------
@pytest.fixture
def settings_dir(tmp_path):
    """QSettings' user scope in a temporary folder, for as long as the test runs."""
    old = QSettings.defaultFormat()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    yield tmp_path
    QSettings.setDefaultFormat(old)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation))


@pytest.fixture
def build(qtbot, settings_dir):
    """build() -> a shown window that keeps its settings in the temporary folder."""
    windows = []

    def make() -> MainWindow:
        w = MainWindow(settings=SettingsStore.user())
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        QApplication.processEvents()  # settle the first layout
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.trainer.shutdown()
    apply_theme("light")  # the palette is the application's: leave it as the other tests expect


@pytest.fixture
def win(build):
    return build()


def resize(qtbot, window, width, height):
    if not window.presentation.on:
        window.showNormal()
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size() == QSize(width, height), timeout=3000)
    QApplication.processEvents()  # the relayouts the new size posted


def present(qtbot, window, width, height, panel="loss"):
    window.presentation.set_panel(panel)
    window.set_presentation(True)
    screen = window.screen().geometry().size()
    qtbot.waitUntil(lambda: window.isFullScreen() and window.size() == screen, timeout=3000)
    QApplication.processEvents()
    resize(qtbot, window, width, height)  # a projector of this size (offscreen: no longer 'full screen')


def visible_widgets(window):
    return [w for w in window.findChildren(QWidget) if w.isVisible() and w.window() is window]


def text_sizes(window) -> dict[str, int]:
    """Pixel size of every visible widget's text (a text view: its document's), and the canvas' labels."""
    sizes = {}
    for w in visible_widgets(window):
        if isinstance(w, QScrollBar):  # no text; it comes and goes as the text grows
            continue
        font = w.document().defaultFont() if isinstance(w, QTextEdit) else w.font()
        owner = w.objectName() or f"{w.parentWidget().objectName()}/{id(w)}"
        sizes[f"{type(w).__name__} {owner}"] = QFontInfo(font).pixelSize()
    sizes["canvas labels"] = QFontInfo(window.canvas.label_font()).pixelSize()
    sizes["loss plot ticks"] = QFontInfo(window.plot.getPlotItem().getAxis("bottom").style["tickFont"]).pixelSize()
    return sizes


def shown_text(w) -> str:
    if isinstance(w, QComboBox):
        return w.currentText()
    return w.text() if isinstance(w, QLabel | QAbstractButton | QLineEdit) else ""


def trained(window, rows=4):
    window.request_setup({"init": "tutorial", "scaling": "none", "target_scaling": "none"})
    window.state.eta = 0.0001
    window.controller.train_rows(rows - 1)
    window.controller.step()  # an update shown: labels are 'before → after', the widest case


# ---- fits the room -----------------------------------------------------------------------------------
def test_opens_at_a_size_that_fits_the_screen(win):
    room = win.screen().availableGeometry()
    assert win.width() <= room.width() and win.height() <= room.height()
    assert win.isMaximized()  # the offscreen screen is small (800 × 800): the window fills it


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1600, 900), (1920, 1080), (2560, 1440), (3840, 2160)])
def test_the_layout_holds_and_the_canvas_shows_every_neuron_value(qtbot, win, size):
    trained(win)
    resize(qtbot, win, *size)
    for w in visible_widgets(win):
        assert w.width() > 0 and w.height() > 0, f"{type(w).__name__} {w.objectName()} has no room"
    for name in ("networkCanvas", "lossPlot", "paramInspector", "transportBar", "stepThroughScroll"):
        part = win.findChild(QWidget, name)
        assert part.isVisible() and part.height() >= 40, name
    assert win.canvas.height() >= 300 and win.canvas.width() >= 600
    assert not set(win.canvas.hover_only()) & set(NEURONS)
    assert set(NEURONS) <= set(win.canvas.shown_values()["forward"])
    # the step-through strip keeps to its share and shows its buttons whole
    page = win.network_page
    assert page.strip.height() <= max(page.height() * 0.25, win.stepper.next_button.height() + 12)
    assert win.stepper.next_button.visibleRegion().boundingRect().size() == win.stepper.next_button.size()


def test_at_1280x720_every_value_of_the_small_network_is_on_the_canvas(qtbot, win):
    trained(win)
    resize(qtbot, win, 1280, 720)
    assert win.canvas.hover_only() == []
    values = win.canvas.shown_values()
    assert set(values["params"]) == set(win.state.spec.param_names) and set(NEURONS) <= set(values["forward"])


def test_small_windows_put_the_loss_plot_and_the_table_in_tabs(qtbot, win):
    resize(qtbot, win, 1920, 1080)
    assert win.room.mode == "wide" and win.plot_box.isVisible() and win.table.isVisible()
    resize(qtbot, win, 1280, 1024)
    assert win.room.mode == "narrow" and not win.left_tabs.isVisible()
    win.show_view("setupPanel")  # the set-up is a tab now, still reachable
    assert win.setup.isVisible()
    resize(qtbot, win, 1280, 720)
    assert win.room.mode == "compact"
    win.show_view("dataTable")
    assert win.table.isVisible() and not win.plot.isVisible()
    win.show_view("lossPlot")
    assert win.plot.isVisible()
    resize(qtbot, win, 1920, 1080)
    assert win.room.mode == "wide" and win.left_tabs.isVisible() and win.table.isVisible()
    assert [win.left_tabs.tabText(i) for i in range(win.left_tabs.count())] == ["Setup", "Lesson"]


# ---- presentation mode ---------------------------------------------------------------------------------
@pytest.mark.parametrize("panel", list(PANELS))
@pytest.mark.parametrize("size, smallest", [((1280, 720), 18), ((1920, 1080), 24)])
def test_presentation_text_is_big_enough_and_nothing_is_cut(qtbot, win, panel, size, smallest):
    trained(win)
    present(qtbot, win, *size, panel=panel)
    sizes = text_sizes(win)
    too_small = {name: px for name, px in sizes.items() if px < smallest}
    assert not too_small
    if win.presentation.page.orientation() == Qt.Orientation.Horizontal:
        # the network beside the panel: the numbers in its circles are as big as its labels
        # (stacked under a panel, the canvas is too short for them yet: reported to the lead)
        value_px = QFontInfo(win.canvas.value_font()).pixelSize()
        assert value_px >= max(smallest, sizes["canvas labels"])
    for w in visible_widgets(win):
        text = shown_text(w)
        assert "…" not in text, f"{w.objectName()} shows {text!r}"
        if isinstance(w, QLabel) and text and not w.wordWrap():
            assert w.width() >= w.minimumSizeHint().width(), f"label {text!r} is cut"
        if isinstance(w, QAbstractButton | QComboBox) and text:
            needed = w.fontMetrics().horizontalAdvance(text)
            assert w.width() >= needed, f"{type(w).__name__} {text!r} is cut"
    # the network and the one chosen panel, the transport bar; nothing else
    assert win.canvas.isVisible() and win.transport.isVisible()
    assert not set(win.canvas.hover_only()) & set(NEURONS)
    chosen = {"loss": win.plot, "derivation": win.view("derivationPanel"), "race": win.view("raceView")}[panel]
    assert chosen.isVisible()
    for hidden in (win.left_tabs, win.side_tabs, win.table, win.menuBar(), win.statusBar(), win.timeline):
        assert not hidden.isVisible()
    # the classification preset (sigmoid neurons): every Z line is drawn, as big as the rest
    assert win.canvas.z_font() is None  # linear neurons have none
    win.request_setup({"task": "classification"})
    win.controller.step()
    QApplication.processEvents()
    canvas = win.canvas
    assert not set(canvas.hover_only()) & {"O11", "O12", "O21", "Z11", "Z12", "Z21"}
    assert set(canvas.shown_values()["forward"]) == {"O11", "O12", "O21", "Z11", "Z12", "Z21"}
    assert QFontInfo(canvas.z_font()).pixelSize() >= smallest
    # each neuron's value: in its circle at the big size, or (a short canvas) in a label beside it
    inside = QFontInfo(canvas.value_font()).pixelSize() >= smallest
    assert inside or set(canvas.neuron_label_rects()) == set(NEURONS)
    r = canvas.neuron_radius()
    centres = [canvas.neuron_center(n) for n in NEURONS]
    drawn = {**canvas.label_rects(), **canvas.neuron_label_rects()}
    for name, rect in drawn.items():  # a Z label beside its circle covers no neuron and no other label
        assert canvas.rect().contains(rect.toRect()), name
        for c in centres:
            assert math.hypot(c.x() - min(max(c.x(), rect.left()), rect.right()),
                              c.y() - min(max(c.y(), rect.top()), rect.bottom())) >= r, (name, c)
    for nid, rect in canvas.neuron_label_rects().items():
        assert not any(rect.intersects(other) for other in canvas.label_rects().values()), nid


def test_presentation_panel_is_chosen_in_the_menu_or_on_its_bar_and_esc_leaves(qtbot, win):
    win.actions["panel_derivation"].trigger()
    win.actions["presentation"].trigger()
    assert win.presentation.on and win.view("derivationPanel").isVisible() and not win.plot.isVisible()
    combo = win.findChild(QComboBox, "presentationPanelInput")
    assert combo.isVisible() and combo.currentData() == "derivation"
    combo.setCurrentIndex(combo.findData("race"))
    combo.activated.emit(combo.currentIndex())
    assert win.presentation.panel == "race" and win.actions["panel_race"].isChecked()
    assert win.view("raceView").isVisible() and not win.view("derivationPanel").isVisible()
    qtbot.keyClick(win.canvas, Qt.Key_Escape)
    assert not win.presentation.on and not win.isFullScreen()
    assert win.menuBar().isVisible() and win.statusBar().isVisible()
    # every view back in its tab, in its place
    assert [win.centre_tabs.tabText(i) for i in range(win.centre_tabs.count())] == [
        "Network", "Learning-rate race", "Loss landscape", "Picture"]
    assert win.side_tabs.tabText(1) == "Why this number?" and win.side_tabs.widget(1) is win.view("derivationPanel")
    assert win.centre_tabs.currentWidget() is win.network_page


def test_the_loss_plot_is_not_stale_after_presentation_mode(qtbot, win):
    win.presentation.set_panel("derivation")
    win.set_presentation(True)
    assert not win.plot.isVisible()
    win.controller.train_rows(6)
    win.set_presentation(False)
    win.show_view("lossPlot")
    x, _y = win.plot.rows_curve.getOriginalDataset()
    assert x is not None and len(x) == 6


# ---- zoom --------------------------------------------------------------------------------------------
def test_zoom_changes_every_text_size_and_reset_restores_it(qtbot, win):
    trained(win)
    resize(qtbot, win, 1600, 1000)
    before, base = text_sizes(win), win.presentation.text_px()
    win.actions["zoom_in"].trigger()
    win.actions["zoom_in"].trigger()
    after = text_sizes(win)
    assert win.presentation.zoom > 1
    assert {name for name in before if after.get(name, 0) <= before[name]} == set()
    win.actions["zoom_reset"].trigger()
    assert text_sizes(win) == before
    win.actions["zoom_out"].trigger()
    assert all(px <= before[name] for name, px in text_sizes(win).items() if name in before)
    assert win.presentation.text_px() < base


def test_zoom_works_in_presentation_mode_too(qtbot, win):
    present(qtbot, win, 1280, 720)
    base = win.presentation.text_px()
    label = QFontInfo(win.canvas.label_font()).pixelSize()
    win.actions["zoom_in"].trigger()
    assert win.presentation.text_px() > base and QFontInfo(win.canvas.label_font()).pixelSize() > label
    win.actions["zoom_reset"].trigger()
    assert win.presentation.text_px() == base == 18


def cut_labels(window) -> list[str]:
    """The status bar's readouts whose text is wider than the label shows."""
    return [label.text() for label in window.status.labels
            if label.width() < label.fontMetrics().horizontalAdvance(label.text())]


@pytest.mark.parametrize("zooms", [1, 3, 6])
def test_zoomed_in_on_a_1280_screen_the_status_bar_cuts_no_number(qtbot, win, zooms):
    trained(win, rows=12)  # three epochs of the 4-row table: the loss readout has its epoch mean
    resize(qtbot, win, 1280, 720)
    for _ in range(zooms):
        win.actions["zoom_in"].trigger()
    QApplication.processEvents()
    assert "epoch mean" in win.status.loss.text()
    assert cut_labels(win) == []
    win.controller.train_epochs(250)  # a thousand rows: wider counts
    QApplication.processEvents()
    assert cut_labels(win) == []
    assert all(QFontInfo(label.font()).pixelSize() >= 10 for label in win.status.labels)


def test_a_long_status_message_is_shown_whole_and_the_readouts_come_back(qtbot, win):
    trained(win)
    resize(qtbot, win, 1280, 720)
    bar, readouts = win.statusBar(), win.status.labels
    assert win.request_setup({"hidden": (4,), "hidden_activations": ("tanh",)})
    message = bar.currentMessage()
    assert message.startswith("New start: ")
    assert not any(label.isVisible() for label in readouts)  # out of the message's way
    assert bar.fontMetrics().horizontalAdvance(message) < bar.width() - win.present_button.width()
    bar.clearMessage()  # its time is up
    assert all(label.isVisible() for label in readouts)
    assert "row" in win.status.row.text()  # the readouts of the new start, not the old run
    bar.showMessage("Saved", 1000)  # a short one fits beside them
    assert all(label.isVisible() for label in readouts)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_loss_and_accuracy_plots_keep_their_texts_apart(qtbot, win, size):
    win.request_setup({"task": "classification", "test_fraction": 0.25})
    win.controller.train_epochs(3)
    resize(qtbot, win, *size)
    win.show_view("lossPlot")
    QApplication.processEvents()
    plot = win.plot
    assert plot.shows_accuracy()
    for item, legend in ((plot.getPlotItem(), plot.legend), (plot.accuracy_plot, plot.accuracy_legend)):
        axis, box = item.getAxis("left"), item.getViewBox()
        assert axis.label.boundingRect().width() <= axis.height()  # the title within its own plot
        assert legend.boundingRect().height() <= box.height() / 2  # the legend leaves room for the curves
    assert "loss" in plot.getPlotItem().getAxis("left").labelText
    # one "rows trained" axis, under the lower plot
    assert not plot.getPlotItem().getAxis("bottom").isVisible()
    assert plot.accuracy_plot.getAxis("bottom").isVisible()
    assert plot.accuracy_plot.getAxis("bottom").labelText == "rows trained"


# ---- themes ------------------------------------------------------------------------------------------
def contrast(a: str, b: str) -> float:
    def lum(c):
        q = QColor(c)
        ch = [v / 255 for v in (q.red(), q.green(), q.blue())]
        ch = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_theme_switch_changes_the_palette_and_keeps_the_sign_colours_distinct(qtbot, win):
    trained(win)
    light_window = QApplication.palette().color(QPalette.ColorRole.Window)
    for name in ("dark", "light"):
        win.actions[f"theme_{name}"].trigger()
        assert win.theme() == name and win.actions[f"theme_{name}"].isChecked()
        window_colour = QApplication.palette().color(QPalette.ColorRole.Window)
        assert (window_colour.lightness() < 100) == (name == "dark")
        pos, neg = colors.sign_color(1.0), colors.sign_color(-1.0)
        assert pos != neg and {pos, neg} <= {colors.BLUE, colors.SKY_BLUE, colors.ORANGE}  # Okabe–Ito
        for fill in (colors.CANVAS_BG, colors.LABEL_BG):
            # strokes: Okabe–Ito's orange on white is 2.2 : 1 (width and the labels carry the sign too)
            assert contrast(pos, fill) >= 3 and contrast(neg, fill) >= 2
            assert contrast(colors.sign_text_color(1.0), fill) >= 4.5
            assert contrast(colors.sign_text_color(-1.0), fill) >= 4.5
            assert contrast(colors.INK, fill) >= 7
        # the canvas paints its background in the theme
        image = win.canvas.grab().toImage()
        assert image.pixelColor(2, image.height() - 3) == QColor(colors.CANVAS_BG)
    assert QApplication.palette().color(QPalette.ColorRole.Window) == light_window


# ---- keyboard first ---------------------------------------------------------------------------------------
FIELDS = (("epochsInput", QSpinBox, "setupPanel"), ("etaInput", QDoubleSpinBox, "setupPanel"),
          ("homeworkInput", QLineEdit, "homeworkPanel"))


def focus(qtbot, window, name, cls, page):
    window.activateWindow()
    window.show_view(page)
    field = window.findChild(cls, name)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    return field


def key_of(action):
    seq = action.shortcuts()[0][0]
    return seq.key(), seq.keyboardModifiers()


def prepare_and_expect(window, name):
    """Set the window up for action `name`; returns a check of the action's own effect."""
    s, c, t = window.state, window.controller, window.trainer
    steps = lambda: t.timeline.steps  # noqa: E731
    if name == "step":
        n = steps()
        return lambda: steps() == n + 1
    if name == "step_epoch":
        return lambda: steps() > 0 and steps() % s.setup.dataset.n_rows == 0
    if name == "step_back":
        c.step(), c.step()
        n = steps()
        return lambda: steps() == n - 1
    if name == "reset":
        c.step()
        return lambda: steps() == 0
    if name == "undo":
        c.step()
        n = steps()
        c.reset()
        return lambda: steps() == n
    if name == "redo":
        c.step(), c.reset(), c.undo_stack.undo()
        return lambda: steps() == 0
    if name == "play":
        s.epochs = 1
        return lambda: t.running or steps() > 0
    if name.startswith("eta_"):
        s.eta = 0.5
        value = {"eta_small": 0.01, "eta_medium": 0.1, "eta_large": 1.0}[name]
        return lambda: s.eta == value
    if name == "log_scale":
        on = window.plot.log
        return lambda: window.plot.log != on
    if name == "presentation":
        return lambda: window.presentation.on
    if name.startswith("zoom_"):
        window.presentation.set_zoom(1.25)
        return {"zoom_in": lambda: window.presentation.zoom > 1.25,
                "zoom_out": lambda: window.presentation.zoom < 1.25,
                "zoom_reset": lambda: window.presentation.zoom == 1.0}[name]
    if name == "help_shortcuts":
        return lambda: window.shortcuts_dialog is not None and window.shortcuts_dialog.isVisible()
    if name == "quit":
        return lambda: not window.isVisible()
    return None  # fit_plot, open_csv: the action fired is the effect (checked by its signal)


def tidy(qtbot, window):
    """Back to a plain state between two keys."""
    if window.trainer.running:
        window.controller.pause()
        qtbot.waitUntil(lambda: not window.trainer.running, timeout=5000)
    window.set_presentation(False)
    if window.shortcuts_dialog is not None:
        window.shortcuts_dialog.close()


@pytest.mark.parametrize("field", FIELDS, ids=[f[0] for f in FIELDS])
def test_every_shortcut_fires_its_action_with_focus_in_a_field(qtbot, win, monkeypatch, field):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    with_keys = {n: a for n, a in win.actions.items() if a.shortcuts() and n != "quit"}
    assert set(with_keys) >= {n for n, spec in ACTIONS.items() if spec[1] and n != "quit"} | {"undo", "redo"}
    fired = []
    keyed = [*with_keys.items(), ("quit", win.actions["quit"])]  # quit last: it closes the window
    for name, action in keyed:
        action.triggered.connect(lambda *_, n=name: fired.append(n))
    for name, action in keyed:
        expect = prepare_and_expect(win, name)
        fired.clear()
        widget = focus(qtbot, win, *field)
        key, mods = key_of(action)
        qtbot.keyClick(widget, key, mods)
        assert name in fired, f"{name} ({action.shortcuts()[0].toString()}) did not fire from {field[0]}"
        if expect is not None:
            qtbot.waitUntil(expect, timeout=5000)
        assert not widget.hasFocus(), f"{name}: {field[0]} kept the keyboard"
        tidy(qtbot, win)


def test_a_spin_box_commits_what_was_typed_before_the_key_acts(qtbot, win):
    epochs = focus(qtbot, win, "epochsInput", QSpinBox, "setupPanel")
    epochs.selectAll()
    qtbot.keyClicks(epochs, "7")
    assert win.state.epochs != 7  # typed, not committed yet
    qtbot.keyClick(epochs, Qt.Key_Right)  # → steps one row...
    assert win.state.epochs == 7  # ...after the typed value was committed
    assert win.trainer.timeline.steps == 1 and win.canvas.hasFocus()
    eta = focus(qtbot, win, "etaInput", QDoubleSpinBox, "setupPanel")
    eta.selectAll()
    qtbot.keyClicks(eta, "0.05")
    qtbot.keyClick(eta, Qt.Key_Space)
    assert win.state.eta == 0.05
    qtbot.waitUntil(lambda: win.trainer.timeline.steps > 1, timeout=5000)
    tidy(qtbot, win)


def test_enter_in_a_field_commits_it_and_gives_the_keys_back(qtbot, win):
    seed = focus(qtbot, win, "seedInput", QSpinBox, "setupPanel")
    seed.selectAll()
    qtbot.keyClicks(seed, "3")
    qtbot.keyClick(seed, Qt.Key_Return)
    assert win.state.setup.seed == 3 and win.canvas.hasFocus()
    qtbot.keyClick(win.canvas, Qt.Key_Right)
    assert win.trainer.timeline.steps == 1


def test_clicking_the_canvas_takes_the_focus_from_a_field(qtbot, win):
    field = focus(qtbot, win, "epochsInput", QSpinBox, "setupPanel")
    win.show_view("networkCanvas")
    qtbot.mouseClick(win.canvas, Qt.LeftButton, pos=win.canvas.rect().bottomLeft() + QPoint(5, -5))
    assert win.canvas.hasFocus() and not field.hasFocus()


# ---- help ---------------------------------------------------------------------------------------------
def test_every_action_is_in_a_menu_with_its_shortcut(win):
    in_menus = set()
    for menu in win.menus.values():
        for action in menu.actions():
            in_menus.add(action)
            if action.menu() is not None:
                in_menus.update(action.menu().actions())
    for name, action in win.actions.items():
        assert action in in_menus, f"{name} is in no menu"
    assert win.menus["&Help"].actions()[0] is win.actions["help_shortcuts"]


def test_help_keyboard_shortcuts_lists_every_action_and_its_keys(qtbot, win):
    win.actions["help_shortcuts"].trigger()
    dialog = win.shortcuts_dialog
    assert dialog.isVisible()
    rows = dialog.rows()
    assert rows == shortcut_rows(win.actions) and len(rows) == len(win.actions)
    keys = {command: k for command, k, _tip in rows}
    assert keys["Play / Pause"] == QKeySequence("Space").toString(QKeySequence.SequenceFormat.NativeText)
    assert "Ctrl+R" in keys["Reset"] and "Ctrl+=" in keys["Zoom in"]
    dialog.close()


def test_help_about_names_version_licence_and_libraries(win):
    win.actions["help_about"].trigger()
    text = win.about_box.text.text()
    for needed in ("Backprop Studio", "icence", "PySide6", "pyqtgraph", "NumPy", "psygnal", "Qt", "Python"):
        assert needed in text
    win.about_box.close()


def test_help_lesson_shows_the_lesson_and_starts_it(qtbot, win):
    win.set_presentation(True)
    win.actions["help_lesson"].trigger()
    assert not win.presentation.on
    assert win.lesson_panel.isVisible() and win.state.lesson_step == 0


# ---- remembered -----------------------------------------------------------------------------------------
def test_settings_round_trip(qtbot, build, settings_dir):
    first = build()
    first.actions["zoom_in"].trigger()
    first.actions["theme_dark"].trigger()
    first.precision_actions[4].trigger()
    first.state.speed = 200.0
    resize(qtbot, first, 760, 700)  # (offscreen: a window stays within its 800 × 800 screen)
    first.room.side_splitter.setSizes([250, 350])
    sizes = first.room.sizes()
    first.settings.add_recent(settings_dir / "a.json")
    first.close()
    assert (settings_dir / "Backprop Studio" / "backprop-studio.ini").exists()
    again = build()
    assert again.presentation.zoom == first.presentation.zoom > 1
    assert again.theme() == "dark" and again.actions["theme_dark"].isChecked()
    assert again.state.precision == 4 and again.precision_actions[4].isChecked()
    assert again.state.speed == 200.0 and again.transport.speed_value() == 200
    assert again.size() == QSize(760, 700) and again.room.sizes() == sizes
    assert again.settings.recent_files() == [str(settings_dir / "a.json")]
    assert again.settings.last_folder() == str(settings_dir)


def test_recent_files_keep_the_last_ten_most_recent_first(tmp_path):
    store = SettingsStore.at(tmp_path / "s.ini")
    changes = []
    store.recentFilesChanged.connect(changes.append)
    for i in range(12):
        store.add_recent(tmp_path / f"{i}.json")
    store.add_recent(tmp_path / "5.json")
    files = store.recent_files()
    assert len(files) == MAX_RECENT and files[0] == str(tmp_path / "5.json")
    assert files[1:3] == [str(tmp_path / "11.json"), str(tmp_path / "10.json")] and len(set(files)) == MAX_RECENT
    assert changes[-1] == files
    store.remove_recent(tmp_path / "5.json")
    assert str(tmp_path / "5.json") not in SettingsStore.at(tmp_path / "s.ini").recent_files()


def test_a_damaged_settings_file_gives_the_defaults(build, settings_dir):
    path = settings_dir / "Backprop Studio" / "backprop-studio.ini"
    path.parent.mkdir(parents=True)
    path.write_text("[General]\ntheme=purple\nzoom=nan\nprecision=99\nspeed=-3\ngeometry=junk\n"
                    "recent_files=7\n", encoding="utf-8")
    w = build()
    assert w.theme() == "light" and w.presentation.zoom == 1.0
    assert w.state.precision == 6 and w.state.speed == DEFAULT_SPEED
    assert w.settings.recent_files() == ["7"] or w.settings.recent_files() == []


def test_restore_defaults(qtbot, build, settings_dir):
    w = build()
    w.actions["theme_dark"].trigger()
    w.actions["zoom_in"].trigger()
    w.precision_actions[8].trigger()
    w.state.speed = None
    w.settings.add_recent(settings_dir / "kept.json")
    w.actions["restore_defaults"].trigger()
    assert w.theme() == "light" and w.presentation.zoom == 1.0
    assert w.state.precision == 6 and w.state.speed == DEFAULT_SPEED
    assert w.settings.recent_files() == [str(settings_dir / "kept.json")]
    for key in ("theme", "zoom", "precision", "speed", "geometry"):
        assert w.settings.value(key) is None, key
    w.close()
    again = build()
    assert again.theme() == "light" and again.state.precision == 6 and again.presentation.zoom == 1.0


def test_a_window_outside_the_app_remembers_nothing(qtbot, settings_dir):
    w = MainWindow()  # tests and other programs: the application is not "Backprop Studio"
    qtbot.addWidget(w)
    assert w.settings.file_name() is None
    w.state.precision = 4
    w.trainer.shutdown()
    assert not any(settings_dir.rglob("*.ini"))


def test_the_tabs_never_elide_their_titles(win):
    for tabs in win.findChildren(QTabWidget):
        assert tabs.elideMode() == Qt.TextElideMode.ElideNone
