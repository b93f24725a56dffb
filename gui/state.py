"""The application state: one object that every control writes and every view renders.

Qt-free (an import-linter contract keeps it so), evented with psygnal as napari's
models are: setting a field emits that field's event with the new value, and only
when the value changed, so a view connects to exactly what it draws
(`state.events.shown.connect(view.render)`).

    setup     what is learned and how training starts: task, table, network, input and
              target scaling, initialisation, seed, row order, batch size, test share,
              a generated table's size/noise/seed. Changing it starts a new run.
    eta, epochs, speed                       how the run proceeds (take effect at once)
    selected  the parameter selected everywhere (canvas, inspector, derivation, …)
    row       the table row an idle moment explains
    phase     the step-through phase, e.g. ("forward", 1), or None
    predict_inputs   a new row typed by the user (table units), or None
    cursor    the training step the Timeline shows (rows trained up to that moment)
    history   the run's record: losses, epoch means, per-row results (a Snapshot)
    shown     the one coherent moment every number on screen belongs to (engine.moment)
    precision significant digits of every number shown (4–8)
    lesson_step  the guided lesson's current step (None outside the lesson)
    advice, good_step  the diagnosis of a run that diverged or whose data is far off scale

The controller keeps `shown` and `history` in step with the trainer; views never
compute them and never read another widget.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from psygnal import SignalGroupDescriptor

from engine.data import Dataset
from engine.init import DEFAULT_SCHEME
from engine.moment import Moment
from engine.notation import PRECISIONS, SIGNIFICANT
from engine.settings import DEFAULT_EPOCHS, DEFAULT_ETA
from engine.spec import NetworkSpec

DEFAULT_SPEED = 50.0  # rows per second


@dataclass(frozen=True, eq=False)
class Setup:
    """What is learned and how the run starts. Frozen: a change is a new Setup (and a new run)."""

    task: str
    dataset_key: str  # a built-in table's name, or 'csv:<path>'
    dataset: Dataset
    spec: NetworkSpec
    scaling: str = "standard"  # inputs: engine.settings.SCALINGS
    init: str = DEFAULT_SCHEME
    seed: int = 0
    order: str = "shuffle"
    target_scaling: str = "none"  # regression targets: engine.settings.TARGET_SCALINGS
    batch: int = 1  # rows per update (1 = the tutorial's per-row SGD)
    test_fraction: float = 0.0  # share of the rows held out for testing (0–0.5)
    points: int = 200  # a generated data set's size (engine.playground)
    noise: float = 0.0  # … its noise (0–0.5)
    data_seed: int = 0  # … and the seed it is drawn from

    @property
    def hidden(self) -> tuple[int, ...]:
        """Neurons in each hidden layer (the network builder's numbers)."""
        return self.spec.sizes[1:-1]

    @property
    def hidden_activations(self) -> tuple[str, ...]:
        return self.spec.activations[:-1]

    @property
    def output_activation(self) -> str:
        return self.spec.activations[-1]

    @property
    def loss(self) -> str:
        return self.spec.loss

    def but(self, **changes) -> Setup:
        return replace(self, **changes)


@dataclass(eq=False)
class AppState:
    __hash__ = object.__hash__  # the state is one object: identity, not value

    setup: Setup | None = None
    eta: float = DEFAULT_ETA
    epochs: int = DEFAULT_EPOCHS
    speed: float | None = DEFAULT_SPEED  # rows per second; None = as fast as the machine goes
    selected: str | None = None
    row: int | None = None
    phase: tuple[str, int] | None = None
    predict_inputs: tuple[float, ...] | None = None
    cursor: int = 0
    history: Any = None  # gui.trainer.Snapshot: the state is Qt-free, so it is not typed here
    shown: Moment | None = None
    precision: int = SIGNIFICANT
    lesson_step: int | None = None
    advice: str = ""  # what went wrong with the run and what to try (engine.diagnosis), or ""
    good_step: int | None = None  # after a divergence: the last good row of the run, to go back to
    csv_tables: dict = field(default_factory=dict)  # 'csv:<path>' → Dataset opened this session

    events: ClassVar[SignalGroupDescriptor] = SignalGroupDescriptor()

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {list(PRECISIONS)}")

    @property
    def spec(self) -> NetworkSpec | None:
        return None if self.setup is None else self.setup.spec

    @property
    def running(self) -> bool:
        return self.history is not None and self.history.running

    @property
    def steps(self) -> int:
        """Rows trained in the run so far (the Timeline's length)."""
        return 0 if self.history is None else self.history.steps

    @property
    def at_live_end(self) -> bool:
        """The Timeline shows the latest row (not an earlier one being looked at)."""
        return self.cursor >= self.steps
