"""pulumi-aws types -> AWS's CloudFormation schemas, for the properties that carry constraints.

pulumi-aws inputs follow the Terraform provider's names; AWS publishes its constraints (enums,
patterns, lengths, ranges, which properties force a replacement) in the CloudFormation registry
schemas. `CFN_MAP` says, per pulumi-aws type the program creates, which CloudFormation type and
property each input corresponds to, so a recorded value can be checked against AWS's own schema
(`check_schema`). Only value-carrying properties are mapped; ids and ARNs of other resources are
not (they are ours, and right by construction).

Path syntax (pulumi side): `a.b` nests, `a[]` is every item of a list, `a$json` parses a JSON
string input (container definitions), `tags{}` is a tag map (CloudFormation: a Key/Value list).
CloudFormation side: the same, plus `[0]` to wrap a single pulumi object into a one-item list.
The table is tested: every type exists in the schemas, every mapped property exists on both
sides, and every mapped type occurs in a committed stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from components import aws_data
from tools.preflight.schema import SchemaError, Validator

Value = Any


@dataclass(frozen=True)
class CfnMapping:
    """How one pulumi-aws type's inputs land in one CloudFormation type."""

    cfn_type: str
    properties: Mapping[str, str] = field(default_factory=dict)
    """pulumi input path -> CloudFormation property path."""


_TAGS = {"tags{}": "Tags"}

CFN_MAP: dict[str, CfnMapping] = {
    "aws:rds/instance:Instance": CfnMapping("AWS::RDS::DBInstance", {
        "engine": "Engine", "engineVersion": "EngineVersion", "instanceClass": "DBInstanceClass",
        "identifier": "DBInstanceIdentifier", "username": "MasterUsername", "dbName": "DBName",
        "allocatedStorage": "AllocatedStorage", "maxAllocatedStorage": "MaxAllocatedStorage",
        "storageType": "StorageType", "port": "Port", "backupRetentionPeriod": "BackupRetentionPeriod",
        "backupWindow": "PreferredBackupWindow", "maintenanceWindow": "PreferredMaintenanceWindow",
        "monitoringInterval": "MonitoringInterval",
        "performanceInsightsRetentionPeriod": "PerformanceInsightsRetentionPeriod",
        "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports", "caCertIdentifier": "CACertificateIdentifier",
        "multiAz": "MultiAZ", "storageEncrypted": "StorageEncrypted", "publiclyAccessible": "PubliclyAccessible",
        **_TAGS}),
    "aws:rds/cluster:Cluster": CfnMapping("AWS::RDS::DBCluster", {
        "engine": "Engine", "engineVersion": "EngineVersion", "engineMode": "EngineMode",
        "clusterIdentifier": "DBClusterIdentifier", "masterUsername": "MasterUsername",
        "databaseName": "DatabaseName", "port": "Port", "backupRetentionPeriod": "BackupRetentionPeriod",
        "preferredBackupWindow": "PreferredBackupWindow", "preferredMaintenanceWindow": "PreferredMaintenanceWindow",
        "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports", "storageEncrypted": "StorageEncrypted",
        "serverlessv2ScalingConfiguration.minCapacity": "ServerlessV2ScalingConfiguration.MinCapacity",
        "serverlessv2ScalingConfiguration.maxCapacity": "ServerlessV2ScalingConfiguration.MaxCapacity",
        "serverlessv2ScalingConfiguration.secondsUntilAutoPause": "ServerlessV2ScalingConfiguration.SecondsUntilAutoPause",
        **_TAGS}),
    "aws:rds/clusterInstance:ClusterInstance": CfnMapping("AWS::RDS::DBInstance", {
        "engine": "Engine", "engineVersion": "EngineVersion", "instanceClass": "DBInstanceClass",
        "identifier": "DBInstanceIdentifier", "promotionTier": "PromotionTier",
        "monitoringInterval": "MonitoringInterval", "caCertIdentifier": "CACertificateIdentifier",
        "performanceInsightsRetentionPeriod": "PerformanceInsightsRetentionPeriod",
        "publiclyAccessible": "PubliclyAccessible", **_TAGS}),
    "aws:rds/parameterGroup:ParameterGroup": CfnMapping("AWS::RDS::DBParameterGroup", {
        "family": "Family", "description": "Description", **_TAGS}),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": CfnMapping("AWS::RDS::DBClusterParameterGroup", {
        "family": "Family", "description": "Description", **_TAGS}),
    "aws:rds/subnetGroup:SubnetGroup": CfnMapping("AWS::RDS::DBSubnetGroup", {
        "description": "DBSubnetGroupDescription", **_TAGS}),
    "aws:elasticache/replicationGroup:ReplicationGroup": CfnMapping("AWS::ElastiCache::ReplicationGroup", {
        "engine": "Engine", "engineVersion": "EngineVersion", "nodeType": "CacheNodeType",
        "numCacheClusters": "NumCacheClusters", "port": "Port", "snapshotRetentionLimit": "SnapshotRetentionLimit",
        "snapshotWindow": "SnapshotWindow", "maintenanceWindow": "PreferredMaintenanceWindow",
        "transitEncryptionEnabled": "TransitEncryptionEnabled", "transitEncryptionMode": "TransitEncryptionMode",
        "atRestEncryptionEnabled": "AtRestEncryptionEnabled", "automaticFailoverEnabled": "AutomaticFailoverEnabled",
        "multiAzEnabled": "MultiAZEnabled", "replicationGroupId": "ReplicationGroupId",
        "description": "ReplicationGroupDescription",
        "logDeliveryConfigurations[].logType": "LogDeliveryConfigurations[].LogType",
        "logDeliveryConfigurations[].logFormat": "LogDeliveryConfigurations[].LogFormat",
        "logDeliveryConfigurations[].destinationType": "LogDeliveryConfigurations[].DestinationType", **_TAGS}),
    "aws:elasticache/cluster:Cluster": CfnMapping("AWS::ElastiCache::CacheCluster", {
        "engine": "Engine", "engineVersion": "EngineVersion", "nodeType": "CacheNodeType",
        "numCacheNodes": "NumCacheNodes", "port": "Port", "azMode": "AZMode", "clusterId": "ClusterName",
        "maintenanceWindow": "PreferredMaintenanceWindow", "transitEncryptionEnabled": "TransitEncryptionEnabled",
        **_TAGS}),
    "aws:elasticache/parameterGroup:ParameterGroup": CfnMapping("AWS::ElastiCache::ParameterGroup", {
        "family": "CacheParameterGroupFamily", "description": "Description", **_TAGS}),
    "aws:ecs/taskDefinition:TaskDefinition": CfnMapping("AWS::ECS::TaskDefinition", {
        "cpu": "Cpu", "memory": "Memory", "family": "Family", "networkMode": "NetworkMode",
        "requiresCompatibilities": "RequiresCompatibilities",
        "runtimePlatform.cpuArchitecture": "RuntimePlatform.CpuArchitecture",
        "runtimePlatform.operatingSystemFamily": "RuntimePlatform.OperatingSystemFamily",
        "containerDefinitions$json[].name": "ContainerDefinitions[].Name",
        "containerDefinitions$json[].portMappings[].containerPort": "ContainerDefinitions[].PortMappings[].ContainerPort",
        "containerDefinitions$json[].portMappings[].protocol": "ContainerDefinitions[].PortMappings[].Protocol",
        "containerDefinitions$json[].portMappings[].appProtocol": "ContainerDefinitions[].PortMappings[].AppProtocol",
        "containerDefinitions$json[].portMappings[].name": "ContainerDefinitions[].PortMappings[].Name",
        "containerDefinitions$json[].logConfiguration.logDriver": "ContainerDefinitions[].LogConfiguration.LogDriver",
        "containerDefinitions$json[].healthCheck.interval": "ContainerDefinitions[].HealthCheck.Interval",
        "containerDefinitions$json[].healthCheck.timeout": "ContainerDefinitions[].HealthCheck.Timeout",
        "containerDefinitions$json[].healthCheck.retries": "ContainerDefinitions[].HealthCheck.Retries",
        "containerDefinitions$json[].healthCheck.startPeriod": "ContainerDefinitions[].HealthCheck.StartPeriod",
        **_TAGS}),
    "aws:ecs/service:Service": CfnMapping("AWS::ECS::Service", {
        "desiredCount": "DesiredCount", "propagateTags": "PropagateTags", "platformVersion": "PlatformVersion",
        "healthCheckGracePeriodSeconds": "HealthCheckGracePeriodSeconds",
        "capacityProviderStrategies[].capacityProvider": "CapacityProviderStrategy[].CapacityProvider",
        "capacityProviderStrategies[].base": "CapacityProviderStrategy[].Base",
        "capacityProviderStrategies[].weight": "CapacityProviderStrategy[].Weight",
        "deploymentMaximumPercent": "DeploymentConfiguration.MaximumPercent",
        "deploymentMinimumHealthyPercent": "DeploymentConfiguration.MinimumHealthyPercent",
        "serviceConnectConfiguration.services[].portName": "ServiceConnectConfiguration.Services[].PortName",
        "serviceConnectConfiguration.services[].discoveryName": "ServiceConnectConfiguration.Services[].DiscoveryName",
        "serviceConnectConfiguration.services[].clientAlias[].dnsName":
            "ServiceConnectConfiguration.Services[].ClientAliases[].DnsName",
        "serviceConnectConfiguration.services[].clientAlias[].port":
            "ServiceConnectConfiguration.Services[].ClientAliases[].Port", **_TAGS}),
    "aws:ecs/cluster:Cluster": CfnMapping("AWS::ECS::Cluster", {
        "settings[].name": "ClusterSettings[].Name", "settings[].value": "ClusterSettings[].Value", **_TAGS}),
    "aws:lb/loadBalancer:LoadBalancer": CfnMapping("AWS::ElasticLoadBalancingV2::LoadBalancer", {
        "loadBalancerType": "Type", "ipAddressType": "IpAddressType", "name": "Name", **_TAGS}),
    "aws:lb/listener:Listener": CfnMapping("AWS::ElasticLoadBalancingV2::Listener", {
        "port": "Port", "protocol": "Protocol", "sslPolicy": "SslPolicy",
        "defaultActions[].type": "DefaultActions[].Type",
        "defaultActions[].redirect.protocol": "DefaultActions[].RedirectConfig.Protocol",
        "defaultActions[].redirect.statusCode": "DefaultActions[].RedirectConfig.StatusCode",
        "defaultActions[].fixedResponse.statusCode": "DefaultActions[].FixedResponseConfig.StatusCode",
        "defaultActions[].fixedResponse.contentType": "DefaultActions[].FixedResponseConfig.ContentType"}),
    "aws:lb/listenerRule:ListenerRule": CfnMapping("AWS::ElasticLoadBalancingV2::ListenerRule", {
        "priority": "Priority", "actions[].type": "Actions[].Type",
        "conditions[].pathPattern.values": "Conditions[].PathPatternConfig.Values"}),
    "aws:lb/targetGroup:TargetGroup": CfnMapping("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "port": "Port", "protocol": "Protocol", "targetType": "TargetType", "name": "Name",
        "healthCheck.path": "HealthCheckPath", "healthCheck.protocol": "HealthCheckProtocol",
        "healthCheck.interval": "HealthCheckIntervalSeconds", "healthCheck.timeout": "HealthCheckTimeoutSeconds",
        "healthCheck.healthyThreshold": "HealthyThresholdCount",
        "healthCheck.unhealthyThreshold": "UnhealthyThresholdCount", "healthCheck.matcher": "Matcher.HttpCode",
        **_TAGS}),
    "aws:cloudwatch/logGroup:LogGroup": CfnMapping("AWS::Logs::LogGroup", {
        "name": "LogGroupName", "retentionInDays": "RetentionInDays", **_TAGS}),
    "aws:cloudwatch/metricAlarm:MetricAlarm": CfnMapping("AWS::CloudWatch::Alarm", {
        "comparisonOperator": "ComparisonOperator", "evaluationPeriods": "EvaluationPeriods", "period": "Period",
        "statistic": "Statistic", "treatMissingData": "TreatMissingData", "metricName": "MetricName",
        "namespace": "Namespace", "alarmDescription": "AlarmDescription"}),
    "aws:ec2/vpc:Vpc": CfnMapping("AWS::EC2::VPC", {"cidrBlock": "CidrBlock", **_TAGS}),
    "aws:ec2/subnet:Subnet": CfnMapping("AWS::EC2::Subnet", {
        "cidrBlock": "CidrBlock", "availabilityZone": "AvailabilityZone", **_TAGS}),
    "aws:ec2/securityGroup:SecurityGroup": CfnMapping("AWS::EC2::SecurityGroup", {
        "description": "GroupDescription", **_TAGS}),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": CfnMapping("AWS::EC2::SecurityGroupIngress", {
        "ipProtocol": "IpProtocol", "fromPort": "FromPort", "toPort": "ToPort", "cidrIpv4": "CidrIp",
        "cidrIpv6": "CidrIpv6", "description": "Description"}),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": CfnMapping("AWS::EC2::SecurityGroupEgress", {
        "ipProtocol": "IpProtocol", "fromPort": "FromPort", "toPort": "ToPort", "cidrIpv4": "CidrIp",
        "cidrIpv6": "CidrIpv6", "description": "Description"}),
    "aws:ec2/instance:Instance": CfnMapping("AWS::EC2::Instance", {
        "instanceType": "InstanceType", "metadataOptions.httpTokens": "MetadataOptions.HttpTokens",
        "metadataOptions.httpPutResponseHopLimit": "MetadataOptions.HttpPutResponseHopLimit", **_TAGS}),
    "aws:ec2/flowLog:FlowLog": CfnMapping("AWS::EC2::FlowLog", {
        "trafficType": "TrafficType", "logDestinationType": "LogDestinationType",
        "maxAggregationInterval": "MaxAggregationInterval", **_TAGS}),
    "aws:ec2/vpcEndpoint:VpcEndpoint": CfnMapping("AWS::EC2::VPCEndpoint", {
        "vpcEndpointType": "VpcEndpointType", "serviceName": "ServiceName", "ipAddressType": "IpAddressType"}),
    "aws:ec2/launchTemplate:LaunchTemplate": CfnMapping("AWS::EC2::LaunchTemplate", {
        "metadataOptions.httpTokens": "LaunchTemplateData.MetadataOptions.HttpTokens",
        "metadataOptions.httpPutResponseHopLimit": "LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit",
        "blockDeviceMappings[].ebs.volumeType": "LaunchTemplateData.BlockDeviceMappings[].Ebs.VolumeType"}),
    "aws:ecr/repository:Repository": CfnMapping("AWS::ECR::Repository", {
        "name": "RepositoryName", "imageTagMutability": "ImageTagMutability",
        "encryptionConfigurations[].encryptionType": "EncryptionConfiguration.EncryptionType", **_TAGS}),
    "aws:efs/fileSystem:FileSystem": CfnMapping("AWS::EFS::FileSystem", {
        "throughputMode": "ThroughputMode", "performanceMode": "PerformanceMode",
        "lifecyclePolicies[].transitionToIa": "LifecyclePolicies[].TransitionToIA",
        "lifecyclePolicies[].transitionToPrimaryStorageClass": "LifecyclePolicies[].TransitionToPrimaryStorageClass"}),
    "aws:efs/accessPoint:AccessPoint": CfnMapping("AWS::EFS::AccessPoint", {
        "rootDirectory.path": "RootDirectory.Path",
        "rootDirectory.creationInfo.permissions": "RootDirectory.CreationInfo.Permissions",
        "rootDirectory.creationInfo.ownerUid": "RootDirectory.CreationInfo.OwnerUid",
        "rootDirectory.creationInfo.ownerGid": "RootDirectory.CreationInfo.OwnerGid",
        "posixUser.uid": "PosixUser.Uid", "posixUser.gid": "PosixUser.Gid"}),
    "aws:kms/key:Key": CfnMapping("AWS::KMS::Key", {
        "description": "Description", "deletionWindowInDays": "PendingWindowInDays", **_TAGS}),
    "aws:kms/alias:Alias": CfnMapping("AWS::KMS::Alias", {"name": "AliasName"}),
    "aws:secretsmanager/secret:Secret": CfnMapping("AWS::SecretsManager::Secret", {
        "name": "Name", "description": "Description", **_TAGS}),
    "aws:s3/bucket:Bucket": CfnMapping("AWS::S3::Bucket", {"bucket": "BucketName", **_TAGS}),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": CfnMapping("AWS::S3::Bucket", {
        "rules[].id": "LifecycleConfiguration.Rules[].Id", "rules[].status": "LifecycleConfiguration.Rules[].Status",
        "rules[].transitions[].storageClass": "LifecycleConfiguration.Rules[].Transitions[].StorageClass",
        "rules[].transitions[].days": "LifecycleConfiguration.Rules[].Transitions[].TransitionInDays",
        "rules[].expiration.days": "LifecycleConfiguration.Rules[].ExpirationInDays",
        "rules[].noncurrentVersionExpiration.noncurrentDays":
            "LifecycleConfiguration.Rules[].NoncurrentVersionExpiration.NoncurrentDays"}),
    "aws:s3/bucketVersioning:BucketVersioning": CfnMapping("AWS::S3::Bucket", {
        "versioningConfiguration.status": "VersioningConfiguration.Status"}),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": CfnMapping(
        "AWS::S3::Bucket", {
            "rules[].applyServerSideEncryptionByDefault.sseAlgorithm":
                "BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.SSEAlgorithm"}),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": CfnMapping("AWS::S3::Bucket", {
        "rule.objectOwnership": "OwnershipControls.Rules[0].ObjectOwnership"}),
    "aws:route53/record:Record": CfnMapping("AWS::Route53::RecordSet", {
        "name": "Name", "type": "Type", "ttl": "TTL"}),
    "aws:route53/zone:Zone": CfnMapping("AWS::Route53::HostedZone", {"name": "Name"}),
    "aws:cloudfront/distribution:Distribution": CfnMapping("AWS::CloudFront::Distribution", {
        "priceClass": "DistributionConfig.PriceClass", "httpVersion": "DistributionConfig.HttpVersion",
        "comment": "DistributionConfig.Comment",
        "viewerCertificate.minimumProtocolVersion": "DistributionConfig.ViewerCertificate.MinimumProtocolVersion",
        "viewerCertificate.sslSupportMethod": "DistributionConfig.ViewerCertificate.SslSupportMethod",
        "defaultCacheBehavior.viewerProtocolPolicy": "DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy",
        "orderedCacheBehaviors[].viewerProtocolPolicy": "DistributionConfig.CacheBehaviors[].ViewerProtocolPolicy",
        "orderedCacheBehaviors[].pathPattern": "DistributionConfig.CacheBehaviors[].PathPattern",
        "origins[].customOriginConfig.originProtocolPolicy":
            "DistributionConfig.Origins[].CustomOriginConfig.OriginProtocolPolicy",
        "origins[].customOriginConfig.originSslProtocols":
            "DistributionConfig.Origins[].CustomOriginConfig.OriginSSLProtocols",
        "origins[].customOriginConfig.originReadTimeout":
            "DistributionConfig.Origins[].CustomOriginConfig.OriginReadTimeout",
        "origins[].customOriginConfig.originKeepaliveTimeout":
            "DistributionConfig.Origins[].CustomOriginConfig.OriginKeepaliveTimeout",
        "customErrorResponses[].errorCode": "DistributionConfig.CustomErrorResponses[].ErrorCode",
        "customErrorResponses[].responseCode": "DistributionConfig.CustomErrorResponses[].ResponseCode",
        "restrictions.geoRestriction.restrictionType": "DistributionConfig.Restrictions.GeoRestriction.RestrictionType",
        "defaultCacheBehavior.functionAssociations[].eventType":
            "DistributionConfig.DefaultCacheBehavior.FunctionAssociations[].EventType", **_TAGS}),
    "aws:cloudfront/function:Function": CfnMapping("AWS::CloudFront::Function", {
        "name": "Name", "runtime": "FunctionConfig.Runtime", "comment": "FunctionConfig.Comment"}),
    "aws:cloudfront/originAccessControl:OriginAccessControl": CfnMapping("AWS::CloudFront::OriginAccessControl", {
        "name": "OriginAccessControlConfig.Name",
        "originAccessControlOriginType": "OriginAccessControlConfig.OriginAccessControlOriginType",
        "signingBehavior": "OriginAccessControlConfig.SigningBehavior",
        "signingProtocol": "OriginAccessControlConfig.SigningProtocol"}),
    "aws:wafv2/webAcl:WebAcl": CfnMapping("AWS::WAFv2::WebACL", {
        "scope": "Scope", "name": "Name", "description": "Description",
        "visibilityConfig.metricName": "VisibilityConfig.MetricName",
        "rules[].name": "Rules[].Name", "rules[].priority": "Rules[].Priority",
        "rules[].visibilityConfig.metricName": "Rules[].VisibilityConfig.MetricName",
        "rules[].statement.rateBasedStatement.limit": "Rules[].Statement.RateBasedStatement.Limit",
        "rules[].statement.rateBasedStatement.evaluationWindowSec":
            "Rules[].Statement.RateBasedStatement.EvaluationWindowSec",
        "rules[].statement.rateBasedStatement.aggregateKeyType": "Rules[].Statement.RateBasedStatement.AggregateKeyType",
        "rules[].statement.managedRuleGroupStatement.name": "Rules[].Statement.ManagedRuleGroupStatement.Name",
        "rules[].statement.managedRuleGroupStatement.vendorName":
            "Rules[].Statement.ManagedRuleGroupStatement.VendorName",
        "rules[].statement.geoMatchStatement.countryCodes": "Rules[].Statement.GeoMatchStatement.CountryCodes",
        **_TAGS}),
    "aws:batch/computeEnvironment:ComputeEnvironment": CfnMapping("AWS::Batch::ComputeEnvironment", {
        "type": "Type", "state": "State", "computeResources.type": "ComputeResources.Type",
        "computeResources.maxVcpus": "ComputeResources.MaxvCpus",
        "computeResources.allocationStrategy": "ComputeResources.AllocationStrategy",
        "computeResources.instanceTypes": "ComputeResources.InstanceTypes"}),
    "aws:batch/jobDefinition:JobDefinition": CfnMapping("AWS::Batch::JobDefinition", {
        "type": "Type", "platformCapabilities": "PlatformCapabilities",
        "timeout.attemptDurationSeconds": "Timeout.AttemptDurationSeconds", "retryStrategy.attempts": "RetryStrategy.Attempts",
        "containerProperties$json.resourceRequirements[].type": "ContainerProperties.ResourceRequirements[].Type",
        "containerProperties$json.runtimePlatform.cpuArchitecture": "ContainerProperties.RuntimePlatform.CpuArchitecture",
        "containerProperties$json.runtimePlatform.operatingSystemFamily":
            "ContainerProperties.RuntimePlatform.OperatingSystemFamily",
        "containerProperties$json.networkConfiguration.assignPublicIp":
            "ContainerProperties.NetworkConfiguration.AssignPublicIp"}),
    "aws:batch/jobQueue:JobQueue": CfnMapping("AWS::Batch::JobQueue", {
        "priority": "Priority", "state": "State",
        "computeEnvironmentOrders[].order": "ComputeEnvironmentOrder[].Order"}),
    "aws:sfn/stateMachine:StateMachine": CfnMapping("AWS::StepFunctions::StateMachine", {
        "type": "StateMachineType", "name": "StateMachineName", "loggingConfiguration.level": "LoggingConfiguration.Level",
        "loggingConfiguration.includeExecutionData": "LoggingConfiguration.IncludeExecutionData"}),
    "aws:backup/plan:Plan": CfnMapping("AWS::Backup::BackupPlan", {
        "name": "BackupPlan.BackupPlanName", "rules[].ruleName": "BackupPlan.BackupPlanRule[].RuleName",
        "rules[].schedule": "BackupPlan.BackupPlanRule[].ScheduleExpression",
        "rules[].startWindow": "BackupPlan.BackupPlanRule[].StartWindowMinutes",
        "rules[].completionWindow": "BackupPlan.BackupPlanRule[].CompletionWindowMinutes",
        "rules[].lifecycle.deleteAfter": "BackupPlan.BackupPlanRule[].Lifecycle.DeleteAfterDays",
        "rules[].lifecycle.coldStorageAfter": "BackupPlan.BackupPlanRule[].Lifecycle.MoveToColdStorageAfterDays"}),
    "aws:backup/vault:Vault": CfnMapping("AWS::Backup::BackupVault", {"name": "BackupVaultName"}),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": CfnMapping("AWS::Backup::BackupVault", {
        "minRetentionDays": "LockConfiguration.MinRetentionDays",
        "maxRetentionDays": "LockConfiguration.MaxRetentionDays",
        "changeableForDays": "LockConfiguration.ChangeableForDays"}),
    "aws:iam/role:Role": CfnMapping("AWS::IAM::Role", {
        "path": "Path", "description": "Description", "name": "RoleName", "maxSessionDuration": "MaxSessionDuration"}),
    "aws:iam/rolePolicy:RolePolicy": CfnMapping("AWS::IAM::RolePolicy", {"name": "PolicyName"}),
    "aws:sns/topic:Topic": CfnMapping("AWS::SNS::Topic", {"name": "TopicName", **_TAGS}),
    "aws:sns/topicSubscription:TopicSubscription": CfnMapping("AWS::SNS::Subscription", {"protocol": "Protocol"}),
    "aws:servicediscovery/httpNamespace:HttpNamespace": CfnMapping("AWS::ServiceDiscovery::HttpNamespace", {
        "name": "Name", "description": "Description"}),
    "aws:appautoscaling/target:Target": CfnMapping("AWS::ApplicationAutoScaling::ScalableTarget", {
        "minCapacity": "MinCapacity", "maxCapacity": "MaxCapacity", "scalableDimension": "ScalableDimension",
        "serviceNamespace": "ServiceNamespace"}),
    "aws:appautoscaling/policy:Policy": CfnMapping("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "policyType": "PolicyType",
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType":
            "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType",
        "targetTrackingScalingPolicyConfiguration.scaleInCooldown":
            "TargetTrackingScalingPolicyConfiguration.ScaleInCooldown",
        "targetTrackingScalingPolicyConfiguration.scaleOutCooldown":
            "TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown"}),
    "aws:eks/nodeGroup:NodeGroup": CfnMapping("AWS::EKS::Nodegroup", {
        "capacityType": "CapacityType", "amiType": "AmiType", "instanceTypes": "InstanceTypes",
        "scalingConfig.minSize": "ScalingConfig.MinSize", "scalingConfig.maxSize": "ScalingConfig.MaxSize",
        "scalingConfig.desiredSize": "ScalingConfig.DesiredSize", "diskSize": "DiskSize"}),
    "aws:eks/addon:Addon": CfnMapping("AWS::EKS::Addon", {
        "addonName": "AddonName", "resolveConflictsOnUpdate": "ResolveConflicts"}),
    # The remote component: its inputs are what reaches the aws.eks.Cluster inside it.
    "eks:index:Cluster": CfnMapping("AWS::EKS::Cluster", {
        "name": "Name", "version": "Version", "publicAccessCidrs": "ResourcesVpcConfig.PublicAccessCidrs",
        "endpointPublicAccess": "ResourcesVpcConfig.EndpointPublicAccess",
        "endpointPrivateAccess": "ResourcesVpcConfig.EndpointPrivateAccess",
        "enabledClusterLogTypes[]": "Logging.ClusterLogging.EnabledTypes[].Type",
        "upgradePolicy.supportType": "UpgradePolicy.SupportType"}),
}
"""The mapping table (see the module docstring)."""


# -- reading and writing paths ----------------------------------------------------------------------

Step = tuple[str, str]  # (kind, name): ("key", "a") | ("each", "") | ("json", "") | ("tags", "") | ("index", "0")


def parse_path(path: str) -> list[Step]:
    """`a.b[]$json.c[0]` -> [(key a), (key b), (each), (json), (key c), (index 0)]."""
    steps: list[Step] = []
    for part in path.split("."):
        name = part
        suffixes: list[Step] = []
        while True:
            if name.endswith("[]"):
                name, suffixes = name[:-2], [("each", ""), *suffixes]
            elif name.endswith("{}"):
                name, suffixes = name[:-2], [("tags", ""), *suffixes]
            elif name.endswith("$json"):
                name, suffixes = name[:-5], [("json", ""), *suffixes]
            elif name.endswith("]") and "[" in name:
                index = name[name.rindex("[") + 1:-1]
                name, suffixes = name[:name.rindex("[")], [("index", index), *suffixes]
            else:
                break
        if name:
            steps.append(("key", name))
        steps.extend(suffixes)
    return steps


def _normal(value: Any) -> Any:
    # Mocks (like the engine) carry numbers as floats: 20.0 is the 20 the program passed.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def read(inputs: Any, steps: list[Step], shown: str = "") -> Iterator[tuple[tuple[int, ...], str, Any]]:
    """Values at `steps`: (list indices taken, concrete pulumi path, value)."""
    if not steps:
        if inputs is not None:
            yield (), shown, _normal(inputs)
        return
    (kind, name), rest = steps[0], steps[1:]
    if kind == "key":
        if isinstance(inputs, Mapping) and name in inputs:
            yield from read(inputs[name], rest, f"{shown}.{name}" if shown else name)
    elif kind == "json":
        if isinstance(inputs, str):
            try:
                decoded = json.loads(inputs)
            except ValueError:
                return
            yield from read(decoded, rest, shown)
    elif kind == "each":
        if isinstance(inputs, list):
            for i, item in enumerate(inputs):
                for indices, path, value in read(item, rest, f"{shown}[{i}]"):
                    yield (i, *indices), path, value
    elif kind == "tags":
        if isinstance(inputs, Mapping):
            yield from read([{"Key": k, "Value": v} for k, v in inputs.items()], rest, shown)


def write(document: dict[str, Any], steps: list[Step], indices: tuple[int, ...], value: Any) -> tuple[str | int, ...]:
    """Put `value` at `steps` (list steps take `indices` in order); return the concrete path."""
    node: Any = document
    concrete: list[str | int] = []
    pending = list(indices)
    for position, (kind, name) in enumerate(steps):
        last = position == len(steps) - 1
        if kind == "key":
            concrete.append(name)
            if last:
                node[name] = value
                break
            nxt = steps[position + 1][0]
            node = node.setdefault(name, [] if nxt in ("each", "index") else {})
        else:  # each / index: a list position
            index = pending.pop(0) if kind == "each" else int(name)
            concrete.append(index)
            while len(node) <= index:
                node.append({})
            if last:
                node[index] = value
                break
            node = node[index]
    return tuple(concrete)


# -- the schema check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaFinding:
    """A mapped value the CloudFormation schema refuses."""

    prop: str
    """The pulumi input path (concrete, with list indices)."""
    value: Any
    cfn_path: str
    message: str


def translate(typ: str, inputs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[tuple[str | int, ...], tuple[str, Any]]]:
    """The mapped inputs as a CloudFormation properties document, and where each value came from."""
    mapping = CFN_MAP[typ]
    document: dict[str, Any] = {}
    origins: dict[tuple[str | int, ...], tuple[str, Any]] = {}
    for pulumi_path, cfn_path in mapping.properties.items():
        target = parse_path(cfn_path)
        for indices, shown, value in read(inputs, parse_path(pulumi_path)):
            if isinstance(value, str) and value == _UNKNOWN:
                continue  # a preview's unknown decides nothing
            origins[write(document, target, indices, value)] = (shown, value)
    return document, origins


_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's marker for an unknown value


def check_schema(typ: str, inputs: Mapping[str, Any], region: str = "us-east-1") -> list[SchemaFinding]:
    """Every mapped input of a `typ` resource that its CloudFormation schema refuses."""
    mapping = CFN_MAP.get(typ)
    if mapping is None:
        return []
    document, origins = translate(typ, inputs)
    if not document:
        return []
    schema = aws_data.cfn_schema(mapping.cfn_type, region)
    target = {"properties": schema.get("properties", {}), "allOf": list(schema.get("allOf", []))}
    findings: list[SchemaFinding] = []
    for error in Validator(schema, partial=True).errors(document, target):
        findings.append(_finding(error, origins))
    return findings


def _finding(error: SchemaError, origins: Mapping[tuple[str | int, ...], tuple[str, Any]]) -> SchemaFinding:
    cfn_path = ".".join(str(p) for p in error.path)
    # The value the error is about, or the deepest mapped value inside the failing object.
    for depth in range(len(error.path), -1, -1):
        prefix = error.path[:depth]
        if prefix in origins:
            prop, value = origins[prefix]
            return SchemaFinding(prop, value, cfn_path, error.message)
    inside = [(path, origin) for path, origin in origins.items() if path[:len(error.path)] == error.path]
    if inside:
        path, (prop, value) = inside[0]
        return SchemaFinding(prop, value, cfn_path, error.message)
    return SchemaFinding("(resource)", None, cfn_path, error.message)
