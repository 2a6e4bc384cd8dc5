"""Which stacks the workflows preview and deploy, in which order, and where each one's jobs run.

`python tools/route.py --outputs` finds every `Pulumi.<stack>.yaml` beside Pulumi.yaml (adding a stack
file is all it takes to add an environment) and prints two `$GITHUB_OUTPUT` lines: `stacks=[...]`, in
promotion order (dev, then staging, then prod; by name within each), and `route={"<stack>": {"runner":
[...], "region": "...", "env": "...", "preview_role": "AWS_PREVIEW_ROLE_ARN_<STACK>"}}` for `runs-on`, the
AWS credentials step and the preview role's repository variable. `python tools/route.py dev prod` prints
the routes of the named stacks only.

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


PROMOTION = ("dev", "staging", "prod")
"""The order a change goes through the environments (`platform:env`)."""


def route(stack_file: Path) -> dict[str, Any]:
    """The `runs-on` labels and the AWS region of one stack file."""
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    github = config.get("platform:github") or {}
    return {"runner": list(github.get("runner") or DEFAULT_RUNNER), "region": config.get("aws:region")}


def stacks(project: Path) -> list[str]:
    """Every stack with a file beside Pulumi.yaml, in promotion order."""
    def key(path: Path) -> tuple[int, str]:
        env = ((yaml.safe_load(path.read_text()) or {}).get("config") or {}).get("platform:env", "prod")
        return (PROMOTION.index(env) if env in PROMOTION else len(PROMOTION), path.name)
    return [p.name[len("Pulumi."):-len(".yaml")] for p in sorted(project.glob("Pulumi.*.yaml"), key=key)]


def _full_route(project: Path, stack: str) -> dict[str, Any]:
    path = project / f"Pulumi.{stack}.yaml"
    env = ((yaml.safe_load(path.read_text()) or {}).get("config") or {}).get("platform:env")
    return {**route(path), "env": env, "preview_role": "AWS_PREVIEW_ROLE_ARN_" + stack.upper().replace("-", "_")}


def main(argv: list[str]) -> int:
    """`--outputs`: the stacks and their routes as $GITHUB_OUTPUT lines; else the named stacks' routes as JSON."""
    project = Path(__file__).resolve().parent.parent
    if argv == ["--outputs"]:
        found = stacks(project)
        print("stacks=" + json.dumps(found, separators=(",", ":")))
        print("route=" + json.dumps({s: _full_route(project, s) for s in found}, separators=(",", ":")))
        return 0
    routes = {stack: route(project / f"Pulumi.{stack}.yaml") for stack in argv}
    print(json.dumps(routes, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
