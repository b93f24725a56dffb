"""How fast is the loss landscape? One 101 × 101 grid of the mean loss over the table.

Measured in one run, on the tutorial's 4-row students table (standardised, as the app does):
  grid       engine.landscape.loss_grid: every grid node's mean loss in one vectorised
             NumPy pass (engine.batch), the other parameters fixed at their current values
  slice      engine.landscape.loss_slice: 201 points plus the backprop tangent
  loop       the plain-Python baseline: for every node, set the two parameters and loop
             Network.row_loss over the rows (what the grid would cost without engine.batch)
  large      the grid over the 40-row students-large table and a 2-8-8-1 tanh net

    python bench/landscape_speed.py [--repeats K]

Prints the median milliseconds and the speed-up over the loop. Target: the 4-row grid in
≤ 50 ms, so the landscape can follow training and hand edits live (the view redraws at
most ~10 times a second). Exit status 1 when the target is missed.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.data import load_builtin  # noqa: E402
from engine.init import initialise  # noqa: E402
from engine.landscape import loss_grid, loss_slice  # noqa: E402
from engine.network import Network  # noqa: E402
from engine.scaling import Standardizer  # noqa: E402
from engine.spec import NetworkSpec, preset  # noqa: E402

TARGET_MS = 50.0
N = 101


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm up (imports, first allocation)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def _loop_grid(net: Network, X, Y, p1: str, p2: str, v1, v2) -> np.ndarray:
    probe = Network(net.spec, net.theta)
    out = np.empty((len(v1), len(v2)))
    for i, a in enumerate(v1):
        probe[p1] = a
        for j, b in enumerate(v2):
            probe[p2] = b
            out[i, j] = sum(probe.row_loss(x, y) for x, y in zip(X, Y)) / len(X)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args(argv)

    ds = load_builtin("students-regression")
    X = Standardizer.fit(ds.X).transform(ds.X)
    Y = ds.Y
    net = initialise(Network(preset("regression")), "random", 0)

    grid_ms = _median_ms(lambda: loss_grid(net, X, Y, "W111", "W211", n=N), args.repeats)
    slice_ms = _median_ms(lambda: loss_slice(net, X, Y, "W111"), args.repeats)
    grid = loss_grid(net, X, Y, "W111", "W211", n=N)
    t = time.perf_counter()
    loop = _loop_grid(net, X, Y, "W111", "W211", grid.values_x, grid.values_y)
    loop_ms = (time.perf_counter() - t) * 1e3
    np.testing.assert_allclose(grid.loss, loop, rtol=1e-12)  # the fast grid is the same grid

    big = load_builtin("students-large")
    Xb = Standardizer.fit(big.X).transform(big.X)
    big_net = initialise(Network(NetworkSpec((2, 8, 8, 1), ("tanh", "tanh", "linear"), "se")), "random", 0)
    big_ms = _median_ms(lambda: loss_grid(big_net, Xb, big.Y, "W111", "W311", n=N), max(3, args.repeats // 3))

    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(f"grid  {N}×{N}, 2-2-1, {len(X)} rows   {grid_ms:8.2f} ms  (median of {args.repeats})"
          f"  target ≤ {TARGET_MS:.0f} ms")
    print(f"slice {201} points + tangent      {slice_ms:8.2f} ms")
    print(f"loop  plain-Python row_loss        {loop_ms:8.1f} ms  -> the grid is {loop_ms / grid_ms:.0f}× faster")
    print(f"large {N}×{N}, 2-8-8-1, {len(Xb)} rows  {big_ms:8.2f} ms")
    ok = grid_ms <= TARGET_MS
    print("PASS" if ok else "FAIL: the 4-row grid is over target")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
