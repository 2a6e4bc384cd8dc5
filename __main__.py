"""Platform program: wires the components for the selected stack.

Read top to bottom: config -> network -> data (secrets, database, cache, file system, buckets; or,
for `layer: app`, the data stack's through a StackReference) -> images -> domain, firewalls -> pipeline,
composed secrets -> CI roles -> containers (+ grants) -> edge -> backups -> monitoring -> exports. Every stack difference
lives in `Pulumi.<stack>.yaml`: each section is its component's settings model, taken whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

import stack_config
import wiring
from components import (
    Backup,
    BackupArgs,
    BatchPipeline,
    BatchPipelineArgs,
    Cache,
    CacheArgs,
    ComposedSecrets,
    ComposedSecretsArgs,
    ContainerService,
    ContainerServiceArgs,
    Database,
    DatabaseArgs,
    Domain,
    DomainArgs,
    Edge,
    EdgeArgs,
    FileSystem,
    FileSystemArgs,
    Firewall,
    FirewallArgs,
    GithubDeploy,
    GithubDeployArgs,
    Monitoring,
    MonitoringArgs,
    Network,
    NetworkArgs,
    Queues,
    QueuesArgs,
    Registry,
    RegistryArgs,
    Secrets,
    SecretsArgs,
    ServedBucket,
    Storage,
    StorageArgs,
)
from components.batch_pipeline import OutsideBucket
from components.data_layer import (
    DataLayer,
    DataLayerArgs,
    ImportedCache,
    ImportedDatabase,
    ImportedFileSystem,
    ImportedNetwork,
    ImportedSecrets,
    ImportedStorage,
)
from components.external_buckets import ExternalBuckets, ExternalBucketsArgs

if TYPE_CHECKING:  # imported where an EKS stack needs it (pulumi-eks and pulumi-kubernetes load slowly)
    from components.kubernetes_service import KubernetesService

config = stack_config.load()  # fails with one clear message before any resource is declared
tags, protect, region = config.resource_tags(), config.protect, config.region
account_id = aws.get_caller_identity_output().account_id

# -- network and data: this stack's own, or the data stack's (layer: app) -------------------------
own: dict[str, Any] = {}  # what this stack owns: backups, data alarms and data exports cover exactly these
network: Network | ImportedNetwork
secrets: Secrets | ImportedSecrets | None
database: Database | ImportedDatabase | None
cache: Cache | ImportedCache | None
file_system: FileSystem | ImportedFileSystem | None
storage: Storage | ImportedStorage | None
if config.data_stack is not None:
    data = DataLayer("data", DataLayerArgs(settings=config.data_stack, region=region, tags=tags))
    network, secrets, database, cache, file_system, storage = (
        data.network, data.secrets, data.database, data.cache, data.file_system, data.storage)
else:
    assert config.network is not None  # stack_config: required unless layer: app
    network = own["network"] = Network("network", NetworkArgs(settings=config.network, region=region, tags=tags))
    secrets = own["secrets"] = Secrets("secrets", SecretsArgs(
        settings=config.secrets, protect=protect, tags=tags)) if config.secrets else None
    database = own["db"] = Database("db", DatabaseArgs(
        settings=config.database, vpc_id=network.vpc_id, subnet_ids=network.subnet_ids(config.database.subnet_tier),
        protect=protect, tags=tags)) if config.database else None
    cache = own["cache"] = Cache("cache", CacheArgs(
        settings=config.cache, vpc_id=network.vpc_id, subnet_ids=network.subnet_ids(config.cache.subnet_tier),
        protect=protect, tags=tags)) if config.cache else None
    # Mount targets: one per AZ of a new VPC, else one per listed private subnet of the adopted one.
    adopted = config.network.existing
    file_system = own["files"] = FileSystem("files", FileSystemArgs(
        settings=config.file_system, vpc_id=network.vpc_id, protect=protect, tags=tags,
        subnets=network.subnets_by_az["private"] or {s: s for s in (adopted.subnet_ids.private if adopted else [])},
    )) if config.file_system else None
    storage = own["storage"] = Storage("storage", StorageArgs(
        settings=config.buckets, region=region, protect=protect, tags=tags,
        served=frozenset(config.edge.buckets if config.edge else ()))) if config.buckets else None

# -- images, domain, firewall --------------------------------------------------------------------
registry = Registry("registry", RegistryArgs(
    settings=config.registry, protect=protect, tags=tags)) if config.registry else None
edge_cfg = config.edge
cloudfront = bool(edge_cfg and edge_cfg.cloudfront)
domain = Domain("domain", DomainArgs(
    settings=config.domain, region=region, hostnames=config.hostnames(),
    cloudfront_certificate=bool(edge_cfg and edge_cfg.needs_cloudfront),
    private_vpc_id=network.vpc_id if config.domain.private else None, protect=protect, tags=tags,
)) if config.domain else None
waf = edge_cfg.waf if edge_cfg else None
firewall = Firewall("waf", FirewallArgs(
    settings=waf, scope="CLOUDFRONT" if cloudfront else "REGIONAL", region=region, tags=tags)) if waf else None
# Every internet-facing load balancer the edge does not serve carries a regional ACL: its own rules, or the stack's.
lb_wafs = {key: config.load_balancer_waf(key) for key in sorted(config.load_balancers)}
# Beside CloudFront, the stack's rules in a regional ACL for whatever reaches a load balancer directly (ws.).
direct_firewall = Firewall("waf-direct", FirewallArgs(settings=waf, scope="REGIONAL", region=region, tags=tags)
                           ) if waf and edge_cfg and cloudfront and (edge_cfg.direct_hostnames or "edge" in lb_wafs.values()) else None
# Without CloudFront in front of the site, a bucket on a hostname of its own still is: the stack's rules at CloudFront.
cdn_firewall = Firewall("waf-cdn", FirewallArgs(settings=waf, scope="CLOUDFRONT", region=region, tags=tags)
                        ) if waf and edge_cfg and not cloudfront and edge_cfg.bucket_hostnames else None
shared_acl = direct_firewall or firewall
lb_acls: dict[str, pulumi.Input[str]] = {}
for key, rules in lb_wafs.items():
    if rules == "edge":  # stack_config: "edge" only when the stack has WAF rules
        assert shared_acl is not None
        lb_acls[key] = shared_acl.web_acl_arn
    elif rules is not None:
        lb_acls[key] = Firewall(f"{key}-waf", FirewallArgs(settings=rules, scope="REGIONAL", region=region,
                                                            tags=tags)).web_acl_arn

# -- pipeline, and the values services inject that contain a secret ------------------------------------
resolver = wiring.Resolver(config, database=database, secrets=secrets, cache=cache, file_system=file_system,
                           storage=storage, registry=registry, account_id=account_id)
external = resolver.external_buckets = ExternalBuckets("external", ExternalBucketsArgs(
    settings=config.external_buckets, region=region)) if config.external_buckets else None
pipeline = resolver.pipeline = BatchPipeline("pipeline", BatchPipelineArgs(
    settings=config.pipeline, jobs=resolver.jobs(), vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids,
    region=region, account_id=account_id, protect=protect, tags=tags,
    outside_buckets={b: OutsideBucket(arn=external.bucket_arns[b], kms_key_arn=external.kms_key_arn(b))
                     for b in config.pipeline.external_buckets} if external else {},
)) if config.pipeline else None
queues = resolver.queues = Queues("queues", QueuesArgs(settings=config.queues, tags=tags)) if config.queues else None
compositions = resolver.compositions()
composed = resolver.composed = ComposedSecrets("composed", ComposedSecretsArgs(
    compositions=compositions, account_id=account_id, region=region, tags=tags)) if compositions else None

# -- CI access: the roles the workflows preview and deploy with (the EKS cluster admits them) ---------
# A preview refreshes the secret values the stack writes and composes values from the secrets they contain; it
# can decrypt the state holding them anyway, so reading them widens nothing.
state_secrets = [*(own["secrets"].value_arns if own.get("secrets") else []),
                 *(list(composed.arns.values()) + composed.read_arns if composed else [])]
state_keys = [*([own["secrets"].kms_key_arn] if own.get("secrets") and own["secrets"].value_arns else []),
              *(list(composed.kms_key_arns.values()) + composed.read_kms_key_arns if composed else [])]
github = GithubDeploy("github", GithubDeployArgs(
    settings=config.github, account_id=account_id, region=region, state_secret_arns=state_secrets,
    state_secret_kms_key_arns=state_keys, tags=tags,
)) if config.github else None

# -- containers -----------------------------------------------------------------------------------

containers: ContainerService | KubernetesService | None = None  # the service runtime: ECS or EKS
if config.services:
    services = {name: resolver.service(name) for name in config.services}
    load_balancers = wiring.load_balancers(config, network, domain.certificate_arn if domain else None, lb_acls)
    common: dict[str, Any] = dict(vpc_id=network.vpc_id, vpc_cidr=network.vpc_cidr, region=region, account_id=account_id,
                        services=services, load_balancers=load_balancers, settings=config.cluster,
                        protect=protect, tags=tags)
    if config.cluster.runtime == "ecs":
        public = config.cluster.task_subnets == "public"  # a lean dev without NAT (README: Dev without NAT)
        containers = ContainerService("app", ContainerServiceArgs(
            subnet_ids=network.public_subnet_ids if public else network.private_subnet_ids, public_ip=public, **common))
        peers = {name: containers.security_group_ids[name] for name in services}
    else:
        from components.kubernetes_service import KubernetesService, KubernetesServiceArgs  # noqa: F811

        # Services that reach data stores have pod security groups of their own.
        isolated = [n for n, s in config.services.items() if {"database", "cache"} & set(s.connects_to)]
        containers = KubernetesService("app", KubernetesServiceArgs(
            private_subnet_ids=network.private_subnet_ids, public_subnet_ids=network.public_subnet_ids,
            web_acl_arn=firewall.web_acl_arn if firewall else None, isolated_services=isolated,
            admin_role_arns=[github.deploy_role_arn] if github else [],
            viewer_role_arns=[github.preview_role_arn] if github else [], **common))
        peers = {name: containers.security_group_ids[name] for name in isolated}
    # Grants: each service reaches exactly what its connects_to, volumes, pipeline and buckets name.
    for name, svc in config.services.items():
        for owner, wanted in ((database, "database" in svc.connects_to), (cache, "cache" in svc.connects_to),
                              (file_system, bool(svc.volumes))):
            if wanted and owner is not None and name in peers:
                owner.allow_from(name, peers[name])
        if svc.pipeline and pipeline is not None:
            pipeline.grant(name, containers.task_role_names[name], svc.pipeline)
        own_buckets = {b: mode for b, mode in svc.buckets.items() if b not in config.external_buckets}
        if own_buckets and storage is not None:
            storage.grant(name, containers.task_role_names[name], own_buckets)
        outside = {b: mode for b, mode in svc.buckets.items() if b in config.external_buckets}
        if outside and external is not None:
            external.grant(name, containers.task_role_names[name], outside)
        if svc.queues and queues is not None:
            queues.grant(name, containers.task_role_names[name], svc.queues)
    # Load balancers the edge does not serve are reached by their own hostname (HTTPS needs a covered name).
    for key, lb in sorted(config.load_balancers.items()):
        if lb.hostname is not None and domain is not None and config.domain is not None:
            domain.alias(lb.hostname, f"{lb.hostname}.{config.domain.name}", containers.load_balancer_dns_names[key],
                         containers.load_balancer_zone_ids[key], ipv6=lb.dualstack)

# -- edge -----------------------------------------------------------------------------------------
edge = None
if edge_cfg is not None and containers is not None and domain is not None and config.domain is not None:
    lb_key = edge_cfg.load_balancer
    served: dict[str, ServedBucket] = {}
    if edge_cfg.buckets:
        assert isinstance(storage, Storage)  # stack_config: the edge serves only this stack's own buckets
        served = {role: ServedBucket(domain_name=storage.bucket_domain_names[role], arn=storage.bucket_arns[role],
                                     kms_key_arn=storage.kms_key_arn) for role in edge_cfg.buckets}
    edge = Edge("edge", EdgeArgs(
        settings=edge_cfg, domain_name=config.domain.name, zone_id=domain.zone_id, region=region,
        load_balancer_dns_name=containers.load_balancer_dns_names[lb_key],
        load_balancer_zone_id=containers.load_balancer_zone_ids[lb_key],
        load_balancer_ipv6=config.load_balancers[lb_key].dualstack,
        load_balancer_arn=getattr(containers, "load_balancer_arns", {}).get(lb_key),
        cloudfront_certificate_arn=domain.cloudfront_certificate_arn,
        origin_header_value=getattr(containers, "origin_secrets", {}).get(lb_key),
        web_acl_arn=firewall.web_acl_arn if firewall else None,
        load_balancer_web_acl_arn=direct_firewall.web_acl_arn if direct_firewall else None,
        buckets=served,
        bucket_web_acl_arn=cdn_firewall.web_acl_arn if cdn_firewall else None,
        account_id=account_id, protect=protect, tags=tags,
    ))
    if isinstance(storage, Storage) and edge_cfg.buckets:
        storage.serve_through_cloudfront(account_id, edge.bucket_distribution_arns)

# -- backups -------------------------------------------------------------------------------------------
backup = None
if config.backup is not None:
    selected = {
        "database": [own["db"].arn] if own.get("db") else [],
        "file_system": [own["files"].file_system_arn] if own.get("files") else [],
        "pipeline_buckets": [pipeline.uploads_bucket_arn, pipeline.results_bucket_arn] if pipeline else [],
        "buckets": list(own["storage"].bucket_arns.values()) if own.get("storage") else [],
    }
    buckets = ("pipeline_buckets", "buckets")  # S3: the backup role needs AWS Backup's S3 policies
    backup = Backup("backup", BackupArgs(
        settings=config.backup, protect=protect, tags=tags,
        resource_arns=[arn for item in config.backup.resources if item not in buckets for arn in selected[item]],
        bucket_arns=[arn for item in config.backup.resources if item in buckets for arn in selected[item]],
    ))
# -- monitoring -----------------------------------------------------------------------------------
monitoring = None
if config.alarms is not None:
    own_cache, own_db = own.get("cache"), own.get("db")
    monitoring = Monitoring("monitoring", MonitoringArgs(
        settings=config.alarms, account_id=account_id, region=region,
        cluster_name=containers.cluster_name if containers else None,
        kubernetes_namespace=config.cluster.eks_settings.namespace if config.cluster.runtime == "eks" else None,
        services=containers.service_names if containers else {},
        load_balancers=getattr(containers, "load_balancer_arn_suffixes", {}),
        target_groups={svc: (balancer, suffix) for svc, suffix in getattr(containers, "target_group_arn_suffixes", {}).items()
                       if (balancer := config.services[svc].load_balancer) is not None},
        db_instances=own_db.instance_identifiers if own_db else [],
        db_free_storage=bool(config.database and not config.database.facts.aurora),
        cache_nodes=own_cache.node_dimensions if own_cache else [],
        cache_cpu_metric=own_cache.cpu_metric if own_cache else "EngineCPUUtilization",
        state_machines={**({"pipeline": pipeline.state_machine_arn} if pipeline else {}),
                        **{f"{svc}-schedule": arn for svc, arn in getattr(containers, "schedule_machine_arns", {}).items()}},
        dead_letter_queues={**(queues.dead_letter_names if queues else {}),
                            **({"pipeline-schedule": pipeline.schedule_dead_letter_name}
                               if pipeline is not None and pipeline.schedule_dead_letter_name is not None else {}),
                            **{f"{svc}-schedule": q for svc, q in getattr(containers, "schedule_dead_letter_names", {}).items()}},
        event_alerts={"pipeline-job-failed": pipeline.failure_event_pattern} if pipeline else {},
        tags=tags,
    ))

# -- exports (stable names: other stacks may read them through a StackReference) ------------------
pulumi.export("env", config.env)
pulumi.export("layer", config.layer)
wiring.export({
    "network": (own.get("network"), ["vpc_id", "vpc_cidr", "availability_zones", "public_subnet_ids",
                                     "private_subnet_ids", "isolated_subnet_ids"]),
    "db": (own.get("db"), {"endpoint": "endpoint", "reader_endpoint": "reader_endpoint", "port": "port",
                           "name": "db_name", "secret_arn": "secret_arn", "kms_key_arn": "kms_key_arn",
                           "security_group_id": "security_group_id"}),
    "cache": (own.get("cache"), ["primary_endpoint", "port", "security_group_id"]),
    "secrets": (own.get("secrets"), ["arns", "kms_key_arn"]),
    "files": (own.get("files"), ["file_system_id", "file_system_arn", "access_point_ids", "access_point_arns",
                                 "security_group_id"]),
    "storage": (own.get("storage"), ["bucket_names", "bucket_arns", "kms_key_arn"]),
    "registry": (registry, ["repository_urls"]),
    "domain": (domain, ["zone_id", "name_servers"]),
    "app": (containers, ["cluster_name", "service_names", "load_balancer_dns_names"]
            + (["release_tasks"] if getattr(containers, "release_tasks", None) else [])),
    "edge": (edge, ["url", "distribution_id", "static_bucket_name"]),
    "pipeline": (pipeline, {"uploads_bucket": "uploads_bucket_name", "results_bucket": "results_bucket_name",
                            "state_machine_arn": "state_machine_arn", "job_queue_arn": "job_queue_arn"}),
    "queues": (queues, ["urls", "arns"]),
    "backup": (backup, ["vault_name"]),
    "github": (github, ["preview_role_arn", "deploy_role_arn"]),
    "monitoring": (monitoring, ["topic_arn"]),
})
