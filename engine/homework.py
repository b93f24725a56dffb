"""Check my homework: is a student's hand-computed gradient or update right, and if
not, which chain-rule factor went wrong?

    check_answer(record, "∂L/∂W111", 2590.56)   → Verdict(correct=True, …)
    check_answer(record, "new:W111", -24.9)     → right / wrong for W111 after the update

Quantities: "∂L/∂<name>" (also "dL/d<name>" or "grad:<name>") and "new:<name>".

Tolerance: an answer is right when |answer − exact| ≤ max(REL_TOL·|exact|, ABS_TOL),
i.e. within 0.1 % (rounding to four significant figures passes) or 1e−6.

Diagnosis of a wrong gradient. The gradient is a product of chain factors
(engine.chain). We try to explain the answer as that product with exactly ONE
factor replaced by a plausible slip — a number the student could see or a
common mistake: the sign flipped, the other input, another weight, a weight
after the update instead of before, y − ŷ without the 2, the squared-error
formula where cross-entropy was used, the activation derivative forgotten
(= 1), ŷ instead of y, … — and name that factor:
    "∂ŷ/∂O11 looks wrong: you seem to have used −1.5 (W221) where W211 = 0.5".
If nothing explains it, the factor can't be pinned down and the right factors
are listed. For "new:<name>" the update's sign, η, and the gradient behind the
answer are diagnosed as well.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from engine.chain import Factor

REL_TOL = 1e-3
ABS_TOL = 1e-6
TOLERANCE_TEXT = "within 0.1 % relative or 1e−6 absolute"
COMMON_ETAS = (1.0, 0.5, 0.1, 0.05, 0.01, 0.001)

_GRAD = re.compile(r"^\s*(?:∂L/∂|dL/d|grad:)\s*([Wb]\d+)\s*$")
_NEW = re.compile(r"^\s*new:\s*([Wb]\d+)\s*$")


@dataclass(frozen=True)
class Verdict:
    correct: bool
    quantity: str  # canonical: "∂L/∂W111" or "new:W111"
    expected: float
    given: float
    message: str  # one or two sentences for the student, tolerance included
    factor: str | None = None  # the chain factor that looks wrong (e.g. "∂ŷ/∂O11"), if pinned
    used: float | None = None  # the number the student seems to have used for it
    hints: tuple[str, ...] = field(default=())  # other explanations that fit equally well

    def __bool__(self) -> bool:
        return self.correct


def _g(value: float) -> str:
    """Numbers in messages: six significant digits and a real minus sign (like the GUI)."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if value == 0:
        value = 0.0
    return f"{value:.6g}".replace("-", "−")


def is_close(given: float, expected: float) -> bool:
    return abs(given - expected) <= max(REL_TOL * abs(expected), ABS_TOL)


def parse_quantity(quantity: str) -> tuple[str, str]:
    """'∂L/∂W111' | 'dL/dW111' | 'grad:W111' → ('grad', 'W111'); 'new:W111' → ('new', 'W111')."""
    q = quantity.replace("δ", "∂")
    m = _GRAD.match(q)
    if m:
        return "grad", m.group(1)
    m = _NEW.match(q)
    if m:
        return "new", m.group(1)
    raise ValueError(f"unknown quantity {quantity!r}: write ∂L/∂W111, grad:W111 or new:W111")


def quantities(spec) -> list[str]:
    """Every quantity a student can check for this network: gradients, then updated values."""
    return [f"∂L/∂{n}" for n in spec.param_names] + [f"new:{n}" for n in spec.param_names]


def check_answer(record, quantity: str, value: float) -> Verdict:
    kind, name = parse_quantity(quantity)
    if name not in record.spec.param_index:
        raise ValueError(f"no parameter named {name!r} in {record.spec}")
    value = float(value)
    if kind == "grad":
        return _check_gradient(record, name, value)
    return _check_update(record, name, value)


# ---- gradients ----------------------------------------------------------------------
def _check_gradient(record, name: str, given: float) -> Verdict:
    quantity = f"∂L/∂{name}"
    expected = record.grads[name]
    factors = record.chain[name]
    if is_close(given, expected):
        return Verdict(True, quantity, expected, given,
                       f"Right: {quantity} = {_g(expected)}; your {_g(given)} is {TOLERANCE_TEXT}.")
    if not math.isfinite(given):
        return Verdict(False, quantity, expected, given, "Type a finite number.")
    matches = explain_gradient(record, name, given)
    head = f"Not quite: {quantity} = {_g(expected)}; your {_g(given)} is not {TOLERANCE_TEXT}."
    if matches:
        best = matches[0]
        others = tuple(m[2] for m in matches[1:3])
        return Verdict(False, quantity, expected, given, f"{head} {best[2]}", factor=best[0], used=best[1], hints=others)
    return Verdict(False, quantity, expected, given, f"{head} {_unpinned(factors, expected, given)}")


def _unpinned(factors, expected: float, given: float) -> str:
    listing = " · ".join(f"{f.name} = {f.formula} = {_g(f.value)}" for f in factors)
    text = (
        "No single factor explains your answer, so which one differs can't be pinned down. "
        f"The right factors: {listing}"
    )
    if len(factors) > 1:
        text += f"; their product is {_g(expected)}."
    else:
        text += "."
    return text


def _visible_numbers(record) -> list[tuple[str, float]]:
    """(label, value) for every number the student could see for this row."""
    spec = record.spec
    out: list[tuple[str, float]] = []
    n_out = spec.n_outputs
    for i, v in enumerate(record.x, start=1):
        out.append((f"x{i}", float(v)))
    for k in range(n_out):
        s = "" if n_out == 1 else str(k + 1)
        out.append((f"y{s}", float(record.y[k])))
        out.append((f"ŷ{s}", float(record.y_hat[k])))
    for key, v in record.forward.items():
        layer = int(key[1])
        if layer == spec.n_layers and key[0] == "O":
            continue  # already as ŷ
        out.append((key, v))
    before, after = record.params_before, record.params_after
    for n in spec.param_names:
        out.append((n, before[n]))
    for n in spec.param_names:
        out.append((f"{n} after the update", after[n]))
    return out


def _slips(record, factor: Factor) -> list[tuple[str, float, str, bool]]:
    """Plausible wrong values for one factor, best first:
    (label, value, why, specific) — specific slips are known mistakes for this kind of
    factor; the rest are other numbers on screen standing in for it."""
    spec = record.spec
    f = factor
    slips: list[tuple[str, float, str, bool]] = []
    m = re.match(r"∂L/∂ŷ(\d*)$", f.name)
    if m:  # the loss derivative
        k = int(m.group(1) or 1)
        y, yh = float(record.y[k - 1]), float(record.y_hat[k - 1])
        slips.append(("the sign flipped", -f.value, "(y − ŷ) and (ŷ − y) swapped, or the minus sign dropped", True))
        if spec.loss == "se":
            slips += [
                ("y − ŷ, without the −2", y - yh, "the derivative of (y − ŷ)² is −2(y − ŷ)", True),
                ("2(y − ŷ)", 2 * (y - yh), "the minus sign from the inner derivative is missing", True),
                ("ŷ − y, without the 2", yh - y, "the 2 from the square is missing", True),
                ("the loss L itself", record.loss, "that is L, not ∂L/∂ŷ", True),
                ("−2ŷ: ŷ instead of y − ŷ", -2 * yh, "(y − ŷ) needs y as well", True),
                ("−2y: y instead of y − ŷ", -2 * y, "(y − ŷ) needs ŷ as well", True),
            ]
        elif spec.loss == "half-se":
            slips += [
                ("−2(y − ŷ)", -2 * (y - yh), "this loss has the ½, so the 2 cancels", True),
                ("y − ŷ", y - yh, "the minus sign from the inner derivative is missing", True),
                ("the loss L itself", record.loss, "that is L, not ∂L/∂ŷ", True),
            ]
        elif spec.loss == "bce":
            slips += [
                ("−(y − ŷ)", -(y - yh), "that is already ∂L/∂ŷ · ∂ŷ/∂Z: the sigmoid's derivative cancels the denominator", True),
                ("−2(y − ŷ)", -2 * (y - yh), "that is the squared error's derivative, not cross-entropy's", True),
                ("y − ŷ", y - yh, "cross-entropy's derivative is −(y − ŷ) / (ŷ(1 − ŷ))", True),
                ("the loss L itself", record.loss, "that is L, not ∂L/∂ŷ", True),
            ]
    elif "/∂Z" in f.name and f.formula != "1" and not f.formula.startswith("Σ"):
        # an activation's derivative ∂O/∂Z
        out = f.name.split("/")[0][1:]  # '∂O11/∂Z11' → 'O11'
        slips.append(("the activation's derivative left out", 1.0, f"a {_activation_of(record, f)} neuron needs ∂{out}/∂Z = {f.formula}", True))
        values = dict(_visible_numbers(record))
        if out in values:
            slips.append((f"{out} itself", values[out], f"∂{out}/∂Z is {f.formula}, not {out}", True))
            slips.append((f"1 − {out}", 1 - values[out], f"∂{out}/∂Z is {f.formula}", True))
        slips.append(("the sign flipped", -f.value, "", True))
    else:
        slips.append(("the sign flipped", -f.value, "", True))
        if f.formula != "1":
            slips.append(("the factor left out", 1.0, "", True))
    # any number on screen standing in for this factor (the other input, another weight, …)
    for label, v in _visible_numbers(record):
        if label == f.formula:
            continue
        slips.append((label, v, "", False))
        slips.append((f"−{label}", -v, "", False))
    return slips


def _activation_of(record, f: Factor) -> str:
    m = re.search(r"∂Z(\d)", f.name)
    return record.spec.activations[int(m.group(1)) - 1] if m else "non-linear"


def explain_gradient(record, name: str, given: float) -> list[tuple[str, float, str]]:
    """Every one-factor explanation of a wrong gradient: (factor name, value used, message), best first.

    Priority: the loss factor's sign slip (the classic), then known slips for a factor,
    then another on-screen number standing in for it, factors in chain order.
    """
    factors = record.chain[name]
    found: list[tuple[int, int, str, float, str]] = []
    for idx, f in enumerate(factors):
        rest = 1.0
        for j, other in enumerate(factors):
            if j != idx:
                rest *= other.value
        for rank, (label, v, why, specific) in enumerate(_slips(record, f)):
            if not math.isfinite(v) or v == f.value:
                continue
            if not is_close(given, rest * v):
                continue
            if _is_plain_name(f.formula):
                right = f"{f.formula} = {_g(f.value)}"
            elif f.formula == "1":
                right = f"{f.name} = 1"
            else:
                right = f"{f.name} = {f.formula} = {_g(f.value)}"
            msg = f"{f.name} looks wrong: you seem to have used {_g(v)} ({label}) where {right}."
            if why:
                msg += f" Hint: {why}."
            if idx == 0 and rank == 0 and f.name.startswith("∂L/∂ŷ"):
                priority = 0
            elif specific and not label.startswith("the sign"):
                priority = 1
            elif specific:
                priority = 3  # a sign slip in a later factor: same product as the loss's, less likely
            else:
                priority = 2
            found.append((priority, idx * 10000 + rank, f.name, v, msg))
            break  # one explanation per factor is enough
    found.sort(key=lambda t: (t[0], t[1]))
    return [(fname, v, msg) for _, _, fname, v, msg in found]


def _is_plain_name(text: str) -> bool:
    return bool(re.fullmatch(r"[WbOZx]\d+|ŷ\d*|y\d*", text))


# ---- updated parameters -------------------------------------------------------------------
def _check_update(record, name: str, given: float) -> Verdict:
    quantity = f"new:{name}"
    old = record.params_before[name]
    new = record.params_after[name]
    grad = record.grads[name]
    eta = record.eta
    formula = f"{name} − η·∂L/∂{name} = {_g(old)} − {_g(eta)} · {_paren(grad)} = {_g(new)}"
    if is_close(given, new):
        return Verdict(True, quantity, new, given, f"Right: {name} ← {formula}; your {_g(given)} is {TOLERANCE_TEXT}.")
    if not math.isfinite(given):
        return Verdict(False, quantity, new, given, "Type a finite number.")
    head = f"Not quite: {name} ← {formula}; your {_g(given)} is not {TOLERANCE_TEXT}."
    checks = [
        (old + eta * grad, "The update's sign is flipped: you added η·∂L/∂p, gradient descent subtracts it (p ← p − η·∂L/∂p)."),
        (old - grad, "η is missing: you subtracted the whole gradient; multiply it by η first."),
        (old + grad, "η is missing and the sign is flipped: p ← p − η·∂L/∂p."),
        (-eta * grad, f"That is the change −η·∂L/∂p alone; add it to the old value {_g(old)}."),
        (eta * grad, "That is η·∂L/∂p alone; the new value is the old one minus this."),
        (old, "That is the old value: the update hasn't been applied."),
        (grad, f"That is ∂L/∂{name}, not the updated value."),
    ]
    for value, why in checks:
        if is_close(given, value) and not is_close(value, new):
            return Verdict(False, quantity, new, given, f"{head} {why}", factor="update", used=value)
    if grad != 0:
        implied_eta = (old - given) / grad
        for e in COMMON_ETAS:
            if not math.isclose(e, eta) and is_close(implied_eta, e):
                return Verdict(False, quantity, new, given,
                               f"{head} You seem to have used η = {_g(e)}; this row's η is {_g(eta)}.", factor="η")
    if eta != 0:
        implied_grad = (old - given) / eta  # the gradient behind the answer, if the update itself was right
        matches = explain_gradient(record, name, implied_grad)
        if matches:
            fname, used, msg = matches[0]
            return Verdict(False, quantity, new, given,
                           f"{head} The update is right but the gradient behind it is {_g(implied_grad)} instead of "
                           f"{_g(grad)}: {msg}", factor=fname, used=used)
        return Verdict(False, quantity, new, given,
                       f"{head} Your answer means ∂L/∂{name} = {_g(implied_grad)}. "
                       f"{_unpinned(record.chain[name], grad, implied_grad)}")
    return Verdict(False, quantity, new, given, head)


def _paren(v: float) -> str:
    s = _g(v)
    return f"({s})" if s.startswith("−") else s
