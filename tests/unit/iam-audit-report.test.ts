/**
 * IAM audit findings (report.ts): the head's permissions are never dropped in silence (RG307 says
 * why), a GAAD-only snapshot's RG301 says what it cannot see, multi-resource verdicts read as
 * sentences, and the card headline / source label the dashboard shows.
 */
import { describe, expect, it } from 'vitest';
import { cardHeadline, sourceLabel } from '@/lib/iam/card-headline';
import { iamReport, type IamReport, type ProfileCard } from '@/lib/iam/report';
import { SnapshotIamSource, snapshotFromJsonTexts } from '@/lib/iam/snapshot';
import { IamUnavailableError, type IamSource } from '@/lib/iam/types';
import { UnavailableIamSource } from '@/lib/iam/unavailable';
import { contextOf } from '@/lib/validate';
import { allow, AUTOSCALER_ACTIONS, doc, gaad, rayConfig, type GaadSpec } from '../helpers/gaad';

const A = '111122223333';
const report = (text: string, source: IamSource) => iamReport(contextOf(text), source);
const ids = (r: IamReport) => r.findings.map((f) => f.ruleId).sort();
const headCard = (r: IamReport) => r.cards.find((c) => c.isHead)!;
const roleArn = (name: string) => `arn:aws:iam::${A}:role/${name}`;

const sound: GaadSpec = {
  account: A,
  roles: [
    { name: 'head-role', inline: { autoscaler: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) }, profiles: ['head'] },
    { name: 'worker-role', profiles: ['worker'] },
  ],
};
const config = rayConfig({ head: 'head', workers: { w: 'worker' } });

/** The sound account, with one call of the source replaced. */
function failing(overrides: Partial<IamSource>): IamSource {
  const s = new SnapshotIamSource(gaad(sound));
  return Object.assign(Object.create(s) as IamSource, overrides);
}

describe('the head role\'s policies cannot be read: RG307 on the head, never silence', () => {
  it('a sound account gives no finding (the baseline the cases below depart from)', async () => {
    const r = await report(config, new SnapshotIamSource(gaad(sound)));
    expect(r.findings).toEqual([]);
    expect(headCard(r).verdicts!.length).toBeGreaterThan(0);
  });

  it.each([
    ['throttled', 'throttled by IAM on iam:ListAttachedRolePolicies after 3 attempts'],
    ['access denied', "AccessDenied on iam:ListRolePolicies (the credentials in use may not list a role's inline policies)"],
    ['timed out', 'IAM did not answer iam:GetRolePolicy within 5 s (3 attempts)'],
  ])('%s: RG307 on the head\'s IamInstanceProfile naming the call and why', async (_name, reason) => {
    const base = new SnapshotIamSource(gaad(sound));
    const src = failing({
      // The head role only (the snapshot's worker lookups go through getRolePolicies too).
      getRolePolicies: async (role: string) => {
        if (role === 'head-role') throw new IamUnavailableError(reason);
        return base.getRolePolicies(role);
      },
    });
    const r = await report(config, src);
    expect(ids(r)).toEqual(['RG307']);
    const f = r.findings[0];
    expect(f.severity).toBeUndefined(); // RG307's own severity: warning
    expect(f.message).toBe(
      `Not verified: what the head role head-role may do (the calls Ray's autoscaler makes, iam:PassRole of the worker roles): the policies of role head-role could not be read (${reason})`,
    );
    // On the head's profile value (line of `Name: head`), not elsewhere.
    expect(config.slice(f.start, f.end)).toBe('head');
    expect(String(f.yamlPath)).toContain('IamInstanceProfile');
    const card = headCard(r);
    expect(card.verdicts).toBeUndefined();
    expect(card.unverifiedReason).toContain(reason);
    expect(cardHeadline(card, true)).toMatchObject({ icon: '?', permissions: 'unverified' });
  });

  it('a worker whose managed policies cannot be listed: RG307 on the worker (its broad access is unknown)', async () => {
    // Live, a worker's managed policies are listed (names only); from a snapshot, read in full.
    const base = new SnapshotIamSource(gaad(sound));
    const throttled = async () => {
      throw new IamUnavailableError('throttled by IAM on iam:ListAttachedRolePolicies after 3 attempts');
    };
    const src = failing({
      listAttachedPolicies: throttled,
      getRolePolicies: async (role: string) => (role === 'worker-role' ? throttled() : base.getRolePolicies(role)),
    });
    const r = await report(config, src);
    expect(ids(r)).toEqual(['RG307']);
    expect(r.findings[0].message).toMatch(/^Not verified whether role worker-role has broad access: .*throttled by IAM on iam:ListAttachedRolePolicies/);
  });

  it('Ray\'s default head profile whose role\'s policies cannot be read: RG307 beside RG309', async () => {
    const spec: GaadSpec = { account: A, roles: [{ name: 'ray-autoscaler-v1', inline: { a: doc(allow('ec2:*')) }, profiles: ['ray-autoscaler-v1'] }] };
    const s = new SnapshotIamSource(gaad(spec));
    const src = Object.assign(Object.create(s) as IamSource, {
      getRolePolicies: async () => {
        throw new IamUnavailableError('throttled by IAM on iam:GetRole after 3 attempts');
      },
    });
    const r = await report(rayConfig({ head: null }), src);
    expect(ids(r)).toEqual(['RG307', 'RG309']);
    expect(r.findings.find((f) => f.ruleId === 'RG307')!.message).toMatch(/^Not verified: what Ray's default head profile ray-autoscaler-v1 may do .*throttled by IAM on iam:GetRole/);
  });

  it('a list-instance-profiles-only snapshot: the head says RG307 and what to add, not nothing', async () => {
    const full = gaad(sound);
    // What `aws iam list-instance-profiles` prints: the profiles with their roles (trust included).
    const profiles = (full.RoleDetailList as Array<{ InstanceProfileList: unknown[] }>).flatMap((r) => r.InstanceProfileList);
    const src = snapshotFromJsonTexts([{ name: 'profiles.json', text: JSON.stringify({ InstanceProfiles: profiles }) }]);
    expect(src.info().coverage).toEqual({ roleDetails: false, profileList: true });
    const r = await report(config, src);
    expect(ids(r)).toEqual(['RG307']);
    expect(r.findings[0].message).toMatch(/the snapshot holds no roles or policies \(only `aws iam list-instance-profiles` output\): add the output of `aws iam get-account-authorization-details`/);
    expect(headCard(r)).toMatchObject({ status: 'ok', unverifiedReason: expect.stringContaining('list-instance-profiles') });
    // Ray's default head: the snapshot cannot say whether the role exists, so not "Ray will create".
    const def = await report(rayConfig({ head: null }), src);
    expect(ids(def)).toEqual(['RG307', 'RG309']);
    expect(def.findings.find((f) => f.ruleId === 'RG309')!.message).toMatch(/Not verified in account 111122223333: the snapshot holds no roles/);
  });

  it('the live source without credentials: one RG307 per profile, nothing twice', async () => {
    const src = new UnavailableIamSource({ kind: 'live', label: 'live AWS account (unavailable)' }, 'no AWS credentials found (set AWS_PROFILE…)');
    const r = await report(config, src);
    expect(ids(r)).toEqual(['RG307', 'RG307']);
    for (const f of r.findings) expect(f.message).toBe('Not verified: no AWS credentials found (set AWS_PROFILE…)');
  });
});

describe('RG301 from a GAAD-only snapshot says what such a snapshot cannot see', () => {
  const spec: GaadSpec = { ...sound, emptyProfiles: ['empty'] };
  const gaadOnly = () => {
    const g = gaad(spec);
    delete g.InstanceProfiles; // `get-account-authorization-details` alone
    return new SnapshotIamSource(g);
  };

  it('GAAD only: the empty profile is invisible, and RG301 says why and how to include it', async () => {
    const src = gaadOnly();
    expect(src.info().coverage).toEqual({ roleDetails: true, profileList: false });
    const r = await report(rayConfig({ head: 'head', workers: { w: 'empty' } }), src);
    expect(ids(r)).toEqual(['RG301']);
    const m = r.findings[0].message;
    expect(m).toMatch(/^The IAM snapshot has no instance profile named empty in account 111122223333\. /);
    expect(m).toContain('lists instance profiles only under their roles, so a profile without a role cannot be seen in it');
    expect(m).toContain('`aws iam list-instance-profiles`');
    expect(m).toContain('--iam snapshot FILE');
    expect(m).toContain('InstanceProfiles array');
  });

  it('with list-instance-profiles beside it: the profile is found (RG302), and a missing one is a plain RG301', async () => {
    const g = gaad(spec);
    const src = snapshotFromJsonTexts([
      { name: 'gaad.json', text: JSON.stringify({ ...g, InstanceProfiles: undefined }) },
      { name: 'profiles.json', text: JSON.stringify({ InstanceProfiles: g.InstanceProfiles }) },
    ]);
    expect(ids(await report(rayConfig({ head: 'head', workers: { w: 'empty' } }), src))).toEqual(['RG302']);
    const missing = await report(rayConfig({ head: 'head', workers: { w: 'nope' } }), src);
    expect(missing.findings.map((f) => f.message)).toEqual(['IAM has no instance profile named nope in account 111122223333']);
  });
});

describe('verdicts on several resources read as sentences', () => {
  const launch = (statements: unknown[]) =>
    new SnapshotIamSource(gaad({ account: A, roles: [{ name: 'head-role', profiles: ['head'], inline: { a: doc(allow(AUTOSCALER_ACTIONS.filter((x) => x !== 'ec2:RunInstances')), ...statements) } }] }));
  const others = ['network-interface', 'subnet', 'security-group', 'volume', 'key-pair'].map((t) => `arn:aws:ec2:*:${A}:${t}/*`);
  const text = rayConfig({ head: 'head', extraProvider: '  cache_stopped_nodes: false\n' });

  it('"maybe" for different reasons on instance/* and image/*: one clause per resource, no run-on', async () => {
    const r = await report(text, launch([
      allow('ec2:RunInstances', `arn:aws:ec2:*:${A}:instance/*`, { StringEquals: { 'ec2:InstanceType': 'm5.large' } }),
      allow('ec2:RunInstances', 'arn:aws:ec2:*::image/*', { StringEquals: { 'ec2:Owner': 'amazon' } }),
      allow('ec2:RunInstances', others),
    ]));
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['RG304', 'warning']]);
    expect(r.findings[0].message).toBe(
      'Maybe: it cannot be decided here whether the head role head-role may make this call (answered by the local policy evaluator): ' +
        'ec2:RunInstances on instance/*: condition key ec2:InstanceType is not known (statement 1 of policy a), ' +
        'and on image/*: condition key ec2:Owner is not known (statement 2 of policy a)',
    );
    const v = headCard(r).verdicts!.find((x) => x.action === 'ec2:RunInstances')!;
    expect(v.scopes!.map((s) => s.resources)).toEqual([['instance/*'], ['image/*']]);
  });

  it('the same reason on every resource needs no "on …"; several actions are listed, not run together', async () => {
    const r = await report(text, launch([allow('ec2:RunInstances', '*', { StringEquals: { 'ec2:InstanceType': 'm5.large' } })]));
    const m = r.findings[0].message;
    expect(m).toMatch(/\(answered by the local policy evaluator\): ec2:RunInstances: condition key ec2:InstanceType is not known \(statement 1 of policy a\)$/);
    expect(m).not.toMatch(/ on [a-z-]+\/\*/);
  });
});

describe('what the dashboard shows', () => {
  const card = (over: Partial<ProfileCard>): ProfileCard => ({
    id: 'x', ref: 'head', nodeTypes: ['head'], isHead: true, status: 'ok', summary: 'role r, trusts EC2', ...over,
  });
  const verdict = (decision: 'allowed' | 'implicit-deny' | 'maybe') => ({ action: 'ec2:RunInstances', resource: '*', purpose: 'p', decision, evaluator: 'local' as const, reasons: [] });

  it('never a plain "✔ OK" beside missing, uncertain or unverified permissions', () => {
    expect(cardHeadline(card({ verdicts: [verdict('allowed')] }), true)).toEqual({ icon: '✔', label: 'OK', tone: 'ok', permissions: null });
    expect(cardHeadline(card({ verdicts: [verdict('allowed'), verdict('implicit-deny')] }), true)).toEqual({ icon: '✖', label: 'Profile OK', tone: 'untrusted', permissions: 'missing' });
    expect(cardHeadline(card({ verdicts: [verdict('maybe')] }), true)).toMatchObject({ icon: '?', permissions: 'uncertain' });
    expect(cardHeadline(card({ unverifiedReason: 'throttled' }), true)).toMatchObject({ icon: '?', permissions: 'unverified' });
    expect(cardHeadline(card({}), true)).toMatchObject({ icon: '?', permissions: 'unverified' }); // done, no verdicts
    expect(cardHeadline(card({ isHead: false }), true)).toEqual({ icon: '✔', label: 'OK', tone: 'ok', permissions: null });
    expect(cardHeadline(card({ status: 'unverified', summary: 'checking…' }), false)).toMatchObject({ tone: 'checking' });
  });

  it('the source label does not repeat the account id shown beside it', () => {
    expect(sourceLabel({ label: 'live AWS account 123456789012', accountId: '123456789012' })).toBe('live AWS account');
    expect(sourceLabel({ label: 'live AWS account 123456789012 (via ro)', accountId: '123456789012' })).toBe('live AWS account (via ro)');
    expect(sourceLabel({ label: 'live AWS account', accountId: '123456789012' })).toBe('live AWS account');
    expect(sourceLabel({ label: 'gaad-123456789012.json', accountId: '123456789012' })).toBe('gaad-123456789012.json');
  });
});

describe('RG306: broad access by what a policy grants, not only by its name', () => {
  it('a worker role with a customer policy allowing * on *, and a head role with an inline ec2:* on *', async () => {
    const adminLike = `arn:aws:iam::${A}:policy/AdminLike`;
    const spec: GaadSpec = {
      account: A,
      roles: [
        {
          name: 'head-role',
          inline: { autoscaler: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))), ec2all: doc(allow('ec2:*')) },
          profiles: ['head'],
        },
        { name: 'worker-role', managed: [adminLike], profiles: ['worker'] },
      ],
      policies: { [adminLike]: doc(allow('*')) },
    };
    const r = await report(config, new SnapshotIamSource(gaad(spec)));
    const broad = r.findings.filter((f) => f.ruleId === 'RG306').map((f) => f.message);
    expect(broad).toHaveLength(2);
    expect(broad.find((m) => m.includes('head-role'))).toMatch(/ec2all \(allows ec2:\* on \*\)/);
    expect(broad.find((m) => m.includes('worker-role'))).toMatch(/AdminLike \(allows \* on \*\)/);
  });

  it('a permissions boundary caps it: broad only where the boundary allows the whole service too', async () => {
    const boundary = `arn:aws:iam::${A}:policy/boundary`;
    const spec = (bounds: unknown): GaadSpec => ({
      account: A,
      roles: [
        { name: 'head-role', inline: { autoscaler: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) }, profiles: ['head'] },
        { name: 'worker-role', inline: { all: doc(allow(['ec2:*', 's3:*'])) }, boundary, profiles: ['worker'] },
      ],
      policies: { [boundary]: bounds },
    });
    const narrow = await report(config, new SnapshotIamSource(gaad(spec(doc(allow(['s3:GetObject', 'ec2:Describe*']))))));
    expect(narrow.findings.filter((f) => f.ruleId === 'RG306')).toEqual([]);
    const wide = await report(config, new SnapshotIamSource(gaad(spec(doc(allow('s3:*'))))));
    expect(wide.findings.filter((f) => f.ruleId === 'RG306').map((f) => f.message)).toEqual([expect.stringMatching(/all \(allows ec2:\*, s3:\* on \*; the permissions boundary leaves s3:\*\)/)]);
  });

  it('a whole service under a condition, or on named resources, is not broad', async () => {
    const spec: GaadSpec = {
      account: A,
      roles: [
        { name: 'head-role', inline: { autoscaler: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) }, profiles: ['head'] },
        {
          name: 'worker-role',
          inline: { s3: doc(allow('s3:*', 'arn:aws:s3:::my-bucket/*'), allow('ec2:*', '*', { StringEquals: { 'aws:RequestedRegion': 'us-west-2' } })) },
          profiles: ['worker'],
        },
      ],
    };
    const r = await report(config, new SnapshotIamSource(gaad(spec)));
    expect(r.findings.filter((f) => f.ruleId === 'RG306')).toEqual([]);
  });
});

describe('RG306: what the role keeps of a broad grant', () => {
  const boundaryArn = `arn:aws:iam::${A}:policy/boundary`;
  const worker = (role: Partial<GaadSpec['roles'] extends (infer R)[] | undefined ? R : never>, boundaryDoc?: unknown): GaadSpec => ({
    account: A,
    roles: [
      { name: 'head-role', inline: { autoscaler: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) }, profiles: ['head'] },
      { name: 'worker-role', profiles: ['worker'], ...(boundaryDoc ? { boundary: boundaryArn } : {}), ...role },
    ],
    ...(boundaryDoc ? { policies: { [boundaryArn]: boundaryDoc } } : {}),
  });
  const rg306 = async (spec: GaadSpec) =>
    (await report(config, new SnapshotIamSource(gaad(spec)))).findings.filter((f) => f.ruleId === 'RG306').map((f) => f.message);

  it.each([
    ['* on *, boundary ec2:*: EC2 is left', { inline: { all: doc(allow('*')) } }, doc(allow('ec2:*')), /all \(allows \* on \*; the permissions boundary leaves ec2:\*\)/],
    ['ec2:*, boundary * but Deny ec2:*: nothing left', { inline: { e: doc(allow('ec2:*')) } }, doc(allow('*'), { Effect: 'Deny', Action: 'ec2:*', Resource: '*' }), null],
    ['* with Deny * in the same role: nothing left', { inline: { e: doc(allow('*'), { Effect: 'Deny', Action: '*', Resource: '*' }) } }, undefined, null],
    ['AdministratorAccess, boundary one bucket: nothing left', { managed: ['arn:aws:iam::aws:policy/AdministratorAccess'] }, doc(allow('s3:GetObject', 'arn:aws:s3:::b/*')), null],
    ['AmazonEC2FullAccess, boundary ec2:*: kept', { managed: ['arn:aws:iam::aws:policy/AmazonEC2FullAccess'] }, doc(allow('ec2:*')), /\(AmazonEC2FullAccess\)/],
    ['NotAction [iam:*] on *: everything else', { inline: { pu: doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }) } }, undefined, /pu \(allows \* on \*\)/],
  ] as const)('%s', async (_name, role, boundaryDoc, expected) => {
    const found = await rg306(worker(role as never, boundaryDoc));
    if (expected === null) expect(found).toEqual([]);
    else expect(found).toEqual([expect.stringMatching(expected)]);
  });
});
