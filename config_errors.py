"""Stack config errors: pydantic's validation errors as one message that names each key path, what was expected,
what was given and the fix (a did-you-mean for typos, the keys an entry allows, the pattern a name must match)."""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError

from components._settings import PATTERN_HINTS

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ConfigError(pulumi.RunError):
    """Invalid stack config. A `RunError`, so `pulumi up` prints the message without a traceback."""


_FRIENDLY = {
    "missing": "required key is missing",
    "ip_v4_network": "expected an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16",
    "dict_type": "expected a mapping of keys to values",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "model_type": "expected a mapping of keys to values",
    "frozen_instance": "config is read-only",
}


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a map key (not its value) that failed
            out += " (the name)"
        elif isinstance(part, int):
            out += f"[{part}]"
        elif not re.fullmatch(r"[\w.:/-]+", str(part)):
            out += f"[{str(part)!r}]"  # keys with spaces or control characters stay readable
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    # Walk the model tree along `loc` to list the keys that were allowed where a typo was made. A map of models
    # (`services`, `load_balancers`) puts the entry's name in `loc` before the entry's own keys: step over it.
    current: Any = model
    entry_name_next = False
    for part in loc[:-1]:
        if entry_name_next:
            entry_name_next = False
            continue
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = model_in(field.annotation)
        entry_name_next = is_map(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def is_map(annotation: Any) -> bool:
    """A mapping (possibly optional) whose values are read by name."""
    if typing.get_origin(annotation) is dict:
        return True
    return any(is_map(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = model_in(arg)
        if found is not None:
            return found
    return None


def _describe(error: Mapping[str, Any], model: type[BaseModel]) -> list[str]:
    loc = tuple(error["loc"])
    kind = error["type"]
    given = error.get("input")
    if kind == "value_error":
        lines = []
        for raw_line in str(error["ctx"]["error"]).splitlines():
            key_match = re.match(r"^@([\w.\[\]:-]+): (.*)$", raw_line)
            if key_match:
                key = ".".join(p for p in (_path(loc), key_match.group(1)) if p)
                lines.append(f"{key}: {key_match.group(2)}")
            else:
                lines.append(f"{_path(loc) or 'config'}: {raw_line}")
        return lines
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        return [f"{_path(loc)}: unknown key.{did_you_mean} Allowed keys here: {', '.join(allowed)}"]
    if kind == "string_pattern_mismatch" and error["ctx"]["pattern"] in PATTERN_HINTS:
        message = f"expected {PATTERN_HINTS[error['ctx']['pattern']]}"
    else:
        message = _FRIENDLY.get(kind) or str(error["msg"]).replace("Input should be", "expected")
    got = "" if kind == "missing" or isinstance(given, (dict, BaseModel)) else f"; got {given!r}"
    return [f"{_path(loc) or 'config'}: {message}{got}"]


def format_errors(exc: ValidationError, model: type[BaseModel], source: str) -> str:
    """One message for all problems in a stack config, one line per key path."""
    lines = []
    for error in exc.errors(include_url=False):
        lines.extend(_describe(error, model))
    body = "\n".join(f"  - {line}" for line in lines)
    return f"invalid stack config in {source}:\n{body}"
