"""`python -m tools plan`: the offline main job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools.__main__ import main
from tools.harness import PROJECT_DIR


def test_plan_prints_components_with_their_children_and_counts(capsys) -> None:
    assert main(["plan", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stack platform/prod (Pulumi.prod.yaml):")
    assert "network  (platform:components:Network," in out
    assert "ec2:NatGateway" in out and "x3" in out
    assert "rds:Instance" in out and "db-instance [protect, retain]" in out
    assert "by type:" in out


def test_plan_ends_with_policies_cost_and_where_the_diagram_went(capsys) -> None:
    from tools.__main__ import DIAGRAM_DIR
    from tools.cost import estimate_stack

    assert main(["plan", "dev"]) == 0
    summary = capsys.readouterr().out.split("summary for platform/dev", 1)[1]
    total = estimate_stack("dev").total()
    assert "policies:  " in summary and "0 mandatory" in summary
    assert f"= {total:,.2f} USD/month" in summary
    assert f"diagram:   {DIAGRAM_DIR / 'dev.mmd'}, {DIAGRAM_DIR / 'dev.png'}, {DIAGRAM_DIR / 'dev.svg'}" in summary
    assert (DIAGRAM_DIR / "dev.mmd").read_text().startswith("flowchart LR")


def test_plan_json_records_types_parents_camelcase_inputs_and_options(tmp_path: Path) -> None:
    target = tmp_path / "graph.json"
    assert main(["plan", "prod", "--json", str(target)]) == 0
    graph = json.loads(target.read_text())
    assert graph["stack"] == "prod" and graph["project"] == "platform"
    by_name = {r["name"]: r for r in graph["resources"]}
    db = by_name["db-instance"]
    assert db["type"] == "aws:rds/instance:Instance"
    assert db["parent"] == by_name["db"]["urn"]
    assert db["inputs"]["storageEncrypted"] is True and db["inputs"]["multiAz"] is True
    assert db["options"]["protect"] is True and db["options"]["retainOnDelete"] is True
    assert set(db["options"]) >= {"protect", "retainOnDelete", "ignoreChanges", "deleteBeforeReplace", "aliases"}
    assert graph["exports"]["env"] == "prod"


def test_plan_takes_a_path_to_a_stack_file(tmp_path: Path, capsys) -> None:
    copy = tmp_path / "Pulumi.copy.yaml"
    copy.write_text((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
    assert main(["plan", str(copy)]) == 0
    assert capsys.readouterr().out.startswith("stack platform/copy (Pulumi.copy.yaml):")


def test_unknown_stack_is_a_clear_error(capsys) -> None:
    assert main(["plan", "staging"]) == 2
    assert "no stack 'staging': Pulumi.staging.yaml does not exist (stacks here: dev, prod)" in capsys.readouterr().err


def test_bad_config_exits_2_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text((PROJECT_DIR / "Pulumi.dev.yaml").read_text().replace("cidr: 10.10.0.0/16", "cidr: 10.10.0.0/33"))
    run = subprocess.run([sys.executable, "-m", "tools", "plan", str(broken)], cwd=PROJECT_DIR,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2
    assert "network.cidr: expected an IPv4 network in CIDR notation" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_an_app_stack_without_its_data_stack_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    app = tmp_path / "Pulumi.semiont-app.yaml"
    app.write_text((PROJECT_DIR / "examples" / "Pulumi.semiont-app.yaml").read_text())
    assert main(["plan", str(app)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Pulumi.semiont-app.yaml reads the data stack 'semiont' through a StackReference")
    assert "Traceback" not in err
