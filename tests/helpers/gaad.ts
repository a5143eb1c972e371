/**
 * Builds GAAD-shaped snapshots (`aws iam get-account-authorization-details`) for tests: roles with
 * trust, inline and managed policies, a permissions boundary, and the profiles that hold them.
 */
export const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

export interface RoleSpec {
  name: string;
  path?: string;
  trust?: unknown;
  inline?: Record<string, unknown>;
  managed?: string[];
  boundary?: string;
  /** Instance profiles holding this role (names). */
  profiles?: string[];
}

export interface GaadSpec {
  account?: string;
  partition?: string;
  roles?: RoleSpec[];
  /** Profiles without a role. */
  emptyProfiles?: string[];
  /** Customer managed policies: ARN → document. */
  policies?: Record<string, unknown>;
}

export function gaad(spec: GaadSpec): Record<string, unknown> {
  const account = spec.account ?? '111122223333';
  const partition = spec.partition ?? 'aws';
  const profile = (name: string, path: string, roles: unknown[]) => ({
    Path: path, InstanceProfileName: name, InstanceProfileId: `AIPA${name.toUpperCase().replace(/[^A-Z]/g, '')}`,
    Arn: `arn:${partition}:iam::${account}:instance-profile${path}${name}`, Roles: roles,
  });
  const RoleDetailList = (spec.roles ?? []).map((r) => {
    const path = r.path ?? '/';
    const base = { Path: path, RoleName: r.name, Arn: `arn:${partition}:iam::${account}:role${path}${r.name}`, AssumeRolePolicyDocument: r.trust ?? EC2_TRUST };
    return {
      ...base,
      InstanceProfileList: (r.profiles ?? []).map((p) => profile(p, path, [base])),
      RolePolicyList: Object.entries(r.inline ?? {}).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument })),
      AttachedManagedPolicies: (r.managed ?? []).map((arn) => ({ PolicyName: arn.split('/').pop(), PolicyArn: arn })),
      ...(r.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.boundary } } : {}),
    };
  });
  const Policies = Object.entries(spec.policies ?? {}).map(([Arn, Document]) => ({
    PolicyName: Arn.split('/').pop(), Arn, DefaultVersionId: 'v1', PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document }],
  }));
  const InstanceProfiles = (spec.emptyProfiles ?? []).map((p) => profile(p, '/', []));
  return {
    SnapshotInfo: { AccountId: account, Partition: partition },
    UserDetailList: [], GroupDetailList: [], RoleDetailList, Policies, InstanceProfiles,
  };
}

export const AUTOSCALER_ACTIONS = ['ec2:DescribeInstances', 'ec2:RunInstances', 'ec2:CreateTags', 'ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances'];

export function allow(actions: string | string[], resource: string | string[] = '*', condition?: Record<string, unknown>) {
  return { Effect: 'Allow', Action: actions, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

export function doc(...statements: unknown[]) {
  return { Version: '2012-10-17', Statement: statements };
}

/** A Ray config with a head and workers; `null` profile = none. */
export function rayConfig(opts: {
  head: string | null;
  workers?: Record<string, string | null>;
  region?: string;
  extraProvider?: string;
}): string {
  const prof = (p: string | null, indent: string) =>
    p === null ? '' : p.startsWith('arn:') ? `${indent}IamInstanceProfile:\n${indent}  Arn: ${p}\n` : `${indent}IamInstanceProfile:\n${indent}  Name: ${p}\n`;
  let t = `cluster_name: test\nprovider:\n  type: aws\n  region: ${opts.region ?? 'us-west-2'}\n${opts.extraProvider ?? ''}available_node_types:\n  head:\n    resources: {}\n    node_config:\n      InstanceType: m5.large\n${prof(opts.head, '      ')}`;
  for (const [name, p] of Object.entries(opts.workers ?? {})) {
    t += `  ${name}:\n    min_workers: 0\n    max_workers: 2\n    resources: {}\n    node_config:\n      InstanceType: m5.large\n${prof(p, '      ')}`;
  }
  return t + 'head_node_type: head\n';
}
