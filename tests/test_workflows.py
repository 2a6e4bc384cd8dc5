"""The GitHub workflows: actionlint-clean, OIDC-only, and wired to the stacks and the policy pack."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import STACK_FILES
from tools import route as route_module
from tools.harness import PROJECT_DIR

GITHUB = PROJECT_DIR / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))


def _load(path: Path) -> dict:
    # PyYAML reads the key `on` as True; the workflows are plain YAML otherwise.
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))
    return data


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert found, "actionlint is missing: ./run test installs it from requirements-dev.txt"
    return found


def test_actionlint_passes_on_every_workflow() -> None:
    run = subprocess.run([_actionlint(), "-color=false", *map(str, WORKFLOWS)], cwd=PROJECT_DIR,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text((GITHUB / "workflows" / "preview.yml").read_text().replace("runs-on: ubuntu-latest",
                                                                                 "runs-on: ${{ matrix.nope }}"))
    run = subprocess.run([_actionlint(), "-color=false", str(broken)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode != 0 and "nope" in run.stdout


def test_no_long_lived_cloud_keys_anywhere() -> None:
    text = "\n".join(p.read_text() for p in GITHUB.rglob("*.yml"))
    for key in ("AWS_ACCESS_KEY_ID", "aws-access-key-id", "AWS_SECRET_ACCESS_KEY", "PULUMI_ACCESS_TOKEN"):
        assert key not in text
    assert "role-to-assume" in text and "pulumi/auth-actions" in text


def _pulumi_steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])
            if str(s.get("uses", "")).startswith("pulumi/actions@")]


def test_pr_previews_every_stack_with_the_policy_pack_and_comments() -> None:
    preview = _load(GITHUB / "workflows" / "preview.yml")
    assert "pull_request" in preview["on"]
    assert preview["permissions"]["id-token"] == "write"
    job = preview["jobs"]["preview"]
    assert set(job["needs"]) == {"test", "route"}
    # The matrix is every stack file, found by the route job: adding a stack needs no workflow edit.
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.route.outputs.stacks) }}"
    assert "tools/route.py --outputs" in _route_steps(preview)[1]
    assert sorted(route_module.stacks(PROJECT_DIR)) == sorted(p.stem.split(".", 1)[1] for p in STACK_FILES)
    (setup,) = [s for s in job["steps"] if s.get("uses") == "./.github/actions/pulumi-setup"]
    assert setup["with"]["aws-role-arn"] == "${{ vars[fromJSON(needs.route.outputs.route)[matrix.stack].preview_role] }}"
    (step,) = _pulumi_steps(preview)
    assert step["with"]["command"] == "preview" and step["with"]["comment-on-pr"] is True
    assert step["with"]["policyPacks"] == "policies"
    _passes_the_stacks_policy_config(preview, "preview", "${{ matrix.stack }}")


def _passes_the_stacks_policy_config(workflow: dict, job: str, stack_expr: str) -> None:
    # The pack reads only its config: the stack file's waivers reach it through `policy-config`,
    # written by the step right before the Pulumi step into the file that step passes.
    steps = workflow["jobs"][job]["steps"]
    pulumi = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("pulumi/actions@")]
    (written,) = [i for i, s in enumerate(steps) if "-m tools policy-config" in s.get("run", "")]
    for index in pulumi:  # every Pulumi step (a targeted one too) runs the pack with the stack's config
        config = steps[index]["with"]["policyPackConfigs"]
        assert steps[index]["with"]["policyPacks"] == "policies"
        assert written < index and f'-m tools policy-config "{stack_expr}" --out {config}' in steps[written]["run"]


def test_stacks_go_up_in_promotion_order_each_behind_its_environment() -> None:
    deploy = _load(GITHUB / "workflows" / "deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    up_job = deploy["jobs"]["up"]
    assert up_job["needs"] == "stacks" and deploy["jobs"]["stacks"]["needs"] == "test"
    # One at a time, in the order tools/route.py gives (dev, staging, prod); a failure stops the rest.
    assert up_job["strategy"]["max-parallel"] == 1 and up_job["strategy"]["fail-fast"] is True
    assert up_job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert up_job["with"]["stack"] == "${{ matrix.stack }}"
    envs = [route_module.stacks(PROJECT_DIR).index(s) for s in route_module.stacks(PROJECT_DIR)]
    assert envs == sorted(envs)
    up = _load(GITHUB / "workflows" / "pulumi-up.yml")
    job = up["jobs"]["up"]
    # The environment gates the job (required reviewers on prod) and scopes the OIDC subject.
    assert job["environment"] == "${{ inputs.stack }}"
    assert job["concurrency"]["cancel-in-progress"] is False
    (step,) = [s for s in _pulumi_steps(up) if "target" not in s["with"]]
    assert step["with"]["command"] == "up" and step["with"]["policyPacks"] == "policies"
    _passes_the_stacks_policy_config(up, "up", "${{ inputs.stack }}")


def test_cli_version_matches_the_pinned_sdk() -> None:
    pin = next(line.split("==")[1] for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines()
               if line.startswith("pulumi=="))
    for workflow in WORKFLOWS:
        for step in _pulumi_steps(_load(workflow)):
            assert step["with"]["pulumi-version"] == pin, workflow.name


def test_each_stack_trusts_the_subjects_its_workflow_jobs_present(stack) -> None:
    # deploy jobs run in the environment named after the stack; previews come from pull requests.
    for path in STACK_FILES:
        name = path.stem.split(".", 1)[1]
        trusts = {r.name: r.inputs["assumeRolePolicy"] for r in stack(path).of_type("aws:iam/role:Role")
                  if r.name.startswith("github-")}
        assert f":environment:{name}" in trusts["github-deploy"], name
        assert ":pull_request" in trusts["github-preview"], name


def _route_steps(workflow: dict) -> tuple[dict, str]:
    route = workflow["jobs"]["route"]
    (step,) = [s for s in route["steps"] if s.get("id") == "route"]
    return route, step["run"]


def test_jobs_run_where_their_stack_file_says() -> None:
    # A CIDR-limited EKS API admits only its listed runners: the job must run on the stack's
    # `platform:github.runner`, and assume credentials in the stack's region.
    pyyaml = next(line.split("==")[1] for line in (PROJECT_DIR / "requirements-dev.txt").read_text().splitlines()
                  if line.lower().startswith("pyyaml=="))
    preview = _load(GITHUB / "workflows" / "preview.yml")
    up = _load(GITHUB / "workflows" / "pulumi-up.yml")
    for workflow, job_name, key in ((preview, "preview", "matrix.stack"), (up, "up", "inputs.stack")):
        route, run = _route_steps(workflow)
        assert route["runs-on"] == "ubuntu-latest"  # reading a file needs no special runner
        assert f"pyyaml=={pyyaml}" in run and "tools/route.py" in run
        job = workflow["jobs"][job_name]
        assert job["runs-on"] == f"${{{{ fromJSON(needs.route.outputs.route)[{key}].runner }}}}"
        (setup,) = [s for s in job["steps"] if s.get("uses") == "./.github/actions/pulumi-setup"]
        assert setup["with"]["aws-region"] == f"${{{{ fromJSON(needs.route.outputs.route)[{key}].region }}}}"
    # The preview routes exactly the stacks it previews: both come from the same --outputs call.
    _, run = _route_steps(preview)
    assert "tools/route.py --outputs" in run


def test_release_tasks_run_between_a_targeted_update_and_the_rollout() -> None:
    up = _load(GITHUB / "workflows" / "pulumi-up.yml")
    steps = up["jobs"]["up"]["steps"]
    names = [s.get("name", "") for s in steps]
    targeted = next(i for i, s in enumerate(steps) if s.get("with", {}).get("target") == "**-release")
    run = next(i for i, n in enumerate(names) if n.startswith("Release tasks"))
    (rollout,) = [i for i, s in enumerate(steps) if s.get("with", {}).get("command") == "up" and "target" not in s["with"]]
    assert targeted < run < rollout
    assert "-m tools.release" in steps[run]["run"] and "continue-on-error" not in steps[run]


@pytest.mark.parametrize(("definitions", "outputs", "code"), [
    ("failure", {"app_release_tasks": {"api": {}}}, 1),  # the stack has release tasks: never run a stale one
    ("failure", {}, 0),  # the very first deploy: nothing to target yet, nothing to run
    ("success", {}, 0),
])
def test_a_failed_release_definition_update_stops_the_rollout_once_the_stack_has_release_tasks(
        tmp_path: Path, definitions: str, outputs: dict, code: int) -> None:
    # Runs the release step's own script with a stand-in `pulumi` that prints the stack's outputs.
    steps = _load(GITHUB / "workflows" / "pulumi-up.yml")["jobs"]["up"]["steps"]
    (step,) = [s for s in steps if s.get("name", "").startswith("Release tasks")]
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pulumi").write_text(f"#!/bin/sh\necho '{json.dumps(outputs)}'\n")
    (tmp_path / "bin" / "pulumi").chmod(0o755)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / "tools").symlink_to(PROJECT_DIR / "tools")
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "STACK": "org/prod", "REGION": "us-east-1",
           "DEFINITIONS": definitions}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == code, done.stdout + done.stderr
    assert ("updating the release task definitions failed" in done.stdout) is (code == 1)
    assert step["env"]["DEFINITIONS"] == "${{ steps.release-definitions.outcome }}"
    (targeted,) = [s for s in steps if s.get("with", {}).get("target") == "**-release"]
    assert targeted["id"] == "release-definitions"
