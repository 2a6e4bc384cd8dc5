"""The process programs run in: the collector's thresholds, no source positions, event loops closed at exit.

Every entry point that runs programs (the CLI, the watcher, the tests, benchmarks) imports the harness, and with it
this module, which tunes the process once on import."""

from __future__ import annotations

import asyncio
import atexit
import gc
import warnings
import weakref

from pulumi.runtime.sync_await import _ensure_event_loop

GC_THRESHOLD = (50_000, 20, 100)
"""The cyclic collector's thresholds while programs run (CPython's default: 700, 10, 10)."""


def quiet_gc() -> None:
    """Let the cyclic collector run less often: it costs over half of a program run otherwise.

    Pydantic's schemas, AWS's data and the recorded graph keep about half a million objects alive,
    and at the default 700 allocations per young collection the collector rescans them every few
    registrations. benchmarks/gc_threshold.py on the 2-core reference machine (2026-12-05), default
    against this: first run (imports included) 2.37 s against 1.56 s, a warm run of prod 0.68 s
    against 0.44 s, of dev 0.65 s against 0.34 s; peak memory 238 MB against 256 MB. The older
    generations' thresholds rise too, so the first run's imports are not rescanned as they grow.
    Collected later, a cycle's finalizer runs later: the one that shows, an event loop's, is made
    explicit (`_close_event_loops` at exit).
    """
    if gc.get_threshold()[0] < GC_THRESHOLD[0]:
        gc.set_threshold(*GC_THRESHOLD)


def skip_source_positions() -> None:
    """Stop the SDK from computing where in the code each resource was declared: nothing reads it here.

    The engine shows that position in its output; under the mocks nobody does, and the SDK computes it for every
    registration (a walk of the whole call stack with each frame's source line and file URI): about a fifth of a
    program run. Only the position goes: every registration still carries its inputs and options. A no-op if a
    later SDK renames its private function (the cost comes back, nothing breaks).
    """
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    if hasattr(sdk_resource, "_get_stack_trace"):
        sdk_resource._get_stack_trace = source_pb2.StackTrace


_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _event_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop (made on first use, as the SDK's helper does), remembered to be closed at exit."""
    loop = _ensure_event_loop()
    _LOOPS.add(loop)
    return loop


@atexit.register
def _close_event_loops() -> None:
    # The loops made on the SDK executor's threads (and the main one) are never closed. Left to the interpreter's
    # last collection, a loop's finalizer may run after its self-pipe socket's and print "Invalid file descriptor"
    # under a clean plan; closed here, before that collection, they go quietly.
    # A run the program aborted (a refused config, in tests) leaves RPCs queued that will never run: closing their
    # loop drops them, and each would say so ("coroutine ... was never awaited") about a run already reported.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for loop in list(_LOOPS):
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        gc.collect()  # the dropped coroutines' cycles, while the filter holds


# Every entry point that runs programs (the CLI, the watcher, the tests, benchmarks) imports this module.
quiet_gc()
skip_source_positions()


