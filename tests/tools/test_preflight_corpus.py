"""A corpus of bad stacks: each is something AWS would refuse or that would not work.

Each variant starts from a committed stack file, changes what a team might plausibly write, and
runs `python -m tools preflight` on it, as CI or an engineer would. It must be refused with the
right exit code (2: the stack file or its config is invalid; 3: the preflight finds what AWS would
refuse) and a message naming the key, and never with a traceback.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.__main__ import EXIT_INPUT, EXIT_OK, EXIT_PREFLIGHT, main
from tools.harness import PROJECT_DIR

EXAMPLES = PROJECT_DIR / "examples"
Change = Callable[[dict[str, Any]], None]


def cfg(path: str, value: Any) -> Change:
    """Set `platform:section.a.b` (or `aws:region`) in the stack's config."""
    def change(doc: dict[str, Any]) -> None:
        first, *rest = path.split(".")
        node = doc["config"]
        key = first if ":" in first else f"platform:{first}"
        if not rest:
            node[key] = value
            return
        node = node.setdefault(key, {})
        for part in rest[:-1]:
            node = node.setdefault(part, {})
        node[rest[-1]] = value
    return change


def both(*changes: Change) -> Change:
    def change(doc: dict[str, Any]) -> None:
        for one in changes:
            one(doc)
    return change


def drop(path: str) -> Change:
    def change(doc: dict[str, Any]) -> None:
        first, *rest = path.split(".")
        node = doc["config"][f"platform:{first}"]
        for part in rest[:-1]:
            node = node[part]
        node.pop(rest[-1])
    return change


# (id, base stack file, change to its YAML document or raw text, exit code, text the message must hold)
VARIANTS: list[tuple[str, Path, Change | Callable[[str], str], int, str]] = [
    # -- the stack file itself --------------------------------------------------------------------------
    ("duplicate-section", EXAMPLES / "Pulumi.portfolio-dev.yaml",
     lambda text: text + "  platform:cache:\n    node_type: cache.t4g.micro\n", EXIT_INPUT,
     "key 'platform:cache' is written twice in one mapping (first at line"),
    ("duplicate-nested-key", EXAMPLES / "Pulumi.portfolio-prod.yaml",
     lambda text: text.replace("    engine: postgres\n", "    engine: postgres\n    engine: aurora-postgresql\n"),
     EXIT_INPUT, "key 'engine' is written twice"),
    ("malformed-yaml", EXAMPLES / "Pulumi.portfolio-dev.yaml",
     lambda text: text.replace("  platform:env: dev\n", "  platform:env: [dev\n"), EXIT_INPUT, "not valid YAML"),
    ("not-a-mapping", PROJECT_DIR / "Pulumi.dev.yaml", lambda text: "- dev\n- prod\n", EXIT_INPUT,
     "a stack file is a mapping"),
    ("config-not-a-mapping", PROJECT_DIR / "Pulumi.dev.yaml", lambda text: "config: [dev]\n", EXIT_INPUT,
     "`config:` must be a mapping"),
    ("misspelt-section", EXAMPLES / "Pulumi.portfolio-dev.yaml",
     lambda text: text.replace("  platform:cache:", "  platform:cahce:"), EXIT_INPUT, "cahce"),
    # -- config AWS would refuse (exit 2: found before anything is declared) --------------------------------
    ("rds-deprecated-version", EXAMPLES / "Pulumi.portfolio-prod.yaml", cfg("database.engine_version", "16.4"), EXIT_INPUT,
     "database.engine_version: postgres 16.4 is deprecated"),
    ("aurora-deprecated-version", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("database.engine_version", "16.4"), EXIT_INPUT,
     "database.engine_version: aurora-postgresql 16.4 is deprecated"),
    ("rds-unknown-version", EXAMPLES / "Pulumi.portfolio-prod.yaml", cfg("database.engine_version", "16.99"), EXIT_INPUT,
     "database.engine_version: postgres 16.99 is not offered"),
    ("aurora-major-only", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("database.engine_version", "16"), EXIT_INPUT,
     "database.engine_version: expected a version of aurora-postgresql, 13 or later"),
    ("aurora-limitless-version", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("database.engine_version", "16.8-limitless"),
     EXIT_INPUT, "database.engine_version"),
    ("aurora-small-burstable", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("database.instance_class", "db.t4g.small"),
     EXIT_INPUT, "database.instance_class: db.t4g.small is not orderable for aurora-postgresql"),
    ("class-typo", EXAMPLES / "Pulumi.portfolio-prod.yaml", cfg("database.instance_class", "db.t4g.mediun"), EXIT_INPUT,
     "database.instance_class: db.t4g.mediun is not orderable"),
    ("aurora-upgrade-log", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("database.log_exports", ["postgresql", "upgrade"]),
     EXIT_INPUT, "database.log_exports[1]: aurora-postgresql exports only"),
    ("aurora-underscore-user", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("database.master_username", "app_admin"),
     EXIT_INPUT, "database.master_username: aurora-postgresql master user names are 1-16 letters or numbers"),
    ("reserved-user", EXAMPLES / "Pulumi.portfolio-prod.yaml", cfg("database.master_username", "rdsadmin"), EXIT_INPUT,
     "database.master_username: 'rdsadmin' is a reserved name"),
    ("reserved-db-name", EXAMPLES / "Pulumi.portfolio-prod.yaml", cfg("database.db_name", "select"), EXIT_INPUT,
     "database.db_name: 'select' is a reserved SQL key word"),
    ("valkey-without-family", EXAMPLES / "Pulumi.portfolio-dev.yaml",
     both(cfg("cache.engine", "valkey"), cfg("cache.engine_version", "9.0")), EXIT_INPUT,
     "cache.engine_version: expected one of"),
    ("redis-below-floor", EXAMPLES / "Pulumi.allthrive.yaml", cfg("cache.engine_version", "6.0"), EXIT_INPUT,
     "cache.engine_version"),
    ("cache-node-typo", EXAMPLES / "Pulumi.portfolio-prod.yaml", cfg("cache.node_type", "cache.t4g.smal"), EXIT_INPUT,
     "cache.node_type: cache.t4g.smal is not offered in us-east-1"),
    ("unknown-region", PROJECT_DIR / "Pulumi.dev.yaml", cfg("aws:region", "us-east-9"), EXIT_INPUT,
     "region: 'us-east-9' is not an AWS region"),
    ("fargate-pair", EXAMPLES / "Pulumi.portfolio-dev.yaml",
     both(cfg("services.backend.cpu", 256), cfg("services.backend.memory", 4096)), EXIT_INPUT,
     "services.backend.memory: 256 CPU units take 512, 1024, 2048 MiB on Fargate; got 4096"),
    ("batch-fargate-vcpu", EXAMPLES / "Pulumi.bioinformatics.yaml",
     lambda doc: doc["config"]["platform:pipeline"]["steps"][0].update(vcpu=3), EXIT_INPUT,
     "pipeline.steps[0].vcpu: Fargate takes"),
    ("eks-past-standard-support", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("cluster.eks.version", "1.33"),
     EXIT_INPUT, "cluster.eks.version: Kubernetes 1.33 left standard support on 2026-07-29"),
    ("eks-private-endpoint-own-vpc", EXAMPLES / "Pulumi.bioinformatics.yaml",
     both(cfg("cluster.eks.endpoint_public_access", False), cfg("cluster.eks.public_access_cidrs", [])), EXIT_INPUT,
     "cluster.eks.endpoint_public_access: `pulumi up` applies the Kubernetes objects"),
    ("eks-github-hosted-runner", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("github.runner", ["ubuntu-latest"]),
     EXIT_INPUT, "github.runner: the EKS API admits only 203.0.113.0/24"),
    ("eks-open-endpoint", EXAMPLES / "Pulumi.bioinformatics.yaml", cfg("cluster.eks.public_access_cidrs", ["0.0.0.0/0"]),
     EXIT_INPUT, "cluster.eks.public_access_cidrs: 0.0.0.0/0 opens the API endpoint"),
    ("https-lb-without-name", EXAMPLES / "Pulumi.pavi.yaml", drop("load_balancers.api-lb.hostname"), EXIT_INPUT,
     "load_balancers.api-lb.hostname: HTTPS works only under a name the certificate covers"),
    ("lb-hostname-taken", EXAMPLES / "Pulumi.portfolio-prod.yaml",
     both(cfg("edge.hostnames", ["", "shop"]),
          lambda doc: doc["config"]["platform:load_balancers"].update(
              admin={"scheme": "internet-facing", "hostname": "shop", "ip_address_type": "dualstack"}),
          lambda doc: doc["config"]["platform:services"]["backend"].update(load_balancer="admin")), EXIT_INPUT,
     "load_balancers.admin.hostname: 'shop' is already used by edge shop"),
    ("dualstack-without-ipv6", EXAMPLES / "Pulumi.portfolio-dev.yaml", cfg("network.ipv6", False), EXIT_INPUT,
     "load_balancers.main.ip_address_type: dualstack needs IPv6"),
    ("reserved-tag-key", PROJECT_DIR / "Pulumi.dev.yaml", cfg("tags.aws:team", "platform"), EXIT_INPUT,
     "tags: tag key 'aws:team' starts with aws:"),
    ("tag-characters", PROJECT_DIR / "Pulumi.dev.yaml", cfg("tags.owner", "platform (eu)"), EXIT_INPUT,
     "tags: tag 'owner': 'platform (eu)' has characters many services refuse"),
    ("discovery-name-taken", EXAMPLES / "Pulumi.allthrive.yaml",
     cfg("services.web.discovery_name", "weaviate"), EXIT_INPUT,
     "discovery_name: 'weaviate' is already the name of service"),
    ("prod-stack-on-dev", PROJECT_DIR / "Pulumi.prod.yaml", cfg("env", "dev"), EXIT_INPUT,
     "env: stack 'prod' must set env: prod"),
    ("prod-cache-without-failover", PROJECT_DIR / "Pulumi.prod.yaml", cfg("cache.nodes", 1), EXIT_INPUT,
     "cache.nodes: prod needs 2+ nodes"),
    # -- what only the recorded graph shows (exit 3) ----------------------------------------------------------
    ("egress-none-without-endpoints", PROJECT_DIR / "Pulumi.dev.yaml",
     both(cfg("network.egress", "none"), cfg("network.interface_endpoints", [])),
     EXIT_PREFLIGHT, "platform:network.interface_endpoints"),
    ("egress-none-public-image", EXAMPLES / "Pulumi.allthrive.yaml",
     both(cfg("network.egress", "none"),
          cfg("network.interface_endpoints", ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]),
          cfg("services.weaviate.image", {"uri": "semitechnologies/weaviate:1.24.1"})), EXIT_PREFLIGHT,
     "this public image can never be pulled"),
    ("secret-description-too-long", EXAMPLES / "Pulumi.bioinformatics.yaml",
     cfg("secrets.django-secret-key.description", "x" * 2049),
     EXIT_PREFLIGHT, "platform:secrets.django-secret-key.description"),
    ("access-point-too-deep", EXAMPLES / "Pulumi.allthrive.yaml",
     lambda doc: next(iter(doc["config"]["platform:file_system"]["access_points"].values())).update(path="/a/b/c/d/e"),
     EXIT_PREFLIGHT, "RootDirectory.Path"),
    ("ecr-name-prefix", EXAMPLES / "Pulumi.pavi.yaml", cfg("registry.name_prefix", "pavi."), EXIT_PREFLIGHT,
     "platform:registry.name_prefix"),
    ("waf-unknown-country", PROJECT_DIR / "Pulumi.prod.yaml", cfg("edge.waf.geo_block", ["KP", "XX"]), EXIT_PREFLIGHT,
     "platform:edge.waf.geo_block"),
]


def _write(tmp_path: Path, base: Path, change: Any, name: str | None = None) -> Path:
    text = base.read_text()
    target = tmp_path / (name or base.name)
    try:
        changed = change(text)
        target.write_text(changed)
    except (TypeError, AttributeError):
        doc = copy.deepcopy(yaml.safe_load(text))
        change(doc)
        target.write_text(yaml.safe_dump(doc, sort_keys=False))
    return target


@pytest.mark.parametrize(("name", "base", "change", "code", "expected"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_bad_variant_is_refused_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                     base: Path, change: Any, code: int, expected: str) -> None:
    path = _write(tmp_path, base, change)
    assert main(["preflight", str(path)]) == code
    out, err = capsys.readouterr()
    assert expected in out + err
    assert "Traceback" not in out + err


def test_the_corpus_is_large_and_covers_both_exit_codes() -> None:
    assert len(VARIANTS) >= 40
    assert {v[3] for v in VARIANTS} == {EXIT_INPUT, EXIT_PREFLIGHT}


def test_an_unchanged_stack_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The baseline every variant starts from is fine: the refusals above come from the changes.
    assert main(["preflight", str(_write(tmp_path, EXAMPLES / "Pulumi.pavi.yaml", lambda text: text))]) == EXIT_OK
    assert "0 error(s)" in capsys.readouterr().out


def test_an_app_stack_whose_data_stack_lacks_a_declared_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = yaml.safe_load((EXAMPLES / "Pulumi.semiont.yaml").read_text())
    data["config"].pop("platform:database")
    data["config"].pop("platform:backup", None)
    (tmp_path / "Pulumi.semiont.yaml").write_text(yaml.safe_dump(data))
    shutil.copy(EXAMPLES / "Pulumi.semiont-app.yaml", tmp_path)
    assert main(["preflight", str(tmp_path / "Pulumi.semiont-app.yaml")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: Pulumi.semiont-app.yaml:") and "exports no 'db_endpoint'" in err
    assert "Traceback" not in err


def test_a_data_stack_export_that_lacks_one_entry_is_said_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Regression (issue 23): the data layer's explanation came back wrapped inside "exports no '<explanation>'".
    shutil.copy(EXAMPLES / "Pulumi.semiont.yaml", tmp_path)
    app = (EXAMPLES / "Pulumi.semiont-app.yaml").read_text()
    assert "    secrets: [jwt-secret, oauth]" in app
    (tmp_path / "Pulumi.semiont-app.yaml").write_text(app.replace("    secrets: [jwt-secret, oauth]",
                                                                    "    secrets: [jwt-secret, oauth, missing-one]"))
    assert main(["preflight", str(tmp_path / "Pulumi.semiont-app.yaml")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.count("missing-one") == 1 and "exports no" not in err
    assert re.match(r"error: Pulumi\.semiont-app\.yaml:\d+: platform:data_stack: the data stack's export secrets_arns "
                    r"has no 'missing-one'", err)
