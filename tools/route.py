"""Where each stack's workflow jobs run: `python tools/route.py dev prod` prints
`{"dev": {"runner": [...], "region": "..."}, "prod": {...}}` for `runs-on` and the AWS credentials step.

The workflows call it before anything is installed, so it needs only the standard library and PyYAML,
and reads the two keys straight from `Pulumi.<stack>.yaml`. Validation stays in `stack_config.py`:
the workflows run the tests (which load every stack) first, and tests/tools/test_route.py holds this
module equal to `stack_config` for every stack file, defaults included.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RUNNER = ["ubuntu-latest"]
"""`platform:github.runner` when a stack does not set it (components.github_deploy.GithubSettings.runner's default)."""


def route(stack_file: Path) -> dict[str, Any]:
    """The `runs-on` labels and the AWS region of one stack file."""
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    github = config.get("platform:github") or {}
    return {"runner": list(github.get("runner") or DEFAULT_RUNNER), "region": config.get("aws:region")}


def main(argv: list[str]) -> int:
    """Print the routes of the named stacks (files `Pulumi.<stack>.yaml` beside Pulumi.yaml) as one JSON line."""
    project = Path(__file__).resolve().parent.parent
    routes = {stack: route(project / f"Pulumi.{stack}.yaml") for stack in argv}
    print(json.dumps(routes, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
