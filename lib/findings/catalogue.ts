import type { FixId, Severity } from './types';

/**
 * The rule catalogue: the public contract of rule ids (shared/RULES.md — add, never renumber).
 * docs/rules.md, the dashboard's /rules page and every finding's link are generated from this
 * table, so they cannot drift apart.
 */
export interface RuleDoc {
  id: string;
  name: string;
  severity: Severity;
  /** One line: when the rule fires. */
  summary: string;
  /** Why it matters to someone running `ray up`. */
  why: string;
  /** What to do about it. */
  howToFix: string;
  /** A short YAML (or text) excerpt that triggers the rule. */
  example?: string;
  /** Corrections that can repair it. */
  fixes?: FixId[];
  /** False while the rule is documented but not checked yet. */
  checked: boolean;
}

const R = (d: RuleDoc) => d;

export const RULES: readonly RuleDoc[] = [
  R({
    id: 'RG101', name: 'yaml-syntax', severity: 'error', checked: true,
    summary: 'The text is not a YAML mapping Ray can load.',
    why: 'Ray loads the config with PyYAML (`safe_load`) and refuses anything that is not a mapping, tags it does not know (`!Ref`, `!!python/...`), aliases to undefined anchors, and bytes that are not text. Duplicate keys are silently collapsed by some loaders, so the value you see may not be the value Ray uses. Rayguard reads aliases without expanding them, so an alias bomb costs it nothing; nesting too deep to read safely is reported here.',
    howToFix: 'Correct the syntax at the reported line and column. Keep each key once per mapping. The top level must be a mapping (with `cluster_name`, `provider` and `available_node_types`). Save the file as UTF-8 with LF or CRLF line endings.',
    example: 'provider:\n  type: aws\n  type: gcp   # duplicate key',
  }),
  R({
    id: 'RG102', name: 'not-aws', severity: 'info', checked: true,
    summary: '`provider.type` is not `aws`: the AWS checks are skipped.',
    why: 'Instance profiles and IAM only exist on AWS. Credential detection still runs.',
    howToFix: 'Nothing to do if the cluster is not on AWS.',
    example: 'provider:\n  type: gcp',
  }),
  R({
    id: 'RG103', name: 'ray-schema', severity: 'error', checked: true,
    summary: 'A key or value Ray\'s config schema rejects: a missing required key, an unknown key (top level, `auth`, `docker`, node types), a wrong type or range, a Ray 1.x key; also the types of common EC2 parameters in `node_config`.',
    why: 'Ray validates the merged config against its JSON schema before it launches anything, so an unknown key or a wrongly typed value stops `ray up`. Ray does not check `node_config` at all: boto3 and EC2 do, when a node is launched. For a worker type that happens on the head node once the cluster is up: the error appears only in the autoscaler\'s log, and no worker starts.',
    howToFix: 'Rename or move the key as the message suggests (a key at the wrong level says where it belongs), remove keys Ray does not know, or give the value the type the message names (quote numbers that EC2 wants as text, such as `MaxPrice`).',
    example: 'available_node_types:\n  ray.worker.default:\n    max_workers: lots        # must be a whole number\n    InstanceType: m5.large   # belongs under node_config\n    node_config: {}',
    fixes: ['remove-legacy-key'],
  }),
  R({
    id: 'RG104', name: 'head-node-type', severity: 'error', checked: true,
    summary: '`head_node_type` is missing where Ray needs it, or names no key of `available_node_types`.',
    why: 'Ray refuses to start a cluster whose head node type does not exist.',
    howToFix: 'Set `head_node_type` to one of the keys under `available_node_types`.',
    example: 'head_node_type: ray.head\navailable_node_types:\n  ray.head.default: {...}',
  }),
  R({
    id: 'RG105', name: 'legacy-format', severity: 'warning', checked: true,
    summary: 'Non-empty top-level `head_node` / `worker_nodes` (ignored by Ray 2.0 and later).',
    why: 'Ray 2.x ignores these sections (with a deprecation warning), so an `IamInstanceProfile` or instance type placed there has no effect.',
    howToFix: 'Move the settings into `available_node_types.<type>.node_config` and set `head_node_type`.',
    example: 'head_node:\n  InstanceType: m5.large\n  IamInstanceProfile:\n    Arn: arn:aws:iam::123456789012:instance-profile/ray-head',
    fixes: ['migrate-legacy-format'],
  }),
  R({
    id: 'RG106', name: 'ignore-comment', severity: 'warning', checked: true,
    summary: 'A `# rayguard:ignore` comment without a rule id or without a reason.',
    why: 'An ignored finding is a decision someone made; without the reason, the next reader cannot tell a known exception from a hidden leak. The finding is still suppressed.',
    howToFix: 'Write the rule id and the reason: `# rayguard:ignore RG401 test fixture key, revoked` on the line or on the line above.',
    example: '- export AWS_ACCESS_KEY_ID=AKIA...  # rayguard:ignore RG401',
  }),
  R({
    id: 'RG201', name: 'head-profile-missing', severity: 'warning', checked: true,
    summary: 'The head node type has no `IamInstanceProfile`.',
    why: 'Ray then looks up, or creates, the account-wide `ray-autoscaler-v1` profile and role with AmazonEC2FullAccess and AmazonS3FullAccess. Every cluster in the account shares it, and creating it needs IAM write access on the machine running `ray up`.',
    howToFix: 'Create a least-privilege head role and its instance profile, and reference the profile ARN in the head node type\'s `node_config`.',
    example: 'node_config:\n  InstanceType: m5.large\n  IamInstanceProfile:\n    Arn: arn:aws:iam::123456789012:instance-profile/ray-head',
    fixes: ['add-instance-profile'],
  }),
  R({
    id: 'RG202', name: 'worker-profile-missing', severity: 'info', checked: true,
    summary: 'A worker node type has no `IamInstanceProfile`.',
    why: 'Ray never gives workers the head\'s profile. Workers without one have no AWS credentials: S3 reads, ECR pulls and CloudWatch fail on them with "Unable to locate credentials".',
    howToFix: 'If the workers need AWS access, give the worker type its own instance profile, and allow the head role `iam:PassRole` on the worker\'s role.',
    fixes: ['add-worker-instance-profile'],
  }),
  R({
    id: 'RG203', name: 'profile-malformed', severity: 'error', checked: true,
    summary: '`IamInstanceProfile` is not a mapping with exactly one of `Arn` or `Name`.',
    why: 'Ray passes `node_config` to EC2 RunInstances unchecked. An empty, null, string or list value, both keys, or a key with the wrong casing is only rejected by EC2 when the node launches. An empty value also stops Ray from setting up its default profile.',
    howToFix: 'Write `IamInstanceProfile:` followed by either `Arn: <instance-profile ARN>` or `Name: <profile name>`.',
    example: 'IamInstanceProfile: arn:aws:iam::123456789012:instance-profile/ray-head   # a string, not a mapping',
    fixes: ['fix-profile-key-casing'],
  }),
  R({
    id: 'RG204', name: 'arn-invalid', severity: 'error', checked: true,
    summary: 'The ARN breaks the instance-profile ARN grammar, or a name breaks the name grammar.',
    why: 'EC2 rejects the launch with "Invalid IAM Instance Profile ARN".',
    howToFix: 'Use `arn:<partition>:iam::<12-digit account>:instance-profile/<path/><name>`; the region field is always empty and the name uses only letters, digits and `+=,.@_-`.',
    example: 'Arn: arn:aws:iam:us-west-2:1234-5678-9012:instance-profile/ray',
  }),
  R({
    id: 'RG205', name: 'role-arn-not-profile', severity: 'error', checked: true,
    summary: 'A `:role/` ARN sits where an instance-profile ARN belongs.',
    why: 'A role and its instance profile are different IAM resources. EC2 answers "Invalid IAM Instance Profile ARN" and the node never starts.',
    howToFix: 'Use the ARN of an instance profile that contains the role (the console creates one with the role\'s name).',
    example: 'Arn: arn:aws:iam::123456789012:role/ray-head',
    fixes: ['use-instance-profile-arn'],
  }),
  R({
    id: 'RG206', name: 'profile-misplaced', severity: 'error', checked: true,
    summary: '`IamInstanceProfile` outside `node_config`.',
    why: 'Ray only reads the profile from `available_node_types.<type>.node_config`. Anywhere else (the node type itself, `provider`, legacy sections) it is ignored or rejected by the schema, and the node launches without it.',
    howToFix: 'Move the `IamInstanceProfile` block into the node type\'s `node_config`.',
    example: 'ray.head.default:\n  IamInstanceProfile: {Arn: ...}   # belongs under node_config',
    fixes: ['move-instance-profile'],
  }),
  R({
    id: 'RG207', name: 'placeholder', severity: 'error', checked: true,
    summary: 'A placeholder where a real value belongs.',
    why: 'Copied examples keep `ACCOUNT_ID`, `<...>`, `xxx`, `000000000000` or an unrendered `${VAR}`; EC2 rejects them at launch.',
    howToFix: 'Replace the placeholder with the real profile ARN or name, or render the template before running `ray up`.',
    example: 'Arn: arn:aws:iam::ACCOUNT_ID:instance-profile/ray-head',
  }),
  R({
    id: 'RG208', name: 'ignored-provider-key', severity: 'warning', checked: true,
    summary: 'A `provider` key that looks like an IAM setting but is ignored by Ray.',
    why: 'Ray reads no `iam_role`, `instance_profile` or similar provider key; the schema accepts them silently, so the cluster runs with the default profile instead.',
    howToFix: 'Remove the key and set `IamInstanceProfile` in each node type\'s `node_config`.',
    example: 'provider:\n  type: aws\n  iam_role: ray-head',
  }),
  R({
    id: 'RG209', name: 'partition-mismatch', severity: 'error', checked: true,
    summary: 'The ARN\'s partition does not match the region\'s partition.',
    why: 'An `arn:aws:` profile cannot be used in `cn-north-1` or `us-gov-west-1` (and the other way round).',
    howToFix: 'Use the profile ARN from the partition the cluster runs in (`aws`, `aws-cn`, `aws-us-gov`).',
  }),
  R({
    id: 'RG210', name: 'profile-by-name', severity: 'info', checked: true,
    summary: 'A node type gives its instance profile by `Name` rather than `Arn`.',
    why: 'EC2 resolves a name in whichever account launches the node. The same config run against another account quietly uses that account\'s namesake profile, or fails only at launch. An ARN names the account and partition.',
    howToFix: 'Write `Arn:` with the profile\'s ARN. Fix does it when the IAM source knows the profile (it keeps `Name` offline).',
    example: 'IamInstanceProfile:\n  Name: ray-head',
    fixes: ['use-profile-arn-for-name'],
  }),
  R({
    id: 'RG211', name: 'ray-default-profile', severity: 'info', checked: true,
    summary: 'A node type names `ray-autoscaler-v1`, the profile Ray creates for itself.',
    why: 'Ray creates that profile with AmazonEC2FullAccess and AmazonS3FullAccess. Naming it explicitly (often copied from a running cluster) gives every node of the type the power to launch and terminate any instance and to read or delete any bucket in the account.',
    howToFix: 'Use a profile made for the node type: for the head, one whose role may make the autoscaler\'s calls and pass the worker roles (`rayguard policy` prints it); for workers, one with only what the jobs need.',
    example: 'IamInstanceProfile:\n  Arn: arn:aws:iam::123456789012:instance-profile/ray-autoscaler-v1',
    fixes: ['replace-default-profile'],
  }),
  R({
    id: 'RG301', name: 'profile-not-found', severity: 'error', checked: true,
    summary: 'IAM has no such instance profile.',
    why: 'EC2 refuses to launch nodes with an unknown profile.',
    howToFix: 'Check the name, path and account in the ARN; create the profile if it does not exist. The message names a profile with the same name at another path when there is one.',
  }),
  R({
    id: 'RG302', name: 'profile-without-role', severity: 'error', checked: true,
    summary: 'The instance profile carries no role.',
    why: 'Nodes launch, but get no credentials: every AWS call on them fails.',
    howToFix: 'Add a role to the profile: `aws iam add-role-to-instance-profile`.',
  }),
  R({
    id: 'RG303', name: 'trust-not-ec2', severity: 'error', checked: true,
    summary: 'The profile\'s role does not trust `ec2.amazonaws.com`.',
    why: 'EC2 cannot assume the role, so the instance gets no credentials.',
    howToFix: 'Allow `sts:AssumeRole` for the principal `{"Service": "ec2.amazonaws.com"}` in the role\'s trust policy.',
  }),
  R({
    id: 'RG304', name: 'head-permissions', severity: 'error', checked: true,
    summary: 'The head role lacks actions Ray\'s autoscaler calls.',
    why: 'The autoscaler on the head launches, tags, stops, starts and terminates workers with the head\'s role.',
    howToFix: 'Allow ec2:DescribeInstances, RunInstances, CreateTags, TerminateInstances, StopInstances and StartInstances (and DescribeImages with the CloudWatch agent) to the head role: the IAM panel\'s "Copy policy" and `rayguard policy` print the least-privilege policy for the config. A "maybe" (a warning) means a condition depends on what is known only at run time; the message names it.',
  }),
  R({
    id: 'RG305', name: 'pass-role', severity: 'error', checked: true,
    summary: 'The head role may not `iam:PassRole` a worker node type\'s role.',
    why: 'Launching a worker with an instance profile needs PassRole on the role inside it; AmazonEC2FullAccess does not grant it.',
    howToFix: 'Allow `iam:PassRole` on the worker\'s role ARN (not the instance-profile ARN), ideally with `iam:PassedToService: ec2.amazonaws.com`. Ray\'s default head profile (`ray-autoscaler-v1`) never has it.',
  }),
  R({
    id: 'RG306', name: 'over-privileged', severity: 'warning', checked: true,
    summary: 'The role has administrator access or `*FullAccess` managed policies, or a policy that allows everything, or a whole service (`ec2:*`), on every resource (what an unconditional Deny or the permissions boundary leaves of it).',
    why: 'Anything that runs on the cluster can use those rights.',
    howToFix: 'Replace them with a policy that allows only what the cluster needs.',
  }),
  R({
    id: 'RG307', name: 'unverified', severity: 'warning', checked: true,
    summary: 'IAM could not be asked; the message says why.',
    why: 'The profile may be fine or broken; nothing was verified.',
    howToFix: 'Give the dashboard or CLI read access to IAM, or check against a snapshot.',
  }),
  R({
    id: 'RG308', name: 'account-mismatch', severity: 'warning', checked: true,
    summary: 'Profiles from different accounts, or not from the account being checked.',
    why: 'EC2 launches with profiles of the launching account only.',
    howToFix: 'Use profiles from the account the cluster runs in.',
  }),
  R({
    id: 'RG309', name: 'default-profile', severity: 'info', checked: true,
    summary: 'What Ray\'s default `ray-autoscaler-v1` profile looks like in this account.',
    why: 'When the head has no profile, Ray reuses `ray-autoscaler-v1` (`ray-autoscaler-cloudwatch-v1` with the CloudWatch agent) as it is, or creates it with AmazonEC2FullAccess and AmazonS3FullAccess; it is shared by every cluster in the account.',
    howToFix: 'Set an explicit head profile.',
  }),
  R({
    id: 'RG401', name: 'aws-access-key-id', severity: 'error', checked: true,
    summary: 'An AWS access key id (AKIA, ASIA, ABIA, ACCA) in the config.',
    why: 'Cluster configs get committed, shared and copied to every node (Ray writes the config to the head as `~/ray_bootstrap_config.yaml`). A key id next to its secret is a working credential.',
    howToFix: 'Deactivate and rotate the key in IAM, then remove it from the config and give the nodes an instance profile instead.',
    example: 'setup_commands:\n  - export AWS_ACCESS_KEY_ID=AKIA...',
    fixes: ['remove-credential', 'remove-aws-credentials'],
  }),
  R({
    id: 'RG402', name: 'aws-secret-access-key', severity: 'error', checked: true,
    summary: 'An AWS secret access key in the config.',
    why: 'With its key id it signs any AWS request the key\'s user may make.',
    howToFix: 'Rotate the key in IAM, remove it from the config, and use instance profiles on the nodes.',
    example: 'aws configure set aws_secret_access_key wJalr...',
    fixes: ['remove-credential', 'remove-aws-credentials'],
  }),
  R({
    id: 'RG403', name: 'aws-session-token', severity: 'error', checked: true,
    summary: 'An AWS session token in the config.',
    why: 'Temporary, but valid for hours and often with broad rights.',
    howToFix: 'Remove it; nodes get temporary credentials from their instance profile automatically.',
  }),
  R({
    id: 'RG404', name: 'private-key', severity: 'error', checked: true,
    summary: 'A private key (PEM, OpenSSH, inside a service-account JSON).',
    why: 'Anyone with the config can impersonate the key\'s owner.',
    howToFix: 'Rotate the key and load it on the nodes from a secret store.',
  }),
  R({
    id: 'RG405', name: 'token', severity: 'error', checked: true,
    summary: 'Another service\'s credential (GitHub, Slack, GCP, Hugging Face, W&B, Azure, passwords); `kind` says which.',
    why: 'Configs travel; the token travels with them.',
    howToFix: 'Revoke the token and pass it to the nodes from a secret store at run time.',
  }),
  R({
    id: 'RG406', name: 'provider-aws-credentials', severity: 'error', checked: true,
    summary: 'A `provider.aws_credentials` block.',
    why: 'Ray passes it to every boto3 call, copies the whole `provider` block to the head node in `~/ray_bootstrap_config.yaml`, and caches it in plain text in `$TMPDIR/ray-config-*`. The head then uses these static keys instead of its instance role.',
    howToFix: 'Delete the block. Run `ray up` with your normal AWS credential chain (SSO, profile, environment) and give the head an instance profile.',
    example: 'provider:\n  type: aws\n  aws_credentials:\n    aws_access_key_id: AKIA...',
    fixes: ['remove-aws-credentials'],
  }),
  R({
    id: 'RG407', name: 'credentials-mount', severity: 'warning', checked: true,
    summary: '`~/.aws` or a credentials file synced by `file_mounts` or `cluster_synced_files`, or mounted into docker with `-v`/`--volume`/`--mount`.',
    why: 'Ray copies file_mounts to every node it starts, and docker mounts expose the files to every container: your own long-lived keys end up on machines other people and jobs can reach, and they take precedence over the instance profile in the AWS credential chain.',
    howToFix: 'Remove the mount. Give each node type that needs AWS access an instance profile; on the machine running `ray up`, keep using your normal credentials.',
    example: 'file_mounts:\n  ~/.aws: ~/.aws',
    fixes: ['remove-credentials-mount'],
  }),
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function rule(id: string): RuleDoc {
  const r = BY_ID.get(id);
  if (!r) throw new Error(`unknown rule id ${id}`);
  return r;
}

/** Anchor of a rule in docs/rules.md and on the /rules page. */
export function ruleAnchor(id: string): string {
  return id.toLowerCase();
}

/** Where a rule's documentation lives, relative to the dashboard. */
export function ruleDocsPath(id: string): string {
  return `/rules#${ruleAnchor(id)}`;
}

/** Published documentation for links outside the dashboard (SARIF, CLI). */
export const DOCS_BASE = 'docs/rules.md';
