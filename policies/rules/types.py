"""The resource types the rules judge, as the engine names them, and the same controls' other types."""

from __future__ import annotations

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
BUCKET_OBJECT_LOCK = ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                      "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")
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

STATEFUL = (RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE, CACHE, CACHE_CLUSTER, EFS, SECRET, ECR_REPO, BACKUP_VAULT)
"""Resource types whose loss loses data (data buckets are recognised by their `purpose` tag)."""


TAGGABLE = (
    RDS_INSTANCE, RDS_CLUSTER, CACHE, CACHE_CLUSTER, EFS, BUCKET, SNS_TOPIC, LOG_GROUP, CERTIFICATE, SECRET, ECR_REPO, KMS_KEY, LB, SG, SUBNET,
    VPC, NAT, INSTANCE, ECS_CLUSTER, ECS_SERVICE, TASK_DEFINITION, SFN, ROLE, DISTRIBUTION, WAF_ACL, BATCH_CE, ALB_LB, SQS_QUEUE,
)
