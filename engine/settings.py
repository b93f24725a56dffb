"""The settings every part of the app agrees on, defined once: tasks, input scalings,
step-through phases, the learning-rate presets and the limits on epochs.

(Row orders live beside the code that draws them: `engine.training.ORDERS`.)
"""
from __future__ import annotations

TASKS = ("regression", "classification")
SCALINGS = ("standard", "none")  # z-scores fitted on the table, or the raw numbers
PHASES = ("pick", "forward", "loss", "backward", "update")  # one row, stepped through
ETA_PRESETS = (0.01, 0.1, 1.0)  # the tutorial's lesson: slow, good, never settles
DEFAULT_ETA = 0.1
DEFAULT_EPOCHS = 100
MAX_EPOCHS = 100_000  # a guard against a typo like 1e9 keeping the machine busy for hours
DEFAULT_DATASET = {"regression": "students-regression", "classification": "students-classification"}
