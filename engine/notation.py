"""How numbers and names are written on screen: one place, so every view agrees.

Numbers: a display precision of 4–8 significant digits (6 by default: what a
student can check by hand with a calculator), scientific notation when the
size needs it, a real minus sign, never a cut that changes the meaning (no
ellipsis: a column is made wide enough instead). `fmt_full` gives every digit
the engine has, for tooltips.

A value that is not a finite number is never written as if it were one ("inf",
"∞", "NaN" read like a result a student could use): ±inf is what arithmetic
gives past the largest double (about 1.8e308), so it reads OVERFLOW; NaN comes
from an undefined operation such as ∞ − ∞ or 0 · ∞, so it reads UNDEFINED. Both
are no wider than the widest number, so no column or label has to grow for them.

Names follow the tutorial: W{layer}{input}{neuron}, b{layer}{neuron},
O{layer}{neuron} for a neuron's output, and ŷ for the output neuron (ŷ1, ŷ2, …
when there are several outputs).
"""
from __future__ import annotations

import math

from engine.spec import NetworkSpec, parse_param_name

MINUS = "\u2212"
SIGNIFICANT = 6  # the default display precision
PRECISIONS = range(4, 9)  # the display precisions a user can choose
OVERFLOW = "overflow"  # how ±inf is written (beyond the largest double)
UNDEFINED = "undefined"  # how NaN is written (∞ − ∞, 0 · ∞, …)


def fmt(value: float, digits: int = SIGNIFICANT) -> str:
    """0.421337 -> '0.421337'; -2.5e-07 -> '−2.5e−07'; inf -> 'overflow'; nan -> 'undefined'."""
    value = float(value)
    if math.isnan(value):
        return UNDEFINED
    if math.isinf(value):
        return OVERFLOW if value > 0 else MINUS + OVERFLOW
    if value == 0:
        value = 0.0  # no "−0"
    return f"{value:.{digits}g}".replace("-", MINUS)


def fmt_full(value: float) -> str:
    """Every digit the engine has (for tooltips and copy); not-finite values as fmt writes them."""
    value = float(value)
    if not math.isfinite(value):
        return fmt(value)
    return repr(value).replace("-", MINUS)


_WORDS = {OVERFLOW: math.inf, MINUS + OVERFLOW: -math.inf, UNDEFINED: math.nan}


def parse(text: str) -> float:
    """Inverse of fmt for what a person types or what a test reads back."""
    stripped = text.strip()
    if stripped in _WORDS:
        return _WORDS[stripped]
    return float(stripped.replace(MINUS, "-").replace("−", "-"))


def shown_value(value: float, digits: int = SIGNIFICANT) -> float:
    """The number a reader gets back from `fmt(value, digits)`: what the screen says."""
    return parse(fmt(value, digits)) if math.isfinite(value) else float(value)


# ---- names ---------------------------------------------------------------------------------
def neuron_id(layer: int, j: int) -> str:
    """The engine's name of neuron j (1-based) of a layer (1-based): 'O11'. Inputs are 'x1'."""
    return f"O{layer}{j}"


def output_name(spec: NetworkSpec, k: int) -> str:
    """The k-th output (1-based) as the tutorial writes it: 'ŷ', or 'ŷ1', 'ŷ2', … with several."""
    return "ŷ" if spec.n_outputs == 1 else f"ŷ{k}"


def display_name(spec: NetworkSpec, nid: str) -> str:
    """'O21' → 'ŷ' for the output layer (ŷ1, ŷ2 with several outputs), else unchanged."""
    if nid.startswith("O") and int(nid[1]) == spec.n_layers:
        return output_name(spec, int(nid[2:]))
    return nid


def chain_path(spec: NetworkSpec, name: str) -> tuple[str, ...]:
    """Parameter and neuron names on every path from parameter `name` to the loss.

    W111 in 2-2-1 → ('W111', 'O11', 'W211', 'O21'). Pure topology: which edges
    a change of `name` travels along; the numbers are the engine's.
    """
    _kind, layer, j, _i = parse_param_name(name)
    path = [name, neuron_id(layer, j)]
    sizes = spec.sizes
    for lay in range(layer + 1, spec.n_layers + 1):
        sources = [j] if lay == layer + 1 else range(1, sizes[lay - 1] + 1)
        for m in range(1, sizes[lay] + 1):
            for s in sources:
                path.append(f"W{lay}{s}{m}")
            path.append(neuron_id(lay, m))
    return tuple(dict.fromkeys(path))
