"""A worksheet for one row: the whole of backpropagation written out, as printable HTML.

For a moment with a target (engine.moment: after_step, preview or idle) the sheet gives

  1. the row: its inputs (as the network sees them, and in the table's units) and target;
  2. the parameters the forward pass used, and η;
  3. the forward pass: every Z as Σ W·input + b, first with names, then with the numbers,
     and every O (ŷ for the output layer) through its activation;
  4. the loss, with names and with numbers;
  5. every derivative by the chain rule: its factors' names, their formulas, the formulas
     with the numbers, each factor's value, and the product (engine.chain's factors);
  6. every update p ← p − η·∂L/∂p (labelled as one η *would* make when the moment shows
     no update).

With `blanks=True` every computed number is left as a blank for a student (`________`),
formulas are filled in only with the given numbers (inputs, target, parameters, η), and an
answer key at the end lists every blank with its working and its value.

Every number is `engine.notation.fmt(value, digits)`; names are set with subscripts
(W<sub>111</sub>). No Qt: the GUI prints this same HTML to PDF.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np

from engine.moment import Moment
from engine.notation import SIGNIFICANT, display_name, fmt, output_name
from engine.typeset import bracket, math_html, num, substitute

TITLE = "Backpropagation worksheet"
BLANK = "________"
NO_TARGET = "a prediction has no target: there is nothing to differentiate"

# Names a formula may contain: ∂L/∂Z21 (a backprop delta), ŷ / ŷ2, y / y2, W111, b11, O11, Z11, x1.
_ACTIVATION = {"sigmoid": "σ({})", "tanh": "tanh({})", "relu": "max(0, {})"}
_LOSS_WORDS = {"se": "squared error (y − ŷ)²", "half-se": "half squared error ½(y − ŷ)²",
               "bce": "binary cross-entropy"}

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif; font-size: 11pt;
       color: #111; line-height: 1.35; margin: 1.5em; }
h1 { font-size: 18pt; margin: 0 0 0.3em 0; }
h2 { font-size: 13pt; margin: 1.2em 0 0.4em 0; border-bottom: 1px solid #888; }
p { margin: 0.3em 0; }
table { border-collapse: collapse; }
table.grid td, table.grid th { border: 1px solid #999; padding: 3px 8px; }
table.grid th { background-color: #eee; text-align: left; }
table.eq { margin: 0.2em 0 0.8em 0; }
table.eq td { padding: 1px 4px; vertical-align: top; }
td.lhs { text-align: right; white-space: nowrap; }
td.num, span.num { white-space: nowrap; }
.muted { color: #555; }
.result { font-weight: bold; }
.blank { color: #777; letter-spacing: 1px; }
.key { page-break-before: always; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } table.eq { page-break-inside: avoid; } }
"""


def _argument(name: str, values: Mapping[str, float], digits: int) -> str:
    """A function's whole argument: its number if known (no parentheses needed), else its name."""
    return fmt(values[name], digits) if name in values else name


def loss_formula(spec) -> str:
    """L written with names: '(y − ŷ)²', '½(y − ŷ)²', '−y·log ŷ − (1 − y)·log(1 − ŷ)' (summed over outputs)."""
    terms = []
    for k in range(1, spec.n_outputs + 1):
        s = output_name(spec, k)[1:]
        y, yh = f"y{s}", f"ŷ{s}"
        if spec.loss == "bce":
            terms.append(f"−{y}·log {yh} − (1 − {y})·log(1 − {yh})")
        else:
            terms.append(f"({y} − {yh})²")
    if spec.loss == "bce":
        return terms[0] if len(terms) == 1 else " + ".join(f"[{t}]" for t in terms)
    body = " + ".join(terms)
    if spec.loss == "half-se":
        return f"½{body}" if len(terms) == 1 else f"½[{body}]"
    return body


def backprop_order(spec) -> list[str]:
    """Parameter names as backpropagation reaches them: the output layer first."""
    return sorted(spec.param_names, key=lambda name: -int(name[1]))


class _Sheet:
    """Writes numbers: a result is a blank (and goes into the answer key) when `blanks`."""

    def __init__(self, digits: int, blanks: bool):
        self.digits, self.blanks = digits, blanks
        self.key: list[tuple[str, str, str]] = []  # (quantity, working, value), all HTML

    def n(self, value: float) -> str:
        return html.escape(fmt(value, self.digits))

    def result(self, label: str, value: float, working: str = "") -> str:
        if self.blanks:
            self.key.append((label, working, self.n(value)))
            return f"<span class='blank'>{BLANK}</span>"
        return f"<span class='result'>{self.n(value)}</span>"


def _equation(rows: Sequence[tuple[str, str]]) -> str:
    """A derivation, aligned: lhs = first, = second, … (a line repeating the one before is dropped).
    One table row, so a printed page never splits it."""
    lines, last = [], None
    for _left, right in rows:
        if right != last:
            lines.append(f"= {right}")
        last = right
    return (f"<table class='eq'><tr><td class='lhs'>{rows[0][0]}</td>"
            f"<td>{'<br>'.join(lines)}</td></tr></table>")


def worksheet_html(moment: Moment, *, digits: int = SIGNIFICANT, blanks: bool = False,
                   input_names: Sequence[str] = (), target_names: Sequence[str] = (), table: str = "") -> str:
    """The worksheet of `moment` as one self-contained HTML page (UTF-8).

    `input_names` / `target_names` are the table's column names, `table` its name (all
    optional, for the reader). Raises ValueError(NO_TARGET) for a prediction."""
    record = moment.record
    if record is None:
        raise ValueError(NO_TARGET)
    spec = moment.spec
    sheet = _Sheet(int(digits), bool(blanks))
    given: dict[str, float] = {}
    for i, v in enumerate(record.x, start=1):
        given[f"x{i}"] = float(v)
    for k in range(1, spec.n_outputs + 1):
        given["y" + output_name(spec, k)[1:]] = float(record.y[k - 1])
    params = record.params_before
    for name in spec.param_names:
        given[name] = params[name]
    computed = dict(record.forward)
    for k in range(1, spec.n_outputs + 1):
        computed["ŷ" + output_name(spec, k)[1:]] = float(record.y_hat[k - 1])
    for name in spec.param_names:
        if name[0] == "b":
            computed["∂L/∂Z" + name[1:]] = record.grads[name]
    every = {**given, **computed}
    shown = given if sheet.blanks else every

    parts = [_heading(moment, sheet, table)]
    parts.append(_givens(moment, sheet, input_names, target_names))
    parts.append(_forward(moment, sheet, shown, every))
    parts.append(_loss(moment, sheet, shown, every))
    parts.append(_backward(moment, sheet, shown, every))
    parts.append(_updates(moment, sheet))
    if sheet.blanks:
        parts.append(_answer_key(sheet))
    title = TITLE + (" (to fill in)" if sheet.blanks else "")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


# ---- sections ------------------------------------------------------------------------------
def _heading(moment: Moment, sheet: _Sheet, table: str) -> str:
    spec, record = moment.spec, moment.record
    where = f"table row {record.row + 1}" + (f" of <i>{html.escape(table)}</i>" if table else "")
    if moment.kind == "after_step":
        when = (f"epoch {record.epoch}, update {record.step + 1}: the row as it was trained, "
                "with the parameters before its update")
    elif moment.kind == "preview":
        when = f"epoch {record.epoch}: the next row to train, at the current parameters"
    else:
        when = "at the current parameters (this row is not being trained)"
    shape = "-".join(str(s) for s in spec.sizes)
    acts = " → ".join(spec.activations)
    loss = _LOSS_WORDS.get(spec.loss, spec.loss)
    lines = [f"<h1>{TITLE}</h1>",
             f"<p>Network {shape} ({html.escape(acts)}), loss: {html.escape(loss)}.</p>",
             f"<p>The row: {where}, {html.escape(when)}.</p>",
             f"<p class='muted'>Numbers are rounded to {sheet.digits} significant digits; "
             "work with the numbers as printed.</p>"]
    if sheet.blanks:
        lines.append(f"<p><b>Fill in every blank {BLANK}.</b> "
                     "A blank's number is used again further on: carry it over. The answer key is at the end.</p>")
    if record.diverged:
        lines.append("<p><b>This row diverged</b>: its loss or its update is not a usable number, "
                     "so training did not keep its update.</p>")
    return "\n".join(lines)


def _givens(moment: Moment, sheet: _Sheet, input_names: Sequence[str], target_names: Sequence[str]) -> str:
    spec, record = moment.spec, moment.record
    scaled = not np.array_equal(np.asarray(moment.x), np.asarray(moment.x_raw))
    names = list(input_names) if len(input_names) == spec.n_inputs else [""] * spec.n_inputs
    head = "<tr><th>input</th><th>value the network sees</th>"
    head += "<th>in the table</th><th>column</th></tr>" if scaled else "<th>column</th></tr>"
    rows = [head]
    for i in range(spec.n_inputs):
        cells = [math_html(f"x{i + 1}"), f"<span class='num'>{sheet.n(moment.x[i])}</span>"]
        if scaled:
            cells.append(f"<span class='num'>{sheet.n(moment.x_raw[i])}</span>")
        cells.append(html.escape(str(names[i])))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    targets = list(target_names) if len(target_names) == spec.n_outputs else [""] * spec.n_outputs
    ys = []
    for k in range(1, spec.n_outputs + 1):
        label = f" <span class='muted'>({html.escape(str(targets[k - 1]))})</span>" if targets[k - 1] else ""
        ys.append(f"{math_html('y' + output_name(spec, k)[1:])} = {sheet.n(record.y[k - 1])}{label}")
    note = ("<p class='muted'>The network sees standardised inputs (each column's z-score); "
            "the table's own values are beside them.</p>" if scaled else "")
    params = record.params_before
    prow = []
    for layer in range(1, spec.n_layers + 1):
        for j in range(1, spec.sizes[layer] + 1):
            names_here = [f"W{layer}{i}{j}" for i in range(1, spec.sizes[layer - 1] + 1)] + [f"b{layer}{j}"]
            cells = ", ".join(f"{math_html(p)} = <span class='num'>{sheet.n(params[p])}</span>" for p in names_here)
            prow.append(f"<tr><td>{math_html(display_name(spec, f'O{layer}{j}'))}</td><td>{cells}</td></tr>")
    return "\n".join((
        "<h2>1. The row</h2>",
        f"<table class='grid'>{''.join(rows)}</table>",
        note,
        f"<p>Target: {', '.join(ys)}</p>",
        "<h2>2. The parameters</h2>",
        "<p>The values this forward pass uses, neuron by neuron, and the learning rate "
        f"η = {sheet.n(record.eta)}.</p>",
        f"<table class='grid'><tr><th>neuron</th><th>its weights and bias</th></tr>{''.join(prow)}</table>",
    ))


def _forward(moment: Moment, sheet: _Sheet, shown: Mapping[str, float], every: Mapping[str, float]) -> str:
    spec = moment.spec
    d = sheet.digits
    out = ["<h2>3. The forward pass</h2>",
           "<p class='muted'>Each neuron: Z = Σ W·input + b, then its output O = activation(Z).</p>"]
    for layer in range(1, spec.n_layers + 1):
        act = spec.activation(layer)
        inputs = ([f"x{i}" for i in range(1, spec.sizes[0] + 1)] if layer == 1
                  else [f"O{layer - 1}{i}" for i in range(1, spec.sizes[layer - 1] + 1)])
        for j in range(1, spec.sizes[layer] + 1):
            terms = [f"W{layer}{i}{j}·{src}" for i, src in enumerate(inputs, start=1)] + [f"b{layer}{j}"]
            formula = " + ".join(terms)
            z_name, o_name = f"Z{layer}{j}", display_name(spec, f"O{layer}{j}")
            lhs = math_html(o_name if act.is_identity else z_name)
            if act.is_identity and o_name != z_name:
                lhs = f"{math_html(o_name)} = {math_html(z_name)}"
            z = every[z_name]
            rows = [(lhs, math_html(formula)),
                    ("", math_html(substitute(formula, shown, d)))]
            working = math_html(substitute(formula, every, d))
            rows.append(("", sheet.result(lhs, z, working)))
            out.append(_equation(rows))
            if not act.is_identity:
                form = _ACTIVATION.get(act.name, act.name + "({})")
                o = every[f"O{layer}{j}"]
                rows = [(math_html(o_name), math_html(form.format(z_name))),
                        ("", math_html(form.format(_argument(z_name, shown, d)))),
                        ("", sheet.result(math_html(o_name), o, math_html(form.format(_argument(z_name, every, d)))))]
                out.append(_equation(rows))
    return "\n".join(out)


def _loss(moment: Moment, sheet: _Sheet, shown: Mapping[str, float], every: Mapping[str, float]) -> str:
    spec, record = moment.spec, moment.record
    d = sheet.digits
    formula = loss_formula(spec)
    rows = [("L", math_html(formula)), ("", math_html(substitute(formula, shown, d))),
            ("", sheet.result("L", record.loss, math_html(substitute(formula, every, d))))]
    return "\n".join(("<h2>4. The loss</h2>", _equation(rows)))


def _backward(moment: Moment, sheet: _Sheet, shown: Mapping[str, float], every: Mapping[str, float]) -> str:
    spec, record = moment.spec, moment.record
    d = sheet.digits
    note = ("Each derivative is a product of factors, walked from the loss back to the parameter "
            "(the output layer first).")
    if any(f.formula.startswith("Σ") for name in spec.param_names for f in record.chain[name]):
        note += (" Where a neuron feeds several neurons, the factor ∂L/∂O is the sum that backpropagation "
                 "carried back over them; in it, a neuron's ∂L/∂Z is the derivative of its bias, ∂L/∂b "
                 "(∂Z/∂b = 1), found above.")
    out = ["<h2>5. The backward pass: the chain rule</h2>", f"<p class='muted'>{note}</p>"]
    for name in backprop_order(spec):
        factors = record.chain[name]
        lhs = math_html(f"∂L/∂{name}")
        values = " · ".join(f"({sheet.n(f.value)})" for f in factors)
        rows = [(lhs, " · ".join(math_html(f.name) for f in factors)),
                ("", " · ".join(math_html(bracket(f.formula)) for f in factors)),
                ("", " · ".join(math_html(bracket(substitute(f.formula, shown, d))) for f in factors))]
        if not sheet.blanks:
            rows.append(("", values))
        rows.append(("", sheet.result(lhs, record.grads[name], values)))
        out.append(_equation(rows))
    return "\n".join(out)


def _updates(moment: Moment, sheet: _Sheet) -> str:
    spec, record = moment.spec, moment.record
    eta = sheet.n(record.eta)
    if record.diverged:
        return ("<h2>6. The update</h2><p>This row diverged, so its update was not kept: "
                "there is no update to write out.</p>")
    if moment.params_after is not None and moment.kind == "after_step":
        intro = f"The update training made after this row (η = {eta}): each parameter moves against its gradient."
        after = moment.params_after
    elif moment.params_after is not None:
        intro = f"The update training this row will make (η = {eta}): each parameter moves against its gradient."
        after = moment.params_after
    else:
        intro = (f"The update η = {eta} would make with this row (not applied: "
                 "this row is not being trained now).")
        after = record.params_after
    out = ["<h2>6. The update</h2>", f"<p>{html.escape(intro, quote=False)}</p>"]
    for name in spec.param_names:
        p, grad = math_html(name), math_html(f"∂L/∂{name}")
        old = record.params_before[name]
        g = num(record.grads[name], sheet.digits)
        used = grad if sheet.blanks else html.escape(g)
        label = f"{p} new"
        rows = [(f"{p} ← {p} − η·{grad}", f"{sheet.n(old)} − {eta} · {used}"),
                ("", sheet.result(label, after[name], f"{sheet.n(old)} − {eta} · {html.escape(g)}"))]
        out.append(_equation(rows))
    return "\n".join(out)


def _answer_key(sheet: _Sheet) -> str:
    rows = "".join(f"<tr><td>{label}</td><td>{working}</td><td class='num'><b>{value}</b></td></tr>"
                   for label, working, value in sheet.key)
    return "\n".join((
        "<div class='key'>",
        "<h2>Answer key</h2>",
        "<p class='muted'>Every blank in order, with its working.</p>",
        f"<table class='grid'><tr><th>blank</th><th>working</th><th>value</th></tr>{rows}</table>",
        "</div>",
    ))
