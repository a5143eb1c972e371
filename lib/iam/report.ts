import { partitionOfRegion } from '../arn/index';
import { asMap, get, scalarString } from '../config/nodes';
import { effectiveProfile, usesLaunchTemplate, type ConfigModel, type NodeType } from '../config/walk';
import type { YAMLMap } from 'yaml';
import { isEffective, profileValues, type ProfileValue } from '../rules/profile-value';
import type { RawFinding, RuleContext } from '../rules/types';
import { maskDetectedSecrets } from '../secrets/index';
import { isBroadManagedPolicy, knownAwsManagedPolicy } from './aws-managed';
import { evaluate, iamGlob, type Decision } from './evaluate';
import { ec2CanAssume, statements, trustedServices } from './policy';
import {
  IamUnavailableError,
  type IamInstanceProfile,
  type IamPolicy,
  type IamRolePolicies,
  type IamSource,
  type IamSourceInfo,
  type PolicyDocument,
  type PolicyStatement,
} from './types';

/**
 * The IAM answer for a config: one card per instance profile it uses (does it exist, does it carry
 * a role, does the role trust EC2), the head role's verdict for every call Ray's autoscaler makes
 * (RG304) and for passing each worker's role (RG305), broad access (RG306), profiles from other
 * accounts (RG308), Ray's default profile when the head names none (RG309), and RG307 with its
 * reason wherever IAM could not be asked. Every answer comes from an `IamSource`: the live API,
 * a snapshot or the demo account; the checks themselves are the same.
 */

export type CardStatus = 'ok' | 'not-found' | 'no-role' | 'untrusted' | 'unverified';
export type Evaluator = 'iam' | 'local';

export interface ActionVerdict {
  action: string;
  resource: string;
  /** What Ray does with it. */
  purpose: string;
  decision: Decision;
  evaluator: Evaluator;
  /** Why "maybe" / denied, in words. */
  reasons: string[];
  /** For iam:PassRole: the worker node types whose role this is. */
  nodeTypes?: string[];
  /**
   * A call authorised on several resources (RunInstances: instance, AMI, subnet…) that fails on
   * some of them: the failing resources (short: `image/*`), grouped by the reasons they share.
   * Absent when it fails alike on every resource, or is asked on one.
   */
  scopes?: Array<{ resources: string[]; reasons: string[] }>;
}

export interface ProfileCard {
  /** Stable key: the profile ARN or `name:<name>`, or `default:<name>` for Ray's default. */
  id: string;
  /** As written in the config (or Ray's default name). */
  ref: string;
  nodeTypes: string[];
  isHead: boolean;
  /** Ray's default profile, used because the head names none. */
  defaulted?: boolean;
  status: CardStatus;
  /** Short human summary of the status. */
  summary: string;
  account?: string;
  profile?: { name: string; arn: string };
  role?: { name: string; arn: string; trustsEc2: boolean; conditionalTrust?: boolean };
  /** The role's policies; `readable` says whether a document could be read (the head's only: the others are listed by name). */
  policies?: Array<{ kind: IamPolicy['kind']; name: string; arn?: string; readable?: boolean }>;
  permissionsBoundary?: string;
  /** Broad access the role holds (RG306). */
  broadAccess?: string[];
  /** Head only: the verdict for every call Ray's autoscaler makes. */
  verdicts?: ActionVerdict[];
  unverifiedReason?: string;
}

export interface IamReport {
  source: IamSourceInfo;
  cards: ProfileCard[];
  findings: RawFinding[];
  /** Least-privilege head-role policy for this config (null without a head or a known account). */
  policy: PolicyDocument | null;
  /** Worker roles that could not be resolved, so the policy may lack their PassRole. */
  policyGaps: string[];
}

export interface ReportOptions {
  /** Called as each card is known, and again when it changes (head verdicts). */
  onCard?: (card: ProfileCard) => void;
  /** Profiles looked up at once (default 4). */
  concurrency?: number;
}

const DEFAULT_PROFILE = 'ray-autoscaler-v1';
const DEFAULT_PROFILE_CLOUDWATCH = 'ray-autoscaler-cloudwatch-v1';
const RAY_DEFAULT_POLICIES = ['AmazonEC2FullAccess', 'AmazonS3FullAccess'];

interface Use {
  pv: ProfileValue;
  nodeType: NodeType | null;
}

interface Resolved {
  card: ProfileCard;
  profile: IamInstanceProfile | null;
  source: IamSource | null;
  uses: Use[];
}

function scalarOf(model: ConfigModel, map: YAMLMap | null | undefined, key: string): string | null {
  const e = map ? get(model.doc, map, key) : undefined;
  return e ? scalarString(e.value as never) : null;
}

function cfg(model: ConfigModel) {
  const provider = model.provider;
  const cacheStopped = (scalarOf(model, provider, 'cache_stopped_nodes') ?? 'true').toLowerCase() !== 'false';
  const cw = provider ? asMap(get(model.doc, provider, 'cloudwatch')?.value as never) : null;
  const agent = cw ? asMap(get(model.doc, cw, 'agent')?.value as never) : null;
  const cloudwatch = !!(agent && get(model.doc, agent, 'config'));
  const clusterName = scalarOf(model, model.root, 'cluster_name');
  return { cacheStopped, cloudwatch, clusterName };
}

/** The head node type also launches workers of its own type (max_workers or min_workers above 0). */
export function headLaunchesItself(model: ConfigModel, head: NodeType | null): boolean {
  if (!head || head.legacy || !head.node) return false;
  return ['max_workers', 'min_workers'].some((k) => Number(scalarOf(model, head.node, k) ?? '0') > 0);
}

/** Ray stops idle on-demand nodes when cache_stopped_nodes is on; spot nodes are always terminated. */
function anyOnDemandWorker(model: ConfigModel): boolean {
  const launched = model.nodeTypes.filter((n) => !n.isHead || headLaunchesItself(model, n));
  if (launched.length === 0) return true; // nothing known: assume Ray may stop nodes
  return launched.some((n) => {
    const market = n.nodeConfig ? asMap(get(model.doc, n.nodeConfig, 'InstanceMarketOptions')?.value as never) : null;
    return (scalarOf(model, market, 'MarketType') ?? '').toLowerCase() !== 'spot';
  });
}

export interface HeadQuestion {
  action: string;
  /** Every resource the call is authorised on (RunInstances: the instance, the AMI, the subnet…). */
  resources: string[];
  purpose: string;
  context: Record<string, string | string[]>;
  /** Condition keys known to be absent from the request. */
  absent?: string[];
}

/** The calls Ray's autoscaler makes from the head, with the resources each is authorised on. */
export function headQuestions(model: ConfigModel, account: string, partition: string, opts: { launchTemplate: boolean }): HeadQuestion[] {
  const region = model.region ?? 'us-west-2';
  const { cacheStopped, cloudwatch, clusterName } = cfg(model);
  const ec2 = (type: string, acct = account) => `arn:${partition}:ec2:${region}:${acct}:${type}/*`;
  const instance = ec2('instance');
  const base: Record<string, string | string[]> = { 'aws:RequestedRegion': region, 'ec2:Region': region };
  const onCluster: Record<string, string | string[]> = clusterName
    ? { ...base, 'ec2:ResourceTag/ray-cluster-name': clusterName, 'aws:ResourceTag/ray-cluster-name': clusterName }
    : base;
  const atLaunch: Record<string, string | string[]> = clusterName
    ? { ...base, 'aws:RequestTag/ray-cluster-name': clusterName, 'ec2:CreateAction': 'RunInstances' }
    : { ...base, 'ec2:CreateAction': 'RunInstances' };
  // RunInstances is authorised on every resource the launch touches (instance, AMI, network
  // interface, subnet, security group, volume, key pair): an Allow on instance/* alone fails.
  const launchResources = [
    instance, `arn:${partition}:ec2:${region}::image/*`, ec2('network-interface'), ec2('subnet'), ec2('security-group'), ec2('volume'), ec2('key-pair'),
    ...(opts.launchTemplate ? [ec2('launch-template')] : []),
  ];
  const out: HeadQuestion[] = [
    { action: 'ec2:DescribeInstances', resources: ['*'], purpose: 'list and watch the cluster\'s nodes', context: base },
    { action: 'ec2:RunInstances', resources: launchResources, purpose: opts.launchTemplate ? 'launch worker nodes (from the launch template)' : 'launch worker nodes', context: atLaunch },
    { action: 'ec2:CreateTags', resources: [instance, ec2('volume')], purpose: 'tag nodes as they launch', context: atLaunch },
    {
      // Later updates (ray-node-status…) tag running nodes: no cluster-name tag in the request.
      action: 'ec2:CreateTags', resources: [instance], purpose: 'update node tags as nodes change state',
      context: { ...onCluster, 'aws:TagKeys': ['ray-node-status'], 'aws:RequestTag/ray-node-status': 'up-to-date' },
      absent: ['aws:RequestTag/ray-cluster-name', 'ec2:CreateAction'],
    },
    { action: 'ec2:TerminateInstances', resources: [instance], purpose: 'remove idle nodes', context: onCluster },
  ];
  if (cacheStopped && anyOnDemandWorker(model)) {
    out.push(
      { action: 'ec2:StopInstances', resources: [instance], purpose: 'stop idle on-demand nodes for reuse (cache_stopped_nodes is true by default)', context: onCluster },
      { action: 'ec2:StartInstances', resources: [instance], purpose: 'restart stopped nodes (cache_stopped_nodes)', context: onCluster },
    );
  }
  if (cloudwatch) out.push({ action: 'ec2:DescribeImages', resources: ['*'], purpose: 'check the AMI for the CloudWatch agent', context: base });
  return out;
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const run = async () => {
    while (i < items.length) await fn(items[i++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, run));
}

const reasonOf = (e: unknown) => (e instanceof IamUnavailableError ? e.reason : 'the IAM source failed');

/** RG301 from a GAAD-only snapshot: why the profile may exist all the same, and how to see it. */
const GAAD_ONLY_PROFILES =
  'A get-account-authorization-details snapshot lists instance profiles only under their roles, so a profile without a role cannot be seen in it: ' +
  'add the output of `aws iam list-instance-profiles` beside it (CLI: a second `--iam snapshot FILE`; dashboard: upload both files; ' +
  'or put its InstanceProfiles array into the same file)';

/** Why a role's policies are not in the source (getRolePolicies answered null). */
function noRolePolicies(info: IamSourceInfo, roleName: string): string {
  if (info.kind === 'live') return `IAM has no role ${roleName} (deleted since its instance profile was read?)`;
  if (info.coverage && !info.coverage.roleDetails) {
    return `the snapshot holds no roles or policies (only \`aws iam list-instance-profiles\` output): add the output of \`aws iam get-account-authorization-details\` beside it to check role ${roleName}'s permissions`;
  }
  return `the snapshot has no details of role ${roleName} (export \`aws iam get-account-authorization-details\` without leaving roles out)`;
}

/** `*` or a whole service (`ec2:*`): what AdministratorAccess and the *FullAccess policies grant. */
const WHOLE_SERVICE = /^(?:\*|[a-z0-9-]+:\*)$/i;

/**
 * Broad access: a policy that grants everything or a whole service on every resource, with no
 * condition: AdministratorAccess, PowerUserAccess, the *FullAccess managed policies (by name), or
 * any document with such an Allow (`*`, `ec2:*`, or a NotAction list). What the role keeps of it
 * counts: an unconditional Deny of the same in its policies or its permissions boundary takes it
 * away, and a boundary leaves only what it grants wholly itself (a boundary whose document is not
 * known leaves nothing that can be claimed).
 */
function broadAccess(p: IamRolePolicies): string[] {
  const bound = p.permissionsBoundary;
  const cap = bound ? (bound.arn ? managedWhole(bound.arn) : null) ?? wholeGrants(bound.document) : null;
  const denied = new Set([...p.policies.flatMap((x) => [...wholeDenials(x.document)]), ...(bound ? wholeDenials(bound.document) : [])]);
  const keep = (a: string): string[] => {
    const left = !cap ? [a] : a === '*' ? [...cap] : cap.has('*') || cap.has(a) ? [a] : [];
    return left.filter((x) => !denied.has('*') && !denied.has(x));
  };
  const out: string[] = [];
  for (const pol of p.policies) {
    const named = pol.kind === 'managed' && pol.arn && isBroadManagedPolicy(pol.arn) ? managedWhole(pol.arn) : null;
    const wide = named ?? wholeGrants(pol.document);
    const kept = [...new Set([...wide].flatMap(keep))].sort();
    if (!kept.length) continue;
    const same = kept.length === wide.size && kept.every((x) => wide.has(x));
    if (named) out.push(same ? pol.name : `${pol.name} (the permissions boundary leaves ${kept.join(', ')})`);
    else out.push(`${pol.name} (allows ${[...wide].sort().join(', ')} on *${same ? '' : `; the permissions boundary leaves ${kept.join(', ')}`})`);
  }
  return out;
}

/** What an AWS managed policy grants wholly, from its name (the *FullAccess ones: their service). */
function managedWhole(arn: string): Set<string> | null {
  const name = arn.split('/').pop() ?? '';
  if (name === 'AdministratorAccess' || name === 'PowerUserAccess') return new Set(['*']);
  const m = /^(?:Amazon|AWS)?([A-Za-z0-9]+?)_?FullAccess$/.exec(name);
  return m ? new Set([`${m[1].toLowerCase()}:*`]) : null;
}

const onEverything = (s: PolicyStatement) => !s.Condition && !s.NotResource && [s.Resource].flat().includes('*');

/** `*` and `service:*` a document allows with no condition on every resource (NotAction: `*`). */
function wholeGrants(doc: PolicyDocument | null): Set<string> {
  const out = new Set<string>();
  for (const s of statements(doc)) {
    if (s.Effect !== 'Allow' || !onEverything(s)) continue;
    if (s.NotAction) out.add('*');
    for (const a of [s.Action ?? []].flat()) if (typeof a === 'string' && WHOLE_SERVICE.test(a)) out.add(a.toLowerCase());
  }
  return out;
}

/** `*` and `service:*` a document denies with no condition on every resource. */
function wholeDenials(doc: PolicyDocument | null): Set<string> {
  const out = new Set<string>();
  for (const s of statements(doc)) {
    if (s.Effect !== 'Deny' || !onEverything(s)) continue;
    for (const a of [s.Action ?? []].flat()) if (typeof a === 'string' && WHOLE_SERVICE.test(a)) out.add(a.toLowerCase());
  }
  return out;
}

function verdictWords(v: ActionVerdict): string {
  return v.reasons.length ? v.reasons.join('; ') : v.decision === 'explicit-deny' ? 'explicitly denied' : 'no statement allows it';
}

/** The report: cards, findings and the least-privilege policy. Never throws for IAM failures. */
export async function iamReport(ctx: RuleContext, source: IamSource, opts: ReportOptions = {}): Promise<IamReport> {
  const info = source.info();
  const model = ctx.model;
  const findings: RawFinding[] = [];
  const empty: IamReport = { source: info, cards: [], findings, policy: null, policyGaps: [] };
  if (!model || !ctx.isAws) return empty;
  const emit = (c: ProfileCard) => opts.onCard?.(maskCard(c));
  const at = (pv: ProfileValue, ruleId: string, message: string, severity?: RawFinding['severity']): RawFinding => ({
    ruleId, start: pv.valueRange![0], end: pv.valueRange![1], yamlPath: pv.valuePath ?? pv.ref.path, message, ...(severity ? { severity } : {}),
  });

  // Distinct profiles the config uses, in order.
  const byKey = new Map<string, Resolved>();
  for (const pv of profileValues(ctx)) {
    if (!isEffective(pv) || !pv.valueRange || !(pv.arn || pv.name)) continue;
    const id = pv.arn ? pv.arn.arn : `name:${pv.name!.toLowerCase()}`;
    const nt = pv.ref.nodeType;
    let r = byKey.get(id);
    if (!r) {
      r = {
        card: { id, ref: pv.arn?.arn ?? pv.name!, nodeTypes: [], isHead: false, status: 'unverified', summary: 'checking…', account: pv.arn?.account ?? info.accountId },
        profile: null, source: null, uses: [],
      };
      byKey.set(id, r);
    }
    r.uses.push({ pv, nodeType: nt });
    if (nt && !r.card.nodeTypes.includes(nt.name)) r.card.nodeTypes.push(nt.name);
    if (nt?.isHead) r.card.isHead = true;
  }

  // RG308: profiles from more than one account (an instance can only use a profile of its own account).
  // A profile given by name is in the account that launches the instance (the one checked).
  const accountOf = (pv: ProfileValue) => pv.arn?.account ?? info.accountId;
  const accounts = new Set([...byKey.values()].map((r) => accountOf(r.uses[0].pv)).filter((a): a is string => !!a));
  const headRef = [...byKey.values()].find((r) => r.card.isHead);
  const headAccount = headRef ? accountOf(headRef.uses[0].pv) : undefined;
  for (const r of byKey.values()) {
    for (const u of r.uses) {
      const acct = u.pv.arn?.account;
      if (!acct) continue;
      if (accounts.size > 1 && headAccount && acct !== headAccount) {
        findings.push(at(u.pv, 'RG308', `This profile is in account ${acct}, the head's in ${headAccount}: an instance can only use an instance profile of the account that launches it`));
      } else if (info.accountId && acct !== info.accountId) {
        findings.push(at(u.pv, 'RG308', `This profile is in account ${acct}, not in the account being checked (${info.accountId}, ${info.label})`));
      }
    }
  }

  for (const r of byKey.values()) emit(r.card);
  const policiesByCard = new Map<string, IamRolePolicies>();

  const headNode = model.nodeTypes.find((n) => n.isHead) ?? null;
  const headDefaulted = !!headNode && !effectiveProfile(model, headNode) && !usesLaunchTemplate(model, headNode);
  const defaultName = defaultProfileName(model);
  const checkProfile = async (r: Resolved): Promise<void> => {
    const pv0 = r.uses[0].pv;
    const card = r.card;
    const fail = (reason: string) => {
      card.status = 'unverified';
      card.summary = `not verified: ${reason}`;
      card.unverifiedReason = reason;
      for (const u of r.uses) findings.push(at(u.pv, 'RG307', `Not verified: ${reason}`));
    };
    let src: IamSource = source;
    if (pv0.arn && info.partition && pv0.arn.partition !== info.partition) {
      return fail(`the profile is in partition ${pv0.arn.partition}, and the IAM source describes ${info.partition}`);
    }
    if (!pv0.arn && model.region && info.partition && partitionOfRegion(model.region) !== info.partition) {
      return fail(`the cluster runs in ${model.region} (partition ${partitionOfRegion(model.region)}), and the IAM source describes partition ${info.partition}`);
    }
    if (pv0.arn && info.accountId && pv0.arn.account !== info.accountId) {
      const other = source.forAccount ? await source.forAccount(pv0.arn.account).catch((e) => ({ unavailable: reasonOf(e) })) : null;
      if (!other || 'unavailable' in other) {
        return fail(other ? other.unavailable : `the profile is in account ${pv0.arn.account}, and the IAM source (${info.label}) describes account ${info.accountId}`);
      }
      src = other;
    }
    r.source = src;
    const name = pv0.arn?.name ?? pv0.name!;
    const where = src.info().accountId ? ` in account ${src.info().accountId}` : '';
    let profile: IamInstanceProfile | null;
    try {
      profile = await src.getInstanceProfile(name);
    } catch (e) {
      return fail(reasonOf(e));
    }
    if (!profile && headDefaulted && name.toLowerCase() === defaultName.toLowerCase()) {
      // Ray creates the head's default profile during `ray up`, before any worker launches.
      const roleName = defaultName;
      let roleArn = `arn:${info.partition ?? 'aws'}:iam::${info.accountId ?? '000000000000'}:role/${roleName}`;
      try {
        roleArn = (await src.getRolePolicies(roleName))?.roleArn ?? roleArn;
      } catch {
        /* the default ARN is a fair guess */
      }
      card.status = 'ok';
      card.summary = `Ray creates it at \`ray up\` (the head's default profile)`;
      card.role = { name: roleName, arn: roleArn, trustsEc2: true };
      r.profile = { name, path: '/', arn: `arn:${info.partition ?? 'aws'}:iam::${info.accountId ?? '000000000000'}:instance-profile/${name}`, roles: [{ name: roleName, path: '/', arn: roleArn, trustPolicy: null }] };
      return;
    }
    if (!profile) {
      let hint = '';
      try {
        const asRole = await src.listInstanceProfilesForRole(name);
        if (asRole && asRole.length > 0) hint = `; a role of that name exists, in instance profile ${asRole[0].arn}`;
        else if (asRole) hint = '; a role of that name exists, but no instance profile contains it';
      } catch {
        /* the hint is optional */
      }
      const cov = src.info().coverage;
      card.status = 'not-found';
      if (cov && cov.roleDetails && !cov.profileList) {
        // A GAAD export lists profiles only under their roles: one without a role is not in it.
        card.summary = `not in the snapshot${where}; a profile without a role would not be listed there`;
        for (const u of r.uses) findings.push(at(u.pv, 'RG301', `The IAM snapshot has no instance profile named ${name}${where}${hint}. ${GAAD_ONLY_PROFILES}`));
        return;
      }
      card.summary = `no instance profile named ${name}${where}`;
      for (const u of r.uses) findings.push(at(u.pv, 'RG301', `IAM has no instance profile named ${name}${where}${hint}`));
      return;
    }
    if (pv0.arn && profile.arn !== pv0.arn.arn && profile.arn.toLowerCase() === pv0.arn.arn.toLowerCase()) {
      card.status = 'not-found';
      card.summary = `IAM spells it ${profile.arn}`;
      for (const u of r.uses) findings.push(at(u.pv, 'RG301', `This ARN differs from IAM's ${profile.arn} only in letter case; write it as IAM does`));
      return;
    }
    if (pv0.arn && profile.arn !== pv0.arn.arn) {
      card.status = 'not-found';
      card.summary = `exists as ${profile.arn} (different path)`;
      for (const u of r.uses) findings.push(at(u.pv, 'RG301', `IAM has no instance profile at this ARN${where}; a profile with that name exists as ${profile.arn} (check the path)`));
      return;
    }
    r.profile = profile;
    card.profile = { name: profile.name, arn: profile.arn };
    const role = profile.roles[0];
    if (!role) {
      card.status = 'no-role';
      card.summary = 'the profile carries no role';
      for (const u of r.uses) {
        findings.push(at(u.pv, 'RG302', `Instance profile ${profile.name} carries no role: nodes would start without AWS credentials. Add one with \`aws iam add-role-to-instance-profile\``));
      }
      return;
    }
    const trust = ec2CanAssume(role.trustPolicy);
    card.role = { name: role.name, arn: role.arn, trustsEc2: trust.trusted, ...(trust.trusted && trust.conditional ? { conditionalTrust: true } : {}) };
    if (!trust.trusted) {
      const svcs = trustedServices(role.trustPolicy);
      card.status = 'untrusted';
      card.summary = `role ${role.name} does not trust EC2`;
      for (const u of r.uses) {
        findings.push(at(u.pv, 'RG303', `Role ${role.name} in this profile does not trust EC2 (${trust.reason}${svcs.length ? `; it trusts ${svcs.join(', ')}` : ''}): allow ec2.amazonaws.com to sts:AssumeRole`));
      }
    } else {
      card.status = 'ok';
      card.summary = `role ${role.name}, trusts EC2`;
    }
    // Policies: the head's in full (its verdicts need the documents), and everyone's from a
    // snapshot (already in memory); for the others, live, the attached managed policies' names
    // are enough for RG306 (one call, not one per document).
    try {
      let pols: IamRolePolicies | null = null;
      if (card.isHead || src.info().kind !== 'live') {
        pols = await src.getRolePolicies(role.name);
      } else {
        const attached = await src.listAttachedPolicies(role.name);
        if (attached) pols = { roleArn: role.arn, policies: attached.map((a) => ({ kind: 'managed' as const, name: a.name, arn: a.arn, document: null })), permissionsBoundary: null };
      }
      if (!pols) {
        // The role vanished, or the snapshot does not hold it: the head's verdicts cannot come.
        if (card.isHead) card.unverifiedReason = noRolePolicies(src.info(), role.name);
      } else {
        card.policies = pols.policies.map((p) => ({ kind: p.kind, name: p.name, ...(p.arn ? { arn: p.arn } : {}), ...(card.isHead ? { readable: p.document !== null } : {}) }));
        if (pols.permissionsBoundary) card.permissionsBoundary = pols.permissionsBoundary.arn ?? pols.permissionsBoundary.name;
        const broad = broadAccess(pols);
        if (broad.length) {
          card.broadAccess = broad;
          for (const u of r.uses) {
            findings.push(at(u.pv, 'RG306', `Role ${role.name} has broad access (${broad.join(', ')}); ${card.isHead ? 'the head needs only the autoscaler\'s EC2 calls and iam:PassRole on the worker roles (the least-privilege policy: "Copy policy" in the IAM panel, or `rayguard policy`)' : 'grant workers only what the workload reads and writes'}`));
          }
        }
        if (card.isHead) policiesByCard.set(card.id, pols);
      }
    } catch (e) {
      card.unverifiedReason = `the policies of role ${role.name} could not be read (${reasonOf(e)})`;
      if (!card.isHead) {
        // The head's verdicts say it below (RG307 on the head); a worker's broad access, here.
        for (const u of r.uses) findings.push(at(u.pv, 'RG307', `Not verified whether role ${role.name} has broad access: ${card.unverifiedReason}`));
      }
    }
  };
  // Every card is sent again once its profile is checked, whatever the outcome.
  await pool([...byKey.values()], opts.concurrency ?? 4, async (r) => {
    await checkProfile(r);
    emit(r.card);
  });

  // The head: its profile's role, or Ray's default.
  const head = model.nodeTypes.find((n) => n.isHead) ?? null;
  const headResolved = [...byKey.values()].find((r) => r.card.isHead) ?? null;
  const launchTemplate = !!head && usesLaunchTemplate(model, head);
  const workers = [...byKey.values()].filter((r) => r.uses.some((u) => u.nodeType && !u.nodeType.isHead));
  let headCard: ProfileCard | null = headResolved?.card ?? null;
  let headPolicies: IamRolePolicies | null = headResolved ? policiesByCard.get(headResolved.card.id) ?? null : null;
  let headRoleArn = headResolved?.profile?.roles[0]?.arn ?? null;
  let headSource: IamSource = headResolved?.source ?? source;
  const account = info.accountId ?? headResolved?.uses[0].pv.arn?.account ?? null;
  const partition = info.partition ?? headResolved?.uses[0].pv.arn?.partition ?? (model.region ? partitionOfRegion(model.region) : 'aws');

  if (head && !effectiveProfile(model, head) && !launchTemplate) {
    const def = await defaultProfile(model, source, info);
    headCard = def.card;
    headPolicies = def.policies;
    headRoleArn = def.roleArn;
    headSource = source;
    emit(def.card);
    findings.push({
      ruleId: 'RG309', start: head.keyRange[0], end: head.keyRange[1], yamlPath: head.path, message: def.message,
    });
    if (def.broad.length) {
      findings.push({
        ruleId: 'RG306', start: head.keyRange[0], end: head.keyRange[1], yamlPath: head.path,
        message: `Ray's default head profile ${def.card.ref} ${def.created ? 'would be created with' : 'has'} ${def.broad.join(' and ')}: every cluster in the account shares it. Give the head its own profile with the least-privilege policy (IAM panel)`,
      });
    }
  }

  const headUses = headResolved?.uses.filter((u) => u.nodeType?.isHead) ?? [];
  /** On the values that name the profile, else on the head node type's key. */
  const place = (uses: Use[], ruleId: string, message: string, severity?: RawFinding['severity']): RawFinding[] =>
    uses.length || !head
      ? uses.map((u) => at(u.pv, ruleId, message, severity))
      : [{ ruleId, start: head.keyRange[0], end: head.keyRange[1], yamlPath: head.path, message, ...(severity ? { severity } : {}) }];

  const gaps: string[] = [];
  let policy: PolicyDocument | null = null;
  if (head && account) {
    const questions = headQuestions(model, account, partition, { launchTemplate });
    const passRoles: Array<{ arn: string; profileArn?: string; nodeTypes: string[]; uses: Use[] }> = [];
    const addPass = (arn: string, profileArn: string | undefined, nts: string[], uses: Use[]) => {
      const same = passRoles.find((p) => p.arn === arn);
      if (same) {
        same.nodeTypes.push(...nts);
        same.uses.push(...uses);
      } else passRoles.push({ arn, profileArn, nodeTypes: nts, uses });
    };
    for (const w of workers) {
      const roleArn = w.profile?.roles[0]?.arn;
      const workerUses = w.uses.filter((u) => u.nodeType && !u.nodeType.isHead);
      const nts = workerUses.map((u) => u.nodeType!.name);
      if (!roleArn) gaps.push(`${w.card.ref} (${nts.join(', ')}): its role is not known`);
      else addPass(roleArn, w.profile?.arn, nts, workerUses);
    }
    // A head node type with max_workers > 0 also launches workers of its own type, with its own role.
    if (headLaunchesItself(model, head)) {
      if (headRoleArn) addPass(headRoleArn, headResolved?.profile?.arn, [`${head.name} (as workers)`], headResolved?.uses.filter((u) => u.nodeType?.isHead) ?? []);
      else gaps.push(`${head.name}: it also launches workers of its own type, and its role is not known`);
    }
    // The policy needs only the account and the worker roles: it comes even when the head's own
    // profile cannot be resolved (a role ARN, a launch template), which is when it is needed most.
    policy = leastPrivilegePolicy(questions, passRoles.map((p) => p.arn), model.region, cfg(model).clusterName);

    if (headCard && headPolicies && headRoleArn && (headCard.status === 'ok' || headCard.defaulted)) {
      const region = model.region ?? 'us-west-2';
      const all: HeadQuestion[] = [
        ...questions,
        ...passRoles.map((p) => ({
          action: 'iam:PassRole', resources: [p.arn], purpose: `launch ${p.nodeTypes.join(', ')} with its instance profile`,
          context: { 'iam:PassedToService': 'ec2.amazonaws.com', 'aws:RequestedRegion': region } as Record<string, string | string[]>,
        })),
      ];
      const verdicts = await decide(headSource, headRoleArn, headPolicies, all, !!headCard.defaulted);
      verdicts.forEach((v, i) => {
        if (v.action === 'iam:PassRole') v.nodeTypes = passRoles.find((p) => p.arn === all[i].resources[0])?.nodeTypes;
      });
      headCard.verdicts = verdicts;
      emit(headCard);
      const roleName = headCard.role?.name ?? headRoleArn.split('/').pop();
      const ec2 = verdicts.filter((v) => v.action !== 'iam:PassRole');
      const denied = ec2.filter((v) => v.decision === 'implicit-deny' || v.decision === 'explicit-deny');
      const maybe = ec2.filter((v) => v.decision === 'maybe');
      const by = verdicts[0]?.evaluator === 'iam' ? 'IAM\'s policy simulator' : 'the local policy evaluator';
      if (denied.length) {
        findings.push(...place(headUses, 'RG304', `The head role ${roleName} may not ${listVerdicts(denied, (v) => `${v.action} (to ${v.purpose})`)}. Ray's autoscaler makes these calls (answered by ${by}); the least-privilege policy for this config: "Copy policy" in the IAM panel, or \`rayguard policy\``));
      }
      if (maybe.length) {
        findings.push(...place(headUses, 'RG304', `Maybe: it cannot be decided here whether the head role ${roleName} may make ${maybe.length === 1 ? 'this call' : 'these calls'} (answered by ${by}): ${listVerdicts(maybe, (v) => v.action)}`, 'warning'));
      }
      for (const p of passRoles) {
        const v = verdicts.find((x) => x.action === 'iam:PassRole' && x.resource === p.arn)!;
        if (v.decision === 'allowed') continue;
        const onProfile = p.profileArn ? passRoleNamesProfile(headPolicies, p.profileArn) : null;
        const msg = v.decision === 'maybe'
          ? `Maybe: it cannot be decided here whether the head role ${roleName} may iam:PassRole ${p.arn}: ${verdictWords(v)} (answered by ${by})`
          : `The head role ${roleName} may not iam:PassRole the role ${p.arn} (${onProfile ? `its policy ${onProfile} allows PassRole on the instance-profile ARN ${p.profileArn}, but PassRole takes the role's ARN` : verdictWords(v)}), so launching ${p.nodeTypes.join(', ')} fails with UnauthorizedOperation. Allow iam:PassRole on the role ARN (not the profile ARN)${headCard.defaulted ? '; Ray\'s default profile does not grant it' : ''}`;
        findings.push(...place(p.uses, 'RG305', msg, v.decision === 'maybe' ? 'warning' : undefined));
      }
    }
  }

  // The head's profile is fine (or Ray's default), yet no verdict came: say why, never nothing.
  if (head && headCard && !headCard.verdicts && (headCard.status === 'ok' || headCard.defaulted)) {
    const why = headCard.unverifiedReason
      ?? (!account ? 'the AWS account is not known (give the profile as an ARN, or use an IAM source with an account id)' : 'the head role is not known');
    if (!headCard.unverifiedReason) {
      headCard.unverifiedReason = why;
      emit(headCard);
    }
    const roleName = headCard.role?.name ?? headRoleArn?.split('/').pop();
    const whose = headCard.defaulted ? `Ray's default head profile ${headCard.ref}` : `the head role${roleName ? ` ${roleName}` : ''}`;
    findings.push(...place(headUses, 'RG307', `Not verified: what ${whose} may do (the calls Ray's autoscaler makes, iam:PassRole of the worker roles): ${why}`));
  }

  const cards = [...byKey.values()].map((r) => r.card);
  if (headCard && headCard.defaulted) cards.unshift(headCard);
  // Names and reasons come from IAM (policy names, Sids, condition keys, endpoint errors): a
  // credential pasted there is masked like one in the config.
  for (const f of findings) f.message = maskDetectedSecrets(f.message);
  return { source: info, cards: cards.map(maskCard), findings, policy, policyGaps: gaps.map(maskDetectedSecrets) };
}

function maskCard(c: ProfileCard): ProfileCard {
  return JSON.parse(JSON.stringify(c), (_k, v: unknown) => (typeof v === 'string' ? maskDetectedSecrets(v) : v)) as ProfileCard;
}

/** "a, b and c". */
function andList(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/**
 * The verdicts in words, one clause per reason: "A (to x) and B (to y): no statement allows it;
 * C (to z) on image/* and subnet/*: no statement allows it; D on instance/*: IAM needs k to decide,
 * and on image/*: policy p could not be read".
 */
function listVerdicts(vs: ActionVerdict[], label: (v: ActionVerdict) => string): string {
  const clauses: string[] = [];
  const byReason = new Map<string, ActionVerdict[]>();
  for (const v of vs) {
    if (v.scopes?.length) {
      clauses.push(`${label(v)} ${v.scopes.map((sc) => `on ${andList(sc.resources)}: ${sc.reasons.join('; ')}`).join(', and ')}`);
    } else {
      const why = verdictWords(v);
      byReason.set(why, [...(byReason.get(why) ?? []), v]);
    }
  }
  return [...[...byReason].map(([why, g]) => `${andList(g.map(label))}: ${why}`), ...clauses].join('; ');
}

const RANK: Record<Decision, number> = { allowed: 0, maybe: 1, 'implicit-deny': 2, 'explicit-deny': 3 };

/** The worst of a question's per-resource answers, with the resource it failed on. */
function aggregate(q: HeadQuestion, evaluator: Evaluator, per: Array<{ resource: string; decision: Decision; reasons: string[] }>): ActionVerdict {
  const worst = per.reduce((a, b) => (RANK[b.decision] > RANK[a.decision] ? b : a), per[0]);
  const failing = per.filter((x) => x.decision !== 'allowed');
  const groups = new Map<string, { resources: string[]; reasons: string[] }>();
  for (const x of failing) {
    const rs = [...new Set(x.reasons.length ? x.reasons : [x.decision === 'explicit-deny' ? 'explicitly denied' : x.decision === 'implicit-deny' ? 'no statement allows it' : 'undecided'])];
    const key = rs.join('\n');
    const g = groups.get(key) ?? { resources: [], reasons: rs };
    g.resources.push(resourceType(x.resource));
    groups.set(key, g);
  }
  const out: ActionVerdict = { action: q.action, resource: worst.decision === 'allowed' ? q.resources[0] : worst.resource, purpose: q.purpose, decision: worst.decision, evaluator, reasons: [] };
  // Failing alike on every resource it is asked on: the reasons need no "on …".
  const alike = groups.size === 1 && failing.length === per.length;
  if (q.resources.length > 1 && failing.length > 0 && !alike) {
    out.scopes = [...groups.values()];
    out.reasons = out.scopes.map((g) => `on ${andList(g.resources)}: ${g.reasons.join('; ')}`);
  } else {
    out.reasons = [...groups.values()].flatMap((g) => g.reasons);
  }
  return out;
}

/** `instance/*` from `arn:aws:ec2:us-west-2:1234:instance/*`. */
function resourceType(arn: string): string {
  const i = arn.lastIndexOf(':');
  return i >= 0 ? arn.slice(i + 1) : arn;
}

/** IAM's evaluator when the source has one and may use it, else the local evaluator. */
async function decide(
  source: IamSource,
  roleArn: string,
  policies: IamRolePolicies,
  questions: HeadQuestion[],
  hypothetical: boolean,
): Promise<ActionVerdict[]> {
  const pairs = questions.flatMap((q, qi) => q.resources.map((resource) => ({ qi, q, resource })));
  if (source.simulate && !hypothetical) {
    try {
      const answers = await source.simulate(roleArn, pairs.map(({ q, resource }) => ({ action: q.action, resource, context: q.context })));
      if (answers && answers.length === pairs.length) {
        return questions.map((q, qi) => aggregate(q, 'iam', pairs.flatMap((p, i) => {
          if (p.qi !== qi) return [];
          const a = answers[i];
          const maybe = a.missingContext.length > 0 && a.decision !== 'allowed';
          return [{ resource: p.resource, decision: maybe ? 'maybe' as const : a.decision, reasons: maybe ? [`IAM needs ${a.missingContext.join(', ')} to decide`] : [] }];
        })));
      }
    } catch {
      /* fall back to the local evaluator */
    }
  }
  const snapshotKind = source.info().kind !== 'live';
  const identity = policies.policies.map((p) => ({ name: p.name, document: p.document }));
  const boundary = policies.permissionsBoundary ? { name: policies.permissionsBoundary.name, document: policies.permissionsBoundary.document } : null;
  const unreadable: Array<[string, string]> = [
    ...policies.policies.filter((p) => p.unreadable).map((p): [string, string] => [`policy ${p.name}`, p.unreadable!]),
    ...(policies.permissionsBoundary?.unreadable ? [[`permissions boundary ${policies.permissionsBoundary.name}`, policies.permissionsBoundary.unreadable] as [string, string]] : []),
  ];
  return questions.map((q) => aggregate(q, 'local', q.resources.map((resource) => {
    const req = { action: q.action, resource, context: q.context, ...(q.absent ? { absentKeys: q.absent } : {}) };
    const r = evaluate(req, identity, boundary);
    let reasons = r.reasons;
    // Denied only by the boundary: say so (the identity policies do allow it).
    if (boundary && r.decision === 'implicit-deny' && evaluate(req, identity, null).decision === 'allowed') {
      reasons = [`the permissions boundary ${boundary.name} does not allow it (the role's policies do)`];
    }
    // A document IAM refused to give: say which call and why.
    if (unreadable.length) reasons = reasons.map((x) => unreadable.reduce((acc, [what, why]) => (acc === `${what} could not be read` ? `${acc} (${why})` : acc), x));
    // A snapshot without a managed policy's document: say where it is missing, not "unreadable".
    if (snapshotKind) reasons = reasons.map((x) => x.replace(/could not be read/, 'has no document in the snapshot (export it with `--filter AWSManagedPolicy` or attach its document)'));
    return { resource, decision: r.decision, reasons };
  })));
}

/** The policy of the head's that allows iam:PassRole on an instance-profile ARN (a common mistake), or null. */
function passRoleNamesProfile(p: IamRolePolicies, profileArn: string): string | null {
  for (const pol of p.policies) {
    for (const st of statements(pol.document)) {
      if (st.Effect !== 'Allow') continue;
      const actions = [st.Action ?? []].flat().filter((a): a is string => typeof a === 'string');
      const resources = [st.Resource ?? []].flat().filter((r): r is string => typeof r === 'string');
      if (actions.some((a) => iamGlob(a, 'iam:PassRole', true)) && resources.some((r) => r.includes(':instance-profile/') && iamGlob(r, profileArn, false))) {
        return pol.name;
      }
    }
  }
  return null;
}

/**
 * The least-privilege head-role policy: the autoscaler's EC2 calls and PassRole on exactly the
 * worker roles. Calls on existing nodes are limited to this cluster's nodes (Ray tags every node it
 * launches with `ray-cluster-name`), everything to the cluster's region.
 */
export function leastPrivilegePolicy(questions: Array<{ action: string }>, workerRoleArns: string[], region: string | null, clusterName: string | null = null): PolicyDocument {
  const actions = new Set(questions.map((q) => q.action));
  const inRegion = region ? { 'aws:RequestedRegion': region } : null;
  const cond = (extra: Record<string, string> | null) => {
    const all = { ...(inRegion ?? {}), ...(extra ?? {}) };
    return Object.keys(all).length ? { Condition: { StringEquals: all } } : {};
  };
  const pick = (names: string[]) => names.filter((a) => actions.has(a));
  const out: NonNullable<PolicyDocument['Statement']> & object[] = [];
  const describe = pick(['ec2:DescribeInstances', 'ec2:DescribeImages']);
  if (describe.length) out.push({ Sid: 'RayDescribe', Effect: 'Allow', Action: describe, Resource: '*', ...cond(null) });
  out.push({ Sid: 'RayLaunch', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', ...cond(null) });
  out.push({ Sid: 'RayTagAtLaunch', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', ...cond({ 'ec2:CreateAction': 'RunInstances' }) });
  const manage = pick(['ec2:CreateTags', 'ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances']);
  out.push({ Sid: 'RayManageClusterNodes', Effect: 'Allow', Action: manage, Resource: '*', ...cond(clusterName ? { 'ec2:ResourceTag/ray-cluster-name': clusterName } : null) });
  if (workerRoleArns.length) {
    out.push({
      Sid: 'RayPassWorkerRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: workerRoleArns.length === 1 ? workerRoleArns[0] : workerRoleArns,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }
  return { Version: '2012-10-17', Statement: out };
}

/**
 * Instance profiles that would serve as this config's head profile: the role trusts EC2, may make
 * every call Ray's autoscaler makes and pass the config's worker roles, and has no broad access.
 * Head-named profiles first. At most `max` candidates are examined (each costs a few IAM calls).
 */
export async function suitableHeadProfiles(ctx: RuleContext, source: IamSource, max = 25): Promise<IamInstanceProfile[]> {
  const model = ctx.model;
  const info = source.info();
  const head = model?.nodeTypes.find((n) => n.isHead);
  if (!model || !head || !info.accountId) return [];
  const partition = info.partition ?? 'aws';
  const workerRoles = new Set<string>();
  for (const pv of profileValues(ctx)) {
    if (!isEffective(pv) || pv.ref.nodeType?.isHead || !(pv.arn || pv.name)) continue;
    try {
      const role = (await source.getInstanceProfile(pv.arn?.name ?? pv.name!))?.roles[0]?.arn;
      if (role) workerRoles.add(role);
    } catch {
      /* an unknown worker role: the candidates cannot be judged on it */
    }
  }
  const region = model.region ?? 'us-west-2';
  const questions = headQuestions(model, info.accountId, partition, { launchTemplate: usesLaunchTemplate(model, head) });
  let all: IamInstanceProfile[];
  try {
    all = await source.listInstanceProfiles();
  } catch {
    return [];
  }
  const out: IamInstanceProfile[] = [];
  for (const p of all.filter((x) => x.roles[0] && ec2CanAssume(x.roles[0].trustPolicy).trusted).slice(0, max)) {
    const role = p.roles[0];
    let pols: IamRolePolicies | null = null;
    try {
      pols = await source.getRolePolicies(role.name);
    } catch {
      continue;
    }
    if (!pols || broadAccess(pols).length > 0) continue;
    const passes = [...workerRoles, ...(headLaunchesItself(model, head) ? [role.arn] : [])];
    const qs: HeadQuestion[] = [
      ...questions,
      ...passes.map((arn) => ({ action: 'iam:PassRole', resources: [arn], purpose: 'pass a worker role', context: { 'iam:PassedToService': 'ec2.amazonaws.com', 'aws:RequestedRegion': region } })),
    ];
    const verdicts = await decide(source, role.arn, pols, qs, false);
    if (verdicts.every((v) => v.decision === 'allowed')) out.push(p);
  }
  const headish = (p: IamInstanceProfile) => (/head/i.test(p.name) ? 0 : 1);
  return out.sort((a, b) => headish(a) - headish(b));
}

/** The name of Ray's default head profile and role for this config. */
export function defaultProfileName(model: ConfigModel): string {
  return cfg(model).cloudwatch ? DEFAULT_PROFILE_CLOUDWATCH : DEFAULT_PROFILE;
}

/**
 * The policies Ray attaches when it creates its default role: AmazonEC2FullAccess and
 * AmazonS3FullAccess; with the CloudWatch agent also CloudWatchAgentAdminPolicy,
 * AmazonSSMManagedInstanceCore and its own `CloudwatchManagedPolicies` (SSM commands and
 * iam:PassRole on `*`).
 */
function rayCreatedPolicies(partition: string, account: string, cloudwatch: boolean): IamPolicy[] {
  const aws = (n: string) => `arn:${partition}:iam::aws:policy/${n}`;
  const managed = [...RAY_DEFAULT_POLICIES, ...(cloudwatch ? ['CloudWatchAgentAdminPolicy', 'AmazonSSMManagedInstanceCore'] : [])];
  const out: IamPolicy[] = managed.map((n) => ({ kind: 'managed', name: n, arn: aws(n), document: knownAwsManagedPolicy(aws(n)) }));
  if (cloudwatch) {
    out.push({
      kind: 'managed', name: 'CloudwatchManagedPolicies', arn: `arn:${partition}:iam::${account}:policy/CloudwatchManagedPolicies`,
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:SendCommand', 'ssm:ListCommandInvocations', 'iam:PassRole'], Resource: '*' }] },
    });
  }
  return out;
}

/**
 * What Ray will use for a head with no profile (ray-aws facts §2): the profile `ray-autoscaler-v1`
 * (`ray-autoscaler-cloudwatch-v1` with the CloudWatch agent). A profile with a role is reused as
 * it is. Otherwise Ray creates what is missing: the profile; and the role of the same name, with
 * its policies, only if no such role exists (an existing role is added as it is).
 */
async function defaultProfile(model: ConfigModel, source: IamSource, info: IamSourceInfo) {
  const name = defaultProfileName(model);
  const { cloudwatch } = cfg(model);
  const where = info.accountId ? `account ${info.accountId}` : info.label;
  const partition = info.partition ?? 'aws';
  const account = info.accountId ?? '000000000000';
  const card: ProfileCard = {
    id: `default:${name}`, ref: name, nodeTypes: [model.headNodeType], isHead: true, defaulted: true,
    status: 'ok', summary: '', account: info.accountId,
  };
  const listPolicies = (pols: IamRolePolicies) =>
    pols.policies.map((p) => ({ kind: p.kind, name: p.name, ...(p.arn ? { arn: p.arn } : {}), readable: p.document !== null }));
  const unverified = (e: unknown) => {
    card.status = 'unverified';
    card.unverifiedReason = reasonOf(e);
    card.summary = `not verified: ${card.unverifiedReason}`;
    return {
      card, policies: null, roleArn: null, created: false, broad: [] as string[],
      message: `The head names no instance profile: Ray will use or create \`${name}\` (with ${RAY_DEFAULT_POLICIES.join(' and ')} when it creates its role). Not verified in ${where}: ${card.unverifiedReason}`,
    };
  };
  let profile: IamInstanceProfile | null;
  try {
    profile = await source.getInstanceProfile(name);
  } catch (e) {
    return unverified(e);
  }
  if (profile) card.profile = { name: profile.name, arn: profile.arn };
  const role = profile?.roles[0];
  if (profile && role) {
    const trust = ec2CanAssume(role.trustPolicy);
    card.role = { name: role.name, arn: role.arn, trustsEc2: trust.trusted };
    let pols: IamRolePolicies | null = null;
    try {
      pols = await source.getRolePolicies(role.name);
      if (!pols) card.unverifiedReason = noRolePolicies(info, role.name);
    } catch (e) {
      card.unverifiedReason = `the policies of role ${role.name} could not be read (${reasonOf(e)})`;
    }
    card.policies = pols ? listPolicies(pols) : undefined;
    card.broadAccess = pols ? broadAccess(pols) : [];
    card.status = trust.trusted ? 'ok' : 'untrusted';
    card.summary = `exists, with role ${role.name}${trust.trusted ? '' : ' (which does not trust EC2)'}; Ray will reuse it as it is`;
    const polNames = pols?.policies.map((p) => p.name) ?? [];
    return {
      card, policies: pols, roleArn: role.arn, created: false, broad: card.broadAccess,
      message: `The head names no instance profile: Ray will reuse \`${name}\` from ${where}, with role ${role.name}${polNames.length ? ` (${polNames.join(', ')})` : ' (no policies)'}; Ray does not check or change its policies${trust.trusted ? '' : '. Its role does not trust EC2, so the head would start without credentials'}`,
    };
  }
  // The profile is missing or empty: Ray adds the role of the same name, creating it if needed.
  let existing: IamRolePolicies | null;
  try {
    existing = await source.getRolePolicies(name);
  } catch (e) {
    return unverified(e);
  }
  // A snapshot without roles cannot tell whether the role exists (and so what Ray would do).
  if (!existing && info.coverage && !info.coverage.roleDetails) return unverified(new IamUnavailableError(noRolePolicies(info, name)));
  const profileWords = profile ? `the profile \`${name}\` exists without a role` : `${where} has no instance profile \`${name}\``;
  if (existing) {
    card.role = { name, arn: existing.roleArn, trustsEc2: true };
    card.policies = listPolicies(existing);
    card.broadAccess = broadAccess(existing);
    card.summary = `${profileWords}; Ray will ${profile ? '' : 'create it and '}add the existing role ${name}, with its current policies`;
    return {
      card, policies: existing, roleArn: existing.roleArn, created: false, broad: card.broadAccess,
      message: `The head names no instance profile: ${profileWords}, so on \`ray up\` Ray will ${profile ? '' : 'create it and '}add the existing role \`${name}\` to it as it is (Ray attaches no policy to a role it did not create)`,
    };
  }
  const pols: IamRolePolicies = { roleArn: `arn:${partition}:iam::${account}:role/${name}`, policies: rayCreatedPolicies(partition, account, cloudwatch), permissionsBoundary: null };
  const names = pols.policies.map((p) => p.name);
  card.summary = `${profileWords} and no role of that name: Ray will create ${profile ? 'the role' : 'both'} with ${names.join(', ')}`;
  card.role = { name, arn: pols.roleArn, trustsEc2: true };
  card.policies = listPolicies(pols);
  card.broadAccess = broadAccess(pols);
  return {
    card, policies: pols, roleArn: pols.roleArn, created: true, broad: card.broadAccess,
    message: `The head names no instance profile: ${profileWords} and no role of that name, so on \`ray up\` Ray will create ${profile ? 'the role' : 'the profile and the role'} \`${name}\` (trusting EC2) with ${names.join(', ')}, shared by every cluster in the account${cloudwatch ? '' : '. It grants no iam:PassRole, so worker node types with their own profiles cannot be launched'}`,
  };
}
