"""Seconds from a save to the printed change under `./run plan dev --watch` (issue 23's target: at most 1 s).

Run from the repository root with the project's interpreter:  .venv/bin/python benchmarks/watch_replan.py
It copies Pulumi.dev.yaml into build/, plans it once (cold: the watcher's first child imports everything), then
edits a task's size three times and reports each warm re-plan. This script measures and prints; it never fails.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import watch  # noqa: E402


def main() -> None:
    path = ROOT / "build" / "Pulumi.bench-watch.yaml"
    path.parent.mkdir(exist_ok=True)
    shutil.copy(ROOT / "Pulumi.dev.yaml", path)
    started = time.perf_counter()
    _, graph = watch.plan_once(str(path), None)
    assert graph is not None
    watch.warm(sorted({r["type"] for r in graph["resources"]}))
    print(f"cold first plan: {time.perf_counter() - started:.2f} s")
    warm = []
    for cpu, memory in ((512, 1024), (256, 512), (512, 1024)):
        text = path.read_text()
        path.write_text(text.replace("cpu: 256\n      memory: 512\n      default_route", f"cpu: {cpu}\n      memory: "
                                     f"{memory}\n      default_route", 1) if cpu == 512 else
                        text.replace("cpu: 512\n      memory: 1024\n      default_route", "cpu: 256\n      memory: 512\n"
                                     "      default_route", 1))
        started = time.perf_counter()
        _, graph = watch.plan_once(str(path), graph)
        warm.append(time.perf_counter() - started)
    print(f"warm re-plan after a save: median {statistics.median(warm):.2f} s, max {max(warm):.2f} s (target <= 1 s)")
    path.unlink()


if __name__ == "__main__":
    main()
