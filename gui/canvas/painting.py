"""Drawing the network canvas with QPainter: the layout (where) and the content (what).

Vector painting, antialiased, crisp at any device-pixel ratio. Nothing here decides
a number or a place: `paint` draws `Content` (gui.canvas.content) at the places of
`CanvasLayout` (gui.canvas.layout), with the look of gui.colors:

  - edges: thickness by |w|, colour by sign (blue ≥ 0 / orange < 0), an arrow head for
    the forward direction; a band whose width shows |∂L/∂p| (fading glow after a
    trained row, or the step-through's backward path)
  - neurons: circles with their name, their value (and Z where it differs from O);
    a ring for |∂L/∂b|; the output neuron has a double ring
  - labels: rounded pills as wide as their text, never wider than their box
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from gui import colors
from gui.canvas.content import Content, z_font_of
from gui.canvas.geometry import dist, towards
from gui.canvas.layout import PILL_PAD, CanvasLayout, fitted_px, font, layer_of
from gui.colors import qcolor


def paint(p: QPainter, lay: CanvasLayout, c: Content, *, glow: float = 0.0,
          glow_edges: frozenset[str] = frozenset(), font_scale: float = 1.0) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    p.fillRect(QRectF(0, 0, lay.width, lay.height), qcolor(colors.CANVAS_BG))
    grow = max(1.0, font_scale * 0.8)
    paint_edges(p, lay, c, glow, glow_edges, grow)
    paint_inputs(p, lay, c)
    paint_neurons(p, lay, c, glow, grow)
    paint_target(p, lay, c)
    paint_labels(p, lay, c)
    paint_banner(p, lay, c)


def paint_empty(p: QPainter, rect: QRectF) -> None:
    p.fillRect(rect, qcolor(colors.CANVAS_BG))
    p.setPen(qcolor(colors.MUTED))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "No network yet")


def paint_edges(p: QPainter, lay: CanvasLayout, c: Content, glow: float, glow_edges: frozenset[str],
                grow: float) -> None:
    names = [n for n in c.spec.param_names if n[0] == "W"]
    flat = Qt.PenCapStyle.FlatCap
    # 1. gradient bands: fading glow after a trained row, or the backward path in the step-through
    for name in names:
        g = c.grad_norm.get(name, 0.0)
        alpha = 0.0
        if c.path_bands and (not c.path or name in c.path):
            alpha = 0.5
        elif glow > 0 and name in glow_edges:
            alpha = 0.5 * glow
        if alpha > 0 and g > 0:
            band = c.edge_width[name] + (3 + 16 * g) * grow
            p.setPen(QPen(qcolor(colors.GRADIENT, alpha), band, Qt.PenStyle.SolidLine, flat))
            p.drawLine(*lay.edges[name])
    # 2. selection / hover halo
    for name in (c.selected, c.hover):
        if name in lay.edges:
            a = 0.9 if name == c.selected else 0.35
            p.setPen(QPen(qcolor(colors.SELECTION, a), c.edge_width[name] + 6, Qt.PenStyle.SolidLine, flat))
            p.drawLine(*lay.edges[name])
    # 3. the edges themselves, with an arrow head for the direction of the forward pass
    for name in names:
        p0, p1 = lay.edges[name]
        v = c.params.get(name, 0.0)
        color = qcolor(colors.sign_color(v), 0.25 if c.dimmed_edge(name) else 1.0)
        p.setPen(QPen(color, c.edge_width[name], Qt.PenStyle.SolidLine, flat))
        p.drawLine(p0, p1)
        arrow(p, p0, p1, max(6.0, lay.radius * 0.28), color)


def paint_inputs(p: QPainter, lay: CanvasLayout, c: Content) -> None:
    name_fm = QFontMetricsF(lay.box_name_font)
    for i, text in enumerate(c.inputs, start=1):
        xid = f"x{i}"
        rect = lay.input_rects[xid]
        strong = c.highlight_inputs
        p.setPen(QPen(qcolor(colors.SELECTION if (strong or c.hover == xid) else colors.INK), 3 if strong else 1.5))
        p.setBrush(QBrush(qcolor(colors.LIT if strong else colors.INPUT_FILL)))
        p.drawRoundedRect(rect, 8, 8)
        p.setPen(qcolor(colors.INK))
        room = rect.width() - 8
        if rect.height() >= name_fm.height() * 1.9:
            top = QRectF(rect.left(), rect.top() + 2, rect.width(), rect.height() / 2 - 2)
            bottom = QRectF(rect.left(), rect.center().y(), rect.width(), rect.height() / 2 - 2)
            draw_fitted(p, lay.box_name_font, top, text.first, room)
            draw_fitted(p, lay.box_font, bottom, text.second, room)
        else:  # a short box: one line
            one = text.second if text.x is not None else text.first
            draw_fitted(p, lay.box_font, rect, one, room)


def paint_neurons(p: QPainter, lay: CanvasLayout, c: Content, glow: float, grow: float) -> None:
    r = lay.radius
    name_h = QFontMetricsF(lay.name_font).height()
    value_h = QFontMetricsF(lay.value_font).height()
    z_font = z_font_of(lay)
    z_h = QFontMetricsF(z_font).height()
    for nid, center in lay.centers.items():
        n = c.neurons[nid]
        bias = "b" + nid[1:]
        # gradient ring for the bias (∂L/∂b = the neuron's error signal)
        g = c.grad_norm.get(bias, 0.0)
        alpha = 0.0
        if c.path_bands:
            alpha = 0.5 if (not c.path or bias in c.path or nid in c.path) else 0.0
        elif glow > 0:
            alpha = 0.5 * glow
        if alpha > 0 and g > 0:
            ring(p, center, r, r + (3 + 14 * g) * grow, qcolor(colors.GRADIENT, alpha))
        on_path = nid in c.path
        fill = colors.LIT if (n.lit and c.phase in ("forward", "loss")) or on_path else colors.NEURON_FILL
        width, outline = 2.0, colors.INK
        if bias == c.selected:
            outline, width = colors.SELECTION, 5.0
        elif bias == c.hover:
            width = 3.5
        fade = 0.4 if n.dim else 1.0
        # outline and fill as two fills: much cheaper than a stroked ellipse
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(qcolor(outline, fade)))
        p.drawEllipse(center, r + width / 2, r + width / 2)
        p.setBrush(QBrush(qcolor(fill)))
        p.drawEllipse(center, r - width / 2, r - width / 2)
        if layer_of(nid) == c.spec.n_layers:  # the output: a second ring
            ring(p, center, r - 4.6, r - 3.4, qcolor(outline, fade))
        p.setPen(qcolor(colors.MUTED if n.dim else colors.INK))
        if not n.o_text:
            p.setFont(lay.name_font)
            p.drawText(QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, n.name)
            continue
        total = name_h + (z_h if n.z_text else 0.0) + value_h
        y = center.y() - total / 2
        p.setFont(lay.name_font)
        p.drawText(QRectF(center.x() - r, y, 2 * r, name_h), Qt.AlignmentFlag.AlignCenter, n.name)
        y += name_h
        if n.z_text:  # at the size the content fitted it to (what `z_font()` reports)
            p.setPen(qcolor(colors.MUTED))
            p.setFont(font(z_font, n.z_px))
            p.drawText(QRectF(center.x() - r, y, 2 * r, z_h), Qt.AlignmentFlag.AlignCenter, n.z_text)
            y += z_h
        p.setPen(qcolor(colors.sign_text_color(n.o) if n.o is not None else colors.MUTED))
        p.setFont(font(lay.value_font, n.o_px or lay.value_font.pixelSize()))
        p.drawText(QRectF(center.x() - r, y, 2 * r, value_h), Qt.AlignmentFlag.AlignCenter, n.o_text)


def paint_target(p: QPainter, lay: CanvasLayout, c: Content) -> None:
    rect = lay.target_rect
    if rect is None or not c.target_lines:
        return
    strong = c.emphasise_target
    p.setPen(QPen(qcolor(colors.SELECTION if strong else colors.MUTED), 3 if strong else 1.2))
    p.setBrush(QBrush(qcolor(colors.LIT if strong else colors.LABEL_BG)))
    p.drawRoundedRect(rect, 8, 8)
    p.setPen(qcolor(colors.INK))
    slots = max(c.spec.n_outputs + 1, len(c.target_lines))
    line_h = rect.height() / slots
    for k, text in enumerate(c.target_lines):
        f = QFont(lay.box_font)
        f.setBold(text.startswith("L"))
        p.setFont(f)
        line = QRectF(rect.left(), rect.top() + line_h * k + 1, rect.width(), line_h)
        p.drawText(line, Qt.AlignmentFlag.AlignCenter, text)


def paint_labels(p: QPainter, lay: CanvasLayout, c: Content) -> None:
    p.setFont(c.label_font)
    fm = QFontMetricsF(c.label_font)
    near = fm.height() / 2 + 2
    # the selected and the hovered label last: on top, should one have had to go where others are
    for name in sorted(c.labels, key=lambda n: n in (c.selected, c.hover)):
        rect = pill_rect(fm, c.slots[name], c.labels[name])
        if name in c.anchors:
            leader(p, rect, c.anchors[name], near)
        elif name[0] == "b":  # a bias label away from its neuron (every label shown): a line to it
            nid = "O" + name[1:]
            leader(p, rect, towards(lay.centers[nid], rect.center(), lay.radius), near)
        pill(p, fm, rect, c.labels[name], name, c)
    for nid, text in c.side_labels.items():  # a neuron's numbers beside its circle
        rect = pill_rect(fm, c.side_rects[nid], text)
        leader(p, rect, towards(lay.centers[nid], rect.center(), lay.radius), near)
        pill(p, fm, rect, text, nid, c, border=colors.MUTED)
    if c.hint:  # some labels have no room even in small print: say so rather than overlap them
        rect = c.hint_rect
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(qcolor(colors.LABEL_BG, 0.9)))
        p.drawRoundedRect(rect, 4, 4)
        p.setPen(qcolor(colors.INK))
        px = fitted_px(c.label_font, c.hint, rect.width() - 8)
        f = c.label_font if px >= c.label_font.pixelSize() else font(c.label_font, max(1, math.floor(px)))
        p.setFont(f)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, c.hint)


def pill_rect(fm: QFontMetricsF, slot: QRectF, text: str) -> QRectF:
    """A label as wide as its text (never wider than its box), centred in its box."""
    tw = min(slot.width(), max(fm.horizontalAdvance(t) for t in text.split("\n")) + PILL_PAD)
    return QRectF(slot.center().x() - tw / 2, slot.top(), tw, slot.height())


def pill(p: QPainter, fm: QFontMetricsF, rect: QRectF, text: str, name: str, c: Content,
         border: str | None = None) -> None:
    selected = name == c.selected
    dim = c.phase in ("backward", "update") and bool(c.path) and name not in c.path and not selected
    a = 0.4 if dim else 1.0
    border = colors.SELECTION if selected else (border or colors.sign_color(c.params.get(name, 0.0)))
    bw = 2.5 if selected else (2.0 if name == c.hover else 1.2)
    radius = min(rect.height() / 2, fm.height() / 2 + 2)
    # border and fill as two fills: much cheaper than a stroked rounded rectangle
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(qcolor(border, a)))
    p.drawRoundedRect(rect.adjusted(-bw / 2, -bw / 2, bw / 2, bw / 2), radius + bw / 2, radius + bw / 2)
    p.setBrush(QBrush(qcolor(colors.SELECTION_FILL if selected else colors.LABEL_BG)))
    p.drawRoundedRect(rect.adjusted(bw / 2, bw / 2, -bw / 2, -bw / 2), radius - bw / 2, radius - bw / 2)
    p.save()
    p.setPen(qcolor(colors.INK, a))
    f = QFont(p.font())
    if selected:  # bold, made a little smaller when bold would be wider than the box
        f.setBold(True)
        widest = max(QFontMetricsF(f).horizontalAdvance(t) for t in text.split("\n"))
        if widest > rect.width() - PILL_PAD / 2:
            f = font(f, math.floor(f.pixelSize() * (rect.width() - PILL_PAD / 2) / widest), True)
    p.setFont(f)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()


def paint_banner(p: QPainter, lay: CanvasLayout, c: Content) -> None:
    if not c.banner:
        return
    f, rect = lay.label_font, lay.banner_rect
    px = fitted_px(f, c.banner, rect.width())  # a little smaller rather than cut (big text in presentation mode)
    p.setFont(f if px >= f.pixelSize() else font(f, max(1, math.floor(px))))
    p.setPen(qcolor(colors.MUTED))
    p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, c.banner)


# ---- small drawing helpers -------------------------------------------------------------------
def draw_fitted(p: QPainter, f: QFont, rect: QRectF, text: str, width: float) -> None:
    """`text` centred in `rect`, its font made smaller when it would be wider than `width`
    (never cut, never elided)."""
    px = fitted_px(f, text, width)
    p.setFont(f if px >= f.pixelSize() else font(f, max(1, math.floor(px)), f.bold()))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def leader(p: QPainter, rect: QRectF, anchor: QPointF, near: float) -> None:
    """A thin line from a label placed away from its edge (no room beside it) to that edge."""
    x = min(max(anchor.x(), rect.left()), rect.right())
    y = min(max(anchor.y(), rect.top()), rect.bottom())
    if dist(QPointF(x, y), anchor) <= near:
        return
    p.setPen(QPen(qcolor(colors.SELECTION, 0.7), 1.5))
    p.drawLine(QPointF(x, y), anchor)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(qcolor(colors.SELECTION, 0.7)))
    p.drawEllipse(anchor, 3.0, 3.0)


def arrow(p: QPainter, p0: QPointF, p1: QPointF, size: float, color) -> None:
    d = dist(p0, p1)
    if d < size * 2:
        return
    ux, uy = (p1.x() - p0.x()) / d, (p1.y() - p0.y()) / d
    base = QPointF(p1.x() - ux * size, p1.y() - uy * size)
    path = QPainterPath(p1)
    path.lineTo(QPointF(base.x() - uy * size * 0.5, base.y() + ux * size * 0.5))
    path.lineTo(QPointF(base.x() + uy * size * 0.5, base.y() - ux * size * 0.5))
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(color))
    p.drawPath(path)


def ring(p: QPainter, c: QPointF, inner: float, outer: float, color) -> None:
    """A filled annulus (cheaper than stroking a wide translucent circle)."""
    path = QPainterPath()
    path.addEllipse(c, outer, outer)
    path.addEllipse(c, inner, inner)  # odd-even fill: the hole
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(color))
    p.drawPath(path)
