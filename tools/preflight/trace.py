"""Which stack-file key set a value the preflight refuses.

The program turns config into resource inputs in many ways, so the key is found from the value:
every scalar (and list) under `config:` whose value equals the refused one is a candidate, ranked
by how much its key looks like the input property (`engine_version` ~ `engineVersion`) and how
much its path names the resource (`services.api.cpu` for `app-api`). Failing an equal value, a
string the program built from config (`<name_prefix>-<key>`, `<label>.<domain>`) is traced to
the longest written string it starts or ends with. A value the stack file never wrote is a default of the
program; the rule's own hint (the section key) is named then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from tools.harness import StackFile


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        yield path, value
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a is not None and str(a) == str(b)


def _words(text: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return {w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w}


def _flat(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _path_words(raw: Mapping[str, Any], path: str) -> set[str]:
    """The words of a key path, with the `name` of each list entry it passes through (`pipeline.steps[4]` is the
    step named bcftools-call): a list's indices say nothing of which entry a resource comes from."""
    words = _words(path)
    node: Any = raw
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
            if isinstance(node, Mapping) and isinstance(node.get("name"), str):
                words |= _words(node["name"])
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return words


def trace(stack_file: StackFile | None, value: Any, prop: str | None, resource: str) -> tuple[str, int] | None:
    """(key path, line) of the stack-file value most likely behind `value`, or None."""
    if stack_file is None or value is None or value == "" or isinstance(value, Mapping):
        return None
    prop_key = _flat((prop or "").split(".")[-1].split("[")[0])
    resource_words = _words(resource)
    best: tuple[int, str] | None = None
    for path, leaf in _leaves(stack_file.raw, ""):
        if not _same(leaf, value):
            continue
        last = _flat(re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1])
        score = 1
        if prop_key and last == prop_key:
            score += 6
        elif prop_key and last and (last in prop_key or prop_key in last):
            score += 4
        score += 2 * len(_path_words(stack_file.raw, path) & resource_words)
        if best is None or score > best[0]:
            best = (score, path)
    if best is None:
        best = _containing(stack_file, value, prop_key, resource_words)
    if best is None:
        return None
    path = best[1]
    line = stack_file.lines.get(path) or stack_file.lines.get(re.sub(r"\[\d+\]$", "", path), 0)
    return path, line


def _containing(stack_file: StackFile, value: Any, prop_key: str, resource_words: set[str]) -> tuple[int, str] | None:
    """The written string (4+ characters) a composed value starts or ends with (or equals), ranked by
    how much its key looks like the property (`name_prefix` for `name`), then by how much its path names
    the resource or the value (`services.api.image.tag` for `app-api`'s `.../registry-api:v1`), then by length."""
    texts = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    named = resource_words | {w for t in texts for w in _words(t)}
    own = {k: v for k, v in stack_file.raw.items() if k.startswith(f"{stack_file.project}:")}  # not aws:defaultTags
    found = []
    for path, leaf in _leaves(own, ""):
        if not isinstance(leaf, str) or not (leaf in texts or len(leaf) >= 4 and any(
                t.startswith(leaf) or t.endswith(leaf) for t in texts)):
            continue
        last = _flat(re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1])
        similar = bool(prop_key) and (last == prop_key or prop_key in last or last in prop_key)
        found.append((int(similar), len(_path_words(own, path) & named), len(leaf), path))
    if not found:
        return None
    _, _, length, path = max(found)
    return length, path
