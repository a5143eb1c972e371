import { parseIamArn } from '../arn/index';
import { isEffective, profileValues } from '../rules/profile-value';
import type { RawFinding, RuleContext } from '../rules/types';
import { ec2CanAssume, trustedServices } from './policy';
import { IamUnavailableError, type IamInstanceProfile, type IamSource } from './types';

/**
 * RG301 profile-not-found, RG302 profile-without-role, RG303 trust-not-ec2 and RG307 unverified:
 * every well-formed profile the config uses, asked of an IAM source. A source that cannot answer
 * gives RG307 with its reason, never an exception.
 */
export async function checkIam(ctx: RuleContext, source: IamSource): Promise<RawFinding[]> {
  if (!ctx.isAws) return [];
  const info = source.info();
  const out: RawFinding[] = [];
  for (const pv of profileValues(ctx)) {
    if (!isEffective(pv) || !pv.valueRange || !(pv.arn || pv.name)) continue;
    const at = (ruleId: string, message: string): RawFinding => ({
      ruleId, start: pv.valueRange![0], end: pv.valueRange![1], yamlPath: pv.valuePath ?? pv.ref.path, message,
    });
    if (pv.arn && info.accountId && pv.arn.account !== info.accountId) {
      out.push(at('RG307', `Not verified: the profile is in account ${pv.arn.account}, and the IAM source (${info.label}) describes account ${info.accountId}`));
      continue;
    }
    if (pv.arn && info.partition && pv.arn.partition !== info.partition) {
      out.push(at('RG307', `Not verified: the profile is in partition ${pv.arn.partition}, and the IAM source describes ${info.partition}`));
      continue;
    }
    const name = pv.arn?.name ?? pv.name!;
    let profile: IamInstanceProfile | null;
    try {
      profile = await source.getInstanceProfile(name);
    } catch (e) {
      out.push(at('RG307', `Not verified: ${e instanceof IamUnavailableError ? e.reason : 'the IAM source failed'}`));
      continue;
    }
    const where = info.accountId ? ` in account ${info.accountId}` : '';
    if (!profile) {
      let hint = '';
      try {
        const asRole = await source.listInstanceProfilesForRole(name);
        if (asRole && asRole.length > 0) hint = `; a role of that name exists, in instance profile ${asRole[0].arn}`;
        else if (asRole) hint = '; a role of that name exists, but no instance profile contains it';
      } catch {
        /* the hint is optional */
      }
      out.push(at('RG301', `IAM has no instance profile named ${name}${where}${hint}`));
      continue;
    }
    if (pv.arn && profile.arn !== pv.arn.arn) {
      out.push(at('RG301', `IAM has no instance profile at this ARN${where}; a profile with that name exists as ${profile.arn} (check the path)`));
      continue;
    }
    const role = profile.roles[0];
    if (!role) {
      out.push(at('RG302', `Instance profile ${profile.name} carries no role: nodes would start without AWS credentials. Add one with \`aws iam add-role-to-instance-profile\``));
      continue;
    }
    const trust = ec2CanAssume(role.trustPolicy);
    if (!trust.trusted) {
      const svcs = trustedServices(role.trustPolicy);
      out.push(at('RG303', `Role ${role.name} in this profile does not trust EC2 (${trust.reason}${svcs.length ? `; it trusts ${svcs.join(', ')}` : ''}): allow ec2.amazonaws.com to sts:AssumeRole`));
    }
  }
  return out;
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

