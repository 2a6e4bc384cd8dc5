"""Reference resolution: what a service's or a batch step's settings name, as the Inputs components take.

A service says `image: {repository: api, tag: v1}`, `secrets: {DB_PASSWORD: {secret: database, key:
password}}`, `connects_to: [database]`, `volumes: [{access_point: data}]`; the components want an
image URI, secret ARNs and the KMS keys their readers must be able to use, environment variables
with endpoints, and access point ids. `Resolver` holds the stack's data components (its own or the
data stack's) and makes that translation, so `__main__.py` only says which component gets what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components import (
    ImageSettings,
    LoadBalancerSpec,
    SecretEnv,
    SecretRefSettings,
    ServiceSpec,
    Volume,
    WorkloadRefs,
    _inject,
)
from components._runtime import Reach, Use
from components.composed_secrets import Composition, FromSecret, SecretSource
from components.queues import queue_uses
from stack_config import StackConfig

EFS_PORT = 2049
"""NFS."""


@dataclass
class Resolver:
    """The stack's components that references point into; any may be None when the stack has none
    (`pipeline` is set once it exists: its steps resolve their own references first)."""

    config: StackConfig
    database: Any = None
    secrets: Any = None
    cache: Any = None
    file_system: Any = None
    storage: Any = None
    registry: Any = None
    pipeline: Any = None
    account_id: Any = None
    """The stack's account (ARNs of pipeline executions a service follows)."""
    composed: Any = None
    """The ComposedSecrets holding injected values that contain a secret (set once it exists)."""
    queues: Any = None
    """The stack's Queues (platform:queues)."""
    external_buckets: Any = None
    """ExternalBuckets: buckets outside the stack (platform:external_buckets)."""

    def _secret(self, ref: SecretRefSettings) -> tuple[SecretEnv, pulumi.Input[str] | None]:
        """A secret reference as (env source, KMS key its readers must be able to use)."""
        if ref.secret == "database":
            return SecretEnv(arn=self.database.secret_arn, key=ref.key), self.database.kms_key_arn
        if ref.secret is not None:
            return SecretEnv(arn=self.secrets.arns[ref.secret], key=ref.key), self.secrets.kms_key_arn
        assert ref.arn is not None, "SecretRefSettings names a secret of the stack or an outside ARN"
        return SecretEnv(arn=ref.arn, key=ref.key), ref.kms_key_arn  # outside the stack: its key, if named

    def refs(self, image: ImageSettings, secrets: Mapping[str, SecretRefSettings]) -> dict[str, Any]:
        """The image reference, its ECR repository, and the secrets with the keys that decrypt them."""
        resolved = {var: self._secret(ref) for var, ref in secrets.items()}
        if image.repository is None:
            uri: pulumi.Input[str] = image.uri or ""
            repository_arn = None
        else:
            uri = pulumi.Output.concat(self.registry.repository_urls[image.repository], ":", image.tag or "")
            repository_arn = self.registry.repository_arns[image.repository]
        return dict(image=uri, repository_arn=repository_arn,
                    secrets={var: env for var, (env, _) in resolved.items()},
                    secret_kms_key_arns=[key for _, key in resolved.values() if key is not None])

    def jobs(self) -> dict[str, WorkloadRefs]:
        """Each pipeline step's resolved image and secrets, by step name."""
        assert self.config.pipeline is not None
        return {step.name: WorkloadRefs(**self.refs(step.image, step.secrets)) for step in self.config.pipeline.steps}

    # -- inject: the application's own names ---------------------------------------------------------------------
    def compositions(self) -> dict[str, Composition]:
        """Every injected value that holds a secret and more than that secret, by id `<service>-<VARIABLE>`."""
        found: dict[str, Composition] = {}
        for name, svc in sorted(self.config.services.items()):
            for var, template in sorted(svc.inject.items()):
                parts = _inject.parse(template)
                if _composed(parts):
                    found[f"{name}-{var}"] = self._composition(name, var, parts)
        return found

    def _composition(self, name: str, var: str, parts: list[_inject.Part]) -> Composition:
        url = _inject.is_url(parts)
        sources: list[SecretSource] = []
        index: dict[tuple[str, ...], int] = {}
        out: list[pulumi.Input[str] | FromSecret] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif part.secret:
                source, key = self._secret_source(part)
                which = ("database",) if part.root == "database" else part.parts[:2]
                if which not in index:
                    index[which] = len(sources)
                    sources.append(source)
                out.append(FromSecret(source=index[which], key=key))
            else:
                out.append(self._plain_part(name, part, url))
        return Composition(parts=out, sources=sources, url=url, description=f"{name} {var}",
                           key=f"services.{name}.inject.{var}")

    def _secret_source(self, ref: _inject.Ref) -> tuple[SecretSource, str | None]:
        """A secret reference as the source it is read from and the JSON key within it."""
        if ref.root == "database":
            return (SecretSource(arn=self.database.secret_arn, kms_key_arn=self.database.kms_key_arn),
                    _inject.FROM_DATABASE_SECRET[ref.parts[1]])
        key = ref.parts[1]
        return (SecretSource(arn=self.secrets.arns[key], kms_key_arn=self.secrets.kms_key_arn,
                             value=getattr(self.secrets, "values", {}).get(key)),
                ref.parts[2] if len(ref.parts) == 3 else None)

    def _plain_part(self, name: str, ref: _inject.Ref, url: bool) -> pulumi.Input[str]:
        """A non-secret reference's value as a template holds it: percent-encoded inside a URL."""
        value = self._plain(name, ref)
        return pulumi.Output.from_input(value).apply(_inject.encode_url_component) if url else value

    def _plain(self, name: str, ref: _inject.Ref) -> pulumi.Input[str]:
        """What a non-secret reference of service `name` stands for (stack_config checked it is there)."""
        config, field = self.config, ref.parts[-1]
        if ref.root == "database":
            db = self.database
            return {"host": db.endpoint, "reader_host": db.reader_endpoint, "port": db.port.apply(str),
                    "name": db.db_name}[field]
        if ref.root == "cache":
            cache = self.cache
            port = cache.port.apply(str)
            # In-transit encryption is always on (components/cache.py): clients speak TLS, rediss://.
            return {"host": cache.primary_endpoint, "port": port,
                    "url": pulumi.Output.concat("rediss://", cache.primary_endpoint, ":", port)}[field]
        if ref.root == "pipeline":
            return getattr(self.pipeline, f"{field}_name" if field.endswith("_bucket") else field)
        if ref.root == "buckets":
            if field == "host":
                return pulumi.Output.from_input(self.config.bucket_host(ref.parts[1]))
            owner = self._bucket_owner(ref.parts[1])
            return (owner.bucket_names if field == "name" else owner.bucket_arns)[ref.parts[1]]
        if ref.root == "queues":
            return {"url": self.queues.urls, "arn": self.queues.arns, "name": self.queues.names}[field][ref.parts[1]]
        if ref.root == "volumes":
            return next(v.path for v in config.services[name].volumes if v.access_point == ref.parts[1])
        if ref.root == "services":
            peer = ref.parts[1]
            host, port = config.discovery_name_of(peer) or peer, str(config.services[peer].port)
            return {"host": host, "port": port, "url": f"http://{host}:{port}"}[field]
        if ref.root == "domain":
            assert config.domain is not None
            return config.domain.name
        if ref.root == "edge":
            assert config.edge is not None and config.domain is not None
            label = config.edge.hostnames[0]
            return f"https://{label + '.' if label else ''}{config.domain.name}"
        assert ref.root == "stack", ref
        return {"region": config.region, "env": config.env}[field]

    def injected(self, name: str) -> tuple[dict[str, pulumi.Input[str]], dict[str, SecretEnv], list[pulumi.Input[str]]]:
        """Service `name`'s `inject` as (plain variables, variables from Secrets Manager, the keys those need)."""
        plain: dict[str, pulumi.Input[str]] = {}
        secret: dict[str, SecretEnv] = {}
        keys: list[pulumi.Input[str]] = []
        for var, template in sorted(self.config.services[name].inject.items()):
            parts = _inject.parse(template)
            if _composed(parts):
                ident = f"{name}-{var}"
                secret[var] = SecretEnv(arn=self.composed.arns[ident])
                keys += [self.composed.kms_key_arns[ident]] if ident in self.composed.kms_key_arns else []
            elif len(parts) == 1 and isinstance(parts[0], _inject.Ref) and parts[0].secret:
                source, key = self._secret_source(parts[0])
                secret[var] = SecretEnv(arn=source.arn, key=key)
                keys += [source.kms_key_arn] if source.kms_key_arn is not None else []
            else:
                url = _inject.is_url(parts)
                plain[var] = pulumi.Output.concat(*[p if isinstance(p, str) else self._plain_part(name, p, url)
                                                    for p in parts])
        return plain, secret, keys

    def service(self, name: str) -> ServiceSpec:
        """Service `name` with its references resolved and the endpoints of what it connects to."""
        svc = self.config.services[name]
        env: dict[str, pulumi.Input[str]] = {}
        if "database" in svc.connects_to and self.database is not None:
            env.update(DATABASE_HOST=self.database.endpoint, DATABASE_PORT=self.database.port.apply(str),
                       DATABASE_NAME=self.database.db_name)
        if "cache" in svc.connects_to and self.cache is not None:
            env.update(CACHE_HOST=self.cache.primary_endpoint, CACHE_PORT=self.cache.port.apply(str))
        if svc.pipeline and self.pipeline is not None:
            env.update(PIPELINE_UPLOADS_BUCKET=self.pipeline.uploads_bucket_name,
                       PIPELINE_RESULTS_BUCKET=self.pipeline.results_bucket_name,
                       PIPELINE_STATE_MACHINE_ARN=self.pipeline.state_machine_arn)
        env.update({f"BUCKET_{_env_name(b)}": self._bucket_owner(b).bucket_names[b] for b in svc.buckets
                    if self._bucket_owner(b) is not None})
        if self.queues is not None:
            env.update({f"QUEUE_{_env_name(q)}_URL": self.queues.urls[q] for q in svc.queues})
        fs = self.file_system
        volumes = [Volume(name=v.access_point, file_system_id=fs.file_system_id, file_system_arn=fs.file_system_arn,
                          access_point_id=fs.access_point_ids[v.access_point],
                          access_point_arn=fs.access_point_arns[v.access_point], path=v.path, read_only=v.read_only)
                   for v in svc.volumes] if fs is not None else []
        refs = self.refs(svc.image, svc.secrets)
        plain, secret, keys = self.injected(name)
        env.update(plain)
        refs["secrets"] = {**refs["secrets"], **secret}
        refs["secret_kms_key_arns"] = [*refs["secret_kms_key_arns"], *keys]
        backlog = svc.backlog_queue
        return ServiceSpec(settings=svc, environment=env, volumes=volumes, **refs,
                           backlog_queue_name=self.queues.names[backlog] if backlog is not None else None,
                           discovery_name=self.config.discovery_name_of(name), allow_from=self.config.peers_of(name),
                           uses=self.uses(name), reaches=self.reaches(name))

    # -- what the service will do at run time: stated by its settings, proven by the run-time stage ------------
    def uses(self, name: str) -> list[Use]:
        """The AWS calls service `name` makes because of its `pipeline`, `queues` and `buckets` settings."""
        svc, at = self.config.services[name], f"services.{name}"
        uses: list[Use] = []
        p = self.pipeline
        if svc.pipeline and p is not None:
            key, region = f"{at}.pipeline", self.config.region
            if "start" in svc.pipeline:
                run = pulumi.Output.concat(f"arn:aws:states:{region}:", self.account_id, ":execution:",
                                           p.state_machine_name, ":run-1")
                uses += [Use(actions=["states:StartExecution"], resources=[p.state_machine_arn], key=key,
                             why="start a pipeline run"),
                         Use(actions=["states:DescribeExecution", "states:StopExecution"], resources=[run], key=key,
                             why="follow (and stop) the runs it started")]
            if "submit" in svc.pipeline:
                uses.append(Use(actions=["batch:SubmitJob"], key=key, why="submit a pipeline job",
                                resources=[*p.job_queue_arns.values(), *p.job_definition_arns.values()]))
            for right, arn, actions in (("read_uploads", p.uploads_bucket_arn, ["s3:GetObject"]),
                                        ("write_uploads", p.uploads_bucket_arn, ["s3:PutObject", "s3:AbortMultipartUpload"]),
                                        ("read_results", p.results_bucket_arn, ["s3:GetObject"])):
                if right in svc.pipeline:
                    uses += _object_uses(arn, actions, p.kms_key_arn, region, key, right.replace("_", " "))
        if svc.queues and self.queues is not None:
            uses += queue_uses(self.queues.arns, svc.queues, f"{at}.queues")
        for bucket, mode in sorted(svc.buckets.items()):
            owner = self._bucket_owner(bucket)
            if owner is not None:
                actions = ["s3:GetObject"] + (["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
                                              if mode == "read_write" else [])
                key = owner.kms_key_arn(bucket) if owner is self.external_buckets else owner.kms_key_arn
                uses += _object_uses(owner.bucket_arns[bucket], actions, key, self.config.region,
                                     f"{at}.buckets.{bucket}", f"{mode.replace('_', '/')} {bucket}")
        return uses

    def _bucket_owner(self, bucket: str) -> Any:
        """Who holds bucket `bucket`: ExternalBuckets for an external one, else the stack's (or data stack's) storage."""
        if bucket in self.config.external_buckets:
            return self.external_buckets
        return self.storage

    def reaches(self, name: str) -> list[Reach]:
        """The data stores service `name` connects to because of its `connects_to` and `volumes`."""
        svc, at = self.config.services[name], f"services.{name}"
        reaches: list[Reach] = []
        for store, owner in (("database", self.database), ("cache", self.cache)):
            if store in svc.connects_to and owner is not None:
                reaches.append(Reach(target=owner.security_group_id, port=owner.port, key=f"{at}.connects_to",
                                     why=f"connect to the {store}"))
        if svc.volumes and self.file_system is not None:
            reaches.append(Reach(target=self.file_system.security_group_id, port=EFS_PORT, key=f"{at}.volumes",
                                 why="mount the file system (NFS)"))
        return reaches


def _env_name(key: str) -> str:
    """A resource key as part of an environment variable name (`media-files` -> `MEDIA_FILES`)."""
    return key.upper().replace("-", "_")


def _composed(parts: list[_inject.Part]) -> bool:
    """Whether an injected value holds a secret and more: then it is composed into a secret of its own."""
    return len(parts) > 1 and any(isinstance(p, _inject.Ref) and p.secret for p in parts)


def _object_uses(bucket_arn: pulumi.Input[str], actions: list[str], key_arn: pulumi.Input[str] | None, region: str,
                 key: str, what: str) -> list[Use]:
    """Reading or writing a bucket's objects: the objects, listing the bucket (SDKs list before they read), and
    the bucket key through S3 (SSE-KMS: reads decrypt, writes generate a data key; SSE-S3 needs none)."""
    kms = ["kms:Decrypt"] + (["kms:GenerateDataKey"] if "s3:PutObject" in actions else [])
    uses = [Use(actions=actions, resources=[pulumi.Output.concat(bucket_arn, "/*")], key=key, why=what),
            Use(actions=["s3:ListBucket"], resources=[bucket_arn], key=key, why=f"{what} (list)")]
    if key_arn is not None:
        uses.append(Use(actions=kms, resources=[key_arn], key=key, why=f"{what} (SSE-KMS)",
                        context={"kms:ViaService": f"s3.{region}.amazonaws.com"}))
    return uses


def load_balancers(config: StackConfig, network: Any, certificate_arn: pulumi.Input[str] | None,
                   web_acl_arns: Mapping[str, pulumi.Input[str]]) -> dict[str, LoadBalancerSpec]:
    """Each load balancer in its tier's subnets with the stack's certificate and the web ACL it carries itself."""
    edge = config.edge
    return {key: LoadBalancerSpec(
        settings=lb, subnet_ids=network.subnet_ids("private" if lb.internal else "public"),
        certificate_arn=certificate_arn or "",  # stack_config guarantees a domain whenever there are load balancers
        # Behind CloudFront the load balancer admits only CloudFront, unless names point at it directly.
        cloudfront_only=bool(edge and edge.cloudfront and edge.load_balancer == key and not edge.direct_hostnames),
        deletion_protection=config.protect, web_acl_arn=web_acl_arns.get(key),
    ) for key, lb in config.load_balancers.items()}


def export(outputs: Mapping[str, tuple[Any, Sequence[str] | Mapping[str, str]]]) -> None:
    """Export each present component's outputs as `<prefix>_<name>` (names other stacks may rely on).

    `outputs` maps a prefix to (component or None, its attribute names, or export name -> attribute)."""
    for prefix, (component, names) in outputs.items():
        if component is None:
            continue
        pairs = names.items() if isinstance(names, Mapping) else ((n, n) for n in names)
        for name, attribute in pairs:
            pulumi.export(f"{prefix}_{name}", getattr(component, attribute))
