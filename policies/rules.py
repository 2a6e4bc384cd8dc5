"""The platform's guardrails: every rule, grouped, and `POLICIES`, the list the pack serves.

`from policies.rules import POLICIES` (tests, offline run) and `from rules import POLICIES`
(the pack itself, whose directory is on sys.path) both work. Property names are the engine's
camelCase names, so the same rules judge a real `pulumi preview` and the offline graph. Checks
never rely on provider defaults being present (`is not True`, never `== False`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from .framework import (Rule, Stack, Subject, as_strings, dig, document, items, statements, subjects, tag_of,
                            unreferenced)
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import (Rule, Stack, Subject, as_strings, dig, document, items, statements,  # type: ignore[no-redef]
                           subjects, tag_of, unreferenced)

# -- resource types ---------------------------------------------------------------------------------
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PARAMS = "aws:rds/parameterGroup:ParameterGroup"
RDS_CLUSTER_PARAMS = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
RDS_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
EFS = "aws:efs/fileSystem:FileSystem"
EFS_BACKUP = "aws:efs/backupPolicy:BackupPolicy"
EFS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
SNS_TOPIC = "aws:sns/topic:Topic"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
ECR_REPO = "aws:ecr/repository:Repository"
ECR_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
KMS_KEY = "aws:kms/key:Key"
LISTENER = "aws:lb/listener:Listener"
LB = "aws:lb/loadBalancer:LoadBalancer"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
ROUTE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
BATCH_CE = "aws:batch/computeEnvironment:ComputeEnvironment"
SFN = "aws:sfn/stateMachine:StateMachine"
EKS_COMPONENT = "eks:index:Cluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BACKUP_VAULT = "aws:backup/vault:Vault"
# The same controls expressed through other pulumi-aws types (aliases, separate rule resources, V2 forms).
ALB_LB = "aws:alb/loadBalancer:LoadBalancer"
ALB_LISTENER = "aws:alb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
ALB_LISTENER_RULE = "aws:alb/listenerRule:ListenerRule"
LBS = (LB, ALB_LB)
LISTENERS = (LISTENER, ALB_LISTENER)
LISTENER_RULES = (LISTENER_RULE, ALB_LISTENER_RULE)
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
BUCKETS = (BUCKET, BUCKET_V2)
BUCKET_SSES = (BUCKET_SSE, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
BUCKET_VERSIONINGS = (BUCKET_VERSIONING, "aws:s3/bucketVersioningV2:BucketVersioningV2")
BUCKET_LIFECYCLES = (BUCKET_LIFECYCLE, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
BUCKET_ACLS = (BUCKET_ACL, "aws:s3/bucketAclV2:BucketAclV2")
BUCKET_LOGGINGS = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
ECR_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
SNS_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
BATCH_JOB = "aws:batch/jobDefinition:JobDefinition"
CERTIFICATE = "aws:acm/certificate:Certificate"
EFS_ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
USER = "aws:iam/user:User"
RDS_EVENTS = "aws:rds/eventSubscription:EventSubscription"
BACKUP_SELECTION = "aws:backup/selection:Selection"
ZONE = "aws:route53/zone:Zone"
QUERY_LOG = "aws:route53/queryLog:QueryLog"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
BUCKET_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
BUCKET_NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
BUCKET_OBJECT_LOCK = ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                      "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")

STATEFUL = (RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE, CACHE, CACHE_CLUSTER, EFS, SECRET, ECR_REPO, BACKUP_VAULT)
"""Resource types whose loss loses data (data buckets are recognised by their `purpose` tag)."""
TLS13_POLICIES = {
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
}
CLOUDFRONT_TLS = {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}
ADMIN_POLICIES = {"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"}
# Actions AWS offers only on "*" (no resource-level permissions); a scoped role may still hold them.
STAR_ONLY_ACTIONS = {
    "ecr:GetAuthorizationToken", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "xray:PutTraceSegments",
    "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "logs:CreateLogDelivery",
    "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
    "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups", "batch:DescribeJobs",
    "batch:TerminateJob",
}
EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every EKS control-plane log type (FSBP EKS.8 asks for all of them; EKS API CreateCluster logging)."""
READ_ONLY = re.compile(r"^(Describe|Get|List)[A-Z]")
"""Discovery actions; on "*" they reveal metadata but change nothing."""
GITHUB_OIDC = "token.actions.githubusercontent.com"
RESTRICTING_KEYS = {
    # the network path: a VPC endpoint, a VPC, or endpoints owned by an account or organisation
    "aws:sourcevpce", "aws:sourcevpc", "aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths",
    # the organisation of the caller or of the resource acted on
    "aws:principalorgid", "aws:principalorgpaths", "aws:resourceorgid", "aws:sourceorgid", "aws:sourceorgpaths",
    # the account, or the exact principal or resource ARN
    "aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "aws:sourcearn", "aws:principalarn",
    "kms:calleraccount",
}
"""Condition keys that narrow `Principal: *` to an account, organisation, network path or resource (IAM User Guide,
"AWS global condition context keys", checked 2026-12-05: aws:VpceAccount, aws:VpceOrgID and aws:VpceOrgPaths are the
newest); any other condition (aws:SecureTransport, aws:UserAgent, aws:SourceIp, ...) still admits everyone. See
`_restricts` for how a condition on one of them may still restrict nothing."""
LOG_EXPORT_BY_ENGINE = {"postgres": ("postgresql",), "aurora-postgresql": ("postgresql",), "mysql": ("error",),
                        "mariadb": ("error",), "aurora-mysql": ("error", "audit"), "aurora": ("error", "audit"),
                        "oracle": ("alert",), "sqlserver": ("error",), "db2": ("diag.log",)}
"""The logs each engine must export at least: its primary log (RDS User Guide, "Publishing database logs to
Amazon CloudWatch Logs", checked 2026-11-30), and Aurora MySQL's audit log (FSBP RDS.34, checked 2026-12-04)."""
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY)", re.IGNORECASE)


# ==================================================================================================
# Shared readings
# ==================================================================================================


def effective_engine(res: Subject) -> str | None:
    """The engine a database runs, as AWS reads it: `aurora` is Aurora MySQL's old name, and a cluster without an
    engine is Aurora MySQL (the first Aurora engine, and CloudFormation's and the provider's historical default); an
    instance without one has its engine from a snapshot or source, which the pack cannot see (None)."""
    engine = str(res.props.get("engine") or "")
    if engine == "aurora":
        return "aurora-mysql"
    if not engine and res.type == RDS_CLUSTER:
        return "aurora-mysql"
    return engine or None


def _everyone(principal: Any) -> bool:
    """`Principal: "*"` or `{"AWS": "*"}` (or a list holding "*")."""
    return principal == "*" or (isinstance(principal, Mapping) and "*" in as_strings(principal.get("AWS")))


ACCOUNT_KEYS = {"aws:sourceaccount", "aws:principalaccount", "aws:sourceowner", "aws:vpceaccount", "kms:calleraccount"}
"""RESTRICTING_KEYS whose value is an account ID."""
_WILD = re.compile(r"[*?]")


def _narrows(key: str, value: str) -> bool:
    """Whether `key` tested against `value` leaves out callers anyone could become: an exact account, an ARN in a
    named account (or, for account-less ARNs such as a bucket's, an exact resource), an exact organisation, endpoint
    or VPC. A wildcard where the account or organisation goes admits whoever creates a matching name."""
    if key in ACCOUNT_KEYS:
        return re.fullmatch(r"\d{12}", value) is not None
    if key in ("aws:sourcearn", "aws:principalarn"):
        parts = value.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return False
        account, resource = parts[4], parts[5]
        if account:
            return re.fullmatch(r"\d{12}", account) is not None
        return bool(resource) and not _WILD.search(resource)
    if key.endswith("orgpaths"):  # o-org/r-root/ou-unit/...: the organisation itself must be named
        org = value.split("/", 1)[0]
        return org.startswith("o-") and not _WILD.search(org)
    return bool(value) and not _WILD.search(value)


def _restricts(condition: Any) -> bool:
    """Whether a condition narrows who may act: a positive test of a RESTRICTING_KEYS key whose every value narrows
    (`_narrows`). Negated operators, `Null`, `...IfExists` (true when the caller omits the key) and `ForAllValues:`
    (true when the key is absent) restrict nothing."""
    for operator, block in (condition or {}).items() if isinstance(condition, Mapping) else ():
        op = str(operator)
        if (not isinstance(block, Mapping) or "Not" in op or op.startswith(("Null", "ForAllValues:"))
                or op.endswith("IfExists")):
            continue
        for key, value in block.items():
            values = as_strings(value)
            if str(key).lower() in RESTRICTING_KEYS and values and all(_narrows(str(key).lower(), v) for v in values):
                return True
    return False


def public_statements(policy: Any) -> list[Mapping[str, Any]]:
    """Allow statements of a resource or trust policy that admit everyone: `Principal: *` without a condition that
    really restricts it, or `NotPrincipal` (everyone but the listed)."""
    return [s for s in statements(policy) if s.get("Effect") == "Allow"
            and ((_everyone(s.get("Principal")) and not _restricts(s.get("Condition"))) or "NotPrincipal" in s)]


def _setting(prop: str, ok: Any, message: str) -> Any:
    """A check of one property: `message` (with `{name}`) unless `ok(value)`; a missing property is `None`,
    so `ok` says what AWS's default means."""
    def check(res: Subject) -> Iterator[str]:
        if not ok(res.props.get(prop)):
            yield message.format(name=res.name)
    return check


# ==================================================================================================
# Encryption at rest
# ==================================================================================================


def _storage_encrypted(res: Subject) -> Iterator[str]:
    # A read replica takes its source's encryption (storageEncrypted is not settable on it).
    if res.props.get("replicateSourceDb") or res.props.get("replicationSourceIdentifier"):
        return
    if res.props.get("storageEncrypted") is not True:
        yield f"{res.name} stores data unencrypted (storageEncrypted is not true)."


_efs_encrypted = _setting("encrypted", lambda v: v is True, "EFS {name} is not encrypted at rest.")


def _cache_at_rest(res: Subject) -> Iterator[str]:
    # ElastiCache API CreateReplicationGroup, AtRestEncryptionEnabled: "Default: true when using Valkey, false when
    # using Redis OSS" (botocore's ElastiCache model; checked 2026-12-05). The provider's engine default is redis.
    value = res.props.get("atRestEncryptionEnabled")
    if value is False or (value is None and str(res.props.get("engine") or "redis") != "valkey"):
        yield f"Cache {res.name} is not encrypted at rest."


_sns_encrypted = _setting("kmsMasterKeyId", bool, "Topic {name} has no KMS key (kmsMasterKeyId).")


def _log_group_kms(res: Subject) -> Iterator[str]:
    key = res.props.get("kmsKeyId")
    if key and not re.match(r"^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key/", str(key)):
        yield f"Log group {res.name} names its KMS key as {key!r}; CloudWatch Logs needs the key ARN."


def _secret_cmk(res: Subject) -> Iterator[str]:
    key = str(res.props.get("kmsKeyId") or "")
    if not key or key == "alias/aws/secretsmanager" or key.endswith(":alias/aws/secretsmanager"):
        yield f"Secret {res.name} uses the default aws/secretsmanager key, which cannot be scoped or audited per application."


def _ecr_encrypted(res: Subject) -> Iterator[str]:
    kinds = {dig(c, "encryptionType") for c in items(res.props.get("encryptionConfigurations"))}
    if "KMS" not in kinds:
        yield f"Repository {res.name} is not encrypted with KMS."


def _eks_secrets(res: Subject) -> Iterator[str]:
    if res.type == EKS_COMPONENT:
        if not res.props.get("encryptionConfigKeyArn"):
            yield f"EKS cluster {res.name} does not envelope-encrypt Kubernetes secrets."
        return
    resources = [r for c in items(res.props.get("encryptionConfig")) for r in as_strings(dig(c, "resources"))]
    if "secrets" not in resources:
        yield f"EKS cluster {res.name} does not envelope-encrypt Kubernetes secrets."


def _kms_rotation(res: Subject) -> Iterator[str]:
    if res.props.get("enableKeyRotation") is not True and res.props.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") in (None, "SYMMETRIC_DEFAULT"):
        yield f"KMS key {res.name} does not rotate."


def _volumes_encrypted(res: Subject) -> Iterator[str]:
    if res.type == INSTANCE:
        root = res.props.get("rootBlockDevice")
        if dig(root, "encrypted") is not True:
            yield f"Instance {res.name} has an unencrypted root volume."
        for device in items(res.props.get("ebsBlockDevices")):
            if dig(device, "encrypted") is not True:
                yield f"Instance {res.name} attaches an unencrypted volume."
        return
    for mapping in items(res.props.get("blockDeviceMappings")):
        ebs = dig(mapping, "ebs")
        if ebs is not None and str(dig(ebs, "encrypted")).lower() != "true":
            yield f"Launch template {res.name} defines an unencrypted volume."


def _vault_encrypted(res: Subject) -> Iterator[str]:
    if not res.props.get("kmsKeyArn"):
        yield f"Backup vault {res.name} uses the default key instead of a customer-managed one."


def _sse_algorithms(bucket: Any, sse: Any) -> set[Any]:
    """Default encryption algorithms of a bucket: its separate configuration, or inline on the bucket
    (`serverSideEncryptionConfiguration.rule` on Bucket, `serverSideEncryptionConfigurations[].rules` on BucketV2)."""
    rules = items(sse.props.get("rules") if sse else None)
    rules += items(dig(bucket.props, "serverSideEncryptionConfiguration", "rule"))
    rules += [r for c in items(bucket.props.get("serverSideEncryptionConfigurations")) for r in items(dig(c, "rules"))]
    return {dig(r, "applyServerSideEncryptionByDefault", "sseAlgorithm") for r in rules}


def _data_buckets_kms(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, sse in _bucket_parts(stack, *BUCKET_SSES):
        if tag_of(bucket.props, "purpose") not in (None, "data"):
            continue
        if not _sse_algorithms(bucket, sse) & {"aws:kms", "aws:kms:dsse"}:
            yield f"Data bucket {bucket.name} is not encrypted with SSE-KMS.", bucket.urn


# ==================================================================================================
# Encryption in transit
# ==================================================================================================


def _https_listener(res: Subject) -> Iterator[str]:
    if res.props.get("protocol") in ("HTTPS", "TLS"):  # TLS: a Network Load Balancer's TLS listener
        policy = res.props.get("sslPolicy")
        if policy not in TLS13_POLICIES:
            yield f"{res.props.get('protocol')} listener {res.name} uses TLS policy {policy!r}, not a TLS 1.3 policy."
        if not res.props.get("certificateArn"):
            yield f"{res.props.get('protocol')} listener {res.name} has no certificate."


def _http_redirects(res: Subject) -> Iterator[str]:
    if res.props.get("protocol") != "HTTP":
        return
    actions = items(res.props.get("defaultActions"))
    redirects = [a for a in actions if dig(a, "type") == "redirect" and dig(a, "redirect", "protocol") == "HTTPS"]
    if not redirects or len(redirects) != len(actions):
        yield f"HTTP listener {res.name} does something other than redirect to HTTPS."


def _http_listener_rules(stack: Stack) -> Iterator[tuple[str, str]]:
    http = {r.props.get("arn") or r.props.get("id") for r in stack.of(*LISTENERS) if r.props.get("protocol") == "HTTP"}
    for rule in subjects(stack.of(*LISTENER_RULES)):
        if rule.props.get("listenerArn") in http:
            yield f"Listener rule {rule.name} serves plain HTTP.", rule.urn


def _cloudfront_viewer(res: Subject) -> Iterator[str]:
    behaviours = [res.props.get("defaultCacheBehavior"), *items(res.props.get("orderedCacheBehaviors"))]
    for b in behaviours:
        if b is not None and dig(b, "viewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
            yield f"Distribution {res.name} serves {dig(b, 'pathPattern') or 'the default path'} over plain HTTP."
    cert = res.props.get("viewerCertificate")
    if dig(cert, "cloudfrontDefaultCertificate") is True:
        yield f"Distribution {res.name} uses the *.cloudfront.net certificate, which allows TLS 1.0."
    elif dig(cert, "minimumProtocolVersion") not in CLOUDFRONT_TLS:
        yield f"Distribution {res.name} accepts TLS below 1.2 (minimumProtocolVersion {dig(cert, 'minimumProtocolVersion')!r})."
    if dig(cert, "sslSupportMethod") == "vip":  # FSBP CloudFront.8: dedicated IPs serve clients without SNI
        yield f"Distribution {res.name} serves HTTPS on dedicated IPs (sslSupportMethod vip) instead of SNI."


def _cloudfront_origin_tls(res: Subject) -> Iterator[str]:
    for origin in items(res.props.get("origins")):
        custom = dig(origin, "customOriginConfig")
        if custom is None:
            continue
        if dig(custom, "originProtocolPolicy") != "https-only":
            yield f"Distribution {res.name} reaches origin {dig(origin, 'originId')} without HTTPS."
        if set(as_strings(dig(custom, "originSslProtocols"))) - {"TLSv1.2"}:
            yield f"Distribution {res.name} allows deprecated SSL/TLS versions towards {dig(origin, 'originId')}."


def _cache_in_transit(res: Subject) -> Iterator[str]:
    if res.props.get("transitEncryptionEnabled") is not True:
        yield f"Cache {res.name} accepts unencrypted connections."
    elif res.props.get("transitEncryptionMode") == "preferred":
        yield f"Cache {res.name} still accepts plaintext (transitEncryptionMode preferred)."


def _force_ssl(res: Subject) -> Iterator[str]:
    family = str(res.props.get("family") or "")
    values = {dig(p, "name"): str(dig(p, "value")) for p in items(res.props.get("parameters"))}
    # PostgreSQL and SQL Server force TLS with rds.force_ssl; MySQL and MariaDB with require_secure_transport
    # (RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB instance", per engine; checked 2026-11-30).
    if "postgres" in family or family.startswith("sqlserver"):
        if values.get("rds.force_ssl") != "1":
            yield f"Parameter group {res.name} does not force TLS (rds.force_ssl is not 1)."
    elif family.startswith(("mysql", "mariadb", "aurora-mysql", "aurora5")):
        if values.get("require_secure_transport", "").upper() not in ("1", "ON", "TRUE"):
            yield f"Parameter group {res.name} does not force TLS (require_secure_transport is not ON)."


def _bucket_tls_only(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, policy in _bucket_parts(stack, BUCKET_POLICY):
        text = policy.props.get("policy") if policy else bucket.props.get("policy")  # separate, or inline
        denies = [s for s in statements(text)
                  if s.get("Effect") == "Deny" and str(dig(s, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"]
        if not denies:
            yield f"Bucket {bucket.name} accepts requests without TLS (no aws:SecureTransport deny).", bucket.urn


def _efs_tls_only(stack: Stack) -> Iterator[tuple[str, str]]:
    policies = {p.props.get("fileSystemId"): p for p in stack.of(EFS_POLICY)}
    for fs in subjects(stack.of(EFS)):
        policy = policies.get(fs.props.get("id"))
        denies = [s for s in statements(policy.props.get("policy") if policy else None)
                  if s.get("Effect") == "Deny" and str(dig(s, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"]
        if not denies:
            yield f"EFS {fs.name} accepts clients without TLS (no file system policy denying them).", fs.urn


# ==================================================================================================
# Network exposure
# ==================================================================================================


_rds_not_public = _setting("publiclyAccessible", lambda v: v is not True, "Database {name} is publicly accessible.")


def _public_subnet_ids(stack: Stack) -> set[str]:
    """Subnets of this stack that map public IPs or are tagged as the public tier."""
    return {s.props.get("id") for s in stack.of(SUBNET)
            if s.props.get("mapPublicIpOnLaunch") is True or tag_of(s.props, "tier") == "public"}


def _private_placement(types: tuple[str, ...], field_path: tuple[str, ...], what: str):
    def check(stack: Stack) -> Iterator[tuple[str, str]]:
        public = _public_subnet_ids(stack)
        for res in subjects(stack.of(*types)):
            used = set(as_strings(dig(res.props, *field_path)))
            if used & public:
                yield f"{what} {res.name} is placed in public subnets.", res.urn
    return check


def _ecs_no_public_ip(res: Subject) -> Iterator[str]:
    if dig(res.props, "networkConfiguration", "assignPublicIp") is True:
        yield f"ECS service {res.name} gives its tasks public IPs."


def _internet_facing_sgs(stack: Stack) -> set[str]:
    return {sg for lb in stack.of(*LBS) if lb.props.get("internal") is not True
            for sg in as_strings(lb.props.get("securityGroups"))}


def _open_ingress(stack: Stack) -> Iterator[tuple[str, str]]:
    public_lb_groups = _internet_facing_sgs(stack)
    rules = [(r, r.props.get("securityGroupId"), r.props) for r in stack.of(SG_INGRESS)]
    rules += [(r, r.props.get("securityGroupId"), r.props) for r in stack.of(SG_RULE) if r.props.get("type") == "ingress"]
    rules += [(sg, sg.props.get("id"), rule) for sg in stack.of(SG, DEFAULT_SG) for rule in items(sg.props.get("ingress"))]
    for owner, group, rule in sorted(rules, key=lambda t: t[0].urn):
        cidrs = set(as_strings(dig(rule, "cidrIpv4"))) | set(as_strings(dig(rule, "cidrIpv6")))
        cidrs |= set(as_strings(dig(rule, "cidrBlocks"))) | set(as_strings(dig(rule, "ipv6CidrBlocks")))
        if not cidrs & {"0.0.0.0/0", "::/0"}:
            continue
        low, high = dig(rule, "fromPort"), dig(rule, "toPort")
        if str(dig(rule, "ipProtocol") or dig(rule, "protocol")) in ("-1", "all"):
            low = high = None  # every protocol: every port, whatever the port fields say
        web = low is not None and low == high and int(low) in (80, 443)
        if not (web and group in public_lb_groups):
            yield f"{owner.name} opens {'all ports' if low is None else f'port {low}-{high}'} to the internet.", owner.urn


def _default_sg_closed(stack: Stack) -> Iterator[tuple[str, str]]:
    defaults = {d.props.get("vpcId"): d for d in stack.of(DEFAULT_SG)}
    default_ids = {d.props.get("id") for d in stack.of(DEFAULT_SG)} | {v.props.get("defaultSecurityGroupId") for v in stack.of(VPC)}
    default_ids.discard(None)
    for vpc in subjects(stack.of(VPC)):
        default = defaults.get(vpc.props.get("id"))
        if default is None:
            yield f"VPC {vpc.name} leaves its default security group unmanaged (and open within itself).", vpc.urn
        elif items(default.props.get("ingress")) or items(default.props.get("egress")):
            yield f"Default security group {default.name} has rules.", default.urn
    # Rules added to the default group as resources of their own.
    for rule in subjects(stack.of(SG_INGRESS, SG_EGRESS, SG_RULE)):
        if rule.props.get("securityGroupId") in default_ids:
            yield f"{rule.name} adds a rule to a default security group.", rule.urn


def _eks_endpoint(res: Subject) -> Iterator[str]:
    if res.type == EKS_COMPONENT:
        public, cidrs = res.props.get("endpointPublicAccess"), as_strings(res.props.get("publicAccessCidrs"))
    else:
        public = dig(res.props, "vpcConfig", "endpointPublicAccess")
        cidrs = as_strings(dig(res.props, "vpcConfig", "publicAccessCidrs"))
    private = res.props.get("endpointPrivateAccess") if res.type == EKS_COMPONENT else \
        dig(res.props, "vpcConfig", "endpointPrivateAccess")
    # pulumi-eks and EKS default to a public endpoint when the setting is absent.
    if public is not False and (not cidrs or "0.0.0.0/0" in cidrs):
        yield f"EKS cluster {res.name} exposes its API endpoint to the whole internet."
    elif public is not False and private is not True:
        # A public endpoint limited to the deploy runner's CIDRs is what a stack that creates its VPC can
        # deploy through; nodes and pods must then reach the API privately.
        yield f"EKS cluster {res.name} has a public endpoint without private access; nodes would leave the VPC to reach it."


def _eks_nodes_private(res: Subject) -> Iterator[str]:
    if res.type == EKS_COMPONENT:
        if res.props.get("nodeAssociatePublicIpAddress") is not False:
            yield f"EKS cluster {res.name} may give nodes public IPs (set nodeAssociatePublicIpAddress false)."
        if not res.props.get("privateSubnetIds"):
            yield f"EKS cluster {res.name} has no private subnets for its nodes."


def _imdsv2(res: Subject) -> Iterator[str]:
    if dig(res.props, "metadataOptions", "httpTokens") != "required":
        yield f"{res.name} allows IMDSv1 (metadataOptions.httpTokens is not required)."


def _no_public_instance_ip(res: Subject) -> Iterator[str]:
    if res.type == LAUNCH_TEMPLATE:  # FSBP EC2.25: launch templates' network interfaces
        if any(str(dig(n, "associatePublicIpAddress")).lower() == "true" for n in items(res.props.get("networkInterfaces"))):
            yield f"Launch template {res.name} gives its instances public IP addresses."
        return
    # A NAT instance needs a public address to forward traffic; it is the one exception.
    if res.props.get("associatePublicIpAddress") is True and res.props.get("sourceDestCheck") is not False:
        yield f"Instance {res.name} has a public IP address."


def _subnet_auto_ip(res: Subject) -> Iterator[str]:
    if res.props.get("mapPublicIpOnLaunch") is True and tag_of(res.props, "tier") != "public":
        yield f"Subnet {res.name} hands out public IPs but is not tagged tier=public."


def _alb_waf(stack: Stack) -> Iterator[tuple[str, str]]:
    associated = {a.props.get("resourceArn") for a in stack.of(WAF_ASSOCIATION)}
    cloudfront_only = {r.props.get("securityGroupId") for r in stack.of(SG_INGRESS) if r.props.get("prefixListId")}
    open_groups = {r.props.get("securityGroupId") for r in stack.of(SG_INGRESS)
                   if set(as_strings(r.props.get("cidrIpv4"))) & {"0.0.0.0/0"}}
    for lb in subjects(stack.of(*LBS)):
        if lb.props.get("internal") is True or lb.props.get("loadBalancerType") not in (None, "application"):
            continue
        groups = set(as_strings(lb.props.get("securityGroups")))
        behind_cloudfront = groups and groups <= cloudfront_only and not groups & open_groups
        if lb.props.get("arn") not in associated and not behind_cloudfront:
            yield (f"Internet-facing load balancer {lb.name} has no web ACL and is reachable "
                   "around CloudFront."), lb.urn


_cloudfront_waf = _setting("webAclId", bool, "Distribution {name} has no web ACL.")


# ==================================================================================================
# Public data exposure
# ==================================================================================================


def _bucket_parts(stack: Stack, *part_types: str) -> list[tuple[Any, Any]]:
    """(bucket, its separate part of one of `part_types` or None) for every bucket of the stack."""
    parts = {p.props.get("bucket"): p for p in stack.of(*part_types)}
    return [(b, parts.get(b.props.get("id")) or parts.get(b.props.get("bucket")))
            for b in subjects(stack.of(*BUCKETS))]


def _public_access_block(stack: Stack) -> Iterator[tuple[str, str]]:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    for bucket, block in _bucket_parts(stack, BUCKET_PAB):
        if block is None or any(block.props.get(k) is not True for k in keys):
            yield f"Bucket {bucket.name} does not block all public access.", bucket.urn


def _no_public_acl(res: Subject) -> Iterator[str]:
    acl = res.props.get("acl")
    if acl in ("public-read", "public-read-write", "authenticated-read"):
        yield f"{res.name} grants a public canned ACL ({acl})."
    grants = items(dig(res.props, "accessControlPolicy", "grants")) + items(res.props.get("grants"))
    for grant in grants:
        uri = str(dig(grant, "grantee", "uri") or dig(grant, "uri") or "")
        if uri.endswith(("/global/AllUsers", "/global/AuthenticatedUsers")):
            yield f"{res.name} grants access to {uri.rsplit('/', 1)[-1]}."


def _public_policy(what: str, field_name: str = "policy"):
    """A check: the resource's `field_name` policy admits no one-and-everyone (see `public_statements`)."""
    def check(res: Subject) -> Iterator[str]:
        if public_statements(res.props.get(field_name)):
            yield (f"{what} {res.name} allows anyone (Principal * or NotPrincipal) without a condition on the "
                   "account, organisation, source or network.")
    return check


def _ownership_enforced(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, ownership in _bucket_parts(stack, BUCKET_OWNERSHIP):
        if ownership is None or dig(ownership.props, "rule", "objectOwnership") != "BucketOwnerEnforced":
            yield f"Bucket {bucket.name} still honours ACLs (object ownership not BucketOwnerEnforced).", bucket.urn


def _cloudfront_oac(res: Subject) -> Iterator[str]:
    for origin in items(res.props.get("origins")):
        domain = str(dig(origin, "domainName") or "")
        if ".s3." in domain or domain.endswith(".s3.amazonaws.com"):
            if not dig(origin, "originAccessControlId"):
                yield f"Distribution {res.name} reads S3 origin {dig(origin, 'originId')} without Origin Access Control."
        if "s3-website" in domain:
            yield f"Distribution {res.name} uses a public S3 website endpoint as origin."


# ==================================================================================================
# Logging and monitoring
# ==================================================================================================


def _flow_logs(stack: Stack) -> Iterator[tuple[str, str]]:
    for vpc in unreferenced(stack, (VPC,), ("id",), FLOW_LOG, "vpcId"):
        yield f"VPC {vpc.name} has no flow log.", vpc.urn


_retention_set = _setting("retentionInDays", bool, "Log group {name} keeps logs forever (no retentionInDays).")


def _retention_year(res: Subject) -> Iterator[str]:
    # 0 or unset is "never expire": kept longer than any minimum.
    days = res.props.get("retentionInDays")
    minimum = int(res.config.get("minimumDays") or 365)
    if days and int(days) < minimum:
        yield f"Log group {res.name} keeps logs {int(days)} days, under {minimum}."


def _alb_access_logs(res: Subject) -> Iterator[str]:
    if res.props.get("loadBalancerType") in (None, "application", "network") and dig(res.props, "accessLogs", "enabled") is not True:
        yield f"Load balancer {res.name} writes no access logs."


def _cloudfront_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    # Legacy logging sits on the distribution; v2 logging is a CloudWatch Logs delivery source for it.
    delivered = {s.props.get("resourceArn") for s in stack.of(LOG_DELIVERY_SOURCE) if s.props.get("logType") == "ACCESS_LOGS"}
    for dist in subjects(stack.of(DISTRIBUTION)):
        if not dig(dist.props, "loggingConfig", "bucket") and dist.props.get("arn") not in delivered:
            yield f"Distribution {dist.name} writes no standard access logs.", dist.urn


def _waf_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    for acl in unreferenced(stack, (WAF_ACL,), ("arn",), WAF_LOGGING, "resourceArn"):
        yield f"Web ACL {acl.name} does not log.", acl.urn


def _sfn_logging(res: Subject) -> Iterator[str]:
    config = res.props.get("loggingConfiguration")
    if dig(config, "level") in (None, "OFF") or not dig(config, "logDestination"):
        yield f"State machine {res.name} does not log executions."
    elif dig(config, "includeExecutionData") is not True:
        yield f"State machine {res.name} logs events without their execution data (input, output, errors)."


def _container_insights(res: Subject) -> Iterator[str]:
    settings = {dig(s, "name"): dig(s, "value") for s in items(res.props.get("settings"))}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield f"ECS cluster {res.name} has Container Insights off."


def _eks_logging(res: Subject) -> Iterator[str]:
    missing = sorted(set(EKS_LOG_TYPES) - set(as_strings(res.props.get("enabledClusterLogTypes"))))
    if missing:
        yield f"EKS cluster {res.name} does not send its {', '.join(missing)} log(s) to CloudWatch."


def _rds_log_exports(res: Subject) -> Iterator[str]:
    engine = effective_engine(res)
    if engine is None:  # restored from a snapshot or a replica: the engine is its source's, its logs unknown here
        if not as_strings(res.props.get("enabledCloudwatchLogsExports")):
            yield f"Database {res.name} exports no log to CloudWatch."
        return
    needed = LOG_EXPORT_BY_ENGINE.get(engine) or LOG_EXPORT_BY_ENGINE.get(engine.split("-")[0], ("error",))
    missing = [kind for kind in needed if kind not in as_strings(res.props.get("enabledCloudwatchLogsExports"))]
    if missing:
        yield f"Database {res.name} ({engine}) does not export its {' and '.join(missing)} log."


def _aurora_backtrack(res: Subject) -> Iterator[str]:
    if effective_engine(res) == "aurora-mysql" and not res.props.get("backtrackWindow"):
        yield f"Aurora MySQL cluster {res.name} cannot be backtracked (backtrackWindow is 0)."


_rds_enhanced_monitoring = _setting("monitoringInterval", bool, "Database {name} has enhanced monitoring off.")


# ==================================================================================================
# Resilience and data protection
# ==================================================================================================


def _backup_retention(res: Subject) -> Iterator[str]:
    days = res.props.get("backupRetentionPeriod")
    minimum = 7 if res.env == "prod" else 1
    if days is None or float(days) < minimum:
        yield f"Database {res.name} keeps backups {days or 0} days; {minimum} is the minimum here."


def _deletion_protection(res: Subject) -> Iterator[str]:
    if res.props.get("deletionProtection") is not True and res.props.get("enableDeletionProtection") is not True:
        yield f"{res.name} can be deleted by a single API call (deletion protection off)."


def _final_snapshot(res: Subject) -> Iterator[str]:
    if res.props.get("skipFinalSnapshot") is not False or not res.props.get("finalSnapshotIdentifier"):
        yield f"Database {res.name} would be deleted without a final snapshot."


_rds_multi_az = _setting("multiAz", lambda v: v is True, "Database {name} is single-AZ.")


def _aurora_multi_az(stack: Stack) -> Iterator[tuple[str, str]]:
    members: dict[Any, int] = {}
    for member in stack.of(RDS_CLUSTER_INSTANCE):
        members[member.props.get("clusterIdentifier")] = members.get(member.props.get("clusterIdentifier"), 0) + 1
    for cluster in subjects(stack.of(RDS_CLUSTER)):
        count = members.get(cluster.props.get("id"), 0) + members.get(cluster.props.get("clusterIdentifier"), 0)
        if count < 2:
            yield f"Aurora cluster {cluster.name} has {count} instance(s); a second one in another AZ is needed.", cluster.urn


def _nat_per_az(stack: Stack) -> Iterator[tuple[str, str]]:
    subnets = {s.props.get("id"): s for s in stack.of(SUBNET)}
    nat_zones = {getattr(subnets.get(n.props.get("subnetId")), "props", {}).get("availabilityZone") for n in stack.of(NAT)}
    private_zones = {s.props.get("availabilityZone") for s in stack.of(SUBNET) if tag_of(s.props, "tier") == "private"}
    if not private_zones or not stack.of(VPC):
        return
    instance_nat = any(i.props.get("sourceDestCheck") is False for i in stack.of(INSTANCE))
    missing = sorted(private_zones - nat_zones)
    if (stack.of(NAT) and missing) or instance_nat:
        vpc = stack.of(VPC)[0]
        yield (f"Private subnets in {', '.join(missing) or 'every AZ'} leave through a NAT in another AZ "
               "(or a NAT instance): losing one AZ cuts their egress."), vpc.urn


def _protect_stateful(stack: Stack) -> Iterator[tuple[str, str]]:
    for res in subjects(stack.resources):
        data_bucket = res.resource_type in (BUCKET, BUCKET_V2) and tag_of(res.props, "purpose") == "data"
        if (res.resource_type in STATEFUL or data_bucket) and not res.opts.protect:
            yield f"{res.name} holds data but is not protected (Pulumi protect).", res.urn


def _data_bucket_versioning(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, versioning in _bucket_parts(stack, *BUCKET_VERSIONINGS):
        if tag_of(bucket.props, "purpose") not in (None, "data", "site"):
            continue
        inline = dig(bucket.props, "versioning", "enabled") is True or any(
            dig(v, "enabled") is True for v in items(bucket.props.get("versionings")))
        if not inline and (versioning is None or dig(versioning.props, "versioningConfiguration", "status") != "Enabled"):
            yield f"Bucket {bucket.name} is not versioned: an overwrite or delete is final.", bucket.urn


def _bucket_lifecycle(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, lifecycle in _bucket_parts(stack, *BUCKET_LIFECYCLES):
        if lifecycle is None and not items(bucket.props.get("lifecycleRules")):
            yield f"Bucket {bucket.name} has no lifecycle configuration.", bucket.urn


_cache_snapshots = _setting("snapshotRetentionLimit", bool, "Cache {name} takes no automatic snapshots.")


def _cache_failover(res: Subject) -> Iterator[str]:
    if res.props.get("automaticFailoverEnabled") is not True or res.props.get("multiAzEnabled") is not True:
        yield f"Cache {res.name} has no automatic multi-AZ failover."


def _efs_backups(stack: Stack) -> Iterator[tuple[str, str]]:
    # FSBP EFS.2 passes a file system with its automatic backups on or in an AWS Backup plan (AWS Security Hub User
    # Guide, EFS.2 "Amazon EFS volumes should be in backup plans"; checked 2026-12-05).
    own = {str(p.props.get("fileSystemId")) for p in stack.of(EFS_BACKUP)
           if dig(p.props, "backupPolicy", "status") == "ENABLED"}
    selected = {a for s in stack.of(BACKUP_SELECTION) for a in as_strings(s.props.get("resources"))}
    for fs in subjects(stack.of(EFS)):
        if str(fs.props.get("id")) not in own and fs.props.get("arn") not in selected and "*" not in selected:
            yield f"File system {fs.name} is backed up neither by its backup policy nor by an AWS Backup plan.", fs.urn


def _ecs_circuit_breaker(res: Subject) -> Iterator[str]:
    breaker = res.props.get("deploymentCircuitBreaker")
    if dig(breaker, "enable") is not True or dig(breaker, "rollback") is not True:
        yield f"ECS service {res.name} does not roll back failed deployments."


# ==================================================================================================
# Identity
# ==================================================================================================


def _documents(res: Subject) -> list[Any]:
    if res.type == ROLE:
        return [dig(p, "policy") for p in items(res.props.get("inlinePolicies"))]
    return [res.props.get("policy")]  # role, user and group inline policies; customer-managed policies


EVERY_ACTION = {"*", "*:*"}
"""Action patterns that match every action of every service."""
GRANTS_ADMIN = {"iam:*"}
"""Actions that grant everything by another step: whoever holds every IAM action on "*" can attach AdministratorAccess
to themselves (IAM User Guide, "Security best practices in IAM": least privilege; checked 2026-12-05)."""


def _no_full_admin(res: Subject) -> Iterator[str]:
    for doc in _documents(res):
        for s in statements(doc):
            if s.get("Effect") != "Allow" or "*" not in as_strings(s.get("Resource")):
                continue
            actions = set(as_strings(s.get("Action")))
            if actions & EVERY_ACTION:
                yield f"{res.name} grants every action on every resource (Action * on Resource *)."
            elif "NotAction" in s:
                yield (f"{res.name} allows every action but {', '.join(as_strings(s.get('NotAction')))} on every "
                       "resource (NotAction with Allow).")
            elif {a.lower() for a in actions} & GRANTS_ADMIN:
                yield f"{res.name} grants every IAM action on every resource (iam:*): it can make itself an administrator."


def _no_admin_attachment(res: Subject) -> Iterator[str]:
    # One attachment (role, user, group, or PolicyAttachment's many), or a role's own lists.
    arns = as_strings(res.props.get("policyArn")) + as_strings(res.props.get("policyArns"))
    arns += as_strings(res.props.get("managedPolicyArns"))
    for arn in sorted(set(arns) & ADMIN_POLICIES):
        yield f"{res.name} attaches {arn}."


def _role_path(res: Subject) -> Iterator[str]:
    if res.props.get("path") in (None, "/"):
        yield f"Role {res.name} is not under the program's IAM path, so the deploy role cannot manage it."


def _trust(res: Subject) -> list[Mapping[str, Any]]:
    return statements(res.props.get("assumeRolePolicy"))


def _irsa_scoped(res: Subject) -> Iterator[str]:
    for s in _trust(res):
        federated = as_strings(dig(s, "Principal", "Federated"))
        if not any("oidc.eks." in f for f in federated):
            continue
        exact = dig(s, "Condition", "StringEquals") or {}
        subjects_ = [v for k, v in exact.items() if str(k).endswith(":sub")]
        if not subjects_ or any("*" in str(v) for v in subjects_):
            yield f"Role {res.name} can be assumed by any service account of the cluster (no exact :sub condition)."


def _task_roles_scoped(stack: Stack) -> Iterator[tuple[str, str]]:
    scoped_services = ("ecs-tasks.amazonaws.com",)
    roles = {r.props.get("id"): r for r in stack.of(ROLE)}
    for policy in subjects(stack.of(ROLE_POLICY)):
        role = roles.get(policy.props.get("role")) or next(
            (r for r in roles.values() if r.props.get("name") == policy.props.get("role")), None)
        if role is None:
            continue
        principals = {p for s in statements(role.props.get("assumeRolePolicy"))
                      for p in as_strings(dig(s, "Principal", "Service")) + as_strings(dig(s, "Principal", "Federated"))}
        if not (principals & set(scoped_services) or any("oidc.eks." in p for p in principals)):
            continue
        for s in statements(policy.props.get("policy")):
            if s.get("Effect") == "Allow" and "*" in as_strings(s.get("Resource")) and not s.get("Condition"):
                broad = {a for a in as_strings(s.get("Action"))
                         if a not in STAR_ONLY_ACTIONS and not READ_ONLY.match(a.split(":")[-1])}
                if broad:
                    yield (f"Workload role policy {policy.name} grants {', '.join(sorted(broad))} on every resource."), policy.urn


def _exclusive_role_policies(stack: Stack) -> Iterator[tuple[str, str]]:
    exclusive = {r.props.get("id"): r for r in stack.of(ROLE)
                 if items(r.props.get("managedPolicyArns")) or items(r.props.get("inlinePolicies"))}
    exclusive.update({r.props.get("name"): r for r in exclusive.values()})
    for res in subjects(stack.of(ROLE_POLICY, ROLE_ATTACHMENT)):
        role = exclusive.get(res.props.get("role"))
        if role is not None:
            yield (f"{res.name} attaches to role {role.name}, which manages its policies exclusively "
                   "(managedPolicyArns / inlinePolicies): the two fight on every update."), res.urn


def _github_trust(res: Subject) -> Iterator[str]:
    for s in _trust(res):
        if not any(GITHUB_OIDC in f for f in as_strings(dig(s, "Principal", "Federated"))):
            continue
        conditions = {**(dig(s, "Condition", "StringEquals") or {}), **(dig(s, "Condition", "StringLike") or {})}
        # The issuer is token.actions.githubusercontent.com, or .../<enterprise> for an enterprise-scoped one.
        def claim(name: str) -> list[str]:
            return [v for k, vs in conditions.items() if re.fullmatch(rf"{re.escape(GITHUB_OIDC)}(/[\w.-]+)?:{name}", str(k))
                    for v in as_strings(vs)]
        subs, aud = claim("sub"), claim("aud")
        if "sts.amazonaws.com" not in aud:
            yield f"Role {res.name} trusts GitHub tokens for any audience."
        # A subject pins a repository by name (repo:owner/name:...) or, customised, by id (repository_id:123).
        pinned = re.compile(r"^repo:[^/:*?]+/[^/:*?]+:|(^|:)repository_id:\d+(:|$)")
        if not subs or any(pinned.search(sub) is None for sub in subs):
            yield f"Role {res.name} trusts GitHub workflows of more than one named repository."


# ==================================================================================================
# Supply chain
# ==================================================================================================


def _scan_on_push(res: Subject) -> Iterator[str]:
    if dig(res.props, "imageScanningConfiguration", "scanOnPush") is not True:
        yield f"Repository {res.name} does not scan images on push."


def _immutable_tags(res: Subject) -> Iterator[str]:
    if res.props.get("imageTagMutability") not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield f"Repository {res.name} lets a tag be moved to another image."


def _ecr_lifecycle(stack: Stack) -> Iterator[tuple[str, str]]:
    for repo in unreferenced(stack, (ECR_REPO,), ("name", "id"), ECR_LIFECYCLE, "repository"):
        yield f"Repository {repo.name} keeps every image forever (no lifecycle policy).", repo.urn


def _containers(res: Subject) -> list[Mapping[str, Any]]:
    return [c for c in items(document_list(res.props.get("containerDefinitions"))) if isinstance(c, Mapping)]


def document_list(value: Any) -> list[Any]:
    """Container definitions: a JSON array given as text (or already parsed)."""
    if isinstance(value, str):
        parsed = document('{"d": ' + value + "}") if value.strip() else {}
        return items(parsed.get("d"))
    return items(value)


def _no_privileged(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        if c.get("privileged") is True:
            yield f"Task definition {res.name} runs container {c.get('name')} privileged."


def _no_plain_secrets(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        for env in items(c.get("environment")):
            if SECRET_NAME.search(str(dig(env, "name"))):
                yield (f"Task definition {res.name} passes {dig(env, 'name')} as a plain environment variable; "
                       "use secrets (valueFrom).")


def _pinned_images(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        image = str(c.get("image") or "")
        if image.endswith(":latest") or (":" not in image.rsplit("/", 1)[-1] and "@" not in image):
            yield f"Task definition {res.name} runs {image!r} without a pinned tag."


# ==================================================================================================
# Controls added for breadth (issue 13)
# ==================================================================================================


def _rds_iam_auth(res: Subject) -> Iterator[str]:
    if str(effective_engine(res)).startswith("aurora") and res.type == RDS_INSTANCE:
        return  # an Aurora member takes its cluster's setting
    if res.props.get("iamDatabaseAuthenticationEnabled") is not True:
        yield f"Database {res.name} does not accept IAM authentication."


def _bucket_access_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    targets = {str(dig(p.props, "targetBucket")) for p in stack.of(*BUCKET_LOGGINGS)}
    for bucket, logging in _bucket_parts(stack, *BUCKET_LOGGINGS):
        inline = dig(bucket.props, "logging", "targetBucket") or any(
            dig(entry, "targetBucket") for entry in items(bucket.props.get("loggings")))
        # A bucket that receives access logs does not log to itself (that would loop).
        receives = bucket.props.get("bucket") in targets or bucket.props.get("id") in targets
        if logging is None and not inline and not receives and tag_of(bucket.props, "purpose") != "logs":
            yield f"Bucket {bucket.name} keeps no server access logs.", bucket.urn


def _drop_invalid_headers(res: Subject) -> Iterator[str]:
    if res.props.get("loadBalancerType") in (None, "application") and res.props.get("dropInvalidHeaderFields") is not True:
        yield f"Load balancer {res.name} forwards requests with invalid HTTP header fields."


KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
KNOWN_BAD_RCE = ("Log4JRCE", "JavaDeserializationRCE")
"""The known-bad-inputs rules this control is for: Log4j and Java deserialization remote code execution (AWS WAF
Developer Guide, "Baseline rule groups", Known bad inputs: Log4JRCE_HEADER/_QUERYSTRING/_BODY/_URIPATH and
JavaDeserializationRCE_*; checked 2026-12-05)."""
KNOWN_BAD_LABEL = "awswaf:managed:aws:known-bad-inputs:"


def _mentions(value: Any, text: str) -> bool:
    """Whether any string inside `value` (nested mappings and lists, as the pack's proxies hold them) contains `text`."""
    if isinstance(value, str):
        return text in value
    if isinstance(value, Mapping):
        return any(_mentions(v, text) for v in value.values())
    return any(_mentions(v, text) for v in items(value)) if not isinstance(value, (int, float, bool)) and value else False


def _not_blocking(action: Any) -> bool:
    return isinstance(action, Mapping) and any(k in action for k in ("count", "allow", "challenge", "captcha"))


def _waf_known_bad_inputs(res: Subject) -> Iterator[str]:
    rules = items(res.props.get("rules"))
    groups = [r for r in rules if dig(r, "statement", "managedRuleGroupStatement", "name") == KNOWN_BAD_INPUTS]
    if not groups:
        yield f"Web ACL {res.name} lacks {KNOWN_BAD_INPUTS} (Log4j and other known exploits)."
        return
    # A group that only counts still labels what it matches: a later rule that blocks on its labels protects.
    blocks_labels = any(isinstance(dig(r, "action"), Mapping) and "block" in dig(r, "action")
                        and _mentions(dig(r, "statement"), KNOWN_BAD_LABEL) for r in rules)
    for group in groups:
        statement = dig(group, "statement", "managedRuleGroupStatement")
        if "count" in (dig(group, "overrideAction") or {}):
            if not blocks_labels:
                yield f"Web ACL {res.name} runs {KNOWN_BAD_INPUTS} in count mode: it blocks nothing."
            continue
        off = [str(dig(o, "name")) for o in items(dig(statement, "ruleActionOverrides"))
               if _not_blocking(dig(o, "actionToUse"))]
        off += [str(dig(e, "name")) for e in items(dig(statement, "excludedRules"))]  # the API's older form
        weakened = sorted(n for n in off if n.startswith(KNOWN_BAD_RCE))
        if weakened and not blocks_labels:
            yield f"Web ACL {res.name} turns off {', '.join(weakened)} of {KNOWN_BAD_INPUTS} (set to count or excluded)."


def _read_only_root(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        if c.get("readonlyRootFilesystem") is not True:
            yield f"Task definition {res.name} lets container {c.get('name')} write its root file system."


def _sqs_encrypted(res: Subject) -> Iterator[str]:
    if res.props.get("sqsManagedSseEnabled") is False and not res.props.get("kmsMasterKeyId"):
        yield f"Queue {res.name} is not encrypted at rest."
    elif res.props.get("sqsManagedSseEnabled") is None and not res.props.get("kmsMasterKeyId"):
        # SQS encrypts new queues with SSE-SQS by default (SQS API CreateQueue, SqsManagedSseEnabled; 2026-11-30),
        # but only a key of our own can be scoped and audited.
        return


def _secret_rotation(stack: Stack) -> Iterator[tuple[str, str]]:
    rotated = {r.props.get("secretId") for r in stack.of(SECRET_ROTATION)}
    for secret in subjects(stack.of(SECRET)):
        if not ({secret.props.get("id"), secret.props.get("arn")} & rotated):
            yield f"Secret {secret.name} is never rotated.", secret.urn


def _log_group_encrypted(res: Subject) -> Iterator[str]:
    if not res.props.get("kmsKeyId"):
        yield f"Log group {res.name} is encrypted only with the service key (no kmsKeyId)."


def _node_group_ssh(res: Subject) -> Iterator[str]:
    remote = res.props.get("remoteAccess")
    if remote is not None and dig(remote, "ec2SshKey") and not as_strings(dig(remote, "sourceSecurityGroupIds")):
        yield f"Node group {res.name} admits SSH from anywhere (remoteAccess without sourceSecurityGroupIds)."


def _batch_not_privileged(res: Subject) -> Iterator[str]:
    container = document(res.props.get("containerProperties"))
    if container.get("privileged") is True:
        yield f"Job definition {res.name} runs its container privileged."


def _elasticache_auth(res: Subject) -> Iterator[str]:
    version = str(res.props.get("engineVersion") or "")
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else None
    if res.props.get("engine", "redis") == "redis" and major is not None and major < 6 \
            and not res.props.get("authToken") and not as_strings(res.props.get("userGroupIds")):
        yield f"Redis {version} replication group {res.name} has no AUTH token (versions before 6 have no RBAC)."


def _certificate_key(res: Subject) -> Iterator[str]:
    if str(res.props.get("keyAlgorithm") or "RSA_2048") == "RSA_1024":  # RSA_2048 is ACM's default
        yield f"Certificate {res.name} uses a 1024-bit RSA key."


def _ecs_task_isolation(res: Subject) -> Iterator[str]:
    if res.props.get("pidMode") == "host":
        yield f"Task definition {res.name} shares the host's process namespace (pidMode host)."
    if res.props.get("networkMode") == "host":
        for c in _containers(res):
            if c.get("privileged") is True or str(c.get("user") or "root") in ("root", "0", "0:0"):
                yield f"Task definition {res.name} runs {c.get('name')} as root (or privileged) on the host's network."


def _ecs_logging(res: Subject) -> Iterator[str]:
    for c in _containers(res):
        if not dig(c, "logConfiguration", "logDriver"):
            yield f"Task definition {res.name} has no log configuration for container {c.get('name')}."


def _fargate_latest(res: Subject) -> Iterator[str]:
    version = res.props.get("platformVersion")
    if res.props.get("launchType") in (None, "FARGATE") and version not in (None, "LATEST"):
        yield f"ECS service {res.name} pins Fargate platform version {version} instead of LATEST."


def _efs_access_point(res: Subject) -> Iterator[str]:
    if dig(res.props, "rootDirectory", "path") in (None, "", "/"):
        yield f"Access point {res.name} exposes the file system's root directory."
    if dig(res.props, "posixUser", "uid") is None:
        yield f"Access point {res.name} does not enforce a POSIX user identity."


def _lb_desync(res: Subject) -> Iterator[str]:
    if res.props.get("desyncMitigationMode") == "monitor":  # defensive is the default
        yield f"Load balancer {res.name} only monitors HTTP desync (desyncMitigationMode monitor)."


def _lb_multi_az(res: Subject) -> Iterator[str]:
    subnets = as_strings(res.props.get("subnets")) + [str(dig(m, "subnetId")) for m in items(res.props.get("subnetMappings"))]
    if len(set(subnets)) < 2:
        yield f"Load balancer {res.name} sits in fewer than two subnets (Availability Zones)."


def _cache_minor_upgrades(res: Subject) -> Iterator[str]:
    # Minor upgrades are a Redis OSS/Valkey setting (CreateCacheCluster AutoMinorVersionUpgrade, "Valkey 7.2 and above
    # or Redis OSS 6.0 and above"); a Memcached cluster is judged on its subnet group alone.
    memcached = res.type == CACHE_CLUSTER and str(res.props.get("engine")) == "memcached"
    if not memcached and res.props.get("autoMinorVersionUpgrade") is False:  # true is the default
        yield f"Cache {res.name} does not take automatic minor version upgrades."
    if res.props.get("subnetGroupName") in (None, "", "default"):
        yield f"Cache {res.name} uses the default subnet group."


def _no_user_policies(res: Subject) -> Iterator[str]:
    yield f"{res.name} gives an IAM user permissions directly; grant them through a group or a role."


def _kms_decrypt_everything(res: Subject) -> Iterator[str]:
    for doc_ in _documents(res):
        for st in statements(doc_):
            actions = {a.lower() for a in as_strings(st.get("Action"))}
            decrypts = actions & {"kms:decrypt", "kms:reencryptfrom", "kms:*", "*"}
            if st.get("Effect") == "Allow" and decrypts and "*" in as_strings(st.get("Resource")) and not st.get("Condition"):
                yield f"{res.name} allows kms:Decrypt on every KMS key (Resource *)."


_rds_minor_upgrades = _setting("autoMinorVersionUpgrade", lambda v: v is not False, "Database {name} does not take automatic minor version upgrades.")


_rds_copy_tags = _setting("copyTagsToSnapshot", lambda v: v is True, "Database {name} does not copy its tags to snapshots.")


_rds_in_vpc = _setting("dbSubnetGroupName", bool, "Database {name} names no DB subnet group (it would land in the default VPC).")


def _rds_custom_admin(res: Subject) -> Iterator[str]:
    user = str(res.props.get("username") or res.props.get("masterUsername") or "")
    if user.lower() in ("admin", "postgres", "root", "administrator", "master"):
        yield f"Database {res.name} keeps a default administrator name ({user})."


def _rotation_period(res: Subject) -> Iterator[str]:
    days = dig(res.props, "rotationRules", "automaticallyAfterDays")
    if days is not None and float(days) > 90:
        yield f"Secret rotation {res.name} waits {days:g} days; 90 is the most."


def _waf_rules_and_metrics(res: Subject) -> Iterator[str]:
    rules = items(res.props.get("rules"))
    if not rules:
        yield f"Web ACL {res.name} has no rule or rule group."
    configs = [res.props.get("visibilityConfig"), *(dig(r, "visibilityConfig") for r in rules)]
    if any(dig(c, "cloudwatchMetricsEnabled") is not True for c in configs):
        yield f"Web ACL {res.name} has a rule (or itself) without CloudWatch metrics."


def _cache_access_control(res: Subject) -> Iterator[str]:
    if not res.props.get("authToken") and not as_strings(res.props.get("userGroupIds")):
        yield f"Cache {res.name} authenticates no client (no AUTH token, no user group): its security group is the only gate."


def _default_root_object(res: Subject) -> Iterator[str]:
    s3_origin = any(".s3." in str(dig(o, "domainName") or "") for o in items(res.props.get("origins")))
    if s3_origin and not res.props.get("defaultRootObject"):
        yield f"Distribution {res.name} serves an S3 origin without a default root object (a bare / lists or errors)."


CROSS_ACCOUNT_BLOCKED = {"s3:deletebucketpolicy", "s3:putbucketacl", "s3:putbucketpolicy",
                         "s3:putencryptionconfiguration", "s3:putobjectacl", "s3:*", "*"}
"""Actions FSBP S3.6 refuses to other accounts in a bucket policy."""


def _bucket_cross_account(res: Subject) -> Iterator[str]:
    for st in statements(res.props.get("policy")):
        principals = as_strings(dig(st, "Principal", "AWS"))
        others = [p for p in principals if p != "*" and re.search(r"\d{12}", p)]
        if st.get("Effect") == "Allow" and others and {a.lower() for a in as_strings(st.get("Action"))} & CROSS_ACCOUNT_BLOCKED:
            yield f"Bucket policy of {res.name} lets other accounts change its policy, ACLs or encryption."


def _no_service_wildcards(res: Subject) -> Iterator[str]:
    for st in statements(res.props.get("policy")):
        wild = sorted(a for a in as_strings(st.get("Action")) if re.fullmatch(r"[\w-]+:\*", a))
        if st.get("Effect") == "Allow" and wild:
            yield f"Policy {res.name} allows every action of {', '.join(wild)}."


def _ec2_endpoint(stack: Stack) -> Iterator[tuple[str, str]]:
    with_endpoint = {e.props.get("vpcId") for e in stack.of(VPC_ENDPOINT) if str(e.props.get("serviceName", "")).endswith(".ec2")}
    for vpc in subjects(stack.of(VPC)):
        if vpc.props.get("id") not in with_endpoint:
            yield f"VPC {vpc.name} has no interface endpoint for the EC2 API.", vpc.urn


def _rds_events(stack: Stack) -> Iterator[tuple[str, str]]:
    kinds = {str(s.props.get("sourceType")) for s in stack.of(RDS_EVENTS)}
    needed = {"db-cluster": RDS_CLUSTER, "db-instance": RDS_INSTANCE, "db-parameter-group": RDS_PARAMS,
              "db-security-group": RDS_INSTANCE}
    for kind, typ in needed.items():
        for res in subjects(stack.of(typ)):
            if kind not in kinds:
                yield f"No RDS event subscription watches {kind} events (for {res.name}).", res.urn


def _rds_default_port(res: Subject) -> Iterator[str]:
    defaults = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306, "aurora-mysql": 3306}
    engine, port = effective_engine(res), res.props.get("port")
    if port is None:  # whatever the engine, an unset port is its default
        yield f"Database {res.name} listens on {engine or 'its engine'}'s default port."
    elif engine in defaults and float(port) == defaults[engine]:
        yield f"Database {res.name} listens on {engine}'s default port."


def _rds_backup_plan(stack: Stack) -> Iterator[tuple[str, str]]:
    selected = {a for s in stack.of(BACKUP_SELECTION) for a in as_strings(s.props.get("resources"))}
    for db in subjects(stack.of(RDS_INSTANCE, RDS_CLUSTER)):
        if db.resource_type == RDS_INSTANCE and str(db.props.get("engine") or "").startswith("aurora"):
            continue
        if db.props.get("arn") not in selected and "*" not in selected:
            yield f"Database {db.name} is in no AWS Backup plan.", db.urn


def _zone_query_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    for zone in unreferenced(stack, (ZONE,), ("zoneId", "id"), QUERY_LOG, "zoneId"):
        if not items(zone.props.get("vpcs")):  # private zones have no query logs of this kind
            yield f"Public hosted zone {zone.name} does not log DNS queries.", zone.urn


def _bucket_feature(part_types: tuple[str, ...], inline: str, what: str):
    def check(stack: Stack) -> Iterator[tuple[str, str]]:
        for bucket, part in _bucket_parts(stack, *part_types):
            if part is None and not bucket.props.get(inline):
                yield f"Bucket {bucket.name} has no {what}.", bucket.urn
    return check


def _mfa_delete(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, versioning in _bucket_parts(stack, *BUCKET_VERSIONINGS):
        on = dig(bucket.props, "versioning", "mfaDelete") is True or \
            dig(versioning.props if versioning else None, "versioningConfiguration", "mfaDelete") == "Enabled"
        if not on:
            yield f"Bucket {bucket.name} lets versions be deleted without MFA.", bucket.urn


def _sns_delivery_logging(res: Subject) -> Iterator[str]:
    feedback = [k for k in res.props if str(k).endswith("FailureFeedbackRoleArn") and res.props.get(k)]
    if not feedback:
        yield f"Topic {res.name} logs no delivery status."


def _origin_failover(res: Subject) -> Iterator[str]:
    if not items(res.props.get("originGroups")):
        yield f"Distribution {res.name} has no origin group to fail over to."


# ==================================================================================================
# Tagging
# ==================================================================================================


def _required_tags(res: Subject) -> Iterator[str]:
    if "tags" not in res.props:
        return
    required = as_strings(res.config.get("requiredTags")) or ["env", "owner", "cost-center"]
    missing = [k for k in required if not res.tags.get(k)]
    if missing:
        yield f"{res.name} lacks the tag(s) {', '.join(missing)}."


TAGGABLE = (
    RDS_INSTANCE, RDS_CLUSTER, CACHE, CACHE_CLUSTER, EFS, BUCKET, SNS_TOPIC, LOG_GROUP, CERTIFICATE, SECRET, ECR_REPO, KMS_KEY, LB, SG, SUBNET,
    VPC, NAT, INSTANCE, ECS_CLUSTER, ECS_SERVICE, TASK_DEFINITION, SFN, ROLE, DISTRIBUTION, WAF_ACL, BATCH_CE, ALB_LB, SQS_QUEUE,
)

# ==================================================================================================
# The rules
# ==================================================================================================

RULES: list[Rule] = [
    # -- encryption at rest
    Rule("rds-storage-encrypted", "encryption-at-rest", "RDS instances and Aurora clusters encrypt their storage.",
         "set storage_encrypted=True with a KMS key (Database does).", fsbp="RDS.3", awsguard="rds-storage-encrypted",
         types=(RDS_INSTANCE, RDS_CLUSTER), check=_storage_encrypted),
    Rule("efs-encrypted", "encryption-at-rest", "EFS file systems are encrypted at rest.",
         "set encrypted=True with a KMS key (FileSystem does).", fsbp="EFS.1",
         awsguard="efs-encrypted", types=(EFS,), check=_efs_encrypted),
    Rule("elasticache-at-rest-encryption", "encryption-at-rest", "ElastiCache replication groups encrypt data at rest.",
         "set at_rest_encryption_enabled=True.", fsbp="ElastiCache.4",
         types=(CACHE,), check=_cache_at_rest),
    Rule("sns-topic-encrypted", "encryption-at-rest", "SNS topics are encrypted with KMS.",
         "set kms_master_key_id (Monitoring uses its own key).", fsbp="SNS.1", types=(SNS_TOPIC,), check=_sns_encrypted),
    Rule("log-group-kms-key-arn", "encryption-at-rest",
         "Log groups that configure KMS name the key by ARN (CloudWatch Logs rejects aliases and ids).",
         "pass the key's ARN as kms_key_id.", types=(LOG_GROUP,), check=_log_group_kms),
    Rule("secrets-customer-managed-key", "encryption-at-rest", "Secrets Manager secrets use a customer-managed KMS key.",
         "create secrets through the Secrets component (its key) or pass kms_key_id.", enforcement="advisory",
         types=(SECRET,), check=_secret_cmk),
    Rule("ecr-kms-encryption", "encryption-at-rest", "ECR repositories are encrypted with KMS.",
         "set encryption_configurations=[{encryption_type: KMS}] (Registry does).", fsbp="ECR.5",
         types=(ECR_REPO,), check=_ecr_encrypted),
    Rule("eks-secrets-encrypted", "encryption-at-rest", "EKS clusters envelope-encrypt Kubernetes secrets with KMS.",
         "pass encryption_config_key_arn (KubernetesService does).", fsbp="EKS.3",
         types=(EKS_COMPONENT, EKS_CLUSTER), check=_eks_secrets),
    Rule("kms-key-rotation", "encryption-at-rest", "Customer-managed symmetric KMS keys rotate yearly.",
         "set enable_key_rotation=True.", fsbp="KMS.4", awsguard="cmk-backing-key-rotation-enabled", types=(KMS_KEY,), check=_kms_rotation),
    Rule("ec2-volumes-encrypted", "encryption-at-rest", "Instance and launch-template volumes are encrypted.",
         "set encrypted on root and EBS block devices.", fsbp="EC2.3",
         awsguard="encrypted-volumes", types=(INSTANCE, LAUNCH_TEMPLATE), check=_volumes_encrypted),
    Rule("backup-vault-encrypted", "encryption-at-rest", "Backup vaults use a customer-managed KMS key.",
         "pass kms_key_arn (Backup does).", fsbp="Backup.1", types=(BACKUP_VAULT,), check=_vault_encrypted),
    Rule("s3-data-buckets-sse-kms", "encryption-at-rest", "Data buckets default to SSE-KMS encryption.",
         "create buckets with _bucket.private_bucket and a KMS key.", fsbp="S3.17", types=(*BUCKETS, *BUCKET_SSES),
         stack_check=_data_buckets_kms),
    Rule("sqs-encrypted", "encryption-at-rest", "SQS queues are encrypted at rest.",
         "leave sqs_managed_sse_enabled on or set kms_master_key_id.", fsbp="SQS.1", types=(SQS_QUEUE,),
         check=_sqs_encrypted),
    Rule("log-group-kms", "encryption-at-rest", "Log groups are encrypted with a customer-managed KMS key.",
         "pass kms_key_id (a key whose policy admits logs.<region>.amazonaws.com).", enforcement="advisory",
         types=(LOG_GROUP,), check=_log_group_encrypted),
    # -- encryption in transit
    Rule("alb-https-tls13", "encryption-in-transit", "HTTPS listeners use a TLS 1.3 security policy and a certificate.",
         "set ssl_policy to an ELBSecurityPolicy-TLS13-* policy.", fsbp="ELB.17", types=LISTENERS, check=_https_listener),
    Rule("alb-http-redirects-only", "encryption-in-transit", "HTTP listeners only redirect to HTTPS.",
         "make the port-80 default action a redirect to HTTPS 443.", fsbp="ELB.1", awsguard="alb-http-to-https-redirection", types=LISTENERS, check=_http_redirects),
    Rule("alb-no-http-rules", "encryption-in-transit", "No listener rule forwards plain-HTTP traffic.",
         "attach path rules to the HTTPS listener only.", types=(*LISTENERS, *LISTENER_RULES), stack_check=_http_listener_rules),
    Rule("cloudfront-viewer-https", "encryption-in-transit",
         "CloudFront requires HTTPS from viewers with TLS 1.2 (2021 policy) or newer.",
         "use redirect-to-https and minimum_protocol_version TLSv1.2_2021 with an ACM certificate.", fsbp="CloudFront.3", types=(DISTRIBUTION,), check=_cloudfront_viewer),
    Rule("cloudfront-origin-https", "encryption-in-transit", "CloudFront reaches custom origins over HTTPS with TLS 1.2.",
         "set origin_protocol_policy https-only and origin_ssl_protocols [TLSv1.2].", fsbp="CloudFront.9",
         types=(DISTRIBUTION,), check=_cloudfront_origin_tls),
    Rule("elasticache-transit-encryption", "encryption-in-transit", "ElastiCache requires TLS.",
         "set transit_encryption_enabled=True and transit_encryption_mode required.", fsbp="ElastiCache.5",
         types=(CACHE, CACHE_CLUSTER), check=_cache_in_transit),
    Rule("rds-force-ssl", "encryption-in-transit",
         "Parameter groups force TLS: rds.force_ssl = 1 (PostgreSQL, SQL Server), require_secure_transport ON "
         "(MySQL, MariaDB, Aurora MySQL).",
         "keep rds.force_ssl=1 (or require_secure_transport=ON) in the (cluster) parameter group.",
         types=(RDS_PARAMS, RDS_CLUSTER_PARAMS),
         check=_force_ssl),
    Rule("s3-tls-only", "encryption-in-transit", "Every bucket policy denies requests without TLS.",
         "add the DenyInsecureTransport statement (private_bucket does).", fsbp="S3.5", types=(*BUCKETS, BUCKET_POLICY),
         stack_check=_bucket_tls_only),
    Rule("efs-tls-only", "encryption-in-transit", "Every file system policy refuses clients without TLS.",
         "attach a file system policy denying aws:SecureTransport false.", types=(EFS, EFS_POLICY),
         stack_check=_efs_tls_only),
    # -- network exposure
    Rule("rds-not-public", "network-exposure", "Databases are not publicly accessible.",
         "set publicly_accessible=False.", fsbp="RDS.2",
         awsguard="rds-instance-public-access", types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE), check=_rds_not_public, waivable=False),
    Rule("rds-private-subnets", "network-exposure", "Database subnet groups use no public subnets.",
         "place databases in the isolated (or private) tier.", types=(RDS_SUBNETS, SUBNET),
         stack_check=_private_placement((RDS_SUBNETS,), ("subnetIds",), "DB subnet group")),
    Rule("elasticache-private-subnets", "network-exposure", "Cache subnet groups use no public subnets.",
         "place caches in the isolated (or private) tier.", types=(CACHE_SUBNETS, SUBNET),
         stack_check=_private_placement((CACHE_SUBNETS,), ("subnetIds",), "Cache subnet group")),
    Rule("ecs-no-public-ip", "network-exposure", "ECS tasks get no public IP addresses.",
         "set assign_public_ip=False and run tasks in private subnets.", fsbp="ECS.2",
         types=(ECS_SERVICE,), check=_ecs_no_public_ip),
    Rule("ecs-private-subnets", "network-exposure", "ECS services run in private subnets.",
         "pass the private subnets.", types=(ECS_SERVICE, SUBNET),
         stack_check=_private_placement((ECS_SERVICE,), ("networkConfiguration", "subnets"), "ECS service")),
    Rule("sg-no-open-ingress", "network-exposure",
         "No security group admits 0.0.0.0/0 or ::/0, except 80/443 on internet-facing load balancers.",
         "admit peers by security group (allow_from) or narrow CIDRs.", fsbp="EC2.19",
         types=(SG, DEFAULT_SG, SG_INGRESS, SG_RULE), stack_check=_open_ingress),
    Rule("default-sg-closed", "network-exposure", "Every VPC's default security group is managed and has no rules.",
         "manage it with aws.ec2.DefaultSecurityGroup and no rules (Network does).", fsbp="EC2.2",
         types=(VPC, DEFAULT_SG, SG_INGRESS, SG_EGRESS, SG_RULE), stack_check=_default_sg_closed),
    Rule("batch-private-subnets", "network-exposure", "Batch compute environments run in private subnets.",
         "pass the private subnets.", types=(BATCH_CE, SUBNET),
         stack_check=_private_placement((BATCH_CE,), ("computeResources", "subnets"), "Compute environment")),
    Rule("eks-endpoint-private", "network-exposure",
         "EKS API endpoints are private, or public only to listed CIDRs with private access on (the deploy runner "
         "reaches a VPC the stack creates that way).",
         "set endpoint_public_access=False, or public_access_cidrs with endpoint_private_access=True.", fsbp="EKS.1",
         types=(EKS_COMPONENT, EKS_CLUSTER), check=_eks_endpoint),
    Rule("eks-nodes-private", "network-exposure", "EKS nodes live in private subnets without public IPs.",
         "pass private_subnet_ids and node_associate_public_ip_address=False.", types=(EKS_COMPONENT,),
         check=_eks_nodes_private),
    Rule("eks-node-groups-private", "network-exposure", "EKS node groups use no public subnets.",
         "pass the private subnets.", types=(EKS_NODE_GROUP, SUBNET),
         stack_check=_private_placement((EKS_NODE_GROUP,), ("subnetIds",), "Node group")),
    Rule("ec2-imdsv2", "network-exposure", "Instances and launch templates require IMDSv2.",
         "set metadata_options http_tokens=required.", fsbp="EC2.8", types=(INSTANCE, LAUNCH_TEMPLATE), check=_imdsv2),
    Rule("ec2-no-public-ip", "network-exposure", "Instances have no public IP (NAT instances excepted).",
         "run instances in private subnets.", enforcement="advisory", fsbp="EC2.9", awsguard="ec2-instance-no-public-ip",
         types=(INSTANCE, LAUNCH_TEMPLATE),
         check=_no_public_instance_ip),
    Rule("subnet-public-ip-only-public-tier", "network-exposure", "Only public-tier subnets assign public IPs.",
         "set map_public_ip_on_launch only on subnets tagged tier=public.", fsbp="EC2.15", types=(SUBNET,),
         check=_subnet_auto_ip),
    Rule("alb-waf-or-cloudfront-only", "network-exposure",
         "Internet-facing ALBs have a web ACL, or admit only CloudFront (which has one).",
         "associate a regional web ACL or put the ALB behind CloudFront only.", types=LBS, stack_check=_alb_waf),
    Rule("cloudfront-waf", "network-exposure", "CloudFront distributions have a web ACL.",
         "set web_acl_id (Firewall with CLOUDFRONT scope).", fsbp="CloudFront.6", types=(DISTRIBUTION,),
         check=_cloudfront_waf),
    # -- public data exposure
    Rule("s3-public-access-block", "public-data", "Every bucket blocks all public access.",
         "add a BucketPublicAccessBlock with all four settings true (private_bucket does).", fsbp="S3.8",
         types=(*BUCKETS, BUCKET_PAB), stack_check=_public_access_block, waivable=False),
    Rule("s3-no-public-acl", "public-data", "No bucket or ACL grants public access.",
         "remove public canned ACLs and AllUsers/AuthenticatedUsers grants.", fsbp="S3.2", types=(*BUCKETS, *BUCKET_ACLS),
         check=_no_public_acl, waivable=False),
    Rule("s3-policy-no-public-principal", "public-data",
         "No bucket policy (separate or inline) allows Principal * without a condition that restricts it.",
         "name the principal, or condition on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or aws:SourceVpce.",
         fsbp="S3.3", types=(BUCKET_POLICY, *BUCKETS), check=_public_policy("Bucket policy of"), waivable=False),
    Rule("ecr-policy-not-public", "public-data", "No ECR repository policy admits everyone.",
         "name the accounts or condition on aws:PrincipalOrgID.", types=(ECR_POLICY,),
         check=_public_policy("Repository policy"), waivable=False),
    Rule("sns-policy-not-public", "public-data", "No SNS topic policy admits everyone.",
         "name the publishing services with aws:SourceArn / aws:SourceAccount conditions.", fsbp="SNS.4",
         types=(SNS_TOPIC, SNS_POLICY),
         check=_public_policy("Topic policy of"), waivable=False),
    Rule("sqs-policy-not-public", "public-data", "No SQS queue policy admits everyone.",
         "name the senders with aws:SourceArn / aws:SourceAccount conditions (Config rule sqs-queue-no-public-access).",
         types=(SQS_QUEUE, SQS_POLICY), check=_public_policy("Queue policy of"), waivable=False),
    Rule("kms-policy-not-public", "public-data", "No KMS key policy admits everyone.",
         "name the account root or condition on kms:CallerAccount / aws:PrincipalOrgID.", fsbp="KMS.5",
         types=(KMS_KEY, KMS_KEY_POLICY), check=_public_policy("Key policy of"), waivable=False),
    Rule("s3-ownership-enforced", "public-data", "Buckets ignore ACLs (object ownership BucketOwnerEnforced).",
         "add BucketOwnershipControls with BucketOwnerEnforced.", fsbp="S3.12", types=(*BUCKETS, BUCKET_OWNERSHIP),
         stack_check=_ownership_enforced),
    Rule("cloudfront-s3-oac", "public-data", "CloudFront reads S3 only through Origin Access Control.",
         "give S3 origins an origin_access_control_id; never use website endpoints.", fsbp="CloudFront.13",
         types=(DISTRIBUTION,), check=_cloudfront_oac),
    # -- logging and monitoring
    Rule("vpc-flow-logs", "logging-monitoring", "Every VPC has flow logs.", "add an aws.ec2.FlowLog (Network does).",
         fsbp="EC2.6", types=(VPC, FLOW_LOG), stack_check=_flow_logs),
    Rule("log-group-retention", "logging-monitoring", "Every log group has a retention period.",
         "set retention_in_days; create service log groups yourself before the service does.",
         types=(LOG_GROUP,), check=_retention_set),
    Rule("alb-access-logs", "logging-monitoring", "Application load balancers write access logs.",
         "set load_balancers.<name>.access_logs: true.", enforcement="advisory", fsbp="ELB.5", awsguard="elb-logging-enabled",
         types=LBS, check=_alb_access_logs),
    Rule("s3-access-logging", "logging-monitoring", "Buckets keep server access logs (a log bucket excepted).",
         "add a BucketLogging to a log bucket.", enforcement="advisory", fsbp="S3.9",
         types=(*BUCKETS, *BUCKET_LOGGINGS), stack_check=_bucket_access_logging),
    Rule("cloudfront-access-logs", "logging-monitoring", "CloudFront distributions write standard access logs.",
         "set edge.access_log_days (Edge delivers the logs to S3 through CloudWatch Logs).", enforcement="advisory",
         fsbp="CloudFront.5", types=(DISTRIBUTION, LOG_DELIVERY_SOURCE), stack_check=_cloudfront_logging),
    Rule("waf-logging", "logging-monitoring", "Every web ACL logs.", "add a WebAclLoggingConfiguration (Firewall does).",
         fsbp="WAF.11", types=(WAF_ACL, WAF_LOGGING), stack_check=_waf_logging),
    Rule("sfn-logging", "logging-monitoring", "State machines log executions, with their execution data.",
         "set logging_configuration with a level, a log group and include_execution_data.", fsbp="StepFunctions.1",
         types=(SFN,),
         check=_sfn_logging),
    Rule("ecs-container-insights", "logging-monitoring", "ECS clusters have Container Insights on.",
         "set the containerInsights setting to enabled or enhanced.", fsbp="ECS.12", types=(ECS_CLUSTER,),
         check=_container_insights),
    Rule("eks-control-plane-logging", "logging-monitoring", "EKS clusters send all five control-plane logs to CloudWatch.",
         "enable api, audit, authenticator, controllerManager and scheduler (cluster.eks.log_types' default).", fsbp="EKS.8",
         types=(EKS_COMPONENT, EKS_CLUSTER), check=_eks_logging),
    Rule("rds-log-exports", "logging-monitoring",
         "Databases export their engine's primary log to CloudWatch (postgresql; error for MySQL and MariaDB; "
         "error and audit for Aurora MySQL).",
         "keep the engine's log in database.log_exports.", fsbp="RDS.9", types=(RDS_INSTANCE, RDS_CLUSTER),
         check=_rds_log_exports),
    Rule("rds-enhanced-monitoring", "logging-monitoring", "Databases have enhanced monitoring.",
         "set database.monitoring_interval.", enforcement="advisory", fsbp="RDS.6",
         types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE), check=_rds_enhanced_monitoring),
    Rule("rds-iam-auth", "identity", "Databases accept IAM authentication.",
         "set iam_database_authentication_enabled=True (Database does).", enforcement="advisory", fsbp="RDS.10",
         types=(RDS_INSTANCE, RDS_CLUSTER), check=_rds_iam_auth),
    # -- resilience and data protection
    Rule("rds-backup-retention", "resilience", "Databases keep automated backups (7+ days in prod).",
         "set database.backup_retention_days (7 or more in prod).", fsbp="RDS.11", awsguard="rds-instance-backup-enabled", types=(RDS_INSTANCE, RDS_CLUSTER), check=_backup_retention),
    Rule("rds-deletion-protection-prod", "resilience", "Prod databases have deletion protection.",
         "set database.deletion_protection: true.", fsbp="RDS.8",
         types=(RDS_INSTANCE, RDS_CLUSTER), check=_deletion_protection, prod_only=True),
    Rule("rds-final-snapshot-prod", "resilience", "Prod databases take a final snapshot when deleted.",
         "set database.final_snapshot: true.", types=(RDS_INSTANCE, RDS_CLUSTER), check=_final_snapshot, prod_only=True),
    Rule("rds-multi-az-prod", "resilience", "Prod RDS instances are multi-AZ.", "set database.multi_az: true.",
         fsbp="RDS.5", awsguard="rds-instance-multi-az-enabled", types=(RDS_INSTANCE,), check=_rds_multi_az,
         prod_only=True),
    Rule("aurora-multi-az-prod", "resilience", "Prod Aurora clusters have instances in two AZs or more.",
         "set database.instances: 2 or more.", fsbp="RDS.15", types=(RDS_CLUSTER, RDS_CLUSTER_INSTANCE),
         stack_check=_aurora_multi_az, prod_only=True),
    Rule("nat-per-az-prod", "resilience", "In prod every AZ's private subnets leave through a NAT gateway in that AZ.",
         "set network.egress: per_az.", types=(VPC, SUBNET, NAT, INSTANCE), stack_check=_nat_per_az, prod_only=True),
    Rule("protect-stateful-prod", "resilience", "Prod stateful resources carry Pulumi protect.",
         "keep env: prod (stateful components then protect and retain their data).", types=(*STATEFUL, *BUCKETS),
         stack_check=_protect_stateful,
         prod_only=True),
    Rule("s3-versioning", "resilience", "Data and site buckets are versioned.", "add BucketVersioning Enabled.",
         fsbp="S3.14", types=(*BUCKETS, *BUCKET_VERSIONINGS), stack_check=_data_bucket_versioning),
    Rule("s3-lifecycle", "resilience", "Every bucket has a lifecycle configuration.",
         "add lifecycle rules (private_bucket always aborts stale multipart uploads).", enforcement="advisory",
         fsbp="S3.13", types=(*BUCKETS, *BUCKET_LIFECYCLES), stack_check=_bucket_lifecycle),
    Rule("elasticache-snapshots-prod", "resilience", "Prod caches take daily snapshots.",
         "set cache.snapshot_retention_days: 1 or more.", fsbp="ElastiCache.1", types=(CACHE,), check=_cache_snapshots,
         prod_only=True),
    Rule("elasticache-failover-prod", "resilience", "Prod caches fail over automatically across AZs.",
         "set cache.nodes: 2 or more.", fsbp="ElastiCache.3", types=(CACHE,), check=_cache_failover, prod_only=True),
    Rule("efs-backups", "resilience", "File systems are backed up: their own backup policy, or an AWS Backup plan.",
         "set file_system.backup: true.", fsbp="EFS.2",
         types=(EFS, EFS_BACKUP, BACKUP_SELECTION), stack_check=_efs_backups),
    Rule("alb-deletion-protection-prod", "resilience", "Prod load balancers have deletion protection.",
         "keep env: prod (ContainerService sets it).", fsbp="ELB.6", awsguard="elb-deletion-protection-enabled", types=LBS,
         check=_deletion_protection,
         prod_only=True),
    Rule("alb-drop-invalid-headers", "network-exposure", "Application load balancers drop invalid HTTP header fields.",
         "set drop_invalid_header_fields=True (ContainerService does).", fsbp="ELB.4", types=LBS,
         check=_drop_invalid_headers),
    Rule("waf-known-bad-inputs", "network-exposure",
         "Web ACLs apply AWS's known-bad-inputs rule group (Log4j and other exploit payloads).",
         "keep known_bad_inputs in edge.waf.managed_rules.", enforcement="advisory", types=(WAF_ACL,),
         check=_waf_known_bad_inputs),
    Rule("elasticache-redis-auth", "identity", "Redis OSS before 6 requires an AUTH token (it has no RBAC).",
         "set an auth_token or use Redis 6+ with user groups.", fsbp="ElastiCache.6", types=(CACHE,),
         check=_elasticache_auth),
    Rule("ecs-circuit-breaker", "resilience", "ECS services roll back failed deployments.",
         "set deployment_circuit_breaker enable and rollback.", enforcement="advisory", types=(ECS_SERVICE,),
         check=_ecs_circuit_breaker),
    # -- identity
    Rule("iam-no-full-admin", "identity", "No IAM policy allows Action * on Resource *.",
         "grant the actions and resources the workload needs.", fsbp="IAM.1",
         types=(ROLE_POLICY, POLICY, ROLE, USER_POLICY, GROUP_POLICY), check=_no_full_admin, waivable=False),
    Rule("iam-no-admin-attachment", "identity", "No role, user or group gets AdministratorAccess or IAMFullAccess attached.",
         "attach narrower managed policies or write a scoped inline policy.",
         types=(ROLE_ATTACHMENT, USER_ATTACHMENT, GROUP_ATTACHMENT, POLICY_ATTACHMENT, ROLE_ATTACHMENTS_EXCLUSIVE, ROLE),
         check=_no_admin_attachment, waivable=False),
    Rule("iam-trust-not-public", "identity", "No role trust policy lets everyone assume the role.",
         "name the trusted service, account or identity provider.", types=(ROLE,),
         check=_public_policy("Trust policy of", "assumeRolePolicy"), waivable=False),
    Rule("iam-role-no-policy-management-conflicts", "identity",
         "Roles are managed either inline (managedPolicyArns/inlinePolicies) or by separate attachments, not both.",
         "use RolePolicy / RolePolicyAttachment resources only (service_role does).",
         types=(ROLE, ROLE_POLICY, ROLE_ATTACHMENT), stack_check=_exclusive_role_policies),
    Rule("iam-role-path", "identity", "Roles live under the program's IAM path.",
         "create roles with _common.service_role.", enforcement="advisory", types=(ROLE,), check=_role_path),
    Rule("irsa-roles-scoped", "identity", "IRSA roles trust exactly one service account.",
         "condition the trust on <issuer>:sub = system:serviceaccount:<ns>:<name>.", types=(ROLE,), check=_irsa_scoped),
    Rule("workload-roles-scoped", "identity",
         "Task and pod role policies use an unconditioned Resource * only for read-only discovery or actions that "
         "have no resource-level permissions.",
         "name the ARNs the workload uses.", types=(ROLE, ROLE_POLICY), stack_check=_task_roles_scoped),
    Rule("github-oidc-trust-restricted", "identity", "Roles trusting GitHub Actions are limited to one repository.",
         "condition on aud sts.amazonaws.com and exact repo:<owner>/<name>:... subjects.", types=(ROLE,),
         check=_github_trust, waivable=False),
    # -- supply chain
    Rule("ecr-scan-on-push", "supply-chain", "ECR repositories scan images on push.",
         "set image_scanning_configuration scan_on_push=True.", fsbp="ECR.1", types=(ECR_REPO,), check=_scan_on_push),
    Rule("ecr-immutable-tags-prod", "supply-chain", "Prod ECR repositories have immutable tags.",
         "set registry.immutable_tags: true.", fsbp="ECR.2", types=(ECR_REPO,), check=_immutable_tags, prod_only=True),
    Rule("ecr-lifecycle-policy", "supply-chain", "Every ECR repository has a lifecycle policy.",
         "add an aws.ecr.LifecyclePolicy (Registry does).", fsbp="ECR.3", types=(ECR_REPO, ECR_LIFECYCLE),
         stack_check=_ecr_lifecycle),
    Rule("ecs-no-privileged", "supply-chain", "Containers do not run privileged.", "remove privileged: true.",
         fsbp="ECS.4", types=(TASK_DEFINITION,), check=_no_privileged),
    Rule("ecs-no-plain-secrets", "supply-chain", "Secrets are not passed as plain environment variables.",
         "move them to secrets (Secrets Manager valueFrom).", fsbp="ECS.8", types=(TASK_DEFINITION,),
         check=_no_plain_secrets),
    Rule("ecs-read-only-root", "supply-chain", "Containers run with a read-only root file system.",
         "set readonlyRootFilesystem and mount writable paths as volumes.", enforcement="advisory", fsbp="ECS.5",
         types=(TASK_DEFINITION,), check=_read_only_root),
    Rule("batch-no-privileged", "supply-chain", "Batch jobs do not run privileged.", "remove privileged: true.",
         types=(BATCH_JOB,), check=_batch_not_privileged),
    Rule("eks-node-groups-no-open-ssh", "network-exposure", "EKS node groups admit SSH only from named security groups.",
         "drop remote_access, or give it source_security_group_ids.", types=(EKS_NODE_GROUP,), check=_node_group_ssh),
    Rule("secrets-rotated", "resilience", "Secrets rotate automatically.",
         "add a SecretRotation (a rotation Lambda), or document who rotates the value by hand.", enforcement="advisory",
         fsbp="SecretsManager.1", types=(SECRET, SECRET_ROTATION), stack_check=_secret_rotation),
    Rule("acm-rsa-2048", "encryption-in-transit", "Certificates use RSA keys of at least 2048 bits.",
         "leave key_algorithm at RSA_2048 (or an EC key).", fsbp="ACM.2", types=(CERTIFICATE,), check=_certificate_key),
    Rule("ecs-task-isolation", "supply-chain", "Tasks share neither the host's process namespace nor, as root, its network.",
         "keep network_mode awsvpc and pid_mode unset (ContainerService does).", fsbp="ECS.3", types=(TASK_DEFINITION,),
         check=_ecs_task_isolation),
    Rule("ecs-logging", "logging-monitoring", "Every container has a log configuration.",
         "give each container definition a logConfiguration (ContainerService sends awslogs).", fsbp="ECS.9",
         types=(TASK_DEFINITION,), check=_ecs_logging),
    Rule("ecs-fargate-latest", "supply-chain", "Fargate services run the LATEST platform version.",
         "leave platform_version unset.", fsbp="ECS.10", types=(ECS_SERVICE,), check=_fargate_latest),
    Rule("efs-access-points-scoped", "identity", "EFS access points enforce a root directory and a POSIX user.",
         "give each access point a root directory below / and a uid/gid (FileSystem does).", fsbp="EFS.3",
         types=(EFS_ACCESS_POINT,), check=_efs_access_point),
    Rule("alb-desync-defensive", "network-exposure", "Load balancers mitigate HTTP desync (defensive or strictest).",
         "leave desync_mitigation_mode at defensive.", fsbp="ELB.12", types=LBS, check=_lb_desync),
    Rule("lb-multi-az", "resilience", "Load balancers span two Availability Zones or more.",
         "pass a subnet in each of two AZs or more.", fsbp="ELB.13", types=LBS, check=_lb_multi_az),
    Rule("elasticache-maintained", "resilience", "Caches take minor upgrades and live in their own subnet group.",
         "keep auto_minor_version_upgrade and pass a subnet group (Cache does).", fsbp="ElastiCache.2",
         types=(CACHE, CACHE_CLUSTER), check=_cache_minor_upgrades),
    Rule("iam-no-user-policies", "identity", "IAM users get no policies of their own.",
         "grant through groups or roles (the program creates no users).", fsbp="IAM.2",
         types=(USER_POLICY, USER_ATTACHMENT), check=_no_user_policies),
    Rule("kms-no-decrypt-everything", "identity", "No IAM policy allows kms:Decrypt on every key.",
         "name the key ARNs (Resource) or condition on kms:ViaService.", fsbp="KMS.1",
         types=(POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY, ROLE), check=_kms_decrypt_everything),
    Rule("rds-minor-upgrades", "resilience", "Databases take automatic minor version upgrades.",
         "keep auto_minor_version_upgrade (Database does).", fsbp="RDS.13",
         types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE, RDS_CLUSTER), check=_rds_minor_upgrades),
    Rule("rds-copy-tags", "resilience", "Databases copy their tags to snapshots.",
         "set copy_tags_to_snapshot=True (Database does).", fsbp="RDS.17", types=(RDS_INSTANCE, RDS_CLUSTER),
         check=_rds_copy_tags),
    Rule("rds-in-vpc", "network-exposure", "Databases live in a VPC through their own subnet group.",
         "pass db_subnet_group_name (Database does).", fsbp="RDS.18", types=(RDS_INSTANCE, RDS_CLUSTER), check=_rds_in_vpc),
    Rule("rds-custom-admin", "identity", "Databases do not keep a default administrator name.",
         "set database.master_username (default appadmin).", fsbp="RDS.25", types=(RDS_INSTANCE, RDS_CLUSTER),
         check=_rds_custom_admin),
    Rule("secrets-rotation-period", "resilience", "Rotated secrets rotate at least every 90 days.",
         "set rotation_rules.automatically_after_days to 90 or fewer.", fsbp="SecretsManager.4",
         types=(SECRET_ROTATION,), check=_rotation_period),
    Rule("waf-rules-with-metrics", "logging-monitoring", "Web ACLs have rules, and every rule sends CloudWatch metrics.",
         "keep edge.waf.managed_rules non-empty (Firewall enables metrics).", fsbp="WAF.10", types=(WAF_ACL,),
         check=_waf_rules_and_metrics),
    Rule("cloudfront-default-root-object", "public-data", "Distributions with an S3 origin name a default root object.",
         "set default_root_object (Edge does for a static site).", fsbp="CloudFront.1", types=(DISTRIBUTION,),
         check=_default_root_object),
    Rule("s3-no-cross-account-admin", "public-data",
         "No bucket policy lets another account change the bucket's policy, ACLs or encryption.",
         "grant other accounts object actions only.", fsbp="S3.6", types=(BUCKET_POLICY, *BUCKETS),
         check=_bucket_cross_account),
    Rule("iam-no-service-wildcards", "identity", "Customer-managed policies grant no service:* actions.",
         "list the actions the holder needs.", fsbp="IAM.21", types=(POLICY,), check=_no_service_wildcards),
    Rule("rds-backup-plan", "resilience", "Every database is selected by an AWS Backup plan.",
         "list database in backup.resources.", enforcement="advisory", fsbp="RDS.26",
         types=(RDS_INSTANCE, RDS_CLUSTER, BACKUP_SELECTION), stack_check=_rds_backup_plan),
    # -- opt-in: controls the platform answers otherwise by design; a stack's pack config turns them on
    Rule("vpc-ec2-endpoint", "network-exposure", "Every VPC has an interface endpoint for the EC2 API.",
         "add ec2 to network.interface_endpoints.", enforcement="advisory", fsbp="EC2.10", opt_in=True,
         types=(VPC, VPC_ENDPOINT), stack_check=_ec2_endpoint),
    Rule("rds-event-subscriptions", "logging-monitoring",
         "RDS event subscriptions watch cluster, instance, parameter group and security group events.",
         "add aws.rds.EventSubscription resources to the alarm topic.", enforcement="advisory", fsbp="RDS.19",
         opt_in=True, types=(RDS_CLUSTER, RDS_INSTANCE, RDS_PARAMS, RDS_EVENTS), stack_check=_rds_events),
    # Advisory: backups already restore any point in the retention window; backtracking rewinds in place, costs per
    # change record, is set only when a cluster is created, and excludes binlog replication and Global Database.
    Rule("rds-aurora-backtrack", "resilience", "Aurora MySQL clusters can be backtracked.",
         "set database.backtrack_hours (only a new cluster takes it).", enforcement="advisory", fsbp="RDS.14",
         types=(RDS_CLUSTER,), check=_aurora_backtrack),
    Rule("rds-non-default-port", "network-exposure", "Databases listen on a non-default port.",
         "set database.port (security-group grants, not the port, are what guards the database).",
         enforcement="advisory", fsbp="RDS.23", opt_in=True, types=(RDS_INSTANCE, RDS_CLUSTER), check=_rds_default_port),
    # Decided (issue 24): not on by default. FSBP has no retention control; AWS Config's managed rule
    # cw-loggroup-retention-period-check (MinRetentionTime default 365 days, "Never expire" compliant; AWS Config
    # Developer Guide, checked 2026-12-05) and some peers ask for a year. Application and job logs here are for operating
    # the service (30-90 days in the reference prod) while the records audits need are kept longer where they are
    # made: VPC flow logs 365 days, the database's backups and snapshots, CloudTrail (the account's, not a stack's).
    # A stack under such a standard turns this on in its pack config ("log-group-retention-year": "mandatory").
    Rule("log-group-retention-year", "logging-monitoring", "Prod log groups keep logs at least a year (minimumDays).",
         "raise log_retention_days to 365 or more.", enforcement="advisory", opt_in=True, prod_only=True,
         types=(LOG_GROUP,), check=_retention_year, config={"minimumDays": {"type": "integer", "default": 365}}),
    Rule("route53-query-logging", "logging-monitoring", "Public hosted zones log DNS queries.",
         "add an aws.route53.QueryLog (in us-east-1).", enforcement="advisory", fsbp="Route53.2", opt_in=True,
         types=(ZONE, QUERY_LOG), stack_check=_zone_query_logging),
    Rule("s3-replication", "resilience", "Buckets replicate to another Region.",
         "add a BucketReplicationConfig (the platform is single-Region).", enforcement="advisory", fsbp="S3.7",
         opt_in=True, types=(*BUCKETS, BUCKET_REPLICATION),
         stack_check=_bucket_feature((BUCKET_REPLICATION,), "replicationConfiguration", "cross-Region replication")),
    Rule("s3-event-notifications", "logging-monitoring", "Buckets send event notifications.",
         "add a BucketNotification (the uploads bucket sends to EventBridge).", enforcement="advisory", fsbp="S3.11",
         opt_in=True, types=(*BUCKETS, BUCKET_NOTIFICATION),
         stack_check=_bucket_feature((BUCKET_NOTIFICATION,), "eventbridge", "event notifications")),
    Rule("s3-object-lock", "resilience", "Buckets have Object Lock.",
         "create the bucket with object_lock_enabled and a lock configuration.", enforcement="advisory",
         fsbp="S3.15", opt_in=True, types=(*BUCKETS, *BUCKET_OBJECT_LOCK),
         stack_check=_bucket_feature(BUCKET_OBJECT_LOCK, "objectLockEnabled", "Object Lock")),
    Rule("s3-mfa-delete", "resilience", "Versioned buckets require MFA to delete versions.",
         "turn on MFA delete as the root user (it cannot be set through Pulumi's credentials).",
         enforcement="advisory", fsbp="S3.20", opt_in=True, types=(*BUCKETS, *BUCKET_VERSIONINGS), stack_check=_mfa_delete),
    Rule("sns-delivery-logging", "logging-monitoring", "Topics log delivery status.",
         "set a *_failure_feedback_role_arn on the topic.", enforcement="advisory", fsbp="SNS.2", opt_in=True,
         types=(SNS_TOPIC,), check=_sns_delivery_logging),
    Rule("elasticache-client-auth", "identity", "Caches of every version authenticate clients (AUTH token or RBAC user groups).",
         "set an auth_token or user_group_ids (the platform gates caches by security group instead).",
         enforcement="advisory", opt_in=True, types=(CACHE,), check=_cache_access_control),
    Rule("cloudfront-origin-failover", "resilience", "Distributions fail over to a second origin.",
         "add an origin group (the platform is single-Region).", enforcement="advisory", fsbp="CloudFront.4",
         opt_in=True, types=(DISTRIBUTION,), check=_origin_failover),
    Rule("ecs-pinned-images", "supply-chain", "Task definitions pin image tags (no latest).",
         "deploy an explicit tag or digest.", enforcement="advisory", types=(TASK_DEFINITION,), check=_pinned_images),
    # -- tagging
    Rule("required-tags", "tagging", "Taggable resources carry env, owner and cost-center tags.",
         "pass the component tags (platform:tags) to every resource.", enforcement="advisory", types=TAGGABLE,
         check=_required_tags, config={"requiredTags": {"type": "array", "items": {"type": "string"}}}),
]
"""Every rule of the pack."""

POLICIES = [rule.policy() for rule in RULES]
"""The pulumi_policy objects, in RULES order."""
