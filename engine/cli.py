"""`python -m engine step|train|gradcheck`: the engine's numbers as JSON, for scripts.

Every command prints one JSON object on stdout and exits 0. Bad arguments or
data print one line starting 'error:' on stderr and exit 2 (never a traceback):
scripts and worksheets can rely on both.
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

from engine import activations, losses
from engine.data import BUILTIN_PREFIX, BUILTINS, CsvError, Dataset, resolve_data
from engine.gradcheck import gradient_check
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.record import StepRecord
from engine.settings import MAX_EPOCHS
from engine.spec import PRESETS, NetworkSpec, preset
from engine.training import ORDERS, Training

USAGE_STATUS = 2


class UsageError(ValueError):
    """Bad arguments or data: reported as one 'error:' line."""


class Parser(argparse.ArgumentParser):
    # argparse would print usage and exit; we want exactly one 'error:' line instead.
    def error(self, message: str):
        if "expected one argument" in message:
            message += " (write negative numbers with '=', e.g. --x=-1.5,2)"
        raise UsageError(message)


# ---- argument types: each refuses bad text with a message argparse prefixes with the option ----
def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a finite number")
    return value


def numbers(text: str) -> tuple[float, ...]:
    """'6.3,100' -> (6.3, 100.0)."""
    return tuple(_number(v) for v in text.split(","))


def eta(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"the learning rate must be 0 or more, got {text}")
    return value


def epochs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"must be 1–{MAX_EPOCHS}, got {value}")
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def layers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"write the layer sizes as whole numbers, e.g. 2,2,1 (got {text!r})") from None


def assignment(text: str) -> tuple[str, float]:
    """'W111=0.5' -> ('W111', 0.5)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"write NAME=VALUE, e.g. W111=0.5 (got {text!r})")
    return name.strip(), _number(value)


# ---- the parser ----------------------------------------------------------------------
OUTPUT_HELP = {
    "step": 'prints {"params_before", "forward" (every Z and O, and "y_hat"), "loss", "grads", '
            '"params_after", "chain" (per parameter the factors [{"name", "value"}] whose product is its gradient)}',
    "train": 'prints {"epoch_loss" (mean row loss of each finished epoch), "params", "diverged"}; "diverged" is '
             'null, or {"epoch", "row"} where training stopped: epoch counts from 1, row is the 0-based index '
             "of the row in the table (the first data row is 0)",
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
    train = sub.add_parser("train", help="per-row SGD over a table", epilog=OUTPUT_HELP["train"])
    _network_options(train, default_init=DEFAULT_SCHEME)
    _train_options(train)
    check = sub.add_parser("gradcheck", help="backprop against finite differences", epilog=OUTPUT_HELP["gradcheck"])
    _network_options(check, default_init="tutorial")
    _row_options(check)
    return parser


def _network_options(p: Parser, default_init: str) -> None:
    p.add_argument("--task", choices=list(PRESETS), default="regression",
                   help="preset network: regression = 2-2-1 linear, se; classification = 2-2-1 sigmoid, bce")
    p.add_argument("--layers", type=layers, help="sizes from inputs to outputs, e.g. 2,2,1 (default: the preset's)")
    p.add_argument("--hidden-activation", choices=list(activations.ACTIVATIONS))
    p.add_argument("--output-activation", choices=list(activations.ACTIVATIONS))
    p.add_argument("--loss", choices=list(losses.LOSSES))
    p.add_argument("--init", default=default_init,
                   help=f"tutorial (w=1, b=0), const:W,B or random (default {default_init})")
    p.add_argument("--seed", type=seed, default=0, help="seed for random init and row order (default 0)")
    p.add_argument("--set", type=assignment, action="append", default=[], metavar="NAME=VALUE",
                   help="set one parameter after initialisation, e.g. --set W111=0.5 (repeatable); "
                        "names are W{layer}{input}{neuron} and b{layer}{neuron}")


def _row_options(p: Parser) -> None:
    p.add_argument("--x", type=numbers, required=True, metavar="V1,V2", help="the row's inputs, e.g. --x=6.3,100")
    p.add_argument("--y", type=numbers, required=True, metavar="T", help="its target(s), comma separated")


def _train_options(p: Parser) -> None:
    names = " | ".join(BUILTIN_PREFIX + n for n in BUILTINS)
    p.add_argument("--data", required=True, help=f"{names} | PATH.csv")
    p.add_argument("--target", help="target column name(s), comma separated (default: the last column)")
    p.add_argument("--epochs", type=epochs, default=100, help="whole passes over the table (default 100)")
    p.add_argument("--eta", type=eta, default=0.1, help="learning rate η ≥ 0 (default 0.1)")
    p.add_argument("--order", choices=ORDERS, default="shuffle", help="row order in each epoch (default shuffle)")
    p.add_argument("--scale", choices=("standard", "none"), default="standard",
                   help="standard = z-score the inputs with the table's means and deviations (default)")


# ---- building the network from the options ------------------------------------------------
def build_spec(args, n_inputs: int | None = None, n_outputs: int | None = None) -> NetworkSpec:
    """The preset, changed by --layers/--*-activation/--loss; in/out sizes may come from the data."""
    base = preset(args.task)
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
        initialise(network, args.init, args.seed)
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
    dataset = _load(args)
    spec = build_spec(args, dataset.n_inputs, dataset.n_outputs)
    _check_shape(spec, dataset)
    network = build_network(args, spec)
    X = dataset.standardizer().transform(dataset.X) if args.scale == "standard" else dataset.X
    training = Training(network, X, dataset.Y, eta=args.eta, order=args.order, seed=args.seed)
    training.run_epochs(args.epochs)
    stop = training.diverged
    return {
        "epoch_loss": list(training.epoch_losses),
        "params": dict(network.parameters()),
        "diverged": None if stop is None else {"epoch": stop.epoch, "row": stop.row},
    }


def _load(args) -> Dataset:
    """The table, with its targets checked against the chosen loss (0/1 for bce)."""
    target = None if args.target is None else [t.strip() for t in args.target.split(",")]
    return resolve_data(args.data, target, loss=args.loss or preset(args.task).loss)


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
    except (UsageError, CsvError) as e:
        message = " ".join(str(e).split())  # exactly one line
        print(f"error: {message}", file=sys.stderr)
        return USAGE_STATUS
    _print(text)
    return 0


def _print(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:  # e.g. `... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
