"""Warm program runs and peak memory at several cyclic-collector thresholds (tools/harness/process.py: quiet_gc).

Run from the repository root:  .venv/bin/python benchmarks/gc_threshold.py
Each threshold runs in its own process: the first run (imports included), then the best of three warm
runs of dev and of prod. The harness's choice weighs the first run most (it is every `./run plan`), then
the warm runs (the suite, `plan --watch`), then memory. This script measures and prints; it never fails a build.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = ((700, 10, 10), (2_000, 10, 10), (10_000, 10, 10), (50_000, 20, 100), (100_000, 50, 100))

_CHILD = """
import gc, resource, sys, time
sys.path.insert(0, ROOT)
import tools.harness as h
gc.set_threshold(*THRESHOLD)
start = time.perf_counter()
h.run_program("Pulumi.dev.yaml")
first = time.perf_counter() - start
best = {}
for stack in ("Pulumi.dev.yaml", "Pulumi.prod.yaml") * 3:
    start = time.perf_counter()
    h.run_program(stack)
    best[stack] = min(best.get(stack, 99.0), time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{first:.2f} {best['Pulumi.dev.yaml']:.2f} {best['Pulumi.prod.yaml']:.2f} {peak:.0f}")
"""


def main() -> None:
    print(f"{'threshold':>18}  first run  warm dev  warm prod  peak MB")
    for threshold in THRESHOLDS:
        out = subprocess.run([sys.executable, "-c", f"ROOT = {str(ROOT)!r}\nTHRESHOLD = {threshold!r}\n" + _CHILD],
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
        first, dev, prod, peak = out
        print(f"{str(threshold):>18}  {first:>8}s  {dev:>7}s  {prod:>8}s  {peak:>7}")


if __name__ == "__main__":
    main()
