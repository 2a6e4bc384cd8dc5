"""The recorded resource graph, indexed for rules that follow references between resources.

Inputs that reference another resource hold its id, ARN or name (as the engine sends them), so a
reference is followed by looking the value up among the outputs of the other resources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tools.harness import Recorded, RecordingMonitor

_REFERENCE_OUTPUTS = ("id", "arn", "name", "bucket", "keyId", "repositoryUrl", "dnsName")


class Graph:
    """The resources one run declared (reads of other stacks excluded), with reference lookups."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor
        self.resources: list[Recorded] = [r for r in monitor.records() if not r.read
                                          and (r.custom or r.remote)]
        self._by_type: dict[str, list[Recorded]] = defaultdict(list)
        self._by_output: dict[str, list[Recorded]] = defaultdict(list)
        for rec in self.resources:
            self._by_type[rec.type].append(rec)
            for key in _REFERENCE_OUTPUTS:
                value = rec.outputs.get(key)
                if isinstance(value, str) and value:
                    self._by_output[value].append(rec)

    def of(self, *types: str) -> list[Recorded]:
        """Resources of these types, in URN order."""
        return sorted((r for t in types for r in self._by_type.get(t, ())), key=lambda r: r.urn)

    def ref(self, value: Any, *types: str) -> Recorded | None:
        """The resource (of one of `types`, if given) whose id, ARN or name is `value`."""
        if not isinstance(value, str):
            return None
        for rec in self._by_output.get(value, ()):
            if not types or rec.type in types:
                return rec
        return None

    def refs(self, values: Iterable[Any], *types: str) -> list[Recorded]:
        """`ref` for each value, skipping those that are not ours."""
        found = (self.ref(v, *types) for v in values)
        return [r for r in found if r is not None]

    def component_name(self, rec: Recorded) -> str:
        """The top-level component a resource belongs to (`db`, `app`, ...)."""
        return self.monitor.component_name(rec)
