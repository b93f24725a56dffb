"""“Why this number?”: one parameter's derivative written out, factor by factor.

A view of the application state: for `state.selected` and the shown moment
(`state.shown`) the panel writes

    ∂L/∂W111 = ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111      the chain rule (tutorial notation)
             = −2(y − ŷ) · W211 · x1              each factor's formula
             = −2(6 − 32) · 1 · 6                 the row's numbers substituted
             = (52) · (1) · (6)                   each factor's value
             = 312                                the product: the gradient
    W111 ← W111 − η·∂L/∂W111 = 1 − 0.1 · 312 = −30.2      only when the moment shows an update

Every number comes from the moment's record (`record.chain`, `record.grads`) and
its parameters (`moment.params` / `moment.params_after`), written with
`fmt(v, state.precision)`; this module only writes them down. A prediction has
no target, so it has no loss and no gradient to explain. The typesetting helpers
(subscripts, substitution of a row's numbers into a formula) are shared with the
parameter inspector and the canvas.
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QFont, QTextOption
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QTextBrowser, QWidget

from engine.notation import SIGNIFICANT, fmt, output_name
from engine.training import RUNAWAY_FACTOR
from engine.typeset import bracket, math_html, num, substitute  # noqa: F401 (re-exported)
from gui import colors
from gui.state import AppState
from gui.widgets.state_view import RenderWhenShown, subscribe

MODES = ("selected", "all")
NOWRAP = "white-space:nowrap"

def row_values(record) -> dict[str, float]:
    """Every name a chain formula can mention → that row's number, from the record.

    Parameters are the values the forward pass used (before any update);
    ∂L/∂Z of a neuron is the gradient of its bias (∂Z/∂b = 1).
    """
    spec = record.spec
    values: dict[str, float] = {}
    for i, v in enumerate(record.x, start=1):
        values[f"x{i}"] = float(v)
    for k in range(spec.n_outputs):
        suffix = output_name(spec, k + 1)[1:]
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


def factor_numbers(factors, digits: int = SIGNIFICANT) -> str:
    """'(52) · (1) · (6)': each factor's value as printed."""
    return " · ".join(f"({fmt(f.value, digits)})" for f in factors)


def chain_rule_html(record, name: str, digits: int = SIGNIFICANT, *, with_formulas: bool = True) -> str:
    """Compact rich text for the inspector: names, (formulas,) numbers, result."""
    factors = record.chain[name]
    lhs = math_html(f"∂L/∂{name}")
    names = " · ".join(math_html(f.name) for f in factors)
    lines = [f"{lhs} = {names}"]
    if with_formulas:
        lines.append("= " + " · ".join(math_html(bracket(f.formula)) for f in factors))
    lines.append(f"= {factor_numbers(factors, digits)} = <b>{fmt(record.grads[name], digits)}</b>")
    return "<br>".join(lines)


def not_finite_words(record) -> str:
    """Why a diverged row was stopped, in words that are true for its numbers:
    'not a finite number' only for NaN or ∞, never for a large finite loss."""
    if not math.isfinite(record.loss):
        return f"its loss is not a finite number ({fmt(record.loss)})"
    bad = [n for n in record.spec.param_names if not math.isfinite(record.params_after[n])]
    if bad:
        return f"its update would make {', '.join(bad[:3])}{' …' if len(bad) > 3 else ''} not a finite number"
    return (f"its loss {fmt(record.loss)} ran away: more than {fmt(RUNAWAY_FACTOR)} times the largest row loss "
            "of the table where this η started")


# ---- the panel -----------------------------------------------------------------
class DerivationPanel(RenderWhenShown, QTextBrowser):
    """The derivation of the selected parameter's gradient for the shown moment.

    A view of `state` (shown, selected, precision, setup). set_mode("selected" | "all")
    switches to a list of every derivative of the row (also the toggle
    `derivationAllToggle`). In "all" mode a parameter's name is a link: clicking it sets
    `state.selected` and emits parameterSelected(name).
    """

    parameterSelected = Signal(str)

    BASE_PIXELS = 18

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("derivationPanel")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        # Break lines between words only: a number is never cut in two.
        self.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.anchorClicked.connect(self._on_anchor)
        self._mode = "selected"
        self._font_scale = 1.0
        self._rendered_key = None

        self._header = QWidget(self)
        self._header.setObjectName("derivationHeader")
        row = QHBoxLayout(self._header)
        row.setContentsMargins(8, 4, 8, 4)
        self._title = QLabel("Why this number?", self._header)
        self._title.setObjectName("derivationTitle")
        self._toggle = QCheckBox("All parameters", self._header)
        self._toggle.setObjectName("derivationAllToggle")
        self._toggle.setToolTip("List every derivative of the shown row at once")
        self._toggle.toggled.connect(lambda on: self.set_mode("all" if on else "selected"))
        row.addWidget(self._title)
        row.addStretch(1)
        row.addWidget(self._toggle)
        self._apply_font()

        for event in (state.events.setup, state.events.shown, state.events.selected, state.events.precision):
            subscribe(self, event, self.request_render)
        self.request_render()

    # ---- public ----------------------------------------------------------------
    def selected_parameter(self) -> str | None:
        return self._name(self.state.shown)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if self._toggle.isChecked() != (mode == "all"):
            self._toggle.setChecked(mode == "all")  # re-enters set_mode once
            return
        if mode != self._mode:
            self._mode = mode
            self.request_render()

    def mode(self) -> str:
        return self._mode

    def set_font_scale(self, factor: float) -> None:
        self._font_scale = max(0.5, float(factor))
        self._apply_font()
        self._rendered_key = None
        self.request_render()

    # ---- text access (always current, even while hidden) -----------------------------
    def toPlainText(self) -> str:  # noqa: N802 (Qt naming)
        self._catch_up()
        return super().toPlainText()

    def toHtml(self) -> str:  # noqa: N802
        self._catch_up()
        return super().toHtml()

    # ---- rendering ------------------------------------------------------------------
    def _catch_up(self) -> None:
        if self._stale:
            self._stale = False
            self.render_state()

    def render_state(self) -> None:
        s = self.state
        key = (s.shown, self._name(s.shown), self._mode, s.precision, self._input_names())
        if key == self._rendered_key:
            return
        self._rendered_key = key
        bar = self.verticalScrollBar()
        pos = bar.value()
        self.setHtml(self._build_html())
        bar.setValue(pos)

    def _name(self, moment) -> str | None:
        """The parameter to explain: the selected one, if the shown network has it."""
        selected = self.state.selected
        if moment is None:
            return selected
        names = moment.spec.param_names
        return selected if selected in names else names[0]

    def _input_names(self) -> tuple[str, ...]:
        s = self.state
        if s.setup is None or s.shown is None or s.setup.spec != s.shown.spec:
            return ()
        return s.setup.dataset.input_names

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
            self.state.selected = name
            self.parameterSelected.emit(name)

    # ---- the HTML ---------------------------------------------------------------------
    def _build_html(self) -> str:
        moment = self.state.shown
        if moment is None:
            return (
                "<p class='muted'>Train one row (Step) and the derivative of the selected parameter "
                "appears here, factor by factor, with that row's numbers.</p>"
            )
        if moment.record is None:
            return self._prediction_html(moment)
        record, name = moment.record, self._name(moment)
        values = row_values(record)
        parts = [self._row_summary(moment)]
        if record.diverged:
            parts.append(f"<p><b>This row diverged</b>: {html.escape(not_finite_words(record))}, "
                         f"so its update is not kept.</p>")
        if self._mode == "all":
            parts.append(self._all_html(moment))
        else:
            parts.append(self._one_html(moment, name, values))
        return "".join(parts)

    def _prediction_html(self, moment) -> str:
        d = self.state.precision
        spec = moment.spec
        outs = ", ".join(f"{math_html(output_name(spec, k + 1))} = {fmt(v, d)}" for k, v in enumerate(moment.y_hat))
        return (
            f"<p>{self._inputs_html(moment)}<br>{outs}</p>"
            "<p>This is a <b>prediction</b> for a new row: it has no target y, so there is no loss "
            "and no gradient to explain. Go back to training to see the chain rule of a table row.</p>"
        )

    def _inputs_html(self, moment) -> str:
        d = self.state.precision
        names = self._input_names()
        scaled = self.state.setup is not None and self.state.setup.scaling != "none"
        out = []
        for i, v in enumerate(moment.x, start=1):
            label = names[i - 1] if i - 1 < len(names) else ""
            raw = moment.x_raw[i - 1]
            extra = ""
            if label and scaled:
                extra = f" <span class='muted'>({html.escape(label)} = {fmt(raw, d)}, standardised)</span>"
            elif label and label != f"x{i}":
                extra = f" <span class='muted'>({html.escape(label)})</span>"
            out.append(f"{math_html(f'x{i}')} = {fmt(v, d)}{extra}")
        return ", ".join(out)

    def _row_summary(self, moment) -> str:
        d = self.state.precision
        record = moment.record
        spec = record.spec
        outs = []
        for k in range(spec.n_outputs):
            s = output_name(spec, k + 1)[1:]
            outs.append(f"{math_html('y' + s)} = {fmt(record.y[k], d)}")
            outs.append(f"{math_html('ŷ' + s)} = {fmt(record.y_hat[k], d)}")
        where = f"Table row {record.row + 1} (epoch {record.epoch}"
        if moment.kind == "after_step":
            where += f", update {record.step + 1}), trained with the parameters before its update:"
        elif moment.kind == "preview":
            where += "), the next row to train, at the current parameters:"
        else:
            where += "), at the current parameters (not trained):"
        return (
            f"<p class='muted'>{where}</p>"
            f"<p>{self._inputs_html(moment)}<br>{', '.join(outs)}, L = {fmt(record.loss, d)}, "
            f"η = {fmt(record.eta, d)}</p>"
            + self._target_scaling_html(moment)
        )

    def _target_scaling_html(self, moment) -> str:
        """How the table's units enter when the targets are standardised: the network learns
        y' = (y − μ)/σ, so y and ŷ above are in those units; here they are turned back."""
        if not moment.targets_scaled:
            return ""
        d = self.state.precision
        scaler, spec = moment.target_scaler, moment.spec
        lines = []
        y_table, y_hat_table = moment.y_table, moment.y_hat_table
        for k in range(spec.n_outputs):
            s = output_name(spec, k + 1)[1:]
            mu, sigma = float(scaler.mean[k]), float(scaler.scale[k])
            lines.append(
                f"{math_html('y' + s)} = ({fmt(y_table[k], d)} − {fmt(mu, d)}) / {fmt(sigma, d)} = "
                f"{fmt(moment.y[k], d)}; &nbsp; in the table's units "
                f"{math_html('ŷ' + s)} = {fmt(mu, d)} + {fmt(sigma, d)} · {fmt(moment.y_hat[k], d)} = "
                f"<b>{fmt(y_hat_table[k], d)}</b>")
        loss_table = moment.loss_table
        if loss_table is not None and spec.n_outputs == 1:
            sigma = float(scaler.scale[0])
            lines.append(f"L in the table's units = σ² · L = {fmt(sigma, d)}² · {fmt(moment.loss, d)} = "
                         f"<b>{fmt(loss_table, d)}</b>")
        return (
            "<p class='head'>Target scaling</p>"
            "<p class='muted'>The targets are standardised: the network learns y' = (y − μ)/σ, with μ and σ "
            "the target column's mean and deviation, so y, ŷ, L and every gradient here are in those units.</p>"
            f"<p>{'<br>'.join(lines)}</p>"
        )

    def _one_html(self, moment, name: str, values: Mapping[str, float]) -> str:
        d = self.state.precision
        record = moment.record
        factors = record.chain[name]
        lhs = math_html(f"∂L/∂{name}")
        rows = [
            (lhs, " · ".join(math_html(f.name) for f in factors)),
            ("", " · ".join(math_html(bracket(f.formula)) for f in factors)),
            ("", " · ".join(math_html(bracket(substitute(f.formula, values, d))) for f in factors)),
            ("", factor_numbers(factors, d)),
            ("", f"<span class='result'>{fmt(record.grads[name], d)}</span>"),
        ]
        eq = "".join(
            f"<tr><td align='right' style='padding-right:6px'>{left}</td><td>= {right}</td></tr>"
            for left, right in rows
        )
        return "".join((
            f"<p class='head'>The chain rule for {lhs}</p>",
            f"<table cellspacing='0' cellpadding='3'>{eq}</table>",
            "<p class='head'>Each factor</p>",
            self._factor_table(factors, values),
            self._collapse_html(record, factors, values),
            self._update_html(moment, name),
        ))

    def _factor_table(self, factors, values) -> str:
        """One paragraph per factor (wraps well in a narrow side panel):
        name = formula = formula with numbers = value."""
        d = self.state.precision
        paras = []
        for f in factors:
            formula = f.formula
            substituted = substitute(formula, values, d)
            parts = [math_html(f.name), math_html(formula)]
            if substituted not in (formula, fmt(f.value, d), num(f.value, d)):
                parts.append(math_html(substituted))
            parts.append(f"<b>{fmt(f.value, d)}</b>")
            paras.append(f"<p style='margin-left:8px'>{' = '.join(parts)}</p>")
        return "".join(paras)

    def _collapse_html(self, record, factors, values) -> str:
        """Sigmoid + cross-entropy: ∂L/∂ŷ · ∂ŷ/∂Z collapses to −(y − ŷ)."""
        d = self.state.precision
        spec = record.spec
        last = spec.n_layers
        if spec.loss != "bce" or spec.activations[-1] != "sigmoid" or len(factors) < 2:
            return ""
        first, second = factors[0], factors[1]
        if not (first.name.startswith("∂L/∂ŷ") and second.name.startswith("∂ŷ") and "/∂Z" in second.name):
            return ""
        k = int(second.name.rsplit("Z", 1)[1][1:] or 1)  # ∂ŷ/∂Z21 → neuron 1 of the output layer
        s = output_name(spec, k)[1:]
        delta = record.grads[f"b{last}{k}"]  # ∂L/∂Z of that output neuron, from the engine
        y, yhat = f"y{s}", f"ŷ{s}"
        z = second.name.rsplit("∂", 1)[1]
        return (
            "<p class='head'>Sigmoid and cross-entropy cancel</p>"
            f"<p>{math_html(first.name)} · {math_html(second.name)} = "
            f"{math_html(bracket(first.formula))} · {math_html(second.formula)} = "
            f"{math_html(f'−({y} − {yhat})')} = "
            f"{math_html(f'−({substitute(y, values, d)} − {substitute(yhat, values, d)})')} = "
            f"<b>{fmt(delta, d)}</b><br>"
            f"<span class='muted'>(check: ({fmt(first.value, d)}) · ({fmt(second.value, d)}) = {fmt(delta, d)}; "
            f"this is {math_html('∂L/∂' + z)}, the error signal backprop sends back)</span></p>"
        )

    def _update_html(self, moment, name: str) -> str:
        d = self.state.precision
        record = moment.record
        p = math_html(name)
        rule = f"{p} ← {p} − η·{math_html(f'∂L/∂{name}')}"
        if moment.params_after is None:
            if record.diverged:
                return ""
            when = ("in the step-through's 'update' phase" if moment.kind == "preview"
                    else "after a Step trains this row")
            return (
                f"<p class='head'>The update (η = {fmt(record.eta, d)})</p>"
                f"<p>{rule}<br><span class='muted'>The new value is shown {when}.</span></p>"
            )
        if record.batch_size > 1:
            return self._batch_update_html(moment, name, rule)
        old, new = moment.params[name], moment.params_after[name]
        grad = record.grads[name]
        return (
            f"<p class='head'>The update (η = {fmt(record.eta, d)})</p>"
            f"<p>{rule} = {fmt(old, d)} − {fmt(record.eta, d)} · {num(grad, d)} = <b>{fmt(new, d)}</b><br>"
            f"{p}: {fmt(old, d)} → {fmt(new, d)} "
            f"<span class='muted'>(change −η·∂L/∂p = {fmt(record.updates[name], d)})</span></p>"
        )

    def _batch_update_html(self, moment, name: str, rule: str) -> str:
        """Mini-batch: each row adds its own gradient; the batch's last row moves the parameters
        by −η × the mean. The mean is written out from the gradients of the batch's rows (each
        row's record in the run's history), so it can be checked by hand."""
        d = self.state.precision
        record = moment.record
        p, n = math_html(name), len(record.batch_rows)
        head = f"<p class='head'>The update (η = {fmt(record.eta, d)}, batches of {record.batch_size} rows)</p>"
        rows = ", ".join(str(r + 1) for r in record.batch_rows)
        if not record.closes_batch:
            return (f"{head}<p>This row is row {n} of its batch (table rows {rows} so far): its "
                    f"{math_html(f'∂L/∂{name}')} = {fmt(record.grads[name], d)} joins the batch's gradients. "
                    f"{p} stays {fmt(moment.params[name], d)} until the batch's last row, which moves every "
                    "parameter by −η × the mean gradient of the batch.</p>")
        grads = self._batch_gradients(record, name)
        mean = record.batch_gradient[name]
        if grads is None:
            formed = f"the mean of the {n} rows' {math_html(f'∂L/∂{name}')}"
        else:
            formed = f"({' + '.join(num(g, d) for g in grads)}) / {n}"
        old, new = moment.params[name], moment.params_after[name]
        return (
            f"{head}<p>This row closes its batch (table rows {rows}). The update uses the batch's mean gradient:"
            f"<br>mean {math_html(f'∂L/∂{name}')} = {formed} = <b>{fmt(mean, d)}</b>"
            f"<br>{rule.replace('∂L/∂', 'mean ∂L/∂', 1)} = {fmt(old, d)} − {fmt(record.eta, d)} · {num(mean, d)} "
            f"= <b>{fmt(new, d)}</b></p>"
        )

    def _batch_gradients(self, record, name: str) -> list[float] | None:
        """Each batch row's own ∂L/∂name, from the run's per-row records (None when the history
        no longer holds them, e.g. a row trained again since)."""
        history = self.state.history
        if history is None or len(set(record.batch_rows)) < len(record.batch_rows):  # a row drawn twice
            return None
        values = []
        for row in record.batch_rows[:-1]:
            other = history.row_records[row] if row < len(history.row_records) else None
            if other is None or other.update != record.update:
                return None
            values.append(other.grads[name])
        return [*values, record.grads[name]]

    def _all_html(self, moment) -> str:
        d = self.state.precision
        record = moment.record
        spec = record.spec
        selected = self._name(moment)
        rows = []
        for name in spec.param_names:
            factors = record.chain[name]
            cls = " class='selected'" if name == selected else ""
            link = f"<a href='param:{name}'>{math_html('∂L/∂' + name)}</a>"
            formulas = " · ".join(math_html(bracket(f.formula)) for f in factors)
            cells = [
                f"<td style='{NOWRAP}'>{link}</td>",
                f"<td>= {formulas}</td>",
                f"<td style='{NOWRAP}'>= {factor_numbers(factors, d)}</td>",
                f"<td style='{NOWRAP}'>= <b>{fmt(record.grads[name], d)}</b></td>",
            ]
            if moment.params_after is not None:
                cells.append(f"<td style='{NOWRAP}'>{math_html(name)}: {fmt(moment.params[name], d)} → "
                             f"{fmt(moment.params_after[name], d)}</td>")
            rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
        return (
            f"<p class='head'>Every derivative of this row ({len(spec.param_names)} parameters); "
            f"click one to see it written out</p>"
            f"<table cellspacing='0' cellpadding='4'>{''.join(rows)}</table>"
        )
