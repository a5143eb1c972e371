import { parseIamArn } from '../arn/index';
import type { RawFinding, RuleContext } from '../rules/types';
import { ec2CanAssume } from './policy';
import { iamReport } from './report';
import type { IamInstanceProfile, IamSource } from './types';

/**
 * RG301–RG309 for a config, asked of an IAM source (see report.ts). A source that cannot answer
 * gives RG307 with its reason, never an exception.
 */
export async function checkIam(ctx: RuleContext, source: IamSource): Promise<RawFinding[]> {
  return (await iamReport(ctx, source)).findings;
}

/** The instance-profile ARN IAM knows for a role ARN (RG205's correction), or null. */
export async function profileArnForRole(source: IamSource, roleArn: string): Promise<string | null> {
  const p = parseIamArn(roleArn);
  if (!p.ok || p.value.resourceType !== 'role') return null;
  const info = source.info();
  if (info.accountId && info.accountId !== p.value.account) return null;
  try {
    const profiles = await source.listInstanceProfilesForRole(p.value.name);
    if (!profiles || profiles.length === 0) return null;
    // Prefer the profile with the role's own name (what the console creates).
    const same = profiles.find((x) => x.name === p.value.name) ?? profiles[0];
    return same.arn;
  } catch {
    return null;
  }
}

/** Profiles a head may use: they exist, carry a role, and that role trusts EC2. */
export async function usableProfiles(source: IamSource): Promise<IamInstanceProfile[]> {
  try {
    const all = await source.listInstanceProfiles();
    return all.filter((p) => p.roles.length > 0 && ec2CanAssume(p.roles[0].trustPolicy).trusted);
  } catch {
    return [];
  }
}

