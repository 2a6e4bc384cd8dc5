"""Over time: what deploys cleanly and then stops working while the system runs.

- A secret injected when a workload starts must restart the workload when it changes (`Refresh` needs):
  on ECS an EventBridge rule on Secrets Manager's `Secret Label Updated` event for exactly those
  secrets, whose target may start a state machine that may call ECS UpdateService with
  forceNewDeployment on that service; on EKS the CSI driver polling for rotations, Reloader, and the
  Deployment naming its synced Secret in Reloader's annotation.
- A scheduler (celery beat) must never run twice: one task, stopped before its successor starts.
- A load balancer must not kill tasks that are still starting: the health-check grace period covers
  the container's declared start period.
- Pulumi's awaits must be able to complete and autoscaling must have what it scales on: an Ingress
  needs the load balancer controller, an HPA a metrics source, a node group that may grow a node
  autoscaler, and pods that mount secrets the CSI driver (a DaemonSet, which Fargate cannot run).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components._eks_addon_iam import CONTROLLER_FEATURES
from components._states import ECS_UPDATE_SERVICE
from components.kubernetes_service import RELOAD_ANNOTATION
from tools.harness import Recorded, RecordingMonitor
from tools.runtime.access import decide
from tools.runtime.iam import Request
from tools.runtime.policies import PolicyIndex

SECRET_EVENT = "Secret Label Updated"
SOURCES = {
    "refresh": "ECS Developer Guide, secrets through environment variables (a new deployment picks up a rotated "
               "value); Secrets Manager User Guide, Secret Label Updated events; Secrets Store CSI driver, "
               "secret auto-rotation and Reloader (checked 2026-12-04)",
    "singleton": "ECS Developer Guide, deployment minimumHealthyPercent / maximumPercent; Celery, periodic tasks "
                 "(only one beat scheduler may run, or tasks run twice) (checked 2026-12-04)",
    "grace": "ECS Developer Guide, healthCheckGracePeriodSeconds (load balancer health checks ignored meanwhile) "
             "(checked 2026-12-04)",
    "events": "EventBridge User Guide, rules and targets; Amazon S3 User Guide, EventBridge notifications "
              "(checked 2026-12-04)",
    "await": "EKS User Guide: Horizontal Pod Autoscaler (Metrics Server prerequisite), Cluster Autoscaler, "
             "Fargate considerations (no DaemonSets); AWS Load Balancer Controller (checked 2026-12-04)",
}


@dataclass(frozen=True)
class Problem:
    """Something that works on the day of the deploy and not later."""

    check: str
    workload: str
    what: str
    fix: str
    key: str | None


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else ([] if value is None else [value])


def refreshes(monitor: RecordingMonitor, index: PolicyIndex, needs: list[Mapping[str, Any]]) -> Iterator[Problem]:
    """Every `Refresh` need has a restart that fires when its secrets change."""
    records = [r for r in monitor.records() if r.custom and not r.read]
    for need in needs:
        if need["runtime"] == "ecs":
            yield from _ecs_refresh(records, index, need)
        else:
            yield from _eks_refresh(records, need)


def _ecs_refresh(records: list[Recorded], index: PolicyIndex, need: Mapping[str, Any]) -> Iterator[Problem]:
    service, secrets = str(need["service"]), {str(s) for s in need["secrets"]}
    rules = {}
    for rec in records:
        if rec.type != "aws:cloudwatch/eventRule:EventRule":
            continue
        pattern = _json(rec.inputs.get("eventPattern")) or {}
        if (SECRET_EVENT in _list(pattern.get("detail-type")) and "aws.secretsmanager" in _list(pattern.get("source"))
                and "AWSCURRENT" in _list((pattern.get("detail") or {}).get("labelUpdated"))):
            rules[str(rec.outputs.get("name"))] = set(map(str, _list(pattern.get("resources"))))
    machines = {str(r.outputs.get("arn")): r for r in records if r.type == "aws:sfn/stateMachine:StateMachine"}
    covered: set[str] = set()
    problems: list[str] = []
    for rec in records:
        if rec.type != "aws:cloudwatch/eventTarget:EventTarget" or str(rec.inputs.get("rule")) not in rules:
            continue
        watched = rules[str(rec.inputs.get("rule"))]
        target_input = _json(rec.inputs.get("input")) or {}
        machine = machines.get(str(rec.inputs.get("arn")))
        if machine is None or target_input.get("service") != service:
            continue
        start = Request(principal=str(rec.inputs.get("roleArn")), action="states:StartExecution",
                        resource=str(machine.outputs.get("arn")), account=index.account)
        if not decide(index, start)[0].allowed:
            problems.append(f"the rule's target role {rec.inputs.get('roleArn')} may not start {machine.name}")
            continue
        states = (_json(machine.inputs.get("definition")) or {}).get("States", {})
        redeploys = [s for s in states.values() if s.get("Resource") == ECS_UPDATE_SERVICE
                     and (s.get("Parameters") or {}).get("ForceNewDeployment") is True]
        if not redeploys:
            problems.append(f"state machine {machine.name} does not force a new deployment")
            continue
        update = Request(principal=str(machine.inputs.get("roleArn")), action="ecs:UpdateService", resource=service,
                         account=index.account)
        if not decide(index, update)[0].allowed:
            problems.append(f"state machine {machine.name}'s role may not update the service")
            continue
        covered |= watched
    missing = sorted(secrets - covered)
    if missing:
        detail = f" ({'; '.join(problems)})" if problems else ""
        yield Problem("refresh", need["workload"],
                      f"nothing redeploys the service when {', '.join(missing)} change{'s' if len(missing) == 1 else ''}"
                      f"{detail}; running tasks keep the old value",
                      "an EventBridge rule on `Secret Label Updated` (AWSCURRENT) for these secrets starting a "
                      "redeploy (ContainerService builds it for services with secrets)", need.get("key"))


def _eks_refresh(records: list[Recorded], need: Mapping[str, Any]) -> Iterator[Problem]:
    namespace, name = str(need["service"]).split("/", 1)
    releases = {str(r.inputs.get("chart")): r for r in records if r.type == "kubernetes:helm.sh/v3:Release"}
    driver = releases.get("secrets-store-csi-driver-provider-aws")
    values = (driver.inputs.get("values") or {}).get("secrets-store-csi-driver", {}) if driver else {}
    if not values.get("enableSecretRotation"):
        yield Problem("refresh", need["workload"], "the CSI driver never re-reads the secrets (enableSecretRotation "
                      "off): the synced Secret keeps its first value", "the driver's enableSecretRotation", need.get("key"))
    if "reloader" not in releases:
        yield Problem("refresh", need["workload"], "nothing restarts the pods when the synced Secret changes",
                      "the Reloader release (KubernetesService installs it for services with secrets)", need.get("key"))
    deployment = next((r for r in records if r.type == "kubernetes:apps/v1:Deployment"
                       and (r.inputs.get("metadata") or {}).get("name") == name
                       and (r.inputs.get("metadata") or {}).get("namespace") == namespace), None)
    if deployment is None:
        return
    env = [e for c in _containers(deployment) for e in c.get("env") or []]
    read = sorted({e["valueFrom"]["secretKeyRef"]["name"] for e in env
                   if isinstance(e.get("valueFrom"), Mapping) and "secretKeyRef" in e["valueFrom"]})
    annotated = str(((deployment.inputs.get("metadata") or {}).get("annotations") or {}).get(RELOAD_ANNOTATION, ""))
    missing = [s for s in read if s not in annotated.split(",")]
    if missing:
        yield Problem("refresh", need["workload"], f"Reloader does not watch {', '.join(missing)} for this Deployment",
                      f"the Deployment's {RELOAD_ANNOTATION} annotation", need.get("key"))


def triggers(monitor: RecordingMonitor, index: PolicyIndex, needs: list[Mapping[str, Any]]) -> Iterator[Problem]:
    """Every `Trigger` need has a rule matching its event and a target delivering to it (with a role that may,
    where the target takes one); S3 events need the bucket's EventBridge notifications on."""
    records = [r for r in monitor.records() if r.custom and not r.read]
    rules = {str(r.outputs.get("name")): _json(r.inputs.get("eventPattern")) or {}
             for r in records if r.type == "aws:cloudwatch/eventRule:EventRule"}
    notifying = {str(r.inputs.get("bucket")) for r in records
                 if r.type == "aws:s3/bucketNotification:BucketNotification" and r.inputs.get("eventbridge")}
    for need in needs:
        wanted = {str(r) for r in need.get("resources") or []}
        matching = {name for name, p in rules.items()
                    if need["source"] in _list(p.get("source")) and need["detail_type"] in _list(p.get("detail-type"))
                    and wanted <= {str(r) for r in _list(p.get("resources"))} | ({"*"} if not wanted else set())}
        carries = {str(k): str(v) for k, v in (need.get("input") or {}).items()}
        target = next((r for r in records if r.type == "aws:cloudwatch/eventTarget:EventTarget"
                       and str(r.inputs.get("rule")) in matching and str(r.inputs.get("arn")) == str(need["target"])
                       and all(str((_json(r.inputs.get("input")) or {}).get(k)) == v for k, v in carries.items())), None)
        if target is None:
            which = f" for {', '.join(sorted(wanted))}" if wanted else ""
            yield Problem("events", need["workload"], f"no EventBridge rule delivers {need['detail_type']} events from "
                          f"{need['source']}{which} to {need['target']}", "an EventBridge rule and its target",
                          need.get("key"))
            continue
        role = target.inputs.get("roleArn")
        action = {"states": "states:StartExecution"}.get(str(need["target"]).split(":")[2])
        if role and action and not decide(index, Request(principal=str(role), action=action, resource=str(need["target"]),
                                                         account=index.account))[0].allowed:
            yield Problem("events", need["workload"], f"the target's role {role} may not {action}",
                          "the target role's policy", need.get("key"))
        if need["source"] == "aws.s3":
            buckets = {str(b) for name in matching for b in _list(((rules[name].get("detail") or {}).get("bucket") or {})
                                                                  .get("name"))}
            for bucket in sorted(buckets - notifying):
                yield Problem("events", need["workload"], f"bucket {bucket} sends no events to EventBridge",
                              "the bucket's EventBridge notifications (aws.s3.BucketNotification eventbridge)",
                              need.get("key"))


def managed(monitor: RecordingMonitor, index: PolicyIndex, needs: list[Mapping[str, Any]]) -> Iterator[Problem]:
    """Every `Managed` need's policy is attached to its role."""
    attached = {(str(r.inputs.get("role")), str(r.inputs.get("policyArn"))) for r in monitor.records()
                if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and not r.read}
    for need in needs:
        role = index.identity_of(str(need["role"]))
        names = {role.name, role.record.id} if role is not None else set()
        if not any((name, need["policy_arn"]) in attached for name in names):
            yield Problem("access", need["workload"], f"{need['policy_arn'].rsplit('/', 1)[-1]} is not attached to "
                          f"{role.record.name if role else need['role']}", f"the role's attachment of {need['policy_arn']}",
                          need.get("key"))


def _containers(deployment: Recorded) -> list[dict[str, Any]]:
    spec = ((deployment.inputs.get("spec") or {}).get("template") or {}).get("spec") or {}
    return list(spec.get("containers") or [])


_SCHEDULER = re.compile(r"\bcelery\b.*\bbeat\b|\bbeat\b.*\bcelery\b")


def _command(container: Mapping[str, Any]) -> str:
    return " ".join(str(c) for c in (container.get("command") or []) + (container.get("args") or []))


def singletons(monitor: RecordingMonitor) -> Iterator[Problem]:
    """A scheduler (celery beat) never runs twice: one task, the old one stopped before the new one starts."""
    records = [r for r in monitor.records() if r.custom and not r.read]
    tasks = {str(r.outputs.get("arn")): r for r in records if r.type == "aws:ecs/taskDefinition:TaskDefinition"}
    for service in (r for r in records if r.type == "aws:ecs/service:Service"):
        task = tasks.get(str(service.inputs.get("taskDefinition")))
        containers = _json(task.inputs.get("containerDefinitions")) if task else None
        if not containers or not any(_SCHEDULER.search(_command(c)) for c in containers):
            continue
        i = service.inputs
        if i.get("desiredCount") != 1 or i.get("deploymentMaximumPercent", 200) > 100:
            yield Problem("singleton", f"{service.name} (a celery beat scheduler)",
                          f"runs {i.get('desiredCount')} task(s) with deployments up to {i.get('deploymentMaximumPercent', 200)} %: "
                          "two schedulers run at once and every periodic task runs twice",
                          "singleton: true on the service (one task, maximum 100 %, minimum 0 %)", _service_key(service))
    for deployment in (r for r in records if r.type == "kubernetes:apps/v1:Deployment"):
        if not any(_SCHEDULER.search(_command(c)) for c in _containers(deployment)):
            continue
        spec = deployment.inputs.get("spec") or {}
        if spec.get("replicas") != 1 or (spec.get("strategy") or {}).get("type") != "Recreate":
            yield Problem("singleton", f"{deployment.name} (a celery beat scheduler)",
                          "may run twice (more than one replica, or a rolling update starting the new pod first)",
                          "singleton: true on the service (one replica, Recreate)", _service_key(deployment))


def _service_key(rec: Recorded) -> str:
    return f"services.{rec.name.split('-', 1)[-1]}"


def graces(monitor: RecordingMonitor) -> Iterator[Problem]:
    """A load-balanced ECS service ignores failed health checks for at least its container's start period."""
    records = [r for r in monitor.records() if r.custom and not r.read]
    tasks = {str(r.outputs.get("arn")): r for r in records if r.type == "aws:ecs/taskDefinition:TaskDefinition"}
    for service in (r for r in records if r.type == "aws:ecs/service:Service" and r.inputs.get("loadBalancers")):
        task = tasks.get(str(service.inputs.get("taskDefinition")))
        containers = (_json(task.inputs.get("containerDefinitions")) or []) if task is not None else []
        grace = int(service.inputs.get("healthCheckGracePeriodSeconds") or 0)
        for container in containers:
            start = int((container.get("healthCheck") or {}).get("startPeriod", 0))
            if start > grace:
                yield Problem("grace", f"{service.name} tasks",
                              f"the load balancer may stop tasks after {grace} s while they start for up to {start} s "
                              "(container_health_check.start_period): the service never becomes stable",
                              f"grace_period of at least {start}", f"{_service_key(service)}.grace_period")


def awaits(monitor: RecordingMonitor) -> Iterator[Problem]:
    """What Pulumi waits for can happen, and what autoscales has a source and an actor."""
    records = [r for r in monitor.records() if not r.read]
    by_urn = {r.urn: r for r in records}
    releases = {str(r.inputs.get("chart")): r for r in records if r.type == "kubernetes:helm.sh/v3:Release"}
    addons = {str(r.inputs.get("addonName")) for r in records if r.type == "aws:eks/addon:Addon"}
    controller = releases.get("aws-load-balancer-controller")
    for ingress in (r for r in records if r.type == "kubernetes:networking.k8s.io/v1:Ingress"):
        if controller is None or controller.urn not in _ancestors(ingress, by_urn):
            yield Problem("await", f"ingress {ingress.name}", "Pulumi waits for the ingress's load balancer address, and no "
                          "load balancer controller (installed before it) provides one", "the AWS Load Balancer "
                          "Controller release, a dependency of the Ingress", "load_balancers")
    if any(r.type == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" for r in records) and "metrics-server" not in addons:
        yield Problem("await", "the HorizontalPodAutoscalers", "no metrics source: the HPAs never scale",
                      "the metrics-server add-on", "services")
    for group in (r for r in records if r.type == "aws:eks/nodeGroup:NodeGroup"):
        scaling = group.inputs.get("scalingConfig") or {}
        if scaling.get("maxSize", 0) > scaling.get("minSize", 0) and "cluster-autoscaler" not in releases:
            yield Problem("await", f"node group {group.name}", f"may grow to {scaling.get('maxSize')} nodes, but nothing "
                          "grows it: pending pods stay pending", "a node autoscaler (the Cluster Autoscaler release)",
                          "cluster.eks.node_group.max_size")
    insights = [r for r in records if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
                and r.inputs.get("namespace") == "ContainerInsights"]
    if insights and any(r.type == "eks:index:Cluster" for r in records) and "amazon-cloudwatch-observability" not in addons:
        yield Problem("await", f"{len(insights)} Container Insights alarm(s)", "read metrics no agent publishes: they "
                      "never fire", "the amazon-cloudwatch-observability add-on", "alarms")
    mounts_secrets = [r for r in records if r.type == "kubernetes:apps/v1:Deployment" and any(
        (v.get("csi") or {}).get("driver") == "secrets-store.csi.k8s.io"
        for v in (((r.inputs.get("spec") or {}).get("template") or {}).get("spec") or {}).get("volumes") or [])]
    if mounts_secrets:
        driver = releases.get("secrets-store-csi-driver-provider-aws")
        nodes = [r for r in records if r.type == "aws:eks/nodeGroup:NodeGroup"]
        for deployment in mounts_secrets:
            if driver is None or driver.urn not in _ancestors(deployment, by_urn):
                yield Problem("await", f"{deployment.name} pods", "mount a secrets volume that no CSI driver (installed "
                              "before them) serves: the pods never start", "the Secrets Store CSI driver release",
                              _service_key(deployment))
            elif not nodes:
                yield Problem("await", f"{deployment.name} pods", "mount a secrets volume through the CSI driver, a "
                              "DaemonSet, which Fargate does not run: the pods never start",
                              "a node group (cluster.eks.node_group)", "cluster.eks.node_group")


def controller_features(monitor: RecordingMonitor, index: PolicyIndex) -> Iterator[Problem]:
    """Each feature the Load Balancer Controller's chart leaves on is allowed to its role, or every reconcile
    fails, the Ingress never gets an address and Pulumi's await times out."""
    for release in (r for r in monitor.records() if r.type == "kubernetes:helm.sh/v3:Release"
                    and r.inputs.get("chart") == "aws-load-balancer-controller" and not r.read):
        values = release.inputs.get("values") or {}
        role = (((values.get("serviceAccount") or {}).get("annotations") or {}).get("eks.amazonaws.com/role-arn"))
        for flag, actions in CONTROLLER_FEATURES.items():
            if values.get(flag, True) is False:
                continue
            denied = [a for a in actions if not decide(index, Request(principal=str(role), action=a, resource="*",
                                                                      account=index.account))[0].allowed]
            if denied:
                yield Problem("await", "the AWS Load Balancer Controller",
                              f"{flag} is on (the default) and its role may not {', '.join(denied)}: every reconcile "
                              "fails, the Ingress never gets an address and `pulumi up` times out",
                              f"{flag}: false in the chart values, or the actions granted", "load_balancers")


def _ancestors(rec: Recorded, by_urn: Mapping[str, Recorded]) -> set[str]:
    """Every resource `rec` depends on, directly or through its dependencies."""
    seen: set[str] = set()
    todo = list(rec.dependencies)
    while todo:
        urn = todo.pop()
        if urn in seen:
            continue
        seen.add(urn)
        found = by_urn.get(urn)
        if found is not None:
            todo += found.dependencies
    return seen


CHECKS: dict[str, Callable[[RecordingMonitor], Iterator[Problem]]] = {
    "singleton": singletons, "grace": graces, "await": awaits,
}
"""The over-time checks that read only the graph (`refresh`, `events` and the controller's features also need
the needs or the policies)."""
