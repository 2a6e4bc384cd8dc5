"""tools/release.py: each release task runs, is waited for, and a failure stops the rollout (botocore Stubber)."""

from __future__ import annotations

import json

import botocore.session
from botocore.stub import Stubber

from tools import release

TASK = {"cluster": "app-cluster", "task_definition": "platform-prod-app-web-release", "container": "web",
        "subnets": ["subnet-1", "subnet-2"], "security_groups": ["sg-web"], "timeout_seconds": 60}
ARN = "arn:aws:ecs:us-east-1:123456789012:task/app-cluster/abc"


def _ecs():
    client = botocore.session.get_session().create_client("ecs", region_name="us-east-1", aws_access_key_id="x",
                                                            aws_secret_access_key="x")
    return client, Stubber(client)


def _started(stub: Stubber) -> None:
    stub.add_response("run_task", {"tasks": [{"taskArn": ARN}], "failures": []}, {
        "cluster": "app-cluster", "taskDefinition": "platform-prod-app-web-release", "launchType": "FARGATE",
        "count": 1, "startedBy": "release-web",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1", "subnet-2"],
                                                         "securityGroups": ["sg-web"], "assignPublicIp": "DISABLED"}}})


def _status(stub: Stubber, status: str, code: int | None = None, reason: str | None = None) -> None:
    container = {"name": "web", **({"exitCode": code} if code is not None else {}), **({"reason": reason} if reason else {})}
    stub.add_response("describe_tasks", {"tasks": [{"taskArn": ARN, "lastStatus": status, "containers": [container]}]},
                      {"cluster": "app-cluster", "tasks": [ARN]})


def test_a_task_that_exits_0_lets_the_rollout_go_on() -> None:
    ecs, stub = _ecs()
    _started(stub)
    _status(stub, "RUNNING")
    _status(stub, "STOPPED", 0)
    with stub:
        assert release.run_all({"web": TASK}, ecs, sleep=lambda s: None) == 0
    stub.assert_no_pending_responses()


def test_a_failing_task_stops_the_rollout_and_says_why(capsys) -> None:
    ecs, stub = _ecs()
    _started(stub)
    _status(stub, "STOPPED", 1, "migration 0042 failed")
    with stub:
        assert release.run_all({"web": TASK}, ecs, sleep=lambda s: None) == 1
    assert "web: exited 1 (migration 0042 failed); the rollout stops here" in capsys.readouterr().out


def test_a_task_past_its_timeout_is_stopped_and_counts_as_failed(capsys) -> None:
    ecs, stub = _ecs()
    _started(stub)
    _status(stub, "RUNNING")
    stub.add_response("stop_task", {"task": {"taskArn": ARN}}, {"cluster": "app-cluster", "task": ARN,
                                                                  "reason": "release task timed out"})
    ticks = iter([0.0, 61.0])
    with stub:
        assert release.run_all({"web": TASK}, ecs, sleep=lambda s: None, clock=lambda: next(ticks)) == 1
    assert "still running after 60 s" in capsys.readouterr().out


def test_a_task_that_cannot_start_fails(capsys) -> None:
    ecs, stub = _ecs()
    stub.add_response("run_task", {"tasks": [], "failures": [{"reason": "RESOURCE:MEMORY"}]})
    with stub:
        assert release.run_all({"web": TASK}, ecs) == 1
    assert "did not start" in capsys.readouterr().out


def test_no_release_tasks_is_a_quiet_success(tmp_path, capsys) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"app_cluster_name": "c"}))
    assert release.main([str(outputs), "us-east-1"]) == 0
    assert capsys.readouterr().out.strip() == "no release tasks"
    assert release.main([]) == 2


def test_a_release_task_of_public_tasks_gets_a_public_ip_like_them() -> None:
    ecs, stub = _ecs()
    stub.add_response("run_task", {"tasks": [{"taskArn": ARN}], "failures": []}, {
        "cluster": "app-cluster", "taskDefinition": "platform-prod-app-web-release", "launchType": "FARGATE",
        "count": 1, "startedBy": "release-web",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1", "subnet-2"],
                                                         "securityGroups": ["sg-web"], "assignPublicIp": "ENABLED"}}})
    _status(stub, "STOPPED", 0)
    with stub:
        assert release.run_all({"web": {**TASK, "assign_public_ip": True}}, ecs, sleep=lambda s: None) == 0
    stub.assert_no_pending_responses()
