"""The network builder: hidden layers, neurons and activation per layer, output activation, loss.

It shows the state's set-up (state.setup.spec) and asks for a change with all four network
fields together (hidden, hidden_activations, output_activation, loss), so the controller
always receives one consistent network. An unusual pairing of task, output and loss is
allowed but named in a warning line under the builder (`pairing_warning`, Qt-free, so it
can be tested without widgets): a class can try a sigmoid output on regression and see why
it fails.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QSpinBox

from engine.activations import ACTIVATIONS
from engine.losses import LOSSES
from engine.spec import MAX_HIDDEN_LAYERS, MAX_NEURONS, preset
from gui.panels.setup_widgets import choice_box, int_box, note_line, show_note
from gui.state import AppState, Setup

ACTIVATION_LABELS = {"linear": "linear", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
ACTIVATION_TIPS = {
    "linear": "linear: O = Z, the neuron passes its sum on unchanged",
    "sigmoid": "sigmoid: O = 1 / (1 + e^−Z), squeezes any sum into 0…1",
    "tanh": "tanh: squeezes any sum into −1…1, centred on 0",
    "relu": "ReLU: O = Z when Z > 0, else 0",
}
LOSS_LABELS = {"se": "squared error", "half-se": "½ squared error", "bce": "cross-entropy (bce)"}
LOSS_TIPS = {
    "se": "squared error (y − ŷ)², the tutorial's regression loss",
    "half-se": "½ (y − ŷ)²: the textbook version, whose derivative has no factor 2",
    "bce": "binary cross-entropy −y·log ŷ − (1 − y)·log(1 − ŷ), for 0/1 targets and a sigmoid output",
}
# What each output activation can produce: a target outside it can never be reached.
OUTPUT_RANGE = {"sigmoid": "between 0 and 1", "tanh": "between −1 and 1", "relu": "0 or more"}


def pairing_warning(task: str, output_activation: str, loss: str) -> str:
    """One line per unusual choice of task, output activation and loss ('' when they fit)."""
    lines = []
    if loss == "bce" and output_activation != "sigmoid":
        lines.append(f"Cross-entropy needs outputs strictly between 0 and 1; a {ACTIVATION_LABELS[output_activation]} "
                     "output can leave that range (a sigmoid output stays inside it).")
    if task == "regression" and loss == "bce":
        lines.append("Cross-entropy is for 0/1 targets; for a regression table squared error is the usual loss.")
    if task == "classification" and loss != "bce":
        lines.append("Classification usually uses cross-entropy: squared error on a sigmoid learns slowly "
                     "when the network is confidently wrong.")
    if task == "regression" and output_activation in OUTPUT_RANGE:
        lines.append(f"A {ACTIVATION_LABELS[output_activation]} output only gives values "
                     f"{OUTPUT_RANGE[output_activation]}; regression targets beyond that are never reached "
                     "(a linear output is the usual choice).")
    return "\n".join(lines)


class NetworkBuilder(QGroupBox):
    """The 'Network' group of the set-up panel."""

    requested = Signal(dict)  # the four network fields, always together

    def __init__(self, state: AppState, parent=None):
        super().__init__("Network", parent)
        self.setObjectName("networkBuilder")
        self.state = state
        self._showing = False
        # The engine's names, in the engine's order; labels only where a name reads badly.
        activations = {a: ACTIVATION_LABELS.get(a, a) for a in ACTIVATIONS}
        activation_tips = {a: ACTIVATION_TIPS.get(a, a) for a in ACTIVATIONS}
        grid = QGridLayout(self)
        grid.setColumnStretch(2, 1)
        self.layers = int_box("hiddenLayersInput", 0, MAX_HIDDEN_LAYERS,
                              f"hidden layers between the inputs and the output (0–{MAX_HIDDEN_LAYERS}); "
                              "with 0 the inputs feed the output directly")
        grid.addWidget(QLabel("Hidden layers"), 0, 0)
        grid.addWidget(self.layers, 0, 1)
        self.layer_labels: list[QLabel] = []
        self.neurons: list[QSpinBox] = []
        self.activations: list[QComboBox] = []
        for i in range(1, MAX_HIDDEN_LAYERS + 1):
            label = QLabel(f"Layer {i}", objectName=f"layerLabel{i}")
            neurons = int_box(f"neuronsInput{i}", 1, MAX_NEURONS, f"neurons in hidden layer {i} (1–{MAX_NEURONS})")
            activation = choice_box(f"activationInput{i}", activations, activation_tips,
                                f"the activation every neuron of hidden layer {i} applies to its sum Z")
            for col, w in enumerate((label, neurons, activation)):
                grid.addWidget(w, i, col)
            self.layer_labels.append(label)
            self.neurons.append(neurons)
            self.activations.append(activation)
        row = MAX_HIDDEN_LAYERS + 1
        self.output = choice_box("outputActivationInput", activations, activation_tips,
                             "the output neuron's activation: linear for regression, sigmoid for a 0/1 answer")
        grid.addWidget(QLabel("Output"), row, 0)
        grid.addWidget(self.output, row, 1, 1, 2)
        self.loss = choice_box("lossInput", {k: LOSS_LABELS.get(k, k) for k in LOSSES},
                           {k: LOSS_TIPS.get(k, k) for k in LOSSES},
                           "the loss L that measures how wrong ŷ is for one row (what training makes smaller)")
        grid.addWidget(QLabel("Loss"), row + 1, 0)
        grid.addWidget(self.loss, row + 1, 1, 1, 2)
        self.warning = note_line("pairingWarning", "an unusual choice: it trains anyway, but watch what it does")
        grid.addWidget(self.warning, row + 2, 0, 1, 3)

        self.layers.valueChanged.connect(self._layers_changed)
        for box in (*self.neurons, *self.activations, self.output, self.loss):
            signal = box.valueChanged if isinstance(box, QSpinBox) else box.currentIndexChanged
            signal.connect(self._changed)

    def fields(self) -> dict:
        """The network these widgets describe, as set-up fields."""
        n = self.layers.value()
        return {"hidden": tuple(b.value() for b in self.neurons[:n]),
                "hidden_activations": tuple(b.currentData() for b in self.activations[:n]),
                "output_activation": self.output.currentData(), "loss": self.loss.currentData()}

    def _layers_changed(self, n: int) -> None:
        if self._showing:
            return
        # A layer added takes the last layer's size and activation (2-4-1 tanh → 2-4-4-1 tanh);
        # the first one the task's preset hidden layer.
        shown = self.state.setup.hidden if self.state.setup is not None else ()
        base = preset(self.state.setup.task) if self.state.setup is not None else None
        size = shown[-1] if shown else (base.sizes[1] if base is not None else 2)
        activation = (self.state.setup.hidden_activations[-1] if shown
                      else (base.activations[0] if base is not None else "sigmoid"))
        self._showing = True
        try:
            for i in range(len(shown), n):
                self.neurons[i].setValue(size)
                self.activations[i].setCurrentIndex(max(0, self.activations[i].findData(activation)))
        finally:
            self._showing = False
        self._show_rows(n)
        self._changed()

    def _changed(self, *_args) -> None:
        if not self._showing:
            self.requested.emit(self.fields())

    def _show_rows(self, n: int) -> None:
        for i in range(MAX_HIDDEN_LAYERS):
            for w in (self.layer_labels[i], self.neurons[i], self.activations[i]):
                w.setVisible(i < n)
                w.setEnabled(i < n)

    def show_setup(self, setup: Setup) -> None:
        self._showing = True
        try:
            hidden = setup.hidden
            self.layers.setValue(len(hidden))
            for i, (size, activation) in enumerate(zip(hidden, setup.hidden_activations, strict=True)):
                self.neurons[i].setValue(size)
                self.activations[i].setCurrentIndex(self.activations[i].findData(activation))
            self.output.setCurrentIndex(self.output.findData(setup.output_activation))
            self.loss.setCurrentIndex(self.loss.findData(setup.loss))
            self._show_rows(len(hidden))
        finally:
            self._showing = False
        show_note(self.warning, pairing_warning(setup.task, setup.output_activation, setup.loss))
