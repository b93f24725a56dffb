"""The "Show all labels" setting on a network too big for its canvas (pytest-qt, offscreen).

A 2-8-8-8-8-1 tanh network has 249 parameters and 33 neurons. With every label asked for, the
canvas draws each one it can in a font no smaller than show_all.SMALLEST_PX, and never lets two
of them overlap, leave the canvas or cover a neuron; what still has no room is hover-only and a
line on the canvas says so. Checked in the window at 1280 × 720 and in presentation mode with the
panel stacked under the network (the shortest canvas), and on a canvas where everything fits.

A plan runs on the GUI thread, which must answer within 100 ms whatever is clicked: a plan for
that network takes well under that, and training with every label shown keeps the plan it has
(a label moves only when its number grew past its spot) instead of placing them all again.
"""
from __future__ import annotations

import itertools
import math
import time

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontInfo, QFontMetricsF
from PySide6.QtWidgets import QApplication
from test_gui_shapes import SHAPES, ShapeStudio

from engine.notation import fmt
from gui.canvas.layout import compute_layout
from gui.canvas.show_all import SMALLEST_PX, plan_all, plans_made
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


def test_a_plan_for_the_4x8_network_takes_a_fraction_of_the_event_loops_100_ms(qtbot, window):
    spec = deep_window(qtbot, window)
    canvas = window.canvas
    made = plans_made()
    start = time.thread_time()
    canvas.set_show_all_labels(True)  # the plan and the texts, on the GUI thread
    canvas.label_rects()
    switched_on = time.thread_time() - start
    assert plans_made() == made + 1
    # every label of that canvas, as the canvas asks for them (two lines: before → after), on
    # fresh layouts of its size: the best of three, so another process's load does not count
    needs = {n: ((n + " ", n), ("→ ", n)) for n in spec.param_names}
    needs.update({f"O{k}{j}": ((f"Z{k}{j} = ", f"Z{k}{j}"), (f"O{k}{j} = ", f"O{k}{j}"))
                  for k in range(1, spec.n_layers) for j in range(1, spec.sizes[k] + 1)})
    times = []
    for _ in range(3):
        lay = compute_layout(spec, canvas.width(), canvas.height(), canvas.font(), update_lines=True,
                             digits=window.state.precision)
        start = time.thread_time()
        plan = plan_all(lay, needs)
        times.append(time.thread_time() - start)
        assert plan_all(lay, needs) is plan  # asked again: kept, not placed again
    assert plans_made() == made + 4
    assert min(times) < 0.1 and switched_on < 0.2, (times, switched_on)
    assert len(plan.rects) + len(plan.missing) == len(needs) and plan.hint_rect is not None


def numbers(canvas: NetworkCanvas, digits: int) -> dict[str, list[tuple[float, int]]]:
    """What sizes each label's box (drawn or not), as the canvas writes it: a parameter's widest
    number (before and after the update), a neuron's O and, where the activation is not linear,
    Z (one line each); each as its width in the labels' font and its length."""
    fm, v = QFontMetricsF(canvas.label_font()), canvas.shown_values()

    def size(*xs: float) -> tuple[float, int]:
        texts = [fmt(x, digits) for x in xs]
        return max(fm.horizontalAdvance(t) for t in texts), max(len(t) for t in texts)

    out = {n: [size(v["params"][n], v["params_after"][n])] for n in v["params"]}
    out.update({"beside " + n: [size(x) for key, x in sorted(v["forward"].items()) if key[1:] == n[1:]]
                for n in v["forward"] if n[0] == "O"})
    return out


def test_training_with_every_label_shown_keeps_the_plan(qtbot):
    """Two epochs, a row at a time: a label moves (or gives up its spot) only when its number grew
    wider than it was, the others stay where they are, and the labels are never all placed again."""
    spec = SHAPES["2-8-8-8-8-1 tanh"]
    studio = ShapeStudio(spec)  # 12 rows: 24 steps are two epochs
    canvas = NetworkCanvas(studio.state)
    qtbot.addWidget(canvas)
    canvas.resize(1133, 500)  # the network's canvas in a 1920 × 1080 window
    studio.step()
    canvas.set_show_all_labels(True)
    digits = studio.state.precision

    def drawn() -> dict[str, object]:
        return {**canvas.label_rects(), **{"beside " + n: r for n, r in canvas.neuron_label_rects().items()}}

    before, sizes = drawn(), numbers(canvas, digits)
    made = plans_made()
    assert len(before) > 20
    still = 0
    for _ in range(24):
        studio.step()
        now, new_sizes = drawn(), numbers(canvas, digits)
        for name, rect in before.items():
            if now.get(name) == rect:
                still += 1
            else:  # moved, or hidden for want of room: only because a number in it grew
                assert any(w1 > w0 or n1 > n0 for (w0, n0), (w1, n1) in zip(sizes[name], new_sizes[name])), name
        before, sizes = now, new_sizes
    assert plans_made() == made
    assert still > 0.9 * 24 * len(before)  # nearly every label stays put
    assert_every_label_legible(canvas, spec, digits)
