"""Every label at once ("Show all labels"): where each goes so that none covers another, none
leaves the canvas and none covers a neuron, in the biggest font that lets them all fit.

A big network has hundreds of numbers (a 2-8-8-8-8-1 net: 216 weights, 33 biases, and the
values of neurons too small to hold them). `plan_all` looks for the biggest font size, from the
labels' own down to SMALLEST_PX (still readable), at which every label finds a free spot: along
its edge (as an edge label normally sits), else beside its circle (biases, neuron values), else
the nearest free spot within reach (the painter draws a leader line back to the edge). When
even the smallest size leaves some without a spot, those stay hover-only and a line at the
bottom of the canvas (`hint_rect`) says how many, and that a bigger window shows them: never
an overlap, never a number cut short.

A plan runs on the GUI thread, so it must stay short (tens of ms for ~300 labels): the sizes
tried are few (the labels' total area rules out the big ones; then the biggest that fits first,
the smallest next, and a bisection between them only when the smallest fits and the biggest
does not); each try fails at its first label without a spot; free spots far from an edge are
found on an occupancy grid kept up to date as labels are placed (gui.canvas.occupancy). Plans
are kept in the layout, per set of labels asked for. A new layout of the same geometry (in
training the numbers' rooms change from row to row; the selection moves) carries the plan of the
one it replaced over: a label that still fits its old spot keeps it, and one whose number grew
past it alone is placed anew (or, when some have no room already, joins them), so in training
the labels stay put and the whole set is placed again only when too many lost their spot.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from gui.canvas.geometry import boxes_hit_circles, boxes_hit_rects, rect_array
from gui.canvas.labels import circle_array, search_slot
from gui.canvas.layout import PILL_PAD, CanvasLayout, font, value_width
from gui.canvas.occupancy import Occupancy

SMALLEST_PX = 10  # labels are never drawn smaller than this to fit them all
FILL_LIMIT = 0.5  # labels needing more than this share of the free canvas cannot all be placed
REACH = 16  # a label away from its edge or circle goes at most this many label heights from it

# name → its lines, each (the text before the number, whose number room: a key of `lay.rooms`)
Needs = dict[str, tuple[tuple[str, str], ...]]
Sizes = dict[str, tuple[float, float]]

_made = 0  # plans placed from scratch in this process (`plans_made`)


def plans_made() -> int:
    """How many plans have been placed from scratch so far (a plan kept from an earlier layout,
    or found in the layout's cache, is not counted): what re-planning costs, for tests."""
    return _made


@dataclass
class Plan:
    font: QFont  # every label's font
    rects: dict[str, QRectF] = field(default_factory=dict)  # name (W…, b…, or a neuron 'O11') → its box
    anchors: dict[str, QPointF] = field(default_factory=dict)  # W name → the point of its edge it labels
    missing: tuple[str, ...] = ()  # no free spot even at SMALLEST_PX: hover-only
    hint_rect: QRectF | None = None  # where the canvas says so (only when something is missing)
    needs: Needs = field(default_factory=dict)  # what it places
    scene: tuple = ()  # the geometry it was placed on (`scene_key`)
    fresh_missing: int = 0  # how many were missing when it was last placed from scratch


def plan_all(lay: CanvasLayout, needs: Needs, first: tuple[str, ...] = ()) -> Plan:
    """Where every label of `needs` goes, those in `first` (the selected one, the step-through's
    path) before the others: they are the ones sure of a place. Cached in the layout; a plan of
    the layout this one replaced is carried over while it still holds (`carried`)."""
    key = (first, tuple(sorted(needs.items())))
    plan = lay.plans.get(key)
    if plan is None:
        plan = next(filter(None, (carried(lay, p, needs, first) for p in reversed(lay.earlier))), None)
        if plan is None:
            plan = fresh_plan(lay, needs, first)
        lay.plans[key] = plan
    return plan


def fresh_plan(lay: CanvasLayout, needs: Needs, first: tuple[str, ...]) -> Plan:
    """The biggest size at which every label has a spot (greedy placement gets no easier as the
    labels grow, so fewer sizes are tried than there are): the biggest the labels' total area
    allows, else the smallest, else the biggest that works between the two."""
    global _made
    _made += 1
    full = lay.label_font.pixelSize()
    low = min(full, SMALLEST_PX)
    high = full
    if not fits_at_all(lay, box_sizes(lay, needs, high)):
        lo, hi = low - 1, high  # the area bound, by bisection: fits at lo (or lo is below low), not at hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if fits_at_all(lay, box_sizes(lay, needs, mid)) else (lo, mid)
        high = lo
    if high < low:  # even the smallest size leaves too little room: no try can place them all
        return place(lay, needs, box_sizes(lay, needs, low), low, first, strict=False)
    plan = place(lay, needs, box_sizes(lay, needs, high), high, first, strict=True)
    if plan is not None or high == low:
        return plan or place(lay, needs, box_sizes(lay, needs, low), low, first, strict=False)
    best = place(lay, needs, box_sizes(lay, needs, low), low, first, strict=False)
    if best.missing:
        return best
    lo, hi = low, high  # every label fits at lo, not at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        plan = place(lay, needs, box_sizes(lay, needs, mid), mid, first, strict=True)
        if plan is None:
            hi = mid
        else:
            lo, best = mid, plan
    return best


def scene_key(lay: CanvasLayout) -> tuple:
    """What a plan's spots depend on besides the labels' sizes: the circles, the boxes, where
    labels may go, the labels' own size, and the precision (fewer digits asked for: the labels
    are placed again, more of them may fit)."""
    key = lay.cache.get("scene")
    if key is None:
        b = lay.bounds
        key = lay.cache["scene"] = (lay.label_font.pixelSize(), lay.digits, (b.left(), b.top(), b.width(), b.height()),
                                    circle_array(lay).tobytes(), rect_array(fixed_boxes(lay)).tobytes())
    return key


def carried(lay: CanvasLayout, plan: Plan, needs: Needs, first: tuple[str, ...]) -> Plan | None:
    """`plan`, made for an earlier layout, on this one: only on the same geometry, for the same
    labels, with every label of `first` placed. A label no bigger than its old spot at the plan's
    size keeps it (drawn centred in it); one whose number grew past it is placed anew around the
    others, which do not move (None when one finds no spot: then a fresh plan is needed)."""
    if plan.needs != needs or plan.scene != scene_key(lay) or any(n not in plan.rects for n in first if n in needs):
        return None
    sizes = box_sizes(lay, needs, plan.font.pixelSize())
    grown = [n for n, r in plan.rects.items() if sizes[n][0] > r.width() + 1e-6 or sizes[n][1] > r.height() + 1e-6]
    if not grown:
        return plan
    new = Plan(plan.font, needs=needs, scene=plan.scene, hint_rect=plan.hint_rect, fresh_missing=plan.fresh_missing)
    placer = Placer(lay, new)
    for name, rect in plan.rects.items():
        if name not in grown:
            placer.put(name, rect)
    missing = list(plan.missing)
    for name in sorted(grown, key=lambda n: n not in first):
        w, h = sizes[name]
        rect = spot(lay, name, w, h, placer.taken(), placer.bounds, placer.grid)
        if rect is not None:
            placer.put(name, rect)
        elif plan.hint_rect is None or name in first:  # every label was placed, or this one must be
            return None
        else:  # some have no room already: one more joins them (the hint says how many)
            missing.append(name)
    if len(missing) > plan.fresh_missing + max(3, len(needs) // 25):
        return None  # too many lost since the last fresh plan: a new one places them better
    new.missing = tuple(missing)
    new.anchors = {n: (plan.anchors[n] if n not in grown else nearest_on(lay.edges[n], r.center()))
                   for n, r in new.rects.items() if n[0] == "W"}
    return new


def box_sizes(lay: CanvasLayout, needs: Needs, px: int) -> Sizes:
    """Each label's box at `px`: as wide as its widest line with the number's room (the layout's
    rooms are whole digits of the layout's label font: the same count of digits at `px`)."""
    metrics = lay.cache.get(("metrics", px))
    if metrics is None:  # kept in the layout: the heads' widths are measured once per size
        fm, old = QFontMetricsF(font(lay.label_font, px)), QFontMetricsF(lay.label_font)
        digit_old = max(old.horizontalAdvance(ch) for ch in "0123456789")
        digit = max(fm.horizontalAdvance(ch) for ch in "0123456789")
        metrics = lay.cache[("metrics", px)] = (fm, digit, digit_old, value_width(fm, lay.digits), {})
    fm, digit, digit_old, widest, heads = metrics
    line_h = fm.height()

    def width(head: str, key: str) -> float:
        if head not in heads:
            heads[head] = fm.horizontalAdvance(head)
        if key not in lay.rooms:
            return heads[head] + widest
        return heads[head] + math.ceil(lay.rooms[key] / digit_old - 1e-9) * digit

    return {name: (max(width(head, k) for head, k in lines) + PILL_PAD + 2, line_h * len(lines) + 4)
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


class Placer:
    """Labels being placed for `plan`: where they may go (the canvas, above the hint line when the
    plan has one), and what they must not cover (the input and target boxes, those placed)."""

    def __init__(self, lay: CanvasLayout, plan: Plan):
        self.plan = plan
        self.bounds = QRectF(lay.bounds)
        if plan.hint_rect is not None:
            self.bounds.setBottom(plan.hint_rect.top() - 2)
        b = self.bounds
        fixed = rect_array(fixed_boxes(lay))
        self.grid = Occupancy((b.left(), b.top(), b.width(), b.height()), circle_array(lay), fixed)
        self.placed = np.empty((len(fixed) + len(plan.needs), 4))  # rows of left, top, right, bottom
        self.placed[:len(fixed)] = fixed
        self.count = len(fixed)

    def taken(self) -> np.ndarray:
        return self.placed[:self.count]

    def put(self, name: str, rect: QRectF) -> None:
        self.plan.rects[name] = rect
        row = self.placed[self.count]
        row[:] = rect.left(), rect.top(), rect.right(), rect.bottom()
        self.count += 1
        self.grid.mark(*row)


def place(lay: CanvasLayout, needs: Needs, sizes: Sizes, px: int, first: tuple[str, ...],
          strict: bool) -> Plan | None:
    """Place every label at `px`: `first`, then neurons' values, biases, weights (None, when
    `strict`, as soon as one finds no spot). At the layout's own size the labels that already
    have their own place keep it."""
    plan = Plan(font(lay.label_font, px), needs=needs, scene=scene_key(lay))
    if not strict:  # a line at the bottom says what has no room
        b, hint_h = lay.bounds, QFontMetricsF(plan.font).height() + 6
        plan.hint_rect = QRectF(b.left() + 4, b.bottom() - hint_h - 2, b.width() - 8, hint_h)
    placer = Placer(lay, plan)
    own = own_spots(lay)
    if px == lay.label_font.pixelSize():
        for name, rect in own.items():
            w, h = sizes.get(name, (1e9, 1e9))
            if rect.width() >= w - 0.5 and rect.height() >= h - 0.5 and placer.bounds.contains(rect):
                placer.put(name, QRectF(rect))
    missing = []
    # those with a place of their own without "show all" next: turning it on never hides one
    kind = {"O": 0, "b": 1}
    order = [n for n in first if n in needs] + sorted(needs, key=lambda n: (n not in own, kind.get(n[0], 2)))
    for name in order:
        if name in plan.rects:
            continue
        w, h = sizes[name]
        rect = spot(lay, name, w, h, placer.taken(), placer.bounds, placer.grid)
        if rect is None:
            if strict:
                return None
            missing.append(name)
            continue
        placer.put(name, rect)
    for name, rect in plan.rects.items():
        if name[0] == "W":
            plan.anchors[name] = nearest_on(lay.edges[name], rect.center())
    plan.missing = tuple(missing)
    plan.fresh_missing = len(missing)
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


def spot(lay: CanvasLayout, name: str, w: float, h: float, placed: np.ndarray, bounds: QRectF,
         grid: Occupancy) -> QRectF | None:
    """A free w × h box for label `name`: on its edge (a weight) or touching its circle (a bias,
    a neuron's value), else the free box nearest to that within REACH label heights, else None.
    `placed`: the boxes it must not cover (rows of left, top, right, bottom)."""
    if name[0] == "W":
        rect = search_slot(lay, name, placed, boxes=False, size=(w, h), bounds=bounds)
        if rect is not None:
            return rect
        near = lay.anchors[name]
    else:
        nid = "O" + name[1:]
        near = lay.centers[nid]
        boxes = beside(lay, nid, w, h, bias=name[0] == "b")
        ok = ((boxes[:, 0] >= bounds.left()) & (boxes[:, 2] <= bounds.right())
              & (boxes[:, 1] >= bounds.top()) & (boxes[:, 3] <= bounds.bottom()))
        ok[ok] = ~boxes_hit_circles(boxes[ok], circle_array(lay))
        ok[ok] = ~boxes_hit_rects(boxes[ok], placed)
        free = np.flatnonzero(ok)
        if free.size:
            left, top = boxes[free[0], :2]
            return QRectF(float(left), float(top), w, h)
    found = grid.nearest(near.x(), near.y(), w, h, REACH * h)
    return None if found is None else QRectF(found[0], found[1], w, h)


def beside(lay: CanvasLayout, nid: str, w: float, h: float, bias: bool) -> np.ndarray:
    """Boxes touching neuron `nid`'s circle, in the order they are tried (rows of left, top, right,
    bottom): as gui.canvas.labels.side_spots (away from the bias label first), and for a bias its
    usual place before them: above the neuron in the upper half, below it in the lower."""
    c, r = lay.centers[nid], lay.radius
    x, y = c.x(), c.y()
    below, above = (x - w / 2, y + r + 3), (x - w / 2, y - r - 3 - h)
    upper = lay.bias_rects["b" + nid[1:]].center().y() < y
    tops = ([above] if bias and upper else [below] if bias else []) + ([below, above] if upper else [above, below])
    tops += [(x + r + 3, y - h / 2), (x - r - 3 - w, y - h / 2)]
    boxes = np.array(tops, dtype=float)
    return np.concatenate([boxes, boxes + (w, h)], axis=1)


def nearest_on(segment: tuple[QPointF, QPointF], p: QPointF) -> QPointF:
    a, b = segment
    dx, dy = b.x() - a.x(), b.y() - a.y()
    t = ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / max(1e-12, dx * dx + dy * dy)
    t = min(1.0, max(0.0, t))
    return QPointF(a.x() + t * dx, a.y() + t * dy)
