"""The settings every part of the app agrees on, defined once: tasks, input scalings,
step-through phases, the learning-rate presets and the limits on epochs.

(Row orders live beside the code that draws them: `engine.training.ORDERS`.)
"""
from __future__ import annotations

TASKS = ("regression", "classification")
SCALINGS = ("standard", "minmax", "none")  # inputs: z-scores, 0…1 by each column's range, or the raw numbers
TARGET_SCALINGS = ("standard", "none")  # targets: z-scores (predictions shown back in table units), or raw
MIN_POINTS, MAX_POINTS, DEFAULT_POINTS = 20, 1000, 200  # a generated (playground) data set's rows
MAX_NOISE = 0.5  # a generated data set's noise, as a fraction of its spread
PHASES = ("pick", "forward", "loss", "backward", "update")  # one row, stepped through
ETA_PRESETS = (0.01, 0.1, 1.0)  # the tutorial's lesson: slow, good, never settles
DEFAULT_ETA = 0.1
DEFAULT_EPOCHS = 100
MAX_EPOCHS = 100_000  # a guard against a typo like 1e9 keeping the machine busy for hours
DEFAULT_DATASET = {"regression": "students-regression", "classification": "students-classification"}
