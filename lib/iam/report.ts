import { partitionOfRegion } from '../arn/index';
import { asMap, get, scalarString } from '../config/nodes';
import { effectiveProfile, usesLaunchTemplate, type ConfigModel, type NodeType } from '../config/walk';
import { isEffective, profileValues, type ProfileValue } from '../rules/profile-value';
import type { RawFinding, RuleContext } from '../rules/types';
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

function cfg(model: ConfigModel) {
  const provider = model.provider;
  const cache = provider ? get(model.doc, provider, 'cache_stopped_nodes') : undefined;
  const cacheStopped = cache ? (scalarString(cache.value as never) ?? 'true').toLowerCase() !== 'false' : true;
  const cw = provider ? asMap(get(model.doc, provider, 'cloudwatch')?.value as never) : null;
  const agent = cw ? asMap(get(model.doc, cw, 'agent')?.value as never) : null;
  const cloudwatch = !!(agent && get(model.doc, agent, 'config'));
  const nameEntry = get(model.doc, model.root, 'cluster_name');
  const clusterName = nameEntry ? scalarString(nameEntry.value as never) : null;
  return { cacheStopped, cloudwatch, clusterName };
}

/** The calls Ray's autoscaler makes from the head, with the resources it makes them on. */
export function headQuestions(
  model: ConfigModel,
  account: string,
  partition: string,
  opts: { launchTemplate: boolean },
): Array<{ action: string; resource: string; purpose: string; context: Record<string, string | string[]> }> {
  const region = model.region ?? 'us-west-2';
  const { cacheStopped, cloudwatch, clusterName } = cfg(model);
  const instance = `arn:${partition}:ec2:${region}:${account}:instance/*`;
  const base: Record<string, string | string[]> = { 'aws:RequestedRegion': region, 'ec2:Region': region };
  const tagged: Record<string, string | string[]> = clusterName
    ? { ...base, 'ec2:ResourceTag/ray-cluster-name': clusterName, 'aws:ResourceTag/ray-cluster-name': clusterName }
    : base;
  const requestTags: Record<string, string | string[]> = clusterName ? { ...base, 'aws:RequestTag/ray-cluster-name': clusterName } : base;
  const out = [
    { action: 'ec2:DescribeInstances', resource: '*', purpose: 'list and watch the cluster\'s nodes', context: base },
    { action: 'ec2:RunInstances', resource: instance, purpose: 'launch worker nodes', context: requestTags },
    { action: 'ec2:CreateTags', resource: instance, purpose: 'tag nodes at launch and as they change state', context: requestTags },
    { action: 'ec2:TerminateInstances', resource: instance, purpose: 'remove idle nodes', context: tagged },
  ];
  if (opts.launchTemplate) {
    out.push({ action: 'ec2:RunInstances', resource: `arn:${partition}:ec2:${region}:${account}:launch-template/*`, purpose: 'launch from the node type\'s launch template', context: requestTags });
  }
  if (cacheStopped) {
    out.push(
      { action: 'ec2:StopInstances', resource: instance, purpose: 'stop idle nodes for reuse (cache_stopped_nodes is true by default)', context: tagged },
      { action: 'ec2:StartInstances', resource: instance, purpose: 'restart stopped nodes (cache_stopped_nodes)', context: tagged },
    );
  }
  if (cloudwatch) out.push({ action: 'ec2:DescribeImages', resource: '*', purpose: 'check the AMI for the CloudWatch agent', context: base });
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

/** Broad access: AdministratorAccess, PowerUserAccess, *FullAccess, or an inline Allow of `*` on `*`. */
function broadAccess(p: IamRolePolicies): string[] {
  const out: string[] = [];
  for (const pol of p.policies) {
    if (pol.kind === 'managed' && pol.arn && isBroadManagedPolicy(pol.arn)) out.push(pol.name);
    else if (
      statements(pol.document).some((s) => s.Effect === 'Allow' && !s.Condition && [s.Action].flat().includes('*') && [s.Resource].flat().includes('*'))
    ) {
      out.push(`${pol.name} (allows * on *)`);
    }
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
  const emit = (c: ProfileCard) => opts.onCard?.({ ...c });
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
    if (!profile) {
      let hint = '';
      try {
        const asRole = await src.listInstanceProfilesForRole(name);
        if (asRole && asRole.length > 0) hint = `; a role of that name exists, in instance profile ${asRole[0].arn}`;
        else if (asRole) hint = '; a role of that name exists, but no instance profile contains it';
      } catch {
        /* the hint is optional */
      }
      card.status = 'not-found';
      card.summary = `no instance profile named ${name}${where}`;
      for (const u of r.uses) findings.push(at(u.pv, 'RG301', `IAM has no instance profile named ${name}${where}${hint}`));
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
    // Policies: the head's in full (its verdicts need the documents); for the others, the attached
    // managed policies' names are enough for RG306 (one call, not one per document).
    try {
      let pols: IamRolePolicies | null = null;
      if (card.isHead) {
        pols = await src.getRolePolicies(role.name);
      } else {
        const attached = await src.listAttachedPolicies(role.name);
        if (attached) pols = { roleArn: role.arn, policies: attached.map((a) => ({ kind: 'managed' as const, name: a.name, arn: a.arn, document: null })), permissionsBoundary: null };
      }
      if (pols) {
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
      if (card.isHead) card.unverifiedReason = reasonOf(e);
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

  const gaps: string[] = [];
  let policy: PolicyDocument | null = null;
  if (headCard && account) {
    const questions = headQuestions(model, account, partition, { launchTemplate });
    const passRoles: Array<{ arn: string; profileArn?: string; nodeTypes: string[]; uses: Use[] }> = [];
    for (const w of workers) {
      const roleArn = w.profile?.roles[0]?.arn;
      const nts = w.uses.filter((u) => u.nodeType && !u.nodeType.isHead).map((u) => u.nodeType!.name);
      if (!roleArn) {
        gaps.push(`${w.card.ref} (${nts.join(', ')}): its role is not known`);
        continue;
      }
      const same = passRoles.find((p) => p.arn === roleArn);
      if (same) {
        same.nodeTypes.push(...nts);
        same.uses.push(...w.uses.filter((u) => u.nodeType && !u.nodeType.isHead));
      } else passRoles.push({ arn: roleArn, profileArn: w.profile?.arn, nodeTypes: nts, uses: w.uses.filter((u) => u.nodeType && !u.nodeType.isHead) });
    }
    policy = leastPrivilegePolicy(questions, passRoles.map((p) => p.arn), model.region);

    if (headPolicies && headRoleArn && (headCard.status === 'ok' || headCard.defaulted)) {
      const region = model.region ?? 'us-west-2';
      const all = [
        ...questions,
        ...passRoles.map((p) => ({
          action: 'iam:PassRole', resource: p.arn, purpose: `launch ${p.nodeTypes.join(', ')} with its instance profile`,
          context: { 'iam:PassedToService': 'ec2.amazonaws.com', 'aws:RequestedRegion': region } as Record<string, string | string[]>,
        })),
      ];
      const verdicts = await decide(headSource, headRoleArn, headPolicies, all, !!headCard.defaulted);
      verdicts.forEach((v, i) => {
        if (v.action === 'iam:PassRole') v.nodeTypes = passRoles.find((p) => p.arn === all[i].resource)?.nodeTypes;
      });
      headCard.verdicts = verdicts;
      emit(headCard);
      const headUses = headResolved?.uses.filter((u) => u.nodeType?.isHead) ?? [];
      const headAt = (ruleId: string, message: string, severity?: RawFinding['severity']): RawFinding[] =>
        headUses.length
          ? headUses.map((u) => at(u.pv, ruleId, message, severity))
          : head ? [{ ruleId, start: head.keyRange[0], end: head.keyRange[1], yamlPath: head.path, message, ...(severity ? { severity } : {}) }] : [];
      const roleName = headCard.role?.name ?? headRoleArn.split('/').pop();
      const ec2 = verdicts.filter((v) => v.action !== 'iam:PassRole');
      const denied = ec2.filter((v) => v.decision === 'implicit-deny' || v.decision === 'explicit-deny');
      const maybe = ec2.filter((v) => v.decision === 'maybe');
      const by = verdicts[0]?.evaluator === 'iam' ? 'IAM\'s policy simulator' : 'the local policy evaluator';
      if (denied.length) {
        findings.push(...headAt('RG304', `The head role ${roleName} may not call ${denied.map((v) => `${v.action} (to ${v.purpose}: ${verdictWords(v)})`).join(', ')}; Ray's autoscaler needs them (answered by ${by}). The least-privilege policy for this config: "Copy policy" in the IAM panel, or \`rayguard policy\``));
      }
      if (maybe.length) {
        findings.push(...headAt('RG304', `Maybe: whether the head role ${roleName} may call ${maybe.map((v) => `${v.action} (${verdictWords(v)})`).join(', ')} depends on what is only known at run time (answered by ${by})`, 'warning'));
      }
      for (const p of passRoles) {
        const v = verdicts.find((x) => x.action === 'iam:PassRole' && x.resource === p.arn)!;
        if (v.decision === 'allowed') continue;
        const onProfile = p.profileArn ? passRoleNamesProfile(headPolicies, p.profileArn) : null;
        const msg = v.decision === 'maybe'
          ? `Maybe: whether the head role ${roleName} may iam:PassRole ${p.arn} depends on ${verdictWords(v)} (answered by ${by})`
          : `The head role ${roleName} may not iam:PassRole this worker's role ${p.arn} (${onProfile ? `its policy ${onProfile} allows PassRole on the instance-profile ARN ${p.profileArn}, but PassRole takes the role's ARN` : verdictWords(v)}), so launching ${p.nodeTypes.join(', ')} fails with UnauthorizedOperation. Allow iam:PassRole on the role ARN (not the profile ARN)${headCard.defaulted ? '; Ray\'s default profile never grants it' : ''}`;
        for (const u of p.uses) findings.push(at(u.pv, 'RG305', msg, v.decision === 'maybe' ? 'warning' : undefined));
      }
    }
  }

  const cards = [...byKey.values()].map((r) => r.card);
  if (headCard && headCard.defaulted) cards.unshift(headCard);
  return { source: info, cards, findings, policy, policyGaps: gaps };
}

/** IAM's evaluator when the source has one and may use it, else the local evaluator. */
async function decide(
  source: IamSource,
  roleArn: string,
  policies: IamRolePolicies,
  questions: Array<{ action: string; resource: string; purpose: string; context: Record<string, string | string[]> }>,
  hypothetical: boolean,
): Promise<ActionVerdict[]> {
  if (source.simulate && !hypothetical) {
    try {
      const answers = await source.simulate(roleArn, questions.map(({ action, resource, context }) => ({ action, resource, context })));
      if (answers && answers.length === questions.length) {
        return questions.map((q, i) => {
          const a = answers[i];
          const maybe = a.missingContext.length > 0 && a.decision !== 'allowed';
          return {
            action: q.action, resource: q.resource, purpose: q.purpose, evaluator: 'iam' as const,
            decision: maybe ? 'maybe' : a.decision,
            reasons: maybe ? [`IAM needs ${a.missingContext.join(', ')} to decide`] : [],
          };
        });
      }
    } catch {
      /* fall back to the local evaluator */
    }
  }
  const identity = policies.policies.map((p) => ({ name: p.name, document: p.document }));
  const boundary = policies.permissionsBoundary ? { name: policies.permissionsBoundary.name, document: policies.permissionsBoundary.document } : null;
  return questions.map((q) => {
    const r = evaluate({ action: q.action, resource: q.resource, context: q.context }, identity, boundary);
    return { action: q.action, resource: q.resource, purpose: q.purpose, evaluator: 'local' as const, decision: r.decision, reasons: r.reasons };
  });
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

/** The least-privilege head-role policy: the autoscaler's EC2 calls and PassRole on exactly the worker roles. */
export function leastPrivilegePolicy(
  questions: Array<{ action: string }>,
  workerRoleArns: string[],
  region: string | null,
): PolicyDocument {
  const actions = [...new Set(questions.map((q) => q.action))];
  const ec2: PolicyDocument['Statement'] = {
    Sid: 'RayAutoscalerEc2',
    Effect: 'Allow',
    Action: actions,
    Resource: '*',
    ...(region ? { Condition: { StringEquals: { 'aws:RequestedRegion': region } } } : {}),
  };
  const statementsOut = [ec2];
  if (workerRoleArns.length) {
    statementsOut.push({
      Sid: 'RayPassWorkerRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: workerRoleArns.length === 1 ? workerRoleArns[0] : workerRoleArns,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }
  return { Version: '2012-10-17', Statement: statementsOut };
}

/** What Ray will use for a head with no profile: `ray-autoscaler-v1` (or the CloudWatch one). */
async function defaultProfile(model: ConfigModel, source: IamSource, info: IamSourceInfo) {
  const name = cfg(model).cloudwatch ? DEFAULT_PROFILE_CLOUDWATCH : DEFAULT_PROFILE;
  const where = info.accountId ? `account ${info.accountId}` : info.label;
  const partition = info.partition ?? 'aws';
  const card: ProfileCard = {
    id: `default:${name}`, ref: name, nodeTypes: [model.headNodeType], isHead: true, defaulted: true,
    status: 'ok', summary: '', account: info.accountId,
  };
  const created = (why: string) => {
    const pols: IamRolePolicies = {
      roleArn: `arn:${partition}:iam::${info.accountId ?? '000000000000'}:role/${name}`,
      policies: RAY_DEFAULT_POLICIES.map((p) => {
        const arn = `arn:${partition}:iam::aws:policy/${p}`;
        return { kind: 'managed' as const, name: p, arn, document: knownAwsManagedPolicy(arn) };
      }),
      permissionsBoundary: null,
    };
    card.summary = `${why}: Ray will create it with ${RAY_DEFAULT_POLICIES.join(' and ')}`;
    card.role = { name, arn: pols.roleArn, trustsEc2: true };
    card.policies = pols.policies.map((p) => ({ kind: p.kind, name: p.name, arn: p.arn, readable: true }));
    card.broadAccess = [...RAY_DEFAULT_POLICIES];
    return {
      card, policies: pols, roleArn: pols.roleArn, created: true, broad: card.broadAccess,
      message: `The head names no instance profile, and ${where} has no \`${name}\`${why.includes('role') ? ' role' : ''}: on \`ray up\`, Ray will create the profile and role \`${name}\` (trusting EC2) with ${RAY_DEFAULT_POLICIES.join(' and ')}, shared by every cluster in the account. It grants no iam:PassRole, so worker node types with their own profiles cannot be launched`,
    };
  };
  let profile: IamInstanceProfile | null;
  try {
    profile = await source.getInstanceProfile(name);
  } catch (e) {
    card.status = 'unverified';
    card.unverifiedReason = reasonOf(e);
    card.summary = `not verified: ${card.unverifiedReason}`;
    return {
      card, policies: null, roleArn: null, created: false, broad: [] as string[],
      message: `The head names no instance profile: Ray will use or create \`${name}\` (with ${RAY_DEFAULT_POLICIES.join(' and ')} when it creates it). Not verified in ${where}: ${card.unverifiedReason}`,
    };
  }
  if (!profile) return created(`${where} has no instance profile ${name}`);
  card.profile = { name: profile.name, arn: profile.arn };
  const role = profile.roles[0];
  if (!role) {
    // Ray creates (or reuses) the role of the same name and adds it; policies only when it creates it.
    let existing: IamRolePolicies | null = null;
    try {
      existing = await source.getRolePolicies(name);
    } catch {
      /* treated as unknown below */
    }
    if (!existing) return created(`the profile ${name} exists without a role`);
    card.summary = `the profile exists without a role; Ray will add the existing role ${name}, with its current policies`;
    card.role = { name, arn: existing.roleArn, trustsEc2: true };
    card.policies = existing.policies.map((p) => ({ kind: p.kind, name: p.name, ...(p.arn ? { arn: p.arn } : {}), readable: p.document !== null }));
    card.broadAccess = broadAccess(existing);
    return {
      card, policies: existing, roleArn: existing.roleArn, created: false, broad: card.broadAccess,
      message: `The head names no instance profile: Ray will use \`${name}\` in ${where}, which has no role yet; Ray will add the existing role \`${name}\` to it and attach nothing`,
    };
  }
  const trust = ec2CanAssume(role.trustPolicy);
  card.role = { name: role.name, arn: role.arn, trustsEc2: trust.trusted };
  let pols: IamRolePolicies | null = null;
  try {
    pols = await source.getRolePolicies(role.name);
  } catch (e) {
    card.unverifiedReason = reasonOf(e);
  }
  card.policies = pols?.policies.map((p) => ({ kind: p.kind, name: p.name, ...(p.arn ? { arn: p.arn } : {}), readable: p.document !== null }));
  card.broadAccess = pols ? broadAccess(pols) : [];
  card.status = trust.trusted ? 'ok' : 'untrusted';
  card.summary = `exists, with role ${role.name}${trust.trusted ? '' : ' (which does not trust EC2)'}; Ray will reuse it as it is`;
  const polNames = pols?.policies.map((p) => p.name) ?? [];
  return {
    card, policies: pols, roleArn: role.arn, created: false, broad: card.broadAccess,
    message: `The head names no instance profile: Ray will reuse \`${name}\` from ${where}, with role ${role.name}${polNames.length ? ` (${polNames.join(', ')})` : ' (no policies)'}; Ray does not check or change its policies${trust.trusted ? '' : '. Its role does not trust EC2, so the head would start without credentials'}`,
  };
}
