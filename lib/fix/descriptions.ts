import type { FixId } from '../findings/types';

/** One line per correction, shown in the UI, the CLI and the docs. */
export const FIX_DESCRIPTIONS: Record<FixId, string> = {
  'remove-aws-credentials': 'remove provider.aws_credentials',
  'remove-credential': 'remove the credential from the command (the rest of the command stays)',
  'add-instance-profile': 'add IamInstanceProfile.Arn to the head node type',
  'use-instance-profile-arn': 'replace the role ARN with the instance-profile ARN IAM has for that role',
  'add-worker-instance-profile': 'add IamInstanceProfile.Arn to a worker node type that uses AWS (the head role must be allowed iam:PassRole on its role)',
  'move-instance-profile': 'move IamInstanceProfile into the node type\'s node_config, where Ray reads it',
  'fix-profile-key-casing': 'spell the key the way EC2 expects (IamInstanceProfile, Arn, Name)',
  'use-profile-arn-for-name': 'replace the profile Name with the ARN IAM resolves it to',
  'replace-default-profile': 'replace Ray\'s broad default profile ray-autoscaler-v1 with the chosen profile',
  'remove-credentials-mount': 'drop the file_mounts entry or docker mount that copies AWS credentials to the nodes',
  'use-env-reference': 'replace the secret in the URL with an environment variable reference',
  'migrate-legacy-format': 'move legacy head_node / worker_nodes into available_node_types and set head_node_type',
  'remove-legacy-key': 'remove a Ray 1.x key that current Ray rejects',
};
