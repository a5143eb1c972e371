import { locate } from '../config/locate';
import { commandCredentialAt } from '../fix/credentials';
import { urlSecretEdit } from '../fix/url-secret';
import { awsAccountIdFromKeyId, maskSecret } from '../secrets/index';
import type { SecretKind } from '../secrets/types';
import type { RawFinding, StaticRule } from './types';

const RULE_OF_KIND: Record<SecretKind, string> = {
  'aws-access-key-id': 'RG401',
  'aws-secret-access-key': 'RG402',
  'aws-session-token': 'RG403',
  'private-key': 'RG404',
  'github-token': 'RG405',
  'slack-webhook': 'RG405',
  'slack-token': 'RG405',
  'gcp-service-account-key': 'RG405',
  'generic-password': 'RG405',
  'huggingface-token': 'RG405',
  'wandb-api-key': 'RG405',
  'azure-storage-key': 'RG405',
};

const WHAT: Record<SecretKind, string> = {
  'aws-access-key-id': 'an AWS access key id',
  'aws-secret-access-key': 'an AWS secret access key',
  'aws-session-token': 'an AWS session token',
  'private-key': 'a private key',
  'github-token': 'a GitHub token',
  'slack-webhook': 'a Slack webhook URL',
  'slack-token': 'a Slack token',
  'gcp-service-account-key': 'a GCP service-account private key',
  'generic-password': 'a password',
  'huggingface-token': 'a Hugging Face token',
  'wandb-api-key': 'a Weights & Biases API key',
  'azure-storage-key': 'an Azure storage account key',
};

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function advice(kind: SecretKind): string {
  if (kind.startsWith('aws-')) return 'rotate it in IAM, remove it, and give the nodes an instance profile instead';
  return 'revoke or rotate it, and pass it to the nodes from a secret store at run time';
}

/** RG401–RG405: credentials written anywhere in the config (the scanner is lib/secrets). */
export const credentials: StaticRule = {
  ids: ['RG401', 'RG402', 'RG403', 'RG404', 'RG405'],
  check: ({ parsed, secrets }) => {
    const starts = secrets.map((s) => s.start);
    return secrets.map((hit): RawFinding => {
      const loc = locate(parsed.doc, hit.start);
      let fix: RawFinding['fix'];
      // Corrections edit the YAML: none is offered while the YAML itself is broken (RG101).
      if (parsed.problems.length > 0) fix = undefined;
      else if (loc.path === 'provider.aws_credentials' || loc.path.startsWith('provider.aws_credentials.')) fix = 'remove-aws-credentials';
      else if (loc.seqItem && commandCredentialAt(parsed, loc.seqItem.seq, loc.seqItem.index, hit.start, starts)) fix = 'remove-credential';
      else if (loc.seqItem && urlSecretEdit(parsed, loc.seqItem.seq, loc.seqItem.index, hit.start, hit.end, hit.kind)) fix = 'use-env-reference';
      const accountId = hit.kind === 'aws-access-key-id' ? awsAccountIdFromKeyId(hit.value) : undefined;
      return {
        ruleId: RULE_OF_KIND[hit.kind],
        start: hit.start,
        end: hit.end,
        yamlPath: loc.path,
        kind: hit.kind,
        identity: `${hit.kind}:${hit.value}`,
        preview: maskSecret(hit.value),
        ...(accountId ? { accountId } : {}),
        ...(fix ? { fix } : {}),
        message: `${capitalize(WHAT[hit.kind])} is written in the config${accountId ? ` (key of AWS account ${accountId})` : ''}: ${advice(hit.kind)}`,
      };
    });
  },
};
