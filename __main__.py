"""Platform program: wires the components for the selected stack.

Read top to bottom: config -> network -> data (database, cache) -> exports.
Every stack difference lives in `Pulumi.<stack>.yaml`, validated by `stack_config`.
"""

import pulumi
import pulumi_aws as aws

import stack_config
from components import Cache, CacheArgs, Database, DatabaseArgs, ExistingVpc, Network, NetworkArgs

config = stack_config.load()  # fails with one clear message before any resource is declared
tags = config.resource_tags()
net_cfg = config.network

# -- network ------------------------------------------------------------------------------------
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
        region=config.region,
        cidr=str(net_cfg.cidr),
        availability_zones=list(zones),
        subnet_cidrs=net_cfg.subnet_cidrs(),
        egress=net_cfg.egress,
        nat_instance_type=net_cfg.nat_instance_type,
        interface_endpoints=list(net_cfg.interface_endpoints),
        flow_log_retention_days=net_cfg.flow_logs.retention_days,
        flow_log_traffic_type=net_cfg.flow_logs.traffic_type,
        tags=tags,
    )
network = Network("network", network_args)

# -- data ---------------------------------------------------------------------------------------
database = None
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

cache = None
if config.cache is not None:
    cache = Cache("cache", CacheArgs(
        vpc_id=network.vpc_id,
        subnet_ids=network.subnet_ids(config.cache.subnet_tier),
        protect=config.protect,
        tags=tags,
        **config.cache.model_dump(exclude={"subnet_tier"}),  # the other fields match 1:1
    ))

# -- exports (stable names: other stacks may read them through a StackReference) ------------------
pulumi.export("env", config.env)
pulumi.export("network_vpc_id", network.vpc_id)
pulumi.export("network_vpc_cidr", network.vpc_cidr)
pulumi.export("network_availability_zones", network.availability_zones)
pulumi.export("network_public_subnet_ids", network.public_subnet_ids)
pulumi.export("network_private_subnet_ids", network.private_subnet_ids)
pulumi.export("network_isolated_subnet_ids", network.isolated_subnet_ids)
if database is not None:
    pulumi.export("db_endpoint", database.endpoint)
    pulumi.export("db_reader_endpoint", database.reader_endpoint)
    pulumi.export("db_port", database.port)
    pulumi.export("db_secret_arn", database.secret_arn)
    pulumi.export("db_security_group_id", database.security_group_id)
if cache is not None:
    pulumi.export("cache_primary_endpoint", cache.primary_endpoint)
    pulumi.export("cache_port", cache.port)
    pulumi.export("cache_security_group_id", cache.security_group_id)
