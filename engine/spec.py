"""The shape of a network and the tutorial's names for everything in it.

Names follow the tutorial: W{layer}{input}{neuron}, b{layer}{neuron},
Z{layer}{neuron} (pre-activation) and O{layer}{neuron} (output), all counted
from 1; layer 1 is the first hidden layer (or the output layer when there is no
hidden layer) and input i is the data's i-th column. With at most 8 neurons a
layer every index is one digit, so names never collide.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engine import activations, losses

MAX_INPUTS = 8
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 8
MAX_OUTPUTS = 3


@dataclass(frozen=True)
class NetworkSpec:
    """sizes = (inputs, hidden..., outputs); one activation per non-input layer."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str = "se"
    # Derived lookup tables, built once: the UI and the records share them.
    param_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    param_index: dict[str, int] = field(init=False, repr=False, compare=False)
    value_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    layer_slices: tuple[tuple[slice, slice], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes = tuple(int(s) for s in self.sizes)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "activations", tuple(a.lower() for a in self.activations))
        object.__setattr__(self, "loss", self.loss.lower())
        self._validate()
        self._build_tables()

    def _validate(self) -> None:
        s = self.sizes
        if len(s) < 2:
            raise ValueError("a network needs an input and an output layer")
        if not 1 <= s[0] <= MAX_INPUTS:
            raise ValueError(f"inputs must be 1–{MAX_INPUTS}, got {s[0]}")
        if not 1 <= s[-1] <= MAX_OUTPUTS:
            raise ValueError(f"outputs must be 1–{MAX_OUTPUTS}, got {s[-1]}")
        if len(s) - 2 > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(s) - 2}")
        for n in s[1:-1]:
            if not 1 <= n <= MAX_NEURONS:
                raise ValueError(f"hidden layers have 1–{MAX_NEURONS} neurons, got {n}")
        if len(self.activations) != len(s) - 1:
            raise ValueError(f"need {len(s) - 1} activations (one per layer after the inputs), "
                             f"got {len(self.activations)}")
        for a in self.activations:
            activations.get(a)
        losses.get(self.loss)

    def _build_tables(self) -> None:
        # Storage: per layer, W (n_in x n_out, row-major) then b, in one flat vector.
        # Display order: the tutorial's, neuron by neuron: W111, W121, b11, W112, ...
        names, index, slices, values = [], {}, [], []
        offset = 0
        for layer, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            w_slice = slice(offset, offset + n_in * n_out)
            b_slice = slice(w_slice.stop, w_slice.stop + n_out)
            slices.append((w_slice, b_slice))
            for j in range(n_out):
                for i in range(n_in):
                    name = f"W{layer}{i + 1}{j + 1}"
                    names.append(name)
                    index[name] = w_slice.start + i * n_out + j
                name = f"b{layer}{j + 1}"
                names.append(name)
                index[name] = b_slice.start + j
                values += [f"Z{layer}{j + 1}", f"O{layer}{j + 1}"]
            offset = b_slice.stop
        object.__setattr__(self, "param_names", tuple(names))
        object.__setattr__(self, "param_index", index)
        object.__setattr__(self, "layer_slices", tuple(slices))
        object.__setattr__(self, "value_names", tuple(values))

    @property
    def n_params(self) -> int:
        return self.layer_slices[-1][1].stop

    @property
    def n_layers(self) -> int:
        """Layers with parameters (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    def activation(self, layer: int) -> activations.Activation:
        """Activation of `layer` (1-based)."""
        return activations.get(self.activations[layer - 1])

    @property
    def loss_fn(self) -> losses.Loss:
        return losses.get(self.loss)

    def describe(self) -> str:
        shape = "-".join(map(str, self.sizes))
        return f"Network({shape}, {'/'.join(self.activations)}, {self.loss})"

    def __repr__(self) -> str:
        return self.describe()


def parse_param_name(name: str) -> tuple[str, int, int, int | None]:
    """'W121' -> ('W', layer 1, input 2, neuron 1); 'b21' -> ('b', 2, 1, None)."""
    if len(name) == 4 and name[0] == "W" and name[1:].isdigit():
        return "W", int(name[1]), int(name[3]), int(name[2])
    if len(name) == 3 and name[0] == "b" and name[1:].isdigit():
        return "b", int(name[1]), int(name[2]), None
    raise KeyError(name)


PRESETS: dict[str, NetworkSpec] = {
    # The tutorial's first network: 2 inputs, 2 linear hidden neurons, 1 linear output, (y − ŷ)².
    "regression": NetworkSpec((2, 2, 1), ("linear", "linear"), "se"),
    # Its second: the same shape with sigmoid everywhere and binary cross-entropy.
    "classification": NetworkSpec((2, 2, 1), ("sigmoid", "sigmoid"), "bce"),
}


def preset(task: str) -> NetworkSpec:
    try:
        return PRESETS[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r} (choose from {', '.join(PRESETS)})") from None
