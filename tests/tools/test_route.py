"""tools/route.py: the runner and region the workflows route each stack to agree with stack_config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components.github_deploy import GithubSettings
from stack_config import from_mapping
from tests.conftest import EXAMPLE_FILES, FIXTURE_DEV, STACK_FILES
from tools import route as route_module
from tools.harness import load_stack_config


def _validated(path: Path):
    stack_file = load_stack_config(path)
    prefix = f"{stack_file.project}:"
    raw = {k.removeprefix(prefix): v for k, v in stack_file.raw.items() if k.startswith(prefix)}
    return from_mapping({**raw, "region": stack_file.raw["aws:region"]}, path.name)


@pytest.mark.parametrize("path", STACK_FILES + EXAMPLE_FILES, ids=lambda p: p.name)
def test_route_reads_what_stack_config_validates(path: Path) -> None:
    config = _validated(path)
    expected_runner = config.github.runner if config.github is not None else GithubSettings.model_fields["runner"].default
    assert route_module.route(path) == {"runner": expected_runner, "region": config.region}


def test_the_default_runner_is_stack_configs() -> None:
    assert GithubSettings.model_fields["runner"].default == route_module.DEFAULT_RUNNER


def test_a_self_hosted_runner_is_routed(tmp_path: Path) -> None:
    doc = yaml.safe_load(FIXTURE_DEV.read_text())
    doc["config"]["platform:github"]["runner"] = ["self-hosted", "eks-deploy"]
    doc["config"]["aws:region"] = "eu-west-1"
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert route_module.route(path) == {"runner": ["self-hosted", "eks-deploy"], "region": "eu-west-1"}


def test_main_prints_one_json_line_per_call(capsys: pytest.CaptureFixture[str]) -> None:
    assert route_module.main(["dev", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line: it goes into $GITHUB_OUTPUT as `route=<json>`
    assert set(json.loads(out)) == {"dev", "prod"}


def test_outputs_list_every_stack_file_in_promotion_order(tmp_path: Path, monkeypatch, capsys) -> None:
    for name, env in (("prod", "prod"), ("dev", "dev"), ("staging", "staging"), ("qa", "dev")):
        (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": {"platform:env": env,
                                                                                  "aws:region": "eu-west-1"}}))
    assert route_module.stacks(tmp_path) == ["dev", "qa", "staging", "prod"]
    monkeypatch.setattr(route_module, "__file__", str(tmp_path / "tools" / "route.py"))
    assert route_module.main(["--outputs"]) == 0
    stacks_line, route_line = capsys.readouterr().out.splitlines()
    assert json.loads(stacks_line.removeprefix("stacks=")) == ["dev", "qa", "staging", "prod"]
    routes = json.loads(route_line.removeprefix("route="))
    assert routes["staging"] == {"runner": ["ubuntu-latest"], "region": "eu-west-1", "env": "staging",
                                 "preview_role": "AWS_PREVIEW_ROLE_ARN_STAGING"}
