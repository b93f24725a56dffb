"""The network drawn as a diagram: inputs, neurons, every weight and bias with its value.

Vector painting with QPainter (antialiased, scales with the window, crisp at any
device-pixel ratio). The geometry — where each neuron sits, where each edge's
label goes so labels don't overlap — is computed once per size / network / font
scale (`_Layout`), never in paintEvent; paintEvent only draws the latest state.

What is drawn
  - inputs: a box per column with its name (CGPA) and the row's value (x1 = 6.3)
  - neurons: circles with their name (O11, ŷ) and the row's forward value
  - edges: name and value (W111 = 0.42), thickness by |w|, colour by sign
    (blue ≥ 0 / orange < 0, see gui.colors); bias labels under each neuron
  - after each new record, a band on every edge and a ring on every neuron whose
    width shows |∂L/∂p|, fading over GLOW_MS (a QVariantAnimation: the fade
    state does not depend on paintEvent being called)
  - the selected parameter with a dark halo; step-through phases light the
    forward pass layer by layer, the backward path, and old → new values

Everything numeric comes from the record / params given to show_record.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEasingCurve, QPointF, QRectF, QSize, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine.notation import chain_path, display_name, fmt, fmt_full, neuron_id
from engine.spec import NetworkSpec, parse_param_name
from gui import colors
from gui.colors import qcolor

PHASES = ("pick", "forward", "loss", "backward", "update")
PHASE_ALIASES = {"row": "pick"}
_CANDIDATES = tuple(0.5 + d for k in range(8) for d in ((0.05 * k, -0.05 * k) if k else (0.0,)))  # along an edge  # the lesson files call the first phase "row"
VALUE_TEMPLATE = "−0.0000000"  # the width reserved for a number in a label (fmt: 6 significant digits)
CIRCLE_TEMPLATE = "−0.000000"


def _layer_of(name: str) -> int:
    return int(name[1])


@dataclass
class _Layout:
    """Geometry for one (size, network, font scale, phase): computed off the paint path."""

    base_px: float = 16.0
    name_font: QFont = field(default_factory=QFont)
    value_font: QFont = field(default_factory=QFont)
    box_name_font: QFont = field(default_factory=QFont)  # input and target boxes (never shrunk)
    box_font: QFont = field(default_factory=QFont)
    label_font: QFont = field(default_factory=QFont)
    radius: float = 30.0
    show_neuron_values: bool = True
    centers: dict[str, QPointF] = field(default_factory=dict)  # neuron id → centre
    input_rects: dict[str, QRectF] = field(default_factory=dict)  # 'x1' → box
    target_rect: QRectF | None = None
    edges: dict[str, tuple[QPointF, QPointF]] = field(default_factory=dict)  # W name → (start, end)
    anchors: dict[str, QPointF] = field(default_factory=dict)  # W name → label centre / click point
    label_rects: dict[str, QRectF] = field(default_factory=dict)  # labels that fit: always shown
    forced_rects: dict[str, QRectF] = field(default_factory=dict)  # the others, placed when first forced
    slot_context: dict = field(default_factory=dict)  # what _search_slot needs
    bias_rects: dict[str, QRectF] = field(default_factory=dict)  # b name → label box
    bias_above: set[str] = field(default_factory=set)  # bias labels drawn above their neuron
    bias_visible: bool = True
    edge_labels: bool = True
    banner_rect: QRectF = field(default_factory=QRectF)


class NetworkCanvas(QWidget):
    """The network diagram. Contract: set_network, show_record, select_parameter,
    parameterSelected(str); plus set_phase, show_prediction / clear_prediction,
    set_font_scale, item_at, edge_midpoint, neuron_center, tooltip_for, glow_level."""

    parameterSelected = Signal(str)

    GLOW_MS = 500
    LABEL_EDGE_LIMIT = 24  # more edges than this: edge labels only for the selected / hovered / path

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkCanvas")
        self.setMouseTracking(True)
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self._spec: NetworkSpec | None = None
        self._input_names: tuple[str, ...] = ()
        self._record = None
        self._params: dict[str, float] = {}
        self._weight_scale = 1.0
        self._grad_norm: dict[str, float] = {}
        self._glow_edges: frozenset[str] = frozenset()  # edges that get a gradient band
        self._selected: str | None = None
        self._hover: str | None = None  # a parameter name or an input id ('x1')
        self._phase: str | None = None
        self._path: frozenset[str] = frozenset()
        self._forward_layers: int | None = None
        self._prediction: tuple[tuple[float, ...], dict[str, float]] | None = None
        self._font_scale = 1.0
        self._layout: _Layout | None = None
        self._layout_key = None
        self._glow = 0.0
        self._anim = QVariantAnimation(self)
        self._anim.setStartValue(1.0)
        self._anim.setEndValue(0.0)
        self._anim.setDuration(self.GLOW_MS)
        self._anim.setEasingCurve(QEasingCurve.Type.InQuad)
        self._anim.valueChanged.connect(self._on_glow)
        self._anim.finished.connect(self._on_glow_finished)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(900, 560)

    # ---- the view contract -------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        self._spec = spec
        self._input_names = tuple(input_names)
        self._record = None
        self._params = {}
        self._grad_norm = {}
        self._prediction = None
        self._phase, self._path, self._forward_layers = None, frozenset(), None
        if self._selected not in spec.param_names:
            self._selected = None
        self._hover = None
        self._anim.stop()
        self._glow = 0.0
        self._invalidate_layout()

    def show_record(self, record, params: Mapping[str, float] | None = None) -> None:
        """The latest trained row (or None) and the current parameters."""
        if record is not None and (self._spec is None or record.spec != self._spec):
            self.set_network(record.spec, self._input_names)
        if params is not None and self._spec is not None:
            self._params = {n: float(params[n]) for n in self._spec.param_names}
        elif record is not None:
            after = record.params_after
            self._params = {n: after[n] for n in self._spec.param_names}
        weights = [abs(v) for n, v in self._params.items() if n[0] == "W" and math.isfinite(v)]
        self._weight_scale = max([1.0] + weights)  # the thickest edge is the largest |w| (≥ 1)
        if record is not self._record:
            self._record = record
            if record is None:
                self._grad_norm = {}
                self._anim.stop()
                self._glow = 0.0
            else:
                grads = record.grads
                mags = {n: abs(grads[n]) for n in self._spec.param_names}
                finite = [m for m in mags.values() if math.isfinite(m)]
                top = max(finite) if finite else 0.0
                # sqrt: small gradients stay visible next to a dominant one
                self._grad_norm = {
                    n: (math.sqrt(m / top) if top > 0 and math.isfinite(m) else (1.0 if not math.isfinite(m) else 0.0))
                    for n, m in mags.items()
                }
                # big nets: bands only on the largest gradients (cheap to paint, and readable)
                weights = [n for n in self._spec.param_names if n[0] == "W"]
                weights.sort(key=lambda n: -self._grad_norm[n])
                self._glow_edges = frozenset(n for n in weights[: self.LABEL_EDGE_LIMIT] if self._grad_norm[n] > 0.05)
                self._glow = 1.0
                self._anim.stop()
                self._anim.start()
        self.update()

    def select_parameter(self, name: str | None) -> None:
        """Highlight `name` (no signal: the caller already knows)."""
        if name is not None and self._spec is not None and name not in self._spec.param_names:
            return
        if name != self._selected:
            self._selected = name
            self.update()

    def selected_parameter(self) -> str | None:
        return self._selected

    # ---- teaching modes -----------------------------------------------------------------
    def set_phase(self, phase: str | None, path: Iterable[str] = (), forward_layers: int | None = None) -> None:
        """Step-through: phase in PHASES (or "row" for "pick") or None (normal view).

        path: parameter / neuron names to highlight (e.g. chain_path(spec, 'W111'));
        forward_layers: in the forward phase, how many layers are lit (default all).
        """
        phase = PHASE_ALIASES.get(phase, phase)
        if phase is not None and phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES} or None, got {phase!r}")
        names = set()
        for n in path:
            if n in ("ŷ",) or n.startswith("ŷ"):
                if self._spec is not None:
                    k = n[1:] or "1"
                    names.add(neuron_id(self._spec.n_layers, int(k)))
            elif n.startswith("Z"):
                names.add("O" + n[1:])
            else:
                names.add(n)
        self._phase = phase
        self._path = frozenset(names)
        self._forward_layers = forward_layers
        self._invalidate_layout()

    def phase(self) -> str | None:
        return self._phase

    def show_prediction(self, x, values: Mapping[str, float]) -> None:
        """Show an arbitrary input's forward pass (values: neuron name → value, from the engine)."""
        if x is None:
            self.clear_prediction()
            return
        self._prediction = (tuple(float(v) for v in x), {k: float(v) for k, v in values.items()})
        self.update()

    def clear_prediction(self) -> None:
        if self._prediction is not None:
            self._prediction = None
            self.update()

    def set_font_scale(self, factor: float) -> None:
        """Presentation mode: every text on the canvas scales by `factor`."""
        self._font_scale = max(0.5, float(factor))
        self._invalidate_layout()

    def font_scale(self) -> float:
        return self._font_scale

    def glow_level(self) -> float:
        """1.0 right after a new record, fading to 0 over GLOW_MS."""
        return self._glow

    # ---- geometry helpers for tests and other widgets ----------------------------------------
    def item_at(self, pos: QPointF) -> str | None:
        """The parameter under `pos` (a neuron gives its bias), or None."""
        hit = self._hit(QPointF(pos))
        return hit if hit is not None and hit[0] in "Wb" else None

    def edge_midpoint(self, name: str) -> QPointF:
        """A point on edge `name` that hits that edge (the label's centre when shown)."""
        return QPointF(self._ensure_layout().anchors[name])

    def neuron_center(self, nid: str) -> QPointF:
        """Centre of neuron 'O11' (output: 'O21' or 'ŷ') or of input box 'x1'."""
        lay = self._ensure_layout()
        if nid.startswith("x"):
            return lay.input_rects[nid].center()
        if nid.startswith("ŷ") and self._spec is not None:
            nid = neuron_id(self._spec.n_layers, int(nid[1:] or "1"))
        return QPointF(lay.centers[nid])

    def edge_label_visible(self, name: str) -> bool:
        lay = self._ensure_layout()
        return name in lay.label_rects or (name in lay.edges and self._label_forced(name))

    def label_rects(self) -> dict[str, QRectF]:
        """Edge labels currently shown, name → box (for overlap checks)."""
        lay = self._ensure_layout()
        shown = {n: QRectF(r) for n, r in lay.label_rects.items()}
        for n in self._forced_names():
            if n not in shown:
                shown[n] = QRectF(self._forced_rect(lay, n))
        return shown

    # ---- tooltips ------------------------------------------------------------------------
    def tooltip_for(self, item: str) -> str:
        """Rich text for a parameter ('W111', 'b11'), a neuron ('O11') or an input ('x1')."""
        spec = self._spec
        if spec is None:
            return ""
        rec = self._record
        if item.startswith("x"):
            i = int(item[1:])
            label = self._input_label(i)
            value = self._input_value(i)
            text = f"<b>{label}</b> (x<sub>{i}</sub>)"
            if value is not None:
                text += f" = {fmt_full(value)}"
            return text
        if item.startswith("O"):
            return self._neuron_tooltip(item)
        from gui.panels.derivation import math_html

        lines = [f"<b>{math_html(item)}</b> = {fmt_full(self._params.get(item, float('nan')))}"]
        if rec is not None:
            lines.append(f"{math_html('∂L/∂' + item)} = {fmt_full(rec.grads[item])} (last row)")
            lines.append(f"last update −η·{math_html('∂L/∂' + item)} = {fmt_full(rec.updates[item])}")
            lines.append(
                f"<span style='color:{colors.MUTED}'>{math_html(item)}: {fmt_full(rec.params_before[item])} → "
                f"{fmt_full(rec.params_after[item])} (η = {fmt_full(rec.eta)})</span>"
            )
        else:
            lines.append(f"<span style='color:{colors.MUTED}'>no row trained yet</span>")
        if item[0] == "b":
            lines.append(self._neuron_tooltip(neuron_id(_layer_of(item), int(item[2]))))
        return "<br>".join(lines)

    def _neuron_tooltip(self, nid: str) -> str:
        from gui.panels.derivation import math_html

        name = display_name(self._spec, nid)
        vals = self._neuron_values()
        z_name = "Z" + nid[1:]
        parts = [f"neuron <b>{math_html(name)}</b>"]
        if nid in vals:
            parts.append(f"{math_html(name)} = {fmt_full(vals[nid])}")
            if z_name in vals and not self._spec.activation(int(nid[1])).is_identity:
                parts.append(f"{math_html(z_name)} = {fmt_full(vals[z_name])}")
        return "<br>".join(parts)

    # ---- state helpers ------------------------------------------------------------------------
    def _input_label(self, i: int) -> str:
        if i - 1 < len(self._input_names) and self._input_names[i - 1]:
            return str(self._input_names[i - 1])
        return f"x{i}"

    def _input_value(self, i: int) -> float | None:
        if self._prediction is not None:
            x = self._prediction[0]
            return x[i - 1] if i - 1 < len(x) else None
        if self._record is not None:
            return float(self._record.x[i - 1])
        return None

    def _neuron_values(self) -> dict[str, float]:
        """Neuron id / Z name → value: the prediction's, else the record's forward pass."""
        if self._prediction is not None:
            vals = dict(self._prediction[1])
            if self._spec is not None:  # accept 'ŷ' / 'ŷ2' for the outputs
                for k in range(1, self._spec.n_outputs + 1):
                    for key in (f"ŷ{k}", "ŷ" if k == 1 else None):
                        if key and key in vals:
                            vals.setdefault(neuron_id(self._spec.n_layers, k), vals[key])
            return vals
        if self._record is not None:
            return self._record.forward
        return {}

    def _forced_names(self) -> list[str]:
        """Edges whose label must show whatever the clutter: selected, hovered, on the path."""
        names = [n for n in (self._selected, self._hover) if n and n[0] == "W"]
        names += sorted(n for n in self._path if n[0] == "W")
        return list(dict.fromkeys(names))

    def _label_forced(self, name: str) -> bool:
        return name == self._selected or name == self._hover or name in self._path

    def _lit_layers(self) -> int:
        """How many parameter layers show their forward values."""
        spec = self._spec
        if spec is None:
            return 0
        if self._prediction is not None:
            return spec.n_layers
        if self._record is None:
            return 0
        if self._phase == "pick":
            return 0
        if self._phase == "forward":
            return spec.n_layers if self._forward_layers is None else max(0, min(spec.n_layers, self._forward_layers))
        return spec.n_layers

    # ---- animation ---------------------------------------------------------------------------
    def _on_glow(self, value) -> None:
        self._glow = float(value)
        self.update()

    def _on_glow_finished(self) -> None:
        self._glow = 0.0
        self.update()

    # ---- layout ------------------------------------------------------------------------------
    def _invalidate_layout(self) -> None:
        self._layout_key = None
        self.update()

    def _ensure_layout(self) -> _Layout:
        key = (self.width(), self.height(), self._spec, self._font_scale, self._phase, self._path, self._input_names)
        if self._layout is None or key != self._layout_key:
            self._layout = self._compute_layout()
            self._layout_key = key
        return self._layout

    def _label_template(self) -> str:
        """The widest label text of the current phase (labels keep their place as values change)."""
        if self._phase == "update":
            return f"W111: {VALUE_TEMPLATE}\n→ {VALUE_TEMPLATE}"
        if self._phase == "backward":
            return f"∂L/∂W111\n= {VALUE_TEMPLATE}"
        return f"W111 = {VALUE_TEMPLATE}"

    def _compute_layout(self) -> _Layout:
        lay = _Layout()
        spec = self._spec
        w, h = float(max(self.width(), 1)), float(max(self.height(), 1))
        s = self._font_scale
        base = max(15.0, min(24.0, min(h / 26.0, w / 42.0))) * s  # px; labels are 0.82 of this
        lay.base_px = base
        lay.name_font = _font(self.font(), base, bold=True)
        lay.value_font = _font(self.font(), base * 0.85)
        lay.label_font = _font(self.font(), base * 0.78)
        lay.box_name_font, lay.box_font = lay.name_font, lay.value_font
        if spec is None:
            return lay
        name_fm = QFontMetricsF(lay.name_font)
        value_fm = QFontMetricsF(lay.value_font)
        label_fm = QFontMetricsF(lay.label_font)
        margin = 0.7 * base
        banner_h = label_fm.height() * 1.5
        lay.banner_rect = QRectF(margin, margin * 0.5, w - 2 * margin, banner_h)
        bias_h = label_fm.height() + 6
        # bias labels sit above the neurons of the upper half and below the others (away from
        # the edges, which fan in towards the middle); leave room for them, and below for a
        # second line in the step-through
        top = margin * 0.5 + banner_h + bias_h * 0.5
        bottom = h - margin - bias_h * 0.5 - label_fm.height()
        sizes = spec.sizes
        n_cols = len(sizes)
        n_in, n_out = spec.n_inputs, spec.n_outputs
        max_n = max(sizes[1:])
        # input boxes: wide enough for the column name and "x1 = −0.123456"
        in_w = max(
            max(name_fm.horizontalAdvance(self._input_label(i)) for i in range(1, n_in + 1)),
            value_fm.horizontalAdvance("x8 = " + VALUE_TEMPLATE),
        ) + base
        in_w = min(in_w, 0.25 * w)
        in_h_full = name_fm.height() + value_fm.height() + 0.6 * base
        # the target / loss box: under a single output neuron's bias, else in a strip on the right
        tgt_w = value_fm.horizontalAdvance("L = " + VALUE_TEMPLATE) + base
        tgt_h = value_fm.height() * 2 + 0.5 * base
        x_left = margin + in_w
        v_space = (bottom - top) / max_n
        # a circle fits "−0.000000"; a longer value shrinks its font a little (_fit_font)
        want_r = max(name_fm.horizontalAdvance("O88"), value_fm.horizontalAdvance(CIRCLE_TEMPLATE)) / 2 + 0.3 * base
        right_room = (tgt_w / 2) if n_out == 1 else (tgt_w + 0.6 * base)
        x_right = w - margin - right_room
        col_gap = (x_right - x_left) / max(1, n_cols - 1)
        n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        gap_share = 0.2 if n_edges <= self.LABEL_EDGE_LIMIT else 0.27  # unlabelled edges may be shorter
        r = min(want_r, gap_share * col_gap, (v_space - 4) / 2 if v_space < 2 * want_r + bias_h + 4 else want_r)
        r = max(r, 7.0)
        lay.radius = r
        # fonts inside the circles shrink to fit (the value first: it is what changes);
        # below ~9 px the value moves to the tooltip
        value_px = min(base * 0.85, base * 0.85 * (1.9 * r) / max(1.0, value_fm.horizontalAdvance(CIRCLE_TEMPLATE)))
        lay.value_font = _font(self.font(), max(8.0, value_px))
        name_px = min(base, value_px * 1.2, base * (1.6 * r) / max(1.0, name_fm.horizontalAdvance("O88")))
        lay.name_font = _font(self.font(), max(8.0, name_px), bold=True)
        both_h = QFontMetricsF(lay.name_font).height() + QFontMetricsF(lay.value_font).height()
        lay.show_neuron_values = value_px >= 9.5 and both_h <= 2 * r * 0.95
        # neuron columns evenly spaced between the inputs' right edge and the output column
        neuron_cols = n_cols - 1
        x_out = x_right - (r if n_out > 1 else 0)
        x_out = min(x_out, w - margin - r)
        step = (x_out - x_left) / neuron_cols
        xs = [x_left + step * c for c in range(1, neuron_cols + 1)]
        bias_w = label_fm.horizontalAdvance("b11 = " + VALUE_TEMPLATE) + 12
        lay.bias_visible = v_space >= 2 * r + bias_h + 2 and bias_w <= step * 0.92
        # inputs
        in_v_space = (bottom - top) / n_in
        in_h = min(in_h_full, in_v_space - 6)
        for i in range(1, n_in + 1):
            cy = top + (i - 0.5) * in_v_space
            lay.input_rects[f"x{i}"] = QRectF(margin, cy - in_h / 2, in_w, in_h)
        for layer in range(1, n_cols):
            n = sizes[layer]
            for j in range(1, n + 1):
                cy = top + (j - 0.5) * (bottom - top) / n
                lay.centers[neuron_id(layer, j)] = QPointF(xs[layer - 1], cy)
        if n_out == 1:
            c = lay.centers[neuron_id(spec.n_layers, 1)]
            lay.target_rect = QRectF(c.x() - tgt_w / 2, c.y() + r + bias_h + 0.4 * base, tgt_w, tgt_h)
            if lay.target_rect.bottom() > h - 2:  # no room below: above the neuron
                lay.target_rect.moveBottom(c.y() - r - 0.4 * base)
        else:
            lay.target_rect = QRectF(w - margin - tgt_w, top, tgt_w, tgt_h)
        # edges, from the source's boundary to the target's
        for layer in range(1, n_cols):
            for j in range(1, sizes[layer] + 1):
                c1 = lay.centers[neuron_id(layer, j)]
                for i in range(1, sizes[layer - 1] + 1):
                    name = f"W{layer}{i}{j}"
                    if layer == 1:
                        rect = lay.input_rects[f"x{i}"]
                        p0 = QPointF(rect.right(), rect.center().y())
                    else:
                        p0 = _towards(lay.centers[neuron_id(layer - 1, i)], c1, r)
                    lay.edges[name] = (p0, _towards(c1, p0, r))
        # bias labels: above a neuron in the upper half, below otherwise
        middle = (top + bottom) / 2
        for layer in range(1, n_cols):
            for j in range(1, sizes[layer] + 1):
                c = lay.centers[neuron_id(layer, j)]
                name = f"b{layer}{j}"
                if c.y() < middle - 1:
                    lay.bias_above.add(name)
                    lay.bias_rects[name] = QRectF(c.x() - bias_w / 2, c.y() - r - 3 - (bias_h - 2), bias_w, bias_h - 2)
                else:
                    lay.bias_rects[name] = QRectF(c.x() - bias_w / 2, c.y() + r + 3, bias_w, bias_h - 2)
        self._place_labels(lay, label_fm)
        return lay

    def _place_labels(self, lay: _Layout, fm: QFontMetricsF) -> None:
        """Each edge label goes to the spot along its edge that overlaps no box, circle or
        other label, preferring spots clear of the layer's other edges, then the middle.
        Edges without such a spot (or every edge of a big net) get a label only when forced
        (selected / hovered / on the step-through path), placed on demand by _forced_rect."""
        spec = self._spec
        template = self._label_template().split("\n")
        tw = max(fm.horizontalAdvance(t) for t in template) + 12
        th = fm.height() * len(template) + 4
        boxes: list[QRectF] = list(lay.input_rects.values())
        if lay.bias_visible:
            boxes += list(lay.bias_rects.values())
        if lay.target_rect is not None:
            boxes.append(lay.target_rect)
        names = [n for n in spec.param_names if n[0] == "W"]
        by_layer: dict[int, list[str]] = {}
        for n in names:
            by_layer.setdefault(_layer_of(n), []).append(n)
        lay.slot_context = dict(
            tw=tw, th=th, boxes=boxes, by_layer=by_layer,
            circles=[(c, lay.radius + 2) for c in lay.centers.values()],
            bounds=QRectF(0, lay.banner_rect.bottom(), self.width(), self.height() - lay.banner_rect.bottom()),
        )
        lay.edge_labels = len(names) <= self.LABEL_EDGE_LIMIT
        if self._phase in ("backward", "update") and self._path:
            # the step-through's path labels are the ones that matter: place them first
            names.sort(key=lambda n: n not in self._path)
        # the click spot of an unlabelled edge: farthest from the layer's other edges (vectorised)
        ts = np.array(_CANDIDATES)
        seg = {n: np.array([[a.x(), a.y()], [b.x(), b.y()]]) for n, (a, b) in lay.edges.items()}
        placed: list[QRectF] = []
        unplaced = []
        for name in names:
            found = self._search_slot(lay, name, placed) if lay.edge_labels else None
            if found is not None:
                lay.anchors[name] = found.center()  # clicking it hits the label first
                lay.label_rects[name] = found
                placed.append(found)
            else:
                unplaced.append(name)
        # the click spot of an unlabelled edge: on the edge, not on anything hit before an edge
        # (a label, a bias label, a neuron, a box), and farthest from the layer's other edges
        centers = np.array([[c.x(), c.y()] for c in lay.centers.values()])
        blockers = placed + boxes
        for name in unplaced:
            pts = seg[name][0] + ts[:, None] * (seg[name][1] - seg[name][0])
            other_names = [o for o in by_layer[_layer_of(name)] if o != name]
            if other_names:
                sep = _points_to_segments(pts, np.array([seg[o] for o in other_names])).min(axis=1)
            else:
                sep = 1e9 - np.abs(ts - 0.5)  # prefer the middle
            inside = np.hypot(*(pts[:, None, :] - centers[None]).transpose(2, 0, 1)).min(axis=1) <= lay.radius + 2
            for k, (x, y) in enumerate(pts):
                if not inside[k] and any(r.contains(QPointF(x, y)) for r in blockers):
                    inside[k] = True
            sep[inside] = -1.0
            lay.anchors[name] = QPointF(*pts[int(np.argmax(sep))])

    def _search_slot(self, lay: _Layout, name: str, placed: list[QRectF]) -> QRectF | None:
        """The best free label box along edge `name`, or None."""
        ctx = lay.slot_context
        tw, th = ctx["tw"], ctx["th"]
        p0, p1 = lay.edges[name]
        others = [lay.edges[o] for o in ctx["by_layer"][_layer_of(name)] if o != name]
        length = max(1e-6, _dist(p0, p1))
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
        best = None
        for t in _CANDIDATES:
            pt = _lerp(p0, p1, t)
            for off in offsets:
                rect = QRectF(pt.x() + nx * off - tw / 2, pt.y() + ny * off - th / 2, tw, th)
                if not ctx["bounds"].contains(rect):
                    continue
                if any(rect.intersects(o) for o in ctx["boxes"]) or any(rect.intersects(o) for o in placed):
                    continue
                if any(_rect_circle(rect, cc, cr) for cc, cr in ctx["circles"]):
                    continue
                sep = min((_rect_seg_dist(rect, a, b) for a, b in others), default=1e9)
                score = min(sep, clear) * 100 - abs(t - 0.5) - abs(off) / th
                if best is None or score > best[0]:
                    best = (score, rect)
        return None if best is None else best[1]

    def _forced_rect(self, lay: _Layout, name: str) -> QRectF:
        """Where an otherwise hidden label goes when forced: clear of circles and boxes if
        possible, else on the edge's click spot. Computed on first use, kept with the layout."""
        rect = lay.forced_rects.get(name)
        if rect is None:
            rect = self._search_slot(lay, name, list(lay.label_rects.values()))
            if rect is None:
                tw, th = lay.slot_context["tw"], lay.slot_context["th"]
                pt = lay.anchors[name]
                rect = QRectF(pt.x() - tw / 2, pt.y() - th / 2, tw, th)
            lay.forced_rects[name] = rect
        return rect

    # ---- hit testing ----------------------------------------------------------------------------
    def _hit(self, pos: QPointF) -> str | None:
        """Parameter name, input id ('x1') or None under `pos` (labels first, then neurons, then edges)."""
        if self._spec is None:
            return None
        lay = self._ensure_layout()
        for name, rect in lay.label_rects.items():
            if rect.contains(pos):
                return name
        for name in self._forced_names():
            if name not in lay.label_rects and self._forced_rect(lay, name).contains(pos):
                return name
        if lay.bias_visible:
            for name, rect in lay.bias_rects.items():
                if rect.contains(pos):
                    return name
        for nid, c in lay.centers.items():
            if _dist(pos, c) <= lay.radius:
                return f"b{nid[1:]}"
        for xid, rect in lay.input_rects.items():
            if rect.contains(pos):
                return xid
        best, best_d = None, 1e9
        for name, (p0, p1) in lay.edges.items():
            d = _seg_dist(pos, p0, p1)
            if d < best_d:
                best, best_d = name, d
        tolerance = max(6.0, self._edge_width(best) / 2 + 4) if best else 0
        return best if best is not None and best_d <= tolerance else None

    # ---- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            name = self.item_at(event.position())
            if name is not None:
                self._selected = name
                self.update()
                self.parameterSelected.emit(name)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        hit = self._hit(event.position())
        if hit != self._hover:
            self._hover = hit
            self.setCursor(Qt.CursorShape.PointingHandCursor if hit and hit[0] in "Wb" else Qt.CursorShape.ArrowCursor)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            hit = self._hit(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(hit), self)
            return True
        return super().event(event)

    # ---- painting -------------------------------------------------------------------------------
    def _edge_width(self, name: str | None) -> float:
        if name is None:
            return 1.0
        v = self._params.get(name, 0.0)
        frac = min(1.0, abs(v) / self._weight_scale) if math.isfinite(v) else 1.0
        return (1.2 + 6.3 * frac) * max(1.0, self._font_scale * 0.8)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.fillRect(self.rect(), qcolor(colors.CANVAS_BG))
        if self._spec is None:
            p.setPen(qcolor(colors.MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No network yet")
            p.end()
            return
        lay = self._ensure_layout()
        self._paint_edges(p, lay)
        self._paint_inputs(p, lay)
        self._paint_neurons(p, lay)
        self._paint_target(p, lay)
        self._paint_bias_labels(p, lay)
        self._paint_edge_labels(p, lay)
        self._paint_banner(p, lay)
        p.end()

    def _dimmed_edge(self, name: str) -> bool:
        if self._phase in ("pick", "forward") and self._record is not None and self._prediction is None:
            return _layer_of(name) > self._lit_layers()
        if self._phase in ("backward", "update") and self._path:
            return name not in self._path
        return False

    def _paint_edges(self, p: QPainter, lay: _Layout) -> None:
        spec = self._spec
        names = [n for n in spec.param_names if n[0] == "W"]
        flat = Qt.PenCapStyle.FlatCap
        # 1. gradient bands: fading glow after a row, or the backward path in the step-through
        show_path = self._phase in ("backward", "update") and self._record is not None
        for name in names:
            p0, p1 = lay.edges[name]
            g = self._grad_norm.get(name, 0.0)
            ew = self._edge_width(name)
            alpha = 0.0
            if show_path and (not self._path or name in self._path):
                alpha = 0.5
            elif self._glow > 0 and self._prediction is None and name in self._glow_edges:
                alpha = 0.5 * self._glow
            if alpha > 0 and g > 0:
                band = ew + (3 + 16 * g) * max(1.0, self._font_scale * 0.8)
                p.setPen(QPen(qcolor(colors.GRADIENT, alpha), band, Qt.PenStyle.SolidLine, flat))
                p.drawLine(p0, p1)
        # 2. selection / hover halo
        for name in names:
            if name == self._selected or name == self._hover:
                p0, p1 = lay.edges[name]
                a = 0.9 if name == self._selected else 0.35
                p.setPen(QPen(qcolor(colors.SELECTION, a), self._edge_width(name) + 6, Qt.PenStyle.SolidLine, flat))
                p.drawLine(p0, p1)
        # 3. the edges themselves
        for name in names:
            p0, p1 = lay.edges[name]
            v = self._params.get(name, 0.0)
            a = 0.25 if self._dimmed_edge(name) else 1.0
            pen = QPen(qcolor(colors.sign_color(v), a), self._edge_width(name), Qt.PenStyle.SolidLine, flat)
            p.setPen(pen)
            p.drawLine(p0, p1)
            # an arrow head shows the direction of the forward pass
            _arrow(p, p0, p1, max(6.0, lay.radius * 0.28), qcolor(colors.sign_color(v), a))

    def _paint_inputs(self, p: QPainter, lay: _Layout) -> None:
        highlight = self._phase == "pick" and self._record is not None
        name_fm = QFontMetricsF(lay.box_name_font)
        for i in range(1, self._spec.n_inputs + 1):
            xid = f"x{i}"
            rect = lay.input_rects[xid]
            fill = colors.LIT if highlight else colors.INPUT_FILL
            pen = QPen(qcolor(colors.SELECTION if (highlight or self._hover == xid) else colors.INK), 3 if highlight else 1.5)
            p.setPen(pen)
            p.setBrush(QBrush(qcolor(fill)))
            p.drawRoundedRect(rect, 8, 8)
            value = self._input_value(i)
            label = self._input_label(i)
            sub = f"x{i} = {fmt(value)}" if value is not None else f"x{i}"
            p.setPen(qcolor(colors.INK))
            if rect.height() >= name_fm.height() * 1.9:
                top = QRectF(rect.left(), rect.top() + 2, rect.width(), rect.height() / 2 - 2)
                bottom = QRectF(rect.left(), rect.center().y(), rect.width(), rect.height() / 2 - 2)
                p.setFont(lay.box_name_font)
                p.drawText(top, Qt.AlignmentFlag.AlignCenter, _elide(name_fm, label, rect.width() - 8))
                p.setFont(lay.box_font)
                p.drawText(bottom, Qt.AlignmentFlag.AlignCenter, sub)
            else:
                p.setFont(lay.box_font)
                text = f"{label}: {fmt(value)}" if value is not None else label
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, _elide(QFontMetricsF(lay.box_font), text, rect.width() - 8))

    def _paint_neurons(self, p: QPainter, lay: _Layout) -> None:
        spec = self._spec
        vals = self._neuron_values()
        lit = self._lit_layers()
        r = lay.radius
        name_fm = QFontMetricsF(lay.name_font)
        for nid, c in lay.centers.items():
            layer = int(nid[1])
            bias = f"b{nid[1:]}"
            is_lit = layer <= lit and nid in vals
            # gradient ring for the bias (∂L/∂b = the neuron's error signal)
            g = self._grad_norm.get(bias, 0.0)
            alpha = 0.0
            if self._phase in ("backward", "update") and self._record is not None:
                alpha = 0.5 if (not self._path or bias in self._path or nid in self._path) else 0.0
            elif self._glow > 0 and self._prediction is None:
                alpha = 0.5 * self._glow
            if alpha > 0 and g > 0:
                ring = (3 + 14 * g) * max(1.0, self._font_scale * 0.8)
                _ring(p, c, r, r + ring, qcolor(colors.GRADIENT, alpha))
            on_path = nid in self._path and self._phase is not None
            fill = colors.LIT if (is_lit and self._phase in ("forward", "loss")) or on_path else colors.NEURON_FILL
            width = 2.0
            outline = colors.INK
            if bias == self._selected:
                outline, width = colors.SELECTION, 5.0
            elif bias == self._hover:
                width = 3.5
            dim = self._phase in ("pick", "forward") and self._record is not None and not is_lit and self._prediction is None
            # outline and fill as two fills: much cheaper than a stroked ellipse
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(qcolor(outline, 0.4 if dim else 1.0)))
            p.drawEllipse(c, r + width / 2, r + width / 2)
            p.setBrush(QBrush(qcolor(fill)))
            p.drawEllipse(c, r - width / 2, r - width / 2)
            if layer == spec.n_layers:  # the output: a second ring
                _ring(p, c, r - 4.6, r - 3.4, qcolor(outline, 0.4 if dim else 1.0))
            label = display_name(spec, nid)
            p.setPen(qcolor(colors.MUTED if dim else colors.INK))
            if lay.show_neuron_values and (is_lit or dim):
                box = QRectF(c.x() - r, c.y() - name_fm.height() * 0.95, 2 * r, name_fm.height())
                p.setFont(lay.name_font)
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
                p.setFont(lay.value_font)
                vbox = QRectF(c.x() - r, c.y() + 1, 2 * r, QFontMetricsF(lay.value_font).height())
                text = fmt(vals[nid]) if is_lit else "?"
                p.setFont(_fit_font(lay.value_font, text, 1.75 * r))
                p.setPen(qcolor(colors.sign_text_color(vals[nid]) if is_lit else colors.MUTED))
                p.drawText(vbox, Qt.AlignmentFlag.AlignCenter, text)
            else:
                p.setFont(lay.name_font)
                p.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, label)

    def _paint_target(self, p: QPainter, lay: _Layout) -> None:
        rec = self._record
        rect = lay.target_rect
        if rect is None or rec is None or self._prediction is not None:
            return
        if self._phase in ("pick", "forward"):
            if self._lit_layers() < self._spec.n_layers:
                return
        emphasis = self._phase == "loss"
        p.setPen(QPen(qcolor(colors.SELECTION if emphasis else colors.MUTED), 3 if emphasis else 1.2))
        p.setBrush(QBrush(qcolor(colors.LIT if emphasis else colors.LABEL_BG)))
        p.drawRoundedRect(rect, 8, 8)
        p.setFont(lay.box_font)
        p.setPen(qcolor(colors.INK))
        n_out = self._spec.n_outputs
        ys = ", ".join(fmt(v) for v in rec.y)
        first = f"y = {ys}" if n_out == 1 else f"y = ({ys})"
        half = rect.height() / 2
        p.drawText(QRectF(rect.left(), rect.top(), rect.width(), half), Qt.AlignmentFlag.AlignCenter, first)
        font = QFont(lay.box_font)
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(rect.left(), rect.top() + half - 2, rect.width(), half), Qt.AlignmentFlag.AlignCenter, f"L = {fmt(rec.loss)}")

    def _bias_text(self, name: str) -> str:
        return self._param_text(name)

    def _param_text(self, name: str) -> str:
        rec = self._record
        if self._phase == "update" and rec is not None and (not self._path or name in self._path):
            return f"{name}: {fmt(rec.params_before[name])}\n→ {fmt(rec.params_after[name])}"
        if self._phase == "backward" and rec is not None and (not self._path or name in self._path):
            return f"∂L/∂{name}\n= {fmt(rec.grads[name])}"
        return f"{name} = {fmt(self._params.get(name, float('nan')))}" if self._params else name

    def _paint_bias_labels(self, p: QPainter, lay: _Layout) -> None:
        p.setFont(lay.label_font)
        fm = QFontMetricsF(lay.label_font)
        for name, rect in lay.bias_rects.items():
            forced = name == self._selected or name == self._hover or name in self._path
            if not (lay.bias_visible or forced):
                continue
            self._draw_pill(p, fm, rect, self._bias_text(name), name, anchor="bottom" if name in lay.bias_above else "top")

    def _paint_edge_labels(self, p: QPainter, lay: _Layout) -> None:
        p.setFont(lay.label_font)
        fm = QFontMetricsF(lay.label_font)
        for name in (n for n in self._spec.param_names if n[0] == "W"):
            rect = lay.label_rects.get(name)
            if rect is None and self._label_forced(name):
                rect = self._forced_rect(lay, name)
            if rect is None:
                continue
            self._draw_pill(p, fm, rect, self._param_text(name), name)

    def _draw_pill(self, p: QPainter, fm: QFontMetricsF, slot: QRectF, text: str, name: str, anchor: str = "center") -> None:
        """A rounded label as wide as its text, centred in `slot`; a taller (two-line) label
        grows away from its neuron: down from the slot's top, or up from its bottom."""
        selected = name == self._selected
        hovered = name == self._hover
        lines = text.split("\n")
        tw = max(fm.horizontalAdvance(t) for t in lines) + 12
        height = max(slot.height(), fm.height() * len(lines) + 4)
        if anchor == "top":
            top = slot.top()
        elif anchor == "bottom":
            top = slot.bottom() - height
        else:
            top = slot.center().y() - height / 2
        rect = QRectF(slot.center().x() - tw / 2, top, tw, height)
        v = self._params.get(name, 0.0)
        dim = self._phase in ("backward", "update") and bool(self._path) and name not in self._path and not selected
        a = 0.4 if dim else 1.0
        border = colors.SELECTION if selected else colors.sign_color(v)
        bw = 2.5 if selected else (2.0 if hovered else 1.2)
        radius = min(height / 2, fm.height() / 2 + 2)
        # border and fill as two fills: much cheaper than a stroked rounded rectangle
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(qcolor(border, a)))
        p.drawRoundedRect(rect.adjusted(-bw / 2, -bw / 2, bw / 2, bw / 2), radius + bw / 2, radius + bw / 2)
        p.setBrush(QBrush(qcolor(colors.SELECTION_FILL if selected else colors.LABEL_BG)))
        p.drawRoundedRect(rect.adjusted(bw / 2, bw / 2, -bw / 2, -bw / 2), radius - bw / 2, radius - bw / 2)
        if selected:
            f = QFont(p.font())
            f.setBold(True)
            p.save()
            p.setFont(f)
        p.setPen(qcolor(colors.INK, a))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if selected:
            p.restore()

    def _paint_banner(self, p: QPainter, lay: _Layout) -> None:
        text = self._banner_text()
        if not text:
            return
        p.setFont(lay.label_font)
        p.setPen(qcolor(colors.MUTED))
        p.drawText(lay.banner_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def _banner_text(self) -> str:
        rec = self._record
        if self._prediction is not None:
            return "Prediction for a new input (forward pass only, no training)"
        if rec is None:
            return "Initial parameters: press Step or Play to train on a row"
        where = f"Row {rec.row + 1}, epoch {rec.epoch}"
        phase = self._phase
        if phase == "pick":
            return f"{where}: pick the row"
        if phase == "forward":
            lit = self._lit_layers()
            return f"{where}: forward pass, layer {lit} of {self._spec.n_layers}"
        if phase == "loss":
            return f"{where}: the loss L = {fmt(rec.loss)}"
        if phase == "backward":
            return f"{where}: backward pass, ∂L/∂p flows from the output back"
        if phase == "update":
            return f"{where}: update p ← p − η·∂L/∂p (η = {fmt(rec.eta)})"
        sel = f"   ·   selected: {self._selected}" if self._selected else ""
        return f"{where}: band width = |∂L/∂p|; blue = positive, orange = negative{sel}"


# ---- small geometry helpers ----------------------------------------------------------------
def _lerp(a: QPointF, b: QPointF, t: float) -> QPointF:
    return QPointF(a.x() + (b.x() - a.x()) * t, a.y() + (b.y() - a.y()) * t)


def _dist(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())


def _towards(c: QPointF, target: QPointF, r: float) -> QPointF:
    d = _dist(c, target)
    if d == 0:
        return QPointF(c)
    return QPointF(c.x() + (target.x() - c.x()) * r / d, c.y() + (target.y() - c.y()) * r / d)


def _seg_dist(pt: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return _dist(pt, a)
    t = max(0.0, min(1.0, ((pt.x() - a.x()) * dx + (pt.y() - a.y()) * dy) / length2))
    return math.hypot(pt.x() - (a.x() + t * dx), pt.y() - (a.y() + t * dy))


def _arrow(p: QPainter, p0: QPointF, p1: QPointF, size: float, color) -> None:
    d = _dist(p0, p1)
    if d < size * 2:
        return
    ux, uy = (p1.x() - p0.x()) / d, (p1.y() - p0.y()) / d
    tip = p1
    base = QPointF(tip.x() - ux * size, tip.y() - uy * size)
    left = QPointF(base.x() - uy * size * 0.5, base.y() + ux * size * 0.5)
    right = QPointF(base.x() + uy * size * 0.5, base.y() - ux * size * 0.5)
    path = QPainterPath(tip)
    path.lineTo(left)
    path.lineTo(right)
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(color))
    p.drawPath(path)


def _font(base: QFont, pixels: float, bold: bool = False) -> QFont:
    f = QFont(base)
    f.setPixelSize(max(1, round(pixels)))
    f.setBold(bold)
    return f


def _points_to_segments(pts: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Distances (k, m) from k points (k, 2) to m segments (m, 2, 2)."""
    a, b = segs[:, 0], segs[:, 1]
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)
    rel = pts[:, None, :] - a[None, :, :]
    t = np.clip((rel * d[None]).sum(axis=2) / length2[None], 0.0, 1.0)
    nearest = a[None] + t[..., None] * d[None]
    return np.hypot(*(pts[:, None, :] - nearest).transpose(2, 0, 1))


def _ring(p: QPainter, c: QPointF, inner: float, outer: float, color) -> None:
    """A filled annulus (cheaper than stroking a wide translucent circle)."""
    path = QPainterPath()
    path.addEllipse(c, outer, outer)
    path.addEllipse(c, inner, inner)  # odd-even fill: the hole
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(color))
    p.drawPath(path)


def _fit_font(font: QFont, text: str, width: float) -> QFont:
    """`font`, made smaller if `text` would be wider than `width` (not below 7 px)."""
    w = QFontMetricsF(font).horizontalAdvance(text)
    if w <= width:
        return font
    return _font(font, max(7.0, font.pixelSize() * width / w), font.bold())


def _rect_circle(rect: QRectF, c: QPointF, r: float) -> bool:
    """Does the rectangle overlap the disc of radius r around c?"""
    nx = min(max(c.x(), rect.left()), rect.right())
    ny = min(max(c.y(), rect.top()), rect.bottom())
    return math.hypot(c.x() - nx, c.y() - ny) < r


def _rect_seg_dist(rect: QRectF, a: QPointF, b: QPointF) -> float:
    """Distance between a rectangle and a segment (0 when they touch)."""
    if rect.contains(a) or rect.contains(b):
        return 0.0
    corners = [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]
    for k in range(4):
        if _segments_cross(a, b, corners[k], corners[(k + 1) % 4]):
            return 0.0
    d = min(_seg_dist(c, a, b) for c in corners)
    for pt in (a, b):
        nx = min(max(pt.x(), rect.left()), rect.right())
        ny = min(max(pt.y(), rect.top()), rect.bottom())
        d = min(d, math.hypot(pt.x() - nx, pt.y() - ny))
    return d


def _segments_cross(p1: QPointF, p2: QPointF, p3: QPointF, p4: QPointF) -> bool:
    def orient(a, b, c):
        return (b.x() - a.x()) * (c.y() - a.y()) - (b.y() - a.y()) * (c.x() - a.x())

    d1, d2 = orient(p3, p4, p1), orient(p3, p4, p2)
    d3, d4 = orient(p1, p2, p3), orient(p1, p2, p4)
    return (d1 > 0) != (d2 > 0) and (d3 > 0) != (d4 > 0)


def _elide(fm: QFontMetricsF, text: str, width: float) -> str:
    return fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
