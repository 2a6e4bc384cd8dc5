"""Running the program: `run_program` evaluates `__main__.py` for one stack, `run_cached` once per process,
`run_components` a callable that declares components (component tests); `graph_json` is what `plan --json` writes."""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from tools.harness.mocks import DefaultMocks, HarnessError, MockContext
from tools.harness.process import _event_loop
from tools.harness.recording import RecordingMonitor
from tools.harness.stack_files import (
    PROJECT_DIR,
    StackFile,
    _engine_string,
    annotate_lines,
    load_stack_config,
    resolve_stack_file,
)


def _reset_runtime(config: Mapping[str, str], secret_keys: list[str]) -> None:
    # Config would otherwise fall back to PULUMI_CONFIG* from the environment (verified leak).
    for key in [k for k in os.environ if k.startswith("PULUMI_CONFIG")]:
        del os.environ[key]
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    # Without this the first run's root Stack is reused and exports pile up across stacks.
    settings.ROOT.set(None)
    # A failed run leaves its first unhandled RPC error behind; the next run would re-raise it.
    settings._get_rpc_manager().clear()
    with settings.SETTINGS.lock:
        for task in settings.SETTINGS.outputs:
            task.cancel()  # outputs of the failed run nobody will await
        settings.SETTINGS.outputs.clear()


def _mock_context(config: Mapping[str, str],
                  stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> MockContext:
    return MockContext(region=config.get("aws:region", "us-east-1"), stack_outputs=dict(stack_outputs or {}))


def _referenced_outputs(stack_file: StackFile, config: Mapping[str, str], project_dir: Path,
                        ) -> dict[str, dict[str, Any]]:
    """Exports of the data stack an app stack names, from running its stack file (beside this one) offline."""
    raw = config.get(f"{stack_file.project}:data_stack")
    try:
        name = json.loads(raw)["name"] if raw else None
    except (ValueError, KeyError, TypeError):
        return {}  # malformed: stack_config reports it with the key and the fix
    if not isinstance(name, str):
        return {}
    path = stack_file.path.parent / f"Pulumi.{name.rsplit('/', 1)[-1]}.yaml"
    if path == stack_file.path:
        return {}  # a stack naming itself: stack_config refuses data_stack outside layer: app
    if not path.is_file():
        raise HarnessError(f"{stack_file.path.name} reads the data stack {name!r} through a StackReference; offline "
                           f"its exports come from running {path.name} beside it, which does not exist. Put the "
                           "data stack's file there.")
    return {name: run_cached(path, project_dir=project_dir).exports}


def _effective_config(
    ref: str | Path, project_dir: Path, overrides: Mapping[str, Any] | None
) -> tuple[StackFile, dict[str, str]]:
    stack_file = load_stack_config(ref, project_dir)
    config = dict(stack_file.config)
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{stack_file.project}:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value if isinstance(value, str) else _engine_string(value)
    return stack_file, config


def load_config(ref: str | Path, *, project_dir: Path = PROJECT_DIR,
                overrides: Mapping[str, Any] | None = None) -> Any:
    """Run only `stack_config.load()` for a stack (with overrides), as the program would."""
    stack_file, config = _effective_config(ref, project_dir, overrides)
    _reset_runtime(config, stack_file.secret_keys)
    pulumi.runtime.set_mocks(DefaultMocks(_mock_context(config)), project=stack_file.project,
                             stack=stack_file.stack, preview=False)
    import stack_config  # the program's module: importable because the project dir is on sys.path

    return stack_config.load()


def run_program(
    ref: str | Path,
    *,
    project_dir: Path = PROJECT_DIR,
    preview: bool = False,
    overrides: Mapping[str, Any] | None = None,
    monitor: RecordingMonitor | None = None,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> RecordingMonitor:
    """Evaluate `__main__.py` for one stack under mocks; return the monitor with the graph.

    `overrides` replaces stack config values (keys without a namespace belong to the project);
    a value of None removes the key. Exceptions from the program propagate after RPCs drain; pass
    your own `monitor` to inspect what was registered before one was raised. An app-layer stack reads
    `stack_outputs` (stack name -> exports); by default its data stack's file, beside it, runs first.
    """
    stack_file, config = _effective_config(ref, project_dir, overrides)
    if stack_outputs is None:
        stack_outputs = _referenced_outputs(stack_file, config, project_dir)
    _reset_runtime(config, stack_file.secret_keys)
    context = _mock_context(config, stack_outputs)
    if monitor is None:
        monitor = RecordingMonitor(DefaultMocks(context))
    else:
        monitor.mocks = DefaultMocks(context)
        monitor.mocks.monitor = monitor
    pulumi.runtime.set_mocks(monitor.mocks, project=stack_file.project, stack=stack_file.stack,
                             preview=preview, monitor=monitor)
    root = settings.get_root_resource()
    main = project_dir / "__main__.py"
    added = str(project_dir) not in sys.path
    if added:
        sys.path.insert(0, str(project_dir))
    from stack_config import (
        ConfigError,  # the program's module, on sys.path from here on
    )

    _event_loop()
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(main), run_name="__main__")))
        if root is not None and root.outputs:
            monitor.exports = _sync_await(pulumi.Output.from_input(root.outputs).future()) or {}
    except ConfigError as exc:
        if overrides:  # the stack file's lines would point at values the overrides replaced
            raise
        raise ConfigError(annotate_lines(str(exc), stack_file)) from None
    except KeyError as exc:
        missing = _missing_export(stack_file, stack_outputs, exc)
        if missing is None:
            raise
        raise HarnessError(missing) from None
    finally:
        if added:
            sys.path.remove(str(project_dir))
    return monitor


def _missing_export(stack_file: StackFile, stack_outputs: Mapping[str, Mapping[str, Any]],
                    exc: KeyError) -> str | None:
    """Explain a StackReference read of an export the data stack does not have, or None if it is not one."""
    key = exc.args[0] if exc.args else None
    if isinstance(key, str) and " " in key and stack_outputs:
        # The data layer's own explanation (an export that lacks one entry): said once, not inside another.
        line = stack_file.lines.get(f"{stack_file.project}:data_stack", 0)
        return f"{stack_file.path.name}:{line}: platform:data_stack: {key}"
    for name, exports in stack_outputs.items():
        if isinstance(key, str) and key not in exports:
            line = stack_file.lines.get(f"{stack_file.project}:data_stack", 0)
            data_file = f"Pulumi.{name.rsplit('/', 1)[-1]}.yaml"
            return (f"{stack_file.path.name}:{line}: platform:data_stack says this stack uses what the data stack {name!r} "
                    f"holds, but {data_file} exports no {key!r} (it exports {', '.join(sorted(exports)) or 'nothing'}). "
                    f"Add that section to the data stack, or drop it from platform:data_stack.")
    return None


_RUNS: dict[tuple[str, bool], RecordingMonitor] = {}


def run_cached(ref: str | Path, *, preview: bool = False, project_dir: Path = PROJECT_DIR) -> RecordingMonitor:
    """`run_program` once per stack file and mode per process (the CLI, tests, README generators and
    app stacks reading their data stack share it). Callers must treat the returned graph as read-only.
    """
    key = (str(resolve_stack_file(ref, project_dir)), preview)
    if key not in _RUNS:
        _RUNS[key] = run_program(ref, preview=preview, project_dir=project_dir)
    return _RUNS[key]


def run_components(
    build: Callable[[], Any],
    *,
    project: str = "platform",
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    preview: bool = False,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> RecordingMonitor:
    """Evaluate `build()` (which declares components) under mocks; return the recording.

    `stack_outputs` answers StackReferences (stack name -> exports)."""
    _reset_runtime(dict(config or {"aws:region": "us-east-1"}), [])
    monitor = RecordingMonitor(DefaultMocks(_mock_context(config or {}, stack_outputs)))
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    result: list[Any] = []

    def body() -> None:
        value = build()
        if value is not None:
            # Wait for any Output the builder hands back (e.g. component outputs) to settle.
            _sync_await(pulumi.Output.from_input(value).future())
            result.append(value)

    _event_loop()
    _sync_await(run_pulumi_func(body))
    return monitor


def graph_json(monitor: RecordingMonitor, stack_file: StackFile | None = None) -> dict[str, Any]:
    """The recorded graph in the JSON shape `plan --json` writes."""
    return {
        "project": stack_file.project if stack_file else None,
        "stack": stack_file.stack if stack_file else None,
        # Sorted: registration order depends on when Outputs resolve, the URN set does not.
        "resources": [r.to_json() for r in sorted(monitor.records(), key=lambda r: r.urn)],
        "exports": monitor.exports,
    }
