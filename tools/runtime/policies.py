"""Every policy in a recorded stack, indexed the way AWS looks them up for a request.

- identity policies by role ARN: the role's inline policies (`aws.iam.RolePolicy`, `inlinePolicies`)
  and its attachments (customer-managed `aws.iam.Policy` of the stack, or AWS managed policies from
  `managed_policies.json`);
- trust policies by role ARN (the resource policy of `sts:AssumeRole*`);
- resource policies by resource ARN: bucket policies (covering the bucket and its objects), topic,
  queue and secret policies, EFS file system policies, ECR repository policies;
- KMS key policies by key ARN (a key created without a policy has AWS's default key policy).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tools.harness import Recorded, RecordingMonitor
from tools.runtime.iam import Policy, Source, default_key_policy

MANAGED_POLICY_FILE = Path(__file__).with_name("managed_policies.json")


@cache
def managed_policies() -> dict[str, dict[str, Any]]:
    """The vendored AWS managed policies by ARN (document, version, source)."""
    return {p["arn"]: p for p in json.loads(MANAGED_POLICY_FILE.read_text())["policies"]}


def _document(value: Any) -> Policy | None:
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return value if isinstance(value, dict) else None


@dataclass
class Role:
    """A role of the stack and the policies that apply to whoever acts as it."""

    record: Recorded
    arn: str
    name: str
    trust: Policy | None
    identity: list[Source] = field(default_factory=list)
    unknown_managed: list[str] = field(default_factory=list)
    """Attached AWS managed policies whose content is not vendored (they count as granting nothing)."""


@dataclass
class PolicyIndex:
    """The stack's policies, by who or what they apply to."""

    account: str
    roles: dict[str, Role] = field(default_factory=dict)
    """By role ARN."""
    resource: dict[str, list[Source]] = field(default_factory=lambda: defaultdict(list))
    """Resource policies by the ARN they are attached to (buckets by `arn:aws:s3:::<name>`)."""
    keys: dict[str, Source] = field(default_factory=dict)
    """KMS key policies by key ARN."""

    def identity_of(self, principal: str) -> Role | None:
        return self.roles.get(principal)

    def resource_policies(self, arn: str) -> list[Source]:
        """Resource policies covering `arn` (an S3 object is covered by its bucket's policy)."""
        found = list(self.resource.get(arn, ()))
        if arn.startswith("arn:aws:s3:::") and "/" in arn:
            found += self.resource.get(arn.split("/", 1)[0], [])
        return found

    def key_policy(self, arn: str) -> Source | None:
        return self.keys.get(arn)


def index(monitor: RecordingMonitor, account: str) -> PolicyIndex:
    """Index every policy of one recorded stack (reads of other stacks are not ours and carry none)."""
    records = [r for r in monitor.records() if r.custom and not r.read]
    out = PolicyIndex(account=account)
    by_name: dict[str, Role] = {}
    policies_by_arn = {str(r.outputs.get("arn")): r for r in records if r.type == "aws:iam/policy:Policy"}
    managed = managed_policies()
    for rec in records:
        if rec.type != "aws:iam/role:Role":
            continue
        role = Role(record=rec, arn=str(rec.outputs.get("arn")), name=str(rec.outputs.get("name") or rec.id),
                    trust=_document(rec.inputs.get("assumeRolePolicy")))
        for inline in rec.inputs.get("inlinePolicies") or []:
            doc = _document(inline.get("policy"))
            if doc is not None:
                role.identity.append(Source(f"{rec.name} inline {inline.get('name', '')}".strip(), doc))
        out.roles[role.arn] = role
        by_name[role.name] = role
        by_name[rec.id] = role
    for rec in records:
        if rec.type == "aws:iam/rolePolicy:RolePolicy":
            role = by_name.get(str(rec.inputs.get("role")))
            doc = _document(rec.inputs.get("policy"))
            if role is not None and doc is not None:
                role.identity.append(Source(f"role policy {rec.name}", doc))
        elif rec.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            role = by_name.get(str(rec.inputs.get("role")))
            if role is None:
                continue
            arn = str(rec.inputs.get("policyArn"))
            if arn in managed:
                entry = managed[arn]
                role.identity.append(Source(f"{arn.rsplit('/', 1)[-1]} ({entry['version']})", entry["document"]))
            elif arn in policies_by_arn:
                doc = _document(policies_by_arn[arn].inputs.get("policy"))
                if doc is not None:
                    role.identity.append(Source(f"policy {policies_by_arn[arn].name}", doc))
            else:
                role.unknown_managed.append(arn)
        elif rec.type == "aws:s3/bucketPolicy:BucketPolicy":
            _add(out, f"arn:aws:s3:::{rec.inputs.get('bucket')}", f"bucket policy {rec.name}", rec.inputs.get("policy"))
        elif rec.type == "aws:sns/topicPolicy:TopicPolicy":
            _add(out, str(rec.inputs.get("arn")), f"topic policy {rec.name}", rec.inputs.get("policy"))
        elif rec.type == "aws:secretsmanager/secretPolicy:SecretPolicy":
            _add(out, str(rec.inputs.get("secretArn")), f"secret policy {rec.name}", rec.inputs.get("policy"))
        elif rec.type == "aws:sqs/queuePolicy:QueuePolicy":
            _add(out, str(rec.inputs.get("queueUrl")), f"queue policy {rec.name}", rec.inputs.get("policy"))
        elif rec.type == "aws:kms/key:Key":
            doc = _document(rec.inputs.get("policy"))
            label = f"key policy of {rec.name}" if doc is not None else f"default key policy of {rec.name}"
            out.keys[str(rec.outputs.get("arn"))] = Source(label, doc if doc is not None else default_key_policy(account))
    # A KeyPolicy resource replaces its key's policy (default or written on the key) once it is applied.
    keys_by_id = {str(r.outputs.get("keyId") or r.outputs.get("id")): str(r.outputs.get("arn")) for r in records
                  if r.type == "aws:kms/key:Key"}
    for rec in records:
        if rec.type == "aws:kms/keyPolicy:KeyPolicy":
            arn = keys_by_id.get(str(rec.inputs.get("keyId")))
            doc = _document(rec.inputs.get("policy"))
            if arn is not None and doc is not None:
                out.keys[arn] = Source(f"key policy {rec.name}", doc)
    file_systems = {str(r.outputs.get("id")): str(r.outputs.get("arn")) for r in records
                    if r.type == "aws:efs/fileSystem:FileSystem"}
    for rec in records:
        if rec.type == "aws:efs/fileSystemPolicy:FileSystemPolicy":
            arn = file_systems.get(str(rec.inputs.get("fileSystemId")))
            if arn:
                _add(out, arn, f"file system policy {rec.name}", rec.inputs.get("policy"))
        elif rec.type == "aws:s3/bucket:Bucket" and rec.inputs.get("policy"):
            _add(out, str(rec.outputs.get("arn")), f"inline policy of bucket {rec.name}", rec.inputs.get("policy"))
    return out


def _add(out: PolicyIndex, arn: str, label: str, policy: Any) -> None:
    doc = _document(policy)
    if doc is not None:
        out.resource[arn].append(Source(label, doc))
