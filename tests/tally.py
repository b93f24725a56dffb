"""What the reliability tests did, counted, for bench/reliability.py's table.

With BACKPROP_TALLY=<file> set, `record(test, **counts)` appends one JSON line to that file:
{"test": ..., "counts": {...}}; without it, it does nothing at all (CI pays one dict lookup).
Counts are plain ints or small dicts of ints (actions by kind, faults by kind, ...). Lines are
written with one O_APPEND write each, so the pytest-xdist workers may share the file.
"""
from __future__ import annotations

import json
import os

ENV = "BACKPROP_TALLY"
# The real calls, kept at import: the fault tests replace os.open and os.write while they run.
_open, _write, _close = os.open, os.write, os.close


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def record(test: str, **counts) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    line = json.dumps({"test": test, "counts": counts}, sort_keys=True) + "\n"
    fd = _open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _write(fd, line.encode())
    finally:
        _close(fd)
