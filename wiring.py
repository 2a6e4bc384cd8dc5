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

from components import ImageSettings, LoadBalancerSpec, SecretEnv, SecretRefSettings, ServiceSpec, Volume, WorkloadRefs
from stack_config import StackConfig


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

    def _secret(self, ref: SecretRefSettings) -> tuple[SecretEnv, pulumi.Input[str] | None]:
        """A secret reference as (env source, KMS key its readers must be able to use)."""
        if ref.secret == "database":
            return SecretEnv(arn=self.database.secret_arn, key=ref.key), self.database.kms_key_arn
        if ref.secret is not None:
            return SecretEnv(arn=self.secrets.arns[ref.secret], key=ref.key), self.secrets.kms_key_arn
        return SecretEnv(arn=ref.arn, key=ref.key), None  # outside the stack: the AWS-managed key

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
        if self.storage is not None:
            env.update({f"BUCKET_{b.upper().replace('-', '_')}": self.storage.bucket_names[b] for b in svc.buckets})
        fs = self.file_system
        volumes = [Volume(name=v.access_point, file_system_id=fs.file_system_id, file_system_arn=fs.file_system_arn,
                          access_point_id=fs.access_point_ids[v.access_point],
                          access_point_arn=fs.access_point_arns[v.access_point], path=v.path, read_only=v.read_only)
                   for v in svc.volumes] if fs is not None else []
        return ServiceSpec(settings=svc, environment=env, volumes=volumes, **self.refs(svc.image, svc.secrets),
                           discovery_name=self.config.discovery_name_of(name), allow_from=self.config.peers_of(name))


def load_balancers(config: StackConfig, network: Any, certificate_arn: pulumi.Input[str] | None,
                   ) -> dict[str, LoadBalancerSpec]:
    """Each load balancer in its tier's subnets with the stack's certificate."""
    edge = config.edge
    return {key: LoadBalancerSpec(
        settings=lb, subnet_ids=network.subnet_ids("private" if lb.internal else "public"),
        certificate_arn=certificate_arn or "",  # stack_config guarantees a domain whenever there are load balancers
        # Behind CloudFront the load balancer admits only CloudFront, unless names point at it directly.
        cloudfront_only=bool(edge and edge.cloudfront and edge.load_balancer == key and not edge.direct_hostnames),
        deletion_protection=config.protect,
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
