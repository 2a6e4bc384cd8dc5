"""Generated README sections: the config reference (from the components' settings models, composed by
`stack_config.StackConfig`) and the policy coverage table (from the rules).

`tools/readme.py` splices them between markers; a test compares, so neither can drift from its source.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        if len(args) > 6:  # long fixed sets (log retention days, endpoint names) stay on one line
            return "one of " + ", ".join(str(a) for a in args)
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(parts)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if annotation is IPv4Network:
        return "CIDR"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    return getattr(annotation, "__name__", str(annotation))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.default if field.default is not PydanticUndefined else field.default_factory()
    if isinstance(value, BaseModel):
        return "(see below)"
    if value is None:
        return "unset"
    if value in ([], {}):
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`".replace("|", "\\|")


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    nested = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        description = (field.description or "").replace("\n", " ").replace("|", "\\|")
        rows.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {description} |")
        sub = _model_of(field.annotation)
        if sub is not None:
            nested.append((sub, f"{key}."))
    for sub, sub_prefix in nested:
        rows.extend(_rows(sub, sub_prefix))
    return rows


def config_reference() -> str:
    """Markdown tables, one per top-level section, of every key with type, default and meaning."""
    import stack_config

    model = stack_config.StackConfig
    scalars = [f"| `{'aws:region' if n == 'region' else 'platform:' + n}` | {_type_name(f.annotation)} | "
               f"{_default(f)} | {(f.description or '').replace('|', chr(92) + '|')} |"
               for n, f in model.model_fields.items() if _model_of(f.annotation) is None]
    header = "| key | type | default | meaning |\n|---|---|---|---|"
    parts = ["## Top-level keys", "", header, *scalars, ""]
    for name, field in model.model_fields.items():
        sub = _model_of(field.annotation)
        if sub is None:
            continue
        owner = f"{sub.__module__.replace('.', '/')}.py"
        parts += [f"## `platform:{name}`", "", (field.description or "").strip(), "",
                  f"Schema, defaults and checks: `{sub.__name__}` in `{owner}`.", "", header,
                  *_rows(sub, f"{name}."), ""]
    return "\n".join(parts).rstrip("\n")


# Every policy in Pulumi's AWS pack (@pulumi/awsguard 0.3.1, the current release) with, for those no
# rule of ours covers, why. Rules name what they cover with `Rule.awsguard`; a test keeps both honest.
AWSGUARD: dict[str, str | None] = {
    "access-keys-rotated": "the program creates no IAM users or access keys (CI uses GitHub OIDC roles)",
    "acm-certificate-expiration": "not covered: it reads live certificate state; ours are DNS-validated ACM "
                                  "certificates that renew themselves, none imported",
    "alb-http-to-https-redirection": None,
    "apigateway-endpoint-type": "no API Gateway in the platform",
    "apigateway-method-cached-and-encrypted": "no API Gateway in the platform",
    "apigateway-stage-cached": "no API Gateway in the platform",
    "cmk-backing-key-rotation-enabled": None,
    "dynamodb-table-encryption-enabled": "no DynamoDB in the platform",
    "ec2-instance-detailed-monitoring-enabled": "not covered: the only instances are optional NAT instances "
                                                "(a dev cost option), where 1-minute metrics add cost, not insight",
    "ec2-instance-no-public-ip": None,
    "ec2-volume-inuse": "not covered: it reads live attachment state; the program creates no standalone volumes",
    "efs-encrypted": None,
    "elasticsearch-encrypted-at-rest": "no Elasticsearch/OpenSearch in the platform",
    "elasticsearch-in-vpc-only": "no Elasticsearch/OpenSearch in the platform",
    "elb-deletion-protection-enabled": None,
    "elb-logging-enabled": None,
    "encrypted-volumes": None,
    "mfa-enabled-for-iam-console-access": "the program creates no IAM users",
    "rds-instance-backup-enabled": None,
    "rds-instance-multi-az-enabled": None,
    "rds-instance-public-access": None,
    "rds-storage-encrypted": None,
    "redshift-cluster-configuration": "no Redshift in the platform",
    "redshift-cluster-maintenance-settings": "no Redshift in the platform",
    "redshift-cluster-public-access": "no Redshift in the platform",
    "s3-bucket-logging-enabled": "not covered (a known gap): buckets carry no S3 server access logs; object-level "
                                 "audit needs CloudTrail S3 data events, an account-level trail outside this program",
}
"""awsguard policy -> None when a rule covers it, else why not."""


def _short_type(typ: str) -> str:
    # aws:rds/instance:Instance -> rds.Instance, the Python SDK's spelling a reader searches for.
    package, module, name = typ.split(":")
    return f"{package}.{name} (pulumi-{package})" if module == "index" else f"{module.split('/')[0]}.{name}"


def policy_coverage() -> str:
    """The README's coverage table: rule -> FSBP -> resource types -> enforcement (pack, dev, prod),
    then the awsguard policies and which rule covers each."""
    from policies.framework import GROUPS
    from policies.rules import RULES
    from tools.policy_run import load_policy_config

    configs = {stack: load_policy_config(stack) for stack in ("dev", "prod")}

    def level(stack: str, rule: Any) -> str:
        setting = configs[stack].get(rule.name)
        value = setting if isinstance(setting, str) else (setting or {}).get("enforcementLevel")
        return f"**{value}**" if value and value != rule.enforcement else "="

    lines = [f"{len(RULES)} rules. Levels: the pack's default; dev / prod show a stack's override from "
             "`policies/config.<stack>.json` (`=` none). *prod only* rules judge resources tagged `env: prod` "
             "(or the policy config's `environment`).", "",
             "| rule | group | FSBP | checks | level | dev | prod |", "|---|---|---|---|---|---|---|"]
    for group in GROUPS:
        for rule in (r for r in RULES if r.group == group):
            checks = ", ".join(_short_type(t) for t in rule.types) if rule.types else "stack: relationships"
            scope = " (prod only)" if rule.prod_only else ""
            scope += " (opt-in: off unless a stack's pack config sets a level)" if rule.opt_in else ""
            lines.append(f"| `{rule.name}` | {group} | {rule.fsbp or '-'} | {checks} | {rule.enforcement}{scope} | "
                         f"{level('dev', rule)} | {level('prod', rule)} |")
    covering: dict[str, list[str]] = {}
    for rule in RULES:
        if rule.awsguard:
            covering.setdefault(rule.awsguard, []).append(rule.name)
    lines += ["", "Pulumi's AWS pack (awsguard), policy by policy:", "", "| awsguard policy | covered by |", "|---|---|"]
    for name, reason in AWSGUARD.items():
        lines.append(f"| `{name}` | {', '.join(f'`{r}`' for r in covering.get(name, [])) or reason} |")
    return "\n".join(lines)


def fsbp_coverage() -> str:
    """Every FSBP control of the services the program creates, and where the pack stands on it."""
    from policies.coverage import CONTROLS_FILE, controls, status
    from policies.rules import RULES

    rows = [(c, *status(c["id"], RULES)) for c in controls()]
    counts = {label: sum(1 for _, s, _ in rows if s == label)
              for label in ("covered", "not decidable", "not applicable", "gap")}
    source = json.loads(CONTROLS_FILE.read_text())
    lines = [f"{counts['covered']} covered, {counts['gap']} gaps, {counts['not decidable']} not decidable from "
             f"inputs, {counts['not applicable']} not applicable, of {len(rows)} controls. Source: {source['source']} "
             f"(read {source['checked']}).", "",
             "| control | title | status | rule, or why not |", "|---|---|---|---|"]
    for control, label, why in rows:
        lines.append(f"| {control['id']} | {control['title'].replace('|', '/')} | {label} | {why.replace('|', '/')} |")
    return "\n".join(lines)


def runtime_checks() -> str:
    """The README's run-time table: each check, what it proves and on whose authority."""
    from tools.runtime import CHECKS

    lines = [f"{len(CHECKS)} checks. Any finding fails `plan` and `runtime` (exit 7).", "",
             "| check | proves | against |", "|---|---|---|"]
    lines += [f"| `{name}` | {summary} | {source} |" for name, (summary, source) in CHECKS.items()]
    return "\n".join(lines)


def preflight_rules() -> str:
    """The README's preflight table: each rule, what it checks and whose data it checks against,
    then the pinned data sources and their dates."""
    from components.aws_data import data_sources
    from tools.preflight.rules import RULES

    lines = [f"{len(RULES)} rules. An ERROR fails `plan` and `preflight` (exit 3); an ADVISORY is printed and "
             "never fails.", "", "| rule | level | checks | against |", "|---|---|---|---|"]
    for rule in RULES:
        lines.append(f"| `{rule.id}` | {rule.severity} | {rule.summary} | {rule.source} |")
    lines += ["", "Pinned data (`requirements.txt`; a version bump is how new AWS facts arrive):", "",
              "| package | version | data as of | what it gives |", "|---|---|---|---|"]
    for source in data_sources():
        lines.append(f"| {source.name} | {source.version} | {source.as_of} | {source.covers} |")
    return "\n".join(lines)


ESTIMATES: list[tuple[str, tuple[str, ...], str, str]] = [
    ("reference dev", ("Pulumi.dev.yaml",), "-",
     "lean dev: NAT instance, ARM on Fargate Spot, Aurora Serverless v2 pausing at 0 ACU, one Valkey micro node, "
     "core WAF rules, no dashboard; the ALB with its two public IPv4 addresses is the largest line"),
    ("reference prod", ("Pulumi.prod.yaml",), "-",
     "three NAT gateways and three AZs of interface endpoints, a Multi-AZ db.t4g.medium, two Valkey nodes, "
     "two on-demand tasks per service"),
    ("semiont", ("examples/Pulumi.semiont.yaml", "examples/Pulumi.semiont-app.yaml"), "about $90",
     "the document's own lines match (RDS, NAT, EFS, Fargate on ARM, Route53); it leaves out the NAT's and the "
     "ALB's public IPv4 ($11), the WAF it describes ($12), five KMS keys, secrets, alarms, the dashboard and logs"),
    ("portfolio (dev)", ("examples/Pulumi.portfolio-dev.yaml",), "about $115-130",
     "the same items plus what the document leaves out: two NAT EIPs and the ALB's public IPv4 ($15), the regional "
     "WAF the pack requires ($10), storage, keys, alarms and the dashboard"),
    ("portfolio (prod)", ("examples/Pulumi.portfolio-prod.yaml",), "-", "the document gives no prod total"),
    ("allthrive", ("examples/Pulumi.allthrive.yaml",), "about $160",
     "the prod rules double what the document runs single: a NAT gateway per AZ (+$32), two cache nodes (+$12), "
     "Multi-AZ RDS (+$16); plus its interface endpoints ($58), two WAFs ($19), EFS for Weaviate and public IPv4"),
    ("bioinformatics", ("examples/Pulumi.bioinformatics.yaml",), "-",
     "no published total; EKS ($73), two m7g.large nodes and two Aurora db.r6g.large instances dominate"),
    ("pavi", ("examples/Pulumi.pavi.yaml",), "-", "no published total; two internal ALBs in the existing VPC"),
    ("mastodon", ("examples/Pulumi.mastodon.yaml",), "$52.97 itemised (about $65 in words)",
     "the published lines match (Fargate Spot, RDS and Redis micro, ALB hours, S3, Route53); it predates the public "
     "IPv4 charge (the ALB's two nodes and the three tasks: $18) and has no WAF ($9), alarms, keys or secrets; media "
     "served by CloudFront on files. adds its own CloudFront-scope ACL ($9)"),
    ("airflow", ("examples/Pulumi.airflow.yaml",), "-",
     "no published total; webserver, scheduler and Flower run around the clock on demand (1 vCPU / 2 GB x86 each, "
     "$108) where the template scales the first two to zero at night; Flower's own ALB ($24) and WAF ($10); six "
     "composed connection-URL secrets ($2.40)"),
    ("wordpress", ("examples/Pulumi.wordpress.yaml",), "-",
     "no published total; the reference architecture's production shape: three NAT gateways ($111), three "
     "Memcached nodes ($142), two Aurora MySQL instances ($107); backtracking's change records are unpriced"),
    ("petclinic", ("examples/Pulumi.petclinic.yaml",), "-",
     "no published total; two NAT gateways ($74 with their addresses), three 1 vCPU / 2 GB tasks ($89), the ALB and "
     "its WAF; a db.t4g.small where the template asks a db.r4.2xlarge (a previous generation the price lists leave "
     "out)"),
    ("genomics", ("examples/Pulumi.genomics.yaml",), "-",
     "no published total; idle it costs its NAT gateway, keys and logs: the EC2 instances Batch launches per job are "
     "unpriced (Batch picks their types), so a run's cost is its jobs' instance hours on top"),
]
"""Stacks whose estimate the README shows: (system, stack files, the document's figure, why they differ)."""


def cost_estimates() -> str:
    """The README's estimates table (usage profile small), one row per system, beside published figures."""
    from tools.cost import PriceTable, estimate_stack

    repo = Path(__file__).resolve().parent.parent  # not harness.PROJECT_DIR: tests point that elsewhere

    lines = [f"Estimated with `./run cost <stack>` (us-east-1 list prices as of {PriceTable.load().as_of}, usage "
             "profile `small`); fixed is what the stack costs idle, usage the profile's traffic and data.", "",
             "| system | stack file(s) | fixed | usage | total / month | the document says | why they differ |",
             "|---|---|---|---|---|---|---|"]
    for system, files, published, why in ESTIMATES:
        estimates = [estimate_stack(repo / f) for f in files]
        fixed = sum(e.total("fixed") for e in estimates)
        usage = sum(e.total("usage") for e in estimates)
        names = " + ".join(f"`{Path(f).name}`" for f in files)
        lines.append(f"| {system} | {names} | ${fixed:,.2f} | ${usage:,.2f} | **${fixed + usage:,.2f}** | {published} | {why} |")
    return "\n".join(lines)


EGRESS_WAYS = (
    ("one NAT gateway per AZ (prod)", {"network": {"egress": "per_az"}}),
    ("one NAT gateway", {"network": {"egress": "single"}}),
    ("a NAT instance (t4g.nano)", {"network": {"egress": "instance"}}),
    ("tasks in public subnets", {"network": {"egress": "none"}, "cluster": {"task_subnets": "public"}}),
    ("interface endpoints, no NAT", {"network": {"egress": "none", "interface_endpoints": [
        "ecr.api", "ecr.dkr", "logs", "secretsmanager"]}}),
)
"""How a dev's private workloads reach AWS's APIs and the internet, as `network` and `cluster` settings."""

EGRESS_TYPES = ("aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/instance:Instance",
                "aws:ec2/vpcEndpoint:VpcEndpoint")
"""Resources that only serve egress (the public IPv4 of tasks is priced on their service)."""


def egress_costs() -> str:
    """The README's comparison of the ways out of a dev VPC: the fixture dev, priced in each (two AZs, no pipeline,
    whose jobs run in private subnets whichever way the services go)."""
    from tools.cost import PriceTable, estimate
    from tools.harness import load_stack_config, run_program

    repo = Path(__file__).resolve().parent.parent
    fixture = repo / "tests" / "fixtures" / "Pulumi.fixture-dev.yaml"
    raw = load_stack_config(fixture).raw
    services = {name: {k: v for k, v in svc.items() if k != "pipeline"} for name, svc in raw["platform:services"].items()}
    lines = [f"The fixture dev (2 AZs, its two services, no pipeline) priced by `./run cost` in each way out "
             f"(us-east-1 list prices as of {PriceTable.load().as_of}, usage profile `small`: "
             "10 GB through NAT, 1 GB per endpoint).", "",
             "| way out | egress items | egress / month | stack total / month |", "|---|---|---|---|"]
    for way, settings in EGRESS_WAYS:
        overrides = {"pipeline": None, "services": services,
                     "network": {**raw["platform:network"], **settings["network"]},
                     "cluster": {**(raw.get("platform:cluster") or {}), **settings.get("cluster", {})}}
        est = estimate(run_program(fixture, overrides=overrides), stack="fixture-dev", region="us-east-1")
        egress = [x for x in est.lines if x.kind != "free" and (x.type in EGRESS_TYPES or x.item.startswith("public IPv4 per task"))]
        items = sorted({x.item if not x.item.startswith("public IPv4 per task") else "public IPv4 per task"
                        for x in egress})
        lines.append(f"| {way} | {', '.join(items)} | ${sum(x.monthly for x in egress):,.2f} | ${est.total():,.2f} |")
    return "\n".join(lines)


def price_coverage() -> str:
    """The README's table of how many of the instance types AWS offers the price lists price."""
    from tools import cost, price_lists

    table = cost.PriceTable.load()
    lines = [f"Of the types AWS offers in {price_lists.REGION} (its orderable lists, as the config checks them), "
             "those a price list has; `./run refresh-prices` prints the same.", "",
             "| price | lists (date) | priced | families with an unpriced type |", "|---|---|---|---|"]
    for key, (priced, offered, missing) in cost.coverage(table).items():
        dates = ", ".join(str(source["as_of"]) for source in table.entries[key]["sources"])
        families = sorted({kind.split(".")[-2] for kind in missing})
        lines.append(f"| `{key}` | {dates} | {priced} of {offered} | {', '.join(families) or 'none'} |")
    ec2 = table.entries["ec2_hour"]["sources"]
    lines.append(f"| `ec2_hour` | {', '.join(str(s['as_of']) for s in ec2)} | {sum(len(s['prices']) for s in ec2)} types "
                 "(Linux; the whole offer) | - |")
    return "\n".join(lines)


def architecture_diagram(stack: str) -> str:
    """The README's drawing of a committed stack, as `./run diagram <stack>` draws it."""
    from tools.diagram import architecture, mermaid
    from tools.harness import load_stack_config, run_cached

    path = Path(__file__).resolve().parent.parent / f"Pulumi.{stack}.yaml"
    return f"```mermaid\n{mermaid(architecture(run_cached(path), load_stack_config(path).name))}\n```"
