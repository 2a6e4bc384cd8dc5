"""Validate a value against the JSON-schema subset AWS's CloudFormation schemas use.

Keywords: type, enum, const, pattern, min/maxLength, minimum/maximum (and exclusive forms),
multipleOf, min/maxItems, uniqueItems, items, properties, $ref (into the root's definitions),
allOf/anyOf/oneOf/not, if/then/else, required. Anything else is ignored, never failed on: an
unknown keyword must not invent a refusal AWS would not make.

CloudFormation coerces scalars (a number where a string is declared, "true" for a boolean), so
`type` accepts the coercible forms, and patterns and lengths apply to the value's text. Patterns
are AWS's (`\\p{Print}`, `\\Z`), hence the `regex` module cfn-lint itself uses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class SchemaError:
    """One way the value breaks the schema: where, which keyword, what was expected."""

    path: Path
    """Location inside the validated value (property names and list indices)."""
    keyword: str
    message: str


@lru_cache(maxsize=2048)
def _compiled(pattern: str) -> Any:
    try:
        return regex.compile(pattern)
    except regex.error:
        return None  # a pattern this engine cannot read decides nothing


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_type(value: Any, kind: str) -> bool:
    if kind == "string":
        return value is not None and not isinstance(value, (Mapping, list, tuple))
    if kind == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and regex.fullmatch(r"-?\d+", value) is not None
    if kind == "number":
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return True
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return True
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "array":
        return isinstance(value, Sequence) and not isinstance(value, str)
    if kind == "object":
        return isinstance(value, Mapping)
    return kind == "null" and value is None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _same(a: Any, b: Any) -> bool:
    # Enum members compare as CloudFormation would after coercion: 7.0 is 7, "256" is 256.
    if a == b:
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None and (isinstance(a, (int, float)) or isinstance(b, (int, float))):
        return na == nb
    return False


class Validator:
    """A schema with its root (for `$ref` into `#/definitions/...`).

    `partial`: the value holds only some of the resource's properties (those the program maps), so
    a missing `required` property says nothing, except where a condition (`if`, `not`) asks for it:
    there it decides which rule applies. `oneOf` then means "at least one", since branches told
    apart only by properties left out would all match.
    """

    def __init__(self, root: Mapping[str, Any], *, partial: bool = False) -> None:
        self.root = root
        self.partial = partial

    def errors(self, value: Any, schema: Any, path: Path = (), *, strict: bool | None = None) -> Iterator[SchemaError]:
        """Every error of `value` under `schema` (empty when it is valid)."""
        strict = not self.partial if strict is None else strict
        if schema is True or schema is None:
            return
        if schema is False:
            yield SchemaError(path, "false", "not allowed here")
            return
        if not isinstance(schema, Mapping):
            return
        if "$ref" in schema:
            yield from self.errors(value, self._resolve(schema["$ref"]), path, strict=strict)
        yield from self._scalar(value, schema, path)
        yield from self._combinators(value, schema, path, strict)
        if isinstance(value, Mapping):
            yield from self._object(value, schema, path, strict)
        elif _is_type(value, "array"):
            yield from self._array(list(value), schema, path, strict)

    def valid(self, value: Any, schema: Any, *, strict: bool | None = None) -> bool:
        """Whether `value` satisfies `schema`."""
        return next(iter(self.errors(value, schema, strict=strict)), None) is None

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return True  # remote references: nothing offline to check against
        node: Any = self.root
        for part in ref[2:].split("/"):
            if not isinstance(node, Mapping) or part not in node:
                return True
            node = node[part]
        return node

    def _scalar(self, value: Any, schema: Mapping[str, Any], path: Path) -> Iterator[SchemaError]:
        kinds = schema.get("type")
        if kinds is not None:
            wanted = [kinds] if isinstance(kinds, str) else list(kinds)
            if not any(_is_type(value, k) for k in wanted):
                yield SchemaError(path, "type", f"expected {' or '.join(wanted)}; got {value!r}")
                return
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            options = list(schema["enum"])
            shown = ", ".join(map(str, options[:12])) + (", ..." if len(options) > 12 else "")
            yield SchemaError(path, "enum", f"must be one of {shown}; got {value!r}")
        if "const" in schema and not _same(value, schema["const"]):
            yield SchemaError(path, "const", f"must be {schema['const']!r}; got {value!r}")
        if isinstance(value, (Mapping, list, tuple)):
            return
        text = _text(value)
        if "pattern" in schema:
            compiled = _compiled(schema["pattern"])
            if compiled is not None and compiled.search(text) is None:
                yield SchemaError(path, "pattern", f"must match {schema['pattern']}; got {text!r}")
        if "minLength" in schema and len(text) < schema["minLength"]:
            yield SchemaError(path, "minLength", f"at least {schema['minLength']} characters; got {len(text)}")
        if "maxLength" in schema and len(text) > schema["maxLength"]:
            yield SchemaError(path, "maxLength", f"at most {schema['maxLength']} characters; got {len(text)}")
        number = _number(value) if not isinstance(value, str) or _is_type(value, "number") else None
        if number is None:
            return
        for keyword, broken in (("minimum", lambda b: number < b), ("maximum", lambda b: number > b),
                                ("exclusiveMinimum", lambda b: number <= b), ("exclusiveMaximum", lambda b: number >= b)):
            bound = schema.get(keyword)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool) and broken(bound):
                yield SchemaError(path, keyword, f"{keyword} {bound:g}; got {number:g}")
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and step and (number / step) % 1:
            yield SchemaError(path, "multipleOf", f"must be a multiple of {step:g}; got {number:g}")

    def _combinators(self, value: Any, schema: Mapping[str, Any], path: Path, strict: bool) -> Iterator[SchemaError]:
        for sub in schema.get("allOf", ()):
            yield from self.errors(value, sub, path, strict=strict)
        if "anyOf" in schema and not any(self.valid(value, sub, strict=strict) for sub in schema["anyOf"]):
            yield SchemaError(path, "anyOf", "matches none of the allowed forms")
        if "oneOf" in schema:
            matches = sum(self.valid(value, sub, strict=strict) for sub in schema["oneOf"])
            if matches == 0 or (strict and matches > 1):
                yield SchemaError(path, "oneOf", "must match exactly one of the allowed forms")
        if "not" in schema and self.valid(value, schema["not"], strict=True):
            shown = schema["not"].get("enum") if isinstance(schema["not"], Mapping) else None
            yield SchemaError(path, "not", f"{value!r} is not allowed" + (f" (reserved: {', '.join(map(str, shown))})"
                                                                        if shown else ""))
        if "if" in schema:
            branch = schema.get("then") if self.valid(value, schema["if"], strict=True) else schema.get("else")
            if branch is not None:
                yield from self.errors(value, branch, path, strict=strict)

    def _object(self, value: Mapping[str, Any], schema: Mapping[str, Any], path: Path,
                strict: bool) -> Iterator[SchemaError]:
        if strict:
            for key in schema.get("required", ()):
                if key not in value:
                    yield SchemaError(path + (key,), "required", "required")
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                yield from self.errors(value[key], sub, path + (key,), strict=strict)

    def _array(self, value: list[Any], schema: Mapping[str, Any], path: Path, strict: bool) -> Iterator[SchemaError]:
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield SchemaError(path, "minItems", f"at least {schema['minItems']} item(s); got {len(value)}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield SchemaError(path, "maxItems", f"at most {schema['maxItems']} item(s); got {len(value)}")
        if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
            yield SchemaError(path, "uniqueItems", "items must be unique")
        items = schema.get("items")
        if isinstance(items, (Mapping, bool)):
            for i, item in enumerate(value):
                yield from self.errors(item, items, path + (i,), strict=strict)
