"""The network drawn as a diagram: inputs, neurons, every weight and bias with its value.

`NetworkCanvas(state)` renders the application state alone (gui.state.AppState):
it subscribes to `setup` (the network and the table's column names), `shown` (the
one Moment every view shows), `selected`, `phase` (the step-through) and `precision`.
The geometry is gui.canvas.layout (computed once per size / network / font scale /
label form, never in paintEvent), what is drawn is gui.canvas.content (every text
and the number behind it: `shown_values()`), and gui.canvas.painting draws them.

This module keeps only the widget's own business: the state subscription, mouse
(click selects a parameter and takes keyboard focus), hover, tooltips, the
"show all labels" setting (context menu; the action `showAllLabelsInput` can go in a
menu too) and the gradient glow (a QVariantAnimation: the fade does not depend on
paintEvent being called).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEasingCurve, QPointF, QRectF, QSize, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QAction, QFont, QPainter
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from engine.notation import chain_path, display_name, fmt, fmt_full, neuron_id  # noqa: F401 (chain_path: re-export)
from gui import colors
from gui.canvas import layout as geometry
from gui.canvas.content import PHASES, Content, build_content, glow_edges, grad_norms, phase_name
from gui.canvas.layout import LABEL_EDGE_LIMIT, CanvasLayout, compute_layout
from gui.canvas.painting import paint, paint_empty
from gui.widgets.state_view import subscribe

__all__ = ["NetworkCanvas", "PHASES", "chain_path"]


class NetworkCanvas(QWidget):
    """The network diagram of `state`. Signal parameterSelected(str) when the user clicks a
    parameter (state.selected is set too). Public: set_font_scale, font_scale, item_at,
    edge_midpoint, neuron_center, neuron_radius, edge_label_visible, label_rects, label_font,
    value_font, z_font, neuron_label_rects, label_text, label_hint, label_hint_rect, tooltip_for, glow_level,
    shown_values, hover_only, highlighted, set_show_all_labels, show_all_labels, show_all_action."""

    parameterSelected = Signal(str)

    PLAYING_GLOW = 0.6  # the bands' level while training plays (no fade)
    GLOW_MS = 500
    LABEL_EDGE_LIMIT = LABEL_EDGE_LIMIT

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click takes typing focus from text fields
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.state = state
        self._spec = None
        self._input_names: tuple[str, ...] = ()
        self._hover: str | None = None  # a parameter name or an input id ('x1')
        self._font_scale = 1.0
        self._layout: CanvasLayout | None = None
        self._layout_key = None
        self._rooms_key, self._rooms_value = None, ()
        self._content: Content | None = None
        self._show_all = False
        # checkable, in the canvas' context menu; the window may put it in a menu as well
        self.show_all_action = QAction("Show all labels", self)
        self.show_all_action.setObjectName("showAllLabelsInput")
        self.show_all_action.setCheckable(True)
        self.show_all_action.setToolTip("Draw every weight, bias and neuron value, even where they crowd "
                                        "(otherwise a crowded one shows when you point at it)")
        self.show_all_action.toggled.connect(self.set_show_all_labels)
        self._glow = 0.0
        self._glow_edges: frozenset[str] = frozenset()
        self._glowing = None  # the moment whose glow is shown
        self._anim = QVariantAnimation(self)
        self._anim.setStartValue(1.0)
        self._anim.setEndValue(0.0)
        self._anim.setDuration(self.GLOW_MS)
        self._anim.setEasingCurve(QEasingCurve.Type.InQuad)
        self._anim.valueChanged.connect(self._on_glow)
        self._anim.finished.connect(self._on_glow_finished)
        events = state.events
        subscribe(self, events.setup, self._on_setup)
        subscribe(self, events.shown, self._on_shown)
        subscribe(self, events.selected, self._changed)
        subscribe(self, events.phase, self._changed)
        subscribe(self, events.precision, self._changed)
        self._on_setup(state.setup)
        self._glowing = state.shown  # what is already shown does not light up

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(900, 560)

    # ---- the state -------------------------------------------------------------------------
    def _on_setup(self, setup) -> None:
        self._spec = None if setup is None else setup.spec
        self._input_names = () if setup is None else tuple(str(n) for n in setup.dataset.input_names)
        self._hover = None
        self._stop_glow()
        self._changed()

    def _on_shown(self, moment) -> None:
        if (moment is not None and moment.kind == "after_step" and moment.record is not None
                and moment is not self._glowing and moment.spec == self._spec):
            self._glowing = moment
            self._glow_edges = glow_edges(moment.spec, grad_norms(moment.spec, moment.record.grads))
            self._anim.stop()
            if self.state.running:
                # While playing, every frame brings a new row: hold the bands steady instead of
                # fading them, so the canvas repaints once a frame, not 60 times a second.
                self._glow = self.PLAYING_GLOW
            else:
                self._glow = 1.0
                self._anim.start()
        elif moment is None or moment.kind != "after_step":
            self._glowing = moment
            self._stop_glow()
        self._changed()

    def _changed(self, *_args) -> None:
        self._content = None
        self.update()

    def _moment(self):
        m = self.state.shown
        return m if m is not None and self._spec is not None and m.spec == self._spec else None

    def _phase(self) -> str | None:
        return phase_name(self.state.phase)[0]

    # ---- presentation ------------------------------------------------------------------------
    def set_font_scale(self, factor: float) -> None:
        """Presentation mode: every text on the canvas scales by `factor`."""
        self._font_scale = max(0.5, float(factor))
        self._changed()

    def font_scale(self) -> float:
        return self._font_scale

    def set_show_all_labels(self, on: bool) -> None:
        """Draw every label, room or not (True), or leave the crowded ones to the hover (False)."""
        on = bool(on)
        if on != self._show_all:
            self._show_all = on
            self.show_all_action.setChecked(on)
            self._changed()

    def show_all_labels(self) -> bool:
        return self._show_all

    def glow_level(self) -> float:
        """1.0 right after a newly trained row is shown, fading to 0 over GLOW_MS."""
        return self._glow

    # ---- what is drawn ------------------------------------------------------------------------
    def shown_values(self) -> dict:
        """What the canvas shows, as the floats behind the labels:
        {"params": {name: value the shown forward pass used}, "params_after": {…} (only while an
        update is shown), "forward": {"O11": …, "Z11": … (Z only where the activation is not
        linear)} for every neuron the forward pass has reached (none in the 'pick' phase, layers
        ≤ k in ('forward', k)), "inputs": [x1, …] (as the network saw them, after scaling), and
        "y": [...] and "loss": L when the moment has a target}. A value with no room on the canvas
        is shown when hovered (`hover_only()` names them)."""
        if self._spec is None:
            return {"params": {}, "forward": {}, "inputs": []}
        values = self._ensure_content().values
        return {key: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                for key, v in values.items()}

    def hover_only(self) -> list[str]:
        """Names whose value has no room on the canvas now (a label on a crowded edge, a number too
        long for its circle): shown when hovered or selected, and in the tooltip. Empty while every
        label is shown (`set_show_all_labels(True)`)."""
        return [] if self._spec is None else list(self._ensure_content().hover_only)

    def label_text(self, name: str) -> str | None:
        """The text of parameter `name`'s label as drawn ('W111 = 0.42'), None when not drawn."""
        if self._spec is None:
            return None
        return self._ensure_content().labels.get(name)

    def highlighted(self) -> frozenset[str]:
        """What is drawn highlighted: in the backward / update phases the selected parameter's
        path to the loss (engine.notation.chain_path: parameter and neuron names), else nothing."""
        return frozenset() if self._spec is None else self._ensure_content().path

    # ---- geometry for tests and other widgets --------------------------------------------------
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

    def neuron_radius(self) -> float:
        return self._ensure_layout().radius

    def edge_label_visible(self, name: str) -> bool:
        return self._spec is not None and name[0] == "W" and name in self._ensure_content().labels

    def label_font(self) -> QFont:
        """The font of the parameter labels at the current size and font scale (smaller when every
        label is shown and they need it to fit)."""
        if self._spec is None:
            return QFont(self._ensure_layout().label_font)
        return QFont(self._ensure_content().label_font)

    def value_font(self) -> QFont:
        """The font of the numbers inside the neuron circles at the current size and font scale."""
        return QFont(self._ensure_layout().value_font)

    def z_font(self) -> QFont | None:
        """The font of the smallest 'Z = …' text drawn now, at the size it is painted (inside a
        circle it is fitted to the circle; beside it, a label); None when no Z is drawn."""
        if self._spec is None:
            return None
        c, lay = self._ensure_content(), self._ensure_layout()
        if not c.z_sizes:
            return None
        nid = min(c.z_sizes, key=c.z_sizes.get)
        base = c.label_font if nid in c.side_labels else lay.value_font
        f = QFont(base)
        f.setPixelSize(c.z_sizes[nid])
        return f

    def neuron_label_rects(self) -> dict[str, QRectF]:
        """Neuron values drawn in a label beside their circle ('O11' → its box): a Z line when the
        text must be big, and every value without room in its circle when all labels are shown."""
        if self._spec is None:
            return {}
        return {n: QRectF(r) for n, r in self._ensure_content().side_rects.items()}

    def neuron_label_text(self, nid: str) -> str | None:
        """The text of neuron `nid`'s label beside its circle ('Z11 = 0.42'), None when it has none."""
        return None if self._spec is None else self._ensure_content().side_labels.get(nid)

    def label_rects(self) -> dict[str, QRectF]:
        """Every parameter label drawn (edges and biases), name → its box (for overlap checks)."""
        if self._spec is None:
            return {}
        return {n: QRectF(r) for n, r in self._ensure_content().slots.items()}

    def label_hint(self) -> str:
        """What the canvas says when "show all labels" is on and some still have no room even in
        small print ('' when every label is drawn, or when not all are asked for)."""
        return "" if self._spec is None else self._ensure_content().hint

    def label_hint_rect(self) -> QRectF | None:
        """Where that line is drawn (None when there is none)."""
        rect = None if self._spec is None else self._ensure_content().hint_rect
        return None if rect is None or not self.label_hint() else QRectF(rect)

    # ---- tooltips ------------------------------------------------------------------------
    def tooltip_for(self, item: str) -> str:
        """Rich text for a parameter ('W111', 'b11'), a neuron ('O11', 'ŷ') or an input ('x1')."""
        from gui.panels.derivation import math_html

        spec, m = self._spec, self._moment()
        if spec is None:
            return ""
        if item.startswith("x"):
            i = int(item[1:])
            label = self._input_names[i - 1] if i - 1 < len(self._input_names) else f"x{i}"
            text = f"<b>{label}</b> (x<sub>{i}</sub>)"
            if m is not None:
                text += f" = {fmt_full(m.x[i - 1])}"
                if not np.array_equal(m.x, m.x_raw):
                    text += f"<br><span style='color:{colors.MUTED}'>table value {fmt_full(m.x_raw[i - 1])}</span>"
            return text
        if item.startswith(("O", "ŷ")):
            if item.startswith("ŷ"):
                item = neuron_id(spec.n_layers, int(item[1:] or "1"))
            return self._neuron_tooltip(item)
        if m is None:
            return f"<b>{math_html(item)}</b>"
        lines = [f"<b>{math_html(item)}</b> = {fmt_full(m.params[item])}"]
        rec = m.record
        if rec is not None:
            lines.append(f"{math_html('∂L/∂' + item)} = {fmt_full(rec.grads[item])}")
        if rec is not None and m.params_after is not None:
            lines.append(f"update −η·{math_html('∂L/∂' + item)} = {fmt_full(rec.updates[item])}")
            lines.append(f"<span style='color:{colors.MUTED}'>{math_html(item)}: {fmt_full(m.params[item])} → "
                         f"{fmt_full(m.params_after[item])} (η = {fmt_full(rec.eta)})</span>")
        if item[0] == "b":
            lines.append(self._neuron_tooltip(neuron_id(int(item[1]), int(item[2]))))
        return "<br>".join(lines)

    def _neuron_tooltip(self, nid: str) -> str:
        from gui.panels.derivation import math_html

        spec, m = self._spec, self._moment()
        name = display_name(spec, nid)
        parts = [f"neuron <b>{math_html(name)}</b>"]
        if m is not None:
            parts.append(f"{math_html(name)} = {fmt_full(m.forward[nid])}")
            if not spec.activation(int(nid[1])).is_identity:
                z = "Z" + nid[1:]
                parts.append(f"{math_html(z)} = {fmt_full(m.forward[z])} ({spec.activations[int(nid[1]) - 1]})")
        return "<br>".join(parts)

    # ---- layout and content (cached off the paint path) --------------------------------------------
    def _ensure_layout(self) -> CanvasLayout:
        m = self._moment()
        phase = self._phase()
        first = frozenset()
        if phase in ("backward", "update") and self._spec is not None and self.state.selected in self._spec.param_names:
            first = frozenset(chain_path(self._spec, self.state.selected))
        update_lines = m is not None and m.params_after is not None
        raw = m is not None and not np.array_equal(m.x, m.x_raw)
        digits = self.state.precision
        rooms = self._rooms(m, digits)
        scaled = m is not None and m.record is not None and m.targets_scaled
        key = (self.width(), self.height(), self._spec, self._font_scale, self._input_names,
               digits, update_lines, raw, rooms, first, scaled)
        if self._layout is None or key != self._layout_key:
            old = self._layout
            self._layout = compute_layout(
                self._spec, self.width(), self.height(), self.font(), font_scale=self._font_scale,
                input_labels=self._input_names, digits=self.state.precision, update_lines=update_lines,
                raw_inputs=raw, rooms=dict(rooms), first=first, scaled_targets=scaled)
            if old is not None:  # its "show all" plans stand on the new layout while they still fit
                self._layout.earlier = list(old.plans.values())[-4:] or old.earlier
            self._layout_key = key
            self._content = None
        return self._layout

    def _rooms(self, m, digits: int) -> tuple:
        """Labels and input boxes are as wide as their longest number (rounded up to whole digits):
        they keep their place while the values change, and move only when a longer number comes."""
        key = (m, digits, self.width(), self.height(), self._font_scale)
        if key != self._rooms_key:
            numbers: dict[str, list[str]] = {"x": [], "raw": []}
            if m is not None:
                for values in (m.params, m.params_after or {}):
                    for n, v in values.items():
                        numbers.setdefault(n, []).append(fmt(v, digits))
                for name in m.spec.value_names:  # Z and O labels beside the circles (big text)
                    if name in m.forward:
                        numbers[name] = [fmt(m.forward[name], digits)]
                numbers["x"] = [fmt(v, digits) for v in m.x]
                numbers["raw"] = [fmt(v, digits) for v in m.x_raw]
            rooms = geometry.number_rooms(self.font(), self.width(), self.height(), self._font_scale, digits, numbers)
            self._rooms_key, self._rooms_value = key, tuple(sorted(rooms.items()))
        return self._rooms_value

    def _ensure_content(self) -> Content:
        lay = self._ensure_layout()
        if self._content is None:
            self._content = build_content(
                self._spec, self._moment(), lay, phase=self.state.phase, selected=self.state.selected,
                hover=self._hover, digits=self.state.precision, input_names=self._input_names,
                font_scale=self._font_scale, show_all=self._show_all)
        return self._content

    def _hit(self, pos: QPointF) -> str | None:
        if self._spec is None:
            return None
        lay, c = self._ensure_layout(), self._ensure_content()
        return geometry.hit(lay, pos, c.slots, c.edge_width)

    # ---- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            name = self.item_at(event.position())
            if name is not None:
                self.state.selected = name
                self.parameterSelected.emit(name)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        hit = self._hit(event.position())
        if hit != self._hover:
            self._hover = hit
            self.setCursor(Qt.CursorShape.PointingHandCursor if hit and hit[0] in "Wb" else Qt.CursorShape.ArrowCursor)
            self._changed()
        super().mouseMoveEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        menu = QMenu(self)
        menu.addAction(self.show_all_action)
        menu.exec(event.globalPos())

    def leaveEvent(self, event) -> None:  # noqa: N802
        if self._hover is not None:
            self._hover = None
            self._changed()
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

    # ---- the glow ---------------------------------------------------------------------------------
    def _on_glow(self, value) -> None:
        self._glow = float(value)
        self.update()

    def _on_glow_finished(self) -> None:
        self._glow = 0.0
        self.update()

    def _stop_glow(self) -> None:
        self._anim.stop()
        self._glow = 0.0

    # ---- painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        if self._spec is None:
            paint_empty(p, QRectF(self.rect()))
        else:
            lay = self._ensure_layout()
            paint(p, lay, self._ensure_content(), glow=self._glow, glow_edges=self._glow_edges,
                  font_scale=self._font_scale)
        p.end()
