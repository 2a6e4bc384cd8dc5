"""Generated README sections: the config reference (from the pydantic models) and the policy
coverage table (from the rules).

`tools/readme.py` splices them between markers; a test compares, so neither can drift from its source.
"""

from __future__ import annotations

import enum
import types
import typing
from ipaddress import IPv4Network
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
    parts = ["### Top-level keys", "", header, *scalars, ""]
    for name, field in model.model_fields.items():
        sub = _model_of(field.annotation)
        if sub is None:
            continue
        parts += [f"### `platform:{name}`", "", (field.description or "").strip(), "", header,
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
