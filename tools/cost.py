"""`cost`: the estimated monthly cost of a stack, from its recorded graph, offline.

Every custom resource the program declares becomes lines: fixed lines (what it costs by existing:
hours x 730, per-month fees) and usage lines (traffic and stored data from a usage profile,
tools/usage.yaml, or the stack's `platform:cost.usage`). Prices come from tools/prices.yaml, one
dated, sourced entry per SKU. A resource that costs nothing by itself is listed as free; a type or an
instance class the table does not know is listed as unpriced, never dropped, so the total is honest
about what it leaves out. Account-wide free tiers (10 alarms, 5 GB of logs, CloudFront's 1 TB) are not
subtracted: one stack cannot know what the account's other stacks use.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools import price_lists, stack_yaml
from tools.harness import Recorded, RecordingMonitor

TOOLS_DIR = Path(__file__).resolve().parent
PRICES_FILE = TOOLS_DIR / "prices.yaml"
USAGE_FILE = TOOLS_DIR / "usage.yaml"


# --------------------------------------------------------------------------------------------
# Price table and usage profiles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTable:
    """tools/prices.yaml: one region's on-demand prices, each with its unit, source and date."""

    region: str
    """The one region the prices are for."""
    currency: str
    """ISO currency of every price."""
    hours: int
    """Hours in a month (730)."""
    entries: Mapping[str, Mapping[str, Any]]
    """Price key -> {price, unit, source, as_of} or {unit, sources: [{prices, source, as_of}, ...]}."""

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> PriceTable:
        """Read and check the table: every entry has a unit and a price, or a list of price tables by type
        (inline or a tools/price_lists file), each with its source and date."""
        doc = stack_yaml.safe_load(path.read_text())
        entries = {}
        for key, entry in doc["prices"].items():
            if not entry.get("unit") or ("price" in entry) == ("sources" in entry):
                raise ValueError(f"{path.name}: {key} needs a unit and exactly one of price or sources")
            if "sources" in entry:
                entry = {**entry, "sources": [price_lists.load(t["file"]) if "file" in t else t for t in entry["sources"]]}
            for table in entry.get("sources", [entry]):
                missing = [f for f in ("source", "as_of") if not table.get(f)]
                if missing or ("sources" in entry and not isinstance(table.get("prices"), dict)):
                    raise ValueError(f"{path.name}: {key} has a price table without {', '.join(missing) or 'prices'}")
            entries[key] = entry
        return cls(region=doc["region"], currency=doc["currency"], hours=int(doc["hours_per_month"]), entries=entries)

    def rate(self, key: str, variant: str | None = None) -> float | None:
        """The price of `key` (of `variant`, e.g. an instance class, for table entries); None if unknown."""
        entry = self.entries[key]
        if "sources" in entry:
            for table in entry["sources"]:
                if variant in table["prices"]:
                    return float(table["prices"][variant])
            return None
        return float(entry["price"])

    def unit(self, key: str) -> str:
        """The unit a price is per."""
        return str(self.entries[key]["unit"])

    @property
    def as_of(self) -> str:
        """The newest source date in the table."""
        return max(str(t["as_of"]) for e in self.entries.values() for t in e.get("sources", [e]))


def coverage(table: PriceTable | None = None) -> dict[str, tuple[int, int, list[str]]]:
    """How many of the offered types (price_lists.offered_types) `table` (default: prices.yaml) prices:
    price key -> (priced, offered, the unpriced ones)."""
    table = table or PriceTable.load()
    report = {}
    for key, types in price_lists.offered_types().items():
        missing = sorted(t for t in types if table.rate(key, t) is None)
        report[key] = (len(types) - len(missing), len(types), missing)
    return report


def usage_profile(profile: str, overrides: Mapping[str, float] | None = None, path: Path = USAGE_FILE) -> dict[str, float]:
    """A profile's usage values (tools/usage.yaml) with the stack's overrides applied."""
    doc = stack_yaml.safe_load(path.read_text())
    values = {k: float(v) for k, v in doc["profiles"][profile].items()}
    values.update({k: float(v) for k, v in (overrides or {}).items()})
    return values


# --------------------------------------------------------------------------------------------
# Lines and estimates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One priced (or deliberately unpriced) item of one resource."""

    component: str
    """The platform component that owns the resource (`-` outside any)."""
    resource: str
    """The resource's logical name."""
    type: str
    """Its Pulumi type token."""
    item: str
    """What is charged (or why it is free or unpriced)."""
    quantity: float
    """Units per month."""
    unit: str
    """The price's unit."""
    unit_price: float | None
    """Price per unit after discounts (Spot); None when unpriced."""
    monthly: float
    """quantity x unit_price, rounded to cents."""
    kind: str
    """fixed | usage | free | unpriced"""


@dataclass
class Estimate:
    """All lines of one stack with totals."""

    stack: str
    """`project/stack`."""
    region: str
    """Where the stack deploys."""
    priced_region: str
    """The one region the price table is for."""
    currency: str
    """The price table's currency."""
    prices_as_of: str
    """The newest source date of the price table."""
    profile: str
    """The usage profile applied."""
    lines: list[Line] = field(default_factory=list)
    """Every line, in resource order."""
    budget_monthly: float | None = None
    """`platform:cost.budget.monthly_usd`, when the stack sets one."""
    budget_fixed: float | None = None
    """`platform:cost.budget.fixed_usd`, when the stack sets one."""

    def over_budget(self) -> list[str]:
        """Each limit of the stack's budget the estimate exceeds, in words (none: within budget)."""
        found = []
        for label, limit, value in (("fixed", self.budget_fixed, self.total("fixed")),
                                    ("monthly total", self.budget_monthly, self.total())):
            if limit is not None and value > limit:
                found.append(f"{label} {_money(value)} exceeds the budget of {_money(limit)} {self.currency}/month "
                             "(platform:cost.budget)")
        return found

    def unpriced_lines(self) -> list[Line]:
        """Lines the table cannot price (left out of every total)."""
        return [line for line in self.lines if line.kind == "unpriced"]

    def total(self, kind: str | None = None) -> float:
        """Monthly total of one kind of line (fixed, usage) or of all."""
        return round(sum(line.monthly for line in self.lines if kind is None or line.kind == kind), 2)

    @property
    def other_region(self) -> bool:
        """The stack deploys outside the table's region: figures are that region's prices' stand-ins."""
        return self.region != self.priced_region

    def to_json(self) -> dict[str, Any]:
        """The `--json` document."""
        return {
            "stack": self.stack, "region": self.region, "priced_region": self.priced_region,
            "currency": self.currency, "prices_as_of": self.prices_as_of, "usage_profile": self.profile,
            "monthly_total": self.total(), "fixed_total": self.total("fixed"), "usage_total": self.total("usage"),
            "lines": [dict(asdict(line).items()) for line in self.lines],
        }


class _Pricer:
    """What the per-type functions need: the table, the usage values, the graph."""

    def __init__(self, monitor: RecordingMonitor, table: PriceTable, usage: Mapping[str, float]) -> None:
        self.monitor, self.table, self.usage = monitor, table, usage

    def line(self, rec: Recorded, kind: str, item: str, key: str, quantity: float, *, variant: str | None = None,
             factor: float = 1.0) -> Line:
        """quantity x price(key[, variant]) x factor; unpriced when the table lacks the variant."""
        component = self.monitor.component_name(rec)
        price = self.table.rate(key, variant)
        if price is None:
            return Line(component, rec.name, rec.type,
                        f"{item}: no price for {variant} in tools/prices.yaml ({key})", round(quantity, 4),
                        self.table.unit(key), None, 0.0, "unpriced")
        unit_price = price * factor
        return Line(component, rec.name, rec.type, item, round(quantity, 4),
                    self.table.unit(key), round(unit_price, 6), round(quantity * unit_price, 2), kind)

    def hours(self, rec: Recorded, item: str, key: str, count: float = 1, **kw: Any) -> Line:
        """A fixed line for `count` things running all month."""
        return self.line(rec, "fixed", item, key, count * self.table.hours, **kw)

    def unpriced(self, rec: Recorded, item: str) -> Line:
        """A line the estimate cannot price, with the reason in its item."""
        return Line(self.monitor.component_name(rec), rec.name, rec.type, item, 0, "-", None, 0.0, "unpriced")

    def free(self, rec: Recorded) -> Line:
        """The resource costs nothing by itself."""
        return Line(self.monitor.component_name(rec), rec.name, rec.type, "free", 0, "-", 0.0, 0.0, "free")

    def find(self, id_or_arn: str) -> Recorded | None:
        """The recorded resource an input refers to (by id, URN or ARN)."""
        found = self.monitor.by_id(id_or_arn)
        if found is not None:
            return found
        return next((r for r in self.monitor.records() if r.outputs.get("arn") == id_or_arn), None)


Pricing = Callable[[Recorded, _Pricer], list[Line]]


def _nat_gateway(rec: Recorded, p: _Pricer) -> list[Line]:
    return [p.hours(rec, "NAT gateway hours", "nat_gateway_hour"),
            p.line(rec, "usage", "data processed", "nat_gateway_gb", p.usage["nat_gateway_gb"])]


def _eip(rec: Recorded, p: _Pricer) -> list[Line]:
    return [p.hours(rec, "public IPv4 address", "public_ipv4_hour")]


def _ec2_instance(rec: Recorded, p: _Pricer) -> list[Line]:
    inputs = rec.inputs
    lines = [p.hours(rec, f"{inputs.get('instanceType')} instance hours", "ec2_hour", variant=inputs.get("instanceType")),
             p.line(rec, "fixed", "root volume (gp3)", "ebs_gp3_gb_month",
                    float((inputs.get("rootBlockDevice") or {}).get("volumeSize") or 8))]
    if inputs.get("associatePublicIpAddress"):
        lines.append(p.hours(rec, "public IPv4 address", "public_ipv4_hour"))
    return lines


def _alb(rec: Recorded, p: _Pricer, *, public: bool, nodes: int) -> list[Line]:
    lines = [p.hours(rec, "load balancer hours", "alb_hour")]
    if public:
        # One public IPv4 per AZ node of an internet-facing load balancer.
        lines.append(p.hours(rec, f"public IPv4, {nodes} AZ nodes", "public_ipv4_hour", nodes))
    lines.append(p.line(rec, "usage", "LCUs (processed bytes: 1 LCU = 1 GB per hour)", "alb_lcu_hour",
                        p.usage["load_balancer_gb"]))
    return lines


def _load_balancer(rec: Recorded, p: _Pricer) -> list[Line]:
    if rec.inputs.get("loadBalancerType", "application") != "application":
        return [p.unpriced(rec, f"{rec.inputs.get('loadBalancerType')} load balancer (only ALBs are in the table)")]
    return _alb(rec, p, public=not rec.inputs.get("internal"), nodes=len(rec.inputs.get("subnets") or []) or 2)


def _ingress(rec: Recorded, p: _Pricer) -> list[Line]:
    # The AWS Load Balancer Controller creates one ALB per ingress group from these annotations.
    notes = (rec.inputs.get("metadata") or {}).get("annotations") or {}
    subnets = [s for s in str(notes.get("alb.ingress.kubernetes.io/subnets", "")).split(",") if s]
    return _alb(rec, p, public=notes.get("alb.ingress.kubernetes.io/scheme") == "internet-facing",
                nodes=len(subnets) or 2)


def _fargate(rec: Recorded, p: _Pricer, what: str, vcpu: float, gb: float, count: float, arch: str,
             spot: bool) -> list[Line]:
    """vCPU and memory of `count` tasks or pods running all month (Spot at its discount)."""
    hours = p.table.hours
    factor = 1 - (p.table.rate("fargate_spot_discount") or 0) if spot else 1.0
    label = f"{what}{' on Spot' if spot else ''} ({arch})"
    return [p.line(rec, "fixed", f"{label} vCPU-hours", f"fargate_{arch}_vcpu_hour", vcpu * count * hours, factor=factor),
            p.line(rec, "fixed", f"{label} GB-hours", f"fargate_{arch}_gb_hour", gb * count * hours, factor=factor)]


def _split_tasks(count: int, strategies: list[dict[str, Any]]) -> tuple[int, int]:
    """(on-demand, spot) tasks of a capacity-provider strategy: bases first, the rest by weight."""
    if not strategies:
        return count, 0
    placed = Counter()
    remaining = count
    for s in strategies:
        take = min(int(s.get("base") or 0), remaining)
        placed[s["capacityProvider"]] += take
        remaining -= take
    weights = {s["capacityProvider"]: float(s.get("weight") or 0) for s in strategies}
    total = sum(weights.values())
    if remaining and total:
        spot_share = round(remaining * weights.get("FARGATE_SPOT", 0) / total)
        placed["FARGATE_SPOT"] += spot_share
        placed["FARGATE"] += remaining - spot_share
    return placed["FARGATE"], placed["FARGATE_SPOT"]


def _ecs_service(rec: Recorded, p: _Pricer) -> list[Line]:
    task = p.find(str(rec.inputs.get("taskDefinition")))
    if task is None:
        return [p.unpriced(rec, "task definition not in the stack")]
    vcpu, gb = float(task.inputs["cpu"]) / 1024, float(task.inputs["memory"]) / 1024
    arch = "arm" if (task.inputs.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64" else "x86"
    count = int(rec.inputs.get("desiredCount") or 0)
    on_demand, spot = _split_tasks(count, list(rec.inputs.get("capacityProviderStrategies") or []))
    lines: list[Line] = []
    if on_demand:
        lines += _fargate(rec, p, f"{on_demand} task(s) {vcpu:g} vCPU / {gb:g} GB", vcpu, gb, on_demand, arch, False)
    if spot:
        lines += _fargate(rec, p, f"{spot} task(s) {vcpu:g} vCPU / {gb:g} GB", vcpu, gb, spot, arch, True)
    if (rec.inputs.get("networkConfiguration") or {}).get("assignPublicIp"):
        lines.append(p.hours(rec, "public IPv4 per task", "public_ipv4_hour", count))
    return lines


def _master_secret(rec: Recorded, p: _Pricer) -> list[Line]:
    # RDS keeps the managed master password in a Secrets Manager secret, billed like any other.
    if rec.inputs.get("manageMasterUserPassword"):
        return [p.line(rec, "fixed", "managed master-password secret", "secret_month", 1)]
    return []


_RDS_HOUR = {"postgres": "rds_postgres_hour", "mysql": "rds_mysql_hour"}
_AURORA_HOUR = {"aurora-postgresql": "aurora_postgres_hour", "aurora-mysql": "aurora_mysql_hour"}
_CACHE_HOUR = {"redis": "elasticache_redis_hour", "valkey": "elasticache_valkey_hour", "memcached": "elasticache_memcached_hour"}


def _rds_instance(rec: Recorded, p: _Pricer) -> list[Line]:
    inputs = rec.inputs
    key = _RDS_HOUR.get(str(inputs.get("engine")))
    if key is None:
        return [p.unpriced(rec, f"engine {inputs.get('engine')} (only PostgreSQL and MySQL are in the table)")]
    copies = 2 if inputs.get("multiAz") else 1
    az = "Multi-AZ" if copies == 2 else "Single-AZ"
    cls = str(inputs.get("instanceClass"))
    return [p.hours(rec, f"{cls} {az} instance hours", key, variant=cls, factor=copies),
            p.line(rec, "fixed", f"gp3 storage ({az})", "rds_gp3_gb_month", float(inputs.get("allocatedStorage") or 20),
                   factor=copies),
            *_master_secret(rec, p)]


def _aurora_cluster(rec: Recorded, p: _Pricer) -> list[Line]:
    # Backtracking bills the change records it keeps, which depend on the write rate: no table price, so it is
    # named as unpriced rather than left out.
    backtrack = [p.unpriced(rec, "backtrack change records (billed per million records kept; not in the table)")]
    return [p.line(rec, "usage", "storage", "aurora_storage_gb_month", p.usage["aurora_storage_gb"]),
            p.line(rec, "usage", "I/O requests", "aurora_io_million", p.usage["aurora_io_million"]),
            *_master_secret(rec, p), *(backtrack if rec.inputs.get("backtrackWindow") else [])]


def _aurora_instance(rec: Recorded, p: _Pricer) -> list[Line]:
    cls = str(rec.inputs.get("instanceClass"))
    if cls != "db.serverless":
        key = _AURORA_HOUR.get(str(rec.inputs.get("engine")))
        if key is None:
            return [p.unpriced(rec, f"engine {rec.inputs.get('engine')} (only Aurora PostgreSQL and MySQL are in the table)")]
        return [p.hours(rec, f"{cls} instance hours", key, variant=cls)]
    cluster = p.find(str(rec.inputs.get("clusterIdentifier")))
    scaling = (cluster.inputs.get("serverlessv2ScalingConfiguration") if cluster else None) or {}
    floor = float(scaling.get("minCapacity") or 0)
    return [p.line(rec, "fixed", f"Serverless v2 minimum ({floor:g} ACU)", "aurora_acu_hour", floor * p.table.hours),
            p.line(rec, "usage", "ACUs above the minimum", "aurora_acu_hour", p.usage["aurora_extra_acu"] * p.table.hours)]


def _cache(rec: Recorded, p: _Pricer) -> list[Line]:
    # A replication group counts its members (numCacheClusters), a Memcached cluster its nodes (numCacheNodes).
    count = rec.inputs.get("numCacheClusters") or rec.inputs.get("numCacheNodes") or 1
    node, nodes = str(rec.inputs.get("nodeType")), int(count)
    key = _CACHE_HOUR[str(rec.inputs.get("engine") or "redis")]
    return [p.hours(rec, f"{nodes} x {node} node hours", key, nodes, variant=node)]


def _eks_cluster(rec: Recorded, p: _Pricer) -> list[Line]:
    return [p.hours(rec, "EKS control plane hours", "eks_cluster_hour")]


def _node_group(rec: Recorded, p: _Pricer) -> list[Line]:
    scaling = rec.inputs.get("scalingConfig") or {}
    count = int(scaling.get("desiredSize") or scaling.get("minSize") or 1)
    kind = str((rec.inputs.get("instanceTypes") or ["?"])[0])
    spot = rec.inputs.get("capacityType") == "SPOT"
    note = " (Spot: on-demand price shown as the ceiling)" if spot else ""
    return [p.hours(rec, f"{count} x {kind} node hours{note}", "ec2_hour", count, variant=kind),
            p.line(rec, "fixed", f"{count} node volumes (gp3)", "ebs_gp3_gb_month",
                   count * float(rec.inputs.get("diskSize") or 20))]


def _k8s_deployment(rec: Recorded, p: _Pricer) -> list[Line]:
    # Pods in a namespace with a Fargate profile run (and bill) on Fargate; the others share the
    # node group, which is priced on its own.
    namespace = (rec.inputs.get("metadata") or {}).get("namespace")
    fargate = any(namespace in json.dumps(f.inputs.get("selectors")) for f in p.monitor.of_type(
        "aws:eks/fargateProfile:FargateProfile"))
    if not fargate:
        return [p.free(rec)]
    spec = rec.inputs.get("spec") or {}
    replicas = int(spec.get("replicas") or 1)
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    requests = [((c.get("resources") or {}).get("requests") or {}) for c in containers]
    vcpu = sum(float(str(r.get("cpu", "0")).rstrip("m")) / (1000 if str(r.get("cpu", "")).endswith("m") else 1)
               for r in requests)
    gb = sum(float(str(r.get("memory", "0")).rstrip("Mi")) / 1024 for r in requests)
    # EKS on Fargate runs x86 pods, on demand; AWS rounds each pod up to a Fargate size (not modelled).
    return _fargate(rec, p, f"{replicas} pod(s) {vcpu:g} vCPU / {gb:g} GB on EKS Fargate", vcpu, gb, replicas,
                    "x86", False)


def _batch_environment(rec: Recorded, p: _Pricer) -> list[Line]:
    kind = str((rec.inputs.get("computeResources") or {}).get("type"))
    if kind not in ("FARGATE", "FARGATE_SPOT"):
        # Batch picks the instance types per job (`optimal` by default), so no one EC2 price applies.
        return [p.unpriced(rec, f"{kind} instances Batch launches (it picks their types per job)")]
    factor = 1 - (p.table.rate("fargate_spot_discount") or 0) if kind == "FARGATE_SPOT" else 1.0
    return [p.line(rec, "usage", f"job vCPU-hours ({kind})", "fargate_x86_vcpu_hour", p.usage["batch_vcpu_hours"],
                   factor=factor),
            p.line(rec, "usage", f"job GB-hours ({kind})", "fargate_x86_gb_hour", p.usage["batch_gb_hours"],
                   factor=factor)]


def _log_group(rec: Recorded, p: _Pricer) -> list[Line]:
    ingest = p.usage["log_ingest_gb"]
    retention = float(rec.inputs.get("retentionInDays") or 365 * 10)
    stored = ingest * min(retention, 365.0) / 30  # steady state; never-expiring groups are shown after a year
    return [p.line(rec, "usage", "log ingestion", "cloudwatch_logs_ingest_gb", ingest),
            p.line(rec, "usage", f"log storage ({retention:g} days kept)", "cloudwatch_logs_storage_gb_month", stored)]


def _endpoint(rec: Recorded, p: _Pricer) -> list[Line]:
    if rec.inputs.get("vpcEndpointType") != "Interface":
        return [p.free(rec)]  # gateway endpoints (S3, DynamoDB) are free
    azs = len(rec.inputs.get("subnetIds") or [])
    return [p.hours(rec, f"interface endpoint, {azs} AZs", "interface_endpoint_az_hour", azs),
            p.line(rec, "usage", "data processed", "interface_endpoint_gb", p.usage["endpoint_gb"])]


def _distribution(rec: Recorded, p: _Pricer) -> list[Line]:
    return [p.line(rec, "usage", "data out", "cloudfront_gb", p.usage["cloudfront_gb"]),
            p.line(rec, "usage", "HTTPS requests", "cloudfront_https_10k", p.usage["cloudfront_requests_million"] * 100)]


def _cloudfront_function(rec: Recorded, p: _Pricer) -> list[Line]:
    # It runs on every request its behaviour serves; the distribution's request count stands in for that.
    return [p.line(rec, "usage", "invocations", "cloudfront_function_million", p.usage["cloudfront_requests_million"])]


def _web_acl(rec: Recorded, p: _Pricer) -> list[Line]:
    rules = len(rec.inputs.get("rules") or [])
    return [p.line(rec, "fixed", "web ACL", "waf_acl_month", 1),
            p.line(rec, "fixed", f"{rules} rules", "waf_rule_month", rules),
            p.line(rec, "usage", "requests", "waf_million_requests", p.usage["waf_requests_million"])]


def _queue(rec: Recorded, p: _Pricer) -> list[Line]:
    # A work queue is billed by its requests; its dead-letter queue (no redrive policy of its own) sees only the
    # messages that failed for good.
    if not rec.inputs.get("redrivePolicy"):
        return [p.free(rec)]
    return [p.line(rec, "usage", "requests", "sqs_million_requests", p.usage["sqs_requests_million"])]


def _monthly(item: str, key: str) -> Pricing:
    return lambda rec, p: [p.line(rec, "fixed", item, key, 1)]


def _stored(item: str, key: str, usage: str) -> Pricing:
    return lambda rec, p: [p.line(rec, "usage", item, key, p.usage[usage])]


PRICING: dict[str, Pricing] = {
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/instance:Instance": _ec2_instance,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "kubernetes:networking.k8s.io/v1:Ingress": _ingress,
    "aws:ecs/service:Service": _ecs_service,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _aurora_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _aurora_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _cache,
    "aws:elasticache/cluster:Cluster": _cache,
    "eks:index:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "kubernetes:apps/v1:Deployment": _k8s_deployment,
    "aws:batch/computeEnvironment:ComputeEnvironment": _batch_environment,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/function:Function": _cloudfront_function,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:route53/zone:Zone": _monthly("hosted zone", "route53_zone_month"),
    "aws:secretsmanager/secret:Secret": _monthly("secret", "secret_month"),
    "aws:kms/key:Key": _monthly("customer-managed key", "kms_key_month"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _monthly("alarm", "cloudwatch_alarm_month"),
    "aws:cloudwatch/dashboard:Dashboard": _monthly("dashboard", "cloudwatch_dashboard_month"),
    "aws:efs/fileSystem:FileSystem": _stored("Standard storage", "efs_standard_gb_month", "efs_gb"),
    "aws:s3/bucket:Bucket": _stored("Standard storage", "s3_standard_gb_month", "bucket_gb"),
    "aws:ecr/repository:Repository": _stored("image storage", "ecr_gb_month", "ecr_gb"),
    "aws:sfn/stateMachine:StateMachine": _stored("state transitions", "sfn_transition", "state_transitions"),
    "aws:sqs/queue:Queue": _queue,
    "aws:backup/vault:Vault": lambda rec, p: [p.unpriced(rec, "backup storage (AWS Backup storage is not in the table)")],
}
"""Type token -> its lines. Anything neither here nor in FREE is listed as unpriced."""

FREE: frozenset[str] = frozenset({
    # Networking plumbing, security groups and rules.
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/flowLog:FlowLog",  # billed as its log group's ingestion
    # Identity, keys' aliases, certificates (public ACM certificates are free), DNS records (alias queries free).
    "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:kms/alias:Alias",
    "aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation", "aws:route53/record:Record",
    # Load balancer configuration, container plumbing (compute is priced on the service).
    "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule", "aws:lb/targetGroup:TargetGroup",
    "aws:ecs/cluster:Cluster", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:ecs/taskDefinition:TaskDefinition", "aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:servicediscovery/httpNamespace:HttpNamespace",
    "aws:eks/addon:Addon", "aws:eks/fargateProfile:FargateProfile", "aws:eks/accessEntry:AccessEntry",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "aws:batch/jobDefinition:JobDefinition", "aws:batch/jobQueue:JobQueue",
    # Data-store configuration (the stores themselves are priced).
    "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup", "aws:rds/optionGroup:OptionGroup", "aws:kms/keyPolicy:KeyPolicy",
    "aws:iam/instanceProfile:InstanceProfile", "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:elasticache/parameterGroup:ParameterGroup", "aws:efs/mountTarget:MountTarget", "aws:efs/accessPoint:AccessPoint",
    "aws:efs/backupPolicy:BackupPolicy", "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:secretsmanager/secretVersion:SecretVersion",
    # Bucket configuration (storage is priced on the bucket).
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketNotification:BucketNotification",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    # Edge configuration, delivery wiring, events, notifications (SNS's first million publishes are free).
    "aws:cloudfront/originAccessControl:OriginAccessControl", "aws:cloudfront/cachePolicy:CachePolicy",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
    "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    "aws:cloudwatch/logDelivery:LogDelivery", "aws:cloudwatch/logDeliverySource:LogDeliverySource",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget", "aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription", "aws:sqs/queuePolicy:QueuePolicy",
    # EventBridge Scheduler: the first 14 million invocations a month are free (aws.amazon.com/eventbridge/pricing).
    "aws:scheduler/schedule:Schedule",
    # SES identities cost nothing; mail is priced per message (usage the profiles do not model).
    "aws:sesv2/emailIdentity:EmailIdentity",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "aws:budgets/budget:Budget",  # the first two budgets are free
    "aws:backup/plan:Plan", "aws:backup/selection:Selection", "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString",
})
"""Types that cost nothing by themselves (what they configure is priced on its owner)."""


def _priced(rec: Recorded) -> bool:
    # Our own components, providers and reads (StackReference) are not billable resources; remote
    # components (eks.Cluster) stand for the resources they create.
    if rec.read or rec.type.startswith("pulumi:"):
        return False
    return rec.custom or rec.remote


def estimate(monitor: RecordingMonitor, *, stack: str, region: str, profile: str = "small",
             usage: Mapping[str, float] | None = None, table: PriceTable | None = None) -> Estimate:
    """Price every resource of a recorded stack."""
    table = table or PriceTable.load()
    pricer = _Pricer(monitor, table, usage_profile(profile, usage))
    result = Estimate(stack=stack, region=region, priced_region=table.region, currency=table.currency,
                      prices_as_of=table.as_of, profile=profile)
    for rec in sorted((r for r in monitor.records() if _priced(r)), key=lambda r: r.urn):
        if rec.type in PRICING:
            result.lines.extend(PRICING[rec.type](rec, pricer))
        elif rec.type in FREE or rec.type.startswith("kubernetes:"):
            result.lines.append(pricer.free(rec))  # Kubernetes objects run on the priced nodes
        else:
            result.lines.append(pricer.unpriced(rec, f"type {rec.type} is not in tools/cost.py"))
    return result


def estimate_stack(ref: str | Path) -> Estimate:
    """Run a stack file offline (once per process) and price it; its `platform:cost` picks the usage profile."""
    from tools.harness import load_config, load_stack_config, run_cached

    stack_file = load_stack_config(ref)
    config = load_config(stack_file.path)
    monitor = run_cached(stack_file.path)
    est = estimate(monitor, stack=stack_file.name, region=config.region,
                   profile=config.cost.profile, usage=dict(config.cost.usage))
    if config.cost.budget is not None:
        est.budget_monthly, est.budget_fixed = config.cost.budget.monthly_usd, config.cost.budget.fixed_usd
    return est


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def header(*estimates: Estimate) -> list[str]:
    """Where the prices come from, and a warning for each stack that deploys elsewhere."""
    first = estimates[0]
    region = first.priced_region
    profiles = " / ".join(e.profile for e in estimates)
    lines = [f"cost estimate for {' vs '.join(e.stack for e in estimates)}: {first.currency}/month, {region} on-demand "
             f"list prices as of {first.prices_as_of}, usage profile {profiles}"]
    lines += [f"WARNING: {e.stack} deploys to {e.region}; these are {region} prices (the table has no other region), "
              "not what it will cost there" for e in estimates if e.other_region]
    return lines


def render(est: Estimate) -> str:
    """The itemised report: lines by component with subtotals, then totals, unpriced and free items."""
    out = header(est) + [""]
    by_component: dict[str, list[Line]] = defaultdict(list)
    for line in est.lines:
        if line.kind in ("fixed", "usage"):
            by_component[line.component].append(line)
    row = "  {:<34} {:<58} {:>10} {:<24} {:>9} {:>9}"
    for component in sorted(by_component, key=lambda c: -sum(x.monthly for x in by_component[c])):
        group = by_component[component]
        out.append(f"{component}  ({_money(sum(x.monthly for x in group))})")
        for line in sorted(group, key=lambda x: (x.kind, -x.monthly, x.resource)):
            out.append(row.format(line.resource[:34], f"{line.item} [{line.kind}]"[:58], f"{line.quantity:g}",
                                  line.unit[:24], f"{line.unit_price:g}" if line.unit_price is not None else "-",
                                  _money(line.monthly)))
        out.append("")
    out.append(f"fixed {_money(est.total('fixed'))} + usage {_money(est.total('usage'))} "
               f"= {_money(est.total())} {est.currency}/month")
    unpriced = est.unpriced_lines()
    if unpriced:
        out.append(f"WARNING: {len(unpriced)} item(s) unpriced, left out of every total above:")
        out.extend(f"  {x.component}/{x.resource}: {x.item}" for x in unpriced)
    out.extend(budget_lines(est))
    free = Counter(x.type.split(":")[-1] for x in est.lines if x.kind == "free")
    out.append(f"free: {sum(free.values())} resources ({', '.join(f'{t} x{n}' for t, n in sorted(free.items()))})")
    out.append("not included: data transfer out of AWS, cross-AZ traffic, API calls, account-wide free tiers")
    return "\n".join(out)


def render_compare(a: Estimate, b: Estimate) -> str:
    """Two stacks side by side: per component and in total, with the difference."""
    out = [*header(a, b), "", f"  {'component':<24} {a.stack:>14} {b.stack:>14} {'difference':>12}"]
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, est in enumerate((a, b)):
        for line in est.lines:
            totals[line.component][i] += line.monthly
    # A component with an unpriced line on either side has no honest difference: it is marked, not subtracted.
    gaps = {line.component for est in (a, b) for line in est.unpriced_lines()}
    for component, (x, y) in sorted(totals.items(), key=lambda kv: -max(kv[1])):
        if x or y or component in gaps:
            diff = f"{'unpriced':>12}" if component in gaps else f"{y - x:>+12,.2f}"
            out.append(f"  {component:<24} {_money(x):>14} {_money(y):>14} {diff}")
    for label, kind in (("fixed", "fixed"), ("usage", "usage"), ("total", None)):
        x, y = a.total(kind), b.total(kind)
        diff = f"{y - x:>+11,.2f}*" if gaps else f"{y - x:>+12,.2f}"
        out.append(f"  {label.upper():<24} {_money(x):>14} {_money(y):>14} {diff}")
    if gaps:
        out.append("  * of the priced items only: the components marked unpriced differ by an unknown amount")
    for est in (a, b):
        for line in est.unpriced_lines():
            out.append(f"WARNING: {est.stack} {line.component}/{line.resource}: {line.item} is unpriced")
    return "\n".join(out)


def budget_lines(est: Estimate) -> list[str]:
    """The budget verdict of an estimate (nothing when the stack sets no budget)."""
    if est.budget_fixed is None and est.budget_monthly is None:
        return []
    over = est.over_budget()
    # An unpriced item counts as nothing, so a verdict over the priced items alone says so.
    gaps = len(est.unpriced_lines())
    caveat = f"; {gaps} unpriced item(s) not counted (WARNING above)" if gaps else ""
    if not over:
        limits = ", ".join(f"{label} {_money(v)}" for label, v in (("fixed", est.budget_fixed),
                                                                   ("monthly", est.budget_monthly)) if v is not None)
        return [f"budget:    within ({limits} {est.currency}/month){caveat}"]
    return [f"BUDGET EXCEEDED: {message}{caveat}" for message in over]


def write_json(est: Estimate, path: Path) -> None:
    """Write the `--json` document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(est.to_json(), indent=2) + "\n")
