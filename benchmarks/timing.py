"""Wall time (and peak memory) of the offline plan and of the test suite.

Run from the repository root with the project's interpreter:  .venv/bin/python benchmarks/timing.py
Targets on the 2-core reference machine: `plan` (imports, policies, cost and the PNG/SVG drawing
included), `preflight`, `cost` and `diagram` each under 3 s; the preflight's own share (its rules over an
already recorded graph, loading AWS's data included) under 0.5 s per stack, and so are the policy pack's run
over prod's graph and the run-time stage's (IAM evaluation, reachability, CI roles; first run included);
`diff prod` (both trees planned and priced, side by side) at most twice `plan prod`;
the whole test suite under 60 s.
Evaluating the program under mocks (imports included, about 2 s of each verb; 2026-12-05) dominates; pricing and
drawing add about 0.3 s. This script measures and prints; it never fails a build.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _timed(cmd: list[str], runs: int) -> tuple[list[float], float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return times, peak_mb


def _in_process(label: str, stacks: tuple[str, ...], run: Any) -> None:
    """Time `run(monitor, stack_file)` over each stack's already recorded graph: the first run (loading the data
    the stage reads) and the best of the next two. Target: < 0.5 s each."""
    sys.path.insert(0, str(ROOT))
    from tools.harness import load_stack_config, run_cached

    for stack in stacks:
        stack_file = load_stack_config(stack)
        monitor = run_cached(stack_file.path)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run(monitor, stack_file)
            times.append(time.perf_counter() - start)
        print(f"{label}, {Path(stack).name:<28} first {times[0]:.3f} s, then {min(times[1:]):.3f} s  target < 0.5 s")


def _shares() -> None:
    # In-process: the recorded graph is reused, so only each stage's own work (and its first data load) is timed.
    sys.path.insert(0, str(ROOT))
    from policies.rules import POLICIES
    from tools.policy_run import run_policies, stack_policy_config
    from tools.preflight import run_preflight
    from tools.runtime import run_runtime

    bio = "examples/Pulumi.bioinformatics.yaml"
    _in_process("run-time stage", ("prod", "dev", bio), run_runtime)
    _in_process("preflight rules", ("dev", "prod", bio), run_preflight)
    _in_process(f"policy run ({len(POLICIES)} rules)", ("dev", "prod"),
                lambda monitor, stack_file: run_policies(monitor, POLICIES, stack_policy_config(stack_file)))


def main() -> None:
    _shares()
    verbs = [("plan dev", ["plan", "dev"], 3), ("plan prod", ["plan", "prod"], 3), ("preflight prod", ["preflight", "prod"], 3),
             ("cost dev", ["cost", "dev"], 3), ("diagram prod", ["diagram", "prod"], 3)]
    medians: dict[str, float] = {}
    for label, args, target in verbs:
        times, peak = _timed([sys.executable, "-m", "tools", *args], runs=3)
        print(f"{label:<14} median {statistics.median(times):5.2f} s  (min {min(times):.2f}, max {max(times):.2f}; "
              f"peak RSS so far {peak:.0f} MB)  target < {target} s")
        medians[label] = statistics.median(times)
    # Against HEAD: the base tree is extracted and planned like any other ref.
    times, peak = _timed([sys.executable, "-m", "tools", "diff", "prod", "--base", "HEAD"], runs=3)
    print(f"{'diff prod':<14} median {statistics.median(times):5.2f} s  (min {min(times):.2f}, max {max(times):.2f}; "
          f"peak RSS so far {peak:.0f} MB)  target <= 2 x plan prod = {2 * medians['plan prod']:.2f} s")
    times, peak = _timed([sys.executable, "-m", "pytest", "-q"], runs=1)
    print(f"{'test suite':<14} {times[0]:5.2f} s  (peak RSS so far {peak:.0f} MB)  target < 60 s")


if __name__ == "__main__":
    main()
