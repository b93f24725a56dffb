"""What one SGD step on one row did: an immutable record.

Every number of a step (inputs, target, every Z and O, ∂L/∂ŷ, θ before, the
gradient, θ after) sits in ONE flat read-only array, laid out by `StepLayout`.
Building a record is therefore one copy of that array; the named pieces
(`record.x`, `record.zs`, `record.gradient`, ...) are read-only views made the
first time someone asks, and names are looked up on demand through
`NamedValues`. That keeps the full record affordable on every row.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from engine.spec import NetworkSpec


class NamedValues(Mapping):
    """A read-only name -> float view of a flat array (e.g. 'W111' -> 0.42)."""

    __slots__ = ("_names", "_index", "_array")

    def __init__(self, names: tuple[str, ...], index: Mapping[str, int], array: np.ndarray):
        self._names, self._index, self._array = names, index, array

    def __getitem__(self, name: str) -> float:
        return float(self._array[self._index[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{n}: {self[n]:.6g}" for n in self._names) + "}"

    @property
    def values_array(self) -> np.ndarray:
        """The flat array behind the names (the network's parameter order)."""
        return self._array


def frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def frozen_copy(a: np.ndarray) -> np.ndarray:
    """A read-only copy of the 1-D float array `a`: an array over an immutable bytes copy, which
    costs about half of copy() followed by setting the flag (the flags object is slow to reach)."""
    return np.frombuffer(a.tobytes())


class StepLayout:
    """Where each number of one step sits in the step's flat array.

        x 1 | Z1 (O1) 1 | Z2 (O2) 1 | ... | y | ∂L/∂O1 (∂L/∂Z1) | ... | ∂L/∂ŷ (∂L/∂Z) | θ before | gradient | θ after

    A layer whose activation is linear has O = Z, so Z and O share one slot, and
    so do ∂L/∂O and ∂L/∂Z; the output layer's ∂L/∂O is ∂L/∂ŷ.
    Each layer's inputs are followed by a constant 1: NetworkSpec stores a
    layer's W (inputs × neurons) directly followed by its b, which together are
    one (inputs + 1) × neurons matrix [W; b], so
        Z = [inputs, 1] · [W; b]            one matrix product,
        ∂L/∂[W; b] = [inputs, 1] ⊗ ∂L/∂Z    one outer product (b's row is ∂L/∂Z itself).
    Built once per network; every record of that network shares it.
    """

    __slots__ = ("spec", "size", "ones", "x", "layers", "y", "backward", "dloss",
                 "theta_before", "gradient", "theta_after")

    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        end = 0

        def take(n: int) -> slice:
            nonlocal end
            end += n
            return slice(end - n, end)

        linear = [spec.activation(layer).is_identity for layer in range(1, spec.n_layers + 1)]
        ones = []
        self.x = take(spec.n_inputs)
        ones.append(take(1).start)
        inputs = slice(self.x.start, self.x.stop + 1)
        layers = []  # per layer: (its inputs followed by 1, Z, O)
        for n, is_linear in zip(spec.sizes[1:], linear):
            z = take(n)
            o = z if is_linear else take(n)
            ones.append(take(1).start)
            layers.append((inputs, z, o))
            inputs = slice(o.start, o.stop + 1)
        self.layers = tuple(layers)
        self.y = take(spec.n_outputs)
        backward = []  # per layer: (∂L/∂O, ∂L/∂Z)
        for n, is_linear in zip(spec.sizes[1:], linear):
            dout = take(n)
            backward.append((dout, dout if is_linear else take(n)))
        self.backward = tuple(backward)
        self.dloss = backward[-1][0]
        self.theta_before = take(spec.n_params)
        self.gradient = take(spec.n_params)
        self.theta_after = take(spec.n_params)
        self.ones = tuple(ones)
        self.size = end

    def new_buffer(self) -> np.ndarray:
        buf = np.zeros(self.size)
        buf[list(self.ones)] = 1.0
        return buf

    def views(self, buf: np.ndarray) -> StepViews:
        return StepViews(self, buf)


def _same_slot_views(buf: np.ndarray, pairs) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Views for (a, b) slice pairs; where b is a, the second view IS the first array."""
    firsts, seconds = [], []
    for a, b in pairs:
        first = buf[a]
        firsts.append(first)
        seconds.append(first if b is a else buf[b])
    return tuple(firsts), tuple(seconds)


class StepViews:
    """The named pieces of one step's flat array, as views (read-only if the array is)."""

    __slots__ = ("x", "inputs", "zs", "outs", "y", "douts", "deltas", "dloss",
                 "theta_before", "gradient", "theta_after", "input_columns", "delta_rows", "layer_gradients")

    def __init__(self, layout: StepLayout, buf: np.ndarray):
        self.x = buf[layout.x]
        self.inputs = tuple(buf[i] for i, _, _ in layout.layers)  # each layer's inputs and their 1
        self.zs, self.outs = _same_slot_views(buf, [(z, o) for _, z, o in layout.layers])
        self.y = buf[layout.y]
        self.douts, self.deltas = _same_slot_views(buf, layout.backward)  # ∂L/∂O, ∂L/∂Z per layer
        self.dloss = self.douts[-1]
        self.theta_before = buf[layout.theta_before]
        self.gradient = buf[layout.gradient]
        self.theta_after = buf[layout.theta_after]
        # Shapes for the outer product [inputs, 1] ⊗ ∂L/∂Z = ∂L/∂[W; b] as one matrix product.
        self.input_columns = tuple(i[:, None] for i in self.inputs)
        self.delta_rows = tuple(d[None, :] for d in self.deltas)
        spec = layout.spec
        self.layer_gradients = tuple(
            self.gradient[w.start : b.stop].reshape(n_in + 1, n_out)
            for (w, b), n_in, n_out in zip(spec.layer_slices, spec.sizes[:-1], spec.sizes[1:])
        )


@dataclass(frozen=True, eq=False, init=False)
class StepRecord:
    """One row's forward pass, loss, backward pass and update.

    epoch counts from 1; row is the 0-based index of the row in the table;
    step is the 0-based count of rows trained since training began.

    Mini-batches (batch_size > 1): the parameters move once per batch, on its last row.
    update is the 0-based index of the update this row belongs to; batch_rows are the
    table rows of its batch done so far, in order (this row last); closes_batch says
    whether this row's step applied the update; batch_gradient is the batch's mean
    gradient (only on the closing row of a batch of more than one row, else None).
    The record's own gradient is always this row's alone; θ after equals θ before on a
    row that does not close its batch. With batch size 1 every row is its own batch.
    Arrays (read-only views of `data`): x (inputs,), y, y_hat and dloss (outputs,),
    theta_before, gradient and theta_after (n_params,), zs/outs/deltas one
    (neurons,) array per layer with parameters.
    """

    spec: NetworkSpec
    epoch: int
    row: int
    step: int
    eta: float
    loss: float
    data: np.ndarray = field(repr=False)  # every number of the step, read-only, laid out by `layout`
    layout: StepLayout = field(repr=False)
    diverged: bool = False
    update: int = -1  # -1: the same as step (a batch of one)
    batch_rows: tuple[int, ...] = ()  # (): just (row,)
    closes_batch: bool = True
    batch_gradient: NamedValues | None = field(default=None, repr=False)
    batch_size: int = 1

    def __init__(self, spec, epoch, row, step, eta, loss, data, layout, diverged=False, update=-1,
                 batch_rows=(), closes_batch=True, batch_gradient=None, batch_size=1, batch_mean=None):
        # Direct stores: a frozen dataclass's generated __init__ costs ~0.3 µs a field,
        # a sizeable share of a whole training step. A batch of one passes no batch fields
        # at all and they are filled in here (its update is its step; its batch its row).
        if batch_mean is None and batch_gradient is not None:  # e.g. dataclasses.replace
            batch_mean = batch_gradient.values_array
        self.__dict__.update(spec=spec, epoch=epoch, row=row, step=step, eta=eta, loss=loss,
                             data=data, layout=layout, diverged=diverged,
                             update=step if update < 0 else update, batch_rows=batch_rows or (row,),
                             closes_batch=closes_batch, batch_gradient=batch_gradient, batch_size=batch_size,
                             _batch_mean=batch_mean)

    _batch_mean = None  # a batch of one has no batch mean (of_row does not store it)

    @classmethod
    def of_row(cls, spec, epoch, row, step, eta, loss, data, layout) -> StepRecord:
        """The record of a batch of one: what __init__ builds without batch fields, ~3× faster
        (the training loop makes one per row). The batch fields with the same value on every
        such record are the class's defaults: diverged, closes_batch, batch_gradient, batch_size."""
        record = _new(cls)
        _set(record, "__dict__", {"spec": spec, "epoch": epoch, "row": row, "step": step, "eta": eta,
                                   "loss": loss, "data": data, "layout": layout, "update": step,
                                   "batch_rows": (row,)})
        return record

    @cached_property
    def _views(self) -> StepViews:
        return self.layout.views(self.data)

    @property
    def x(self) -> np.ndarray:
        return self._views.x

    @property
    def y(self) -> np.ndarray:
        return self._views.y

    @property
    def zs(self) -> tuple[np.ndarray, ...]:
        return self._views.zs

    @property
    def outs(self) -> tuple[np.ndarray, ...]:
        return self._views.outs

    @property
    def y_hat(self) -> np.ndarray:
        return self._views.outs[-1]

    @property
    def dloss(self) -> np.ndarray:
        """∂L/∂ŷ per output."""
        return self._views.dloss

    @property
    def deltas(self) -> tuple[np.ndarray, ...]:
        """∂L/∂Z per layer (backprop's δ); ∂L/∂b is this very vector."""
        return self._views.deltas

    @property
    def theta_before(self) -> np.ndarray:
        return self._views.theta_before

    @property
    def gradient(self) -> np.ndarray:
        return self._views.gradient

    @property
    def theta_after(self) -> np.ndarray:
        return self._views.theta_after

    @property
    def params_before(self) -> NamedValues:
        return NamedValues(self.spec.param_names, self.spec.param_index, self.theta_before)

    @property
    def params_after(self) -> NamedValues:
        return NamedValues(self.spec.param_names, self.spec.param_index, self.theta_after)

    @property
    def grads(self) -> NamedValues:
        return NamedValues(self.spec.param_names, self.spec.param_index, self.gradient)

    @cached_property
    def updates(self) -> NamedValues:
        """The change this row's step applied to each parameter: −η·∂L/∂p, where ∂L/∂p is the
        row's own gradient for a batch of one, the batch's mean gradient on the row that closes
        a larger batch, and no change (zeros) on a row that does not close its batch."""
        if not self.closes_batch or self.eta == 0.0:  # (at η = 0 even an overflowed gradient moves nothing)
            change = np.zeros(self.spec.n_params)
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # a runaway step's change may overflow
                change = -self.eta * (self.gradient if self.batch_size == 1 or self._batch_mean is None
                                      else self._batch_mean)
        return NamedValues(self.spec.param_names, self.spec.param_index, frozen(change))

    @cached_property
    def forward(self) -> dict[str, float]:
        """Z and O of every neuron by name, in layer order."""
        values: dict[str, float] = {}
        for layer, (z, o) in enumerate(zip(self.zs, self.outs), start=1):
            for j in range(z.shape[0]):
                values[f"Z{layer}{j + 1}"] = float(z[j])
                values[f"O{layer}{j + 1}"] = float(o[j])
        return values

    @cached_property
    def chain(self) -> dict[str, tuple]:
        """Chain-rule factors per parameter (see engine.chain)."""
        from engine.chain import chain_factors

        return {name: chain_factors(self, name) for name in self.spec.param_names}


_new = object.__new__
_set = object.__setattr__  # the way past a frozen dataclass's __setattr__
