"""The "Show all labels" setting on a network too big for its canvas (pytest-qt, offscreen).

A 2-8-8-8-8-1 tanh network has 249 parameters and 33 neurons. With every label asked for, the
canvas draws each one it can in a font no smaller than show_all.SMALLEST_PX, and never lets two
of them overlap, leave the canvas or cover a neuron; what still has no room is hover-only and a
line on the canvas says so. Checked in the window at 1280 × 720 and in presentation mode with the
panel stacked under the network (the shortest canvas), and on a canvas where everything fits.
"""
from __future__ import annotations

import itertools
import math

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication
from test_gui_shapes import SHAPES, ShapeStudio

from engine.notation import fmt
from gui.canvas.show_all import SMALLEST_PX
from gui.canvas.widget import NetworkCanvas

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise|requestActivate)")

DEEP = {"hidden": (8, 8, 8, 8), "hidden_activations": ("tanh",) * 4}


def neurons(canvas: NetworkCanvas, spec) -> list[str]:
    return [f"O{layer}{j}" for layer in range(1, spec.n_layers + 1) for j in range(1, spec.sizes[layer] + 1)]


def assert_every_label_legible(canvas: NetworkCanvas, spec, digits: int) -> None:
    """No two drawn labels overlap; each is inside the canvas, off every circle, clear of the hint
    line, in a readable font, and writes its number in full; the rest are hover-only."""
    rects = {**canvas.label_rects(), **{"beside " + n: r for n, r in canvas.neuron_label_rects().items()}}
    assert rects
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), (a, b)
    r = canvas.neuron_radius()
    centres = [canvas.neuron_center(n) for n in neurons(canvas, spec)]
    hint = canvas.label_hint_rect()
    for name, rect in rects.items():
        assert canvas.rect().contains(rect.toRect()), name
        assert hint is None or not rect.intersects(hint), name
        for c in centres:
            nx, ny = min(max(c.x(), rect.left()), rect.right()), min(max(c.y(), rect.top()), rect.bottom())
            assert math.hypot(c.x() - nx, c.y() - ny) >= r, (name, c)
    assert QFontInfo(canvas.label_font()).pixelSize() >= SMALLEST_PX
    v = canvas.shown_values()
    assert set(v["params"]) == set(spec.param_names)  # every value still there, complete (hover, tooltip)
    assert set(v["forward"]) >= set(neurons(canvas, spec))
    drawn = set(canvas.label_rects())
    assert drawn | set(canvas.hover_only()) >= set(spec.param_names) and not drawn & set(canvas.hover_only())
    for name in drawn:  # the number drawn is the value behind it, as fmt writes it: never cut
        before, _, after = canvas.label_text(name).partition("\n")
        assert before == f"{name} {fmt(v['params'][name], digits)}", name
        assert after == f"→ {fmt(v['params_after'][name], digits)}", name
    for nid in canvas.neuron_label_rects():
        for line in canvas.neuron_label_text(nid).split("\n"):
            head, _, number = line.partition(" = ")
            key = head if head.startswith("Z") else nid
            assert number == fmt(v["forward"][key], digits), line


def deep_window(qtbot, window):
    window.showNormal()
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.size() == QSize(1280, 720), timeout=3000)
    window.request_setup(DEEP)
    window.controller.train_rows(2)
    window.controller.step()  # an update shown: two-line labels, the widest case
    QApplication.processEvents()
    return window.state.setup.spec


def test_show_all_on_a_4x8_network_in_a_1280x720_window_never_overlaps(qtbot, window):
    spec = deep_window(qtbot, window)
    canvas = window.canvas
    hidden = set(canvas.hover_only())
    assert canvas.label_hint() == ""  # not asked for: nothing to say
    canvas.show_all_action.trigger()
    assert canvas.show_all_labels()
    assert len(canvas.label_rects()) + len(canvas.neuron_label_rects()) > len(spec.param_names) - len(hidden)
    assert_every_label_legible(canvas, spec, window.state.precision)
    # there is no room for all 249 parameters here: the canvas says so, in a line of its own
    assert canvas.hover_only() and "enlarge the window" in canvas.label_hint()
    assert canvas.rect().contains(canvas.label_hint_rect().toRect())
    assert not canvas.grab().isNull()


def test_show_all_with_the_panel_stacked_under_the_network(qtbot, window):
    spec = deep_window(qtbot, window)
    window.presentation.set_panel("race")  # its row of inputs needs the width: stacked under the network
    window.set_presentation(True)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=3000)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.size() == QSize(1280, 720), timeout=3000)
    QApplication.processEvents()
    assert window.presentation.page.orientation() == Qt.Orientation.Vertical
    canvas = window.canvas
    assert canvas.height() < 400  # a short canvas
    canvas.set_show_all_labels(True)
    assert_every_label_legible(canvas, spec, window.state.precision)
    assert "enlarge the window" in canvas.label_hint()
    window.set_presentation(False)


def test_where_there_is_room_every_label_is_drawn_in_a_smaller_font(qtbot):
    spec = SHAPES["3-4-2 relu sigmoid bce"]
    studio = ShapeStudio(spec)
    canvas = NetworkCanvas(studio.state)
    qtbot.addWidget(canvas)
    canvas.resize(843, 482)
    studio.step()
    full = QFontInfo(canvas.label_font()).pixelSize()
    assert canvas.hover_only()
    canvas.set_show_all_labels(True)
    assert canvas.hover_only() == [] and canvas.label_hint() == ""
    assert set(canvas.label_rects()) == set(spec.param_names)
    assert SMALLEST_PX <= QFontInfo(canvas.label_font()).pixelSize() < full  # smaller, to make room
    assert_every_label_legible(canvas, spec, studio.state.precision)
    canvas.set_show_all_labels(False)
    assert QFontInfo(canvas.label_font()).pixelSize() == full
