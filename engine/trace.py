"""The training trace: every row trained so far, one line each, recomputed by exact replay.

A Timeline keeps only each row's loss (8 bytes a row) and what is needed to replay the run
(checkpoints, η changes, hand edits), so the trace is rebuilt row by row: restore the run's
start on a private copy (`Timeline.look_at(0)`) and train it again with the same η and the
same edits at the same steps. The engine's arithmetic is deterministic, so every number is
the one the run had; `replay` checks each row's loss against `timeline.losses` bit for bit
and refuses to go on if one differs. The run itself is never touched.

Columns (ASCII, so any spreadsheet reads the header):

    epoch, row, step             epoch from 1; the table row (1-based); step = rows trained
                                 up to and including this one (the Timeline's "Step k")
    x1 … xn                      the inputs as the network saw them (after scaling)
    <the table's input names>    the same inputs in the table's own units
    y (y1 …), y_hat (y_hat1 …)   target and output
    loss                         the row's loss
    W111 … b21                   every parameter before this row's update (tutorial order)
    dL/dW111 … dL/db21           every gradient
    eta                          the learning rate of the update

Floats are written as `repr` writes them (the shortest text that reads back to the same
bits), so `float()` of a field gives the run's number exactly.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import TextIO

import numpy as np

from engine.record import StepRecord
from engine.timeline import Timeline


class ReplayError(RuntimeError):
    """A replayed row did not reproduce the run's loss: the trace would not be the run's."""


def _eta_schedule(eta_log: Sequence[tuple[int, float]]) -> Iterator[float]:
    """η for step 0, 1, 2, … from a log of (first step, η)."""
    log = list(eta_log)
    i, eta = 0, log[0][1]
    step = 0
    while True:
        while i < len(log) and log[i][0] <= step:
            eta = log[i][1]
            i += 1
        yield eta
        step += 1


def replay(timeline: Timeline, steps: int | None = None) -> Iterator[StepRecord]:
    """The record of every row trained so far (or of the first `steps`), in training order.

    Recomputed on a copy, exactly as the run computed them (raises ReplayError if a
    loss differs from `timeline.losses` in any bit). Safe while the run goes on in another
    thread: only the rows trained when this starts are replayed."""
    losses = timeline.losses.view()
    n = len(losses) if steps is None else max(0, min(int(steps), len(losses)))
    losses = np.array(losses[:n])
    edits: dict[int, list] = {}
    for edit in list(timeline.edits):
        edits.setdefault(edit.step, []).append(edit)
    etas = _eta_schedule(timeline.eta_log)
    _record, probe = timeline.look_at(0)  # the run's start, edits made at Step 0 included
    network = probe.network
    for s in range(n):
        if s > 0:
            for edit in edits.get(s, ()):
                network[edit.name] = edit.value
        probe.eta = next(etas)
        record = probe.step()
        del probe.epoch_losses[:]
        if record.diverged or record.loss != losses[s]:
            raise ReplayError(f"replaying row {s + 1} gave loss {record.loss!r}, the run had {losses[s]!r}")
        yield record


def header(spec, input_names: Sequence[str] = ()) -> list[str]:
    """The trace's column names for a network `spec` and the table's input column names."""
    xs = [f"x{i}" for i in range(1, spec.n_inputs + 1)]
    names = list(input_names) if len(input_names) == spec.n_inputs else xs
    if spec.n_outputs == 1:
        ys, y_hats = ["y"], ["y_hat"]
    else:
        ys = [f"y{k}" for k in range(1, spec.n_outputs + 1)]
        y_hats = [f"y_hat{k}" for k in range(1, spec.n_outputs + 1)]
    params = list(spec.param_names)
    grads = [f"dL/d{p}" for p in params]
    fixed = ["epoch", "row", "step", *xs, *ys, *y_hats, "loss", *params, *grads, "eta"]
    taken = set(fixed)
    raw = []
    for name in names:
        name = str(name)
        if name in taken or name in raw:  # a table column called x1, loss, W111, …
            name = f"{name} (table)"
        raw.append(name)
    return ["epoch", "row", "step", *xs, *raw, *ys, *y_hats, "loss", *params, *grads, "eta"]


def values(record: StepRecord, x_raw, order: np.ndarray | None = None) -> list:
    """One trace line's numbers, in `header` order: ints for epoch/row/step, floats else.
    `order`: the flat indices of the parameters in display order (computed when not given)."""
    spec = record.spec
    if order is None:
        order = display_order(spec)
    floats = np.concatenate((record.x, np.asarray(x_raw, dtype=float).reshape(-1), record.y, record.y_hat,
                             (record.loss,), record.theta_before[order], record.gradient[order], (record.eta,)))
    return [record.epoch, record.row + 1, record.step + 1, *floats.tolist()]


def display_order(spec) -> np.ndarray:
    """Where each parameter of `spec.param_names` (the tutorial's order) sits in θ."""
    return np.array([spec.param_index[p] for p in spec.param_names], dtype=np.intp)


def write_csv(timeline: Timeline, stream: TextIO, input_names: Sequence[str] = (),
              steps: int | None = None) -> int:
    """Write the trace of `timeline` as CSV to a text stream (open it with newline='').
    Returns the number of rows written (the header not counted)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header(timeline.spec, input_names))
    X_raw = timeline.X_raw
    order = display_order(timeline.spec)
    count = 0
    for record in replay(timeline, steps):
        writer.writerow(values(record, X_raw[record.row], order))  # str(float) is repr: every bit kept
        count += 1
    return count
