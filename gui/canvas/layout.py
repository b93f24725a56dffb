"""Where everything on the network canvas goes: pure geometry, no widget state.

`compute_layout` places, for one (size, network, font, font scale, precision, label
form), every input box, neuron circle, edge, bias label, edge label, the target box
and the banner. It runs off the paint path (the widget caches it per key).

Every label box is as wide as the widest text it can hold: `value_width` is the
widest number `fmt(v, digits)` can write, so a number is never cut. Where labels go
is gui.canvas.labels: an edge label at a spot along its edge that covers no circle,
box or other label, else only when forced (`forced_rect`, which still covers no circle).

When the text must be big (presentation, zoom) a non-linear neuron's Z line would not
fit in its circle at that size beside the name and the value: it becomes a label of its
own beside the circle (`side_rects`), as big as the other labels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from engine.notation import fmt, neuron_id
from engine.spec import NetworkSpec
from gui.canvas.geometry import dist, rect_circle, seg_dist, towards
from gui.canvas.labels import forced_rect, layer_of, place_edge_labels, place_side, slot_of

__all__ = ["CanvasLayout", "compute_layout", "forced_rect", "hit", "layer_of", "slot_of"]

LABEL_EDGE_LIMIT = 24  # more edges than this: edge labels only for the selected / hovered / path
MIN_TEXT_PX = 8.0  # smaller than this, a number inside a circle is left to the tooltip
PILL_PAD = 12.0  # a label's box is its text plus this much
BIG_TEXT_PX = 18  # labels this big (presentation, zoom): the circles' texts are at least as big
MAX_GAP_SHARE = 0.3  # a circle's radius is at most this share of the gap between columns
VALUE_ROOM = (1.75, 1.6)  # a number in a circle is at most this many radii wide (name + O; name + Z + O)
# numbers as wide as fmt can write them at a precision (digits are equally wide in UI fonts)
_WIDEST = (-0.000888888888888, -8.88888888888e-05, -8.88888888888e+100, -8.88888888888e-100, -888888888.888)


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
    z_beside: bool = False  # big text: a non-linear neuron's Z line is a label beside its circle
    values_beside: bool = False  # big text on a short canvas: every neuron's numbers are beside it
    side_rects: dict[str, QRectF] = field(default_factory=dict)  # neuron id → its Z label (when beside)
    rooms: dict[str, float] = field(default_factory=dict)  # room for each label's number (`number_rooms`)
    digits: int = 6
    lines: int = 1  # lines of a parameter's label (2: before → after)
    plans: dict = field(default_factory=dict)  # "show all labels" placements (gui.canvas.show_all), by need
    earlier: list = field(default_factory=list)  # the plans of the layout this one replaced (kept when still fitting)
    cache: dict = field(default_factory=dict)  # arrays derived from the geometry above, made on first use

    def circles(self, pad: float = 2.0) -> list[tuple[QPointF, float]]:
        return [(c, self.radius + pad) for c in self.centers.values()]


def compute_layout(spec: NetworkSpec | None, width: float, height: float, base_font: QFont, *,
                   font_scale: float = 1.0, input_labels: tuple[str, ...] = (), digits: int = 6,
                   update_lines: bool = False, raw_inputs: bool = False, rooms: dict[str, float] | None = None,
                   first: frozenset[str] = frozenset(), scaled_targets: bool = False) -> CanvasLayout:
    """The canvas geometry.

    input_labels: the first line of each input box, as drawn (e.g. 'cgpa', or 'cgpa = 6.3' sized
    by raw_inputs); update_lines: labels hold 'W111 before' / '→ after' (two lines);
    rooms: room for the numbers of each parameter's label, of each Z label ('Z11') and of the
    input boxes (`number_rooms`; by default the widest fmt writes);
    first: edge labels placed before the others (the step-through path);
    scaled_targets: the target box also says ŷ and L in the table's own units (three more lines).
    """
    args = (spec, width, height, base_font, font_scale, input_labels, digits, update_lines, raw_inputs,
            rooms or {}, first, scaled_targets)
    lay = _compute(*args, strip=spec is not None and spec.n_outputs > 1)
    if _target_blocked(spec, lay):
        # a deep, tall network (or a short canvas): the box under the output would cover the last
        # hidden layer (or leave the canvas), so it goes to a strip of its own on the right
        lay = _compute(*args, strip=True)
    return lay


def _target_blocked(spec: NetworkSpec | None, lay: CanvasLayout) -> bool:
    """Does the target box under the single output leave the canvas or cover a circle?"""
    return spec is not None and spec.n_outputs == 1 and lay.target_rect is not None and (
        not lay.bounds.contains(lay.target_rect) or any(rect_circle(lay.target_rect, c, r) for c, r in lay.circles()))


def _compute(spec, width, height, base_font, font_scale, input_labels, digits, update_lines, raw_inputs,
             rooms, first, scaled_targets, *, strip: bool) -> CanvasLayout:
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
    lay.rooms, lay.digits, lay.lines = dict(rooms), digits, lines
    widest = value_width(label_fm, digits)
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
    if scaled_targets:  # "in the table's units:", each ŷ, L: as content.build_content writes them
        tgt_w = max(tgt_w, value_fm.horizontalAdvance("in their table's units:") + base)
        tgt_h += value_fm.height() * (n_out + 2)
    x_left = margin + in_w
    v_space = (bottom - top) / max_n
    circle_text = typical_value(digits)
    want_r = max(name_fm.horizontalAdvance("O88"), value_fm.horizontalAdvance(circle_text)) / 2 + 0.3 * base
    right_room = (tgt_w + 0.6 * base) if strip else (tgt_w / 2)
    x_right = w - margin - right_room
    col_gap = (x_right - x_left) / max(1, n_cols - 1)
    n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    gap_share = 0.2 if n_edges <= LABEL_EDGE_LIMIT else 0.27  # unlabelled edges may be shorter
    # big text (presentation, zoom): the numbers in the circles at least as big as the labels,
    # even beside a Z line; the circles grow for them into up to MAX_GAP_SHARE of the column gap
    floor_px = lay.label_font.pixelSize() if lay.label_font.pixelSize() >= BIG_TEXT_PX else 0
    # ... a Z line that big does not fit beside them: it becomes a label beside the circle
    lay.z_beside = bool(floor_px) and not all(spec.activation(k).is_identity for k in range(1, n_cols))
    if floor_px:
        floor_w = QFontMetricsF(font(base_font, floor_px)).horizontalAdvance(circle_text)
        want_r = max(want_r, floor_w / VALUE_ROOM[0])
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
    # big text on a short canvas: the numbers go beside the circles (see below), so the name
    # alone fills its circle
    lay.values_beside = bool(floor_px) and lay.value_font.pixelSize() < floor_px
    if lay.values_beside:
        name_px = min(base, base * (1.6 * r) / max(1.0, name_fm.horizontalAdvance("O88")), 1.4 * r)
        lay.name_font = font(base_font, max(MIN_TEXT_PX, name_px), bold=True)
    # neuron columns evenly spaced between the inputs' right edge and the output column
    x_out = min(x_right - (r if strip else 0), w - margin - r)
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
    if not strip:
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
    if not strip and _target_blocked(spec, lay):
        return lay  # compute_layout starts again with the strip: the labels are not placed twice
    circles = lay.circles()
    others = [*lay.input_rects.values(), *([lay.target_rect] if lay.target_rect is not None else [])]
    bias_w = max(r.width() for r in lay.bias_rects.values())
    lay.bias_visible = bias_w <= step * 0.92 and all(
        lay.bounds.contains(rect) and not any(rect_circle(rect, cc, cr) for cc, cr in circles)
        and not any(rect.intersects(o) for o in others)
        for rect in lay.bias_rects.values()
    )
    if lay.z_beside or lay.values_beside:
        place_side_labels(lay, spec, label_fm, rooms.get, widest)
    lay.boxes = [*lay.input_rects.values(), *lay.side_rects.values()]
    if lay.bias_visible:
        lay.boxes += list(lay.bias_rects.values())
    if lay.target_rect is not None:
        lay.boxes.append(lay.target_rect)
    lay.edge_labels = len(lay.label_w) <= LABEL_EDGE_LIMIT
    place_edge_labels(lay, [n for n in spec.param_names if n[0] == "W"], first)
    return lay


def place_side_labels(lay: CanvasLayout, spec: NetworkSpec, fm: QFontMetricsF, room, widest: float) -> None:
    """Big text: each non-linear neuron's 'Z11 = …' (and, when the values do not fit in the
    circles at that size, 'O11 = …' too) goes into a label beside its circle where it covers no
    circle, box, bias label or other such label (one that finds no place is left to the tooltip)."""
    avoid = [*lay.input_rects.values(), *([lay.target_rect] if lay.target_rect is not None else [])]
    if lay.bias_visible:
        avoid += list(lay.bias_rects.values())
    for layer in range(1, spec.n_layers + 1):
        # a layer's labels all or none: a few neurons labelled at random would read as a pattern
        placed = {}
        for j in range(1, spec.sizes[layer] + 1):
            nid = neuron_id(layer, j)
            z = "Z" + nid[1:]
            lines = [] if spec.activation(layer).is_identity else [fm.horizontalAdvance(z + " = ") + room(z, widest)]
            if lay.values_beside:
                lines.append(fm.horizontalAdvance("O88 = ") + room(nid, widest))
            if not lines:
                break
            rect = place_side(lay, nid, max(lines) + PILL_PAD + 2, fm.height() * len(lines) + 4,
                              avoid + list(placed.values()))
            if rect is None:
                placed = {}
                break
            placed[nid] = rect
        lay.side_rects.update(placed)
        avoid += list(placed.values())


def hit(lay: CanvasLayout, pos: QPointF, slots: dict[str, QRectF], edge_width: dict[str, float]) -> str | None:
    """Parameter name, input id ('x1') or None under `pos`: drawn labels first (`slots`: name →
    box), then neurons (a neuron gives its bias), input boxes, then edges (within their drawn width)."""
    for name, rect in slots.items():
        if rect.contains(pos):
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
