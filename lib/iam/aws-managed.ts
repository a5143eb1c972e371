import type { PolicyDocument } from './types';

/**
 * The AWS managed policies that matter to a Ray head, in the shape that counts for the autoscaler's
 * calls: a GAAD snapshot made without `--filter AWSManagedPolicy` names them but carries no
 * document. A document in the snapshot (or from the live API) always wins over these.
 *
 * Only what decides Ray's actions is kept. AmazonEC2FullAccess grants `ec2:*` (and ELB,
 * CloudWatch and Auto Scaling), but no `iam:PassRole`; PowerUserAccess allows everything except
 * IAM, Organizations and Account management (a few IAM reads and service-linked roles aside).
 */
const KNOWN: Record<string, PolicyDocument> = {
  AdministratorAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  PowerUserAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization', 'account:ListRegions', 'account:GetAccountInformation'],
        Resource: '*',
      },
    ],
  },
  AmazonEC2FullAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ec2:*', 'elasticloadbalancing:*', 'cloudwatch:*', 'autoscaling:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': ['autoscaling.amazonaws.com', 'ec2scheduled.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'spot.amazonaws.com', 'spotfleet.amazonaws.com', 'transitgateway.amazonaws.com'] } },
      },
    ],
  },
  AmazonEC2ReadOnlyAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:GetSecurityGroupsForVpc', 'elasticloadbalancing:Describe*', 'cloudwatch:ListMetrics', 'cloudwatch:GetMetricStatistics', 'cloudwatch:Describe*', 'autoscaling:Describe*'], Resource: '*' }],
  },
  AmazonS3FullAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }] },
  AmazonS3ReadOnlyAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*' }] },
  // The CloudWatch agent's policies Ray attaches to its default CloudWatch role: agent metrics,
  // logs and SSM parameters; SSM's instance-management channel. Neither touches EC2 instances or IAM roles.
  CloudWatchAgentAdminPolicy: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['cloudwatch:PutMetricData', 'ec2:DescribeTags', 'logs:PutLogEvents', 'logs:PutRetentionPolicy', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups', 'logs:CreateLogStream', 'logs:CreateLogGroup', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'], Resource: '*' },
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: 'arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*' },
    ],
  },
  AmazonSSMManagedInstanceCore: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ssm:DescribeAssociation', 'ssm:GetDeployablePatchSnapshotForInstance', 'ssm:GetDocument', 'ssm:DescribeDocument', 'ssm:GetManifest', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations', 'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:UpdateAssociationStatus', 'ssm:UpdateInstanceAssociationStatus', 'ssm:UpdateInstanceInformation'], Resource: '*' },
      { Effect: 'Allow', Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'], Resource: '*' },
      { Effect: 'Allow', Action: ['ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply'], Resource: '*' },
    ],
  },
  IAMFullAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy'], Resource: '*' }] },
};

/** `arn:<partition>:iam::aws:policy/<path><name>`: an AWS managed policy's name, or null. */
export function awsManagedPolicyName(arn: string): string | null {
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
  return m ? m[1] : null;
}

/** The built-in document of a well-known AWS managed policy, or null. */
export function knownAwsManagedPolicy(arn: string): PolicyDocument | null {
  const name = awsManagedPolicyName(arn);
  return name && Object.hasOwn(KNOWN, name) ? KNOWN[name] : null;
}

/** Managed policies that grant broad access: AdministratorAccess, PowerUserAccess, any *FullAccess. */
export function isBroadManagedPolicy(arn: string): boolean {
  const name = awsManagedPolicyName(arn);
  return !!name && (name === 'AdministratorAccess' || name === 'PowerUserAccess' || /FullAccess$/.test(name));
}
