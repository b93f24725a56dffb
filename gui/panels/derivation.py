"""“Why this number?”: one parameter's derivative written out, factor by factor.

For the selected parameter and the last trained row the panel shows

    ∂L/∂W111 = ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111      the chain rule (tutorial notation)
             = −2(y − ŷ) · W211 · x1              each factor's formula
             = −2(7 − 212.6) · 1 · 6.3            the row's numbers substituted
             = (411.2) · (1) · (6.3)              each factor's value
             = 2590.56                            the product: the gradient
    W111 ← W111 − η·∂L/∂W111 = 1 − 0.01 · 2590.56 = −24.9056

Every number comes from the engine's record: factors from ``record.chain``,
the gradient from ``record.grads``, old/new values from ``params_before`` /
``params_after``; this module only writes them down. The typesetting helpers
(subscripts, substitution of a row's numbers into a formula) are shared with
the parameter inspector.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QTextBrowser, QWidget

from engine.spec import NetworkSpec
from gui import colors
from engine.notation import fmt

MODES = ("selected", "all")

# Names a formula may contain: ∂L/∂Z21 (a backprop delta), ŷ / ŷ2, y / y2, W111, b11, O11, Z11, x1.
_TOKEN = re.compile(r"∂L/∂Z\d+|(?<![A-Za-z])(?:ŷ\d*|y\d*|[WbOZx]\d+)(?![A-Za-z])")
_SUBSCRIPT = re.compile(r"(?<![A-Za-z])(ŷ|[WbOZxy])(\d+)")


# ---- typesetting -------------------------------------------------------------
def math_html(text: str) -> str:
    """Plain tutorial notation → HTML: W111 → W<sub>111</sub>, ŷ1 → ŷ<sub>1</sub>."""
    return _SUBSCRIPT.sub(r"\1<sub>\2</sub>", html.escape(text, quote=False))


def num(value: float) -> str:
    """A number as it appears inside an expression: negatives in parentheses."""
    s = fmt(value)
    return f"({s})" if s.startswith("−") else s


def _needs_parentheses(expr: str) -> bool:
    """True when `expr` has a top-level +, −, / or 'if' (so a product must bracket it)."""
    depth = 0
    for i, ch in enumerate(expr):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and i > 0 and ch in "+−/" and expr[i - 1] == " ":
            return True
    return " if " in expr


def bracket(expr: str) -> str:
    return f"({expr})" if _needs_parentheses(expr) else expr


def row_values(record) -> dict[str, float]:
    """Every name a chain formula can mention → that row's number, from the record.

    Parameters are the values *before* the update (the ones the gradient used);
    ∂L/∂Z of a neuron is the gradient of its bias (∂Z/∂b = 1).
    """
    spec = record.spec
    values: dict[str, float] = {}
    n_out = spec.n_outputs
    for i, v in enumerate(record.x, start=1):
        values[f"x{i}"] = float(v)
    for k in range(n_out):
        suffix = "" if n_out == 1 else str(k + 1)
        values["y" + suffix] = float(record.y[k])
        values["ŷ" + suffix] = float(record.y_hat[k])
    values.update(record.forward)
    before = record.params_before
    grads = record.grads
    for name in spec.param_names:
        values[name] = before[name]
        if name[0] == "b":
            values["∂L/∂Z" + name[1:]] = grads[name]
    return values


def substitute(formula: str, values: Mapping[str, float]) -> str:
    """'−2(y − ŷ)' → '−2(7 − 212.6)'; names without a number are left as they are."""
    def repl(m: re.Match) -> str:
        token = m.group(0)
        return num(values[token]) if token in values else token

    text = _TOKEN.sub(repl, formula)
    return text[2:] if text.startswith("Σ ") else text


def chain_rule_html(record, name: str, *, with_formulas: bool = True) -> str:
    """Compact rich text for the inspector: names, (formulas,) numbers, result."""
    factors = record.chain[name]
    lhs = math_html(f"∂L/∂{name}")
    names = " · ".join(math_html(f.name) for f in factors)
    numbers = " · ".join(f"({fmt(f.value)})" for f in factors)
    lines = [f"{lhs} = {names}"]
    if with_formulas:
        lines.append("= " + " · ".join(math_html(bracket(f.formula)) for f in factors))
    lines.append(f"= {numbers} = <b>{fmt(record.grads[name])}</b>")
    return "<br>".join(lines)


# ---- the panel -----------------------------------------------------------------
class DerivationPanel(QTextBrowser):
    """The derivation of the selected parameter's gradient and update for the last row.

    Contract (like every view): set_network, show_record, select_parameter and
    the signal parameterSelected(str). set_mode("selected" | "all") switches to a
    list of every derivative of the row (also the toggle `derivationAllToggle`).
    In "all" mode a parameter's name is a link that selects it.
    """

    parameterSelected = Signal(str)

    BASE_PIXELS = 18

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("derivationPanel")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self._spec: NetworkSpec | None = None
        self._input_names: tuple[str, ...] = ()
        self._record = None
        self._selected: str | None = None
        self._mode = "selected"
        self._font_scale = 1.0
        self._dirty = True
        self._rendered_key = None

        self._header = QWidget(self)
        self._header.setObjectName("derivationHeader")
        row = QHBoxLayout(self._header)
        row.setContentsMargins(8, 4, 8, 4)
        self._title = QLabel("Why this number?", self._header)
        self._title.setObjectName("derivationTitle")
        title_font = self._title.font()
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._toggle = QCheckBox("All parameters", self._header)
        self._toggle.setObjectName("derivationAllToggle")
        self._toggle.setToolTip("List every derivative of the last row at once")
        self._toggle.toggled.connect(lambda on: self.set_mode("all" if on else "selected"))
        row.addWidget(self._title)
        row.addStretch(1)
        row.addWidget(self._toggle)
        self._apply_font()

    # ---- the view contract ------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        self._spec = spec
        self._input_names = tuple(input_names)
        self._record = None
        if self._selected not in spec.param_names:
            self._selected = spec.param_names[0]
        self._invalidate()

    def show_record(self, record, params: Mapping[str, float] | None = None) -> None:
        if record is self._record:
            return
        if record is not None and (self._spec is None or record.spec != self._spec):
            self._spec = record.spec
            if self._selected not in self._spec.param_names:
                self._selected = self._spec.param_names[0]
        self._record = record
        self._invalidate()

    def select_parameter(self, name: str) -> None:
        if name == self._selected:
            return
        if self._spec is not None and name not in self._spec.param_names:
            return
        self._selected = name
        self._invalidate()

    def selected_parameter(self) -> str | None:
        return self._selected

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if self._toggle.isChecked() != (mode == "all"):
            self._toggle.setChecked(mode == "all")  # re-enters set_mode once
            return
        if mode != self._mode:
            self._mode = mode
            self._invalidate()

    def mode(self) -> str:
        return self._mode

    def set_font_scale(self, factor: float) -> None:
        self._font_scale = max(0.5, float(factor))
        self._apply_font()
        self._invalidate()

    # ---- text access (always current, even while hidden) -----------------------------
    def toPlainText(self) -> str:  # noqa: N802 (Qt naming)
        self._flush()
        return super().toPlainText()

    def toHtml(self) -> str:  # noqa: N802
        self._flush()
        return super().toHtml()

    # ---- rendering ------------------------------------------------------------------
    def _invalidate(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._flush()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._flush()

    def _flush(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        key = (id(self._record), self._selected, self._mode, self._font_scale, self._spec)
        if key == self._rendered_key:
            return
        self._rendered_key = key
        bar = self.verticalScrollBar()
        pos = bar.value()
        self.setHtml(self._build_html())
        bar.setValue(pos)

    def _apply_font(self) -> None:
        font = QFont(self.font())
        font.setPixelSize(round(self.BASE_PIXELS * self._font_scale))
        self.document().setDefaultFont(font)
        self.document().setDefaultStyleSheet(
            f"""
            .muted {{ color: {colors.MUTED}; }}
            .head {{ font-weight: bold; color: {colors.INK}; }}
            .result {{ font-weight: bold; color: {colors.GRADIENT_TEXT}; }}
            .selected {{ background-color: {colors.SELECTION_FILL}; }}
            a {{ color: {colors.INK}; text-decoration: none; }}
            """
        )
        header_font = QFont(self.font())
        header_font.setPixelSize(round(14 * self._font_scale))
        self._toggle.setFont(header_font)
        title_font = QFont(header_font)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._layout_header()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._layout_header()

    def _layout_header(self) -> None:
        h = self._header.sizeHint().height()
        self.setViewportMargins(0, h, 0, 0)
        cr = self.contentsRect()
        bar = self.verticalScrollBar()
        width = cr.width() - (bar.width() if bar.isVisible() else 0)
        self._header.setGeometry(cr.left(), cr.top(), width, h)

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("param:"):
            name = text[len("param:"):]
            self.select_parameter(name)
            self.parameterSelected.emit(name)

    # ---- the HTML ---------------------------------------------------------------------
    def _build_html(self) -> str:
        record, name = self._record, self._selected
        if record is None or name is None:
            return (
                f"<p class='muted'>Train one row (Step) and the derivative of the selected parameter "
                f"appears here, factor by factor, with that row's numbers.</p>"
            )
        values = row_values(record)
        parts = [self._row_summary(record)]
        if record.diverged:
            parts.append(
                "<p><b>This row diverged</b>: the loss or a parameter stopped being a finite number, "
                "so its update was not kept.</p>"
            )
        if self._mode == "all":
            parts.append(self._all_html(record, values))
        else:
            parts.append(self._one_html(record, name, values))
        return "".join(parts)

    def _row_summary(self, record) -> str:
        spec = record.spec
        inputs = []
        for i, v in enumerate(record.x, start=1):
            label = self._input_names[i - 1] if i - 1 < len(self._input_names) else ""
            extra = f" <span class='muted'>({html.escape(label)})</span>" if label and label != f"x{i}" else ""
            inputs.append(f"{math_html(f'x{i}')} = {fmt(v)}{extra}")
        n_out = spec.n_outputs
        outs = []
        for k in range(n_out):
            s = "" if n_out == 1 else str(k + 1)
            outs.append(f"{math_html('y' + s)} = {fmt(record.y[k])}")
            outs.append(f"{math_html('ŷ' + s)} = {fmt(record.y_hat[k])}")
        return (
            f"<p class='muted'>Table row {record.row + 1} (epoch {record.epoch}, update {record.step + 1}), "
            f"parameters before its update:</p>"
            f"<p>{', '.join(inputs)}<br>{', '.join(outs)}, L = {fmt(record.loss)}, η = {fmt(record.eta)}</p>"
        )

    def _one_html(self, record, name: str, values: Mapping[str, float]) -> str:
        factors = record.chain[name]
        grad = record.grads[name]
        lhs = math_html(f"∂L/∂{name}")
        rows = [
            (lhs, " · ".join(math_html(f.name) for f in factors)),
            ("", " · ".join(math_html(bracket(f.formula)) for f in factors)),
            ("", " · ".join(math_html(bracket(substitute(f.formula, values))) for f in factors)),
            ("", " · ".join(f"({fmt(f.value)})" for f in factors)),
            ("", f"<span class='result'>{fmt(grad)}</span>"),
        ]
        eq = "".join(
            f"<tr><td align='right' style='padding-right:6px'>{l}</td><td>= {r}</td></tr>" for l, r in rows
        )
        out = [
            f"<p class='head'>The chain rule for {lhs}</p>",
            f"<table cellspacing='0' cellpadding='3'>{eq}</table>",
            "<p class='head'>Each factor</p>",
            self._factor_table(factors, values),
        ]
        out.append(self._collapse_html(record, factors, values))
        out.append(self._update_html(record, name))
        return "".join(out)

    def _factor_table(self, factors, values) -> str:
        """One paragraph per factor (wraps well in a narrow side panel):
        name = formula = formula with numbers = value."""
        paras = []
        for f in factors:
            formula = f.formula
            substituted = substitute(formula, values)
            parts = [math_html(f.name), math_html(formula)]
            if substituted not in (formula, fmt(f.value), num(f.value)):
                parts.append(math_html(substituted))
            parts.append(f"<b>{fmt(f.value)}</b>")
            paras.append(f"<p style='margin-left:8px'>{' = '.join(parts)}</p>")
        return "".join(paras)

    def _collapse_html(self, record, factors, values) -> str:
        """Sigmoid + cross-entropy: ∂L/∂ŷ · ∂ŷ/∂Z collapses to −(y − ŷ)."""
        spec = record.spec
        last = spec.n_layers
        if spec.loss != "bce" or spec.activations[-1] != "sigmoid" or len(factors) < 2:
            return ""
        first, second = factors[0], factors[1]
        if not (first.name.startswith("∂L/∂ŷ") and second.name.startswith("∂ŷ") and "/∂Z" in second.name):
            return ""
        k = int(second.name.rsplit("Z", 1)[1][1:] or 1)  # ∂ŷ/∂Z21 → neuron 1 of the output layer
        s = "" if spec.n_outputs == 1 else str(k)
        delta = record.grads[f"b{last}{k}"]  # ∂L/∂Z of that output neuron, from the engine
        y, yhat = f"y{s}", f"ŷ{s}"
        z = second.name.rsplit("∂", 1)[1]
        return (
            "<p class='head'>Sigmoid and cross-entropy cancel</p>"
            f"<p>{math_html(first.name)} · {math_html(second.name)} = "
            f"{math_html(bracket(first.formula))} · {math_html(second.formula)} = "
            f"{math_html(f'−({y} − {yhat})')} = "
            f"{math_html(f'−({substitute(y, values)} − {substitute(yhat, values)})')} = "
            f"<b>{fmt(delta)}</b><br>"
            f"<span class='muted'>(check: ({fmt(first.value)}) · ({fmt(second.value)}) = {fmt(delta)}; "
            f"this is {math_html('∂L/∂' + z)}, the error signal backprop sends back)</span></p>"
        )

    def _update_html(self, record, name: str) -> str:
        old = record.params_before[name]
        new = record.params_after[name]
        grad = record.grads[name]
        p = math_html(name)
        return (
            f"<p class='head'>The update (η = {fmt(record.eta)})</p>"
            f"<p>{p} ← {p} − η·{math_html(f'∂L/∂{name}')} = {fmt(old)} − {fmt(record.eta)} · {num(grad)} "
            f"= <b>{fmt(new)}</b><br>"
            f"{p}: {fmt(old)} → {fmt(new)} "
            f"<span class='muted'>(change −η·∂L/∂p = {fmt(record.updates[name])})</span></p>"
        )

    def _all_html(self, record, values) -> str:
        spec = record.spec
        rows = []
        for name in spec.param_names:
            factors = record.chain[name]
            cls = " class='selected'" if name == self._selected else ""
            link = f"<a href='param:{name}'>{math_html('∂L/∂' + name)}</a>"
            formulas = " · ".join(math_html(bracket(f.formula)) for f in factors)
            numbers = " · ".join(f"({fmt(f.value)})" for f in factors)
            rows.append(
                f"<tr{cls}><td>{link}</td><td>= {formulas}</td><td>= {numbers}</td>"
                f"<td>= <b>{fmt(record.grads[name])}</b></td>"
                f"<td>{math_html(name)}: {fmt(record.params_before[name])} → {fmt(record.params_after[name])}</td></tr>"
            )
        return (
            f"<p class='head'>Every derivative of this row ({len(spec.param_names)} parameters); "
            f"click one to see it written out</p>"
            f"<table cellspacing='0' cellpadding='4'>{''.join(rows)}</table>"
        )
