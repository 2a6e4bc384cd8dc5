"""What every component's settings model shares: the base class, the problem list, and value types.

Each component module owns the pydantic model of its stack-file section (`NetworkSettings` for
`platform:network`, ...): schema, defaults, docs and validation in one place, taken whole by the
component's Args. `stack_config.py` composes them and turns validation errors into one message per
key; the `@key: problem` lines that `Problems` produces are how a validator names the key it faults.
"""

from __future__ import annotations

import os
import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from components import aws_data

ORDERED_LISTS = frozenset({"command", "entrypoint", "args"})
"""List settings where an entry may repeat: a command's words are the author's sequence."""


class Settings(BaseModel):
    """Base of every settings model: typos fail (`extra="forbid"`) and values are read-only."""

    # Attribute docstrings become field descriptions: docs/config-reference.md is generated
    # from them (`./run readme --write`), so the docs cannot drift from the model. Reading them costs a
    # quarter of a second per import; `plan --watch` plans without them (PLATFORM_FIELD_DOCS=off).
    model_config = ConfigDict(extra="forbid", frozen=True,
                              use_attribute_docstrings=os.environ.get("PLATFORM_FIELD_DOCS") != "off")

    @model_validator(mode="after")
    def _no_repeats(self) -> Any:
        # A list of names, paths, hosts or rights holds each once: a repeat becomes a duplicate resource, a listener
        # condition AWS refuses, or nothing at all, silently. Commands and arguments are sequences, not sets.
        problems = Problems()
        for key, value in self:
            if key in ORDERED_LISTS or not isinstance(value, list):
                continue
            scalars = [v for v in value if isinstance(v, (str, int, float))]
            repeated = sorted({str(v) for v in scalars if scalars.count(v) > 1})
            if repeated:
                problems.add(key, f"lists each entry once; {', '.join(repeated)} repeat(s)")
        return problems.done(self)


_M = TypeVar("_M")


class Problems:
    """Every problem one validator finds, reported together (one line per key) instead of the first."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, key: str, problem: str) -> None:
        """Note a problem with `key` (relative to the model being validated)."""
        # The `@key:` prefix lets the formatter (stack_config) print the key's full path.
        self.lines.append(f"@{key}: {problem}")

    def done(self, model: _M) -> _M:
        """Raise them all at once, or hand the valid model back."""
        if self.lines:
            raise ValueError("\n".join(self.lines))
        return model


PATTERN_HINTS: dict[str, str] = {}
"""What each `matching` pattern expects, in words (error messages say this instead of the regex)."""


def matching(regex: str, expected: str) -> Any:
    """The constraint of a string type: `Annotated[str, matching(regex, expected)]` accepts what `regex` matches,
    and its error message says `expected` in words.

    Errors carry only the pattern, so one pattern has one wording: a second, different wording would
    silently replace the first in every message (define the type once and share it instead)."""
    if PATTERN_HINTS.setdefault(regex, expected) != expected:
        raise ValueError(f"pattern {regex!r} already reads {PATTERN_HINTS[regex]!r}; share that type")
    return Field(pattern=regex)


def today() -> date:
    """The date support windows (EKS versions) are judged at; tests move it."""
    return date.today()


Tier = Literal["public", "private", "isolated"]
"""Subnet tiers: public (load balancers, NAT), private (workloads), isolated (data stores)."""
TIERS: tuple[Tier, ...] = ("public", "private", "isolated")

RetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]
"""The retention periods CloudWatch Logs accepts (any other value is rejected by the API)."""

BackupWindow = Annotated[str, matching(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$", "a daily UTC window hh:mm-hh:mm such as 03:00-04:00")]
"""A daily UTC window `hh:mm-hh:mm`, e.g. `03:00-04:00`."""

MaintenanceWindow = Annotated[str, matching(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$",
    "a weekly UTC window ddd:hh:mm-ddd:hh:mm such as mon:04:00-mon:05:00",
)]
"""A weekly UTC window `ddd:hh:mm-ddd:hh:mm`, e.g. `mon:04:00-mon:05:00`."""

ResourceName = Annotated[str, matching(
    r"^[a-z][a-z0-9-]{0,27}$",
    "a name of 1-28 lowercase ASCII letters, digits or hyphens starting with a letter, such as api or frontend")]
EnvName = Annotated[str, matching(r"^[A-Za-z_][A-Za-z0-9_]*$", "an environment variable name such as DB_HOST (letters, digits, _)")]
"""A portable environment variable name."""

DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
"""One DNS label (RFC 1123): 1-63 lowercase letters, digits and inner hyphens."""
DnsLabel = Annotated[str, matching(rf"^{DNS_LABEL}$", "a single DNS label such as api or www")]
SecretKey = Annotated[str, matching(r"^[a-z][a-z0-9-]{0,40}$", "a short lowercase key such as jwt-secret")]
AbsolutePath = Annotated[str, matching(r"^/[\w./-]*$", "an absolute path such as /data")]
"""A directory in a file system or a container, from its root."""

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _daily_minutes(window: str) -> list[tuple[int, int]]:
    """Minute ranges in a week covered by a daily `hh:mm-hh:mm` window (every day)."""
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in window.split("-"))
    length = (end - start) % 1440
    return [(d * 1440 + start, d * 1440 + start + length) for d in range(7)]


def _weekly_minutes(window: str) -> tuple[int, int]:
    start_s, end_s = window.split("-")
    start = _DAYS.index(start_s[:3]) * 1440 + int(start_s[4:6]) * 60 + int(start_s[7:9])
    end = _DAYS.index(end_s[:3]) * 1440 + int(end_s[4:6]) * 60 + int(end_s[7:9])
    return start, start + (end - start) % (7 * 1440)


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily backup window overlaps a weekly maintenance window (AWS rejects that)."""
    week = 7 * 1440
    m_start, m_end = _weekly_minutes(weekly)
    for b_start, b_end in _daily_minutes(daily):
        for shift in (-week, 0, week):
            if b_start + shift < m_end and m_start < b_end + shift:
                return True
    return False


def _window_minutes(window: str) -> int:
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in window.split("-"))
    return (end - start) % 1440


def check_windows(problems: Problems, daily_key: str, daily: str, weekly: str, *, min_minutes: int) -> None:
    """AWS rejects a daily backup/snapshot window that overlaps the maintenance window or is too short."""
    if windows_overlap(daily, weekly):
        problems.add("maintenance_window", f"overlaps {daily_key} {daily}; AWS rejects overlapping windows")
    if _window_minutes(daily) < min_minutes:
        problems.add(daily_key, f"must be at least {min_minutes} minutes long")


def fargate_problem(problems: Problems, key: str, cpu_units: float, memory: int, *, vcpu: bool) -> None:
    """Fargate takes only AWS's cpu/memory pairs (components/aws_data.py): note a pair it refuses.

    `key` is the section (`` or `steps[0].`); `vcpu` says whether the config counts whole vCPUs (Batch)
    or CPU units (ECS), so the message speaks its language.
    """
    pairs = aws_data.fargate_memory_by_cpu()
    unit = "vCPU" if vcpu else "CPU units"
    shown = f"{cpu_units / 1024:g}" if vcpu else f"{cpu_units:g}"
    if cpu_units not in pairs:
        offered = ", ".join(f"{u / 1024:g}" if vcpu else str(u) for u in pairs)
        problems.add(f"{key}{'vcpu' if vcpu else 'cpu'}", f"Fargate takes {offered} {unit}; got {shown}")
    elif memory not in pairs[int(cpu_units)]:
        options = ", ".join(str(m) for m in pairs[int(cpu_units)])
        problems.add(f"{key}memory", f"{shown} {unit} take{'s' if vcpu else ''} {options} MiB on Fargate; got {memory}")


# -- references a service or a pipeline step makes; the program resolves them to ARNs (wiring.py) --

IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
"""A tag as registries take it (OCI Distribution Specification, "Pulling manifests": `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`;
ECR follows it; checked 2026-12-04)."""


class ImageSettings(Settings):
    """Either one of our ECR repositories plus a tag, or an external image URI."""

    repository: str | None = None
    """A name from `registry.repositories`."""
    tag: str | None = None
    """Image tag in that repository."""
    uri: str | None = None
    """An external image, e.g. semitechnologies/weaviate:1.24.1."""

    @model_validator(mode="after")
    def _one_source(self) -> ImageSettings:
        problems = Problems()
        if (self.repository is None) == (self.uri is None):
            problems.add("repository", "give either repository (+ tag) or uri")
        if self.repository is not None and not self.tag:
            problems.add("tag", f"required with repository {self.repository!r} (immutable tags: no `latest`)")
        if self.uri is not None and self.tag is not None:
            problems.add("tag", "goes with repository; put the tag in the uri")
        if self.tag is not None and not IMAGE_TAG.fullmatch(self.tag):
            problems.add("tag", f"image tags are 1-128 letters, digits, _ . and -, not starting with . or -; got {self.tag!r}")
        return problems.done(self)


KmsKeyArn = Annotated[str, matching(r"^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$",
                     "a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/<uuid>")]
"""A customer-managed KMS key, by ARN (a key outside the stack: an outside secret's, an external bucket's)."""


class SecretRefSettings(Settings):
    """An environment variable filled from Secrets Manager at task start."""

    secret: str | None = None
    """A key of `platform:secrets`, or `database` for the RDS-managed master secret."""
    arn: Annotated[str, matching(r"^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$", "a Secrets Manager secret ARN")] | None = None
    """A secret outside this stack, by ARN."""
    key: str | None = None
    """JSON key inside the secret (e.g. `password`); unset: the whole value."""
    kms_key_arn: KmsKeyArn | None = None
    """With `arn`: the customer-managed key the secret is encrypted with (readers get kms:Decrypt on it through
    Secrets Manager); unset: the AWS-managed key, which needs no grant."""

    @model_validator(mode="after")
    def _one_source(self) -> SecretRefSettings:
        problems = Problems()
        if (self.secret is None) == (self.arn is None):
            problems.add("secret", "give either secret (a platform:secrets key or `database`) or arn")
        if self.kms_key_arn is not None and self.arn is None:
            problems.add("kms_key_arn", "only with arn: the stack knows the keys of its own secrets")
        return problems.done(self)
