"""`diff`: what a change does to a stack, before review and without AWS: create, update, replace, delete.

`./run diff <stack> [--base <git-ref>]` plans the stack with the program of the base ref (default: the
merge base with main) and with the working tree, both under mocks, and compares the two recorded graphs:

- a URN in both: **update** when an input changed (the changed inputs are listed, secrets masked), and
  **replace** when one of them is create-only: AWS's CloudFormation schema marks it `createOnlyProperties`
  (mapped to pulumi-aws inputs by `tools/preflight/cfn.py`), or the provider's `FORCE_NEW` table below;
- a URN only in the working tree: **create**, unless one of its aliases names a base URN (then it is the
  same resource, compared as above); only in the base: **delete**. A changed URN (a renamed resource,
  component or parent, a changed type) without an alias is therefore a delete plus a create.

The guard: replacing or deleting a stateful resource (database, cache, bucket, file system, KMS key, hosted
zone, repository, EKS cluster, backup vault, secret) fails with exit 6 unless the stack file acknowledges that resource
(`platform:acknowledged_replacements`); deleting a protected resource is refused unless acknowledged, and then
needs `pulumi state unprotect` right before the deploy (it stays in AWS: prod retains what it protects). An acknowledged
replacement of a protected resource prints the step the engine needs first (`pulumi state unprotect`). The cost of
both sides is compared beside it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tools.harness import PROJECT_DIR, StackFile, alias_spec, component_ancestor, load_stack_config
from tools.same_graph import RefError, git_tree, graph

EXIT_GUARD = 6
"""A stateful resource would be replaced or deleted without an acknowledgement (or a protected one deleted)."""

STATEFUL = {
    "aws:rds/instance:Instance": "the database and its data (automated backups go with it unless kept)",
    "aws:rds/cluster:Cluster": "the Aurora cluster and its data",
    "aws:rds/clusterInstance:ClusterInstance": "an Aurora instance (the cluster's data stays; capacity drops meanwhile)",
    "aws:elasticache/replicationGroup:ReplicationGroup": "the cache's data",
    "aws:s3/bucket:Bucket": "every object in the bucket", "aws:s3/bucketV2:BucketV2": "every object in the bucket",
    "aws:efs/fileSystem:FileSystem": "every file on the file system",
    "aws:kms/key:Key": "the key: whatever it encrypts becomes unreadable once it is deleted",
    "aws:route53/zone:Zone": "the hosted zone: its records, and the name servers delegated to it",
    "aws:ecr/repository:Repository": "every image in the repository",
    "eks:index:Cluster": "the Kubernetes cluster and everything running in it",
    "aws:backup/vault:Vault": "the vault's recovery points (AWS refuses to delete a vault that holds any; a new one starts empty)",
    "aws:secretsmanager/secret:Secret": "the secret's value, set outside Pulumi (recoverable only within its recovery window)",
}
"""Types whose replacement or deletion loses data, and what is lost."""

FORCE_NEW = {
    # internal/service/rds/instance.go (stored versions 00e4b238 and 552c0468): ForceNew on these.
    "aws:rds/instance:Instance": {"engine", "kmsKeyId", "characterSetName", "ncharCharacterSetName", "timezone",
                                  "snapshotIdentifier", "dbName", "identifier", "storageEncrypted", "username"},
    # internal/service/rds/cluster.go (stored version 0168cf68, with master_password_wo: a 2025 provider).
    "aws:rds/cluster:Cluster": {"engine", "engineMode", "kmsKeyId", "databaseName", "masterUsername",
                                "storageEncrypted", "dbSubnetGroupName", "snapshotIdentifier"},
}
"""Inputs the pulumi-aws provider replaces on beyond what AWS's CloudFormation schemas mark create-only: it
follows the Terraform provider's ForceNew marks (hashicorp/terraform-provider-aws, read 2026-11-30; e.g. an RDS
instance's engine and kms_key_id, an Aurora cluster's engine and db_subnet_group_name). Only schemas read are
listed; every other type is judged by its CloudFormation schema alone."""

CFN_ALIASES: dict[str, dict[str, str | None]] = {
    # CloudFormation properties whose pulumi-aws input has another name (the provider follows Terraform's names), or
    # none (None: a way of creating the resource this program does not use, or a resource-level choice the
    # provider takes elsewhere). Checked against the provider's Args classes by tests/tools/test_diff.py.
    "aws:rds/instance:Instance": {"DBClusterIdentifier": None, "DBSystemId": None, "SourceRegion": None},
    "aws:rds/cluster:Cluster": {"RestoreToTime": None, "RestoreType": None, "SourceDBClusterIdentifier": None,
                                "SourceDbClusterResourceId": None, "UseLatestRestorableTime": None},
    "aws:rds/clusterInstance:ClusterInstance": {
        # The cluster holds these: its instances take them from it (AWS::RDS::DBInstance serves both kinds).
        "BackupTarget": None, "CharacterSetName": None, "DBName": None, "DBSystemId": None, "KmsKeyId": None,
        "MasterUsername": None, "NcharCharacterSetName": None, "SourceRegion": None, "StorageEncrypted": None,
        "Timezone": None},
    "aws:elasticache/replicationGroup:ReplicationGroup": {"CacheSubnetGroupName": "subnetGroupName"},
    "aws:ecs/taskDefinition:TaskDefinition": {"InferenceAccelerators": None},
    "aws:ecs/service:Service": {"Role": "iamRole"},
    "aws:lb/loadBalancer:LoadBalancer": {"Scheme": "internal"},
    "aws:ec2/vpc:Vpc": {"VpcEncryptionControl": None},
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        "GroupId": "securityGroupId", "GroupName": None, "SourcePrefixListId": "prefixListId",
        "SourceSecurityGroupId": "referencedSecurityGroupId", "SourceSecurityGroupName": None,
        "SourceSecurityGroupOwnerId": None},
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        "DestinationPrefixListId": "prefixListId", "DestinationSecurityGroupId": "referencedSecurityGroupId",
        "GroupId": "securityGroupId"},
    "aws:ec2/instance:Instance": {"ElasticGpuSpecifications": None, "ElasticInferenceAccelerators": None,
                                  "HibernationOptions": "hibernation", "ImageId": "ami", "LicenseSpecifications": None,
                                  "PlacementGroupName": "placementGroup", "PrivateIpAddress": "privateIp"},
    "aws:ec2/flowLog:FlowLog": {"DeliverLogsPermissionArn": "iamRoleArn", "LogGroupName": "logDestination",
                                "ResourceId": "vpcId", "ResourceType": None},
    "aws:efs/accessPoint:AccessPoint": {"ClientToken": None},
    "aws:s3/bucket:Bucket": {"BucketNamePrefix": "bucketPrefix"},
    **{typ: {"BucketName": "bucket", "BucketNamePrefix": None, "BucketNamespace": None} for typ in (
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls")},
    "aws:route53/record:Record": {"HostedZoneId": "zoneId", "HostedZoneName": None},
    "aws:batch/jobQueue:JobQueue": {"JobQueueType": None},
    "aws:backup/vault:Vault": {"EncryptionKeyArn": "kmsKeyArn"},
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": {"EncryptionKeyArn": None},
    "aws:sns/topicSubscription:TopicSubscription": {"TopicArn": "topic"},
    "aws:appautoscaling/policy:Policy": {"ScalingTargetId": "resourceId"},
    "aws:eks/nodeGroup:NodeGroup": {"NodeRole": "nodeRoleArn", "Subnets": "subnetIds"},
    # pulumi-eks's component takes these under other names and is a black box under mocks: its inputs are tested.
    "eks:index:Cluster": {"AccessConfig": None, "BootstrapSelfManagedAddons": None, "EncryptionConfig": None,
                          "KubernetesNetworkConfig": None, "OutpostConfig": None, "RoleArn": None},
}
"""CloudFormation create-only properties the name rule (`provider_input`) cannot map: their pulumi-aws input,
or None where the provider has no such input the program could change."""

ALWAYS_IN_PLACE = frozenset({"tags", "tagsAll"})
"""Inputs the provider always changes in place, even where a CloudFormation schema marks them create-only
(AWS::Batch::ComputeEnvironment's Tags): terraform-provider-aws declares resources' tags with
`tftags.TagsSchema()`, an optional string map without ForceNew (its internal/tags package, and its use in
internal/service/rds/instance.go and cluster.go; read 2026-11-30)."""


@dataclass
class Change:
    """One resource's fate."""

    action: str
    """create | update | replace | delete"""
    urn: str
    type: str
    name: str
    component: str
    inputs: list[str] = field(default_factory=list)
    """Changed inputs (update, replace)."""
    forced_by: list[str] = field(default_factory=list)
    """The create-only inputs that force a replacement."""
    protected: bool = False
    """The base has it protected (`protect`): the engine refuses to delete it, and to replace it unless the
    head lifts the protection (pulumi/pulumi#8810, #8873)."""
    still_protected: bool = False
    """The head keeps it protected too (replace)."""
    before: dict[str, Any] = field(default_factory=dict)
    """The base's inputs (update, replace)."""
    after: dict[str, Any] = field(default_factory=dict)
    """The head's inputs (update, replace)."""


DATABASES = frozenset({"aws:rds/instance:Instance", "aws:rds/cluster:Cluster"})
"""Stateful types whose data has a documented way into a new resource."""
DATABASE_ROUTE = ("To move the data into a new database (another engine, RDS to Aurora), follow README 'Changing the "
                  "database': snapshot it, restore the new one from the snapshot (database.restore_from_snapshot), "
                  "acknowledge the old one, unprotect it, switch with `pulumi up`, retire the old one by hand.")
"""What the guard adds when a database would go."""


@cache
def create_only(typ: str) -> frozenset[str]:
    """Top-level pulumi inputs of `typ` that cannot change in place: AWS's schema's `createOnlyProperties`
    (through the preflight's mapping, the aliases above, else the provider input of the same words), plus
    FORCE_NEW."""
    from components import aws_data
    from tools.preflight.cfn import CFN_MAP

    found = set(FORCE_NEW.get(typ, set()))
    mapping = CFN_MAP.get(typ)
    if mapping is not None:
        schema = aws_data.cfn_schema(mapping.cfn_type)
        fixed = {p.split("/")[2] for p in schema.get("createOnlyProperties", []) if p.startswith("/properties/")}
        mapped = {_top(cfn_path): _top(pulumi_path) for pulumi_path, cfn_path in mapping.properties.items()}
        aliases = CFN_ALIASES.get(typ, {})
        for prop in fixed:
            name = mapped.get(prop) or (aliases[prop] if prop in aliases else provider_input(typ, prop))
            if name is not None:
                found.add(name)
    return frozenset(found - ALWAYS_IN_PLACE)


@cache
def provider_inputs(typ: str) -> frozenset[str]:
    """The camelCase inputs pulumi-aws takes for `typ` (`aws:rds/cluster:Cluster`), read from its Args class."""
    import importlib
    import inspect

    module, _, name = typ.removeprefix("aws:").partition(":")
    try:
        resource = getattr(importlib.import_module(f"pulumi_aws.{module.split('/')[0]}"), name)
        # Where a nested block's type took `<Name>Args` (s3.BucketVersioningArgs), the resource's is `<Name>InitArgs`.
        module_of = inspect.getmodule(resource)
        args = getattr(module_of, f"{name}InitArgs", None) or getattr(module_of, f"{name}Args")
    except (ImportError, AttributeError):
        return frozenset()
    snake = [p for p in inspect.signature(args.__init__).parameters if p != "__self__"]
    return frozenset(re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), p) for p in snake)


def provider_input(typ: str, cfn_property: str) -> str | None:
    """The pulumi-aws input a CloudFormation property of `typ` is, by name: the same words (`DBSubnetGroupName` is
    `dbSubnetGroupName`, `CustomIAMInstanceProfile` is `customIamInstanceProfile`), else the longest input the
    property ends with (`DBClusterIdentifier` is `clusterIdentifier`: CloudFormation prefixes the type); None when
    the provider has no such input."""
    def flat(name: str) -> str:
        return name.replace("_", "").lower()

    from tools.preflight.cfn import CFN_MAP

    inputs = provider_inputs(typ)
    wanted = flat(cfn_property)
    exact = [i for i in inputs if flat(i) == wanted]
    if exact:
        return exact[0]
    # Only the type's own name may be the prefix (DBCluster, DB, Cluster), never another word (SourceRegion is
    # not the provider's `region`).
    type_name = CFN_MAP[typ].cfn_type.rsplit("::", 1)[-1] if typ in CFN_MAP else ""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*", type_name)
    prefixes = {flat(type_name), *(flat(w) for w in words), *(flat("".join(words[:n])) for n in range(1, len(words)))}
    suffixes = sorted((i for i in inputs if wanted.endswith(flat(i)) and wanted[:-len(flat(i))] in prefixes),
                      key=lambda i: -len(i))
    return suffixes[0] if suffixes else None


def _component(resource: dict[str, Any], resources: dict[str, dict[str, Any]]) -> str:
    owner = component_ancestor(resource.get("parent"), resources, lambda r: r["type"], lambda r: r.get("parent"))
    return owner["name"] if owner is not None else "-"


def _top(path: str) -> str:
    """The top-level input of a property path (`containerDefinitions[0].image`, `tags{}` -> its first name)."""
    return re.split(r"[.\[{$]", path, maxsplit=1)[0]


def _urn(parent: str | None, typ: str, name: str, stack: str, project: str) -> str:
    # The same construction as the mock monitor's (the URNs the graphs hold): the parent's own type qualifies.
    if parent:
        typ = parent.split("::")[2].split("$")[-1] + "$" + typ
    return f"urn:pulumi:{stack}::{project}::{typ}::{name}"


def identities(resources: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """{URN: every URN the resource may have had}: its own, its aliases (a URN, or a spec whose unset
    fields default to the resource's own), and those it inherits from its parent's aliases (the child's
    name with the parent's old name as prefix when it started with the parent's name), as the engine
    resolves them (pulumi/pulumi pkg/resource/deploy: alias specs and inherited child aliases)."""

    @cache
    def of(urn: str) -> frozenset[str]:
        res = resources[urn]
        stack, project = urn.split("::")[0].removeprefix("urn:pulumi:"), urn.split("::")[1]
        parent = res.get("parent")
        parents = set(of(parent)) if parent in resources else {parent}
        found = {urn}
        parent_name = resources[parent]["name"] if parent in resources else None
        for old_parent in parents - {parent}:
            name = res["name"]
            if parent_name and name.startswith(parent_name):
                name = old_parent.split("::")[-1] + name[len(parent_name):]
            found.add(_urn(old_parent, res["type"], name, stack, project))
        for alias in res.get("options", {}).get("aliases", []):
            if alias.startswith("urn:"):
                found.add(alias)
                continue
            spec = alias_spec(alias)
            olds = ({spec["parentUrn"]} if "parentUrn" in spec else {None} if spec.get("noParent") else parents)
            for old_parent in olds:
                found.add(_urn(old_parent, spec.get("type", res["type"]), spec.get("name", res["name"]),
                               spec.get("stack", stack), spec.get("project", project)))
        return frozenset(found)

    return {urn: set(of(urn)) for urn in resources}


def _resources(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = document["resources"]
    return {r["urn"]: r for r in (found.values() if isinstance(found, dict) else found)}


def _managed(resource: dict[str, Any]) -> bool:
    # Custom resources and remote components (eks:index:Cluster) are what a deploy creates and deletes.
    return bool(resource.get("custom", True) or resource.get("remote"))


def _option(resource: dict[str, Any], key: str) -> Any:
    return resource.get("options", {}).get(key)


GLOBAL_TYPE_PREFIXES = ("aws:iam/", "aws:route53/", "aws:cloudfront/", "aws:budgets/", "aws:organizations/")
"""Resource types of AWS's global services: a stack moving to another region keeps them where they are."""


def stays_on_region_move(res: dict[str, Any]) -> bool:
    """A resource that does not follow `aws:region`: a global service's, a CLOUDFRONT-scope web ACL (always in
    us-east-1), one pinned to a region of its own (`region` input), or a component/provider (nothing of AWS's)."""
    inputs = res.get("inputs") or {}
    return (res["type"].startswith(GLOBAL_TYPE_PREFIXES) or inputs.get("scope") == "CLOUDFRONT"
            or bool(inputs.get("region")) or not res["type"].startswith("aws:"))


def compare(base: dict[str, Any], head: dict[str, Any], *, region_move: tuple[str, str] | None = None) -> list[Change]:
    """The changes from the base graph to the head graph (`plan --json` documents). `region_move` (from, to): the
    stack's `aws:region` changed, which creates every regional resource anew in the new region."""
    old, new = _resources(base), _resources(head)
    was: dict[str, str] = {}  # head URN -> the base URN it continues
    continued: set[str] = set()  # those base URNs
    for urn, ids in identities(new).items():
        match = next((i for i in sorted(ids, key=lambda i: i != urn) if i in old and i not in continued), None)
        if match is not None:
            was[urn] = match
            continued.add(match)
    changes: list[Change] = []
    for urn, res in new.items():
        if not _managed(res):
            continue
        before = old.get(was.get(urn, ""))
        if before is None:
            changes.append(Change("create", urn, res["type"], res["name"], _component(res, new)))
            continue
        ignored = set(_option(res, "ignoreChanges") or [])
        keys = sorted(k for k in set(before["inputs"]) | set(res["inputs"])
                      if k not in ignored and before["inputs"].get(k) != res["inputs"].get(k))
        protection = (bool(_option(before, "protect")), bool(_option(res, "protect")))
        if before["type"] != res["type"]:
            changes.append(Change("replace", urn, res["type"], res["name"], _component(res, new), keys, ["(type)"],
                                  *protection, before["inputs"], res["inputs"]))
        elif region_move is not None and not stays_on_region_move(res):
            changes.append(Change("replace", urn, res["type"], res["name"], _component(res, new), keys,
                                  [f"aws:region {region_move[0]} -> {region_move[1]}"], *protection, before["inputs"],
                                  res["inputs"]))
        elif keys:
            forcing = create_only(res["type"]) | set(_option(res, "replaceOnChanges") or [])
            forced = sorted(set(keys) if "*" in forcing else set(keys) & forcing)  # replaceOnChanges: ["*"]
            changes.append(Change("replace" if forced else "update", urn, res["type"], res["name"],
                                  _component(res, new), keys, forced, *protection, before["inputs"], res["inputs"]))
    for urn, res in old.items():
        if _managed(res) and urn not in continued:
            changes.append(Change("delete", urn, res["type"], res["name"], _component(res, old),
                                  protected=bool(_option(res, "protect"))))
    return changes


def guard(changes: list[Change], acknowledged: dict[str, str]) -> list[str]:
    """Why the change may not go ahead as it is (empty: it may)."""
    refusals = []
    for c in changes:
        if c.action not in ("replace", "delete"):
            continue
        lost = STATEFUL.get(c.type, "the resource")
        route = f" {DATABASE_ROUTE}" if c.type in DATABASES else ""
        if c.action == "delete" and c.protected and c.name not in acknowledged:
            refusals.append(f"{c.name} ({c.type}) is protected and would be deleted, losing {lost}; `pulumi up` "
                            "refuses that. If it was renamed or moved, add an alias "
                            "(ResourceOptions(aliases=[pulumi.Alias(name=...)])) so it keeps its identity; to retire "
                            f"it, snapshot it and lift `protect` in a change of its own first.{route}")
        elif c.type in STATEFUL and c.name not in acknowledged:
            how = ("add an alias if it was renamed or moved (ResourceOptions(aliases=[...])), or snapshot it and "
                   "`pulumi import` it under its new name" if c.action == "delete" else
                   f"{', '.join(c.forced_by)} cannot change in place: keep the old value, or snapshot it first")
            refusals.append(f"{c.name} ({c.type}) would be {'replaced' if c.action == 'replace' else 'deleted'}, "
                            f"losing {lost}. To keep it: {how}. To go ahead: list it under "
                            f"platform:acknowledged_replacements (resource: {c.name}, reason: ...).{route}")
    return refusals


def manual_steps(changes: list[Change], acknowledged: dict[str, str]) -> list[str]:
    """What must happen outside the program before `pulumi up` for the acknowledged changes to go through:
    the engine replaces a protected resource only when its old state or its new goal is unprotected
    (pulumi/pulumi#8810, #8873), and prod protects every stateful resource whatever the stack file says."""
    steps = [f"{c.name}: take a snapshot, then `pulumi state unprotect '{c.urn}'` right before `pulumi up`; the "
             "engine refuses to replace a protected resource otherwise, and the program protects the new one again"
             for c in changes if c.action == "replace" and c.protected and c.still_protected and c.name in acknowledged]
    steps += [f"{c.name}: `pulumi state unprotect '{c.urn}'` right before `pulumi up`; it leaves the stack but stays "
              "in AWS (retainOnDelete): once the new one serves, delete it by hand (README: Changing the database)"
              for c in changes if c.action == "delete" and c.protected and c.name in acknowledged]
    return steps


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 70 else text[:67] + "..."


def _parsed(value: Any) -> Any:
    # Inputs that are JSON documents (container definitions, IAM policies) are compared inside.
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def leaf_changes(before: Any, after: Any, path: str) -> list[tuple[str, Any, Any]]:
    """(path, old, new) for each leaf that differs; dicts by key, lists of equal length by index."""
    before, after = _parsed(before), _parsed(after)
    if isinstance(before, dict) and isinstance(after, dict):
        return [change for key in sorted(set(before) | set(after), key=str)
                if before.get(key) != after.get(key)
                for change in leaf_changes(before.get(key), after.get(key), f"{path}.{key}")]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [change for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new
                for change in leaf_changes(old, new, f"{path}[{i}]")]
    return [(path, before, after)]


SHOWN_PER_RESOURCE = 6
"""Changed leaves listed per resource; the rest are counted."""


def render(stack: str, base_ref: str, changes: list[Change], secrets: dict[str, set[str]],
           cost: tuple[float | None, float | None], refusals: list[str]) -> str:
    """The report: per component, each change with its changed inputs (secrets masked); totals; cost; the
    guard's verdict."""
    lines = [f"diff of {stack}: {base_ref} -> working tree"]
    by_component: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        by_component[c.component].append(c)
    marks = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
    for component in sorted(by_component):
        lines.append(f"{component}")
        for c in sorted(by_component[component], key=lambda c: (c.action, c.name)):
            forced = f"  (replaced: {', '.join(c.forced_by)} cannot change in place)" if c.forced_by else ""
            lines.append(f"  {marks[c.action]:>2} {c.action:<8} {c.type.rsplit(':', 1)[-1]:<28} {c.name}{forced}")
            leaves = [leaf for key in c.inputs for leaf in leaf_changes(c.before.get(key), c.after.get(key), key)]
            for path, old, new in leaves[:SHOWN_PER_RESOURCE]:
                secret = _top(path) in secrets.get(c.urn, set())
                lines.append(f"        {path}: " + ("[secret] changed" if secret else f"{_shown(old)} -> {_shown(new)}"))
            if len(leaves) > SHOWN_PER_RESOURCE:
                lines.append(f"        ... and {len(leaves) - SHOWN_PER_RESOURCE} more")
    counts = Counter(c.action for c in changes)
    lines.append("no changes" if not changes else
                 f"totals: {counts['create']} to create, {counts['update']} to update, {counts['replace']} to "
                 f"replace, {counts['delete']} to delete")
    before, after = cost
    if before is not None and after is not None:
        lines.append(f"cost: {before:,.2f} -> {after:,.2f} USD/month ({after - before:+,.2f}; offline estimate, "
                     "fixed + usage; details: ./run cost <stack>)")
    moved = next((f for c in changes for f in c.forced_by if f.startswith("aws:region ")), None)
    if moved is not None:
        lines.append(f"region: {moved.removeprefix('aws:region ')} replaces every regional resource (global ones: IAM, "
                     "Route53, CloudFront and its web ACL, stay); the price table holds us-east-1 list prices only, so "
                     "the cost above is us-east-1's, not the new region's")
    lines.extend(f"REFUSED: {r}" for r in refusals)
    return "\n".join(lines)


def _base_region(ref: str, relative: Path) -> str | None:
    """The `aws:region` the stack file had at `ref` (None for a stack the ref does not have)."""
    import yaml

    run = subprocess.run(["git", "show", f"{ref}:{relative.as_posix()}"], cwd=PROJECT_DIR, capture_output=True,
                         text=True, check=False)
    if run.returncode != 0:
        return None
    try:
        doc = yaml.safe_load(run.stdout) or {}
    except yaml.YAMLError:
        return None
    region = (doc.get("config") or {}).get("aws:region") if isinstance(doc, dict) else None
    return region if isinstance(region, str) else None


def _default_base() -> str:
    for ref in ("main", "origin/main"):
        run = subprocess.run(["git", "merge-base", "HEAD", ref], cwd=PROJECT_DIR, capture_output=True, text=True,
                             check=False)
        if run.returncode == 0:
            return run.stdout.strip()
    return "HEAD"


def acknowledged(stack_file: StackFile) -> dict[str, str]:
    """{resource name: reason} from the stack file's `platform:acknowledged_replacements` (validated by
    stack_settings.AcknowledgedReplacementConfig when the program runs)."""
    return {entry["resource"]: entry["reason"] for entry in stack_file.setting("acknowledged_replacements", [])}


def main(stack: str, base_ref: str | None) -> int:
    """Print the diff of `stack` against `base_ref`; 0, or EXIT_GUARD when the guard refuses it.
    Raises RefError for a ref git does not know."""
    ref = base_ref or _default_base()
    stack_file = load_stack_config(stack)
    relative = stack_file.path.resolve().relative_to(PROJECT_DIR)
    with git_tree(ref) as base, ThreadPoolExecutor(max_workers=2) as pool:
        # The two trees' programs run side by side (one process each: plan and cost share the run).
        old = pool.submit(graph, base, relative, cost=True) if (base / relative).exists() else None
        new = pool.submit(graph, PROJECT_DIR, relative, cost=True)
        before = old.result() if old is not None else {"resources": {}, "cost": 0.0}  # a new stack: all created
        after = new.result()
    base_region, head_region = _base_region(ref, relative), stack_file.raw.get("aws:region")
    region_move = (base_region, head_region) if base_region and head_region and base_region != head_region else None
    changes = compare(before, after, region_move=region_move)
    secrets: dict[str, set[str]] = defaultdict(set)  # an input secret on either side is masked
    for side in (before, after):
        for urn, r in _resources(side).items():
            secrets[urn] |= {_top(p) for p in r.get("secretPaths", [])}
    acks = acknowledged(stack_file)
    refusals = guard(changes, acks)
    print(render(stack_file.name, ref[:12], changes, secrets, (before.get("cost"), after.get("cost")), refusals))
    for step in manual_steps(changes, acks):
        print(f"before pulumi up: {step}")
    replaced = {c.name for c in changes if c.action in ("replace", "delete")}
    for name in sorted(set(acks) - replaced):
        print(f"note: platform:acknowledged_replacements names {name}, which this change does not replace or "
              "delete; remove the entry once the change has landed")
    return EXIT_GUARD if refusals else 0


__all__ = ["EXIT_GUARD", "RefError", "compare", "guard", "identities", "main", "manual_steps", "render"]
