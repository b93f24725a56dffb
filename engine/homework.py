"""Check my homework: is a student's hand-computed gradient or update right, and if
not, which chain-rule factor went wrong?

    check_answer(record, "∂L/∂W111", 2590.56)   → Verdict(correct=True, …)
    check_answer(record, "new:W111", -24.9)     → right / wrong for W111 after the update

Quantities: "∂L/∂<name>" (also "dL/d<name>" or "grad:<name>") and "new:<name>".

Tolerance: an answer worked out on a calculator from the numbers the app prints
(each rounded to `digits` significant digits, the display precision) is right.
A gradient is a product of chain factors f1·f2·…·fn, each printed to within half a
unit of its last shown digit h_i, so the product of the printed factors lies within
    Π(|f_i| + h_i) − Π|f_i|          (≈ Σ_i |product|·h_i/|f_i|)
of the exact gradient; half a unit of the result's own last shown digit is added
(the student may round the answer as the app would). An updated parameter
p − η·∂L/∂p adds the rounding of p and η. The tolerance is never stricter than
max(REL_TOL·|exact|, ABS_TOL) (0.1 % or 1e−6), so an answer rounded to four
significant figures passes at any precision. A 1 % error fails at every precision.

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
from engine.notation import SIGNIFICANT, fmt, shown_value

REL_TOL = 1e-3
ABS_TOL = 1e-6
TOLERANCE_TEXT = "the rounding of the numbers shown"
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
    tolerance: float = 0.0  # how far from `expected` an answer may be and still be right

    def __bool__(self) -> bool:
        return self.correct


def _g(value: float, digits: int = SIGNIFICANT) -> str:
    """Numbers in messages: as the app prints them (engine.notation.fmt)."""
    return fmt(value, digits)


# ---- tolerance ----------------------------------------------------------------------
def half_unit(value: float, digits: int = SIGNIFICANT) -> float:
    """Half a unit in the last digit `fmt(value, digits)` shows: the most the printed
    number can differ from `value` (0 for 0, which is printed exactly)."""
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return 0.0
    size = max(abs(value), abs(shown_value(value, digits)))  # 9.9999996 prints as 10
    return 0.5 * 10.0 ** (math.floor(math.log10(size)) - digits + 1)


def product_tolerance(values, digits: int = SIGNIFICANT) -> float:
    """How far the product of `values`, each printed to `digits` significant digits,
    can be from their exact product, plus half a unit of the product's last shown digit."""
    exact, widest = 1.0, 1.0
    for v in values:
        exact *= abs(float(v))
        widest *= abs(float(v)) + half_unit(v, digits)
    spread = widest - exact
    return spread + half_unit(exact + spread, digits)


def tolerance(expected: float, spread: float = 0.0) -> float:
    """The allowed |answer − expected|: the rounding `spread`, never below 0.1 % or 1e−6."""
    return max(spread, REL_TOL * abs(expected), ABS_TOL)


def is_close(given: float, expected: float, spread: float = 0.0) -> bool:
    return abs(given - expected) <= tolerance(expected, spread)


def gradient_tolerance(record, name: str, digits: int = SIGNIFICANT) -> float:
    """The tolerance for ∂L/∂name worked out from its printed chain factors."""
    expected = record.grads[name]
    return tolerance(expected, product_tolerance([f.value for f in record.chain[name]], digits))


def update_tolerance(record, name: str, digits: int = SIGNIFICANT) -> float:
    """The tolerance for name − η·∂L/∂name worked out from the printed p and η and the
    gradient from its printed factors (or the printed gradient)."""
    old, eta, grad = record.params_before[name], record.eta, record.grads[name]
    spread_grad = product_tolerance([f.value for f in record.chain[name]], digits)
    spread = (half_unit(old, digits) + (abs(eta) + half_unit(eta, digits)) * spread_grad
              + half_unit(eta, digits) * abs(grad))
    new = record.params_after[name]
    return tolerance(new, spread + half_unit(abs(new) + spread, digits))


def _within(tol: float, digits: int) -> str:
    return f"within ±{fmt(tol, 2)} ({TOLERANCE_TEXT} to {digits} significant digits)"


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


def check_answer(record, quantity: str, value: float, digits: int = SIGNIFICANT) -> Verdict:
    """Is `value` right for `quantity` of this row, to the `digits` significant digits the app prints?"""
    kind, name = parse_quantity(quantity)
    if name not in record.spec.param_index:
        raise ValueError(f"no parameter named {name!r} in {record.spec}")
    value = float(value)
    if kind == "grad":
        return _check_gradient(record, name, value, digits)
    return _check_update(record, name, value, digits)


# ---- gradients ----------------------------------------------------------------------
def _check_gradient(record, name: str, given: float, digits: int) -> Verdict:
    quantity = f"∂L/∂{name}"
    expected = record.grads[name]
    factors = record.chain[name]
    tol = gradient_tolerance(record, name, digits)
    if math.isfinite(given) and abs(given - expected) <= tol:
        return Verdict(True, quantity, expected, given,
                       f"Right: {quantity} = {_g(expected, digits)}; your {_g(given, digits)} is "
                       f"{_within(tol, digits)}.", tolerance=tol)
    if not math.isfinite(given):
        return Verdict(False, quantity, expected, given, "Type a finite number.", tolerance=tol)
    matches = explain_gradient(record, name, given, digits)
    head = (f"Not quite: {quantity} = {_g(expected, digits)}; your {_g(given, digits)} is not "
            f"{_within(tol, digits)}.")
    if matches:
        best = matches[0]
        others = tuple(m[2] for m in matches[1:3])
        return Verdict(False, quantity, expected, given, f"{head} {best[2]}", factor=best[0], used=best[1],
                       hints=others, tolerance=tol)
    return Verdict(False, quantity, expected, given, f"{head} {_unpinned(factors, expected, digits)}", tolerance=tol)


def _unpinned(factors, expected: float, digits: int) -> str:
    listing = " · ".join(f"{f.name} = {f.formula} = {_g(f.value, digits)}" for f in factors)
    text = (
        "No single factor explains your answer, so which one differs can't be pinned down. "
        f"The right factors: {listing}"
    )
    if len(factors) > 1:
        text += f"; their product is {_g(expected, digits)}."
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
                ("−(y − ŷ)", -(y - yh),
                 "that is already ∂L/∂ŷ · ∂ŷ/∂Z: the sigmoid's derivative cancels the denominator", True),
                ("−2(y − ŷ)", -2 * (y - yh), "that is the squared error's derivative, not cross-entropy's", True),
                ("y − ŷ", y - yh, "cross-entropy's derivative is −(y − ŷ) / (ŷ(1 − ŷ))", True),
                ("the loss L itself", record.loss, "that is L, not ∂L/∂ŷ", True),
            ]
    elif "/∂Z" in f.name and f.formula != "1" and not f.formula.startswith("Σ"):
        # an activation's derivative ∂O/∂Z
        out = f.name.split("/")[0][1:]  # '∂O11/∂Z11' → 'O11'
        why = f"a {_activation_of(record, f)} neuron needs ∂{out}/∂Z = {f.formula}"
        slips.append(("the activation's derivative left out", 1.0, why, True))
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


def explain_gradient(record, name: str, given: float, digits: int = SIGNIFICANT,
                     slack: float = 0.0) -> list[tuple[str, float, str]]:
    """Every one-factor explanation of a wrong gradient: (factor name, value used, message), best first.

    A slip explains `given` when the product with that one factor replaced is within the
    rounding of the printed numbers (plus `slack`, e.g. for a gradient implied by an update).
    Priority: the loss factor's sign slip (the classic), then known slips for a factor,
    then another on-screen number standing in for it, factors in chain order.
    """
    factors = record.chain[name]
    values = [f.value for f in factors]
    found: list[tuple[int, int, str, float, str]] = []
    for idx, f in enumerate(factors):
        rest = 1.0
        for j, other in enumerate(factors):
            if j != idx:
                rest *= other.value
        for rank, (label, v, why, specific) in enumerate(_slips(record, f)):
            if not math.isfinite(v) or v == f.value:
                continue
            slipped = values[:idx] + [v] + values[idx + 1:]
            if not is_close(given, rest * v, product_tolerance(slipped, digits) + slack):
                continue
            if _is_plain_name(f.formula):
                right = f"{f.formula} = {_g(f.value, digits)}"
            elif f.formula == "1":
                right = f"{f.name} = 1"
            else:
                right = f"{f.name} = {f.formula} = {_g(f.value, digits)}"
            msg = f"{f.name} looks wrong: you seem to have used {_g(v, digits)} ({label}) where {right}."
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
def _check_update(record, name: str, given: float, digits: int) -> Verdict:
    quantity = f"new:{name}"
    old = record.params_before[name]
    new = record.params_after[name]
    grad = record.grads[name]
    eta = record.eta
    tol = update_tolerance(record, name, digits)
    formula = (f"{name} − η·∂L/∂{name} = {_g(old, digits)} − {_g(eta, digits)} · {_paren(grad, digits)} "
               f"= {_g(new, digits)}")
    if math.isfinite(given) and abs(given - new) <= tol:
        return Verdict(True, quantity, new, given,
                       f"Right: {name} ← {formula}; your {_g(given, digits)} is {_within(tol, digits)}.",
                       tolerance=tol)
    if not math.isfinite(given):
        return Verdict(False, quantity, new, given, "Type a finite number.", tolerance=tol)
    head = f"Not quite: {name} ← {formula}; your {_g(given, digits)} is not {_within(tol, digits)}."
    checks = [
        (old + eta * grad, "The update's sign is flipped: you added η·∂L/∂p, gradient descent subtracts it "
                           "(p ← p − η·∂L/∂p)."),
        (old - grad, "η is missing: you subtracted the whole gradient; multiply it by η first."),
        (old + grad, "η is missing and the sign is flipped: p ← p − η·∂L/∂p."),
        (-eta * grad, f"That is the change −η·∂L/∂p alone; add it to the old value {_g(old, digits)}."),
        (eta * grad, "That is η·∂L/∂p alone; the new value is the old one minus this."),
        (old, "That is the old value: the update hasn't been applied."),
        (grad, f"That is ∂L/∂{name}, not the updated value."),
    ]
    for value, why in checks:
        if is_close(given, value, tol) and abs(value - new) > tol:
            return Verdict(False, quantity, new, given, f"{head} {why}", factor="update", used=value, tolerance=tol)
    if grad != 0:
        implied_eta = (old - given) / grad
        for e in COMMON_ETAS:
            if not math.isclose(e, eta) and is_close(implied_eta, e):
                return Verdict(False, quantity, new, given,
                               f"{head} You seem to have used η = {_g(e, digits)}; this row's η is "
                               f"{_g(eta, digits)}.", factor="η", tolerance=tol)
    if eta != 0:
        implied_grad = (old - given) / eta  # the gradient behind the answer, if the update itself was right
        slack = (half_unit(old, digits) + half_unit(new, digits)) / abs(eta)
        matches = explain_gradient(record, name, implied_grad, digits, slack)
        if matches:
            fname, used, msg = matches[0]
            return Verdict(False, quantity, new, given,
                           f"{head} The update is right but the gradient behind it is {_g(implied_grad, digits)} "
                           f"instead of {_g(grad, digits)}: {msg}", factor=fname, used=used, tolerance=tol)
        return Verdict(False, quantity, new, given,
                       f"{head} Your answer means ∂L/∂{name} = {_g(implied_grad, digits)}. "
                       f"{_unpinned(record.chain[name], grad, digits)}", tolerance=tol)
    return Verdict(False, quantity, new, given, head, tolerance=tol)


def _paren(v: float, digits: int = SIGNIFICANT) -> str:
    s = _g(v, digits)
    return f"({s})" if s.startswith("−") else s
