import type { FixId } from '../findings/types';

/** One line per correction, shown in the UI, the CLI and the docs. */
export const FIX_DESCRIPTIONS: Record<FixId, string> = {
  'remove-aws-credentials': 'remove provider.aws_credentials',
  'remove-credential': 'remove the credential from the command (the rest of the command stays)',
  'add-instance-profile': 'add IamInstanceProfile.Arn to the head node type',
  'use-instance-profile-arn': 'replace the role ARN with the instance-profile ARN IAM has for that role',
};
