"""The stack-level settings no component reads: the cost estimate's budget and usage, policy waivers, and the
stateful resources a change may replace on purpose. `StackConfig` (stack_config.py) holds them as its `cost`,
`policy_waivers` and `acknowledged_replacements` keys."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from components import _settings
from components._settings import Settings, matching

UsageKey = Literal[
    "nat_gateway_gb", "load_balancer_gb", "log_ingest_gb", "cloudfront_gb", "cloudfront_requests_million",
    "waf_requests_million", "bucket_gb", "efs_gb", "ecr_gb", "aurora_storage_gb", "aurora_io_million",
    "aurora_extra_acu", "state_transitions", "batch_vcpu_hours", "batch_gb_hours", "endpoint_gb", "sqs_requests_million",
]
"""Usage the cost estimate cannot read from the program (see tools/usage.yaml for what each means)."""


class CostBudgetConfig(Settings):
    """Monthly limits the offline estimate must stay within (`plan` and `cost` exit 5 above them)."""

    monthly_usd: float | None = Field(None, gt=0)
    """Fixed plus usage (at the stack's usage profile), USD per month; unset: no total limit."""
    fixed_usd: float | None = Field(None, gt=0)
    """What the stack costs idle (hours, nodes, keys, ...), USD per month; unset: no fixed limit."""

    @model_validator(mode="after")
    def _some_limit(self) -> CostBudgetConfig:
        if self.monthly_usd is None and self.fixed_usd is None:
            raise ValueError("@monthly_usd: give monthly_usd, fixed_usd or both (or leave budget out)")
        return self


class CostConfig(Settings):
    """`platform:cost`: assumptions of the offline cost estimate (`python -m tools cost`); deploys ignore it."""

    profile: Literal["small", "medium", "large"] = "small"
    """Usage profile for traffic and stored data (tools/usage.yaml)."""
    usage: dict[UsageKey, float] = {}
    """Per-resource monthly usage that replaces the profile's value, e.g. {nat_gateway_gb: 50}."""
    budget: CostBudgetConfig | None = None
    """Monthly limits of the estimate; `plan` and `cost` fail (exit 5) when it exceeds them."""

    @field_validator("usage")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        negative = sorted(k for k, v in value.items() if v < 0)
        if negative:
            raise ValueError(f"usage cannot be negative: {', '.join(negative)}")
        return value


WAIVER_MAX_DAYS = 366
"""The longest a policy waiver may run: a waiver is a debt with a date, renewed deliberately."""


class PolicyWaiverConfig(Settings):
    """One resource-level exception to one policy rule (the policy pack reads it through
    `python -m tools policy-config`); it stops silencing the rule after `expires`."""

    rule: Annotated[str, matching(r"^[a-z0-9]+(-[a-z0-9]+)*$", "a policy rule name such as alb-access-logs")]
    """The rule waived (docs/policy-pack.md); rules about public data and admin rights cannot be waived."""
    resource: str = Field(min_length=1)
    """The resource's name (`app-main`), or a URN pattern with `*` (`*$aws:lb/loadBalancer:LoadBalancer::*`)."""
    reason: str = Field(min_length=10)
    """Why the resource may break the rule, and what makes it safe meanwhile."""
    owner: str = Field(min_length=1)
    """Who answers for the waiver and renews or ends it (a team or a person)."""
    expires: date
    """The last day the waiver holds (YYYY-MM-DD); afterwards the violation is reported again."""

    @model_validator(mode="after")
    def _dated(self) -> PolicyWaiverConfig:
        latest = _settings.today() + timedelta(days=WAIVER_MAX_DAYS)
        if self.expires > latest:
            raise ValueError(f"@expires: at most {WAIVER_MAX_DAYS} days ahead ({latest}); got {self.expires}")
        return self


class AcknowledgedReplacementConfig(Settings):
    """A stateful resource this change may replace or delete on purpose (`./run diff` refuses it otherwise);
    remove the entry once the change has landed."""

    resource: str = Field(min_length=1)
    """The resource's name as `./run diff` prints it (`prod-db-instance`)."""
    reason: str = Field(min_length=10)
    """Why losing it is fine, or how its data is kept (snapshot taken, restored into the new one)."""
