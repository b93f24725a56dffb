"""Why did training go wrong, and what to try: short advice for the banner.

Two causes, told apart by the data alone:
  the data's scale  the loss is already huge on the first rows at the parameters the run
                    starts from, before any update: no η fixes that; scaling does.
  a runaway         the loss grew without bound under updates (engine.training's
                    divergence): the last good row, Reset, or a smaller η.
The advice never suggests η = 0: at η = 0 nothing is learnt at all.
"""
from __future__ import annotations

import math

import numpy as np

from engine.batch import batch_row_losses
from engine.notation import fmt
from engine.record import StepRecord
from engine.spec import NetworkSpec
from engine.training import RUNAWAY_FACTOR

FIRST_ROWS = 10  # "the first rows": as many as a student checks by eye
# A row loss this large before any training means the data is far from the network's scale:
# standardised targets give row losses of a few units at the start, the tutorial's raw
# students table (targets 4–7) at most 49, a raw exam-score table (55–92) thousands.
HUGE_START_LOSS = 1000.0
LARGE_VALUE = 10.0  # |value| beyond which a raw column is worth scaling


def start_loss(spec: NetworkSpec, theta, X, Y, rows: int = FIRST_ROWS) -> float:
    """The largest row loss among the table's first `rows` rows at `theta` (X, Y as the network sees them)."""
    X = np.asarray(X, dtype=float)[:rows]
    Y = np.asarray(Y, dtype=float).reshape(-1, spec.n_outputs)[:rows]
    if X.shape[0] == 0:
        return float("nan")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.max(batch_row_losses(spec, theta, X, Y)))


def data_scale_problem(loss_at_start: float) -> bool:
    return not math.isfinite(loss_at_start) or loss_at_start > HUGE_START_LOSS


def advice(*, eta: float, loss_at_start: float, diverged: StepRecord | None = None,
           input_scaling: str = "standard", target_scaling: str = "none", large_inputs: bool = False,
           large_targets: bool = False, last_good_step: int | None = None) -> str:
    """The banner's text ('' when there is nothing to say).

    loss_at_start  start_loss(...) at the parameters the run starts from
    diverged       the record of the row that ran away, if training diverged
    input_scaling / target_scaling  the run's settings ("none" = raw numbers)
    large_inputs / large_targets    a raw column holds values beyond ±LARGE_VALUE
    last_good_step the rows done at the last good row (to go back to), when known
    """
    parts = []
    if data_scale_problem(loss_at_start):
        parts.append(_scale_advice(loss_at_start, input_scaling, target_scaling, large_inputs, large_targets))
    if diverged is not None:
        parts.append(_runaway_advice(eta, diverged, last_good_step))
        if input_scaling == "none" and large_inputs and not data_scale_problem(loss_at_start):
            parts.append("Raw inputs this large make every gradient large: standardised inputs "
                         "(input scaling: standard) let the same η work.")
    return " ".join(parts)


def _scale_advice(loss: float, input_scaling: str, target_scaling: str, large_inputs: bool,
                  large_targets: bool) -> str:
    where = f"already {fmt(loss)}" if math.isfinite(loss) else "not even a finite number"
    fixes = []
    if target_scaling == "none" and (large_targets or not large_inputs):
        fixes.append("standardise the targets (target scaling: standard)")
    if input_scaling == "none" and (large_inputs or not large_targets):
        fixes.append("standardise the inputs (input scaling: standard)")
    fix = " and ".join(fixes) if fixes else "rescale the data (its columns are far from the network's scale)"
    return (f"The loss on the first rows is {where} before any training: the data's scale is the problem, "
            f"not η. {fix[0].upper()}{fix[1:]}.")


def _runaway_advice(eta: float, record: StepRecord, last_good_step: int | None) -> str:
    smaller = eta / 10 if eta > 0 else None
    back = "go back to the last good row" + (f" (row {last_good_step} of the run)" if last_good_step else "")
    text = (f"Training diverged at epoch {record.epoch}, row {record.row + 1} with η = {fmt(eta)}: "
            f"the loss ran away. Try one of: {back}, Reset")
    if smaller is not None:
        text += f", or a smaller η (e.g. η/10 = {fmt(smaller)})"
    return text + "."


def last_good_step(losses, runaway_limit: float) -> int:
    """Rows done up to and including the last row whose loss was no more than where the
    run's current η started (runaway_limit / RUNAWAY_FACTOR, at least 1): rewinding there
    goes back to before the loss began to climb. 0 when no row was that good."""
    losses = np.asarray(losses, dtype=float)
    calm = max(1.0, runaway_limit / RUNAWAY_FACTOR)
    good = np.flatnonzero(losses <= calm)
    return int(good[-1]) + 1 if good.size else 0


def timeline_advice(timeline) -> str:
    """advice(...) for an engine.timeline.Timeline as it stands."""
    tr = timeline.training
    loss = start_loss(timeline.spec, timeline.initial_theta, tr.X, tr.Y)
    good = last_good_step(timeline.losses.view(), tr.runaway_limit) if tr.diverged is not None else None
    train = timeline.train_rows
    return advice(
        eta=tr.eta, loss_at_start=loss, diverged=tr.diverged, input_scaling=timeline.scaling,
        target_scaling=timeline.target_scaling,
        large_inputs=bool(np.max(np.abs(timeline.X_raw[train]), initial=0.0) > LARGE_VALUE),
        large_targets=bool(np.max(np.abs(timeline.Y_raw[train]), initial=0.0) > LARGE_VALUE),
        last_good_step=good,
    )
