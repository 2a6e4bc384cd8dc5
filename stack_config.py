"""The typed stack config: the only reader of `pulumi.Config`.

Every value a stack can set lives in `Pulumi.<stack>.yaml` under the project namespace, one object
per component (`platform:network`, `platform:database`, ...), plus the scalars `env` and `tags`.
Each section's schema, defaults, docs and rules live with its component (`NetworkSettings` in
`components/network.py`, ...); this module composes them, adds the stack-level keys and the rules
that span sections (references between sections, layers, environment invariants), and validates
all of it once, before any resource is declared. Unknown keys (typos), wrong types, out-of-range
values, impossible combinations and prod's durability rules fail with one `ConfigError` whose
message names each key path, what was expected, what was given and how to fix it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
import regex
from pydantic import ValidationError, ValidationInfo, field_validator, model_validator

from components import _inject, aws_data
from components._alb import LoadBalancerSettings
from components._service import ServiceSettings
from components._settings import ResourceName, SecretKey, Settings, Tier, matching
from components.backup import BackupSettings
from components.batch_pipeline import PipelineSettings
from components.cache import CacheSettings
from components.cluster import ClusterSettings, lacks_pod_security_groups
from components.data_layer import DataStackSettings
from components.database import DatabaseSettings
from components.domain import DomainSettings, certificate_names
from components.edge import EdgeSettings
from components.external_buckets import ExternalBucketSettings
from components.file_system import FileSystemSettings
from components.firewall import WafSettings
from components.github_deploy import GithubSettings
from components.monitoring import AlarmsSettings
from components.network import NetworkSettings
from components.queues import QueueSettings
from components.registry import RegistrySettings
from components.secrets import SecretSettings
from components.storage import AppBucketSettings
from config_errors import ConfigError, format_errors
from stack_settings import AcknowledgedReplacementConfig, CostConfig, PolicyWaiverConfig

# --------------------------------------------------------------------------------------------
# The whole stack
# --------------------------------------------------------------------------------------------

def _nearby(size: str, offered: frozenset[str]) -> list[str]:
    """What to suggest for an instance class or node type AWS does not offer: the offered sizes of its
    family (`db.t4g.` for `db.t4g.mediun`), else the first few offered."""
    family = size.rsplit(".", 1)[0]
    return sorted(o for o in offered if o.startswith(f"{family}.")) or sorted(offered)[:6]


Region = Annotated[str, matching(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", "an AWS region such as us-east-1")]

_TAG_TEXT = regex.compile(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
"""Characters AWS allows in tags across services (Tagging AWS Resources User Guide; the CloudFormation
schemas of Logs, ECR, EFS and EKS, among others, enforce exactly this pattern)."""

REQUIRED_TAGS = ("owner", "cost-center")
"""Tag keys every stack must set in `platform:tags` (cost allocation and ownership)."""


Layer = Literal["all", "data", "app"]
DATA_SECTIONS = ("network", "database", "cache", "file_system", "secrets", "buckets")
"""Sections that belong to the data layer: long-lived, stateful, deployed rarely."""
APP_SECTIONS = ("registry", "cluster", "load_balancers", "services", "domain", "edge", "pipeline", "github", "queues")
"""Sections that belong to the app layer: redeployed with every release."""


class StackConfig(Settings):
    """Everything one stack sets, validated. Built by `load()` (the program) or `from_mapping()`."""

    env: Literal["dev", "staging", "prod"]
    """Deployment environment; prod turns on the durability invariants."""
    region: Region
    """AWS region (`aws:region`)."""
    tags: dict[str, str]
    """Tags for every taggable resource (on top of `aws:defaultTags`); must include owner and cost-center."""
    protect_stateful: bool = False
    """Also give stateful resources Pulumi `protect` + `retainOnDelete` outside prod (prod always has them)."""
    layer: Layer = "all"
    """What this stack deploys: `all`, `data` (network, database, cache, file system, secrets, buckets) or `app` (the rest, reading `data_stack`)."""
    data_stack: DataStackSettings | None = None
    """`platform:data_stack`: for `layer: app`, the data stack it builds on."""
    network: NetworkSettings | None = None
    """`platform:network`: the VPC (new or adopted); required unless `layer: app`."""
    database: DatabaseSettings | None = None
    """`platform:database`: PostgreSQL or MySQL (RDS or Aurora); leave out for no database."""
    cache: CacheSettings | None = None
    """`platform:cache`: Redis OSS, Valkey or Memcached; leave out for no cache."""
    secrets: dict[SecretKey, SecretSettings] = {}
    """`platform:secrets`: application secrets in Secrets Manager, by key."""
    file_system: FileSystemSettings | None = None
    """`platform:file_system`: EFS for task volumes; leave out for none."""
    registry: RegistrySettings | None = None
    """`platform:registry`: ECR repositories for our images."""
    cluster: ClusterSettings = ClusterSettings()
    """`platform:cluster`: the container runtime."""
    load_balancers: dict[ResourceName, LoadBalancerSettings] = {}
    """`platform:load_balancers`: application load balancers by name (one shared, or one per service)."""
    services: dict[ResourceName, ServiceSettings] = {}
    """`platform:services`: container services by name."""
    domain: DomainSettings | None = None
    """`platform:domain`: hosted zone and certificate (required with load balancers)."""
    edge: EdgeSettings | None = None
    """`platform:edge`: CloudFront, WAF and DNS records."""
    buckets: dict[ResourceName, AppBucketSettings] = {}
    """`platform:buckets`: the application's own buckets (media, user files) by name."""
    external_buckets: dict[ResourceName, ExternalBucketSettings] = {}
    """`platform:external_buckets`: buckets outside the stack, by the name services use (`buckets: {archive: read}`)."""
    queues: dict[ResourceName, QueueSettings] = {}
    """`platform:queues`: SQS queues (each with a dead-letter queue) that feed workers, by name."""
    pipeline: PipelineSettings | None = None
    """`platform:pipeline`: the S3 + Step Functions + AWS Batch pipeline."""
    backup: BackupSettings | None = None
    """`platform:backup`: AWS Backup plan."""
    github: GithubSettings | None = None
    """`platform:github`: GitHub Actions OIDC deploy roles."""
    alarms: AlarmsSettings | None = None
    """`platform:alarms`: alarm topic, alarms, dashboard, budget."""
    cost: CostConfig = CostConfig()
    """`platform:cost`: usage assumptions of the cost estimate (not deployed)."""
    policy_waivers: list[PolicyWaiverConfig] = []
    """`platform:policy_waivers`: resource-level exceptions to policy rules, each with a reason, an owner and an expiry."""
    acknowledged_replacements: list[AcknowledgedReplacementConfig] = []
    """`platform:acknowledged_replacements`: stateful resources a change may replace or delete (`./run diff`)."""

    @field_validator("tags")
    @classmethod
    def _required_tags(cls, value: dict[str, str]) -> dict[str, str]:
        problems = []
        missing = [k for k in REQUIRED_TAGS if not value.get(k)]
        if missing:
            problems.append(f"missing required tag(s) {', '.join(missing)}; add them under platform:tags")
        # Tagging AWS Resources User Guide, tag naming limits (checked 2026-11-30): the aws: prefix is
        # reserved; keys are 1-128 characters and values up to 256.
        for key, tag in value.items():
            if key.lower().startswith("aws:"):
                problems.append(f"tag key {key!r} starts with aws:, which AWS reserves; rename it")
            if not 1 <= len(key) <= 128 or len(str(tag)) > 256:
                problems.append(f"tag {key!r}: keys are 1-128 characters and values at most 256")
            for text in (key, str(tag)):
                if not _TAG_TEXT.fullmatch(text):
                    problems.append(f"tag {key!r}: {text!r} has characters many services refuse; use letters, "
                                    "digits, spaces and _ . : / = + - @")
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in aws_data.regions():
            close = difflib.get_close_matches(value, list(aws_data.regions()), n=1)
            raise ValueError(f"{value!r} is not an AWS region" + (f"; did you mean {close[0]!r}?" if close else ""))
        return value

    @model_validator(mode="after")
    def _cross_section_rules(self, info: ValidationInfo) -> StackConfig:
        problems = self._layer_rules()
        stack = (info.context or {}).get("stack")
        if stack in ("dev", "staging", "prod") and stack != self.env:
            # A stack named like an environment is that environment (workflows and reviewers read it so).
            problems.append(f"@env: stack {stack!r} must set env: {stack}; got {self.env!r}")
        if problems:
            return self._fail(problems)  # the other rules assume each section sits in its layer
        net = self.network
        letters = aws_data.availability_zone_letters(self.region)
        for az in (net.availability_zones if net else None) or []:
            if not az.startswith(self.region):  # AzName's grammar holds one letter after the region
                problems.append(f"@network.availability_zones: {az} is not in region {self.region}"
                                + (f"; its zones are {self.region}{letters[0]} to {self.region}{letters[-1]}"
                                   if letters else ""))
            elif letters and az[-1] not in letters:
                problems.append(f"@network.availability_zones: {self.region} has no zone {az} (its zones are "
                                f"{self.region}{letters[0]} to {self.region}{letters[-1]}); pick one of those")
        for section, cfg in (("database", self.database), ("cache", self.cache)):
            if cfg is not None and cfg.subnet_tier not in self.subnet_tiers():
                problems.append(f"@{section}.subnet_tier: the network has no {cfg.subnet_tier} subnets "
                                f"(tiers: {', '.join(self.subnet_tiers())}); pick one of those")
        problems.extend(self._service_rules())
        problems.extend(self._runtime_rules())
        problems.extend(self._edge_rules())
        problems.extend(self._region_rules())
        if self.env == "prod":
            problems.extend(self._prod_rules())
        return self._fail(problems)

    def _fail(self, problems: list[str]) -> StackConfig:
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _layer_rules(self) -> list[str]:
        problems: list[str] = []
        if self.layer != "app":
            if self.network is None:
                problems.append("@network: required key is missing; describe the VPC (cidr, or existing)")
            if self.data_stack is not None:
                problems.append("@data_stack: only an app-layer stack reads a data stack; set layer: app or remove it")
        if self.layer == "data":
            for section in APP_SECTIONS:
                if section in self.model_fields_set:
                    problems.append(f"@{section}: belongs to the app layer; move it to the app stack "
                                    "(layer: app) or set layer: all")
        if self.layer == "app":
            if self.data_stack is None:
                problems.append("@data_stack: required with layer: app; name the data stack, e.g. "
                                "{name: semiont-data, database: true}")
            for section in DATA_SECTIONS:
                if section in self.model_fields_set:
                    problems.append(f"@{section}: belongs to the data layer, which an app deploy never touches; "
                                    "move it to the data stack and list what services use under data_stack")
            if self.backup is not None:
                problems.append("@backup: backups protect the data layer's resources; configure them in the data stack")
        return problems

    # -- what the stack can reference: its own data sections, or those its data stack declares ----
    def subnet_tiers(self) -> tuple[Tier, ...]:
        """Subnet tiers of the network (this stack's, or the data stack's)."""
        if self.network is not None:
            return self.network.tiers()
        return self.data_stack.tiers if self.data_stack is not None else ()

    def has_store(self, store: str) -> bool:
        """Whether `database` or `cache` exists here or in the data stack."""
        if getattr(self, store) is not None:
            return True
        return bool(self.data_stack is not None and getattr(self.data_stack, store))

    def secret_keys(self) -> set[str]:
        """Keys of application secrets services may reference."""
        return set(self.secrets) | set(self.data_stack.secrets if self.data_stack else ())

    def access_point_names(self) -> set[str]:
        """Access points services may mount."""
        own = set(self.file_system.access_points) if self.file_system else set()
        return own | set(self.data_stack.access_points if self.data_stack else ())

    def bucket_names(self) -> set[str]:
        """Application buckets services may be granted: the stack's, its data stack's and external ones."""
        return set(self.buckets) | set(self.data_stack.buckets if self.data_stack else ()) | set(self.external_buckets)

    def _service_rules(self) -> list[str]:
        problems: list[str] = []
        repositories = set(self.registry.repositories) if self.registry else set()
        access_points = self.access_point_names()
        bucket_names = self.bucket_names()
        routes_by_lb: dict[str, list[tuple[str, int]]] = {}
        defaults_by_lb: dict[str, list[str]] = {}
        own_buckets = set(self.buckets) | set(self.data_stack.buckets if self.data_stack else ())
        for key in sorted(own_buckets & set(self.external_buckets)):
            problems.append(f"@external_buckets.{key}: the stack has a bucket of that name; give the external one "
                            "another name (services refer to both the same way)")
        for key in sorted(set(self.load_balancers) & set(self.services)):
            # Both get a security group named <component>-<key>: the names must differ.
            problems.append(f"@load_balancers.{key}: a service has the same name; rename the load balancer "
                            f"(e.g. {key}-lb) so their resources do not collide")
        for name, svc in self.services.items():
            at = f"services.{name}"
            problems.extend(self._inject_rules(name, svc))
            if svc.image.repository is not None and svc.image.repository not in repositories:
                problems.append(f"@{at}.image.repository: {svc.image.repository!r} is not in registry.repositories "
                                f"({', '.join(sorted(repositories)) or 'none'}); add it there or use image.uri")
            if svc.load_balancer is not None:
                if svc.load_balancer not in self.load_balancers:
                    problems.append(f"@{at}.load_balancer: no load balancer {svc.load_balancer!r} in platform:load_balancers "
                                    f"({', '.join(sorted(self.load_balancers)) or 'none'})")
                routes_by_lb.setdefault(svc.load_balancer, []).extend((name, r.priority) for r in svc.routes)
                if svc.default_route:
                    defaults_by_lb.setdefault(svc.load_balancer, []).append(name)
            for var, ref in svc.secrets.items():
                problems.extend(self._secret_ref_problems(f"{at}.secrets.{var}", ref))
            for i, volume in enumerate(svc.volumes):
                if volume.access_point not in access_points:
                    problems.append(f"@{at}.volumes[{i}].access_point: {volume.access_point!r} is not in "
                                    f"file_system.access_points ({', '.join(sorted(access_points)) or 'none'})")
            if svc.pipeline and self.pipeline is None:
                problems.append(f"@{at}.pipeline: needs platform:pipeline")
            for queue in svc.queues:
                if queue not in self.queues:
                    problems.append(f"@{at}.queues: {queue!r} is not in platform:queues "
                                    f"({', '.join(sorted(self.queues)) or 'none'})")
            for bucket in svc.buckets:
                if bucket not in bucket_names:
                    problems.append(f"@{at}.buckets: {bucket!r} is not in platform:buckets "
                                    f"({', '.join(sorted(bucket_names)) or 'none'})")
            for peer in svc.connects_to:
                if peer in ("database", "cache"):
                    if not self.has_store(peer):
                        problems.append(f"@{at}.connects_to: {peer!r} needs platform:{peer}")
                elif peer not in self.services or peer == name:
                    problems.append(f"@{at}.connects_to: {peer!r} is not database, cache or another service")
                elif not self.services[peer].ports():
                    problems.append(f"@{at}.connects_to: service {peer!r} exposes no port")
        published: dict[str, str] = {}
        for name in self.services:
            discovery = self.discovery_name_of(name)
            if discovery is not None and discovery in published:
                problems.append(f"@services.{name}.discovery_name: {discovery!r} is already the name of service "
                                f"{published[discovery]}; names peers resolve must be unique")
            if discovery is not None:
                published[discovery] = name
        for lb, routes in routes_by_lb.items():
            seen: dict[int, str] = {}
            for service, priority in routes:
                if priority in seen:
                    problems.append(f"@services.{service}.routes: priority {priority} on load balancer {lb!r} is already used "
                                    f"by {seen[priority]}; priorities must be unique per load balancer")
                seen[priority] = service
        for lb, owners in defaults_by_lb.items():
            if len(owners) > 1:
                problems.append(f"@services.{owners[1]}.default_route: load balancer {lb!r} already sends its default to {owners[0]}")
        for lb, lb_cfg in self.load_balancers.items():
            if lb not in routes_by_lb and lb not in defaults_by_lb:
                problems.append(f"@load_balancers.{lb}: no service uses it; remove it or point a service at it")
            tier = "public" if lb_cfg.scheme == "internet-facing" else "private"
            if tier not in self.subnet_tiers():
                problems.append(f"@load_balancers.{lb}.scheme: {lb_cfg.scheme} needs {tier} subnets; the network has {', '.join(self.subnet_tiers())}")
            if lb_cfg.ingress_cidrs and lb_cfg.scheme == "internet-facing":
                problems.append(f"@load_balancers.{lb}.ingress_cidrs: only for internal load balancers")
        if self.load_balancers and self.domain is None:
            problems.append("@domain: load balancers serve HTTPS and need platform:domain for their certificate")
        if self.cluster.task_subnets == "public":
            if "public" not in self.subnet_tiers():
                problems.append("@cluster.task_subnets: public tasks need public subnets; the network has none")
            if self.pipeline is not None and self.network is not None and self.network.egress == "none" and \
                    not self.network.interface_endpoints:
                problems.append("@network.egress: the pipeline's jobs run in private subnets and pull images and write "
                                "logs through NAT or interface endpoints; keep a NAT (egress: instance is the cheapest) "
                                "or add network.interface_endpoints")
        if self.pipeline is not None:
            for i, step in enumerate(self.pipeline.steps):
                at = f"pipeline.steps[{i}]"
                if step.image.repository is not None and step.image.repository not in repositories:
                    problems.append(f"@{at}.image.repository: {step.image.repository!r} is not in registry.repositories "
                                    f"({', '.join(sorted(repositories)) or 'none'}); add it there or use image.uri")
                for var, ref in step.secrets.items():
                    problems.extend(self._secret_ref_problems(f"{at}.secrets.{var}", ref))
            if "private" not in self.subnet_tiers():
                problems.append("@pipeline: jobs run in private subnets; the network has none")
            for bucket in sorted(self.pipeline.external_buckets):
                if bucket not in self.external_buckets:
                    problems.append(f"@pipeline.external_buckets.{bucket}: not in platform:external_buckets "
                                    f"({', '.join(sorted(self.external_buckets)) or 'none'}); name it there with its ARN")
        for name, svc in self.services.items():
            if svc.volumes and self.file_system is None and self.data_stack is None:
                problems.append(f"@services.{name}.volumes: needs platform:file_system")
        if self.backup is not None:
            needs = {"database": self.database, "file_system": self.file_system, "pipeline_buckets": self.pipeline,
                     "buckets": self.buckets or None}
            for item in self.backup.resources:
                if needs[item] is None:
                    problems.append(f"@backup.resources: {item!r} is selected but the stack has no {item.split('_')[0]}")
        net = self.network
        if self.file_system is not None and net is not None and net.existing is not None and not net.existing.subnet_ids.private:
            problems.append("@file_system: mount targets need explicit network.existing.subnet_ids.private (one per AZ)")
        return problems

    def _inject_rules(self, name: str, svc: ServiceSettings) -> list[str]:
        """Each reference in `services.<name>.inject` points at something the service has and may reach."""
        problems: list[str] = []
        generated = {k for k, s in self.secrets.items() if s.generate is not None}
        for var, template in sorted(svc.inject.items()):
            at = f"@services.{name}.inject.{var}"
            parts = _inject.parse(template)  # the service's own validator accepted it
            composed = len(parts) > 1
            for ref in (p for p in parts if isinstance(p, _inject.Ref)):
                missing = self._unreachable(name, svc, ref)
                if missing:
                    problems.append(f"{at}: {{{ref}}} {missing}")
                elif ref.root == "secrets" and len(ref.parts) == 3 and ref.parts[1] in generated:
                    problems.append(f"{at}: {{{ref}}}: a generated secret is one string without JSON keys; write "
                                    f"{{secrets.{ref.parts[1]}}}")
                elif composed and ref.root == "secrets" and ref.parts[1] not in generated:
                    problems.append(
                        f"{at}: {{{ref}}} is put by operators{' in the data stack' if ref.parts[1] not in self.secrets else ''}"
                        ", so the platform cannot compose it at deploy (it may not have a value yet); inject it alone "
                        "({secrets.<key>}) and compose in the application, or let the platform generate it (generate:)")
        return problems

    def _secret_ref_problems(self, at: str, ref: Any) -> list[str]:
        """What is wrong with a workload's `secrets.<VAR>` reference: a secret the stack lacks, a key it has not."""
        secret_keys = self.secret_keys()
        if ref.secret == "database":
            if not self.has_store("database"):
                return [f"@{at}.secret: `database` needs platform:database"]
            if ref.key not in (None, "username", "password"):
                return [f"@{at}.key: the database secret holds username and password; got {ref.key!r}"]
        elif ref.secret is not None and ref.secret not in secret_keys:
            return [f"@{at}.secret: {ref.secret!r} is not in platform:secrets ({', '.join(sorted(secret_keys)) or 'none'})"]
        elif ref.secret in self.secrets and self.secrets[ref.secret].generate is not None and ref.key is not None:
            return [f"@{at}.key: {ref.secret!r} is generated: one string without JSON keys; remove key"]
        return []

    def _unreachable(self, name: str, svc: ServiceSettings, ref: Any) -> str | None:
        """Why service `name` cannot use reference `ref`, or None."""
        root, named = ref.root, ref.parts[1]
        for store in ("database", "cache"):
            if root == store:
                if not self.has_store(store):
                    return f"needs platform:{store}"
                if store not in svc.connects_to:
                    return f"is of no use without a connection; add {store} to connects_to"
        if root == "cache" and ref.parts[-1] == "url" and self.cache is not None and self.cache.memcached:
            return "has no URL form: Memcached clients take a host and a port; write {cache.host}:{cache.port}"
        if root == "pipeline" and not svc.pipeline:
            return "needs rights on the pipeline; set pipeline (e.g. [start])"
        if root == "buckets" and ref.parts[-1] == "host":
            if self.edge is None or named not in self.edge.buckets:
                return f"names a bucket CloudFront does not serve; add {named} to edge.buckets"
            return None
        if root == "buckets" and named not in svc.buckets:
            return f"names a bucket the service has no rights on; add {named} to its buckets"
        if root == "volumes" and named not in [v.access_point for v in svc.volumes]:
            return "names an access point the service does not mount; add it to its volumes"
        if root == "services":
            peer = self.services.get(named)
            if peer is None or named not in svc.connects_to:
                return f"names a service it does not connect to; add {named} to connects_to"
            if peer.port is None:
                return f"{named} has no port to call"
        if root == "queues" and named not in svc.queues:
            return f"names a queue the service has no rights on; add {named} to its queues"
        if root == "secrets" and named not in self.secret_keys():
            return f"is not in platform:secrets ({', '.join(sorted(self.secret_keys())) or 'none'})"
        if root == "domain" and self.domain is None:
            return "needs platform:domain"
        if root == "edge" and self.edge is None:
            return "needs platform:edge"
        return None

    def _region_rules(self) -> list[str]:
        """What AWS offers in the stack's region (components/aws_data.py)."""
        problems: list[str] = []
        db = self.database
        if db is not None:
            classes = aws_data.rds_instance_classes(self.region, db.engine)
            if classes and db.instance_class not in classes:
                problems.append(f"@database.instance_class: {db.instance_class} is not orderable for {db.engine} in "
                                f"{self.region}; e.g. {', '.join(_nearby(db.instance_class, classes))}")
        cache = self.cache
        if cache is not None:
            types = aws_data.cache_node_types(self.region)
            if types and cache.node_type not in types:
                problems.append(f"@cache.node_type: {cache.node_type} is not offered in {self.region}; "
                                f"e.g. {', '.join(_nearby(cache.node_type, types))}")
        return problems

    def _runtime_rules(self) -> list[str]:
        if self.cluster.runtime != "eks":
            return []
        problems: list[str] = []
        eks = self.cluster.eks_settings
        if not eks.endpoint_public_access and self.network is not None and self.network.existing is None:
            problems.append("@cluster.eks.endpoint_public_access: `pulumi up` applies the Kubernetes objects through "
                            "the API endpoint, and a private one on a VPC this stack creates cannot be reached by the "
                            "first deploy; set it to true with public_access_cidrs (your deploy runner's egress; "
                            "private access stays on), or adopt a VPC your runner lives in (network.existing)")
        if eks.endpoint_public_access and self.github is not None and self.github.github_hosted:
            problems.append(f"@github.runner: the EKS API admits only {', '.join(map(str, eks.public_access_cidrs))}, "
                            f"but {', '.join(self.github.runner)} is a GitHub-hosted runner with no fixed address; "
                            "deploy from a self-hosted runner whose egress is listed (e.g. runner: [self-hosted, "
                            "platform-deploy])")
        arch = eks.node_group.architecture if eks.node_group is not None and not eks.fargate_namespaces else None
        for name, svc in self.services.items():
            at = f"services.{name}"
            if svc.volumes:
                problems.append(f"@{at}.volumes: EFS volumes are ECS-only; the EKS runtime has no EFS CSI driver")
            if svc.exec:
                problems.append(f"@{at}.exec: ECS Exec is ECS-only; on EKS use kubectl exec (RBAC)")
            if svc.schedule is not None:
                problems.append(f"@{at}.schedule: scheduled tasks run on ECS only; on EKS run the image as a Kubernetes "
                                "CronJob of your own (concurrencyPolicy: Forbid keeps runs from overlapping)")
            if svc.release_task is not None:
                problems.append(f"@{at}.release_task: release tasks run on ECS only; on EKS run the command as a "
                                "Kubernetes Job (or a Helm pre-upgrade hook) of your own")
            if "capacity" in svc.model_fields_set:
                problems.append(f"@{at}.capacity: Fargate capacity providers are ECS-only; use cluster.eks.node_group.capacity_type")
            if svc.scaling is not None and svc.scaling.backlog_per_task is not None:
                problems.append(f"@{at}.scaling.backlog_per_task: queue-backlog scaling is ECS-only here (the HPA reads "
                                "CPU and memory); on EKS install KEDA and scale with its aws-sqs-queue scaler")
            if arch is not None and svc.architecture != arch:
                problems.append(f"@{at}.architecture: the node group runs {arch}; got {svc.architecture}")
        needs_own_group = [n for n, s in self.services.items() if {"database", "cache"} & set(s.connects_to)]
        if needs_own_group and eks.node_group is not None and lacks_pod_security_groups(eks.node_group.instance_types):
            problems.append(f"@cluster.eks.node_group.instance_types: {', '.join(needs_own_group)} reach data stores through "
                            "security groups for pods, which burstable t* nodes cannot carry; use e.g. m7g.large")
        if self.edge is not None and self.edge.cloudfront:
            problems.append("@edge.cloudfront: the EKS runtime's load balancer belongs to its ingress; serve it without "
                            "CloudFront (cloudfront: false, regional WAF on the ingress)")
        return problems

    def _edge_rules(self) -> list[str]:
        problems: list[str] = []
        domain = self.domain
        problems.extend(self._load_balancer_name_rules())
        problems.extend(self._load_balancer_waf_rules())
        problems.extend(self._record_rules())
        edge = self.edge
        if edge is None:
            return problems
        if domain is None:
            problems.append("@domain: platform:edge needs platform:domain (zone and certificate)")
        lb = self.load_balancers.get(edge.load_balancer)
        if lb is None:
            problems.append(f"@edge.load_balancer: no load balancer {edge.load_balancer!r} in platform:load_balancers")
        elif edge.cloudfront and lb.scheme == "internal":
            problems.append(f"@edge.cloudfront: load balancer {edge.load_balancer!r} is internal and CloudFront reaches "
                            "only public origins here (no VPC origin); make it internet-facing or set cloudfront: false")
        if domain is not None and domain.private and edge.cloudfront:
            problems.append("@edge.cloudfront: a private domain is not reachable from CloudFront; set cloudfront: false")
        for role in sorted(edge.buckets):
            if role not in self.buckets:
                where = (f"the data stack's bucket policy is the data stack's to write; serve {role!r} from a stack "
                         "that owns it" if self.layer == "app" else f"platform:buckets has {', '.join(sorted(self.buckets)) or 'none'}")
                problems.append(f"@edge.buckets.{role}: not a bucket of this stack ({where})")
        if edge.bucket_hostnames and domain is not None and domain.private:
            problems.append("@edge.buckets: a private domain is not reachable from CloudFront; serve no bucket on it")
        return problems

    def load_balancer_waf(self, key: str) -> WafSettings | Literal["edge"] | None:
        """The web ACL load balancer `key` carries itself: its own rules, the stack's (`edge`: edge.waf in a
        regional ACL), or none (the edge's own load balancer, which the edge guards, or an internal one)."""
        lb = self.load_balancers[key]
        if self.edge is not None and self.edge.load_balancer == key:
            return None
        if lb.waf is not None:
            return lb.waf
        return "edge" if not lb.internal and self.edge is not None and self.edge.waf is not None else None

    def _load_balancer_waf_rules(self) -> list[str]:
        """Every internet-facing load balancer has a web ACL (policy alb-waf-or-cloudfront-only)."""
        problems: list[str] = []
        for key, lb in sorted(self.load_balancers.items()):
            at = f"@load_balancers.{key}.waf"
            if self.edge is not None and self.edge.load_balancer == key:
                if lb.waf is not None:
                    problems.append(f"{at}: the edge serves this load balancer and edge.waf guards it; remove this "
                                    "(change edge.waf instead)")
            elif not lb.internal and self.load_balancer_waf(key) is None:
                problems.append(f"{at}: an internet-facing load balancer needs a web ACL and the stack has no edge.waf "
                                "to share; give it rules, e.g. waf: {managed_rules: [common, known_bad_inputs]}, or add "
                                "edge.waf")
        return problems

    def _record_rules(self) -> list[str]:
        """Hand-written records do not collide with the names the platform points somewhere."""
        problems: list[str] = []
        if self.domain is None:
            return problems
        aliases = set(self.hostnames()) | ({"origin"} if self.edge is not None and self.edge.cloudfront else set())
        cnames = {"www"} if self.edge is not None and self.edge.www_cname else set()
        for i, record in enumerate(self.domain.records):
            at, where = f"@domain.records[{i}]", record.name or "(the name itself)"
            if record.name in cnames:
                problems.append(f"{at}: {where} is the edge's www CNAME (edge.www_cname), which must stand alone; "
                                "remove this record or the CNAME")
            elif record.name in aliases and (record.type in ("A", "AAAA") or record.type == "CNAME"):
                problems.append(f"{at}: {where} already points at the site or a load balancer (A/AAAA aliases the "
                                f"stack writes); a {record.type} there would replace them: use another name")
        return problems

    def _load_balancer_name_rules(self) -> list[str]:
        """Every HTTPS load balancer is reachable under a name its certificate covers, names are unique,
        and dual-stack ones sit in IPv6 subnets."""
        problems: list[str] = []
        served = self.edge.load_balancer if self.edge is not None else None
        taken: dict[str, str] = {}
        if self.edge is not None:
            for label in self.edge.labels():
                taken[label] = f"edge {label or '(apex)'}"
        for key, lb in sorted(self.load_balancers.items()):
            if lb.hostname is None and key != served:
                example = key.removesuffix("-lb")
                problems.append(f"@load_balancers.{key}.hostname: HTTPS works only under a name the certificate covers, "
                                f"and no DNS name points at this load balancer ({f'platform:edge serves {served!r}' if served else 'no platform:edge'}); "
                                f"give it one, e.g. hostname: {example}")
            if lb.hostname is not None:
                if lb.hostname in taken:
                    problems.append(f"@load_balancers.{key}.hostname: {lb.hostname!r} is already used by {taken[lb.hostname]}")
                taken[lb.hostname] = f"load balancer {key}"
            net = self.network
            if lb.ip_address_type == "dualstack" and net is not None and net.existing is None and not net.ipv6:
                problems.append(f"@load_balancers.{key}.ip_address_type: dualstack needs IPv6 on the public subnets; "
                                "set network.ipv6: true")
        return problems

    def _prod_rules(self) -> list[str]:
        problems = []
        if self.cluster.task_subnets == "public":
            problems.append("@cluster.task_subnets: prod tasks run in private subnets (no public IP on a workload); "
                            "set private, with NAT gateways per AZ or interface endpoints")
        net = self.network
        if net is not None and net.existing is None and net.egress not in ("per_az", "none"):
            problems.append(f"@network.egress: prod needs one NAT gateway per AZ (per_az) or no egress (none); got {net.egress!r}")
        db = self.database
        if db is not None:
            if not db.highly_available:
                key, fix = ("instances", "set database.instances: 2 or more") if db.facts.aurora else ("multi_az", "set database.multi_az: true")
                problems.append(f"@database.{key}: prod needs a database that survives an AZ loss; {fix}")
            if not db.deletion_protection:
                problems.append("@database.deletion_protection: prod needs deletion protection; set it to true")
            if not db.final_snapshot:
                problems.append("@database.final_snapshot: prod takes a final snapshot on deletion; set it to true")
            if db.backup_retention_days < 7:
                problems.append(f"@database.backup_retention_days: prod keeps backups at least 7 days; got {db.backup_retention_days}")
        if self.registry is not None and not self.registry.immutable_tags:
            problems.append("@registry.immutable_tags: prod images are immutable (a tag always means the same image); set true")
        cache = self.cache
        if cache is not None:
            if cache.nodes < 2:
                why = ("spread over two AZs, so one AZ lost loses only its share of the keys" if cache.memcached
                       else "for automatic failover")
                problems.append(f"@cache.nodes: prod needs 2+ nodes {why}; got {cache.nodes}")
            # Memcached keeps no snapshots (its settings refuse them): nothing to keep.
            if not cache.memcached and cache.snapshot_retention_days < 1:
                problems.append("@cache.snapshot_retention_days: prod keeps at least one daily snapshot; set 1 or more")
            if not cache.memcached and not cache.final_snapshot:
                problems.append("@cache.final_snapshot: prod takes a final snapshot on deletion; set it to true")
        return problems

    def hostnames(self) -> list[str]:
        """Labels under domain.name the stack points somewhere: the edge's, then the load balancers' own."""
        edge = self.edge.labels() if self.edge is not None else []
        return [*edge, *(lb.hostname for lb in self.load_balancers.values() if lb.hostname)]

    def bucket_host(self, role: str) -> str:
        """The name CloudFront serves bucket `role` under: its own hostname, else the site's (its paths)."""
        assert self.edge is not None and self.domain is not None and role in self.edge.buckets
        label = self.edge.buckets[role].hostname or (self.edge.hostnames[0] if self.edge.hostnames else "")
        return f"{label}.{self.domain.name}" if label else self.domain.name

    def certificate_names(self) -> list[str]:
        """Every name the stack's certificate must cover (`components.domain.certificate_names`)."""
        assert self.domain is not None
        return certificate_names(self.domain, self.hostnames())

    def peers_of(self, service: str) -> list[str]:
        """Services that list `service` in their connects_to (they may reach its ports)."""
        return sorted(n for n, s in self.services.items() if service in s.connects_to)

    def discovery_name_of(self, service: str) -> str | None:
        """The name `service` publishes to its peers: its discovery_name, else its own name when another
        service connects to it (a caller resolves only published names), else none."""
        return self.services[service].discovery_name or (service if self.peers_of(service) else None)

    @property
    def protect(self) -> bool:
        """Whether stateful resources get Pulumi `protect` and `retainOnDelete`."""
        return self.env == "prod" or self.protect_stateful

    def resource_tags(self) -> dict[str, str]:
        """The component-level tag layer every component receives."""
        return {"env": self.env, **self.tags}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

_STRING_KEYS = {"env", "layer"}
"""Top-level keys whose values are plain strings; every other value is JSON (objects, bools)."""


def from_mapping(raw: Mapping[str, Any], source: str = "stack config", stack: str | None = None) -> StackConfig:
    """Validate a mapping of top-level keys (no namespace) into a `StackConfig`, or raise ConfigError.

    `stack` (the stack's name) adds the rule that a stack named dev, staging or prod runs that env."""
    try:
        return StackConfig.model_validate(dict(raw), context={"stack": stack})
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, StackConfig, source)) from None


def _runtime_config() -> dict[str, str]:
    # pulumi.Config cannot list keys; the runtime's config map (and PULUMI_CONFIG, which the
    # language host uses) can, and listing them is what lets a misspelt top-level key fail.
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


READ_NAMESPACES = ("aws", "kubernetes", "pulumi")
"""Config namespaces something in this program reads besides the project's own: the AWS and Kubernetes providers'
settings and Pulumi's (`pulumi:tags`). Pulumi itself ignores keys of any other namespace, so a typo there
(`platfrom:backup`) would silently drop a whole section."""


def namespace_problems(keys: list[str], project: str) -> list[str]:
    """A line for each config key whose namespace nothing here reads, with the key it was probably meant as."""
    problems = []
    known = [project, *READ_NAMESPACES]
    for key in sorted(keys):
        namespace, _, name = key.partition(":")
        if namespace in known:
            continue
        close = difflib.get_close_matches(namespace, known, n=1, cutoff=0.6)
        if close:
            fix = f"did you mean {close[0]}:{name}?"
        elif re.fullmatch(r"[A-Za-z][\w.-]*", namespace):
            fix = (f"{namespace!r} would be another project's or provider's namespace; this project is {project!r} "
                   f"and reads only {', '.join(known)}")
        else:
            fix = f"namespaces here are {', '.join(known)}"
        problems.append(f"{key}: nothing reads the namespace {namespace!r} (Pulumi ignores such keys); {fix}")
    return problems


def default_tags_problems(value: str | None) -> list[str]:
    """What AWS or the provider would refuse in `aws:defaultTags` ({"tags": {key: value}}; keys may not start with
    aws:, which AWS reserves - Tagging AWS Resources User Guide, checked 2026-11-30)."""
    if value is None:
        return []
    try:
        doc = json.loads(value)
    except ValueError:
        return [f"aws:defaultTags: expected a mapping with one key, tags; got {value!r}"]
    tags = doc.get("tags") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or set(doc) != {"tags"} or not isinstance(tags, dict):
        return ["aws:defaultTags: expected `tags:` holding a mapping of tag keys to values, e.g. "
                "aws:defaultTags: {tags: {project: web, env: dev}}; a list or other keys are not read"]
    return [f"aws:defaultTags.tags.{k}: tag keys starting with aws: are AWS's own; rename it"
            for k in sorted(tags) if str(k).lower().startswith("aws:")]


def load() -> StackConfig:
    """Read and validate this stack's config; called once, first thing, by `__main__.py`."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    source = f"Pulumi.{stack}.yaml"
    config = _runtime_config()
    outside = namespace_problems([k for k in config if not k.startswith(f"{project}:")], project)
    outside += default_tags_problems(config.get("aws:defaultTags"))
    if outside:
        raise ConfigError(f"invalid stack config in {source}:\n" + "\n".join(f"  - {line}" for line in outside))
    prefix = f"{project}:"
    raw: dict[str, Any] = {}
    for key, value in ((k[len(prefix):], v) for k, v in config.items() if k.startswith(prefix)):
        if key in _STRING_KEYS:
            raw[key] = value
            continue
        try:
            raw[key] = json.loads(value)
        except (TypeError, ValueError):
            raw[key] = value  # a bare string: the model says whether that is acceptable
    if "region" in raw:
        raise ConfigError(f"invalid stack config in {source}:\n  - region: set the region as aws:region, not {project}:region")
    region = pulumi.Config("aws").get("region")
    if region is None:
        raise ConfigError(f"invalid stack config in {source}:\n  - aws:region: required key is missing; set e.g. aws:region: us-east-1")
    raw["region"] = region
    return from_mapping(raw, source, stack)


__all__ = ["ConfigError", "StackConfig", "format_errors", "from_mapping", "load"]
