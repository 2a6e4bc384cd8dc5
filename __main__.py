"""Platform program: wires the components for the selected stack.

Read top to bottom: config -> network -> data (secrets, database, cache, file system, buckets; or,
for `layer: app`, the data stack's through a StackReference) ->
images -> domain -> pipeline -> containers (+ grants) -> edge -> monitoring -> exports.
Every stack difference lives in `Pulumi.<stack>.yaml`, validated by `stack_config`.
"""

import pulumi
import pulumi_aws as aws

import stack_config
from components.data_layer import (
    DataLayer, DataLayerArgs, ImportedCache, ImportedDatabase, ImportedFileSystem, ImportedNetwork, ImportedSecrets,
    ImportedStorage,
)
from components import (
    AccessPointSpec, Backup, BackupArgs, BatchPipeline, BatchPipelineArgs, Budget, Cache, CacheArgs, ContainerHealthCheck, ContainerService, ContainerServiceArgs,
    Database, DatabaseArgs, Domain, DomainArgs, Edge, EdgeArgs, ExistingVpc, FileSystem, FileSystemArgs, Firewall,
    FirewallArgs, GithubDeploy, GithubDeployArgs, JobSpec, StorageLifecycle,
    LoadBalancerSpec, Monitoring, MonitoringArgs, Network, NetworkArgs, Registry, RegistryArgs, Route, Scaling,
    SecretEnv, Secrets, SecretsArgs, SecretSpec, ServiceSpec, Storage, StorageArgs, StoredBucket, TargetHealthCheck,
    Thresholds, Volume,
)

config = stack_config.load()  # fails with one clear message before any resource is declared
tags = config.resource_tags()
account_id = aws.get_caller_identity_output().account_id

# -- network and data (here, or read from the data stack when layer: app) ------------------------
network: Network | ImportedNetwork
secrets: Secrets | ImportedSecrets | None = None
database: Database | ImportedDatabase | None = None
cache: Cache | ImportedCache | None = None
file_system: FileSystem | ImportedFileSystem | None = None
storage: Storage | ImportedStorage | None = None
if config.data_stack is not None:
    ds = config.data_stack
    data_layer = DataLayer("data", DataLayerArgs(
        stack_name=ds.name, region=config.region, database=ds.database, cache=ds.cache, secrets=list(ds.secrets),
        access_points=list(ds.access_points), buckets=list(ds.buckets), tags=tags,
    ))
    network, secrets, database, cache, file_system, storage = (
        data_layer.network, data_layer.secrets, data_layer.database, data_layer.cache, data_layer.file_system,
        data_layer.storage)
else:
    net_cfg = config.network
    assert net_cfg is not None  # stack_config: required unless layer: app
    if net_cfg.existing is not None:
        adopted = net_cfg.existing
        network_args = NetworkArgs(
            region=config.region,
            existing=ExistingVpc(
                vpc_id=adopted.vpc_id,
                subnet_ids={t: list(getattr(adopted.subnet_ids, t)) for t in stack_config.TIERS},
                subnet_filters={t: dict(getattr(adopted.subnet_filters, t)) for t in stack_config.TIERS},
            ),
            tags=tags,
        )
    else:
        zones = net_cfg.availability_zones or aws.get_availability_zones(state="available").names[: net_cfg.az_count]
        network_args = NetworkArgs(
            region=config.region, cidr=str(net_cfg.cidr), availability_zones=list(zones),
            subnet_cidrs=net_cfg.subnet_cidrs(), egress=net_cfg.egress, nat_instance_type=net_cfg.nat_instance_type,
            interface_endpoints=list(net_cfg.interface_endpoints),
            flow_log_retention_days=net_cfg.flow_logs.retention_days,
            flow_log_traffic_type=net_cfg.flow_logs.traffic_type, ipv6=net_cfg.ipv6, tags=tags,
        )
    local_network = Network("network", network_args)
    network = local_network

    if config.secrets:
        secrets = Secrets("secrets", SecretsArgs(
            secrets={key: SecretSpec(name=s.name, description=s.description,
                                     generate_length=s.generate.length if s.generate else None,
                                     generate_punctuation=bool(s.generate and s.generate.punctuation))
                     for key, s in config.secrets.items()},
            protect=config.protect, tags=tags,
        ))

    if config.database is not None:
        db = config.database
        scaling = db.serverless_v2
        database = Database("db", DatabaseArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.subnet_ids(db.subnet_tier),
            serverless_capacity=(scaling.min_capacity, scaling.max_capacity) if scaling else None,
            seconds_until_auto_pause=scaling.seconds_until_auto_pause if scaling else None,
            protect=config.protect,
            tags=tags,
            **db.model_dump(exclude={"subnet_tier", "serverless_v2"}),  # the other fields match 1:1
        ))

    if config.cache is not None:
        cache = Cache("cache", CacheArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.subnet_ids(config.cache.subnet_tier),
            protect=config.protect,
            tags=tags,
            **config.cache.model_dump(exclude={"subnet_tier"}),  # the other fields match 1:1
        ))

    if config.file_system is not None:
        fs_cfg = config.file_system
        mount_subnets = local_network.subnets_by_az["private"] or {
            sid: sid for sid in (net_cfg.existing.subnet_ids.private if net_cfg.existing else [])}
        file_system = FileSystem("files", FileSystemArgs(
            vpc_id=network.vpc_id, subnets=mount_subnets, throughput_mode=fs_cfg.throughput_mode,
            transition_to_ia=fs_cfg.transition_to_ia, backup=fs_cfg.backup,
            access_points={k: AccessPointSpec(**ap.model_dump()) for k, ap in fs_cfg.access_points.items()},
            protect=config.protect, tags=tags,
        ))

    if config.buckets:
        storage = Storage("storage", StorageArgs(
            region=config.region, buckets={n: StoredBucket(**b.model_dump()) for n, b in config.buckets.items()},
            protect=config.protect, tags=tags,
        ))

# What this stack owns (an app stack only borrows the data stack's): backups, data alarms and the
# data exports cover exactly these.
own_database = database if isinstance(database, Database) else None
own_cache = cache if isinstance(cache, Cache) else None
own_file_system = file_system if isinstance(file_system, FileSystem) else None
own_storage = storage if isinstance(storage, Storage) else None
own_secrets = secrets if isinstance(secrets, Secrets) else None

# -- images, domain, firewall --------------------------------------------------------------------
registry = None
if config.registry is not None:
    registry = Registry("registry", RegistryArgs(protect=config.protect, tags=tags, **config.registry.model_dump()))

domain = None
if config.domain is not None:
    dom = config.domain
    domain = Domain("domain", DomainArgs(
        name=dom.name, region=config.region, zone_id=dom.zone_id,
        private_vpc_id=network.vpc_id if dom.private else None, validation_zone_id=dom.validation_zone_id,
        alternative_names=config.certificate_names()[1:],
        cloudfront_certificate=bool(config.edge and config.edge.cloudfront), protect=config.protect, tags=tags,
    ))

firewall = None
load_balancer_firewall = None  # beside CloudFront, for names that reach the load balancer directly (ws.)
if config.edge is not None and config.edge.waf is not None:
    firewall = Firewall("waf", FirewallArgs(
        scope="CLOUDFRONT" if config.edge.cloudfront else "REGIONAL", region=config.region, tags=tags,
        **config.edge.waf.model_dump(),
    ))
    if config.edge.cloudfront and config.edge.direct_hostnames:
        load_balancer_firewall = Firewall("waf-direct", FirewallArgs(
            scope="REGIONAL", region=config.region, tags=tags, **config.edge.waf.model_dump(),
        ))


# -- containers -----------------------------------------------------------------------------------
def _secret_env(ref: stack_config.SecretRefConfig) -> tuple[SecretEnv, pulumi.Input[str] | None]:
    """A secret reference as (env source, KMS key its readers must be able to use)."""
    if ref.secret == "database":
        assert database is not None
        return SecretEnv(arn=database.secret_arn, key=ref.key), database.kms_key_arn
    if ref.secret is not None:
        assert secrets is not None
        return SecretEnv(arn=secrets.arns[ref.secret], key=ref.key), secrets.kms_key_arn
    return SecretEnv(arn=ref.arn, key=ref.key), None  # outside the stack: the AWS-managed key


def _image(image: stack_config.ImageConfig) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
    """(image reference, ECR repository ARN or None for an external image)."""
    if image.repository is None:
        return image.uri or "", None
    assert registry is not None
    return (pulumi.Output.concat(registry.repository_urls[image.repository], ":", image.tag or ""),
            registry.repository_arns[image.repository])


def _secrets(refs: dict[str, stack_config.SecretRefConfig]) -> tuple[dict[str, SecretEnv], list[pulumi.Input[str]]]:
    """Secret references as (env sources, KMS keys their readers must be able to use)."""
    resolved = {var: _secret_env(ref) for var, ref in refs.items()}
    return ({var: env for var, (env, _) in resolved.items()},
            [key for _, key in resolved.values() if key is not None])


pipeline = None
if config.pipeline is not None:
    pipe = config.pipeline

    def _job(step: stack_config.BatchStepConfig) -> JobSpec:
        image, repository_arn = _image(step.image)
        secret_env, secret_keys = _secrets(step.secrets)
        return JobSpec(name=step.name, image=image, repository_arn=repository_arn, vcpu=step.vcpu, memory=step.memory,
                       command=step.command, environment=step.environment, secrets=secret_env,
                       secret_kms_key_arns=secret_keys, architecture=step.architecture,
                       retry_attempts=step.retry_attempts, timeout_seconds=step.timeout_seconds)

    pipeline = BatchPipeline("pipeline", BatchPipelineArgs(
        vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids, region=config.region, account_id=account_id,
        steps=[_job(step) for step in pipe.steps], compute=pipe.compute, spot=pipe.spot, max_vcpus=pipe.max_vcpus,
        instance_types=pipe.instance_types, allocation_strategy=pipe.allocation_strategy,
        uploads_lifecycle=StorageLifecycle(**pipe.uploads.model_dump()),
        results_lifecycle=StorageLifecycle(**pipe.results.model_dump()), trigger_prefix=pipe.trigger_prefix,
        log_level=pipe.log_level, log_retention_days=pipe.log_retention_days, tracing=pipe.tracing,
        protect=config.protect, tags=tags,
    ))


def _service_spec(name: str, svc: stack_config.ServiceConfig) -> ServiceSpec:
    environment: dict[str, pulumi.Input[str]] = {}
    if "database" in svc.connects_to and database is not None:
        environment.update(DATABASE_HOST=database.endpoint, DATABASE_PORT=database.port.apply(str),
                           DATABASE_NAME=database.db_name)
    if "cache" in svc.connects_to and cache is not None:
        environment.update(CACHE_HOST=cache.primary_endpoint, CACHE_PORT=cache.port.apply(str))
    if svc.pipeline and pipeline is not None:
        environment.update(PIPELINE_UPLOADS_BUCKET=pipeline.uploads_bucket_name,
                           PIPELINE_RESULTS_BUCKET=pipeline.results_bucket_name,
                           PIPELINE_STATE_MACHINE_ARN=pipeline.state_machine_arn)
    if storage is not None:
        environment.update({f"BUCKET_{b.upper().replace('-', '_')}": storage.bucket_names[b] for b in svc.buckets})
    environment.update(svc.environment)
    secret_env, secret_keys = _secrets(svc.secrets)
    image, repository_arn = _image(svc.image)
    return ServiceSpec(
        image=image, repository_arn=repository_arn, cpu=svc.cpu, memory=svc.memory, port=svc.port,
        extra_ports=dict(svc.extra_ports), architecture=svc.architecture, desired_count=svc.desired_count,
        command=svc.command, environment=environment,
        secrets=secret_env, secret_kms_key_arns=secret_keys,
        load_balancer=svc.load_balancer, routes=[Route(paths=r.paths, priority=r.priority) for r in svc.routes],
        default_route=svc.default_route, health_check=TargetHealthCheck(**svc.health_check.model_dump()),
        container_health_check=ContainerHealthCheck(**svc.container_health_check.model_dump())
        if svc.container_health_check else None,
        scaling=Scaling(**svc.scaling.model_dump()) if svc.scaling else None,
        fargate_base=svc.capacity.fargate.base, fargate_weight=svc.capacity.fargate.weight,
        spot_base=svc.capacity.fargate_spot.base, spot_weight=svc.capacity.fargate_spot.weight,
        exec=svc.exec, grace_period=svc.grace_period,
        volumes=[Volume(name=v.access_point, file_system_id=file_system.file_system_id,
                        file_system_arn=file_system.file_system_arn,
                        access_point_id=file_system.access_point_ids[v.access_point],
                        access_point_arn=file_system.access_point_arns[v.access_point], path=v.path,
                        read_only=v.read_only) for v in svc.volumes] if file_system is not None else [],
        discovery_name=config.discovery_name_of(name), allow_from=config.peers_of(name),
        log_retention_days=svc.log_retention_days, log_stream_prefix=svc.log_stream_prefix,
    )


containers = None  # the service runtime: ContainerService (ECS) or KubernetesService (EKS)
peers: dict[str, tuple[str, pulumi.Output[str]]] = {}  # service -> (grant name, security group)
if config.services:
    services = {name: _service_spec(name, svc) for name, svc in config.services.items()}
    # stack_config guarantees a domain (certificate) whenever there are load balancers.
    load_balancers = {key: LoadBalancerSpec(
        internal=lb.scheme == "internal",
        subnet_ids=network.subnet_ids("private" if lb.scheme == "internal" else "public"),
        certificate_arn=domain.certificate_arn if domain is not None else "", idle_timeout=lb.idle_timeout,
        ssl_policy=lb.ssl_policy, access_logs=lb.access_logs, ingress_cidrs=[str(c) for c in lb.ingress_cidrs],
        # Behind CloudFront the load balancer admits only CloudFront, unless names point at it directly.
        cloudfront_only=bool(config.edge and config.edge.cloudfront and config.edge.load_balancer == key
                             and not config.edge.direct_hostnames),
        deletion_protection=config.protect, dualstack=lb.ip_address_type == "dualstack",
    ) for key, lb in config.load_balancers.items()}
    if config.cluster.runtime == "ecs":
        containers = ContainerService("app", ContainerServiceArgs(
            vpc_id=network.vpc_id, vpc_cidr=network.vpc_cidr, subnet_ids=network.private_subnet_ids,
            region=config.region, account_id=account_id, services=services, load_balancers=load_balancers,
            container_insights=config.cluster.container_insights, protect=config.protect, tags=tags,
        ))
        peers = {name: (name, containers.security_group_ids[name]) for name in services}
    else:
        from components.kubernetes_service import ChartVersions, KubernetesService, KubernetesServiceArgs, NodeGroupSpec

        eks_cfg = config.cluster.eks_settings
        group = eks_cfg.node_group
        containers = KubernetesService("app", KubernetesServiceArgs(
            vpc_id=network.vpc_id, vpc_cidr=network.vpc_cidr, private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids, region=config.region, account_id=account_id,
            services=services, load_balancers=load_balancers, version=eks_cfg.version,
            endpoint_public_access=eks_cfg.endpoint_public_access,
            public_access_cidrs=[str(c) for c in eks_cfg.public_access_cidrs], log_types=eks_cfg.log_types,
            log_retention_days=eks_cfg.log_retention_days,
            node_group=NodeGroupSpec(architecture=group.architecture, **group.model_dump()) if group else None,
            fargate_namespaces=eks_cfg.fargate_namespaces, namespace=eks_cfg.namespace,
            web_acl_arn=firewall.web_acl_arn if firewall else None, support_type=eks_cfg.support_type,
            charts=ChartVersions(**eks_cfg.charts.model_dump()), protect=config.protect, tags=tags,
            isolated_services=[n for n, s in config.services.items() if {"database", "cache"} & set(s.connects_to)],
        ))
        # Services that reach data stores have pod security groups of their own.
        peers = {name: (name, containers.security_group_ids[name]) for name in services
                 if {"database", "cache"} & set(config.services[name].connects_to)}
    # Grants: each service reaches exactly what its connects_to and pipeline name.
    granted: set[tuple[str, str]] = set()
    for name, svc in config.services.items():
        peer, group_id = peers.get(name, (name, None))
        for target, owner, wanted in (("database", database, "database" in svc.connects_to),
                                      ("cache", cache, "cache" in svc.connects_to),
                                      ("files", file_system, bool(svc.volumes))):
            if wanted and owner is not None and group_id is not None and (target, peer) not in granted:
                owner.allow_from(peer, group_id)
                granted.add((target, peer))
        if svc.pipeline and pipeline is not None:
            pipeline.grant(name, containers.task_role_names[name], svc.pipeline)
        if svc.buckets and storage is not None:
            storage.grant(name, containers.task_role_names[name], svc.buckets)
    # Load balancers the edge does not serve are reached by their own hostname (HTTPS needs a covered name).
    if domain is not None and config.domain is not None:
        for key, lb in sorted(config.load_balancers.items()):
            if lb.hostname is not None:
                domain.alias(lb.hostname, f"{lb.hostname}.{config.domain.name}", containers.load_balancer_dns_names[key],
                             containers.load_balancer_zone_ids[key], ipv6=lb.ip_address_type == "dualstack")

# -- edge -----------------------------------------------------------------------------------------
edge = None
if config.edge is not None and containers is not None and domain is not None and config.domain is not None:
    edge_cfg = config.edge
    lb_key = edge_cfg.load_balancer
    edge = Edge("edge", EdgeArgs(
        domain_name=config.domain.name, zone_id=domain.zone_id, region=config.region,
        load_balancer_dns_name=containers.load_balancer_dns_names[lb_key],
        load_balancer_zone_id=containers.load_balancer_zone_ids[lb_key],
        load_balancer_ipv6=config.load_balancers[lb_key].ip_address_type == "dualstack",
        load_balancer_arn=getattr(containers, "load_balancer_arns", {}).get(lb_key),
        hostnames=edge_cfg.hostnames, direct_hostnames=edge_cfg.direct_hostnames, www_cname=edge_cfg.www_cname,
        cloudfront=edge_cfg.cloudfront, cloudfront_certificate_arn=domain.cloudfront_certificate_arn,
        origin_header_value=getattr(containers, "origin_secrets", {}).get(lb_key), price_class=edge_cfg.price_class,
        api_paths=edge_cfg.api_paths, static_site=edge_cfg.static_site,
        web_acl_arn=firewall.web_acl_arn if firewall else None,
        load_balancer_web_acl_arn=load_balancer_firewall.web_acl_arn if load_balancer_firewall else None,
        access_log_days=edge_cfg.access_log_days, account_id=account_id, tags=tags,
    ))

# -- backups and CI access --------------------------------------------------------------------------
backup = None
if config.backup is not None:
    selectable = {
        "database": [own_database.arn] if own_database else [],
        "file_system": [own_file_system.file_system_arn] if own_file_system else [],
        "pipeline_buckets": [pipeline.uploads_bucket_arn, pipeline.results_bucket_arn] if pipeline else [],
        "buckets": list(own_storage.bucket_arns.values()) if own_storage else [],
    }
    buckets = ("pipeline_buckets", "buckets")  # S3: the backup role needs AWS Backup's S3 policies
    backup = Backup("backup", BackupArgs(
        resource_arns=[arn for item in config.backup.resources if item not in buckets for arn in selectable[item]],
        bucket_arns=[arn for item in config.backup.resources if item in buckets for arn in selectable[item]],
        protect=config.protect, tags=tags, **config.backup.model_dump(exclude={"resources"}),
    ))

github = None
if config.github is not None:
    github = GithubDeploy("github", GithubDeployArgs(account_id=account_id, tags=tags,
                                                     **config.github.model_dump(exclude={"runner"})))  # runner: read by the workflows

# -- monitoring -----------------------------------------------------------------------------------
monitoring = None
if config.alarms is not None:
    alarms = config.alarms
    monitoring = Monitoring("monitoring", MonitoringArgs(
        account_id=account_id, region=config.region, emails=alarms.emails,
        thresholds=Thresholds(**alarms.model_dump(exclude={"emails", "dashboard", "budget"})),
        cluster_name=containers.cluster_name if containers else None,
        kubernetes_namespace=config.cluster.eks_settings.namespace if config.cluster.runtime == "eks" else None,
        services=containers.service_names if containers else {},
        load_balancers=getattr(containers, "load_balancer_arn_suffixes", {}),
        target_groups={svc: (config.services[svc].load_balancer, suffix)
                       for svc, suffix in getattr(containers, "target_group_arn_suffixes", {}).items()},
        db_instances=own_database.instance_identifiers if own_database else [],
        db_free_storage=bool(config.database and config.database.engine == "postgres"),
        cache_nodes=[pulumi.Output.concat(own_cache.replication_group_id, f"-{i:03d}")
                     for i in range(1, config.cache.nodes + 1)] if own_cache and config.cache else [],
        state_machines={"pipeline": pipeline.state_machine_arn} if pipeline else {},
        event_alerts={"pipeline-job-failed": pipeline.failure_event_pattern} if pipeline else {},
        dashboard=alarms.dashboard,
        budget=Budget(**alarms.budget.model_dump()) if alarms.budget else None,
        tags=tags,
    ))

# -- exports (stable names: other stacks may read them through a StackReference) ------------------
pulumi.export("env", config.env)
pulumi.export("layer", config.layer)
if isinstance(network, Network):
    pulumi.export("network_vpc_id", network.vpc_id)
    pulumi.export("network_vpc_cidr", network.vpc_cidr)
    pulumi.export("network_availability_zones", network.availability_zones)
    pulumi.export("network_public_subnet_ids", network.public_subnet_ids)
    pulumi.export("network_private_subnet_ids", network.private_subnet_ids)
    pulumi.export("network_isolated_subnet_ids", network.isolated_subnet_ids)
if own_database is not None:
    pulumi.export("db_endpoint", own_database.endpoint)
    pulumi.export("db_reader_endpoint", own_database.reader_endpoint)
    pulumi.export("db_port", own_database.port)
    pulumi.export("db_name", own_database.db_name)
    pulumi.export("db_secret_arn", own_database.secret_arn)
    pulumi.export("db_kms_key_arn", own_database.kms_key_arn)
    pulumi.export("db_security_group_id", own_database.security_group_id)
if own_cache is not None:
    pulumi.export("cache_primary_endpoint", own_cache.primary_endpoint)
    pulumi.export("cache_port", own_cache.port)
    pulumi.export("cache_security_group_id", own_cache.security_group_id)
if own_secrets is not None:
    pulumi.export("secrets_arns", own_secrets.arns)
    pulumi.export("secrets_kms_key_arn", own_secrets.kms_key_arn)
if own_file_system is not None:
    pulumi.export("files_file_system_id", own_file_system.file_system_id)
    pulumi.export("files_file_system_arn", own_file_system.file_system_arn)
    pulumi.export("files_access_point_ids", own_file_system.access_point_ids)
    pulumi.export("files_access_point_arns", own_file_system.access_point_arns)
    pulumi.export("files_security_group_id", own_file_system.security_group_id)
if own_storage is not None:
    pulumi.export("storage_bucket_names", own_storage.bucket_names)
    pulumi.export("storage_bucket_arns", own_storage.bucket_arns)
    pulumi.export("storage_kms_key_arn", own_storage.kms_key_arn)
if registry is not None:
    pulumi.export("registry_repository_urls", registry.repository_urls)
if domain is not None:
    pulumi.export("domain_zone_id", domain.zone_id)
    pulumi.export("domain_name_servers", domain.name_servers)
if containers is not None:
    pulumi.export("app_cluster_name", containers.cluster_name)
    pulumi.export("app_service_names", containers.service_names)
    pulumi.export("app_load_balancer_dns_names", containers.load_balancer_dns_names)
if edge is not None:
    pulumi.export("edge_url", edge.url)
    pulumi.export("edge_distribution_id", edge.distribution_id)
    pulumi.export("edge_static_bucket_name", edge.static_bucket_name)
if pipeline is not None:
    pulumi.export("pipeline_uploads_bucket", pipeline.uploads_bucket_name)
    pulumi.export("pipeline_results_bucket", pipeline.results_bucket_name)
    pulumi.export("pipeline_state_machine_arn", pipeline.state_machine_arn)
    pulumi.export("pipeline_job_queue_arn", pipeline.job_queue_arn)
if backup is not None:
    pulumi.export("backup_vault_name", backup.vault_name)
if github is not None:
    pulumi.export("github_preview_role_arn", github.preview_role_arn)
    pulumi.export("github_deploy_role_arn", github.deploy_role_arn)
if monitoring is not None:
    pulumi.export("monitoring_topic_arn", monitoring.topic_arn)
