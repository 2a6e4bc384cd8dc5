"""`python -m tools plan`: the offline main job."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import FIXTURE_DEV, FIXTURE_PROD
from tools.__main__ import main
from tools.harness import PROJECT_DIR


def test_plan_prints_components_with_their_children_and_counts(capsys) -> None:
    assert main(["plan", str(FIXTURE_PROD)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stack platform/fixture-prod (Pulumi.fixture-prod.yaml):")
    assert "network  (platform:components:Network," in out
    assert "ec2:NatGateway" in out and "x3" in out
    assert "rds:Instance" in out and "db-instance [protect, retain]" in out
    assert "by type:" not in out  # concise by default: the totals by type repeat the tree


def test_verbose_adds_the_totals_by_type_and_every_advisory_resource(capsys) -> None:
    assert main(["plan", str(FIXTURE_DEV)]) == 0
    concise = capsys.readouterr().out
    assert main(["plan", str(FIXTURE_DEV), "--verbose"]) == 0
    verbose = capsys.readouterr().out
    assert "by type:" in verbose and "by type:" not in concise
    advisory = next(line for line in concise.splitlines() if line.startswith("ADVISORY log-group-kms"))
    assert advisory in verbose and len(verbose.splitlines()) > len(concise.splitlines())
    assert "    - Log group" in verbose and "    - Log group" not in concise


def test_plan_ends_with_policies_cost_and_where_the_diagram_went(capsys) -> None:
    from tools.__main__ import DIAGRAM_DIR
    from tools.cost import estimate_stack

    assert main(["plan", str(FIXTURE_DEV)]) == 0
    summary = capsys.readouterr().out.split("summary for platform/fixture-dev", 1)[1]
    total = estimate_stack(FIXTURE_DEV).total()
    assert "policies:  " in summary and "0 mandatory" in summary
    assert f"= {total:,.2f} USD/month" in summary
    assert f"diagram:   {DIAGRAM_DIR / 'fixture-dev.mmd'}, {DIAGRAM_DIR / 'fixture-dev.png'}, {DIAGRAM_DIR / 'fixture-dev.svg'}" in summary
    assert (DIAGRAM_DIR / "fixture-dev.mmd").read_text().startswith("flowchart LR")


def test_plan_json_records_types_parents_camelcase_inputs_and_options(tmp_path: Path) -> None:
    target = tmp_path / "graph.json"
    assert main(["plan", str(FIXTURE_PROD), "--json", str(target)]) == 0
    graph = json.loads(target.read_text())
    assert graph["stack"] == "fixture-prod" and graph["project"] == "platform"
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
    copy.write_text(FIXTURE_DEV.read_text())
    assert main(["plan", str(copy)]) == 0
    assert capsys.readouterr().out.startswith("stack platform/copy (Pulumi.copy.yaml):")


def test_unknown_stack_is_a_clear_error(capsys) -> None:
    assert main(["plan", "no-such-stack"]) == 2
    stacks = ", ".join(sorted(p.name[len("Pulumi."):-len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml")))
    assert f"no stack 'no-such-stack': Pulumi.no-such-stack.yaml does not exist (stacks here: {stacks})" in \
        capsys.readouterr().err


def test_bad_config_exits_2_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text(FIXTURE_DEV.read_text().replace("cidr: 10.10.0.0/16", "cidr: 10.10.0.0/33"))
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


def _variant(tmp_path: Path, base: Path, old: str, new: str) -> Path:
    """A copy of `base` (an example: its literal values are fixed) with one text replacement."""
    text = base.read_text()
    assert old in text
    path = tmp_path / "Pulumi.variant.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_plan_runs_the_preflight_and_a_refusal_exits_3(tmp_path: Path, capsys) -> None:
    # A WAF geo block on a country code AWS does not know: config takes any two capitals, AWS does not.
    document = yaml.safe_load(FIXTURE_PROD.read_text())
    document["config"]["platform:edge"]["waf"]["geo_block"] = ["XX"]
    path = tmp_path / "Pulumi.variant.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["plan", str(path)]) == 3
    out = capsys.readouterr().out
    assert "preflight (AWS's own data):" in out and "ERROR cfn-schema: waf-acl" in out
    summary = out.split("summary for platform/variant", 1)[1]
    assert "preflight: 25 rules, 1 error(s) AWS would refuse" in summary
    assert "result:    FAIL (preflight: AWS would refuse; exit 3)" in summary


def test_the_preflight_verdict_outranks_a_policy_verdict(tmp_path: Path, capsys) -> None:
    # A distribution without a web ACL (a mandatory policy) and a secret description longer than
    # Secrets Manager takes (a preflight error): AWS's refusal is the more basic problem, so exit 3.
    document = yaml.safe_load(FIXTURE_PROD.read_text())
    document["config"]["platform:edge"]["waf"] = None
    document["config"].setdefault("platform:secrets", {})["too-long"] = {"description": "x" * 2049}
    path = tmp_path / "Pulumi.variant.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["plan", str(path), "--json", str(tmp_path / "g.json")]) == 3
    out = capsys.readouterr().out
    assert "MANDATORY cloudfront-waf" in out and "FAIL (preflight" in out
    graph = json.loads((tmp_path / "g.json").read_text())
    assert [f["rule"] for f in graph["preflight"] if f["severity"] == "error"] == ["cfn-schema"]
    assert any(v["enforcement"] == "mandatory" for v in graph["policy"]["violations"])


def test_preflight_verb_reports_and_exits_0_on_committed_stacks(capsys) -> None:
    assert main(["preflight", str(FIXTURE_PROD)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("preflight of platform/fixture-prod: ") and "0 error(s)" in out


def test_an_internal_error_exits_4_with_its_traceback(monkeypatch, capsys) -> None:
    import tools.__main__ as cli

    def broken(args):  # noqa: ANN001, ANN202 - a stand-in verb with a bug
        raise ZeroDivisionError("a bug in the tools")

    monkeypatch.setattr(cli, "_preflight", broken)
    assert cli.main(["preflight", str(FIXTURE_PROD)]) == 4
    err = capsys.readouterr().err
    assert "ZeroDivisionError: a bug in the tools" in err and "internal error of the offline tools (exit 4)" in err


def test_config_errors_name_the_stack_file_line(tmp_path: Path, capsys) -> None:
    path = _variant(tmp_path, PROJECT_DIR / "examples" / "Pulumi.portfolio-prod.yaml",
                    'engine_version: "16" ', 'engine_version: "16.4"')
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if 'engine_version: "16.4"' in text)
    assert f"  - Pulumi.variant.yaml:{line}: database.engine_version: postgres 16.4 is deprecated" in err


# -- the first hour (issue 23) -----------------------------------------------------------------------------------------

def test_run_without_a_verb_or_with_help_lists_every_verb_one_line_each(capsys) -> None:
    from tools.__main__ import RUN_VERBS, _parser

    parser = _parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for argv in ([], ["help"], ["--help"]):
        assert main(argv) == 0
        listed = capsys.readouterr().out.splitlines()[1:]
        names = [line.split()[0] for line in listed]
        assert names == [*subparsers.choices, *(name for name, _ in RUN_VERBS)]
        assert all(len(line.split(None, 1)) == 2 for line in listed)   # each with its line


def test_plan_without_graphviz_writes_the_mermaid_and_says_how_to_get_images(monkeypatch, capsys) -> None:
    import shutil

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real(name, *a, **k))
    assert main(["plan", str(FIXTURE_DEV)]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("diagram:")]
    assert line.endswith(".mmd (no PNG/SVG: graphviz's `dot` is missing; apt-get install graphviz)")


WATCH_SCRIPT = """
import json, sys
from pathlib import Path
from tools import watch
path = Path(sys.argv[1])
out = []
text, first = watch.plan_once(str(path), None)
out.append([text, first is not None])
path.write_text(path.read_text().replace("cpu: 256\\n      memory: 512\\n", "cpu: 512\\n      memory: 1024\\n", 1))
text, second = watch.plan_once(str(path), first)
out.append([text, second is not None])
path.write_text(path.read_text().replace("cidr: 10.10.0.0/16", "cidr: 10.10.0.0/33"))
text, third = watch.plan_once(str(path), second)
out.append([text, third is not None])
print(json.dumps(out))
"""


def test_watch_replans_a_saved_edit_and_prints_only_the_change(tmp_path: Path) -> None:
    # In a process of its own, as `./run plan --watch` runs: the watcher forks, which a test worker with threads
    # of its own (xdist's, the runtime's) must not do.
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(FIXTURE_DEV.read_text())
    assert "cpu: 256\n      memory: 512\n" in path.read_text()
    run = subprocess.run([sys.executable, "-c", WATCH_SCRIPT, str(path)], cwd=PROJECT_DIR, capture_output=True,
                         text=True, timeout=240, check=True)
    (first, ok1), (second, ok2), (third, ok3) = json.loads(run.stdout.strip().splitlines()[-1])
    assert ok1 and first.startswith("planned platform/dev:")
    assert ok2 and "replace  TaskDefinition" in second and 'cpu: "256" -> "512"' in second
    assert "totals: 0 to create, 0 to update, 1 to replace, 0 to delete" in second
    # A bad save is refused with its line, and the last good graph stays the base.
    assert not ok3 and re.search(r"Pulumi\.dev\.yaml:\d+: network\.cidr: expected an IPv4 network", third)


def test_watch_watches_the_stack_file_and_the_programs_code(tmp_path: Path) -> None:
    from tools import watch

    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config: {}\n")
    watched = set(watch.snapshot(path))
    assert str(path) in watched
    assert str(PROJECT_DIR / "components" / "database.py") in watched and str(PROJECT_DIR / "stack_config.py") in watched
