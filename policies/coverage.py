"""Where the pack stands on every FSBP control of every AWS service the program can create.

`fsbp_controls.json` lists the controls (FSBP v1.0.0 as prowler 5.46.0 ships them, read 2026-11-30).
Each is exactly one of: covered by a rule (its `fsbp`, or `ALSO_COVERED` for a rule that decides more than
one control); not decidable from a program's inputs (it reads live state: credentials, expiry dates,
findings of other services); not applicable (the program never creates what it judges); or a gap, a
control that could be decided from inputs but has no rule yet, with what closing it takes. docs/policy-pack.md's
table is generated from here (`./run readme --write`), and a test keeps every control in exactly one
place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTROLS_FILE = Path(__file__).with_name("fsbp_controls.json")

ALSO_COVERED = {
    "CloudFront.7": "cloudfront-viewer-https",  # the default *.cloudfront.net certificate is refused
    "CloudFront.10": "cloudfront-origin-https",  # originSslProtocols TLSv1.2 only
    "EC2.13": "sg-no-open-ingress", "EC2.14": "sg-no-open-ingress", "EC2.18": "sg-no-open-ingress",
    "EKS.2": "(stack_config and preflight: the EKS calendar in components/aws_data.py)",
    "ElastiCache.7": "elasticache-maintained",
    "KMS.2": "kms-no-decrypt-everything",
    "RDS.4": "rds-storage-encrypted",  # snapshots of an encrypted database are encrypted
    "RDS.7": "rds-deletion-protection-prod",
    "RDS.12": "rds-iam-auth",
    "RDS.16": "rds-copy-tags",
    "RDS.24": "rds-custom-admin",
    "RDS.27": "rds-storage-encrypted",
    "RDS.35": "rds-minor-upgrades",
    "RDS.34": "rds-log-exports", "RDS.36": "rds-log-exports", "RDS.37": "rds-log-exports",
    "RDS.38": "rds-force-ssl", "RDS.39": "rds-force-ssl",
    "S3.2": "s3-no-public-acl", "S3.3": "s3-policy-no-public-principal",
    "S3.10": "s3-lifecycle",
    "EFS.4": "efs-access-points-scoped",
    "WAF.12": "waf-rules-with-metrics",
    "ELB.16": "alb-waf-or-cloudfront-only",
    "CloudFront.8": "cloudfront-viewer-https",  # sslSupportMethod vip is refused
    "EC2.25": "ec2-no-public-ip",  # launch templates' network interfaces
    "ECS.1": "ecs-task-isolation",
    "RDS.20": "rds-event-subscriptions", "RDS.21": "rds-event-subscriptions", "RDS.22": "rds-event-subscriptions",
}
"""Controls a rule decides besides its own `fsbp` one."""

NOT_DECIDABLE = {
    "ACM.1": "certificate expiry is live state (the program's certificates are DNS-validated and renew themselves)",
    "CloudFront.12": "whether an S3 origin exists is live state",
    "EC2.4": "stopped instances are live state",
    "EC2.12": "unused Elastic IPs are live state",
    "EC2.16": "unused network ACLs are live state",
    "EC2.24": "an AMI's virtualization type is known only once it is resolved",
    "IAM.3": "access-key age is live state", "IAM.4": "the root user's keys are account state",
    "IAM.5": "console passwords and MFA are account state", "IAM.6": "root MFA is account state",
    "IAM.8": "credential use is live state", "IAM.9": "root MFA is account state",
    "IAM.19": "MFA devices are account state", "IAM.22": "credential use is live state",
    "IAM.26": "IAM server certificates' expiry is live state",
    "KMS.3": "a key scheduled for deletion is live state (keys here keep a 30-day window)",
    "SecretsManager.2": "whether rotation succeeded is live state",
    "SecretsManager.3": "secret use is live state",
}
"""Controls that read live state, not the resources a program declares."""

NOT_APPLICABLE = {
    "AutoScaling.1": "the program creates no Auto Scaling groups (EKS managed node groups own theirs)",
    "AutoScaling.2": "the program creates no Auto Scaling groups", "AutoScaling.3": "the program creates no Auto Scaling groups",
    "AutoScaling.4": "the program creates no launch configurations", "AutoScaling.5": "the program creates no launch configurations",
    "AutoScaling.6": "the program creates no Auto Scaling groups", "AutoScaling.9": "the program creates no Auto Scaling groups",
    "EC2.1": "the program creates no EBS snapshots",
    "EC2.7": "EBS encryption by default is an account setting (ec2-volumes-encrypted judges each volume, EC2.3)",
    "EC2.17": "the program attaches no extra network interfaces",
    "EC2.20": "the program creates no Site-to-Site VPN", "EC2.21": "the program creates no network ACLs",
    "EC2.22": "retired by AWS", "EC2.23": "the program creates no transit gateways",
    "EC2.28": "the program creates no standalone EBS volumes", "EC2.51": "the program creates no Client VPN",
    "ELB.2": "the program creates no Classic Load Balancers", "ELB.3": "the program creates no Classic Load Balancers",
    "ELB.7": "the program creates no Classic Load Balancers", "ELB.9": "the program creates no Classic Load Balancers",
    "ELB.10": "the program creates no Classic Load Balancers", "ELB.14": "the program creates no Classic Load Balancers",
    "EventBridge.3": "the program creates no custom event buses (it uses the default bus)",
    "IAM.7": "the password policy is an account setting", "IAM.10": "the password policy is an account setting",
    "RDS.1": "the program creates no manual snapshots",
    "S3.1": "account-level Block Public Access is an account setting (each bucket blocks it: S3.8)",
    "S3.19": "the program creates no S3 access points",
    "WAF.1": "WAF Classic; the program uses WAFv2", "WAF.2": "WAF Classic; the program uses WAFv2",
    "WAF.3": "WAF Classic; the program uses WAFv2", "WAF.4": "WAF Classic; the program uses WAFv2",
    "WAF.6": "WAF Classic; the program uses WAFv2", "WAF.7": "WAF Classic; the program uses WAFv2",
    "WAF.8": "WAF Classic; the program uses WAFv2",
}
"""Controls about resources the program never creates."""

GAPS: dict[str, str] = {}
"""Controls that could be decided from inputs but have no rule yet: what closing each takes."""


NEWER_CONTROLS = [
    {"id": "ECR.5", "title": "ECR repositories should be encrypted with customer managed AWS KMS keys", "service": "ECR"},
    {"id": "ELB.17", "title": "Application and Network Load Balancers with listeners should use recommended security "
                               "policies", "service": "ELB"},
]
"""Controls the rules name that are newer than the dataset (Security Hub user guide, checked 2026-11-30)."""


def controls() -> list[dict[str, Any]]:
    """The FSBP controls of the program's services, in order (the dataset's, then the newer ones)."""
    return json.loads(CONTROLS_FILE.read_text())["controls"] + NEWER_CONTROLS


def status(control: str, rules: list[Any]) -> tuple[str, str]:
    """(covered | not decidable | not applicable | gap, the rule(s) or the reason)."""
    own = [f"{r.name} (opt-in)" if r.opt_in else r.name for r in rules if r.fsbp == control]
    also = ALSO_COVERED.get(control)
    if also and not also.startswith("("):
        rule = next(r for r in rules if r.name == also)
        own.append(f"{also} (opt-in)" if rule.opt_in else also)
    if own:
        return "covered", ", ".join(f"`{n}`" for n in own)
    if also:
        return "covered", also.strip("()")
    for label, table in (("not decidable", NOT_DECIDABLE), ("not applicable", NOT_APPLICABLE), ("gap", GAPS)):
        if control in table:
            return label, table[control]
    return "unclassified", ""
