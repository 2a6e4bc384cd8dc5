"""Stack files and config: `Pulumi.yaml` + `Pulumi.<stack>.yaml` as the string map the engine hands the program,
`secure:` values as offline placeholders, and a config error's keys annotated with their lines."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import stack_yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
"""The project this harness belongs to (tests may run it on a scratch copy through `project_dir`)."""


# --------------------------------------------------------------------------------------------
# Stack config and program runs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackFile:
    """A stack's identity and config as the engine hands it to the program."""

    project: str
    stack: str
    path: Path
    config: dict[str, str]
    secret_keys: list[str]
    raw: dict[str, Any]
    """The stack file's `config:` mapping as YAML values (objects stay objects)."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each key path under `config:` (`platform:database.engine_version` -> 25)."""
    ambiguous: Mapping[str, str] = field(default_factory=dict)
    """Key paths whose unquoted value YAML reads as something else than it looks (`stack_yaml.ambiguous_values`)."""

    @property
    def name(self) -> str:
        """`project/stack`, as reports title the stack."""
        return f"{self.project}/{self.stack}"

    def setting(self, key: str, default: Any = None) -> Any:
        """The project key `key` (`policy_waivers`) as the program reads it (JSON-decoded), or `default`."""
        raw = self.config.get(f"{self.project}:{key}")
        return json.loads(raw) if raw else default

    def line_of(self, key: str | None) -> int | None:
        """The line that sets `key`, 0 when the stack file leaves it to the program's default, None without a key."""
        return self.lines.get(key, 0) if key else None

    def location(self, key: str | None, line: int | None) -> str:
        """`Pulumi.dev.yaml:25 platform:database.engine_version`, or what is known of where a value comes from."""
        if not key:
            return ""
        if line:
            return f"{self.path.name}:{line} {key}"
        return f"{key} (not set in the stack file: the program's default)" if line == 0 else key


def resolve_stack_file(ref: str | Path, project_dir: Path = PROJECT_DIR) -> Path:
    """`dev` -> `<project>/Pulumi.dev.yaml`; a path to an existing file is taken as it is."""
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise FileNotFoundError(f"no stack file at {candidate}")
        return candidate.resolve()
    path = project_dir / f"Pulumi.{ref}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack {ref!r}: {path.name} does not exist (stacks here: {', '.join(known)})")
    return path


def _engine_string(value: Any) -> str:
    # The engine passes every config value as a string: objects and lists as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)  # YAML dates (a waiver's expires) as YYYY-MM-DD
    return str(value)


def load_stack_config(ref: str | Path, project_dir: Path = PROJECT_DIR) -> StackFile:
    """Read `Pulumi.yaml` and one stack file into the engine's config map (defaults applied)."""
    path = resolve_stack_file(ref, project_dir)
    project_doc = stack_yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    project = project_doc["name"]
    stack = path.name[len("Pulumi."):-len(".yaml")] if path.name.startswith("Pulumi.") else path.stem
    doc, lines = stack_yaml.load(path)  # refuses duplicate keys and malformed YAML, with file:line
    raw: dict[str, Any] = {}
    for key, spec in (project_doc.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(spec, dict) and "default" in spec:
            raw[full] = spec["default"]
        elif isinstance(spec, dict) and "value" in spec:
            raw[full] = spec["value"]
    raw.update(doc.get("config") or {})
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        # Offline there is no secrets provider: the program sees a placeholder where a `secure:` value is, at the
        # top or nested in an object (Pulumi decrypts both), and the key is marked secret.
        field = full.removeprefix(f"{project}:") if full.startswith(f"{project}:") else None
        plain, secret = _without_secure(value, (field,) if field else None)
        config[full] = _engine_string(plain)
        if secret:
            secret_keys.append(full)
    return StackFile(project=project, stack=stack, path=path, config=config, secret_keys=secret_keys, raw=raw,
                     lines=lines, ambiguous=stack_yaml.ambiguous_values(path))


SECRET_PLACEHOLDER = "offline-placeholder-secret"
"""What a `secure:` string reads as offline (there is no secrets provider to decrypt it)."""


def _without_secure(value: Any, path: tuple[Any, ...] | None) -> tuple[Any, bool]:
    """`value` with every `{secure: ...}` replaced by an offline placeholder of the setting's type (the string
    placeholder; true for a boolean setting), and whether there was one. `path` locates `value` among the project's
    settings (None: another namespace's key, whose type the program does not know)."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return (True if path is not None and _setting_is_bool(path) else SECRET_PLACEHOLDER), True
    if isinstance(value, dict):
        parts = {k: _without_secure(v, (*path, k) if path is not None else None) for k, v in value.items()}
        return {k: v for k, (v, _) in parts.items()}, any(secret for _, secret in parts.values())
    if isinstance(value, list):
        items = [_without_secure(v, (*path, i) if path is not None else None) for i, v in enumerate(value)]
        return [v for v, _ in items], any(secret for _, secret in items)
    return value, False


def _setting_is_bool(path: tuple[Any, ...]) -> bool:
    """Whether the project setting at `path` (`("database", "multi_az")`) is a boolean."""
    import typing

    import config_errors
    import stack_config

    current: Any = stack_config.StackConfig
    annotation: Any = None
    entry_name_next = False
    for part in path:
        if entry_name_next or isinstance(part, int):
            entry_name_next = False
            continue
        model = config_errors.model_in(annotation) if annotation is not None else current
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        entry_name_next = config_errors.is_map(annotation)
    if annotation is None:
        return False
    return annotation is bool or bool in [a for a in typing.get_args(annotation) if a is not type(None)]


def annotate_lines(message: str, stack_file: StackFile) -> str:
    """Prefix each `  - key.path: problem` line of a config error with the stack file's line of that key
    (`  - Pulumi.dev.yaml:25: database.engine_version: ...`), when the file sets it."""
    annotated = []
    for line in message.splitlines():
        match = re.match(r"^(  - )([\w.:\[\]'-]+)( \(the name\))?: ", line)
        number = _line_of(stack_file, match.group(2)) if match else None
        if match:
            line += _ambiguity(stack_file, match.group(2), named=bool(match.group(3)))
        annotated.append(f"{match.group(1)}{stack_file.path.name}:{number}: {line[len(match.group(1)):]}"
                         if match and number else line)
    return "\n".join(annotated)


def _ambiguity(stack_file: StackFile, key: str, *, named: bool) -> str:
    """` (YAML reads 16.10 as the number 16.1: quote it, "16.10")` when the file's value at `key` is not what YAML
    made of it; "" otherwise."""
    path = key if ":" in key.split(".")[0] else f"{stack_file.project}:{key}"
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    if named:
        path = re.sub(r"\[(\d+)\]$", r".\1", path) + " (the name)"
    surprise = stack_file.ambiguous.get(path)
    return f" ({surprise}: quote it to keep what you wrote)" if surprise else ""


def _line_of(stack_file: StackFile, key: str) -> int | None:
    """Line of a config key path (`database.services.api.cpu`), or of its nearest written parent."""
    path = key if ":" in key.split(".")[0] else f"{stack_file.project}:{key}"
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    while path not in stack_file.lines:
        parent = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)  # drop the last `.key` or `[i]`
        if parent == path:
            return None
        path = parent
    return stack_file.lines[path]


