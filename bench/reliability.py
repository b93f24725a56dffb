"""The README's reliability table, measured: runs the soak and the long test runs, counts, prints.

    python bench/reliability.py [--rows N] [--quick]     (make soak)

1. bench/soak.py: 10^6 rows at full speed with the window live (memory per row, slowdown, timer
   lateness, stderr).
2. SOAK=1 pytest on tests/test_monkey.py, test_fuzz.py, test_faults.py and test_shutdown.py, with
   BACKPROP_TALLY pointing at a file in which each test writes what it did (tests/tally.py):
   actions by kind, inputs per target, faults per kind, cycles, and the states and files it
   compared afterwards. A test that found something lost or wrong fails, so "lost: nothing" in
   the table is what was checked, not what was hoped.

Prints a Markdown table (for the README) and exits 1 if any check failed. --quick runs the CI
sizes and 50 000 rows: a few minutes, to try the harness itself.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_FILES = ("tests/test_monkey.py", "tests/test_fuzz.py", "tests/test_faults.py", "tests/test_shutdown.py")


def run_soak(rows: int, folder: Path) -> dict:
    out = folder / "soak.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--rows", str(rows), "--json", str(out)],
                          cwd=ROOT, env=dict(os.environ), text=True)
    soak = json.loads(out.read_text()) if out.exists() else {"failed": True}
    soak["exit_status"] = proc.returncode
    return soak


def run_tests(quick: bool, folder: Path) -> tuple[int, dict[str, list[str]], list[dict], float]:
    """pytest's exit status, failed test ids by file, the tally lines, seconds."""
    tally, junit = folder / "tally.jsonl", folder / "junit.xml"
    env = dict(os.environ, BACKPROP_TALLY=str(tally))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if quick:
        env.pop("SOAK", None)
    else:
        env["SOAK"] = "1"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", "-rf",
                           f"--junitxml={junit}", *TEST_FILES], cwd=ROOT, env=env, text=True)
    took = time.perf_counter() - start
    failed: dict[str, list[str]] = {name: [] for name in TEST_FILES}
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                module = case.get("classname", "").split(".")[-1]
                failed.setdefault(f"tests/{module}.py", []).append(case.get("name", "?"))
    lines = [json.loads(line) for line in tally.read_text().splitlines()] if tally.exists() else []
    return proc.returncode, failed, lines, took


def add(total: Counter, counts: dict | None) -> None:
    for key, value in (counts or {}).items():
        total[key] += value


def summarise(lines: list[dict]) -> dict:
    s = {"actions": 0, "seeds": 0, "by_kind": Counter(), "states_checked": 0, "slowest": {}, "wall_p99": 0.0,
         "wall_max": 0.0, "reopens": 0, "inputs": Counter(), "faults": Counter(), "files_checked": 0,
         "cycles": Counter()}
    for line in lines:
        c = line["counts"]
        if "seed" in c:
            s["seeds"] += 1
            s["actions"] += c["actions"]
            add(s["by_kind"], c["by_kind"])
            s["states_checked"] += c["states_checked"]
            for kind, ms in c["slowest_ms"].items():
                s["slowest"][kind] = max(ms, s["slowest"].get(kind, 0.0))
            s["wall_p99"] = max(s["wall_p99"], c["wall_p99_ms"])
            s["wall_max"] = max(s["wall_max"], c["wall_max_ms"])
        s["reopens"] += c.get("close_reopen_cycles", 0)
        add(s["inputs"], c.get("inputs"))
        add(s["faults"], c.get("faults"))
        s["files_checked"] += c.get("files_checked", 0)
        s["states_checked"] += c.get("states_checked", 0) if "seed" not in c else 0
        add(s["cycles"], c.get("cycles"))
    return s


def n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")  # thousands as the README writes them: 40 000


def table(soak: dict, tests: tuple[int, dict, list[dict], float], took: float) -> tuple[list[str], bool]:
    status, failed, lines, _ = tests
    s = summarise(lines)

    def verdict(name: str) -> bool:  # status 1: some tests failed (named in `failed`); above 1: pytest itself did
        return status in (0, 1) and not failed.get(name) and bool(lines)

    rows: list[tuple[str, str, str, bool]] = []
    ok_monkey = verdict("tests/test_monkey.py") and s["actions"] > 0
    slow = sorted(s["slowest"].items(), key=lambda kv: -kv[1])[:3]
    rows.append(("Random UI actions tried",
                 f"{n(s['actions'])} ({s['seeds']} seeds, {len(s['by_kind'])} kinds); window closed mid-run and "
                 f"reopened {s['reopens']}×",
                 "no exception, no Qt warning; every idle view = the engine", ok_monkey))
    rows.append(("Event loop answer after an action (its own work, slowest)",
                 f"{max(s['slowest'].values(), default=0):.0f} ms ({', '.join(f'{k} {v:.0f}' for k, v in slow)}); "
                 f"wall clock p99 {s['wall_p99']:.0f} ms, max {s['wall_max']:.0f} ms",
                 "≤ 100 ms each (wall clock reported)", ok_monkey))
    targets = sorted(k for k in s["inputs"] if not k.endswith(" refused"))
    fuzzed = "; ".join(f"{t} {n(s['inputs'][t])} ({n(s['inputs'][t + ' refused'])} refused)" for t in targets)
    rows.append(("Inputs fuzzed", f"{n(sum(s['inputs'][t] for t in targets))}: {fuzzed}",
                 "a result or one clear message; state unchanged", verdict("tests/test_fuzz.py") and bool(targets)))
    faults = "; ".join(f"{k} {n(v)}" for k, v in sorted(s["faults"].items(), key=lambda kv: -kv[1]))
    rows.append(("Faults injected into saves", f"{n(sum(s['faults'].values()))}: {faults}",
                 "old file intact or new one whole; no temporary left", verdict("tests/test_faults.py")
                 and bool(s["faults"])))
    cycles = "; ".join(f"{k} {n(v)}" for k, v in sorted(s["cycles"].items()))
    rows.append(("Open–train–close cycles", f"{n(sum(s['cycles'].values()))}: {cycles}",
                 "exit 0, no thread left, nothing on stderr", verdict("tests/test_shutdown.py") and bool(s["cycles"])))
    if soak.get("failed"):
        rows.append(("Soak (bench/soak.py)", f"did not finish (exit status {soak.get('exit_status')})", "", False))
    else:
        r, marks = soak["result"], soak["result"]["marks"]
        (t0, r0, _), (t1, r1, m1) = marks["start"], marks["first window"]
        (t2, r2, _), (t3, r3, m3) = marks["last window"], marks["end"]
        per_row = (m3 - m1) / max(1, r3 - r1)
        change = ((r3 - r2) / (t3 - t2)) / ((r1 - r0) / (t1 - t0)) - 1
        ok = {c["name"]: c["ok"] for c in soak["checks"]}
        mem_ok = next(v for k, v in ok.items() if k.startswith("resident memory growth"))
        speed_ok = next(v for k, v in ok.items() if k.startswith("rows/s, last"))
        late_ok = all(v for k, v in ok.items() if "lateness" in k)
        err_ok = next(v for k, v in ok.items() if k.startswith("stderr"))
        rows.append(("Rows soaked, window live", f"{n(r['rows'])} in {soak['seconds']:.0f} s", "", True))
        rows.append(("Resident memory growth per row", f"{per_row:.1f} bytes", "≤ 16 bytes", mem_ok))
        rows.append(("Speed, last rows vs first", f"{change:+.1%}", "within −20 %", speed_ok))
        rows.append(("10 ms timer lateness p99 / max", f"{r['p99_ms']:.1f} / {r['max_ms']:.1f} ms", "≤ 50 / 100 ms",
                     late_ok))
        rows.append(("Soak stderr, exit status", f"{len(soak['stderr'])} bytes, {soak['status']}", "nothing, 0",
                     err_ok))
    lost_ok = status == 0 and all(ok for *_, ok in rows)
    rows.append(("Work lost", f"nothing: {n(s['states_checked'])} states and {n(s['files_checked'])} files "
                 "compared after the actions and faults" if lost_ok else "see the failed checks",
                 "nothing", lost_ok))
    out = ["| Check | Measured | Limit | Result |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {'pass' if ok else '**FAIL**'} |" for a, b, c, ok in rows]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    from PySide6 import __version__ as pyside

    out.append("")
    out.append(f"Measured by `make soak` on {datetime.date.today().isoformat()}: {cpu}, {os.cpu_count()} cores, "
               f"{platform.system()} {platform.release()}, Python {platform.python_version()}, PySide6 {pyside}, "
               f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'default')}; {took / 60:.0f} min in all.")
    return out, all(ok for *_, ok in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="rows to soak (default 10^6; 50 000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="the CI sizes and a short soak: tries the harness")
    args = parser.parse_args(argv)
    rows = args.rows or (50_000 if args.quick else 1_000_000)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        folder = Path(tmp)
        print(f"== soak: {rows:,} rows", flush=True)
        soak = run_soak(rows, folder)
        print(f"== tests: {' '.join(TEST_FILES)} ({'CI sizes' if args.quick else 'SOAK=1'})", flush=True)
        tests = run_tests(args.quick, folder)
    lines, ok = table(soak, tests, time.perf_counter() - start)
    failed = [f"{f}::{t}" for f, ts in tests[1].items() for t in ts]
    print()
    print("\n".join(lines))
    if failed or tests[0] != 0:
        print(f"\npytest exit status {tests[0]}; failed: {', '.join(failed) or 'see above'}", file=sys.stderr)
    return 0 if ok and tests[0] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
