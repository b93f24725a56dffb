"""`python -m engine step|train|gradcheck`: the engine's numbers as JSON, for scripts.

Every command prints one JSON object on stdout and exits 0. Bad arguments or
data print one line starting 'error:' on stderr and exit 2 (never a traceback):
scripts and worksheets can rely on both. Something worth knowing about the data
that does not stop training (a constant column, say) is one line starting
'warning:' on stderr per note; the JSON still follows.

`train` runs on engine.fast (Training's arithmetic without per-row records).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine import activations, diagnosis, losses
from engine.batch import batch_predict, batch_row_losses
from engine.cli_types import assignment, batch_size, epochs, eta, layers, noise, numbers, points, seed, test_fraction
from engine.data import BUILTIN_PREFIX, BUILTINS, CsvError, Dataset, resolve_data
from engine.fast import FastTraining
from engine.gradcheck import gradient_check
from engine.init import default_init, initialise
from engine.network import Network
from engine.playground import GENERATED, TASK_OF
from engine.record import StepRecord
from engine.run_table import RunTable
from engine.scaling import TargetScaler
from engine.settings import DEFAULT_POINTS, MAX_NOISE, MAX_POINTS, MIN_POINTS, SCALINGS, TARGET_SCALINGS
from engine.spec import PRESETS, NetworkSpec, preset
from engine.training import ORDERS

USAGE_STATUS = 2


class UsageError(ValueError):
    """Bad arguments or data: reported as one 'error:' line."""


class Parser(argparse.ArgumentParser):
    # argparse would print usage and exit; we want exactly one 'error:' line instead.
    def error(self, message: str):
        if "expected one argument" in message:
            message += " (write negative numbers with '=', e.g. --x=-1.5,2)"
        raise UsageError(message)


# ---- the parser ----------------------------------------------------------------------
OUTPUT_HELP = {
    "step": 'prints {"params_before", "forward" (every Z and O, and "y_hat"), "loss", "grads", '
            '"params_after", "chain" (per parameter the factors [{"name", "value"}] whose product is its gradient)}',
    "train": 'prints {"epoch_loss" (mean row loss of each finished epoch), "params", "diverged"}; "diverged" is '
             'null, or {"epoch", "row"} where training stopped: epoch counts from 1, row is the 0-based index '
             'of the row in the table (the first data row is 0); a diverged run adds "advice". '
             'With --test-fraction > 0: "test_loss" (mean row loss of the held-out rows after each epoch). '
             'Classification (loss bce, as the classification preset) adds "train_accuracy" (and with held-out rows '
             '"test_accuracy"): the fraction of '
             "rows whose every output is on the right side of 0.5, after each epoch. Losses are in the "
             "table's units (with --target-scale standard the network learns z-scored targets; its loss "
             "is multiplied back by the target's variance).",
    "gradcheck": 'prints {"gradients": {name: {"analytic", "numeric", "rel_error"}}, "worst_rel_error", '
                 '"worst_param"}: backprop beside central finite differences',
}


def build_parser() -> Parser:
    parser = Parser(prog="python -m engine", description="Backprop Studio's engine on the command line.",
                    epilog="Errors print one line starting 'error:' and exit with status 2.")
    sub = parser.add_subparsers(dest="command", metavar="{step,train,gradcheck}")
    step = sub.add_parser("step", help="one SGD step on one row", epilog=OUTPUT_HELP["step"])
    _network_options(step, default_init="tutorial")
    _row_options(step)
    step.add_argument("--eta", type=eta, default=0.1, help="learning rate η ≥ 0 (default 0.1)")
    train = sub.add_parser("train", help="per-row (or per-batch) SGD over a table", epilog=OUTPUT_HELP["train"])
    _network_options(train, default_init=None)
    _train_options(train)
    check = sub.add_parser("gradcheck", help="backprop against finite differences", epilog=OUTPUT_HELP["gradcheck"])
    _network_options(check, default_init="tutorial")
    _row_options(check)
    return parser


def _network_options(p: Parser, default_init: str | None) -> None:
    generated = ", ".join(BUILTIN_PREFIX + n for n, task in TASK_OF.items() if task == "classification")
    p.add_argument("--task", choices=list(PRESETS), default=None,
                   help="preset network: regression = 2-2-1 linear, se; classification = 2-2-1 sigmoid, bce "
                        "(default regression; for train on a generated classification set "
                        f"({generated}) the default is classification)")
    p.add_argument("--layers", type=layers, help="sizes from inputs to outputs, e.g. 2,2,1 (default: the preset's)")
    p.add_argument("--hidden-activation", choices=list(activations.ACTIVATIONS))
    p.add_argument("--output-activation", choices=list(activations.ACTIVATIONS))
    p.add_argument("--loss", choices=list(losses.LOSSES))
    default = (f"default {default_init}" if default_init else
               "default: random for the two presets, he when every hidden layer is relu, else glorot")
    p.add_argument("--init", default=default_init,
                   help=f"tutorial (w=1, b=0), const:W,B, random (±0.05), glorot (Xavier uniform) or he "
                        f"(He normal) ({default})")
    p.add_argument("--seed", type=seed, default=0, help="seed for random init and row order (default 0)")
    p.add_argument("--set", type=assignment, action="append", default=[], metavar="NAME=VALUE",
                   help="set one parameter after initialisation, e.g. --set W111=0.5 (repeatable); "
                        "names are W{layer}{input}{neuron} and b{layer}{neuron}")


def _row_options(p: Parser) -> None:
    p.add_argument("--x", type=numbers, required=True, metavar="V1,V2", help="the row's inputs, e.g. --x=6.3,100")
    p.add_argument("--y", type=numbers, required=True, metavar="T", help="its target(s), comma separated")


def _train_options(p: Parser) -> None:
    names = " | ".join(BUILTIN_PREFIX + n for n in (*BUILTINS, *GENERATED))
    p.add_argument("--data", required=True, help=f"{names} | PATH.csv")
    p.add_argument("--points", type=points, help=f"rows of a generated set, {MIN_POINTS}–{MAX_POINTS} "
                                                 f"(default {DEFAULT_POINTS}; the truth tables keep their 4)")
    p.add_argument("--noise", type=noise, help=f"noise of a generated set, 0–{MAX_NOISE} (a fraction; default 0)")
    p.add_argument("--data-seed", type=seed, help="seed of a generated set (default 0)")
    p.add_argument("--target", help="target column name(s), comma separated (default: the last column)")
    p.add_argument("--epochs", type=epochs, default=100, help="whole passes over the table (default 100)")
    p.add_argument("--eta", type=eta, default=0.1, help="learning rate η ≥ 0 (default 0.1)")
    p.add_argument("--order", choices=ORDERS, default="shuffle", help="row order in each epoch (default shuffle)")
    p.add_argument("--scale", choices=SCALINGS, default="standard",
                   help="input scaling: standard = z-scores from the table's means and deviations (default), "
                        "minmax = 0…1 by each column's range, none = the raw numbers (fitted on the training rows)")
    p.add_argument("--target-scale", choices=TARGET_SCALINGS,
                   help="standard = the network learns z-scored targets (default for regression), "
                        "none = the raw targets (default for classification)")
    p.add_argument("--test-fraction", type=test_fraction, default=0.0,
                   help="hold out this fraction of the rows (0–0.5, chosen with --seed) and report their loss "
                        "after every epoch (default 0)")
    p.add_argument("--batch", type=batch_size, default=1,
                   help="rows per update, 1 … the training rows (default 1: the tutorial's per-row SGD); "
                        "each update uses the batch's mean gradient")


# ---- building the network from the options ------------------------------------------------
def task_of(args) -> str:
    """--task, or the data's own task for a generated set (else regression)."""
    if args.task:
        return args.task
    data = getattr(args, "data", None) or ""  # step and gradcheck have no data
    if data.startswith(BUILTIN_PREFIX):
        return TASK_OF.get(data.removeprefix(BUILTIN_PREFIX), "regression")
    return "regression"


def build_spec(args, n_inputs: int | None = None, n_outputs: int | None = None) -> NetworkSpec:
    """The preset, changed by --layers/--*-activation/--loss; in/out sizes may come from the data."""
    base = preset(task_of(args))
    sizes = args.layers or (n_inputs or base.sizes[0], *base.sizes[1:-1], n_outputs or base.sizes[-1])
    hidden = args.hidden_activation or base.activations[0]
    output = args.output_activation or base.activations[-1]
    try:
        return NetworkSpec(sizes, (hidden,) * (len(sizes) - 2) + (output,), args.loss or base.loss)
    except ValueError as e:
        raise UsageError(f"--layers {','.join(map(str, sizes))}: {e}") from None


def build_network(args, spec: NetworkSpec) -> Network:
    network = Network(spec)
    try:
        initialise(network, args.init or default_init(spec), args.seed)
    except ValueError as e:
        raise UsageError(f"--init: {e}") from None
    for name, value in args.set:
        if name not in spec.param_index:
            raise UsageError(f"--set: {spec} has no parameter {name!r}; valid names: {', '.join(spec.param_names)}")
        network[name] = value
    return network


def _check_row(spec: NetworkSpec, x: tuple[float, ...], y: tuple[float, ...]) -> None:
    if len(x) != spec.n_inputs:
        raise UsageError(f"--x has {len(x)} value(s) but {spec} takes {spec.n_inputs} input(s)")
    if len(y) != spec.n_outputs:
        raise UsageError(f"--y has {len(y)} value(s) but {spec} has {spec.n_outputs} output(s)")
    if spec.loss_fn.needs_binary_targets and any(v not in (0.0, 1.0) for v in y):
        raise UsageError(f"--loss {spec.loss} needs --y values of 0 or 1, got {','.join(map(_fmt, y))}")


def _fmt(v: float) -> str:
    return str(int(v)) if v.is_integer() else str(v)


# ---- the commands ---------------------------------------------------------------------
def run_step(args) -> dict[str, Any]:
    spec = build_spec(args)
    _check_row(spec, args.x, args.y)
    record = build_network(args, spec).step(args.x, args.y, args.eta)
    return step_json(record)


def step_json(record: StepRecord) -> dict[str, Any]:
    return {
        "params_before": dict(record.params_before),
        "forward": {**record.forward, "y_hat": [float(v) for v in record.y_hat]},
        "loss": float(record.loss),
        "grads": dict(record.grads),
        "params_after": dict(record.params_after),
        "chain": {name: [{"name": f.name, "value": f.value} for f in factors]
                  for name, factors in record.chain.items()},
    }


def run_gradcheck(args) -> dict[str, Any]:
    spec = build_spec(args)
    _check_row(spec, args.x, args.y)
    rows = gradient_check(build_network(args, spec), args.x, args.y)
    worst = max(rows, key=lambda r: r.rel_error)
    return {
        "gradients": {r.name: {"analytic": r.analytic, "numeric": r.numeric, "rel_error": r.rel_error} for r in rows},
        "worst_rel_error": worst.rel_error,
        "worst_param": worst.name,
    }


def run_train(args) -> dict[str, Any]:
    task = task_of(args)
    dataset = _load(args)
    spec = build_spec(args, dataset.n_inputs, dataset.n_outputs)
    _check_shape(spec, dataset)
    classification = spec.loss_fn.needs_binary_targets  # labels 0/1: accuracy applies (as in the window)
    target_kind = args.target_scale or ("none" if classification or task == "classification" else "standard")
    if target_kind == "standard" and classification:
        raise UsageError("--target-scale standard does not suit classification: its targets are labels 0 and 1 "
                         "(the loss and the accuracy need them as they are); use --target-scale none")
    # Split and scaled as the window's runs are (scalers fitted on the training rows only).
    table = RunTable.of(dataset.X, dataset.Y, scaling=args.scale, target_scaling=target_kind,
                        test_fraction=args.test_fraction, seed=args.seed)
    train_rows, test_rows, X, Y = table.train_rows, table.test_rows, table.X, table.Y
    target_scaler = table.target_scaler
    if args.batch > len(train_rows):
        raise UsageError(f"--batch: must be 1–{len(train_rows)} (the training rows), got {args.batch}")
    network = build_network(args, spec)
    run = FastTraining(spec, network.theta, X[train_rows], Y[train_rows], eta=args.eta, order=args.order,
                       seed=args.seed, batch=args.batch, rows=train_rows)
    per_epoch = _PerEpoch(spec, X, Y, train_rows, test_rows, accuracy=classification)
    while run.epochs_done < args.epochs and run.diverged is None:
        chunk = min(args.epochs - run.epochs_done, per_epoch.chunk)
        thetas = run.run_epochs(chunk, keep_thetas=per_epoch.wanted)
        if per_epoch.wanted:
            per_epoch.add(thetas)
    stop = run.diverged
    if not all(map(math.isfinite, run.epoch_losses)):  # at η = 0 nothing diverges, however large the loss
        raise UsageError(_not_finite(spec, network.theta, X[train_rows], Y[train_rows], dataset, train_rows, args,
                                     target_kind))
    series = {"epoch_loss": run.epoch_losses, "test_loss": per_epoch.test_loss}
    in_table_units = _table_units(target_scaler, spec, series)
    out: dict[str, Any] = {
        "epoch_loss": in_table_units["epoch_loss"],
        "params": dict(zip(spec.param_names, run.theta[[spec.param_index[n] for n in spec.param_names]].tolist())),
        "diverged": None if stop is None else {"epoch": stop.epoch, "row": stop.row},
    }
    if stop is not None:
        out["advice"] = _advice(spec, network.theta, stop, X[train_rows], Y[train_rows], dataset, train_rows, args,
                                target_kind)
    if len(test_rows):
        out["test_loss"] = in_table_units["test_loss"]
    if classification:
        out["train_accuracy"] = per_epoch.train_accuracy
        if len(test_rows):
            out["test_accuracy"] = per_epoch.test_accuracy
    return out


class _PerEpoch:
    """Held-out loss and accuracies after each epoch, from the epochs' parameters, in batches of epochs
    (engine.batch evaluates many parameter vectors in one call)."""

    def __init__(self, spec: NetworkSpec, X, Y, train_rows, test_rows, *, accuracy: bool):
        self.spec, self.accuracy = spec, accuracy
        self.train = (X[train_rows], Y[train_rows])
        self.test = (X[test_rows], Y[test_rows]) if len(test_rows) else None
        self.wanted = accuracy or self.test is not None
        self.chunk = max(1, min(4096, 1_000_000 // X.shape[0]))  # keeps the (epochs, rows) arrays small
        self.test_loss: list[float] = []
        self.train_accuracy: list[float] = []
        self.test_accuracy: list[float] = []

    def add(self, thetas: np.ndarray) -> None:
        if not thetas.shape[0]:
            return
        if self.test is not None:
            self.test_loss += batch_row_losses(self.spec, thetas, *self.test).mean(axis=1).tolist()
        if self.accuracy:
            self.train_accuracy += self._accuracy(thetas, *self.train)
            if self.test is not None:
                self.test_accuracy += self._accuracy(thetas, *self.test)

    def _accuracy(self, thetas, X, Y) -> list[float]:
        # A row counts as right when every output is on the same side of 0.5 as its 0/1 target.
        right = np.all((batch_predict(self.spec, thetas, X) >= 0.5) == (Y >= 0.5), axis=-1)
        return right.mean(axis=1).tolist()


def _table_units(target_scaler: TargetScaler, spec: NetworkSpec, series: dict[str, list[float]]) -> dict:
    """Losses on the scaled targets -> the table's units, every series alike: the scaled ones (with
    a warning) when no single factor converts them, or when the table's units overflow (targets
    near 1e300 have a variance beyond the largest double, though their z-scores train well)."""
    if target_scaler.loss_to_table(1.0, spec.loss) is None:
        _warn("the target columns have different scales, so losses are reported on the standardised "
              "targets (use --target-scale none for the table's units)")
        return {key: list(values) for key, values in series.items()}
    converted = {key: np.asarray(target_scaler.loss_to_table(np.asarray(values, dtype=float), spec.loss),
                                 dtype=float) for key, values in series.items()}
    if not all(np.all(np.isfinite(values)) for values in converted.values()):
        _warn("the loss in the table's units is beyond the largest number a double holds (about 1.8e308), "
              "so losses are reported on the standardised targets")
        return {key: list(values) for key, values in series.items()}
    return {key: values.tolist() for key, values in converted.items()}


def _not_finite(spec: NetworkSpec, theta0: np.ndarray, X, Y, dataset: Dataset, train_rows, args,
                target_kind: str) -> str:
    """Why a run that did not diverge has a loss that is not a finite number (it can only be at η = 0,
    where nothing diverges): the data's scale, never η."""
    advice = diagnosis.advice(
        eta=args.eta, loss_at_start=diagnosis.start_loss(spec, theta0, X, Y),
        input_scaling=args.scale, target_scaling=target_kind,
        large_inputs=bool(np.max(np.abs(dataset.X[train_rows]), initial=0.0) > diagnosis.LARGE_VALUE),
        large_targets=bool(np.max(np.abs(dataset.Y[train_rows]), initial=0.0) > diagnosis.LARGE_VALUE))
    return "the loss is not a finite number: " + (
        advice or "the data's numbers are too large for this network; use smaller inputs or targets")


def _advice(spec: NetworkSpec, theta0: np.ndarray, stop, X, Y, dataset: Dataset, train_rows, args,
            target_kind: str) -> str:
    """engine.diagnosis's advice for a diverged run (the data's scale, or a runaway at this η)."""
    raw_x, raw_y = dataset.X[train_rows], dataset.Y[train_rows]
    return diagnosis.advice(
        eta=args.eta, loss_at_start=diagnosis.start_loss(spec, theta0, X, Y), diverged=stop,
        input_scaling=args.scale, target_scaling=target_kind,
        large_inputs=bool(np.max(np.abs(raw_x), initial=0.0) > diagnosis.LARGE_VALUE),
        large_targets=bool(np.max(np.abs(raw_y), initial=0.0) > diagnosis.LARGE_VALUE),
    )


def _warn(message: str) -> None:
    print(f"warning: {' '.join(message.split())}", file=sys.stderr)


def _load(args) -> Dataset:
    """The table, with its targets checked against the chosen loss (0/1 for bce); notes become warnings."""
    target = None if args.target is None else [t.strip() for t in args.target.split(",")]
    name = args.data.removeprefix(BUILTIN_PREFIX) if args.data.startswith(BUILTIN_PREFIX) else None
    if name not in GENERATED:
        for flag in ("points", "noise", "data_seed"):
            if getattr(args, flag) is not None:
                _warn(f"--{flag.replace('_', '-')} applies to generated data sets only; ignored for {args.data}")
    generated = {"points": DEFAULT_POINTS if args.points is None else args.points,
                 "noise": args.noise or 0.0, "data_seed": args.data_seed or 0}
    try:
        dataset = resolve_data(args.data, target, loss=args.loss or preset(task_of(args)).loss, **generated)
    except CsvError:
        raise
    except ValueError as e:  # e.g. a generated set refusing an argument
        raise UsageError(str(e)) from None
    for note in dataset.notes:
        _warn(note)
    return dataset


def _check_shape(spec: NetworkSpec, dataset: Dataset) -> None:
    if spec.n_inputs != dataset.n_inputs:
        raise UsageError(f"--layers starts with {spec.n_inputs} input(s) but the data has {dataset.n_inputs} "
                         f"input column(s): {', '.join(dataset.input_names)}")
    if spec.n_outputs != dataset.n_outputs:
        raise UsageError(f"--layers ends with {spec.n_outputs} output(s) but the data has {dataset.n_outputs} "
                         f"target column(s): {', '.join(dataset.target_names)}")


COMMANDS = {"step": run_step, "train": run_train, "gradcheck": run_gradcheck}


# ---- output -------------------------------------------------------------------------
def to_json(result: dict[str, Any]) -> str:
    """JSON text; a non-finite number (overflow) is an error, never NaN/Infinity in the output."""
    _check_finite(result, "")
    return json.dumps(result, allow_nan=False)  # ASCII: safe on any console encoding


def _check_finite(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"the numbers overflowed ({path} = {value}); use smaller inputs, parameters or --eta")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: step, train or gradcheck (python -m engine --help)")
        # Overflow is reported once, as an error or as divergence: no numpy warnings on stderr.
        with np.errstate(all="ignore"):
            text = to_json(COMMANDS[args.command](args))
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except ValueError as e:  # UsageError, CsvError, and any refusal from the engine: bad input, not a bug
        return _error(str(e))
    except MemoryError:  # a last guard: the loader refuses big files before reading them
        return _error("out of memory; use a smaller table or network")
    _print(text)
    return 0


def _error(message: str) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)  # exactly one line
    return USAGE_STATUS


def _print(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:  # e.g. `... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
