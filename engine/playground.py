"""The data sets of TensorFlow Playground, generated from a seed, plus three truth tables.

    generate("spiral", points=300, noise=0.1, seed=4) -> Dataset (x1, x2 -> label)

Every set has two inputs, x1 and x2, roughly within ±6 (as in the Playground's picture).
Classification sets have the target `label` (0 or 1, as binary cross-entropy needs);
regression sets have the target `y` (plane: within ±1.2, ±1.8 at the largest noise;
gauss-mix: within ±1).

    circles    label 1 inside radius 2.5 of the origin, 0 on a ring from radius 3.5 to 5
    xor        label 1 when x1 and x2 have the same sign (quadrants I and III), else 0;
               points keep 0.3 away from the axes
    gauss      two round blobs (deviation 0.7): label 1 around (2, 2), label 0 around (−2, −2),
               cut off at 2.7 deviations so the classes never touch without noise
    spiral     two interleaved spiral arms, 1.75 turns each, one per label
    plane      y = (x1 + x2) / 10, a tilted plane
    gauss-mix  six bumps at (−4, 0, 4) × (2.5, −2.5) of alternating sign: y is the
               strongest bump's height, 1 at its centre falling to 0 at distance 2
    and, or, xor-table   the four rows (0,0), (0,1), (1,0), (1,1) and their truth value

What noise means. With noise f (0 … 0.5) each target belongs to a place up to f·s away from
where its point is drawn (uniformly, on each axis separately), s being the set's NOISE_SCALE:
about its half-width (5 for circles, xor and gauss; 6 for plane and gauss-mix), but 1 for
the spiral, whose arms lie about 1.4 apart (the Playground's choices, except for gauss,
whose blobs the Playground widens instead: one rule for every set is easier to explain).
Classification: each point is moved by that jitter after its label was chosen, so points
near the boundary cross into the other class. Regression: y is computed at the jittered
place, so the same x gives a scattered y. With f = 0 the classes are cleanly separated and
y is an exact function of x. The truth tables are exact: points, noise and seed do not
change them (but are still checked, so a bad argument is never silently ignored).

Classification sets have equal classes (with an odd count class 0 has the extra point);
rows are shuffled, so a table read in order does not show one class and then the other.
Determinism: the same (name, points, noise, seed) gives the same table, via
numpy.random.default_rng(seed).
"""
from __future__ import annotations

import math
import operator

import numpy as np

from engine.data import Dataset
from engine.settings import DEFAULT_POINTS, MAX_NOISE, MAX_POINTS, MIN_POINTS

GENERATED: dict[str, str] = {
    "circles": "a disc of one class inside a ring of the other (classification)",
    "xor": "same-sign quadrants against the others (classification)",
    "gauss": "two Gaussian blobs (classification)",
    "spiral": "two interleaved spirals (classification)",
    "plane": "a tilted plane, y = (x1 + x2) / 10 (regression)",
    "gauss-mix": "six bumps of alternating sign (regression)",
    "and": "the truth table of AND: 4 rows (classification)",
    "or": "the truth table of OR: 4 rows (classification)",
    "xor-table": "the truth table of XOR: 4 rows, not linearly separable (classification)",
}
TASK_OF: dict[str, str] = {
    name: "regression" if name in ("plane", "gauss-mix") else "classification" for name in GENERATED
}
TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {  # the label of (0,0), (0,1), (1,0), (1,1)
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor-table": (0, 1, 1, 0),
}
NOISE_SCALE: dict[str, float] = {"circles": 5.0, "xor": 5.0, "gauss": 5.0, "spiral": 1.0,
                                 "plane": 6.0, "gauss-mix": 6.0}
INPUT_NAMES = ("x1", "x2")

_RADIUS = 5.0  # circles and xor draw within ±5, as the Playground does
_XOR_PADDING = 0.3  # keeps xor's points off the axes, where the label flips
_BLOB_CENTRE, _BLOB_DEVIATION, _BLOB_CUTOFF = 2.0, 0.7, 2.7
_SPIRAL_TURNS = 1.75
_HALF_WIDTH = 6.0  # regression sets draw x within ±6
_BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
          (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))  # (centre x1, centre x2, sign)
_BUMP_RADIUS = 2.0


def generate(name: str, points: int = DEFAULT_POINTS, noise: float = 0.0, seed: int = 0) -> Dataset:
    """The data set `name` (a key of GENERATED); ValueError for an unknown name or a bad argument."""
    points, noise, seed = _check(name, points, noise, seed)
    if name in TRUTH_TABLES:
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        return _dataset(name, X, np.array(TRUTH_TABLES[name], dtype=float))
    rng = np.random.default_rng(seed)
    jitter = lambda n: rng.uniform(-1.0, 1.0, (n, 2)) * noise * NOISE_SCALE[name]  # noqa: E731
    if TASK_OF[name] == "regression":
        X = rng.uniform(-_HALF_WIDTH, _HALF_WIDTH, (points, 2))
        where = X + jitter(points)  # the target is read a little way off: scattered y
        y = _plane(where) if name == "plane" else _bumps(where)
        return _dataset(name, X, y)
    n_one = points // 2
    labels = np.repeat([1.0, 0.0], [n_one, points - n_one])
    X = _CLASSIFIERS[name](rng, n_one, points - n_one)
    X = X + jitter(points)  # after the labels were fixed: points drift across the boundary
    order = rng.permutation(points)
    return _dataset(name, X[order], labels[order])


def _check(name: str, points, noise, seed) -> tuple[int, float, int]:
    if name not in GENERATED:
        raise ValueError(f"no generated data set named {name!r} (choose from {', '.join(GENERATED)})")
    try:
        if isinstance(points, bool):
            raise TypeError
        points = operator.index(points)
    except TypeError:
        raise ValueError(f"points must be a whole number from {MIN_POINTS} to {MAX_POINTS}, "
                         f"got {points!r}") from None
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise ValueError(f"points must be from {MIN_POINTS} to {MAX_POINTS}, got {points}")
    try:
        noise = float(noise)
    except (TypeError, ValueError):
        raise ValueError(f"noise must be a number from 0 to {MAX_NOISE}, got {noise!r}") from None
    if not (math.isfinite(noise) and 0.0 <= noise <= MAX_NOISE):
        raise ValueError(f"noise must be from 0 to {MAX_NOISE} (a fraction: 0.1 is 10 %), got {noise!r}")
    try:
        if isinstance(seed, bool):
            raise TypeError
        seed = operator.index(seed)
    except TypeError:
        raise ValueError(f"the data seed must be a whole number, got {seed!r}") from None
    if seed < 0:
        raise ValueError(f"the data seed must be 0 or more, got {seed}")
    return points, noise, seed


def _dataset(name: str, X: np.ndarray, target: np.ndarray) -> Dataset:
    target_name = "y" if TASK_OF[name] == "regression" else "label"
    return Dataset(name, INPUT_NAMES, (target_name,), X, target[:, None])


# ---- the classification shapes: (rng, points of label 1, points of label 0) -> X -----------
def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])


def _circles(rng, n_one: int, n_zero: int) -> np.ndarray:
    inner = _polar(rng.uniform(0.0, 0.5 * _RADIUS, n_one), rng.uniform(0.0, 2 * np.pi, n_one))
    outer = _polar(rng.uniform(0.7 * _RADIUS, _RADIUS, n_zero), rng.uniform(0.0, 2 * np.pi, n_zero))
    return np.vstack([inner, outer])


def _xor(rng, n_one: int, n_zero: int) -> np.ndarray:
    def quadrants(n: int, same_sign: bool) -> np.ndarray:
        size = rng.uniform(_XOR_PADDING, _RADIUS, (n, 2))  # distance from each axis
        first = rng.choice([-1.0, 1.0], n)
        second = first if same_sign else -first
        return size * np.column_stack([first, second])
    return np.vstack([quadrants(n_one, True), quadrants(n_zero, False)])


def _gauss(rng, n_one: int, n_zero: int) -> np.ndarray:
    def blob(n: int, centre: float) -> np.ndarray:
        # Redraw the rare offsets beyond the cut-off, so a blob never reaches the other's side.
        offsets = rng.normal(0.0, _BLOB_DEVIATION, (n, 2))
        while (far := np.abs(offsets) > _BLOB_CUTOFF * _BLOB_DEVIATION).any():
            offsets[far] = rng.normal(0.0, _BLOB_DEVIATION, int(far.sum()))
        return centre + offsets
    return np.vstack([blob(n_one, _BLOB_CENTRE), blob(n_zero, -_BLOB_CENTRE)])


def _spiral(rng, n_one: int, n_zero: int) -> np.ndarray:
    def arm(n: int, turn: float) -> np.ndarray:
        i = np.arange(n) / n  # 0 … 1 along the arm, evenly, as the Playground draws it
        return _polar(_RADIUS * i, _SPIRAL_TURNS * 2 * np.pi * i + turn)
    return np.vstack([arm(n_one, 0.0), arm(n_zero, np.pi)])


_CLASSIFIERS = {"circles": _circles, "xor": _xor, "gauss": _gauss, "spiral": _spiral}


# ---- the regression surfaces: (rows, 2) places -> (rows,) targets -----------------------
def _plane(X: np.ndarray) -> np.ndarray:
    return (X[:, 0] + X[:, 1]) / 10.0


def _bumps(X: np.ndarray) -> np.ndarray:
    # Each bump's height falls linearly from 1 at its centre to 0 at _BUMP_RADIUS; the
    # bump with the largest height wins, with its sign (as the Playground's multi-Gaussian).
    heights = np.stack([sign * np.clip(1.0 - np.hypot(X[:, 0] - cx, X[:, 1] - cy) / _BUMP_RADIUS, 0.0, 1.0)
                        for cx, cy, sign in _BUMPS], axis=1)
    strongest = np.argmax(np.abs(heights), axis=1)
    return heights[np.arange(len(X)), strongest]
