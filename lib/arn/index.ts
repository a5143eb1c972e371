/**
 * ARN grammar for IAM instance profiles and roles, partitions, and the placeholders people leave
 * in copied examples. Pure functions; no AWS calls.
 */

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** IAM names: letters, digits and `+=,.@_-`. */
export const IAM_NAME = /^[\w+=,.@-]+$/;
const PATH_CHARS = /^[\u0021-\u007E]*$/;

export interface IamArn {
  partition: Partition;
  account: string;
  /** `instance-profile`, `role`, `user`, ... */
  resourceType: string;
  /** `/` or `/a/b/`. */
  path: string;
  name: string;
  arn: string;
}

export type ArnProblem =
  | 'whitespace'
  | 'not-arn'
  | 'partition'
  | 'service'
  | 'region'
  | 'account'
  | 'resource-type'
  | 'path'
  | 'name';

export type ArnParse = { ok: true; value: IamArn } | { ok: false; problem: ArnProblem; detail: string };

const PROBLEM_TEXT: Record<ArnProblem, string> = {
  whitespace: 'it has spaces or line breaks around or inside it',
  'not-arn': 'it does not start with `arn:`',
  partition: 'the partition must be one of aws, aws-cn, aws-us-gov (or an ISO partition)',
  service: 'the service must be `iam`',
  region: 'IAM ARNs have an empty region field (`iam::`)',
  account: 'the account id must be exactly 12 digits, without dashes',
  'resource-type': 'the resource must be `instance-profile/<name>`',
  path: 'the path must be `/` or `/segment/.../` of printable characters, at most 512',
  name: 'the name must be 1-128 letters, digits or `+=,.@_-`',
};

export function describeArnProblem(p: ArnProblem): string {
  return PROBLEM_TEXT[p];
}

/** Parses any IAM ARN (`arn:<partition>:iam::<account>:<type>/<path><name>`). */
export function parseIamArn(input: string): ArnParse {
  const fail = (problem: ArnProblem): ArnParse => ({ ok: false, problem, detail: PROBLEM_TEXT[problem] });
  if (/\s/.test(input)) return fail('whitespace');
  const parts = input.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return fail('not-arn');
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(':');
  if (!(PARTITIONS as readonly string[]).includes(partition)) return fail('partition');
  if (service !== 'iam') return fail('service');
  if (region !== '') return fail('region');
  if (!/^\d{12}$/.test(account)) return fail('account');
  const slash = resource.indexOf('/');
  if (slash <= 0) return fail('resource-type');
  const resourceType = resource.slice(0, slash);
  const rest = resource.slice(slash);
  const lastSlash = rest.lastIndexOf('/');
  const path = rest.slice(0, lastSlash + 1);
  const name = rest.slice(lastSlash + 1);
  if (path.length > 512 || !PATH_CHARS.test(path)) return fail('path');
  if (!name || name.length > 128 || !IAM_NAME.test(name)) return fail('name');
  return { ok: true, value: { partition: partition as Partition, account, resourceType, path, name, arn: input } };
}

export function instanceProfileArn(partition: string, account: string, path: string, name: string): string {
  return `arn:${partition}:iam::${account}:instance-profile${path || '/'}${name}`;
}

/** The partition a region belongs to. */
export function partitionOfRegion(region: string): Partition {
  const r = region.toLowerCase();
  if (r.startsWith('cn-')) return 'aws-cn';
  if (r.startsWith('us-gov-')) return 'aws-us-gov';
  if (r.startsWith('us-isob-')) return 'aws-iso-b';
  if (r.startsWith('us-iso-')) return 'aws-iso';
  if (r.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (r.startsWith('us-isof-')) return 'aws-iso-f';
  if (r.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** IAM is global per partition; its signing region. */
export function iamRegionOfPartition(p: string): string {
  switch (p) {
    case 'aws-cn': return 'cn-north-1';
    case 'aws-us-gov': return 'us-gov-west-1';
    case 'aws-iso': return 'us-iso-east-1';
    case 'aws-iso-b': return 'us-isob-east-1';
    default: return 'us-east-1';
  }
}

const PLACEHOLDERS: RegExp[] = [
  /\$\{[^}]*\}/, // ${VAR} left unrendered
  /\$[A-Z_][A-Z0-9_]*/, // $VAR
  /\{\{[^}]*\}\}/, // {{ template }}
  /<[^<>]*>/, // <account-id>
  /\[[^\[\]]*\]/, // [ACCOUNT]
  /x{3,}/i, // xxx, XXXXXXXXXXXX
  /(?:^|[^0-9])0{12}(?:[^0-9]|$)/, // 000000000000
  /ACCOUNT[_-]?(?:ID|NUMBER)|AWS[_-]?ACCOUNT/i,
  /\b(?:YOUR|MY)[_-][A-Z_-]+/i,
  /REPLACE[_-]?ME|CHANGE[_-]?ME|\bTODO\b|\bFIXME\b|PLACEHOLDER/i,
];

/** The placeholder text in a value, if any (for RG207). */
export function findPlaceholder(value: string): string | null {
  for (const re of PLACEHOLDERS) {
    const m = re.exec(value);
    if (m) return m[0].trim();
  }
  return null;
}
