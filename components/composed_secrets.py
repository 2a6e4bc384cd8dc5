"""ComposedSecrets: values an application reads that contain a secret (a database URL with its password).

`services.<name>.inject` may compose text, plain values and secrets into one value, such as
`postgresql://{database.user}:{database.password}@{database.host}:5432/app`. Such a value is itself a
secret: it must never be plain environment or clear text in state, and it must follow the secrets it
contains, which RDS rotates every 7 days. This component keeps each composed value in a Secrets
Manager secret of its own, which services read like any other secret:

- at `pulumi up` the program composes the value from the secrets' current values (read through an
  invoke, or known to the program for generated secrets) and writes it as a Pulumi secret, so state
  holds it encrypted;
- afterwards, when a secret it contains gets a new current value (Secrets Manager's `Secret Label
  Updated` event, on every rotation and put), an EventBridge rule starts a state machine that reads
  the secrets and writes the recomposed value with JSONata, Step Functions' own expression language
  (`$encodeUrlComponent`, `$parse`: Step Functions Developer Guide, "Transforming data with JSONata",
  JSONata 2.0.6 without `$eval`; checked 2026-12-04). No Lambda, no code to maintain;
- the new value moves AWSCURRENT, which is itself a `Secret Label Updated` event: ContainerService
  redeploys the services that read it (Reloader on EKS), as for any rotated secret.

Both compositions percent-encode values inside a URL identically (`components._inject`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components._common import child_opts, distinct, physical_name, tags_for
from components._inject import encode_url_component
from components._runtime import Access, Trigger, published, secret_read_needs
from components._states import TARGET_RETRY, ComposeSecretMachine, logged_state_machine, machine_starter

__all__ = ["Composition", "ComposedSecrets", "ComposedSecretsArgs", "FromSecret", "SecretSource", "compose"]


@dataclass(frozen=True, kw_only=True)
class SecretSource:
    """A secret a composed value contains."""

    arn: pulumi.Input[str]
    """The secret's ARN."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Its customer-managed key (None: the AWS-managed key, which needs no grant)."""
    value: pulumi.Input[str] | None = None
    """Its value when the program knows it (generated secrets); None: read at deploy (RDS-managed secrets)."""


@dataclass(frozen=True, kw_only=True)
class FromSecret:
    """A piece of a composed value taken from one of its sources."""

    source: int
    """Index into `Composition.sources`."""
    key: str | None = None
    """JSON key within the secret; None: the whole value."""


@dataclass(frozen=True, kw_only=True)
class Composition:
    """One composed value: literal text, plain values and pieces of secrets, in order."""

    parts: Sequence[pulumi.Input[str] | FromSecret]
    """Text and plain values (already encoded where `url`), and secret pieces."""
    sources: Sequence[SecretSource]
    """The secrets the pieces are read from; the first one's key encrypts the composed secret."""
    url: bool = False
    """The value is a URL: secret pieces are percent-encoded as URL components."""
    description: str
    """What the value is, for the secret's description (`api DATABASE_URL`)."""
    key: str | None = None
    """The stack-file key it comes from (`services.api.inject.DATABASE_URL`)."""


def compose(parts: Sequence[str | FromSecret], raws: Sequence[str], url: bool) -> str:
    """The value of a composition given its sources' current values: what the state machine computes too."""
    out = []
    for part in parts:
        if not isinstance(part, FromSecret):
            out.append(part)
            continue
        raw = raws[part.source]
        value = raw if part.key is None else str(json.loads(raw)[part.key])
        out.append(encode_url_component(value) if url else value)
    return "".join(out)


def recipe(composition: Composition, target: pulumi.Input[str]) -> pulumi.Output[str]:
    """What the state machine is given to recompose `composition` into `target` (ARNs and plain text only)."""
    parts: list[Any] = [{"source": p.source, "encode": composition.url, **({"key": p.key} if p.key else {})}
                        if isinstance(p, FromSecret) else {"text": p} for p in composition.parts]
    return pulumi.Output.json_dumps({"target": target, "sources": [s.arn for s in composition.sources],
                                     "parts": parts})


@dataclass(frozen=True, kw_only=True)
class ComposedSecretsArgs:
    """Inputs for :class:`ComposedSecrets`: the compositions by id (`<service>-<variable>`), the stack's."""

    compositions: Mapping[str, Composition]
    """What to compose, by id (`<service>-<VARIABLE>`, part of the secret's name)."""
    account_id: pulumi.Input[str]
    """The account (the machine's and the trigger's trust conditions)."""
    region: str
    """The stack's region (keys are used only through Secrets Manager there)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        for ident, composition in self.compositions.items():
            if not composition.sources:
                raise ValueError(f"ComposedSecretsArgs: {ident} contains no secret; inject it as plain environment")
            for part in composition.parts:
                if isinstance(part, FromSecret) and not 0 <= part.source < len(composition.sources):
                    raise ValueError(f"ComposedSecretsArgs: {ident} reads source {part.source}, which it does not list")


class ComposedSecrets(pulumi.ComponentResource):
    """Secrets Manager secrets holding composed values, kept current by a JSONata state machine."""

    arns: dict[str, pulumi.Output[str]]
    """The composed secret by id."""
    kms_key_arns: dict[str, pulumi.Input[str]]
    """The key each composed secret is encrypted with (its first source's), by id; readers need kms:Decrypt."""
    read_arns: list[pulumi.Input[str]]
    """Secrets `pulumi up` (and preview) reads to compose: the deploy and preview roles need their values."""
    read_kms_key_arns: list[pulumi.Input[str]]
    """Their keys."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What the machine and its trigger do at run time."""

    def __init__(self, name: str, args: ComposedSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:ComposedSecrets", name, None, opts)
        self.arns, self.kms_key_arns, self.read_arns, self.read_kms_key_arns = {}, {}, [], []
        for ident, composition in sorted(args.compositions.items()):
            key = composition.sources[0].kms_key_arn
            secret = aws.secretsmanager.Secret(
                f"{name}-{ident}", name=f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}/{ident}",
                description=f"{composition.description}: composed by the platform; recomposed when a secret in it changes",
                kms_key_id=key,
                # Derived from other secrets and rewritten on every deploy: nothing to recover.
                recovery_window_in_days=0, tags=tags_for(args.tags, name, ident), opts=child_opts(self))
            aws.secretsmanager.SecretVersion(
                f"{name}-{ident}", secret_id=secret.id, secret_string=self._value(composition), opts=child_opts(self))
            self.arns[ident] = secret.arn
            if key is not None:
                self.kms_key_arns[ident] = key
            for source in composition.sources:
                if source.value is None:
                    self.read_arns.append(source.arn)
                    if source.kms_key_arn is not None:
                        self.read_kms_key_arns.append(source.kms_key_arn)
        self.runtime_needs = published(self._recompose(name, args) if args.compositions else [])
        self.register_outputs({"arns": self.arns, "kms_key_arns": self.kms_key_arns, "read_arns": self.read_arns,
                               "runtime_needs": self.runtime_needs})

    def _value(self, composition: Composition) -> pulumi.Output[str]:
        """The composed value from the sources' current values, as a Pulumi secret."""
        raws = [pulumi.Output.from_input(s.value) if s.value is not None else aws.secretsmanager.get_secret_version_output(
            secret_id=s.arn, opts=pulumi.InvokeOutputOptions(parent=self)).secret_string for s in composition.sources]
        plain = [p for p in composition.parts if not isinstance(p, FromSecret)]
        return pulumi.Output.secret(pulumi.Output.all(pulumi.Output.all(*raws), pulumi.Output.all(*plain)).apply(
            lambda resolved: compose(_with_plain(composition.parts, resolved[1]), resolved[0], composition.url)))

    def _recompose(self, name: str, args: ComposedSecretsArgs) -> list[Any]:
        """The machine that recomposes a value, and per value the rule starting it when one of its secrets changes."""
        compositions = sorted(args.compositions.items())
        sources = [s for _, c in compositions for s in c.sources]
        targets = [self.arns[ident] for ident, _ in compositions]
        target_keys = list(self.kms_key_arns.values())
        via = {"StringEquals": {"kms:ViaService": f"secretsmanager.{args.region}.amazonaws.com"}}
        statements: list[dict[str, Any]] = [
            {"Sid": "ReadSources", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": distinct([s.arn for s in sources])},
            {"Sid": "WriteComposed", "Effect": "Allow", "Action": "secretsmanager:PutSecretValue", "Resource": targets},
        ]
        source_keys = [s.kms_key_arn for s in sources if s.kms_key_arn is not None]
        if source_keys:
            statements.append({"Sid": "DecryptSources", "Effect": "Allow", "Action": "kms:Decrypt",
                               "Resource": distinct(source_keys), "Condition": via})
        if target_keys:
            # A new secret value takes a data key, and Secrets Manager decrypts it again (Secrets Manager User Guide,
            # "Secret encryption and decryption": GenerateDataKey and Decrypt; checked 2026-12-04).
            statements.append({"Sid": "EncryptComposed", "Effect": "Allow",
                               "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": distinct(target_keys),
                               "Condition": via})
        built = logged_state_machine(
            self, f"{name}-recompose", definition=ComposeSecretMachine(comment=f"{name}: recompose a secret value"),
            account_id=args.account_id, description=f"{name}: recompose values whose secrets changed",
            names=("log", "role", "machine"), log_group_name=f"/aws/vendedlogs/states/{physical_name(name, 180)}-recompose",
            # ERROR only: at ALL every state's input and output (the secrets' values) would be logged; failure events
            # carry an error and its cause, not the values.
            log_level="ERROR", retention_days=30, tags=args.tags, statements=statements)
        trigger, starting = machine_starter(
            self, f"{name}-recompose-trigger", machine_arn=built.machine.arn, account_id=args.account_id,
            description=f"{name}: EventBridge starts the recompose machine", workload=f"{name} recompose trigger",
            tags=tags_for(args.tags, name, "recompose-trigger"), key="services")
        needs: list[Any] = [*starting, *built.needs]
        for ident, composition in compositions:
            at = composition.key
            rule = aws.cloudwatch.EventRule(
                f"{name}-{ident}", description=f"{name}-{ident}: a secret it contains has a new value",
                event_pattern=pulumi.Output.json_dumps({
                    "source": ["aws.secretsmanager"], "detail-type": ["Secret Label Updated"],
                    "resources": distinct([s.arn for s in composition.sources]),
                    "detail": {"labelUpdated": ["AWSCURRENT"]}}),
                tags=tags_for(args.tags, name, ident), opts=child_opts(self))
            aws.cloudwatch.EventTarget(f"{name}-{ident}", rule=rule.name, arn=built.machine.arn, role_arn=trigger.arn,
                                       input=recipe(composition, self.arns[ident]), retry_policy=TARGET_RETRY,
                                       opts=child_opts(self))
            needs.append(Trigger(workload=f"{name}-{ident}", source="aws.secretsmanager",
                                 detail_type="Secret Label Updated", target=built.machine.arn, key=at,
                                 why="recompose the value when a secret in it rotates",
                                 resources=[s.arn for s in composition.sources], input={"target": self.arns[ident]}))
            who = f"{name} recompose machine ({ident})"
            needs += secret_read_needs(who, built.role.arn, [s.arn for s in composition.sources],
                                       [s.kms_key_arn for s in composition.sources if s.kms_key_arn is not None],
                                       args.region, at, "read the secrets the value contains")
            needs.append(Access(workload=who, principal=built.role.arn, actions=["secretsmanager:PutSecretValue"],
                                resources=[self.arns[ident]], key=at, why="write the recomposed value"))
            if ident in self.kms_key_arns:
                needs.append(Access(workload=who, principal=built.role.arn,
                                    actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.kms_key_arns[ident]],
                                    key=at, why="encrypt the recomposed value",
                                    context={"kms:ViaService": f"secretsmanager.{args.region}.amazonaws.com"}))
        return needs


def _with_plain(parts: Sequence[Any], plain: Sequence[str]) -> list[str | FromSecret]:
    """`parts` with each plain Input replaced by its resolved value, in order."""
    values = iter(plain)
    return [p if isinstance(p, FromSecret) else next(values) for p in parts]
