"""`./run plan <stack> --watch`: re-plan on every save, printing only what changed since the last plan.

Most of a cold plan is importing Pulumi, the AWS provider's SDK and pydantic; the program itself evaluates in about
a second. The watcher never imports the project's code or starts the Pulumi runtime itself (a fork of a process
with the runtime's threads could hang): on every save of the stack file or of the program's code it forks a child
that imports the project's code fresh (so an edit to a component counts), runs the program under the mocks and
prints the change from the previous graph in the `diff` verb's format, or the refusal of a bad edit. The child
hands back its graph and the resource types it declared; the watcher then imports those types' SDK modules and
resolves their type hints (the resource's and its nested argument types'), so every later child starts with them
loaded. With the harness's quieter garbage collector (tools/harness/process.py: quiet_gc), a warm re-plan of dev takes
0.65 s on the 2-core reference machine (benchmarks/watch_replan.py, 2026-12-05; 1.3 s before both). POSIX only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The project (the watcher imports none of its code: each child imports it fresh)."""
WATCHED = ("__main__.py", "stack_config.py", "config_errors.py", "stack_settings.py", "wiring.py", "components", "tools/harness")
"""What a plan is made of besides the stack file (paths under the project)."""


def _files(stack_file: Path) -> Iterator[Path]:
    yield stack_file
    for name in WATCHED:
        path = PROJECT_DIR / name
        yield from (sorted(path.rglob("*.py")) if path.is_dir() else [path])


def snapshot(stack_file: Path) -> dict[str, float]:
    """Modification time of every watched file (a file that went away counts as changed)."""
    found = {}
    for path in _files(stack_file):
        try:
            found[str(path)] = path.stat().st_mtime
        except FileNotFoundError:
            continue
    return found


SDK_PACKAGES = {"aws": "pulumi_aws", "eks": "pulumi_eks", "kubernetes": "pulumi_kubernetes", "random": "pulumi_random"}
"""Provider prefix of a resource type -> its Python SDK."""


def warm(types: list[str]) -> None:
    """Import the SDK classes of `types` (`aws:rds/cluster:Cluster` is pulumi_aws.rds's Cluster) and pydantic, once.

    Through the package's attribute, as the program reaches them: the SDKs load their modules lazily, and importing a
    module of theirs directly leaves the package without the class."""
    import importlib

    for name in ("pulumi", "pulumi.runtime", "pydantic", "yaml"):
        importlib.import_module(name)
    for typ in types:
        provider, _, rest = typ.partition(":")
        module, _, cls = rest.partition(":")
        package = SDK_PACKAGES.get(provider)
        if package is None or not cls:
            continue
        # aws:rds/cluster:Cluster lives in pulumi_aws.rds (`cluster` names its file); kubernetes:apps/v1:Deployment in
        # pulumi_kubernetes.apps.v1 (both are packages).
        parts = module.split("/") if provider == "kubernetes" else module.split("/")[:1]
        path = ".".join(p for p in (package, *parts) if p and p != "index")
        try:
            resource = getattr(importlib.import_module(path), cls)
        except (ImportError, AttributeError):
            continue  # the child imports it itself
        # Pulumi resolves a resource class's output type hints once per process (functools.cache): resolved here,
        # every child inherits them (a third of a warm re-plan otherwise).
        try:
            from pulumi import _types

            _types.resource_types(resource)
            # So are the input types its arguments nest (ServiceArgs -> ServiceLoadBalancerArgs -> ...).
            _resolve_input_types(getattr(importlib.import_module(path), f"{cls}Args", None), set())
        except Exception:  # noqa: BLE001 - a warm-up only: the child resolves what this could not
            continue


def _resolve_input_types(typ: Any, seen: set[type]) -> None:
    import typing

    from pulumi import _types

    if isinstance(typ, type) and _types.is_input_type(typ):
        if typ not in seen:
            seen.add(typ)
            for nested in _types.input_type_types(typ).values():
                _resolve_input_types(nested, seen)
        return
    for argument in typing.get_args(typ):  # Sequence[X], Mapping[str, X], Union[...]
        _resolve_input_types(argument, seen)


def plan_once(stack: str, previous: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """In a forked child: the text to print, and the new graph (None when the plan was refused)."""
    import threading

    if threading.active_count() > 1:
        # A forked child inherits only this thread, and a lock another one held stays locked for good.
        raise RuntimeError("plan_once forks: call it from a process with one thread (the watcher is one)")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: fresh project code, the watcher's third-party modules
        os.close(read)
        payload: dict[str, Any]
        payload = plan_here(stack, previous)
        with os.fdopen(write, "w") as out:
            json.dump(payload, out, default=str)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as source:
        data = source.read()
    os.waitpid(pid, 0)
    result = json.loads(data) if data else {"text": "error: the plan stopped without a result", "graph": None}
    return result["text"], result["graph"]


def plan_here(stack: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    """Plan in this process: {text: what to print, graph: the new graph or None}; never raises."""
    try:
        return _plan(stack, previous)
    except BaseException as exc:  # noqa: BLE001 - everything a plan can raise is reported, never a traceback
        return {"text": f"error: {type(exc).__name__}: {exc}", "graph": None}


def _plan(stack: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    # A plan needs no field descriptions (the docs do): skip reading the models' docstrings.
    os.environ["PLATFORM_FIELD_DOCS"] = "off"
    from stack_config import ConfigError
    from tools import diff
    from tools.harness import annotate_lines, graph_json, load_stack_config, run_program
    from tools.stack_yaml import StackFileError

    noise = io.StringIO()
    try:
        stack_file = load_stack_config(stack)
        with redirect_stdout(noise), redirect_stderr(noise):
            graph = graph_json(run_program(stack_file.path), stack_file)
    except ConfigError as exc:
        return {"text": annotate_lines(str(exc), load_stack_config(stack)), "graph": None}
    except StackFileError as exc:
        return {"text": f"error: {exc}", "graph": None}
    if previous is None:
        text = f"planned {stack_file.name}: {sum(1 for r in graph['resources'] if r.get('custom'))} resources"
    else:
        changes = diff.compare(previous, graph)
        text = diff.render(stack_file.name, "last plan", changes, {}, (None, None), [])
    return {"text": text, "graph": graph}


def watch(stack: str, *, interval: float = 0.25, rounds: int | None = None) -> int:
    """Plan `stack`, then re-plan after each save until interrupted (or `rounds` plans, for tests)."""
    stack_file = Path(stack) if stack.endswith((".yaml", ".yml")) else PROJECT_DIR / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        print(f"error: no stack file {stack_file}", file=sys.stderr)
        return 2
    stack_file = stack_file.resolve()
    previous: dict[str, Any] | None = None
    seen: dict[str, float] = {}
    done = 0
    print(f"watching {stack_file.name} and the program's code; Ctrl-C stops", flush=True)
    try:
        while rounds is None or done < rounds:
            now = snapshot(stack_file)
            if now != seen:
                seen = now
                started = time.perf_counter()
                text, graph = plan_once(str(stack_file), previous)
                if graph is not None:
                    warm(sorted({r["type"] for r in graph["resources"]}))
                    previous = graph
                print(f"{text}\n({time.perf_counter() - started:.2f} s)", flush=True)
                done += 1
            else:
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    return 0
