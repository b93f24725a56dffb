"""A training run as data: where it started and a log of its history that replays it exactly.

Training is deterministic (the row order is a pure function of seed and epoch), so a run
is fully described by its set-up (network, input scaling, initialisation, seed, row order)
and what was done to it: how many rows were trained, the η each row used (a sparse log of
changes) and the hand edits, each made just before a given row. `setup_of` and `log_of`
write that down; `replay` trains the same rows again and gets the very same parameters and
every row's loss, bit for bit. A digest of the losses travels with the log, so a replay
that differs in the last bit is caught.

The models here are pydantic models in strict mode (no coercion: `true` is not a number,
1.5 is not a whole number, and nothing is infinite or NaN); engine.session builds the
whole session file from them.
"""
from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.data import MAX_ROWS
from engine.init import initialise
from engine.network import Network
from engine.settings import (
    DEFAULT_POINTS,
    MAX_NOISE,
    MAX_POINTS,
    MIN_POINTS,
    SCALINGS,
    TARGET_SCALINGS,
    TASKS,
)
from engine.spec import MAX_HIDDEN_LAYERS, NetworkSpec
from engine.timeline import Edit, Timeline
from engine.training import ORDERS

MAX_STEPS = 10**9  # rows: far beyond any run a person trains here (100 000 epochs of 10 000 rows)
MAX_LOG = 1_000_000  # entries in the η log or the edits list
MAX_NAME = 200  # characters in a name (column, table, parameter)
MAX_TEST_FRACTION = 0.5
MAX_SEED = 2**31 - 1  # the app's seed box holds 0 … 2³¹ − 1


class Strict(BaseModel):
    """A part of a session file: exactly these fields, exactly these types, finite numbers."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


Step = Annotated[int, Field(ge=0, le=MAX_STEPS)]
Rate = Annotated[float, Field(ge=0)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


class Architecture(Strict):
    sizes: Annotated[list[Annotated[int, Field(ge=1, le=99)]], Field(min_length=2, max_length=MAX_HIDDEN_LAYERS + 2)]
    activations: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=MAX_HIDDEN_LAYERS + 1)]
    loss: Annotated[str, Field(max_length=40)]


class RunSetup(Strict):
    task: Literal[TASKS]
    dataset_key: Annotated[str, Field(min_length=1, max_length=4096)]  # a built-in table's name, or 'csv:<path>'
    scaling: Literal[SCALINGS]
    init: Annotated[str, Field(min_length=1, max_length=100)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    order: Literal[ORDERS]
    network: Architecture
    # Added with batches, held-out rows and target scaling; a file without them is the run
    # it always was (per-row SGD on every row, targets as in the table).
    target_scaling: Literal[TARGET_SCALINGS] = "none"
    batch: Annotated[int, Field(ge=1, le=MAX_ROWS)] = 1
    test_fraction: Annotated[float, Field(ge=0.0, le=MAX_TEST_FRACTION)] = 0.0
    points: Annotated[int, Field(ge=MIN_POINTS, le=MAX_POINTS)] = DEFAULT_POINTS  # a generated table's
    noise: Annotated[float, Field(ge=0.0, le=MAX_NOISE)] = 0.0
    data_seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0

    @property
    def spec(self) -> NetworkSpec:
        n = self.network
        return NetworkSpec(tuple(n.sizes), tuple(n.activations), n.loss)


Params = Annotated[dict[Name, float], Field(max_length=10_000)]


class EtaChange(Strict):
    step: Step  # the first row (0-based count of rows done before it) trained with this η
    eta: Rate


class HandEdit(Strict):
    step: Step  # made just before this row
    name: Name
    value: float


class RunLog(Strict):
    steps: Step  # rows trained
    eta_log: Annotated[list[EtaChange], Field(min_length=1, max_length=MAX_LOG)]
    edits: Annotated[list[HandEdit], Field(max_length=MAX_LOG)] = []
    diverged: bool = False  # the attempt at the next row blew up (the run stands before it)
    loss_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    def problem(self, spec: NetworkSpec) -> str | None:
        """What makes this log impossible for this network (None: nothing)."""
        log = self.eta_log
        if log[0].step != 0:
            return "history.eta_log must start at step 0"
        for a, b in zip(log, log[1:]):
            if b.step <= a.step:
                return f"history.eta_log goes back from step {a.step} to step {b.step}"
        if log[-1].step > self.steps:
            return f"history.eta_log has a change at step {log[-1].step}, after the last row ({self.steps})"
        for a, b in zip(self.edits, self.edits[1:]):
            if b.step < a.step:
                return f"history.edits go back from step {a.step} to step {b.step}"
        for edit in self.edits:
            if edit.step > self.steps:
                return f"history.edits has an edit at step {edit.step}, after the last row ({self.steps})"
            if edit.name not in spec.param_index:
                return f"history.edits names {edit.name!r}, which is not a parameter of the network"
        return None


def theta_of(spec: NetworkSpec, params: dict[str, float]) -> np.ndarray:
    """Parameters by name → the network's flat vector (every name of the spec must be there)."""
    theta = np.empty(spec.n_params)
    for name, value in params.items():
        theta[spec.param_index[name]] = value
    return theta


def params_of(spec: NetworkSpec, theta: np.ndarray) -> dict[str, float]:
    return {name: float(theta[spec.param_index[name]]) for name in spec.param_names}


def start_problem(setup: RunSetup, spec: NetworkSpec, initial_params: dict, params: dict) -> str | None:
    """What is wrong with these parameters for this set-up (None: nothing)."""
    for part, named in (("initial_params", initial_params), ("params", params)):
        if set(named) != set(spec.param_names):
            missing, unknown = sorted(set(spec.param_names) - set(named)), sorted(set(named) - set(spec.param_names))
            return f"{part} do not match the network (missing {missing[:4]}, unknown {unknown[:4]})"
    try:
        start = initialise(Network(spec), setup.init, setup.seed).theta
    except ValueError as exc:
        return f"setup.init: {exc}"
    if start.tobytes() != theta_of(spec, initial_params).tobytes():
        return "initial_params are not the start that setup.init and setup.seed give"
    return None


def loss_digest(losses: np.ndarray) -> str:
    """SHA-256 of every row's loss as little-endian float64: equal digests, bit-equal histories."""
    return hashlib.sha256(np.ascontiguousarray(losses, dtype="<f8").tobytes()).hexdigest()


def setup_of(timeline: Timeline, *, task: str, dataset_key: str, generated: dict | None = None) -> dict:
    """The set-up of this run, as the plain data a session file holds (`generated`: the points,
    noise and data_seed a generated table was drawn with)."""
    spec = timeline.spec
    return {"task": task, "dataset_key": dataset_key, "scaling": timeline.scaling, "init": timeline.init,
            "seed": timeline.seed, "order": timeline.order,
            "network": {"sizes": list(spec.sizes), "activations": list(spec.activations), "loss": spec.loss},
            "target_scaling": timeline.target_scaling, "batch": timeline.batch,
            "test_fraction": timeline.test_fraction, **(generated or {})}


def log_of(timeline: Timeline) -> dict:
    """The log of this run, as the plain data a session file holds. Read it only while the run
    is idle (not while a worker thread trains it)."""
    return {
        "steps": timeline.steps,
        "eta_log": [{"step": int(step), "eta": float(eta)} for step, eta in timeline.eta_log],
        "edits": [{"step": int(e.step), "name": e.name, "value": float(e.value)} for e in timeline.edits],
        "diverged": timeline.diverged is not None,
        "loss_sha256": loss_digest(timeline.losses.view()),
    }


def replay(log: RunLog, setup: RunSetup, X, Y, progress=None) -> Timeline:
    """Train the logged run again (see Timeline.from_log). Raises ValueError when it cannot be
    replayed; what `progress` raises passes through. (Compare `loss_digest` of its losses with
    `log.loss_sha256` to know it is the very run that was logged.)"""
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            timeline = Timeline.from_log(
                setup.spec, X, Y, init=setup.init, seed=setup.seed, order=setup.order, scaling=setup.scaling,
                steps=log.steps, eta_log=[(c.step, c.eta) for c in log.eta_log],
                edits=[Edit(e.step, e.name, e.value) for e in log.edits], diverged=log.diverged, progress=progress,
                target_scaling=setup.target_scaling, batch=setup.batch, test_fraction=setup.test_fraction)
    except KeyError as exc:  # an unknown parameter name (RunLog.problem finds it first)
        raise ValueError(f"the log names an unknown parameter {exc.args[0]!r}") from None
    return timeline
