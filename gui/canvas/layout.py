"""Where everything on the network canvas goes: pure geometry, no widget state.

`compute_layout` places, for one (size, network, font, font scale, precision, label
form), every input box, neuron circle, edge, bias label, edge label, the target box
and the banner. It runs off the paint path (the widget caches it per key).

Every label box is as wide as the widest text it can hold: `value_width` is the
widest number `fmt(v, digits)` can write, so a number is never cut. An edge label
goes to a spot along its edge that covers no circle, box or other label; an edge
without such a spot gets its label only when it is forced (selected / hovered /
on the step-through path), at `forced_rect`, which still never covers a circle.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from engine.notation import fmt, neuron_id
from engine.spec import NetworkSpec

LABEL_EDGE_LIMIT = 24  # more edges than this: edge labels only for the selected / hovered / path
MIN_TEXT_PX = 8.0  # smaller than this, a number inside a circle is left to the tooltip
PILL_PAD = 12.0  # a label's box is its text plus this much
BIG_TEXT_PX = 18  # labels this big (presentation, zoom): the circles' texts are at least as big
MAX_GAP_SHARE = 0.3  # a circle's radius is at most this share of the gap between columns
VALUE_ROOM = (1.75, 1.6)  # a number in a circle is at most this many radii wide (name + O; name + Z + O)
_CANDIDATES = tuple(0.5 + d for k in range(8) for d in ((0.05 * k, -0.05 * k) if k else (0.0,)))  # along an edge
# numbers as wide as fmt can write them at a precision (digits are equally wide in UI fonts)
_WIDEST = (-0.000888888888888, -8.88888888888e-05, -8.88888888888e+100, -8.88888888888e-100, -888888888.888)


def layer_of(name: str) -> int:
    """'W211' / 'b21' / 'O21' → 2."""
    return int(name[1])


def font(base: QFont, pixels: float, bold: bool = False) -> QFont:
    f = QFont(base)
    f.setPixelSize(max(1, round(pixels)))
    f.setBold(bold)
    return f


def value_width(fm: QFontMetricsF, digits: int) -> float:
    """The widest number `fmt(v, digits)` can write, in this font."""
    return max(fm.horizontalAdvance(fmt(v, digits)) for v in _WIDEST)


def base_px(width: float, height: float, font_scale: float = 1.0) -> float:
    """The canvas's base text size in pixels (names); labels are 0.78 of it, numbers 0.85."""
    w, h = float(max(width, 1)), float(max(height, 1))
    return max(15.0, min(24.0, min(h / 26.0, w / 42.0))) * font_scale


def number_rooms(base_font: QFont, width: float, height: float, font_scale: float, digits: int,
                 numbers: dict[str, list[str]]) -> dict[str, float]:
    """Room (px) for the widest number of each group: a parameter's label (key: its name),
    'x' the inputs' second line (x1 = …), 'raw' their first line (cgpa = …, in the name font).
    Rounded up to whole digits and at least as wide as −0.0123457 (at 6 digits), so a label
    keeps its size while its value changes a little."""
    base = base_px(width, height, font_scale)
    fonts = {"label": font(base_font, base * 0.78), "x": font(base_font, base * 0.85),
             "raw": font(base_font, base, True)}
    metrics = {}
    for key, f in fonts.items():
        fm = QFontMetricsF(f)
        digit = max(fm.horizontalAdvance(ch) for ch in "0123456789")
        metrics[key] = (fm, digit, fm.horizontalAdvance("−0." + "0" * (digits + 1)))
    rooms = {}
    for group, texts in numbers.items():
        fm, digit, floor = metrics[group if group in ("x", "raw") else "label"]
        widest = max([floor] + [fm.horizontalAdvance(t) for t in texts])
        rooms[group] = math.ceil(widest / digit - 1e-9) * digit
    return rooms


def typical_value(digits: int) -> str:
    """A number as wide as most a circle shows (−0.123456 at 6 digits)."""
    return "−0." + "0" * digits


def fitted_px(f: QFont, text: str, width: float) -> float:
    """The pixel size at which `text` in font `f` is at most `width` wide (never larger than f's)."""
    w = QFontMetricsF(f).horizontalAdvance(text)
    return float(f.pixelSize()) if w <= width else f.pixelSize() * width / max(w, 1e-9)


@dataclass
class CanvasLayout:
    """Geometry for one (size, network, font scale, precision, label form)."""

    width: float = 1.0
    height: float = 1.0
    base_px: float = 16.0
    name_font: QFont = field(default_factory=QFont)  # neuron names (bold)
    value_font: QFont = field(default_factory=QFont)  # numbers inside circles
    box_name_font: QFont = field(default_factory=QFont)  # input and target boxes (never shrunk)
    box_font: QFont = field(default_factory=QFont)
    label_font: QFont = field(default_factory=QFont)  # edge and bias labels, banner
    radius: float = 30.0
    show_neuron_values: bool = True
    centers: dict[str, QPointF] = field(default_factory=dict)  # neuron id → centre
    input_rects: dict[str, QRectF] = field(default_factory=dict)  # 'x1' → box
    target_rect: QRectF | None = None
    edges: dict[str, tuple[QPointF, QPointF]] = field(default_factory=dict)  # W name → (start, end)
    anchors: dict[str, QPointF] = field(default_factory=dict)  # W name → label centre / click point
    label_rects: dict[str, QRectF] = field(default_factory=dict)  # edge labels that fit: always shown
    forced_rects: dict[str, QRectF] = field(default_factory=dict)  # the others, placed when first forced
    bias_rects: dict[str, QRectF] = field(default_factory=dict)  # b name → label box
    bias_visible: bool = True
    edge_labels: bool = True
    banner_rect: QRectF = field(default_factory=QRectF)
    label_w: dict[str, float] = field(default_factory=dict)  # W name → its label's width
    label_h: float = 0.0
    boxes: list[QRectF] = field(default_factory=list)  # what an edge label must not cover
    bounds: QRectF = field(default_factory=QRectF)  # where labels may go
    by_layer: dict[int, list[str]] = field(default_factory=dict)  # W names by layer

    def circles(self, pad: float = 2.0) -> list[tuple[QPointF, float]]:
        return [(c, self.radius + pad) for c in self.centers.values()]


def compute_layout(spec: NetworkSpec | None, width: float, height: float, base_font: QFont, *,
                   font_scale: float = 1.0, input_labels: tuple[str, ...] = (), digits: int = 6,
                   update_lines: bool = False, raw_inputs: bool = False, rooms: dict[str, float] | None = None,
                   first: frozenset[str] = frozenset()) -> CanvasLayout:
    """The canvas geometry.

    input_labels: the first line of each input box, as drawn (e.g. 'cgpa', or 'cgpa = 6.3' sized
    by raw_inputs); update_lines: labels hold 'W111 before' / '→ after' (two lines);
    rooms: room for the numbers of each parameter's label and of the input boxes (`number_rooms`;
    by default the widest fmt writes);
    first: edge labels placed before the others (the step-through path).
    """
    lay = CanvasLayout()
    w, h = float(max(width, 1)), float(max(height, 1))
    lay.width, lay.height = w, h
    base = base_px(w, h, font_scale)  # px; labels are 0.78 of this
    lay.base_px = base
    lay.name_font = font(base_font, base, bold=True)
    lay.value_font = font(base_font, base * 0.85)
    lay.label_font = font(base_font, base * 0.78)
    lay.box_name_font, lay.box_font = lay.name_font, lay.value_font
    if spec is None:
        return lay
    name_fm = QFontMetricsF(lay.name_font)
    value_fm = QFontMetricsF(lay.value_font)
    label_fm = QFontMetricsF(lay.label_font)
    margin = 0.7 * base
    banner_h = label_fm.height() * 1.5
    lay.banner_rect = QRectF(margin, margin * 0.5, w - 2 * margin, banner_h)
    lines = 2 if update_lines else 1
    widest = value_width(label_fm, digits)
    rooms = rooms or {}
    wides = {}
    for name in spec.param_names:
        head = label_fm.horizontalAdvance(name + (" " if update_lines else " = "))
        tail = label_fm.horizontalAdvance("→ ") if update_lines else 0.0
        wides[name] = max(head, tail) + rooms.get(name, widest) + PILL_PAD + 2
    lay.label_w = {n: v for n, v in wides.items() if n[0] == "W"}
    label_h = QFontMetricsF(lay.label_font).height() * lines + 4
    lay.label_h = label_h
    bias_h = label_h
    top = margin * 0.5 + banner_h + bias_h * 0.5
    bottom = h - margin - bias_h * 0.5
    sizes = spec.sizes
    n_cols = len(sizes)
    n_in, n_out = spec.n_inputs, spec.n_outputs
    max_n = max(sizes[1:])
    # input boxes: wide enough for their first line and "x1 = −0.123456"
    box_vw = value_width(value_fm, digits)
    first_line = max((name_fm.horizontalAdvance(t) for t in input_labels[:n_in]), default=0.0)
    if raw_inputs:
        first_line += name_fm.horizontalAdvance(" = ") + rooms.get("raw", value_width(name_fm, digits))
    in_w = max(first_line, value_fm.horizontalAdvance("x8 = ") + rooms.get("x", box_vw)) + base
    in_w = min(in_w, 0.25 * w)
    in_h_full = name_fm.height() + value_fm.height() + 0.6 * base
    # the target / loss box: under a single output neuron's bias, else in a strip on the right
    # (one line per target, then the loss)
    tgt_w = value_fm.horizontalAdvance("y8 = " if n_out > 1 else "L = ") + box_vw + base
    tgt_h = value_fm.height() * (n_out + 1) + 0.5 * base
    x_left = margin + in_w
    v_space = (bottom - top) / max_n
    circle_text = typical_value(digits)
    want_r = max(name_fm.horizontalAdvance("O88"), value_fm.horizontalAdvance(circle_text)) / 2 + 0.3 * base
    right_room = (tgt_w / 2) if n_out == 1 else (tgt_w + 0.6 * base)
    x_right = w - margin - right_room
    col_gap = (x_right - x_left) / max(1, n_cols - 1)
    n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    gap_share = 0.2 if n_edges <= LABEL_EDGE_LIMIT else 0.27  # unlabelled edges may be shorter
    # big text (presentation, zoom): the numbers in the circles at least as big as the labels,
    # even beside a Z line; the circles grow for them into up to MAX_GAP_SHARE of the column gap
    floor_px = lay.label_font.pixelSize() if lay.label_font.pixelSize() >= BIG_TEXT_PX else 0
    if floor_px:
        floor_w = QFontMetricsF(font(base_font, floor_px)).horizontalAdvance(circle_text)
        want_r = max(want_r, floor_w / VALUE_ROOM[1])
        gap_share = max(gap_share, min(MAX_GAP_SHARE, want_r / max(1.0, col_gap)))
    r = min(want_r, gap_share * col_gap, (v_space - 4) / 2 if v_space < 2 * want_r + bias_h + 4 else want_r)
    r = max(r, 7.0)
    lay.radius = r
    # fonts inside the circles shrink to fit (the value first: it is what changes);
    # below ~9 px the values move to the tooltip
    value_px = min(base * 0.85, base * 0.85 * (1.9 * r) / max(1.0, value_fm.horizontalAdvance(circle_text)))
    lay.value_font = font(base_font, max(MIN_TEXT_PX, value_px))
    name_px = min(base, value_px * 1.2, base * (1.6 * r) / max(1.0, name_fm.horizontalAdvance("O88")))
    lay.name_font = font(base_font, max(MIN_TEXT_PX, name_px), bold=True)
    both_h = QFontMetricsF(lay.name_font).height() + QFontMetricsF(lay.value_font).height()
    lay.show_neuron_values = value_px >= 9.5 and both_h <= 2 * r * 0.95
    # neuron columns evenly spaced between the inputs' right edge and the output column
    x_out = min(x_right - (r if n_out > 1 else 0), w - margin - r)
    step = (x_out - x_left) / (n_cols - 1)
    xs = [x_left + step * c for c in range(1, n_cols)]
    in_v_space = (bottom - top) / n_in
    in_h = min(in_h_full, in_v_space - 6)
    for i in range(1, n_in + 1):
        cy = top + (i - 0.5) * in_v_space
        lay.input_rects[f"x{i}"] = QRectF(margin, cy - in_h / 2, in_w, in_h)
    for layer in range(1, n_cols):
        n = sizes[layer]
        for j in range(1, n + 1):
            lay.centers[neuron_id(layer, j)] = QPointF(xs[layer - 1], top + (j - 0.5) * (bottom - top) / n)
    if n_out == 1:
        c = lay.centers[neuron_id(spec.n_layers, 1)]
        lay.target_rect = QRectF(c.x() - tgt_w / 2, c.y() + r + bias_h + 0.4 * base, tgt_w, tgt_h)
        if lay.target_rect.bottom() > h - 2:  # no room below: above the neuron
            lay.target_rect.moveBottom(c.y() - r - bias_h - 0.4 * base)
    else:
        lay.target_rect = QRectF(w - margin - tgt_w, top, tgt_w, tgt_h)
    # edges, from the source's boundary to the target's
    for layer in range(1, n_cols):
        for j in range(1, sizes[layer] + 1):
            c1 = lay.centers[neuron_id(layer, j)]
            for i in range(1, sizes[layer - 1] + 1):
                if layer == 1:
                    rect = lay.input_rects[f"x{i}"]
                    p0 = QPointF(rect.right(), rect.center().y())
                else:
                    p0 = towards(lay.centers[neuron_id(layer - 1, i)], c1, r)
                lay.edges[f"W{layer}{i}{j}"] = (p0, towards(c1, p0, r))
    # bias labels: above a neuron in the upper half, below otherwise (away from the edges,
    # which fan in towards the middle)
    middle = (top + bottom) / 2
    for nid, c in lay.centers.items():
        name = "b" + nid[1:]
        if c.y() < middle - 1:
            lay.bias_rects[name] = QRectF(c.x() - wides[name] / 2, c.y() - r - 3 - bias_h, wides[name], bias_h)
        else:
            lay.bias_rects[name] = QRectF(c.x() - wides[name] / 2, c.y() + r + 3, wides[name], bias_h)
    lay.bounds = QRectF(0, lay.banner_rect.bottom(), w, h - lay.banner_rect.bottom())
    circles = lay.circles()
    others = [*lay.input_rects.values(), *([lay.target_rect] if lay.target_rect is not None else [])]
    bias_w = max(r.width() for r in lay.bias_rects.values())
    lay.bias_visible = bias_w <= step * 0.92 and all(
        lay.bounds.contains(rect) and not any(rect_circle(rect, cc, cr) for cc, cr in circles)
        and not any(rect.intersects(o) for o in others)
        for rect in lay.bias_rects.values()
    )
    _place_labels(lay, spec, first)
    return lay


def _place_labels(lay: CanvasLayout, spec: NetworkSpec, first: frozenset[str]) -> None:
    """Each edge label goes to the spot along its edge that overlaps no box, circle or other
    label, preferring spots clear of the layer's other edges, then the middle. Edges without
    such a spot (or every edge of a big net) get a label only when forced (`forced_rect`)."""
    lay.boxes = list(lay.input_rects.values())
    if lay.bias_visible:
        lay.boxes += list(lay.bias_rects.values())
    if lay.target_rect is not None:
        lay.boxes.append(lay.target_rect)
    names = [n for n in spec.param_names if n[0] == "W"]
    for n in names:
        lay.by_layer.setdefault(layer_of(n), []).append(n)
    lay.edge_labels = len(names) <= LABEL_EDGE_LIMIT
    names.sort(key=lambda n: n not in first)  # the step-through's path labels first
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
    ts = np.array(_CANDIDATES)
    seg = {n: np.array([[a.x(), a.y()], [b.x(), b.y()]]) for n, (a, b) in lay.edges.items()}
    centers = np.array([[c.x(), c.y()] for c in lay.centers.values()])
    blockers = placed + lay.boxes
    for name in unplaced:
        pts = seg[name][0] + ts[:, None] * (seg[name][1] - seg[name][0])
        others = [o for o in lay.by_layer[layer_of(name)] if o != name]
        if others:
            sep = points_to_segments(pts, np.array([seg[o] for o in others])).min(axis=1)
        else:
            sep = 1e9 - np.abs(ts - 0.5)  # prefer the middle
        inside = np.hypot(*(pts[:, None, :] - centers[None]).transpose(2, 0, 1)).min(axis=1) <= lay.radius + 2
        for k, (x, y) in enumerate(pts):
            if not inside[k] and any(r.contains(QPointF(x, y)) for r in blockers):
                inside[k] = True
        sep[inside] = -1.0
        lay.anchors[name] = QPointF(*pts[int(np.argmax(sep))])


def search_slot(lay: CanvasLayout, name: str, placed: list[QRectF], boxes: bool = True) -> QRectF | None:
    """The best free label box along edge `name` (clear of circles, and of boxes and `placed`), or None."""
    tw, th = lay.label_w[name], lay.label_h
    p0, p1 = lay.edges[name]
    others = [lay.edges[o] for o in lay.by_layer[layer_of(name)] if o != name]
    length = max(1e-6, dist(p0, p1))
    nx, ny = -(p1.y() - p0.y()) / length, (p1.x() - p0.x()) / length  # unit normal
    # offsets across the edge: on it, beside it (still touching), and for a slanted
    # edge further out while the line still crosses the label's box
    sin_t = abs(p1.y() - p0.y()) / length
    cos_t = abs(p1.x() - p0.x()) / length
    reach = (tw / 2) * sin_t + (th / 2) * cos_t  # farther than this, the box misses the line
    offsets = [0.0, th / 2 - 3, -(th / 2 - 3)]
    if 0.55 * reach > th / 2:
        offsets += [0.55 * reach, -0.55 * reach]
    clear = 0.25 * th  # this much room from other edges is "clear"; more earns nothing
    blockers = (lay.boxes if boxes else []) + placed
    circles = lay.circles()
    best = None
    for t in _CANDIDATES:
        pt = lerp(p0, p1, t)
        for off in offsets:
            rect = QRectF(pt.x() + nx * off - tw / 2, pt.y() + ny * off - th / 2, tw, th)
            if not lay.bounds.contains(rect) or any(rect.intersects(o) for o in blockers):
                continue
            if any(rect_circle(rect, cc, cr) for cc, cr in circles):
                continue
            sep = min((rect_seg_dist(rect, a, b) for a, b in others), default=1e9)
            score = min(sep, clear) * 100 - abs(t - 0.5) - abs(off) / th
            if best is None or score > best[0]:
                best = (score, rect)
    return None if best is None else best[1]


def forced_rect(lay: CanvasLayout, name: str) -> QRectF:
    """Where an edge label without a place of its own goes when it must be shown: along its
    edge clear of everything if possible, else clear of circles and boxes, else the nearest
    spot to its click point that covers no circle. Computed on first use, kept in the layout."""
    rect = lay.forced_rects.get(name)
    if rect is None:
        rect = search_slot(lay, name, list(lay.label_rects.values())) or search_slot(lay, name, [])
        if rect is None:
            avoid = [*lay.label_rects.values(), *lay.boxes, *lay.forced_rects.values()]
            rect = free_spot(lay, lay.anchors[name], lay.label_w[name], lay.label_h, avoid)
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


_GRID = np.array(sorted(((dx, dy) for dx in range(-40, 41) for dy in range(-40, 41)), key=lambda d: math.hypot(*d)),
                 dtype=float)  # spots around a point, nearest first


def free_spot(lay: CanvasLayout, near: QPointF, w: float, h: float, avoid: list[QRectF] = ()) -> QRectF:
    """The w × h box nearest to `near` (inside the canvas) that covers no neuron circle, and
    none of `avoid` if there is such a spot (vectorised over a grid of spots)."""
    step = max(4.0, h / 2)
    left = near.x() + _GRID[:, 0] * step - w / 2
    top = near.y() + _GRID[:, 1] * step - h / 2
    b = lay.bounds
    ok = (left >= b.left()) & (top >= b.top()) & (left + w <= b.right()) & (top + h <= b.bottom())
    for c, r in lay.circles():
        nx = np.clip(c.x(), left, left + w)
        ny = np.clip(c.y(), top, top + h)
        ok &= np.hypot(c.x() - nx, c.y() - ny) >= r
    clear = ok.copy()
    for o in avoid:
        clear &= (left + w <= o.left()) | (left >= o.right()) | (top + h <= o.top()) | (top >= o.bottom())
    for mask in (clear, ok):
        hits = np.flatnonzero(mask)
        if hits.size:
            k = hits[0]
            return QRectF(float(left[k]), float(top[k]), w, h)
    return QRectF(near.x() - w / 2, near.y() - h / 2, w, h)


def hit(lay: CanvasLayout, pos: QPointF, forced: list[str], bias_shown: list[str],
        edge_width: dict[str, float]) -> str | None:
    """Parameter name, input id ('x1') or None under `pos`: labels first, then neurons
    (a neuron gives its bias), input boxes, then edges (within their drawn width)."""
    for name, rect in lay.label_rects.items():
        if rect.contains(pos):
            return name
    for name in forced:
        if name not in lay.label_rects and forced_rect(lay, name).contains(pos):
            return name
    for name in bias_shown:
        if slot_of(lay, name).contains(pos):
            return name
    for nid, c in lay.centers.items():
        if dist(pos, c) <= lay.radius:
            return "b" + nid[1:]
    for xid, rect in lay.input_rects.items():
        if rect.contains(pos):
            return xid
    best, best_d = None, 1e9
    for name, (p0, p1) in lay.edges.items():
        d = seg_dist(pos, p0, p1)
        if d < best_d:
            best, best_d = name, d
    if best is None:
        return None
    return best if best_d <= max(6.0, edge_width.get(best, 1.0) / 2 + 4) else None


# ---- small geometry helpers ----------------------------------------------------------------
def lerp(a: QPointF, b: QPointF, t: float) -> QPointF:
    return QPointF(a.x() + (b.x() - a.x()) * t, a.y() + (b.y() - a.y()) * t)


def dist(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())


def towards(c: QPointF, target: QPointF, r: float) -> QPointF:
    d = dist(c, target)
    if d == 0:
        return QPointF(c)
    return QPointF(c.x() + (target.x() - c.x()) * r / d, c.y() + (target.y() - c.y()) * r / d)


def seg_dist(pt: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return dist(pt, a)
    t = max(0.0, min(1.0, ((pt.x() - a.x()) * dx + (pt.y() - a.y()) * dy) / length2))
    return math.hypot(pt.x() - (a.x() + t * dx), pt.y() - (a.y() + t * dy))


def points_to_segments(pts: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Distances (k, m) from k points (k, 2) to m segments (m, 2, 2)."""
    a, b = segs[:, 0], segs[:, 1]
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)
    rel = pts[:, None, :] - a[None, :, :]
    t = np.clip((rel * d[None]).sum(axis=2) / length2[None], 0.0, 1.0)
    nearest = a[None] + t[..., None] * d[None]
    return np.hypot(*(pts[:, None, :] - nearest).transpose(2, 0, 1))


def rect_circle(rect: QRectF, c: QPointF, r: float) -> bool:
    """Does the rectangle overlap the disc of radius r around c?"""
    nx = min(max(c.x(), rect.left()), rect.right())
    ny = min(max(c.y(), rect.top()), rect.bottom())
    return math.hypot(c.x() - nx, c.y() - ny) < r


def rect_seg_dist(rect: QRectF, a: QPointF, b: QPointF) -> float:
    """Distance between a rectangle and a segment (0 when they touch)."""
    if rect.contains(a) or rect.contains(b):
        return 0.0
    corners = [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]
    for k in range(4):
        if segments_cross(a, b, corners[k], corners[(k + 1) % 4]):
            return 0.0
    d = min(seg_dist(c, a, b) for c in corners)
    for pt in (a, b):
        nx = min(max(pt.x(), rect.left()), rect.right())
        ny = min(max(pt.y(), rect.top()), rect.bottom())
        d = min(d, math.hypot(pt.x() - nx, pt.y() - ny))
    return d


def segments_cross(p1: QPointF, p2: QPointF, p3: QPointF, p4: QPointF) -> bool:
    def orient(a, b, c):
        return (b.x() - a.x()) * (c.y() - a.y()) - (b.y() - a.y()) * (c.x() - a.x())

    d1, d2 = orient(p3, p4, p1), orient(p3, p4, p2)
    d3, d4 = orient(p1, p2, p3), orient(p1, p2, p4)
    return (d1 > 0) != (d2 > 0) and (d3 > 0) != (d4 > 0)


def slot_of(lay: CanvasLayout, name: str) -> QRectF:
    """The box of parameter `name`'s label when it is drawn (its own place, or its forced one)."""
    if name[0] == "W":
        return lay.label_rects.get(name) or forced_rect(lay, name)
    return lay.bias_rects[name] if lay.bias_visible else forced_bias_rect(lay, name)
