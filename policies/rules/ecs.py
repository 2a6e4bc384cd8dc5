"""ECS clusters, services and task definitions."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject, dig, document, items
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject, dig, document, items  # type: ignore[no-redef]



SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY)", re.IGNORECASE)


def ecs_no_public_ip(res: Subject) -> Iterator[str]:
    if dig(res.props, "networkConfiguration", "assignPublicIp") is True:
        yield f"ECS service {res.name} gives its tasks public IPs."


def container_insights(res: Subject) -> Iterator[str]:
    settings = {dig(s, "name"): dig(s, "value") for s in items(res.props.get("settings"))}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield f"ECS cluster {res.name} has Container Insights off."


def ecs_circuit_breaker(res: Subject) -> Iterator[str]:
    breaker = res.props.get("deploymentCircuitBreaker")
    if dig(breaker, "enable") is not True or dig(breaker, "rollback") is not True:
        yield f"ECS service {res.name} does not roll back failed deployments."


def _containers(res: Subject) -> list[Mapping[str, Any]]:
    return [c for c in items(document_list(res.props.get("containerDefinitions"))) if isinstance(c, Mapping)]


def document_list(value: Any) -> list[Any]:
    """Container definitions: a JSON array given as text (or already parsed)."""
    if isinstance(value, str):
        parsed = document('{"d": ' + value + "}") if value.strip() else {}
        return items(parsed.get("d"))
    return items(value)


def no_privileged(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        if c.get("privileged") is True:
            yield f"Task definition {res.name} runs container {c.get('name')} privileged."


def no_plain_secrets(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        for env in items(c.get("environment")):
            if SECRET_NAME.search(str(dig(env, "name"))):
                yield (f"Task definition {res.name} passes {dig(env, 'name')} as a plain environment variable; "
                       "use secrets (valueFrom).")


def pinned_images(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        image = str(c.get("image") or "")
        if image.endswith(":latest") or (":" not in image.rsplit("/", 1)[-1] and "@" not in image):
            yield f"Task definition {res.name} runs {image!r} without a pinned tag."


def read_only_root(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        if c.get("readonlyRootFilesystem") is not True:
            yield f"Task definition {res.name} lets container {c.get('name')} write its root file system."


def ecs_task_isolation(res: Subject) -> Iterator[str]:
    if res.props.get("pidMode") == "host":
        yield f"Task definition {res.name} shares the host's process namespace (pidMode host)."
    if res.props.get("networkMode") == "host":
        for c in _containers(res):
            if c.get("privileged") is True or str(c.get("user") or "root") in ("root", "0", "0:0"):
                yield f"Task definition {res.name} runs {c.get('name')} as root (or privileged) on the host's network."


def ecs_logging(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        if not dig(c, "logConfiguration", "logDriver"):
            yield f"Task definition {res.name} has no log configuration for container {c.get('name')}."


def fargate_latest(res: Subject) -> Iterator[str]:
    version = res.props.get("platformVersion")
    if res.props.get("launchType") in (None, "FARGATE") and version not in (None, "LATEST"):
        yield f"ECS service {res.name} pins Fargate platform version {version} instead of LATEST."
