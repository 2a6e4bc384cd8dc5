"""`diagram`: the stack's architecture drawn from its recorded graph, offline.

One model (`architecture`) read from what the program declares, two renderings: Mermaid text (for
READMEs and PR comments) and a PNG + SVG drawn with the `diagrams` package (AWS icons, graphviz).
Nodes are the parts a reader looks for (edge, load balancers, services, data stores, buckets, the
pipeline, egress), grouped VPC -> subnet tier -> component; arrows follow the traffic the graph
allows: DNS and CloudFront origins, security-group ingress rules between the parts, what each
service's and job's IAM policy names (buckets, the state machine), the upload trigger, the state
machine's job queue.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.harness import Recorded, RecordingMonitor

TIERS = ("public", "private", "isolated")


@dataclass(frozen=True)
class Node:
    """One box of the drawing."""

    id: str
    """Mermaid-safe id (the resource's logical name)."""
    label: str
    """What the box says."""
    kind: str
    """internet, dns, cdn, waf, alb, service, database, cache, files, bucket, statemachine, batch, nat,
    endpoints, datastack"""
    place: str
    """edge (outside the VPC, global), public / private / isolated (a subnet tier), regional (outside the VPC)"""
    component: str
    """The platform component it belongs to (a group in the drawing)."""


@dataclass(frozen=True, order=True)
class Edge:
    """One arrow: traffic or a call from `src` to `dst`."""

    src: str
    """Node id the traffic or call starts from."""
    dst: str
    """Node id it reaches."""
    label: str = ""
    """Port, access or event."""


@dataclass
class Architecture:
    """Nodes and arrows of one stack."""

    stack: str
    """`project/stack` (the drawing's title)."""
    vpc: str
    """The VPC group's title."""
    nodes: dict[str, Node] = field(default_factory=dict)
    """Node id -> node."""
    edges: set[Edge] = field(default_factory=set)
    """The arrows."""

    def add(self, node: Node) -> Node:
        """Add a node (the first of an id wins)."""
        return self.nodes.setdefault(node.id, node)

    def link(self, src: Node | None, dst: Node | None, label: str = "") -> None:
        """Add an arrow between two known nodes (self-loops and unknown ends are ignored)."""
        # One arrow per pair: the first reason found (an origin, a rule, a policy) names it.
        if src is not None and dst is not None and src.id != dst.id and not any(
                e.src == src.id and e.dst == dst.id for e in self.edges):
            self.edges.add(Edge(src.id, dst.id, label))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


class _Reader:
    """Walks the recorded graph once and builds the architecture."""

    def __init__(self, monitor: RecordingMonitor, stack: str) -> None:
        self.m = monitor
        self.records = sorted((r for r in monitor.records() if r.custom and not r.read), key=lambda r: r.urn)
        vpcs = [r for r in self.records if r.type == "aws:ec2/vpc:Vpc"]
        vpc = f"VPC {vpcs[0].inputs.get('cidrBlock')}" if vpcs else "VPC (adopted or from the data stack)"
        self.arch = Architecture(stack=stack, vpc=vpc)
        self.by_sg: dict[str, Node] = {}
        self.idents: list[tuple[str, Node]] = []
        self.subnet_tier = {r.id: (r.inputs.get("tags") or {}).get("tier") for r in self.of("aws:ec2/subnet:Subnet")}

    # -- helpers --------------------------------------------------------------------------------
    def of(self, typ: str) -> list[Recorded]:
        return [r for r in self.records if r.type == typ]

    def node(self, rec: Recorded, kind: str, label: str, place: str, *idents: Any, sgs: Iterable[str] = ()) -> Node:
        node = self.arch.add(Node(_slug(rec.name), label, kind, place, self.m.component_name(rec)))
        for ident in (rec.id, rec.outputs.get("arn"), *idents):
            if ident:
                self.idents.append((str(ident), node))
        for sg in sgs:
            self.by_sg.setdefault(sg, node)
        return node

    def mentioned(self, blob: Any) -> list[Node]:
        """Nodes whose ARN, id or name occurs in `blob` (an IAM policy, a state machine definition)."""
        text = blob if isinstance(blob, str) else json.dumps(blob)
        found = {node.id: node for ident, node in self.idents if len(ident) > 8 and ident in text}
        return [found[k] for k in sorted(found)]

    def tier_of(self, subnets: Iterable[str], default: str) -> str:
        tiers = {self.subnet_tier.get(s) for s in subnets} - {None}
        return tiers.pop() if len(tiers) == 1 else default

    # -- nodes ----------------------------------------------------------------------------------
    def build(self) -> Architecture:
        arch = self.arch
        internet = arch.add(Node("internet", "Internet", "internet", "outside", "-"))
        self._data_nodes()
        albs = self._load_balancers()
        services = self._services()
        self._pipeline()
        self._egress(internet)
        self._edge(internet, albs)
        self._security_group_paths(internet)
        self._policies(services)
        return arch

    def _data_nodes(self) -> None:
        groups = {r.id: list(r.inputs.get("subnetIds") or []) for r in self.of("aws:rds/subnetGroup:SubnetGroup")}
        groups.update({r.id: list(r.inputs.get("subnetIds") or []) for r in self.of("aws:elasticache/subnetGroup:SubnetGroup")})
        for rec in self.of("aws:rds/instance:Instance"):
            place = self.tier_of(groups.get(rec.inputs.get("dbSubnetGroupName"), []), "isolated")
            multi = " Multi-AZ" if rec.inputs.get("multiAz") else ""
            self.node(rec, "database", f"PostgreSQL {rec.inputs.get('engineVersion')} {rec.inputs.get('instanceClass')}{multi}",
                      place, sgs=rec.inputs.get("vpcSecurityGroupIds") or [])
        for rec in self.of("aws:rds/cluster:Cluster"):
            members = [m for m in self.of("aws:rds/clusterInstance:ClusterInstance")
                       if m.inputs.get("clusterIdentifier") == rec.id]
            classes = sorted({str(m.inputs.get("instanceClass")) for m in members})
            place = self.tier_of(groups.get(rec.inputs.get("dbSubnetGroupName"), []), "isolated")
            self.node(rec, "database", f"Aurora PostgreSQL {rec.inputs.get('engineVersion')} {len(members)} x {', '.join(classes)}",
                      place, sgs=rec.inputs.get("vpcSecurityGroupIds") or [])
        for rec in self.of("aws:elasticache/replicationGroup:ReplicationGroup"):
            place = self.tier_of(groups.get(rec.inputs.get("subnetGroupName"), []), "isolated")
            self.node(rec, "cache", f"{str(rec.inputs.get('engine')).title()} {int(rec.inputs.get('numCacheClusters') or 1)} x "
                      f"{rec.inputs.get('nodeType')}", place, sgs=rec.inputs.get("securityGroupIds") or [])
        for rec in self.of("aws:efs/fileSystem:FileSystem"):
            sgs = {sg for m in self.of("aws:efs/mountTarget:MountTarget") if m.inputs.get("fileSystemId") == rec.id
                   for sg in m.inputs.get("securityGroups") or []}
            self.node(rec, "files", "EFS file system", "private", sgs=sorted(sgs))
        for rec in self.of("aws:s3/bucket:Bucket"):
            name = rec.outputs.get("bucket") or rec.inputs.get("bucket")
            self.node(rec, "bucket", f"S3 {rec.name}", "regional", name, f"arn:aws:s3:::{name}")
        for rec in self.of("aws:sfn/stateMachine:StateMachine"):
            self.node(rec, "statemachine", "Step Functions state machine", "regional")
        layer = [r for r in self.m.records() if r.type == "platform:components:DataLayer"]
        for rec in layer:
            # An app-layer stack: the data stack's stores are reached through rules this stack owns.
            for rule in self.m.children_of(rec.urn):
                if rule.type != "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
                    continue
                owner = rule.name.split("-from-")[0]
                node = self.arch.add(Node(f"data_{_slug(owner)}", f"data stack: {owner}", "datastack", "private", rec.name))
                self.by_sg.setdefault(str(rule.inputs.get("securityGroupId")), node)

    def _load_balancers(self) -> dict[str, Node]:
        albs: dict[str, Node] = {}
        for rec in self.of("aws:lb/loadBalancer:LoadBalancer"):
            internal = bool(rec.inputs.get("internal"))
            node = self.node(rec, "alb", f"ALB {rec.name} ({'internal' if internal else 'internet-facing'})",
                             "private" if internal else "public", rec.outputs.get("dnsName"),
                             sgs=rec.inputs.get("securityGroups") or [])
            albs[str(rec.outputs.get("dnsName"))] = node
        for rec in self.of("kubernetes:networking.k8s.io/v1:Ingress"):
            notes = (rec.inputs.get("metadata") or {}).get("annotations") or {}
            public = notes.get("alb.ingress.kubernetes.io/scheme") == "internet-facing"
            node = self.node(rec, "alb", f"ALB {rec.name} (ingress, {'internet-facing' if public else 'internal'})",
                             "public" if public else "private")
            albs[f"ingress:{rec.name}"] = node
        return albs

    def _services(self) -> dict[str, Node]:
        services: dict[str, Node] = {}  # task or pod role name -> service
        groups = {r.outputs.get("arn"): r for r in self.of("aws:lb/targetGroup:TargetGroup")}
        lbs_by_listener = {r.outputs.get("arn"): r.inputs.get("loadBalancerArn") for r in self.of("aws:lb/listener:Listener")}
        for rec in self.of("aws:ecs/service:Service"):
            task = next((t for t in self.of("aws:ecs/taskDefinition:TaskDefinition")
                         if t.outputs.get("arn") == rec.inputs.get("taskDefinition")), None)
            size = f"{float(task.inputs['cpu']) / 1024:g} vCPU / {float(task.inputs['memory']) / 1024:g} GB" if task else ""
            count = int(rec.inputs.get("desiredCount") or 0)
            network = rec.inputs.get("networkConfiguration") or {}
            node = self.node(rec, "service", f"{rec.name} Fargate {count} x {size}", "private",
                             sgs=network.get("securityGroups") or [])
            if task and task.inputs.get("taskRoleArn"):
                services[str(task.inputs["taskRoleArn"]).rsplit("/", 1)[-1]] = node
            for binding in rec.inputs.get("loadBalancers") or []:
                group = groups.get(binding.get("targetGroupArn"))
                for rule in self.of("aws:lb/listenerRule:ListenerRule") + self.of("aws:lb/listener:Listener"):
                    text = json.dumps(rule.inputs)
                    if group is not None and str(group.outputs.get("arn")) in text:
                        lb_arn = rule.inputs.get("loadBalancerArn") or lbs_by_listener.get(rule.inputs.get("listenerArn"))
                        lb = next((n for ident, n in self.idents if ident == lb_arn), None)
                        self.arch.link(lb, node, f":{int(binding.get('containerPort') or 0)}")
        ingresses = [(r, self.arch.nodes[_slug(r.name)]) for r in self.of("kubernetes:networking.k8s.io/v1:Ingress")]
        pod_groups = {((r.inputs.get("metadata") or {}).get("name")): (r.inputs.get("spec") or {}).get("securityGroups", {}).get("groupIds", [])
                      for r in self.of("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy")}
        for rec in self.of("kubernetes:apps/v1:Deployment"):
            app = (rec.inputs.get("metadata") or {}).get("name")
            replicas = int((rec.inputs.get("spec") or {}).get("replicas") or 0)
            node = self.node(rec, "service", f"{rec.name} EKS pods{f' x {replicas}' if replicas else ''}", "private",
                             sgs=pod_groups.get(app, [])[:1])
            for ingress, alb in ingresses:
                if f'"name": "{app}"' in json.dumps(ingress.inputs.get("spec")):
                    self.arch.link(alb, node)
            account = (rec.inputs.get("spec") or {}).get("template", {}).get("spec", {}).get("serviceAccountName")
            for sa in self.of("kubernetes:core/v1:ServiceAccount"):
                if (sa.inputs.get("metadata") or {}).get("name") == account:
                    role = ((sa.inputs.get("metadata") or {}).get("annotations") or {}).get("eks.amazonaws.com/role-arn")
                    if role:
                        services[str(role).rsplit("/", 1)[-1]] = node
        return services

    def _pipeline(self) -> None:
        for queue in self.of("aws:batch/jobQueue:JobQueue"):
            envs = [e for e in self.of("aws:batch/computeEnvironment:ComputeEnvironment")
                    if e.outputs.get("arn") in json.dumps(queue.inputs.get("computeEnvironmentOrders"))]
            kinds = " then ".join(str((e.inputs.get("computeResources") or {}).get("type")) for e in envs)
            sgs = [sg for e in envs for sg in (e.inputs.get("computeResources") or {}).get("securityGroupIds") or []]
            self.node(queue, "batch", f"AWS Batch queue ({kinds})", "private", sgs=sgs)
        for machine in self.of("aws:sfn/stateMachine:StateMachine"):
            node = self.arch.nodes[_slug(machine.name)]
            for target in self.mentioned(machine.inputs.get("definition")):
                if target.kind == "batch":
                    self.arch.link(node, target, "submit job")
        for target in self.of("aws:cloudwatch/eventTarget:EventTarget"):
            rule = next((r for r in self.of("aws:cloudwatch/eventRule:EventRule")
                         if target.inputs.get("rule") in (r.id, r.outputs.get("name"))), None)
            dst = [n for n in self.mentioned(str(target.inputs.get("arn"))) if n.kind == "statemachine"]
            if rule is not None and dst:
                for src in self.mentioned(rule.inputs.get("eventPattern")):
                    if src.kind == "bucket":
                        self.arch.link(src, dst[0], "object created")

    def _egress(self, internet: Node) -> None:
        nats = self.of("aws:ec2/natGateway:NatGateway")
        if nats:
            node = self.arch.add(Node("nat", f"NAT gateway x {len(nats)}", "nat", "public", self.m.component_name(nats[0])))
            self.arch.link(node, internet, "egress")
        for rec in self.of("aws:ec2/instance:Instance"):
            node = self.node(rec, "nat", f"NAT instance {rec.inputs.get('instanceType')}", "public",
                             sgs=rec.inputs.get("vpcSecurityGroupIds") or [])
            self.arch.link(node, internet, "egress")
        interface = [r for r in self.of("aws:ec2/vpcEndpoint:VpcEndpoint") if r.inputs.get("vpcEndpointType") == "Interface"]
        if interface:
            names = ", ".join(sorted(str(r.inputs.get("serviceName")).rsplit(".", 1)[-1] for r in interface))
            node = self.arch.add(Node("endpoints", f"interface endpoints: {names}", "endpoints", "private",
                                      self.m.component_name(interface[0])))
            for rec in interface:
                for sg in rec.inputs.get("securityGroupIds") or []:
                    self.by_sg.setdefault(sg, node)

    def _edge(self, internet: Node, albs: dict[str, Node]) -> None:
        arch = self.arch
        aliases = {str(r.inputs.get("name")): str((r.inputs.get("aliases") or [{}])[0].get("name"))
                   for r in self.of("aws:route53/record:Record") if r.inputs.get("aliases")}
        cdn_domains: dict[str, Node] = {}
        for rec in self.of("aws:cloudfront/distribution:Distribution"):
            cdn = self.node(rec, "cdn", "CloudFront", "edge", rec.outputs.get("domainName"))
            cdn_domains[str(rec.outputs.get("domainName"))] = cdn
            arch.link(internet, cdn, "HTTPS")
            for origin in rec.inputs.get("origins") or []:
                domain = str(origin.get("domainName"))
                target = albs.get(aliases.get(domain, domain))
                if target is None:
                    target = next((n for n in self.mentioned(domain.split(".s3.")[0]) if n.kind == "bucket"), None)
                arch.link(cdn, target, str(origin.get("originId") or ""))
        for rec in self.of("aws:wafv2/webAcl:WebAcl"):
            waf = self.node(rec, "waf", f"WAF {rec.name} ({len(rec.inputs.get('rules') or [])} rules)", "edge")
            for dist in self.of("aws:cloudfront/distribution:Distribution"):
                if dist.inputs.get("webAclId") == rec.outputs.get("arn"):
                    arch.link(waf, arch.nodes[_slug(dist.name)], "filters")
            for assoc in self.of("aws:wafv2/webAclAssociation:WebAclAssociation"):
                if assoc.inputs.get("webAclArn") == rec.outputs.get("arn"):
                    for target in self.mentioned(str(assoc.inputs.get("resourceArn"))):
                        arch.link(waf, target, "filters")
            for ingress in self.of("kubernetes:networking.k8s.io/v1:Ingress"):
                if rec.outputs.get("arn") in json.dumps(ingress.inputs.get("metadata")):
                    arch.link(waf, arch.nodes[_slug(ingress.name)], "filters")
        for rec in self.of("aws:route53/zone:Zone"):
            zone = str(rec.inputs.get("name")).rstrip(".")
            dns = self.node(rec, "dns", f"Route53 {zone}{' (private)' if rec.inputs.get('vpcs') else ''}", "edge")
            for name, target in sorted(aliases.items()):
                if not name.rstrip(".").endswith(zone):
                    continue
                if target in cdn_domains:
                    arch.link(dns, cdn_domains[target], "alias")
                elif target in albs and not name.startswith("origin."):
                    arch.link(dns, albs[target], "alias")
        for rec in self.of("kubernetes:networking.k8s.io/v1:Ingress"):
            if arch.nodes[_slug(rec.name)].place == "public":
                arch.link(internet, arch.nodes[_slug(rec.name)], "HTTPS")

    def _security_group_paths(self, internet: Node) -> None:
        for rule in self.of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
            dst = self.by_sg.get(str(rule.inputs.get("securityGroupId")))
            port = rule.inputs.get("fromPort")
            label = f":{int(port)}" if port is not None else ""
            if rule.inputs.get("referencedSecurityGroupId"):
                self.arch.link(self.by_sg.get(str(rule.inputs["referencedSecurityGroupId"])), dst, label)
            elif rule.inputs.get("cidrIpv4") == "0.0.0.0/0" and dst is not None and dst.kind == "alb":
                self.arch.link(internet, dst, "HTTPS")
            elif rule.inputs.get("prefixListId") and dst is not None:
                for cdn in (n for n in self.arch.nodes.values() if n.kind == "cdn"):
                    self.arch.link(cdn, dst, label)

    def _policies(self, services: dict[str, Node]) -> None:
        roles = dict(services)
        for job in self.of("aws:batch/jobDefinition:JobDefinition"):
            props = job.inputs.get("containerProperties") or job.inputs.get("ecsProperties") or {}
            text = props if isinstance(props, str) else json.dumps(props)
            queue = next((n for n in self.arch.nodes.values() if n.kind == "batch"), None)
            match = re.search(r'"jobRoleArn": "[^"]*/([^"/]+)"', text)
            if match and queue is not None:
                roles.setdefault(match.group(1), queue)
        for policy in self.of("aws:iam/rolePolicy:RolePolicy"):
            owner = roles.get(str(policy.inputs.get("role")))
            if owner is None:
                continue
            document = policy.inputs.get("policy")
            statements = (json.loads(document) if isinstance(document, str) else document or {}).get("Statement", [])
            for target in self.mentioned(document):
                if target.kind == "bucket":
                    self.arch.link(owner, target, _access(target, statements, self.idents))
                elif target.kind == "statemachine":
                    self.arch.link(owner, target, "start")


def _access(bucket: Node, statements: list[dict[str, Any]], idents: list[tuple[str, Node]]) -> str:
    """read, write or read/write: what a policy's statements on one bucket allow."""
    names = [ident for ident, node in idents if node is bucket and len(ident) > 8]
    actions: set[str] = set()
    for statement in statements:
        if any(name in json.dumps(statement.get("Resource")) for name in names):
            granted = statement.get("Action")
            actions |= set([granted] if isinstance(granted, str) else granted or [])
    can_read = any(a.startswith(("s3:Get", "s3:List")) for a in actions)
    can_write = any(a.startswith(("s3:Put", "s3:Delete")) for a in actions)
    return {(True, True): "read/write", (False, True): "write"}.get((can_read, can_write), "read")


def architecture(monitor: RecordingMonitor, stack: str) -> Architecture:
    """The drawing model of a recorded stack."""
    arch = _Reader(monitor, stack).build()
    # Buckets nothing points at (log buckets) would only add clutter.
    linked = {e.src for e in arch.edges} | {e.dst for e in arch.edges}
    arch.nodes = {k: n for k, n in arch.nodes.items() if n.kind != "bucket" or k in linked}
    return arch


# --------------------------------------------------------------------------------------------
# Mermaid
# --------------------------------------------------------------------------------------------

_SHAPES = {"internet": '(("{}"))', "database": '[("{}")]', "cache": '[("{}")]', "files": '[("{}")]',
           "bucket": '[("{}")]', "datastack": '[("{}")]', "cdn": '{{{{"{}"}}}}', "waf": '{{{{"{}"}}}}'}


def _groups(arch: Architecture, place: str) -> Iterator[tuple[str, list[Node]]]:
    by_component: dict[str, list[Node]] = {}
    for node in sorted(arch.nodes.values(), key=lambda n: n.id):
        if node.place == place:
            by_component.setdefault(node.component, []).append(node)
    yield from sorted(by_component.items())


def mermaid(arch: Architecture) -> str:
    """Mermaid flowchart text: deterministic, so a committed copy can be compared."""
    out = ["flowchart LR"]

    def box(node: Node, indent: str) -> str:
        label = node.label.replace('"', "'")
        return f"{indent}{node.id}" + _SHAPES.get(node.kind, '["{}"]').format(label)

    out.append(box(arch.nodes["internet"], "  "))
    sections = [("edge", "edge", "Edge (global)"), ("regional", "regional", "Regional services")]
    for key, place, title in sections[:1]:
        if any(n.place == place for n in arch.nodes.values()):
            out.append(f'  subgraph {key}["{title}"]')
            out.extend(box(n, "    ") for _, nodes in _groups(arch, place) for n in nodes)
            out.append("  end")
    out.append(f'  subgraph vpc["{arch.vpc}"]')
    for tier in TIERS:
        groups = list(_groups(arch, tier))
        if not groups:
            continue
        out.append(f'    subgraph {tier}["{tier} subnets"]')
        for component, nodes in groups:
            out.append(f'      subgraph {tier}_{_slug(component)}["{component}"]')
            out.extend(box(n, "        ") for n in nodes)
            out.append("      end")
        out.append("    end")
    out.append("  end")
    for key, place, title in sections[1:]:
        if any(n.place == place for n in arch.nodes.values()):
            out.append(f'  subgraph {key}["{title}"]')
            out.extend(box(n, "    ") for _, nodes in _groups(arch, place) for n in nodes)
            out.append("  end")
    for edge in sorted(arch.edges):
        arrow = f' -->|"{edge.label}"| ' if edge.label else " --> "
        out.append(f"  {edge.src}{arrow}{edge.dst}")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# PNG / SVG with the diagrams package
# --------------------------------------------------------------------------------------------


def graphviz_available() -> bool:
    """Whether graphviz's `dot` is installed (the diagrams package needs it)."""
    return shutil.which("dot") is not None


def _icon(kind: str, label: str) -> Any:
    from diagrams.aws import compute, database, management, network, security, storage
    from diagrams.aws.integration import StepFunctions
    from diagrams.onprem.network import Internet

    icons = {
        "internet": Internet, "dns": network.Route53, "cdn": network.CloudFront, "waf": security.WAF,
        "alb": network.ElbApplicationLoadBalancer, "service": compute.Fargate, "database": database.RDS,
        "cache": database.ElasticacheForRedis, "files": storage.EFS, "bucket": storage.S3,
        "statemachine": StepFunctions, "batch": compute.Batch, "nat": network.NATGateway,
        "endpoints": network.Endpoint, "datastack": management.CloudformationStack,
    }
    text = textwrap.fill(label, 28)  # graphviz does not wrap; long labels would overlap
    if kind == "service" and "EKS" in label:
        return compute.EKS(text)
    return icons[kind](text)


def render_image(arch: Architecture, path: Path) -> list[Path]:
    """Draw `path`.png and `path`.svg (grouped VPC -> tier -> component); returns the files written."""
    from diagrams import Cluster, Diagram
    from diagrams import Edge as Arrow

    path.parent.mkdir(parents=True, exist_ok=True)
    drawn: dict[str, Any] = {}
    attrs = {"fontsize": "12", "pad": "0.4"}
    with Diagram(arch.stack, filename=str(path), outformat=["png", "svg"], show=False, direction="LR", graph_attr=attrs):
        drawn["internet"] = _icon("internet", "Internet")
        for place, title in (("edge", "Edge (global)"), ("regional", "Regional services")):
            if any(n.place == place for n in arch.nodes.values()):
                with Cluster(title):
                    for _, nodes in _groups(arch, place):
                        for n in nodes:
                            drawn[n.id] = _icon(n.kind, n.label)
        with Cluster(arch.vpc):
            for tier in TIERS:
                groups = list(_groups(arch, tier))
                if groups:
                    with Cluster(f"{tier} subnets"):
                        for component, nodes in groups:
                            with Cluster(component):
                                for n in nodes:
                                    drawn[n.id] = _icon(n.kind, n.label)
        for edge in sorted(arch.edges):
            drawn[edge.src] >> Arrow(label=edge.label) >> drawn[edge.dst]
    return [path.with_suffix(".png"), path.with_suffix(".svg")]


def write(arch: Architecture, out_dir: Path, name: str) -> list[Path]:
    """Write `<name>.mmd` and, when graphviz is installed, `<name>.png` and `<name>.svg`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text_path = out_dir / f"{name}.mmd"
    text_path.write_text(mermaid(arch) + "\n")
    files = [text_path]
    if graphviz_available():
        files += render_image(arch, out_dir / name)
    return files
