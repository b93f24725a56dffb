"""What the network canvas draws: every text and the number behind it, from one Moment.

`build_content` turns the shown moment (engine.moment), the step-through phase, the
selection and the precision into the texts the painter writes, and keeps the float
behind each one, so `NetworkCanvas.shown_values()` reports exactly what is on screen.
It decides what is drawn (a label that has no room is left to the tooltip) and never
computes any of the engine's maths: every number is the moment's.

    inputs         moment.x (as the network saw them); the box's first line adds the raw
                   table value when scaling changed it
    neuron values  moment.forward: O always, Z too where the activation is not linear
    labels         moment.params (what the forward pass used); before → after when the
                   moment shows an update (moment.params_after)
    target, loss   moment.record.y and .loss (not for a prediction)

What has no room (a label on a crowded edge, a number too long for its circle) is left to
the hover and the tooltip (`hover_only`), unless the user asks to see every label
(`show_all`): then it is drawn anyway, at a spot that covers no neuron, and a neuron's
number goes into a label beside its circle. When the text must be big, a non-linear
neuron's Z line is such a label beside the circle (gui.canvas.layout `side_rects`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from engine.moment import Moment
from engine.notation import chain_path, display_name, fmt, output_name
from engine.settings import PHASES
from engine.spec import NetworkSpec
from gui.canvas.labels import side_rect, slot_of
from gui.canvas.layout import (
    LABEL_EDGE_LIMIT,
    MIN_TEXT_PX,
    PILL_PAD,
    VALUE_ROOM,
    CanvasLayout,
    fitted_px,
    font,
    layer_of,
)
from gui.canvas.show_all import plan_all


@dataclass(frozen=True)
class NeuronText:
    name: str  # as the tutorial writes it: O11, ŷ
    lit: bool  # the forward pass has reached it
    dim: bool  # the step-through has not reached it yet ('?')
    o: float | None = None  # the value drawn (None: not drawn)
    z: float | None = None  # Z drawn under the name (non-linear neurons with room)
    o_text: str = ""
    z_text: str = ""  # the Z line inside the circle ('' when none, or when it is a label beside it)
    o_px: int = 0  # the pixel sizes the value and the Z line are painted at (fitted to the circle)
    z_px: int = 0


@dataclass(frozen=True)
class InputText:
    first: str  # the column's name, with its table value when scaling changed it
    second: str  # 'x1 = 6.3' (as the network saw it); 'x1' when nothing is shown
    x: float | None


@dataclass
class Content:
    spec: NetworkSpec
    kind: str | None = None  # the moment's kind, None before anything is shown
    phase: str | None = None
    lit: int = 0  # layers whose forward values are shown
    path: frozenset[str] = frozenset()  # highlighted in backward / update
    selected: str | None = None
    hover: str | None = None
    params: dict[str, float] = field(default_factory=dict)  # every parameter the forward pass used
    edge_width: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # the labels drawn: name → text
    neurons: dict[str, NeuronText] = field(default_factory=dict)
    inputs: list[InputText] = field(default_factory=list)
    highlight_inputs: bool = False
    target_lines: list[str] = field(default_factory=list)  # 'y = 7', 'L = 676' (empty: no box)
    emphasise_target: bool = False
    banner: str = ""
    grad_norm: dict[str, float] = field(default_factory=dict)  # |∂L/∂p| scaled to [0, 1]
    path_bands: bool = False  # the step-through's backward path
    hover_only: list[str] = field(default_factory=list)  # values with no room: shown on hover only
    show_all: bool = False  # every label drawn, room or not
    force_path: bool = True  # the step-through's path is labelled (not when it is most of a big net)
    side_labels: dict[str, str] = field(default_factory=dict)  # neuron id → the label beside its circle
    side_rects: dict[str, QRectF] = field(default_factory=dict)  # … and where it is drawn
    z_sizes: dict[str, int] = field(default_factory=dict)  # neuron id → px of its drawn Z line
    values: dict = field(default_factory=dict)  # shown_values()
    slots: dict[str, QRectF] = field(default_factory=dict)  # each drawn parameter label → its box
    anchors: dict[str, QPointF] = field(default_factory=dict)  # each drawn edge label → the point it labels
    label_font: QFont | None = None  # the labels' font (smaller than the layout's when all are shown)
    hint: str = ""  # why some labels are not drawn although all were asked for
    hint_rect: QRectF | None = None
    side_needs: dict = field(default_factory=dict)  # neuron id → its side label's lines (for the plan)

    def dimmed_edge(self, name: str) -> bool:
        if self.phase in ("pick", "forward") and self.kind not in (None, "prediction"):
            return layer_of(name) > self.lit
        if self.phase in ("backward", "update") and self.path:
            return name not in self.path
        return False

    def forced(self, name: str) -> bool:
        """A label shown whatever the clutter: selected, hovered, on the path, or all of them."""
        return self.show_all or self.pinned(name)

    def pinned(self, name: str) -> bool:
        """Selected, hovered or on the step-through's path: shown even where it has no room of its own."""
        return name == self.selected or name == self.hover or (self.force_path and name in self.path)


def phase_name(phase) -> tuple[str | None, int | None]:
    """state.phase ('forward', 1) → ('forward', 1); None, or a phase the canvas does not know,
    → (None, None): the normal view (a render never raises)."""
    if phase is None:
        return None, None
    name, k = phase
    name = {"row": "pick"}.get(name, name)
    return (name, k) if name in PHASES else (None, None)


def lit_layers(spec: NetworkSpec, moment: Moment | None, phase: str | None, k: int | None) -> int:
    if moment is None:
        return 0
    if moment.kind == "prediction" or phase is None:
        return spec.n_layers
    if phase == "pick":
        return 0
    if phase == "forward":
        return spec.n_layers if k is None else max(0, min(spec.n_layers, int(k)))
    return spec.n_layers


def grad_norms(spec: NetworkSpec, grads) -> dict[str, float]:
    """|∂L/∂p| as band widths in [0, 1] (sqrt: small gradients stay visible next to a big one)."""
    mags = {n: abs(grads[n]) for n in spec.param_names}
    finite = [m for m in mags.values() if math.isfinite(m)]
    top = max(finite) if finite else 0.0
    return {n: (math.sqrt(m / top) if top > 0 and math.isfinite(m) else (0.0 if math.isfinite(m) else 1.0))
            for n, m in mags.items()}


def build_content(spec: NetworkSpec, moment: Moment | None, lay: CanvasLayout, *, phase=None,
                  selected: str | None = None, hover: str | None = None, digits: int = 6,
                  input_names: tuple[str, ...] = (), font_scale: float = 1.0, show_all: bool = False) -> Content:
    if moment is not None and moment.spec != spec:
        moment = None  # a moment of another network (the setup changed first): not drawn
    name, k = phase_name(phase)
    c = Content(spec, kind=None if moment is None else moment.kind, phase=name, selected=selected, hover=hover,
                show_all=show_all)
    c.lit = lit_layers(spec, moment, name, k)
    if name in ("backward", "update") and selected in spec.param_names:
        c.path = frozenset(chain_path(spec, selected))
        # in a big net the path of a first-layer weight is most of the net: its labels would
        # bury the diagram, so there only the selected one is labelled (the bands show the path)
        c.force_path = sum(1 for n in c.path if n[0] == "W") <= LABEL_EDGE_LIMIT
    record = None if moment is None else moment.record
    after = None if moment is None else moment.params_after
    values: dict = {"params": {}, "forward": {}, "inputs": []}
    if after is not None:
        values["params_after"] = {}
    # parameters: edge colours and widths, and the labels that are drawn
    if moment is not None:
        c.params = {n: float(moment.params[n]) for n in spec.param_names}
    weights = [abs(v) for n, v in c.params.items() if n[0] == "W" and math.isfinite(v)]
    scale = max([1.0] + weights)  # the thickest edge is the largest |w| (≥ 1)
    grow = max(1.0, font_scale * 0.8)
    for n in spec.param_names:
        if n[0] == "W":
            v = c.params.get(n, 0.0)
            frac = min(1.0, abs(v) / scale) if math.isfinite(v) else 1.0
            c.edge_width[n] = (1.2 + 6.3 * frac) * grow
    for n in spec.param_names:
        if moment is None:
            text = n
        else:
            v = c.params[n]
            values["params"][n] = v
            if after is not None:
                values["params_after"][n] = float(after[n])
                text = f"{n} {fmt(v, digits)}\n→ {fmt(after[n], digits)}"
            else:
                text = f"{n} = {fmt(v, digits)}"
        drawn = (n in lay.label_rects or c.forced(n)) if n[0] == "W" else (lay.bias_visible or c.forced(n))
        if drawn:
            c.labels[n] = text
        else:  # no room: its label shows when it is hovered or selected
            c.hover_only.append(n)
    # inputs
    scaled = moment is not None and not np.array_equal(moment.x, moment.x_raw)
    for i in range(1, spec.n_inputs + 1):
        label = input_names[i - 1] if i - 1 < len(input_names) and input_names[i - 1] else f"x{i}"
        if moment is None:
            c.inputs.append(InputText(label, f"x{i}", None))
            continue
        x = float(moment.x[i - 1])
        first = f"{label} = {fmt(moment.x_raw[i - 1], digits)}" if scaled else label
        c.inputs.append(InputText(first, f"x{i} = {fmt(x, digits)}", x))
        values["inputs"].append(x)
    c.highlight_inputs = name == "pick" and moment is not None
    # neurons
    _neurons(c, spec, moment, lay, digits, values)
    # the target and the loss
    if record is not None:
        ys = [float(v) for v in record.y]
        if spec.n_outputs == 1:
            c.target_lines.append(f"y = {fmt(ys[0], digits)}")
        else:
            c.target_lines += [f"y{j} = {fmt(v, digits)}" for j, v in enumerate(ys, start=1)]
        values["y"] = ys
        c.target_lines.append(f"L = {fmt(record.loss, digits)}")
        values["loss"] = float(record.loss)
        if moment.targets_scaled:  # the network's y, ŷ and L are standardised: the table's units too
            y_hat_table, loss_table = moment.y_hat_table, moment.loss_table
            values["y_hat_table"] = [float(v) for v in y_hat_table]
            c.target_lines += [f"in {moment.spec.n_outputs == 1 and 'the' or 'their'} table's units:",
                               *(f"ŷ{'' if spec.n_outputs == 1 else j} = {fmt(v, digits)}"
                                 for j, v in enumerate(y_hat_table, start=1))]
            if loss_table is not None:
                values["loss_table"] = float(loss_table)
                c.target_lines.append(f"L = {fmt(loss_table, digits)}")
        c.emphasise_target = name == "loss"
        c.grad_norm = grad_norms(spec, record.grads)
        c.path_bands = name in ("backward", "update")
    c.banner = _banner(spec, moment, name, c.lit, selected, digits)
    c.values = values
    if show_all and (c.side_needs or any(n not in lay.label_rects if n[0] == "W" else not lay.bias_visible
                                         for n in c.labels)):
        _place_all(c, lay, 2 if after is not None else 1)
    else:
        c.label_font = lay.label_font
        c.slots = {n: QRectF(slot_of(lay, n)) for n in c.labels}
        c.anchors = {n: QPointF(lay.anchors[n]) for n in c.labels if n[0] == "W"}
    return c


def _place_all(c: Content, lay: CanvasLayout, lines: int) -> None:
    """Every label asked for: placed together by gui.canvas.show_all, in one font small enough for
    them all (down to a readable size); what still has no room stays hover-only, and the canvas
    says so. A selected or hovered label without a spot is drawn anyway (on top)."""
    needs = {n: ((n + " = ", n),) if lines == 1 else ((n + " ", n), ("→ ", n)) for n in c.labels}
    needs.update(c.side_needs)
    # the selected label and the path first (not the hovered one: pointing would move the labels)
    first = tuple(n for n in c.labels if n == c.selected or (c.force_path and n in c.path))
    plan = plan_all(lay, needs, first)
    c.label_font = plan.font
    for n in list(c.labels):
        if n in plan.rects:
            c.slots[n] = QRectF(plan.rects[n])
            if n[0] == "W":
                c.anchors[n] = QPointF(plan.anchors[n])
        elif c.pinned(n):
            c.slots[n] = QRectF(slot_of(lay, n))
            if n[0] == "W":
                c.anchors[n] = QPointF(lay.anchors[n])
        else:
            del c.labels[n]
            c.hover_only.append(n)
    for nid in list(c.side_labels):
        if nid in plan.rects:
            c.side_rects[nid] = QRectF(plan.rects[nid])
            if c.side_labels[nid].startswith("Z"):
                c.z_sizes[nid] = plan.font.pixelSize()
        else:
            del c.side_labels[nid]
            c.hover_only += [key for _head, key in c.side_needs[nid]]
    missing = len(plan.missing)
    if missing:
        c.hint = (f"{missing} of {len(needs)} labels have no room even in small print and stay hidden: enlarge "
                  "the window to show all labels (point at an edge or a neuron to read its value)")
        c.hint_rect = QRectF(plan.hint_rect)


def _neurons(c: Content, spec: NetworkSpec, moment: Moment | None, lay: CanvasLayout, digits: int,
             values: dict) -> None:
    r = lay.radius
    name_h = QFontMetricsF(lay.name_font).height()
    value_h = QFontMetricsF(lay.value_font).height()
    z_font = z_font_of(lay)
    z_room = not lay.z_beside and name_h + value_h + QFontMetricsF(z_font).height() <= 2 * r * 0.95
    stepping = c.phase in ("pick", "forward") and c.kind not in (None, "prediction")
    for nid in lay.centers:
        layer = layer_of(nid)
        shown = display_name(spec, nid)
        lit = moment is not None and layer <= c.lit
        dim = stepping and not lit
        if not lit:
            c.neurons[nid] = NeuronText(shown, lit, dim, o_text="?" if dim and lay.show_neuron_values else "")
            continue
        o = float(moment.forward[nid])
        o_text = fmt(o, digits)
        z_name = "Z" + nid[1:]
        linear = spec.activation(layer).is_identity
        values["forward"][nid] = o
        z = None if linear else float(moment.forward[z_name])
        if z is not None:
            values["forward"][z_name] = z
        side = "" if linear else f"{z_name} = {fmt(z, digits)}"  # the Z line as a label of its own
        o_px = painted_px(lay.value_font, o_text, VALUE_ROOM[0] * r)
        if lay.values_beside or not lay.show_neuron_values or o_px < MIN_TEXT_PX:
            # no room in the circle: the neuron's tooltip has it, or a label beside it
            c.neurons[nid] = NeuronText(shown, lit, dim)
            if nid in lay.side_rects or c.show_all:
                _beside(c, lay, nid, "\n".join(t for t in (side, f"{shown} = {o_text}") if t))
            else:
                c.hover_only += [nid] if linear else [nid, z_name]
            continue
        z_text, z_px = "", 0
        if not linear:
            text = f"Z = {fmt(z, digits)}"
            inner_z = painted_px(z_font, text, VALUE_ROOM[1] * r)
            inner_o = painted_px(lay.value_font, o_text, VALUE_ROOM[1] * r)
            if z_room and inner_z >= MIN_TEXT_PX and inner_o >= MIN_TEXT_PX:
                z_text, z_px, o_px = text, inner_z, inner_o
            elif nid in lay.side_rects or c.show_all:
                _beside(c, lay, nid, side)
            else:
                c.hover_only.append(z_name)
        c.neurons[nid] = NeuronText(shown, lit, dim, o, z if z_text else None, o_text, z_text, o_px, z_px)
        if z_text:
            c.z_sizes[nid] = z_px


def _beside(c: Content, lay: CanvasLayout, nid: str, text: str) -> None:
    """Neuron `nid`'s numbers in a label beside its circle: its own place when the layout made
    one for its Z line, else the nearest free spot that covers no circle (every label shown:
    placed with the others, `_place_all`)."""
    fm = QFontMetricsF(lay.label_font)
    lines = text.split("\n")
    if c.show_all:
        c.side_labels[nid] = text
        heads = [t.partition(" = ")[0] for t in lines]  # 'Z11', then the neuron's name ('O11', 'ŷ')
        c.side_needs[nid] = tuple((h + " = ", h if h.startswith("Z") else nid) for h in heads)
        return
    w = max(fm.horizontalAdvance(t) for t in lines) + PILL_PAD + 2
    h = fm.height() * len(lines) + 4
    rect = lay.side_rects.get(nid)
    if rect is None or rect.width() < w or rect.height() < h:
        rect = side_rect(lay, nid, w, h)
    c.side_labels[nid] = text
    c.side_rects[nid] = QRectF(rect)
    if text.startswith("Z"):
        c.z_sizes[nid] = lay.label_font.pixelSize()


def painted_px(f: QFont, text: str, width: float) -> int:
    """The pixel size `text` is painted at in font `f` when it must fit in `width` (never larger than f's)."""
    px = fitted_px(f, text, width)
    return f.pixelSize() if px >= f.pixelSize() else max(1, math.floor(px))


def z_font_of(lay: CanvasLayout):
    """The Z line under a non-linear neuron's value: a little smaller than the value. (When the
    text must be big it is a label beside the circle instead, in the labels' font.)"""
    if lay.z_beside:
        return font(lay.label_font, lay.label_font.pixelSize())
    return font(lay.value_font, max(MIN_TEXT_PX, lay.value_font.pixelSize() * 0.8))


def _banner(spec: NetworkSpec, moment: Moment | None, phase: str | None, lit: int, selected: str | None,
            digits: int) -> str:
    if moment is None:
        return "No row shown yet"
    if moment.kind == "prediction":
        outs = ", ".join(output_name(spec, k) for k in range(1, spec.n_outputs + 1))
        return f"Prediction for a new input: forward pass only, {outs} from the current parameters (no target, no loss)"
    rec = moment.record
    where = f"Row {moment.row + 1}" if moment.row is not None else "Row"
    if moment.kind in ("after_step", "preview"):
        where += f", epoch {rec.epoch}"
    if phase == "pick":
        return f"{where}: pick the row"
    if phase == "forward":
        return f"{where}: forward pass, layer {lit} of {spec.n_layers}"
    if phase == "loss":
        return f"{where}: the loss L = {fmt(rec.loss, digits)}"
    if phase == "backward":
        return f"{where}: backward pass, ∂L/∂p flows from the output back"
    if phase == "update":
        return f"{where}: update p ← p − η·∂L/∂p (η = {fmt(rec.eta, digits)})"
    sel = f"   ·   selected: {selected}" if selected else ""
    if moment.kind == "after_step":
        what = "trained: labels show before → after" if moment.params_after is not None else "diverged: not updated"
        return f"{where} {what}; band width = |∂L/∂p|{sel}"
    if moment.kind == "preview":
        return f"{where}: the next row, not trained yet{sel}"
    return f"{where} at the current parameters: press Step or Play to train{sel}"


def glow_edges(spec: NetworkSpec, norms: dict[str, float]) -> frozenset[str]:
    """Big nets: bands only on the largest gradients (cheap to paint, and readable)."""
    weights = sorted((n for n in spec.param_names if n[0] == "W"), key=lambda n: -norms.get(n, 0.0))
    return frozenset(n for n in weights[:LABEL_EDGE_LIMIT] if norms.get(n, 0.0) > 0.05)
