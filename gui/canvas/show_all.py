"""Every label at once ("Show all labels"): where each goes so that none covers another, none
leaves the canvas and none covers a neuron, in the biggest font that lets them all fit.

A big network has hundreds of numbers (a 2-8-8-8-8-1 net: 216 weights, 33 biases, and the
values of neurons too small to hold them). `plan_all` tries the labels' own font size, then
smaller ones down to SMALLEST_PX (still readable), and keeps the first size at which every
label finds a free spot: along its edge (as an edge label normally sits), else beside its
circle (biases, neuron values), else the nearest free spot within reach (the painter draws
a leader line back to the edge). When even the smallest size leaves some without a spot,
those stay hover-only and a line at the bottom of the canvas (`hint_rect`) says how many,
and that a bigger window shows them: never an overlap, never a number cut short.

Free spots far from the edge are found on an occupancy grid (a summed-area table answers
"is this w × h box empty?" for every position at once), so a plan for ~300 labels takes a
fraction of a second; plans are kept in the layout, per set of labels asked for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from gui.canvas.geometry import boxes_hit_circles, boxes_hit_rects, rect_array
from gui.canvas.labels import circle_array, search_slot, side_spots
from gui.canvas.layout import PILL_PAD, CanvasLayout, font, value_width

SMALLEST_PX = 10  # labels are never drawn smaller than this to fit them all
FILL_LIMIT = 0.5  # labels needing more than this share of the free canvas cannot all be placed
REACH = 16  # a label away from its edge or circle goes at most this many label heights from it
CELL = 3.0  # px per cell of the occupancy grid

# name → its lines, each (the text before the number, whose number room: a key of `lay.rooms`)
Needs = dict[str, tuple[tuple[str, str], ...]]


@dataclass
class Plan:
    font: QFont  # every label's font
    rects: dict[str, QRectF] = field(default_factory=dict)  # name (W…, b…, or a neuron 'O11') → its box
    anchors: dict[str, QPointF] = field(default_factory=dict)  # W name → the point of its edge it labels
    missing: tuple[str, ...] = ()  # no free spot even at SMALLEST_PX: hover-only
    hint_rect: QRectF | None = None  # where the canvas says so (only when something is missing)


def plan_all(lay: CanvasLayout, needs: Needs, first: tuple[str, ...] = ()) -> Plan:
    """Where every label of `needs` goes, those in `first` (the selected one, the step-through's
    path) before the others: they are the ones sure of a place. Cached in the layout."""
    key = (first, tuple(sorted(needs.items())))
    plan = lay.plans.get(key)
    if plan is None:
        full = lay.label_font.pixelSize()
        for px in range(full, min(full, SMALLEST_PX) - 1, -1):
            sizes = box_sizes(lay, needs, px)
            if fits_at_all(lay, sizes):
                plan = place(lay, needs, sizes, px, first, strict=True)
                if plan is not None:
                    break
        if plan is None:
            px = min(full, SMALLEST_PX)
            plan = place(lay, needs, box_sizes(lay, needs, px), px, first, strict=False)
        lay.plans[key] = plan
    return plan


def box_sizes(lay: CanvasLayout, needs: Needs, px: int) -> dict[str, tuple[float, float]]:
    """Each label's box at `px`: as wide as its widest line with the number's room (the layout's
    rooms are whole digits of the layout's label font: the same count of digits at `px`)."""
    f = font(lay.label_font, px)
    fm, old = QFontMetricsF(f), QFontMetricsF(lay.label_font)
    digit_old = max(old.horizontalAdvance(ch) for ch in "0123456789")
    digit = max(fm.horizontalAdvance(ch) for ch in "0123456789")
    widest = value_width(fm, lay.digits)

    def room(key: str) -> float:
        if key not in lay.rooms:
            return widest
        return math.ceil(lay.rooms[key] / digit_old - 1e-9) * digit

    return {name: (max(fm.horizontalAdvance(head) + room(k) for head, k in lines) + PILL_PAD + 2,
                   fm.height() * len(lines) + 4)
            for name, lines in needs.items()}


def fits_at_all(lay: CanvasLayout, sizes: dict[str, tuple[float, float]]) -> bool:
    """A quick bound: can the labels' total area fit in the free part of the canvas? (A greedy
    placement needs slack: FILL_LIMIT of it.)"""
    b = lay.bounds
    free = b.width() * b.height() - len(lay.centers) * math.pi * (lay.radius + 2) ** 2
    free -= sum(r.width() * r.height() for r in fixed_boxes(lay))
    return sum(w * h for w, h in sizes.values()) <= FILL_LIMIT * max(0.0, free)


def fixed_boxes(lay: CanvasLayout) -> list[QRectF]:
    return [*lay.input_rects.values(), *([lay.target_rect] if lay.target_rect is not None else [])]


def place(lay: CanvasLayout, needs: Needs, sizes: dict[str, tuple[float, float]], px: int,
          first: tuple[str, ...], strict: bool) -> Plan | None:
    """Place every label at `px`: `first`, then neurons' values, biases, weights (None, when
    `strict`, as soon as one finds no spot). At the layout's own size the labels that already
    have their own place keep it."""
    plan = Plan(font(lay.label_font, px))
    fm = QFontMetricsF(plan.font)
    bounds = QRectF(lay.bounds)
    if not strict:  # a line at the bottom says what has no room
        hint_h = fm.height() + 6
        plan.hint_rect = QRectF(bounds.left() + 4, bounds.bottom() - hint_h - 2, bounds.width() - 8, hint_h)
        bounds.setBottom(plan.hint_rect.top() - 2)
    grid = Occupancy(bounds, lay, fixed_boxes(lay) + ([plan.hint_rect] if plan.hint_rect else []))
    placed: list[QRectF] = [*fixed_boxes(lay)]
    if px == lay.label_font.pixelSize():
        for name, rect in own_spots(lay).items():
            w, h = sizes.get(name, (1e9, 1e9))
            if rect.width() >= w - 0.5 and rect.height() >= h - 0.5 and bounds.contains(rect):
                plan.rects[name] = QRectF(rect)
    for rect in plan.rects.values():
        placed.append(rect)
        grid.mark(rect)
    missing = []
    # those with a place of their own without "show all" next: turning it on never hides one
    own = own_spots(lay)
    kind = {"O": 0, "b": 1}
    order = [n for n in first if n in needs] + sorted(needs, key=lambda n: (n not in own, kind.get(n[0], 2)))
    for name in order:
        if name in plan.rects:
            continue
        w, h = sizes[name]
        rect = spot(lay, name, w, h, placed, bounds, grid)
        if rect is None:
            if strict:
                return None
            missing.append(name)
            continue
        plan.rects[name] = rect
        placed.append(rect)
        grid.mark(rect)
    for name, rect in plan.rects.items():
        if name[0] == "W":
            plan.anchors[name] = nearest_on(lay.edges[name], rect.center())
    plan.missing = tuple(missing)
    if not missing:
        plan.hint_rect = None
    return plan


def own_spots(lay: CanvasLayout) -> dict[str, QRectF]:
    """The places labels have without "show all" (edge labels with room, biases, big-text Z labels)."""
    spots = dict(lay.label_rects)
    if lay.bias_visible:
        spots.update(lay.bias_rects)
    spots.update({nid: r for nid, r in lay.side_rects.items()})
    return spots


def spot(lay: CanvasLayout, name: str, w: float, h: float, placed: list[QRectF], bounds: QRectF,
         grid: Occupancy) -> QRectF | None:
    """A free w × h box for label `name`: on its edge (a weight) or touching its circle (a bias,
    a neuron's value), else the free box nearest to that within REACH label heights, else None."""
    if name[0] == "W":
        rect = search_slot(lay, name, placed, boxes=False, size=(w, h), bounds=bounds)
        if rect is not None:
            return rect
        near = lay.anchors[name]
    else:
        nid = "O" + name[1:]
        c, r = lay.centers[nid], lay.radius
        tries = side_spots(lay, nid, w, h)
        if name[0] == "b":  # the bias's usual place first: above the neuron in the upper half
            upper = lay.bias_rects[name].center().y() < c.y()
            tries.insert(0, QRectF(c.x() - w / 2, c.y() - r - 3 - h if upper else c.y() + r + 3, w, h))
        boxes = rect_array(tries)
        ok = ~boxes_hit_circles(boxes, circle_array(lay)) & ~boxes_hit_rects(boxes, rect_array(placed))
        for rect, free in zip(tries, ok):
            if free and bounds.contains(rect):
                return rect
        near = c
    return grid.nearest(near, w, h, REACH * h)


def nearest_on(segment: tuple[QPointF, QPointF], p: QPointF) -> QPointF:
    a, b = segment
    dx, dy = b.x() - a.x(), b.y() - a.y()
    t = ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / max(1e-12, dx * dx + dy * dy)
    t = min(1.0, max(0.0, t))
    return QPointF(a.x() + t * dx, a.y() + t * dy)


class Occupancy:
    """What is taken inside `bounds` (circles, boxes, placed labels) on a grid of CELL px, marked
    generously (a cell touched at all is taken): a box over free cells only is truly free."""

    def __init__(self, bounds: QRectF, lay: CanvasLayout, boxes: list[QRectF]):
        self.x0, self.y0 = bounds.left(), bounds.top()
        self.nx, self.ny = max(0, int(bounds.width() // CELL)), max(0, int(bounds.height() // CELL))
        self.taken = np.zeros((self.ny, self.nx), dtype=bool)
        cx = self.x0 + (np.arange(self.nx) + 0.5) * CELL
        cy = self.y0 + (np.arange(self.ny) + 0.5) * CELL
        reach = lay.radius + 2 + CELL * 0.75  # a cell whose centre is this close may touch the circle
        for c in lay.centers.values():
            self.taken |= np.hypot(cx[None, :] - c.x(), cy[:, None] - c.y()) < reach
        for rect in boxes:
            self.mark(rect)

    def mark(self, rect: QRectF) -> None:
        i0 = max(0, math.floor((rect.left() - self.x0) / CELL))
        i1 = min(self.nx, math.ceil((rect.right() - self.x0) / CELL))
        j0 = max(0, math.floor((rect.top() - self.y0) / CELL))
        j1 = min(self.ny, math.ceil((rect.bottom() - self.y0) / CELL))
        if i1 > i0 and j1 > j0:
            self.taken[j0:j1, i0:i1] = True

    def nearest(self, near: QPointF, w: float, h: float, reach: float) -> QRectF | None:
        """The free w × h box (on the grid) whose centre is nearest to `near`, within `reach`; or None."""
        cw, ch = math.ceil(w / CELL), math.ceil(h / CELL)
        if cw > self.nx or ch > self.ny:
            return None
        sat = np.zeros((self.ny + 1, self.nx + 1), dtype=np.int32)
        sat[1:, 1:] = self.taken.cumsum(axis=0).cumsum(axis=1)
        count = sat[ch:, cw:] - sat[:-ch, cw:] - sat[ch:, :-cw] + sat[:-ch, :-cw]  # taken cells under each box
        js, is_ = np.nonzero(count == 0)
        if js.size == 0:
            return None
        left, top = self.x0 + is_ * CELL, self.y0 + js * CELL
        d = np.hypot(left + w / 2 - near.x(), top + h / 2 - near.y())
        k = int(np.argmin(d))
        if d[k] > reach:
            return None
        return QRectF(float(left[k]), float(top[k]), w, h)
