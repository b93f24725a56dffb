"""Where the canvas' labels go: pure placement on a computed layout (gui.canvas.layout).

Edge labels sit on or beside their edge at a spot that covers no circle, box or other label;
an edge without such a spot is labelled only when forced (selected, hovered, on the
step-through's path, or every label when the user asks to see them all), at `forced_rect`,
which still never covers a circle. A neuron's value that has no room in its circle (or its
Z line when the text must be big) goes into a label beside the circle (`side_rect`).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from gui.canvas.geometry import (
    boxes_hit_circles,
    boxes_hit_rects,
    boxes_to_segments,
    points_to_segments,
    rect_array,
    rect_circle,
)

if TYPE_CHECKING:
    from gui.canvas.layout import CanvasLayout

_CANDIDATES = tuple(0.5 + d for k in range(8) for d in ((0.05 * k, -0.05 * k) if k else (0.0,)))  # along an edge
_GRID = np.array(sorted(((dx, dy) for dx in range(-40, 41) for dy in range(-40, 41)), key=lambda d: math.hypot(*d)),
                 dtype=float)  # spots around a point, nearest first
_RINGS = ((0, 441), (441, 2601), (2601, _GRID.shape[0]))  # searched in this order (within 10, 25, 40 steps)
_TS = np.array(_CANDIDATES)[:, None]


def layer_of(name: str) -> int:
    """'W211' / 'b21' / 'O21' → 2."""
    return int(name[1])


def circle_array(lay: CanvasLayout, pad: float = 2.0) -> np.ndarray:
    """(n, 3) x, y, r of every neuron's circle grown by `pad` (kept in the layout: placing every
    label asks for it hundreds of times)."""
    key = ("circles", pad)
    if key not in lay.cache:
        lay.cache[key] = np.array([[c.x(), c.y(), lay.radius + pad] for c in lay.centers.values()],
                                  dtype=float).reshape(-1, 3)
    return lay.cache[key]


def layer_segments(lay: CanvasLayout, name: str) -> np.ndarray:
    """(m, 2, 2) the other edges of edge `name`'s layer (kept per layer in the layout)."""
    layer = layer_of(name)
    key = ("segments", layer)
    if key not in lay.cache:
        names = lay.by_layer[layer]
        segs = np.array([[[a.x(), a.y()], [e.x(), e.y()]] for a, e in (lay.edges[n] for n in names)], dtype=float)
        lay.cache[key] = ({n: k for k, n in enumerate(names)}, segs.reshape(-1, 2, 2))
    index, segs = lay.cache[key]
    return np.delete(segs, index[name], axis=0) if name in index else segs


def place_edge_labels(lay: CanvasLayout, names: list[str], first: frozenset[str]) -> None:
    """Each edge label goes to the spot along its edge that overlaps no box, circle or other
    label, preferring spots clear of the layer's other edges, then the middle. Edges without
    such a spot (or every edge of a big net) get a label only when forced (`forced_rect`)."""
    for n in names:
        lay.by_layer.setdefault(layer_of(n), []).append(n)
    names = sorted(names, key=lambda n: n not in first)  # the step-through's path labels first
    placed: list[QRectF] = []
    unplaced = []
    for name in names:
        found = search_slot(lay, name, placed) if lay.edge_labels else None
        if found is not None:
            lay.anchors[name] = found.center()  # clicking it hits the label first
            lay.label_rects[name] = found
            placed.append(found)
        else:
            unplaced.append(name)
    # the click spot of an unlabelled edge: on the edge, not on anything hit before an edge
    # (a label, a bias label, a neuron, a box), and farthest from the layer's other edges
    # (every unlabelled edge of a layer at once: a big net has hundreds)
    ts = np.array(_CANDIDATES)
    centers = np.array([[c.x(), c.y()] for c in lay.centers.values()]).reshape(-1, 2)
    blockers = rect_array(placed + lay.boxes)
    todo = set(unplaced)
    for layer_names in lay.by_layer.values():
        names_here = [n for n in layer_names if n in todo]
        if not names_here:
            continue
        segs = np.array([[[a.x(), a.y()], [e.x(), e.y()]] for a, e in (lay.edges[n] for n in layer_names)])
        rows = np.array([layer_names.index(n) for n in names_here])
        pts = segs[rows, None, 0] + ts[None, :, None] * (segs[rows, None, 1] - segs[rows, None, 0])  # (k, t, 2)
        if len(layer_names) > 1:
            d = points_to_segments(pts.reshape(-1, 2), segs).reshape(len(rows), ts.size, -1)
            d[np.arange(len(rows)), :, rows] = np.inf  # an edge's distance to itself does not count
            sep = d.min(axis=2)
        else:
            sep = np.broadcast_to(1e9 - np.abs(ts - 0.5), (len(rows), ts.size)).copy()  # prefer the middle
        flat = pts.reshape(-1, 2)
        near2 = ((flat[:, None, :] - centers[None]) ** 2).sum(axis=2).min(axis=1, initial=np.inf)
        inside = near2 <= (lay.radius + 2) ** 2
        if blockers.size:
            b = blockers[None]
            inside |= ((flat[:, None, 0] >= b[..., 0]) & (flat[:, None, 0] <= b[..., 2])
                       & (flat[:, None, 1] >= b[..., 1]) & (flat[:, None, 1] <= b[..., 3])).any(axis=1)
        sep[inside.reshape(sep.shape)] = -1.0
        best = np.argmax(sep, axis=1)
        for k, name in enumerate(names_here):
            lay.anchors[name] = QPointF(*pts[k, best[k]])


def search_slot(lay: CanvasLayout, name: str, placed: list[QRectF] | np.ndarray, boxes: bool = True,
                size: tuple[float, float] | None = None, bounds: QRectF | None = None) -> QRectF | None:
    """The best free label box along edge `name` (clear of circles, and of boxes and `placed`), or None.
    Every candidate spot is tested at once. `placed`: boxes, or their (m, 4) `rect_array`; `size`
    (w, h): a box other than the layout's label (show all labels, smaller font); `bounds`: where
    it may go (default the layout's)."""
    tw, th = size or (lay.label_w[name], lay.label_h)
    p0, p1 = lay.edges[name]
    x0, y0, dx, dy = p0.x(), p0.y(), p1.x() - p0.x(), p1.y() - p0.y()
    length = max(1e-6, math.hypot(dx, dy))
    nx, ny = -dy / length, dx / length  # unit normal
    # offsets across the edge: on it, beside it (still touching), and for a slanted
    # edge further out while the line still crosses the label's box
    reach = (tw / 2) * abs(dy) / length + (th / 2) * abs(dx) / length  # farther than this, the box misses the line
    offsets = [0.0, th / 2 - 3, -(th / 2 - 3)]
    if 0.55 * reach > th / 2:
        offsets += [0.55 * reach, -0.55 * reach]
    offs = np.array(offsets)
    left = (x0 - tw / 2 + dx * _TS + nx * offs).ravel()  # t-major, as the scores' tie-break
    top = (y0 - th / 2 + dy * _TS + ny * offs).ravel()
    b = bounds or lay.bounds
    free = np.flatnonzero((left >= b.left()) & (left + tw <= b.right()) & (top >= b.top()) & (top + th <= b.bottom()))
    if not free.size:
        return None
    cand = np.stack([left[free], top[free], left[free] + tw, top[free] + th], axis=1)
    blockers = placed if isinstance(placed, np.ndarray) else rect_array(placed)
    if boxes:
        blockers = np.concatenate([rect_array(lay.boxes), blockers])
    for hits in (lambda c: boxes_hit_rects(c, blockers), lambda c: boxes_hit_circles(c, circle_array(lay))):
        keep = ~hits(cand)  # each test on the spots left by the one before
        free, cand = free[keep], cand[keep]
        if not free.size:
            return None
    # only the free spots are scored (in their order: the first best wins, as over all of them)
    sep = np.minimum(boxes_to_segments(cand, layer_segments(lay, name)), 1e9)
    clear = 0.25 * th  # this much room from other edges is "clear"; more earns nothing
    ts, ks = np.divmod(free, offs.size)
    score = np.minimum(sep, clear) * 100 - np.abs(_TS[ts, 0] - 0.5) - np.abs(offs[ks]) / th
    k = int(np.argmax(score))
    return QRectF(float(cand[k, 0]), float(cand[k, 1]), tw, th)


def forced_rect(lay: CanvasLayout, name: str) -> QRectF:
    """Where an edge label without a place of its own goes when it must be shown: along its
    edge clear of everything (other forced labels too) if possible, else clear of circles and
    boxes, else the nearest spot to its click point that covers no circle. Computed on first
    use, kept in the layout."""
    rect = lay.forced_rects.get(name)
    if rect is None:
        taken = [*lay.label_rects.values(), *lay.forced_rects.values()]
        rect = search_slot(lay, name, taken) or search_slot(lay, name, [])
        if rect is None:
            rect = free_spot(lay, lay.anchors[name], lay.label_w[name], lay.label_h, [*taken, *lay.boxes])
        lay.forced_rects[name] = rect
    return rect


def forced_bias_rect(lay: CanvasLayout, name: str) -> QRectF:
    """A bias label shown although bias labels do not fit: its own place if that covers no
    circle, else the nearest spot that covers none."""
    rect = lay.bias_rects[name]
    if lay.bounds.contains(rect) and not any(rect_circle(rect, cc, cr) for cc, cr in lay.circles()):
        return rect
    key = "forced:" + name
    if key not in lay.forced_rects:
        avoid = [*lay.label_rects.values(), *lay.input_rects.values(), *lay.forced_rects.values()]
        lay.forced_rects[key] = free_spot(lay, rect.center(), rect.width(), rect.height(), avoid)
    return lay.forced_rects[key]


def side_spots(lay: CanvasLayout, nid: str, w: float, h: float) -> list[QRectF]:
    """Boxes touching neuron `nid`'s circle: on the side away from its bias label first (below it
    in the upper half), then the other side, right, left."""
    c, r = lay.centers[nid], lay.radius
    below = QRectF(c.x() - w / 2, c.y() + r + 3, w, h)
    above = QRectF(c.x() - w / 2, c.y() - r - 3 - h, w, h)
    upper = lay.bias_rects["b" + nid[1:]].center().y() < c.y()
    sides = [QRectF(c.x() + r + 3, c.y() - h / 2, w, h), QRectF(c.x() - r - 3 - w, c.y() - h / 2, w, h)]
    return ([below, above] if upper else [above, below]) + sides


def place_side(lay: CanvasLayout, nid: str, w: float, h: float, avoid: list[QRectF]) -> QRectF | None:
    """A free box beside neuron `nid` (inside the canvas, on no circle and none of `avoid`), or None."""
    circles = lay.circles()
    for rect in side_spots(lay, nid, w, h):
        if (lay.bounds.contains(rect) and not any(rect_circle(rect, cc, cr) for cc, cr in circles)
                and not any(rect.intersects(o) for o in avoid)):
            return rect
    return None


def side_rect(lay: CanvasLayout, nid: str, w: float, h: float) -> QRectF:
    """Where neuron `nid`'s value goes when it has no room in its circle and must be shown: a
    free spot beside it if there is one, else the nearest spot that covers no circle. Kept."""
    key = "side:" + nid
    rect = lay.side_rects.get(nid) or lay.forced_rects.get(key)
    if rect is None or rect.width() < w or rect.height() < h:
        avoid = [*lay.label_rects.values(), *lay.boxes, *lay.forced_rects.values(), *lay.side_rects.values()]
        rect = place_side(lay, nid, w, h, avoid) or free_spot(lay, lay.centers[nid], w, h, avoid)
        lay.forced_rects[key] = rect
    return rect


def free_spot(lay: CanvasLayout, near: QPointF, w: float, h: float, avoid: list[QRectF] = ()) -> QRectF:
    """The w × h box nearest to `near` (inside the canvas) that covers no neuron circle, and
    none of `avoid` if there is such a spot (vectorised over a grid of spots, nearest ring of
    spots first: most searches end in the first)."""
    step = max(4.0, h / 2)
    b = lay.bounds
    circles, rects = circle_array(lay), rect_array(avoid)
    first_ok = None
    for lo, hi in _RINGS:
        left = near.x() + _GRID[lo:hi, 0] * step - w / 2
        top = near.y() + _GRID[lo:hi, 1] * step - h / 2
        ok = (left >= b.left()) & (top >= b.top()) & (left + w <= b.right()) & (top + h <= b.bottom())
        boxes = np.stack([left, top, left + w, top + h], axis=1)
        ok[ok] = ~boxes_hit_circles(boxes[ok], circles)
        hits = np.flatnonzero(ok)
        if hits.size and first_ok is None:
            first_ok = (left[hits[0]], top[hits[0]])
        if hits.size and rects.size:
            clear = hits[~boxes_hit_rects(boxes[hits], rects)]
            hits = clear
        if hits.size:
            return QRectF(float(left[hits[0]]), float(top[hits[0]]), w, h)
    if first_ok is not None:
        return QRectF(float(first_ok[0]), float(first_ok[1]), w, h)
    return QRectF(near.x() - w / 2, near.y() - h / 2, w, h)


def slot_of(lay: CanvasLayout, name: str) -> QRectF:
    """The box of parameter `name`'s label when it is drawn (its own place, or its forced one)."""
    if name[0] == "W":
        return lay.label_rects.get(name) or forced_rect(lay, name)
    return lay.bias_rects[name] if lay.bias_visible else forced_bias_rect(lay, name)
