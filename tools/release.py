"""Run each service's release task (migrations) and stop the rollout when one fails.

pulumi-up.yml first updates only the release task definitions (`pulumi up --target ...-release`), so they
carry the new image; then `python -m tools.release` reads the stack's `app_release_tasks` output
(`pulumi stack output --json`), starts each task on Fargate in the service's subnets and security group,
waits for it to stop and checks its container's exit code; only then does the full `pulumi up` roll the
services out. Exit 0: every task exited 0 (or there are none); 1: one failed, timed out or could not
start (the log group of the service has its output).

Only botocore is needed (the program's requirements pin it); tests drive it with botocore's Stubber.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import botocore.session

POLL_SECONDS = 10


def run_one(ecs: Any, name: str, task: Mapping[str, Any], sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> tuple[bool, str]:
    """Start one release task and wait for it; (succeeded, what happened)."""
    started = ecs.run_task(
        cluster=task["cluster"], taskDefinition=task["task_definition"], launchType="FARGATE", count=1,
        startedBy=f"release-{name}"[:36],
        networkConfiguration={"awsvpcConfiguration": {"subnets": list(task["subnets"]),
                                                      "securityGroups": list(task["security_groups"]),
                                                      "assignPublicIp": "ENABLED" if task.get("assign_public_ip")
                                                      else "DISABLED"}},
    )
    if started.get("failures") or not started.get("tasks"):
        return False, f"{name}: the task did not start: {started.get('failures')}"
    arn = started["tasks"][0]["taskArn"]
    deadline = clock() + float(task.get("timeout_seconds", 900))
    while True:
        (described,) = ecs.describe_tasks(cluster=task["cluster"], tasks=[arn])["tasks"]
        if described.get("lastStatus") == "STOPPED":
            container = next((c for c in described.get("containers", []) if c.get("name") == task["container"]), {})
            code = container.get("exitCode")
            if code == 0:
                return True, f"{name}: exited 0"
            why = container.get("reason") or described.get("stoppedReason") or "no reason given"
            return False, f"{name}: exited {code} ({why}); the rollout stops here"
        if clock() >= deadline:
            ecs.stop_task(cluster=task["cluster"], task=arn, reason="release task timed out")
            return False, f"{name}: still running after {task.get('timeout_seconds', 900)} s; stopped, the rollout stops here"
        sleep(POLL_SECONDS)


def run_all(tasks: Mapping[str, Mapping[str, Any]], ecs: Any, **kwargs: Any) -> int:
    """Run the release tasks one after another (in service order); 0 when every one exited 0."""
    for name in sorted(tasks):
        ok, message = run_one(ecs, name, tasks[name], **kwargs)
        print(message)
        if not ok:
            return 1
    return 0


def main(argv: list[str]) -> int:
    """`python -m tools.release OUTPUTS.json REGION`: OUTPUTS is `pulumi stack output --json`."""
    if len(argv) != 2:
        print("usage: python -m tools.release <stack outputs json> <region>", file=sys.stderr)
        return 2
    outputs = json.loads(Path(argv[0]).read_text() or "{}")
    tasks = outputs.get("app_release_tasks") or {}
    if not tasks:
        print("no release tasks")
        return 0
    ecs = botocore.session.get_session().create_client("ecs", region_name=argv[1])
    return run_all(tasks, ecs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
