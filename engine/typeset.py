"""The tutorial's notation typeset for the screen and for worksheets (Qt-free): names with
subscripts, numbers inside expressions, and a chain factor's formula with the row's numbers
put in. The "Why this number?" panel and the worksheet share it, so they write alike.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping

from engine.notation import SIGNIFICANT, fmt

# Names a formula may contain: ∂L/∂Z21 (a backprop delta), ŷ / ŷ2, y / y2, W111, b11, O11, Z11, x1.
TOKEN = re.compile(r"∂L/∂Z\d+|(?<![A-Za-z])(?:ŷ\d*|y\d*|[WbOZx]\d+)(?![A-Za-z])")
SUBSCRIPT = re.compile(r"(?<![A-Za-z])(ŷ|[WbOZxy])(\d+)")


def math_html(text: str) -> str:
    """Plain tutorial notation → HTML: W111 → W<sub>111</sub>, ŷ1 → ŷ<sub>1</sub>."""
    return SUBSCRIPT.sub(r"\1<sub>\2</sub>", html.escape(text, quote=False))


def num(value: float, digits: int = SIGNIFICANT) -> str:
    """A number as it appears inside an expression: negatives in parentheses."""
    s = fmt(value, digits)
    return f"({s})" if s.startswith("−") else s


def needs_parentheses(expr: str) -> bool:
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
    return f"({expr})" if needs_parentheses(expr) else expr


def substitute(formula: str, values: Mapping[str, float], digits: int = SIGNIFICANT) -> str:
    """'−2(y − ŷ)' → '−2(7 − 212.6)'; names without a number in `values` stay names."""
    text = TOKEN.sub(lambda m: num(values[m.group(0)], digits) if m.group(0) in values else m.group(0), formula)
    return text[2:] if text.startswith("Σ ") else text
