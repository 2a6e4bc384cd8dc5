"""Offline recording harness: run the Pulumi program (or single components) under mocks.

One implementation serves the `python -m tools` CLI and the test suite, in four rooms:

- `mocks`: `DefaultMocks` answers registrations with realistic outputs (ids, ARNs, endpoints) and invokes
  from a fixed table; an invoke it does not know is an error, never a silent empty answer.
- `recording`: `RecordingMonitor` subclasses the SDK's `MockMonitor` and records every registration with its
  options (protect, retainOnDelete, ignoreChanges, ...), which `MockResourceArgs` does not carry. It rejects
  duplicate URNs as the engine would, emulates the engine's option inheritance (`retainOnDelete`,
  `deletedWith`), answers component method calls, and never rebuilds resource references on its worker thread
  (references become the id or URN, as policies see them).
- `stack_files`: `load_stack_config` turns `Pulumi.yaml` + a stack file into the string map the engine passes.
- `running`: `run_program` evaluates `__main__.py` for one stack; `run_components` evaluates a callable
  (component tests).

`process` tunes the interpreter the programs run in (collector thresholds, source positions, event loops) on
import. Callers import from `tools.harness`, not from the rooms.
"""

from tools.harness.mocks import INVOKES, MOCK_ACCOUNT, MOCK_DATABASE_PASSWORD, DefaultMocks, HarnessError, MockContext
from tools.harness.process import GC_THRESHOLD, quiet_gc, skip_source_positions
from tools.harness.recording import UNKNOWN, Invocation, Recorded, RecordingMonitor, alias_spec, component_ancestor
from tools.harness.running import graph_json, load_config, run_cached, run_components, run_program
from tools.harness.stack_files import (
    PROJECT_DIR,
    SECRET_PLACEHOLDER,
    StackFile,
    annotate_lines,
    load_stack_config,
    resolve_stack_file,
)

__all__ = [
    "GC_THRESHOLD", "INVOKES", "MOCK_ACCOUNT", "MOCK_DATABASE_PASSWORD", "PROJECT_DIR", "SECRET_PLACEHOLDER", "UNKNOWN",
    "DefaultMocks", "HarnessError", "Invocation", "MockContext", "Recorded", "RecordingMonitor", "StackFile",
    "alias_spec", "annotate_lines", "component_ancestor", "graph_json", "load_config", "load_stack_config",
    "quiet_gc", "resolve_stack_file", "run_cached", "run_components", "run_program", "skip_source_positions",
]
