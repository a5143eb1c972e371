import { parseIamArn } from '../arn/index';
import { knownAwsManagedPolicy } from './aws-managed';
import { decodePolicy } from './policy';
import type { IamInstanceProfile, IamPolicy, IamRole, IamRolePolicies, IamSource, IamSourceInfo, IamSourceKind, PolicyDocument } from './types';

/**
 * An IAM source read from the JSON that `aws iam get-account-authorization-details` prints
 * (GAAD). GAAD lists instance profiles only under their role, so a profile without a role is
 * invisible there: the output of `aws iam list-instance-profiles` may sit beside it, either as
 * its own `InstanceProfiles` array in the same file or merged in by the caller.
 */

export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

interface RawProfile {
  InstanceProfileName?: unknown;
  Path?: unknown;
  Arn?: unknown;
  Roles?: unknown;
}

interface RawRole {
  RoleName?: unknown;
  Path?: unknown;
  Arn?: unknown;
  AssumeRolePolicyDocument?: unknown;
  InstanceProfileList?: unknown;
  RolePolicyList?: unknown;
  AttachedManagedPolicies?: unknown;
  PermissionsBoundary?: unknown;
}

interface RawManagedPolicy {
  PolicyName?: unknown;
  Arn?: unknown;
  DefaultVersionId?: unknown;
  PolicyVersionList?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** The objects of an array (null and other stray elements are skipped, as IAM never writes them). */
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v.filter((x) => !!x && typeof x === 'object' && !Array.isArray(x)) : []);

function toRole(r: RawRole): IamRole | null {
  const name = str(r.RoleName);
  const arn = str(r.Arn);
  if (!name || !arn) return null;
  return { name, path: str(r.Path) || '/', arn, trustPolicy: decodePolicy(r.AssumeRolePolicyDocument) };
}

export interface SnapshotOptions {
  kind?: IamSourceKind;
  label?: string;
}

export class SnapshotIamSource implements IamSource {
  private readonly profiles = new Map<string, IamInstanceProfile>();
  private readonly roleProfiles = new Map<string, IamInstanceProfile[]>();
  private readonly roles = new Map<string, IamRole>();
  private readonly rawRoles = new Map<string, RawRole>();
  /** Managed policy documents (default version) by ARN. */
  private readonly managed = new Map<string, PolicyDocument | null>();
  private readonly meta: IamSourceInfo;

  constructor(data: unknown, opts: SnapshotOptions = {}) {
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      throw new SnapshotFormatError('an IAM snapshot is a JSON object as printed by `aws iam get-account-authorization-details`');
    }
    const d = data as Record<string, unknown>;
    const hasGaad = Array.isArray(d.RoleDetailList);
    const hasProfiles = Array.isArray(d.InstanceProfiles);
    if (!hasGaad && !hasProfiles) {
      throw new SnapshotFormatError(
        'not an IAM snapshot: expected a RoleDetailList array (output of `aws iam get-account-authorization-details`) or an InstanceProfiles array (output of `aws iam list-instance-profiles`)',
      );
    }
    // Roles with their trust policies (GAAD), and the profiles listed under each role.
    for (const raw of arr(d.RoleDetailList) as RawRole[]) {
      const role = toRole(raw);
      if (!role) continue;
      this.roles.set(role.name.toLowerCase(), role);
      this.rawRoles.set(role.name.toLowerCase(), raw);
      for (const p of arr(raw.InstanceProfileList) as RawProfile[]) this.addProfile(p, role);
    }
    // Managed policies (GAAD `Policies`): the default version's document.
    for (const raw of arr(d.Policies) as RawManagedPolicy[]) {
      const arn = str(raw.Arn);
      if (!arn) continue;
      const versions = arr(raw.PolicyVersionList) as Array<Record<string, unknown>>;
      const def = versions.find((v) => v && (v.IsDefaultVersion === true || (str(raw.DefaultVersionId) && v.VersionId === raw.DefaultVersionId)));
      this.managed.set(arn, def ? decodePolicy(def.Document) : null);
    }
    // Profiles listed on their own (these include profiles with no role).
    for (const p of arr(d.InstanceProfiles) as RawProfile[]) this.addProfile(p, null);
    for (const p of this.profiles.values()) {
      for (const r of p.roles) {
        const list = this.roleProfiles.get(r.name.toLowerCase()) ?? [];
        if (!list.includes(p)) list.push(p);
        this.roleProfiles.set(r.name.toLowerCase(), list);
      }
    }
    const info = (d.SnapshotInfo && typeof d.SnapshotInfo === 'object' ? d.SnapshotInfo : {}) as Record<string, unknown>;
    const firstArn = [...this.profiles.values()][0]?.arn ?? [...this.roles.values()][0]?.arn ?? '';
    const parsed = parseIamArn(firstArn);
    this.meta = {
      kind: opts.kind ?? 'snapshot',
      label: opts.label ?? (str(info.Label) || 'IAM snapshot'),
      accountId: str(info.AccountId) || (parsed.ok ? parsed.value.account : undefined),
      partition: str(info.Partition) || (parsed.ok ? parsed.value.partition : undefined),
      capturedAt: str(info.CapturedAt) || undefined,
      coverage: { roleDetails: hasGaad, profileList: hasProfiles },
    };
  }

  private addProfile(p: RawProfile, owner: IamRole | null) {
    const name = str(p.InstanceProfileName);
    const arn = str(p.Arn);
    if (!name || !arn) return;
    const key = name.toLowerCase();
    const existing = this.profiles.get(key);
    const listed = (arr(p.Roles) as RawRole[])
      .map((r) => this.roles.get(str(r.RoleName).toLowerCase()) ?? toRole(r))
      .filter((r): r is IamRole => r !== null);
    // A profile holds one role at most. Trust the role it is listed under (GAAD) over its own
    // Roles array, which some exporters fill wrongly.
    const roles = owner ? [owner] : listed;
    if (existing) {
      if (existing.roles.length === 0 && roles.length > 0) existing.roles = roles;
      return;
    }
    this.profiles.set(key, { name, path: str(p.Path) || '/', arn, roles });
  }

  info(): IamSourceInfo {
    return this.meta;
  }

  async getInstanceProfile(name: string): Promise<IamInstanceProfile | null> {
    return this.profiles.get(name.toLowerCase()) ?? null;
  }

  async listInstanceProfilesForRole(roleName: string): Promise<IamInstanceProfile[] | null> {
    const key = roleName.toLowerCase();
    if (!this.roles.has(key) && !this.roleProfiles.has(key)) return null;
    return this.roleProfiles.get(key) ?? [];
  }

  async listInstanceProfiles(): Promise<IamInstanceProfile[]> {
    return [...this.profiles.values()];
  }

  async listAttachedPolicies(roleName: string): Promise<Array<{ name: string; arn: string }> | null> {
    const p = await this.getRolePolicies(roleName);
    return p ? p.policies.filter((x) => x.kind === 'managed' && x.arn).map((x) => ({ name: x.name, arn: x.arn! })) : null;
  }

  async getRolePolicies(roleName: string): Promise<IamRolePolicies | null> {
    const key = roleName.toLowerCase();
    const role = this.roles.get(key);
    const raw = this.rawRoles.get(key);
    if (!role || !raw) return null;
    const policies: IamPolicy[] = [];
    for (const p of arr(raw.RolePolicyList) as Array<Record<string, unknown>>) {
      if (!p || typeof p !== 'object') continue;
      policies.push({ kind: 'inline', name: str(p.PolicyName) || '(unnamed)', document: decodePolicy(p.PolicyDocument) });
    }
    for (const p of arr(raw.AttachedManagedPolicies) as Array<Record<string, unknown>>) {
      if (!p || typeof p !== 'object') continue;
      const arn = str(p.PolicyArn);
      if (!arn) continue;
      policies.push({ kind: 'managed', name: str(p.PolicyName) || arn.split('/').pop()!, arn, document: this.managedDocument(arn) });
    }
    const pb = raw.PermissionsBoundary as Record<string, unknown> | undefined;
    const pbArn = pb && typeof pb === 'object' ? str(pb.PermissionsBoundaryArn) : '';
    return {
      roleArn: role.arn,
      policies,
      permissionsBoundary: pbArn ? { kind: 'managed', name: pbArn.split('/').pop()!, arn: pbArn, document: this.managedDocument(pbArn) } : null,
    };
  }

  /** A managed policy's document: from the snapshot, else a well-known AWS one, else unknown. */
  private managedDocument(arn: string): PolicyDocument | null {
    return this.managed.get(arn) ?? knownAwsManagedPolicy(arn);
  }
}

/** Reads a snapshot from JSON text, with a clear error for anything else. */
export function snapshotFromJson(text: string, opts: SnapshotOptions = {}): SnapshotIamSource {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, '')); // PowerShell writes a byte order mark
  } catch {
    throw new SnapshotFormatError('the IAM snapshot is not valid JSON');
  }
  return new SnapshotIamSource(data, opts);
}

/**
 * Reads a snapshot made of several files: a GAAD file and the `list-instance-profiles` output
 * beside it (in any order). Their arrays are joined; the first SnapshotInfo wins.
 */
export function snapshotFromJsonTexts(texts: Array<{ name: string; text: string }>, opts: SnapshotOptions = {}): SnapshotIamSource {
  if (texts.length === 0) throw new SnapshotFormatError('no IAM snapshot file given');
  if (texts.length === 1) return snapshotFromJson(texts[0].text, { label: texts[0].name, ...opts });
  const merged: Record<string, unknown[] | unknown> = {};
  for (const { name, text } of texts) {
    let data: unknown;
    try {
      data = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      throw new SnapshotFormatError(`${name} is not valid JSON`);
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new SnapshotFormatError(`${name} is not an IAM snapshot (a JSON object)`);
    const d = data as Record<string, unknown>;
    if (!Array.isArray(d.RoleDetailList) && !Array.isArray(d.InstanceProfiles)) {
      throw new SnapshotFormatError(`${name} is not an IAM snapshot: expected RoleDetailList (get-account-authorization-details) or InstanceProfiles (list-instance-profiles)`);
    }
    for (const key of ['RoleDetailList', 'Policies', 'InstanceProfiles', 'UserDetailList', 'GroupDetailList']) {
      if (Array.isArray(d[key])) merged[key] = [...((merged[key] as unknown[]) ?? []), ...(d[key] as unknown[])];
    }
    if (d.SnapshotInfo && !merged.SnapshotInfo) merged.SnapshotInfo = d.SnapshotInfo;
  }
  return new SnapshotIamSource(merged, { label: texts.map((t) => t.name).join(' + '), ...opts });
}
