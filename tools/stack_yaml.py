"""Read a stack file as the Pulumi CLI would, remembering where every key is.

The CLI's YAML parser refuses a key written twice in one mapping; PyYAML's `safe_load` silently
keeps the later one (a whole service could vanish). This loader refuses it too, naming both lines,
and turns malformed YAML or a file that is not a mapping into one `StackFileError` with
`file:line`. It also returns the line of every key path (`platform:database.engine_version`),
so messages about a value can point at the line that set it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class StackFileError(Exception):
    """A stack file the CLI would refuse to read (malformed YAML, a duplicate key, wrong shape)."""


_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it (its wheels are): the same documents, ten times faster."""


def safe_load(text: str) -> Any:
    """`yaml.safe_load` through libyaml where PyYAML has it: for the files the tools read often (Pulumi.yaml, prices)."""
    return yaml.load(text, Loader=_FAST_SAFE_LOADER)  # noqa: S506 - a safe loader, the C build of SafeLoader


class _LineLoader(_FAST_SAFE_LOADER):  # type: ignore[valid-type, misc]
    """SafeLoader that refuses duplicate keys and records the line of every key path."""

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source
        self.lines: dict[str, int] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        # Merge keys (`<<: *defaults`) are YAML the CLI reads: the mapping takes the merged keys, its own win. Only
        # its own keys are checked for repeats; flattening first leaves no merge key to construct.
        own = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
        self.flatten_mapping(node)
        for key_node, _ in own:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise StackFileError(
                    f"{self.source}:{line}: key {key!r} is written twice in one mapping (first at line {seen[key]}); "
                    "YAML keeps only one of them. Merge the two or rename one.")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _key_lines(node: yaml.Node, prefix: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            # A mapping's own key follows the keys it merged (`<<:`), and wins: its line is the one that counts.
            lines[path] = key_node.start_mark.line + 1
            _key_lines(value_node, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}[{i}]"
            lines.setdefault(path, item.start_mark.line + 1)
            _key_lines(item, path, lines)


_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}


def _surprise(node: yaml.ScalarNode) -> str | None:
    """How YAML read an unquoted scalar when that is not what its text looks like, or None.

    YAML 1.1 (PyYAML, and parsers that keep its rules) reads `NO`/`yes`/`on` as booleans, `0755`/`010` as octal
    numbers, `1:30` as sexagesimal, and drops a number's trailing zeros (`16.10` is 16.1): a version, a country code
    or a file mode silently becomes something else."""
    if node.style:  # quoted or a block scalar: as written (libyaml gives plain scalars "" where PyYAML gives None)
        return None
    text, tag = node.value, node.tag
    if tag == "tag:yaml.org,2002:bool" and text.lower() not in ("true", "false"):
        return f"YAML reads {text} as the boolean {text.lower() in ('yes', 'on', 'y', 'true')!s}".replace("True", "true").replace("False", "false")
    if tag == "tag:yaml.org,2002:int" and (re.fullmatch(r"[-+]?0[0-9_]+", text) or ":" in text or "_" in text):
        return f"YAML reads {text} as the number {yaml.safe_load(text)}"
    if tag == "tag:yaml.org,2002:float":
        value = yaml.safe_load(text)
        if repr(value) != text and text.lower() not in (".inf", "-.inf", ".nan"):
            return f"YAML reads {text} as the number {value!r}"
    return None


def _surprises(node: yaml.Node, prefix: str, found: dict[str, str]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:str":
                kind = {"int": "number", "float": "number", "bool": "boolean"}.get(key_node.tag.rsplit(":", 1)[-1], "value")
                found[f"{path} (the name)"] = f"YAML reads the name {key_node.value} as a {kind}, not a name"
            _surprises(value_node, path, found)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _surprises(item, f"{prefix}[{i}]", found)
    elif isinstance(node, yaml.ScalarNode):
        surprise = _surprise(node)
        if surprise:
            found[prefix] = surprise


def ambiguous_values(path: Path) -> dict[str, str]:
    """Key paths under `config:` whose unquoted value (or key) YAML reads as something its text does not say, with
    what it read (`platform:database.engine_version` -> `YAML reads 16.10 as the number 16.1`)."""
    try:
        node = yaml.compose(path.read_text(), Loader=_FAST_SAFE_LOADER)
    except yaml.YAMLError:
        return {}  # `load` reports it
    found: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "config":
                _surprises(value_node, "", found)
    return found


def load(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The document and the line of each key path under `config:` (paths without the `config.`)."""
    source = path.name
    text = path.read_text()
    loader = _LineLoader(text, source)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise StackFileError(f"{where}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise StackFileError(f"{source}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise StackFileError(f"{source}:1: a stack file is a mapping with a `config:` key; got a {type(document).__name__}")
    if document and "config" not in document:
        close = [k for k in document if isinstance(k, str) and k.lower().strip() in ("configs", "conf", "configuration", "settings")]
        hint = f"; {close[0]!r} is not read: rename it config" if close else ""
        raise StackFileError(f"{source}:1: no `config:` section: a stack file's settings (aws:region, platform:env, "
                             f"...) go indented under a top-level `config:` key{hint}")
    config = document.get("config", {})
    if config is None:
        config = {}
    if not isinstance(config, dict):
        line = _top_line(node, "config")
        raise StackFileError(f"{source}:{line}: `config:` must be a mapping of keys to values; "
                             f"got a {type(config).__name__}")
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "config":
                _key_lines(value_node, "", lines)
    return {**document, "config": config}, lines


def _top_line(node: yaml.Node | None, key: str) -> int:
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == key:
                return key_node.start_mark.line + 1
    return 1
