"""Save and restore a session: network, parameters, settings and data source.

A session file is small JSON. Saving writes a temporary file beside the target
and renames it over the target, so a crash or a full disk never leaves a
half-written session. Loading checks every field and raises `SessionError`
with one clear sentence; it never half-applies a bad file.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.spec import NetworkSpec

FORMAT = "backprop-studio-session"
VERSION = 1
MAX_BYTES = 1_000_000


class SessionError(ValueError):
    pass


@dataclass(frozen=True)
class Session:
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    params: dict[str, float]
    data: str  # "builtin:NAME" or a CSV path
    target: str | None = None
    eta: float = 0.1
    epochs: int = 100
    order: str = "shuffle"
    scale: str = "standard"
    init: str = "random"
    seed: int = 0
    extra: dict = field(default_factory=dict)  # view settings the GUI wants back

    @property
    def spec(self) -> NetworkSpec:
        return NetworkSpec(self.sizes, self.activations, self.loss)


def save(session: Session, path: str | os.PathLike) -> None:
    path = Path(path)
    doc = {"format": FORMAT, "version": VERSION, **asdict(session)}
    text = json.dumps(doc, indent=2, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike) -> Session:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SessionError(f"{path.name} is too large to be a session file")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SessionError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"{path.name} is not a readable session file ({exc.__class__.__name__})") from None
    return from_dict(doc, path.name)


def from_dict(doc, where: str = "session") -> Session:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f"{where} is not a Backprop Studio session")
    if doc.get("version") != VERSION:
        raise SessionError(f"{where} has session version {doc.get('version')!r}; this app reads version {VERSION}")
    try:
        session = Session(
            sizes=tuple(int(s) for s in doc["sizes"]),
            activations=tuple(str(a) for a in doc["activations"]),
            loss=str(doc["loss"]),
            params={str(k): float(v) for k, v in dict(doc["params"]).items()},
            data=str(doc["data"]),
            target=None if doc.get("target") is None else str(doc["target"]),
            eta=float(doc.get("eta", 0.1)),
            epochs=int(doc.get("epochs", 100)),
            order=str(doc.get("order", "shuffle")),
            scale=str(doc.get("scale", "standard")),
            init=str(doc.get("init", "random")),
            seed=int(doc.get("seed", 0)),
            extra=dict(doc.get("extra", {})),
        )
    except KeyError as exc:
        raise SessionError(f"{where} is missing the field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise SessionError(f"{where} has a field of the wrong type ({exc})") from None
    _validate(session, where)
    return session


def _validate(session: Session, where: str) -> None:
    try:
        spec = session.spec
    except ValueError as exc:
        raise SessionError(f"{where}: {exc}") from None
    if set(session.params) != set(spec.param_names):
        missing = sorted(set(spec.param_names) - set(session.params))
        unknown = sorted(set(session.params) - set(spec.param_names))
        raise SessionError(f"{where}: parameters do not match the network (missing {missing}, unknown {unknown})")
    bad = [k for k, v in session.params.items() if not math.isfinite(v)]
    if bad:
        raise SessionError(f"{where}: parameter {bad[0]} is not a finite number")
    if not (math.isfinite(session.eta) and session.eta >= 0):
        raise SessionError(f"{where}: the learning rate must be a finite number ≥ 0")
    if session.epochs < 1:
        raise SessionError(f"{where}: epochs must be at least 1")
    if session.order not in ("shuffle", "random", "sequential"):
        raise SessionError(f"{where}: unknown row order {session.order!r}")
    if session.scale not in ("standard", "none"):
        raise SessionError(f"{where}: unknown input scaling {session.scale!r}")
