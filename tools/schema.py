"""A JSON Schema of `Pulumi.<stack>.yaml`, generated from the settings models, for editors.

YAML-aware editors (VS Code with the YAML extension, JetBrains, Neovim through yaml-language-server) validate and
complete a file whose first line names a schema: `# yaml-language-server: $schema=docs/stack-file.schema.json`
(relative to the file). Every stack file here carries that line, and `new-stack` writes it. The schema holds the
settings' descriptions (their docstrings), enums, bounds and patterns, and refuses unknown keys of the project's
namespace; the offline plan remains the judge of everything that spans keys. `./run readme --write` rewrites it
and a test fails while it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "stack-file.schema.json"
"""Where the schema is committed."""


def modeline(stack_file: Path) -> str:
    """The comment that points an editor at the schema from `stack_file` (a path relative to it)."""
    import os

    return f"# yaml-language-server: $schema={os.path.relpath(SCHEMA_PATH, stack_file.parent)}"


def stack_file_schema(project: str = "platform") -> dict[str, Any]:
    """The schema: `config:` holds `aws:region`, `aws:defaultTags` and one key per project setting."""
    import stack_config
    from components import aws_data

    model = stack_config.StackConfig.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    definitions = model.pop("$defs", {})
    settings = {f"{project}:{name}": schema for name, schema in model["properties"].items() if name != "region"}
    config = {
        "type": "object",
        "description": "The stack's settings: the AWS provider's and this project's (docs/config-reference.md).",
        "properties": {
            "aws:region": {"type": "string", "enum": sorted(aws_data.regions()), "description": "The stack's AWS region."},
            "aws:defaultTags": {
                "type": "object", "additionalProperties": False, "required": ["tags"],
                "description": "Tags the AWS provider puts on every resource.",
                "properties": {"tags": {"type": "object", "additionalProperties": {"type": "string"},
                                        "propertyNames": {"not": {"pattern": "^[Aa][Ww][Ss]:"}}}}},
            **settings,
        },
        # Other provider settings are theirs to judge; anything else in the project's namespace is a typo.
        "patternProperties": {"^(aws|kubernetes|pulumi):": {}},
        "additionalProperties": False,
        "required": ["aws:region"],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "stack-file.schema.json",
        "title": f"Pulumi.<stack>.yaml of the {project} project",
        "description": "Generated from the settings models by `./run readme --write`; do not edit.",
        "type": "object",
        "properties": {"config": config, "encryptionsalt": {"type": "string"}, "secretsprovider": {"type": "string"},
                       "encryptedkey": {"type": "string"}},
        "required": ["config"],
        "$defs": definitions,
    }


def render() -> str:
    """The schema as committed (stable key order, a trailing newline)."""
    return json.dumps(stack_file_schema(), indent=1, sort_keys=True) + "\n"


def sync() -> bool:
    """Rewrite the committed schema if it is stale; whether it changed."""
    text = render()
    if SCHEMA_PATH.is_file() and SCHEMA_PATH.read_text() == text:
        return False
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(text)
    return True
