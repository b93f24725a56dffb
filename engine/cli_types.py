"""The command line's argument types: each turns one option's text into a value, or refuses it
with a message that argparse prefixes with the option's name (and engine.cli prints as one
'error:' line)."""
from __future__ import annotations

import argparse
import math

from engine.settings import MAX_EPOCHS, MAX_NOISE, MAX_POINTS, MIN_POINTS

MAX_TEST_FRACTION = 0.5


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a finite number")
    return value


def numbers(text: str) -> tuple[float, ...]:
    """'6.3,100' -> (6.3, 100.0)."""
    return tuple(_number(v) for v in text.split(","))


def eta(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"the learning rate must be 0 or more, got {text}")
    return value


def epochs(text: str) -> int:
    value = _whole(text)
    if not 1 <= value <= MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"must be 1–{MAX_EPOCHS}, got {value}")
    return value


def seed(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def points(text: str) -> int:
    value = _whole(text)
    if not MIN_POINTS <= value <= MAX_POINTS:
        raise argparse.ArgumentTypeError(f"must be {MIN_POINTS}–{MAX_POINTS}, got {value}")
    return value


def noise(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= MAX_NOISE:
        raise argparse.ArgumentTypeError(f"must be 0–{MAX_NOISE} (a fraction: 0.1 is 10 %), got {text}")
    return value


def test_fraction(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= MAX_TEST_FRACTION:
        raise argparse.ArgumentTypeError(f"must be 0–{MAX_TEST_FRACTION} (a fraction of the rows), got {text}")
    return value


def batch_size(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (rows per update), got {value}")
    return value


def layers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"write the layer sizes as whole numbers, e.g. 2,2,1 (got {text!r})") from None


def assignment(text: str) -> tuple[str, float]:
    """'W111=0.5' -> ('W111', 0.5)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"write NAME=VALUE, e.g. W111=0.5 (got {text!r})")
    return name.strip(), _number(value)
