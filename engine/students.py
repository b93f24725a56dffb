"""The larger students table: a few dozen made-up rows for richer demos.

The tutorial's own table has four rows; that is enough to follow one step by hand
but too few to watch a loss curve settle. This module invents a bigger table with
a plausible pattern (better CGPA and profile score -> higher package and better
placement odds) plus noise. It is generated from a fixed seed and the CSVs under
resources/data/ are its exact output (a test checks that), so anyone can see how
the data was made. Regenerate with:  python -m engine.students
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

ROWS = 40
SEED = 2024
KINDS = {"regression": "lpa", "classification": "placed"}


def generate(n: int = ROWS, seed: int = SEED) -> dict[str, np.ndarray]:
    """Columns cgpa (5–9.5, 1 decimal), profile_score (4–12), lpa (1 decimal), placed (0/1)."""
    rng = np.random.default_rng(seed)
    cgpa = np.round(rng.uniform(5.0, 9.5, n), 1)
    profile = rng.integers(4, 13, n)
    # Package in lakhs per annum: grows with both inputs, never below 1.
    lpa = np.round(np.maximum(0.8 * cgpa + 0.4 * profile - 4.0 + rng.normal(0.0, 0.4, n), 1.0), 1)
    # Placement: a logistic rule, so strong students are usually (not always) placed.
    score = 1.5 * (cgpa - 7.0) + 0.6 * (profile - 8.0)
    placed = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-score))).astype(int)
    return {"cgpa": cgpa, "profile_score": profile, "lpa": lpa, "placed": placed}


def csv_text(kind: str, n: int = ROWS, seed: int = SEED) -> str:
    """The CSV file for `kind` ('regression' -> lpa target, 'classification' -> placed)."""
    target = KINDS[kind]
    cols = generate(n, seed)
    lines = [f"cgpa,profile_score,{target}"]
    for c, p, t in zip(cols["cgpa"], cols["profile_score"], cols[target]):
        value = f"{t:.1f}" if target == "lpa" else f"{int(t)}"
        lines.append(f"{c:.1f},{int(p)},{value}")
    return "\n".join(lines) + "\n"


def file_name(kind: str) -> str:
    return "students-large.csv" if kind == "regression" else "students-large-classification.csv"


def write(directory: Path) -> None:
    for kind in KINDS:
        (directory / file_name(kind)).write_text(csv_text(kind), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    write(Path(__file__).resolve().parent.parent / "resources" / "data")
