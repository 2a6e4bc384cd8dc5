"""Two instances of each component side by side never collide (the engine would refuse them)."""

from __future__ import annotations

from collections import Counter

from components import Cache, CacheArgs, Database, DatabaseArgs, Network, NetworkArgs

AZS = ["us-east-1a", "us-east-1b"]
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]


def _network(name: str, cidr: str) -> Network:
    base = cidr.split(".")[1]
    return Network(name, NetworkArgs(
        region="us-east-1", cidr=cidr, availability_zones=AZS, egress="instance",
        interface_endpoints=["logs"],
        subnet_cidrs={"public": [f"10.{base}.0.0/20", f"10.{base}.16.0/20"],
                      "private": [f"10.{base}.64.0/20", f"10.{base}.80.0/20"],
                      "isolated": [f"10.{base}.128.0/20", f"10.{base}.144.0/20"]},
    ))


def _everything_twice() -> None:
    for suffix, cidr in (("a", "10.1.0.0/16"), ("b", "10.2.0.0/16")):
        _network(f"net-{suffix}", cidr)
        db = Database(f"db-{suffix}", DatabaseArgs(vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS,
                                                   engine_version="16", instance_class="db.t4g.micro",
                                                   allocated_storage_gb=20))
        db.allow_from("api", "sg-0api000000000000a")
        Database(f"aurora-{suffix}", DatabaseArgs(vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS,
                                                  engine="aurora-postgresql", engine_version="16.4",
                                                  instance_class="db.r6g.large", instances=2))
        cache = Cache(f"cache-{suffix}", CacheArgs(vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS,
                                                   node_type="cache.t4g.micro"))
        cache.allow_from("api", "sg-0api000000000000a")


def test_two_instances_of_each_component_have_no_duplicate_type_and_name(record) -> None:
    mon = record(_everything_twice)
    counts = Counter((r.type, r.name) for r in mon.records())
    assert [key for key, n in counts.items() if n > 1] == []
    assert len(mon.of_type("platform:components:Network")) == 2


def test_physical_names_of_stateful_resources_differ_between_instances(record) -> None:
    mon = record(_everything_twice)
    identifiers = [r.inputs["identifier"] for r in mon.of_type("aws:rds/instance:Instance")]
    identifiers += [r.inputs["clusterIdentifier"] for r in mon.of_type("aws:rds/cluster:Cluster")]
    identifiers += [r.inputs["replicationGroupId"] for r in mon.of_type("aws:elasticache/replicationGroup:ReplicationGroup")]
    assert len(identifiers) == len(set(identifiers)) == 6
