"""The policy pack: `pulumi preview --policy-pack policies`. Only assembles; the rules live in rules/."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import POLICIES

PolicyPack(
    name="platform-guardrails",
    description="Encryption, private placement, no public data, logging, recoverability, scoped identity and "
                "supply-chain rules for the platform's AWS resources (AWS FSBP-aligned).",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=POLICIES,
)
