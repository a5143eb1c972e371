/**
 * RG301–RG309 and the IAM report (cards, head verdicts, least-privilege policy) against the demo
 * account and GAAD snapshots built for each case.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoIamSource } from '@/lib/iam/demo';
import { iamReport, suitableHeadProfiles, type IamReport } from '@/lib/iam/report';
import { fixConfig } from '@/lib/fix/plan';
import { SnapshotIamSource, snapshotFromJsonTexts } from '@/lib/iam/snapshot';
import { IamUnavailableError, type IamSource } from '@/lib/iam/types';
import { analyze, contextOf } from '@/lib/validate';
import { allow, AUTOSCALER_ACTIONS, doc, gaad, rayConfig, type GaadSpec } from '../helpers/gaad';

const sample = (id: string) => readFileSync(path.resolve(__dirname, '../../data/samples', `${id}.yaml`), 'utf8');
const report = (text: string, source: IamSource) => iamReport(contextOf(text), source);
const snap = (spec: GaadSpec) => new SnapshotIamSource(gaad(spec));
const ids = (r: IamReport) => r.findings.map((f) => f.ruleId).sort();
const A = '111122223333';
const profileArn = (name: string, account = A) => `arn:aws:iam::${account}:instance-profile/${name}`;
const roleArn = (name: string, account = A) => `arn:aws:iam::${account}:role/${name}`;

describe('demo account', () => {
  it('clean sample: both profiles fine, head may do everything, no findings', async () => {
    const r = await report(sample('clean'), demoIamSource());
    expect(r.findings).toEqual([]);
    expect(r.cards.map((c) => [c.ref.split('/').pop(), c.status, c.isHead])).toEqual([['ray-head', 'ok', true], ['ray-worker', 'ok', false]]);
    const head = r.cards.find((c) => c.isHead)!;
    const statements = r.policy!.Statement as Array<{ Sid: string; Action: unknown; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }>;
    expect(head.verdicts!.map((v) => `${v.action}:${v.decision}`)).toEqual([
      'ec2:DescribeInstances:allowed', 'ec2:RunInstances:allowed', 'ec2:CreateTags:allowed', 'ec2:CreateTags:allowed', 'ec2:TerminateInstances:allowed',
      'iam:PassRole:allowed',
    ]); // no stop/start: the only worker type is spot, and Ray terminates spot nodes
    expect(statements[3].Action).toEqual(['ec2:CreateTags', 'ec2:TerminateInstances']);
    expect(head.verdicts!.every((v) => v.evaluator === 'local')).toBe(true);
    
    expect(statements.map((x) => x.Sid)).toEqual(['RayDescribe', 'RayLaunch', 'RayTagAtLaunch', 'RayManageClusterNodes', 'RayPassWorkerRoles']);
    expect(statements[3].Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': 'us-west-2', 'ec2:ResourceTag/ray-cluster-name': 'demo-clean' } });
    expect(statements[4]).toMatchObject({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::314159265358:role/ray/ray-worker-role', Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } });
  });

  it('the least-privilege policy passes the checks it is made for, for every sample and real example', async () => {
    const texts = [...['clean', 'head-permissions', 'role-arn', 'keys', 'legacy'].map(sample), rayConfig({ head: null, workers: { w: 'arn:aws:iam::314159265358:instance-profile/ray/ray-worker' } })];
    for (const text of texts) {
      const r = await report(text, demoIamSource());
      if (!r.policy) continue;
      // The head role, with only the generated policy attached.
      const only = snap({
        account: '314159265358',
        roles: [
          { name: 'generated-head', inline: { generated: r.policy }, profiles: ['generated-head'] },
          ...r.cards.filter((c) => !c.isHead && c.role).map((c) => ({ name: c.role!.name, path: c.role!.arn.replace(/^.*:role(\/.*\/|\/)[^/]*$/, '$1'), profiles: [c.profile!.name] })),
        ],
      });
      const ctx = contextOf(text);
      const head = ctx.model!.nodeTypes.find((n) => n.isHead)!;
      const headAgain = await iamReport(ctx, {
        ...only, info: () => only.info(),
        getInstanceProfile: (n: string) => only.getInstanceProfile(r.cards.some((c) => c.isHead && (c.profile?.name ?? c.ref) === n) || n === 'ray-autoscaler-v1' ? 'generated-head' : n),
        listInstanceProfilesForRole: (n: string) => only.listInstanceProfilesForRole(n),
        listInstanceProfiles: () => only.listInstanceProfiles(),
        listAttachedPolicies: (n: string) => only.listAttachedPolicies(n),
        getRolePolicies: (n: string) => only.getRolePolicies(n),
      });
      const verdicts = headAgain.cards.find((c) => c.isHead)?.verdicts ?? [];
      expect(verdicts.filter((v) => v.decision !== 'allowed').map((v) => `${head.name}: ${v.action} ${v.reasons.join(' ')}`)).toEqual([]);
    }
  });

  it('head-permissions sample: RG304 for stop/start, RG305 for both workers (one PassRole names the profile ARN)', async () => {
    const r = await report(sample('head-permissions'), demoIamSource());
    expect(ids(r)).toEqual(['RG304', 'RG305', 'RG305']);
    const rg304 = r.findings.find((f) => f.ruleId === 'RG304')!;
    expect(rg304.message).toMatch(/ec2:StopInstances.*ec2:StartInstances/);
    expect(rg304.severity).toBeUndefined(); // an error: definitely denied
    const passRole = r.findings.filter((f) => f.ruleId === 'RG305').map((f) => f.message);
    expect(passRole[0]).toContain('arn:aws:iam::314159265358:role/ray/ray-worker-role');
    expect(passRole[1]).toContain('arn:aws:iam::314159265358:role/ray/ray-gpu-worker-role');
    expect(passRole[0]).toMatch(/its policy ray-autoscaler-partial allows PassRole on the instance-profile ARN .*instance-profile\/ray\/ray-worker, but PassRole takes the role's ARN/);
    expect(passRole[1]).toMatch(/no statement allows it/);
    const stmt = (r.policy!.Statement as Array<{ Sid: string; Resource: unknown }>).find((x) => x.Sid === 'RayPassWorkerRoles')!;
    expect(stmt.Resource).toEqual(['arn:aws:iam::314159265358:role/ray/ray-worker-role', 'arn:aws:iam::314159265358:role/ray/ray-gpu-worker-role']);
    // The findings sit on the values in the file, through analyze too.
    const a = await analyze(sample('head-permissions'), { iam: demoIamSource() });
    const lines = a.findings.filter((f) => ['RG304', 'RG305'].includes(f.ruleId)).map((f) => `${f.ruleId}@${f.line}`);
    expect(lines).toEqual(['RG304@20', 'RG305@28', 'RG305@36']);
  });

  it('role-arn sample: RG302 and RG303 come with cards that say so', async () => {
    const r = await report(sample('role-arn'), demoIamSource());
    expect(ids(r)).toEqual(expect.arrayContaining(['RG302', 'RG303']));
    expect(r.cards.map((c) => c.status)).toEqual(expect.arrayContaining(['no-role', 'untrusted']));
  });

  it('a head without a profile: RG309 says Ray reuses ray-autoscaler-v1 as it is, RG306 its full access, RG305 for worker roles', async () => {
    const text = rayConfig({ head: null, workers: { w: 'arn:aws:iam::314159265358:instance-profile/ray/ray-worker' } });
    const r = await report(text, demoIamSource());
    expect(ids(r)).toEqual(['RG305', 'RG306', 'RG309']);
    expect(r.findings.find((f) => f.ruleId === 'RG309')!.message).toMatch(/reuse `ray-autoscaler-v1`.*AmazonEC2FullAccess, AmazonS3FullAccess/);
    expect(r.findings.find((f) => f.ruleId === 'RG305')!.message).toMatch(/default profile does not grant it/);
    const card = r.cards[0];
    expect(card).toMatchObject({ defaulted: true, isHead: true, ref: 'ray-autoscaler-v1', status: 'ok' });
    expect(card.verdicts!.filter((v) => v.action.startsWith('ec2:')).every((v) => v.decision === 'allowed')).toBe(true);
  });
});

describe('snapshots', () => {
  const headInline = { autoscaler: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) };
  const base: GaadSpec = {
    roles: [
      { name: 'head-role', inline: headInline, profiles: ['head'] },
      { name: 'worker-role', managed: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], profiles: ['worker'] },
    ],
  };

  it('without ray-autoscaler-v1 in the account, RG309 says Ray would create it with full access', async () => {
    const r = await report(rayConfig({ head: null }), snap(base));
    expect(ids(r)).toEqual(['RG306', 'RG309']);
    expect(r.findings.find((f) => f.ruleId === 'RG309')!.message).toMatch(/has no instance profile `ray-autoscaler-v1` and no role of that name, so on `ray up` Ray will create the profile and the role/);
    expect(r.findings.find((f) => f.ruleId === 'RG306')!.message).toMatch(/would be created with AmazonEC2FullAccess and AmazonS3FullAccess/);
  });

  it('with the CloudWatch agent, the default is ray-autoscaler-cloudwatch-v1 and the head also needs DescribeImages', async () => {
    const text = rayConfig({ head: 'head', extraProvider: '  cloudwatch:\n    agent:\n      config: cw.json\n' });
    const r = await report(text, snap(base));
    expect(ids(r)).toEqual(['RG304']);
    expect(r.findings[0].message).toContain('ec2:DescribeImages');
    const r2 = await report(rayConfig({ head: null, extraProvider: '  cloudwatch:\n    agent:\n      config: cw.json\n' }), snap(base));
    expect(r2.cards[0].ref).toBe('ray-autoscaler-cloudwatch-v1');
  });

  it('cache_stopped_nodes: false drops stop/start from what the head needs', async () => {
    const spec: GaadSpec = { roles: [{ name: 'head-role', inline: { a: doc(allow(AUTOSCALER_ACTIONS.slice(0, 4))) }, profiles: ['head'] }] };
    expect(ids(await report(rayConfig({ head: 'head' }), snap(spec)))).toEqual(['RG304']);
    expect(ids(await report(rayConfig({ head: 'head', extraProvider: '  cache_stopped_nodes: false\n' }), snap(spec)))).toEqual([]);
  });

  it('a permissions boundary limits the head; an explicit Deny wins; a managed policy from the snapshot counts', async () => {
    const spec: GaadSpec = {
      roles: [{ name: 'head-role', managed: [`arn:aws:iam::${A}:policy/ray-head`], boundary: `arn:aws:iam::${A}:policy/boundary`, profiles: ['head'] }],
      policies: {
        [`arn:aws:iam::${A}:policy/ray-head`]: doc(allow('ec2:*')),
        [`arn:aws:iam::${A}:policy/boundary`]: doc(allow(['ec2:Describe*', 'ec2:RunInstances', 'ec2:CreateTags', 'ec2:TerminateInstances', 'ec2:StopInstances'])),
      },
    };
    const r = await report(rayConfig({ head: 'head' }), snap(spec));
    // ec2:* on * would be EC2 full access under another name (RG306), but the boundary caps it.
    expect(ids(r)).toEqual(['RG304']);
    const rg304 = r.findings.find((f) => f.ruleId === 'RG304')!;
    expect(rg304.message).toContain('ec2:StartInstances');
    expect(rg304.message).not.toContain('ec2:StopInstances');
    expect(r.cards[0].permissionsBoundary).toBe(`arn:aws:iam::${A}:policy/boundary`);
    const deny = snap({ roles: [{ name: 'head-role', inline: { a: doc(allow('ec2:*'), { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' }) }, profiles: ['head'] }] });
    const d = await report(rayConfig({ head: 'head' }), deny);
    expect(d.findings.find((f) => f.ruleId === 'RG304')!.message).toMatch(/ec2:TerminateInstances/);
    expect(d.cards[0].verdicts!.find((v) => v.action === 'ec2:TerminateInstances')!.decision).toBe('explicit-deny');
  });

  it('a condition only known at run time makes a "maybe": RG304 as a warning that names the key', async () => {
    const spec: GaadSpec = {
      roles: [{ name: 'head-role', inline: { a: doc(allow(AUTOSCALER_ACTIONS, '*', { StringEquals: { 'ec2:InstanceType': 'm5.large' } })) }, profiles: ['head'] }],
    };
    const r = await report(rayConfig({ head: 'head', extraProvider: '  cache_stopped_nodes: false\n' }), snap(spec));
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['RG304', 'warning']]);
    expect(r.findings[0].message).toMatch(/^Maybe:.*ec2:InstanceType/);
  });

  it('conditions on the cluster tag and the region are decided from the config', async () => {
    const spec: GaadSpec = {
      roles: [{
        name: 'head-role',
        inline: {
          a: doc(
            allow('ec2:DescribeInstances', '*', { StringEquals: { 'aws:RequestedRegion': 'us-west-2' } }),
            allow(['ec2:RunInstances', 'ec2:CreateTags'], '*', { StringEquals: { 'aws:RequestTag/ray-cluster-name': 'test' } }),
            allow(['ec2:CreateTags', 'ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances'], '*', { StringEquals: { 'ec2:ResourceTag/ray-cluster-name': 'test' } }),
          ),
        },
        profiles: ['head'],
      }],
    };
    expect((await report(rayConfig({ head: 'head' }), snap(spec))).findings).toEqual([]);
    // Tag updates on running nodes carry no ray-cluster-name request tag: CreateTags only on
    // requests that tag the cluster name does not cover them.
    const launchOnly = structuredClone(spec);
    const stmts = (launchOnly.roles![0].inline!.a as { Statement: Array<{ Action: string[] }> }).Statement;
    stmts[2].Action = stmts[2].Action.filter((a) => a !== 'ec2:CreateTags');
    const updates = await report(rayConfig({ head: 'head' }), snap(launchOnly));
    expect(updates.findings.map((f) => f.ruleId)).toEqual(['RG304']);
    expect(updates.findings[0].message).toMatch(/ec2:CreateTags \(to update node tags as nodes change state\)/);
    const elsewhere = await report(rayConfig({ head: 'head', region: 'eu-west-1' }), snap(spec));
    expect(elsewhere.findings[0].message).toContain('ec2:DescribeInstances');
  });

  it('PassRole on the worker role with iam:PassedToService ec2 is enough; on the profile ARN or for another service it is not', async () => {
    const withPass = (resource: string, service = 'ec2.amazonaws.com') => snap({
      roles: [
        { name: 'head-role', inline: { a: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', resource, { StringEquals: { 'iam:PassedToService': service } })) }, profiles: ['head'] },
        { name: 'worker-role', profiles: ['worker'] },
      ],
    });
    const text = rayConfig({ head: 'head', workers: { w: 'worker' } });
    expect((await report(text, withPass(roleArn('worker-role')))).findings).toEqual([]);
    expect(ids(await report(text, withPass(profileArn('worker'))))).toEqual(['RG305']);
    expect(ids(await report(text, withPass(roleArn('worker-role'), 'lambda.amazonaws.com')))).toEqual(['RG305']);
    expect(ids(await report(text, withPass(`arn:aws:iam::${A}:role/*`)))).toEqual([]);
  });

  it('RG306 for AdministratorAccess and *FullAccess (any role), and an inline * on * (the head)', async () => {
    const spec: GaadSpec = {
      roles: [
        { name: 'head-role', managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], profiles: ['head'] },
        { name: 'head2-role', inline: { all: doc(allow('*')) }, profiles: ['head2'] },
        { name: 'w1', managed: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'], profiles: ['w1'] },
        { name: 'w3', managed: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], profiles: ['w3'] },
      ],
    };
    const r = await report(rayConfig({ head: 'head', workers: { a: 'w1', c: 'w3' } }), snap(spec));
    const rg306 = r.findings.filter((f) => f.ruleId === 'RG306').map((f) => f.message);
    expect(rg306).toHaveLength(2);
    expect(rg306.join('\n')).toMatch(/AdministratorAccess[\s\S]*AmazonS3FullAccess/);
    const inline = await report(rayConfig({ head: 'head2' }), snap(spec));
    expect(inline.findings.map((f) => f.message)).toEqual([expect.stringMatching(/all \(allows \* on \*\)/)]);
  });

  it('RG308: a profile of another account (RG307 without a role to assume there), and configs that mix accounts', async () => {
    const other = '999988887777';
    const r = await report(rayConfig({ head: 'head', workers: { w: profileArn('worker', other) } }), snap(base));
    expect(ids(r)).toEqual(['RG307', 'RG308']);
    expect(r.findings.find((f) => f.ruleId === 'RG308')!.message).toMatch(/account 999988887777, the head's in 111122223333/);
    expect(r.cards.find((c) => c.ref.includes(other))!.status).toBe('unverified');
    // The gap is said: the policy has no PassRole for a role nobody could look up.
    expect(r.policyGaps[0]).toMatch(/its role is not known/);
    const all = await report(rayConfig({ head: profileArn('head', other) }), snap(base));
    expect(ids(all)).toEqual(['RG307', 'RG308']);
    expect(all.findings.find((f) => f.ruleId === 'RG308')!.message).toMatch(/not in the account being checked \(111122223333/);
  });

  it('forAccount: a source that can reach the other account verifies its profiles there', async () => {
    const other = '999988887777';
    const there = snap({ account: other, roles: [{ name: 'worker-role', profiles: ['worker'] }] });
    const here = snap(base);
    const both: IamSource = Object.assign(Object.create(here) as IamSource, {
      forAccount: async (acct: string) => (acct === other ? there : { unavailable: 'no' }),
    });
    const r = await report(rayConfig({ head: 'head', workers: { w: profileArn('worker', other) } }), both);
    expect(r.cards.find((c) => c.ref.includes(other))!.status).toBe('ok');
    expect(ids(r)).toEqual(['RG305', 'RG308']);
  });

  it('a source that fails gives RG307 with its reason, and the report still comes', async () => {
    const failing: IamSource = {
      info: () => ({ kind: 'live', label: 'live', accountId: A, partition: 'aws' }),
      getInstanceProfile: async () => {
        throw new IamUnavailableError('throttled by IAM on iam:GetInstanceProfile after 3 attempts');
      },
      listInstanceProfilesForRole: async () => null,
      listInstanceProfiles: async () => [],
      listAttachedPolicies: async () => null,
      getRolePolicies: async () => null,
    };
    const r = await report(rayConfig({ head: 'head', workers: { w: 'worker' } }), failing);
    expect(ids(r)).toEqual(['RG307', 'RG307']);
    expect(r.findings[0].message).toBe('Not verified: throttled by IAM on iam:GetInstanceProfile after 3 attempts');
    expect(r.cards.every((c) => c.status === 'unverified' && c.unverifiedReason)).toBe(true);
  });

  it('every card is sent again once checked, whatever the outcome (not found, no role, unverified)', async () => {
    const seen = new Map<string, string[]>();
    const spec: GaadSpec = { ...base, emptyProfiles: ['empty'] };
    await iamReport(contextOf(rayConfig({ head: 'head', workers: { a: 'missing', b: 'empty', c: profileArn('x', '999988887777') } })), snap(spec), {
      onCard: (c) => seen.set(c.ref, [...(seen.get(c.ref) ?? []), c.status]),
    });
    expect(seen.get('missing')).toEqual(['unverified', 'not-found']);
    expect(seen.get('empty')).toEqual(['unverified', 'no-role']);
    expect(seen.get(profileArn('x', '999988887777'))!.at(-1)).toBe('unverified');
    expect(seen.get(profileArn('x', '999988887777'))!.length).toBe(2);
  });

  it('streams a card per profile, then again with the head verdicts', async () => {
    const seen: string[] = [];
    await iamReport(contextOf(rayConfig({ head: 'head', workers: { w: 'worker' } })), snap(base), {
      onCard: (c) => seen.push(`${c.ref}:${c.status}:${c.verdicts ? 'v' : '-'}`),
    });
    expect(seen[0]).toBe('head:unverified:-'); // "checking…"
    expect(seen.at(-1)).toBe('head:ok:v');
    expect(seen).toContain('worker:ok:-');
  });

  it('IAM\'s own simulator answers when the source has one, and says so', async () => {
    const s = snap(base);
    const simulating: IamSource = Object.assign(Object.create(s) as IamSource, {
      simulate: async (_role: string, qs: Array<{ action: string; resource: string }>) =>
        qs.map((q) => ({ ...q, decision: q.action === 'ec2:StartInstances' ? 'implicit-deny' : 'allowed', missingContext: [] })),
    });
    const r = await report(rayConfig({ head: 'head', workers: { w: 'worker' } }), simulating);
    expect(ids(r)).toEqual(['RG304']);
    expect(r.findings[0].message).toMatch(/ec2:StartInstances.*IAM's policy simulator/);
    expect(r.cards[0].verdicts!.every((v) => v.evaluator === 'iam')).toBe(true);
  });

  it('the default role exists without its profile: Ray adds it as it is, and the head is judged by its policies', async () => {
    const spec: GaadSpec = { roles: [{ name: 'ray-autoscaler-v1', inline: { a: doc(allow('ec2:DescribeInstances')) } }] };
    const r = await report(rayConfig({ head: null }), snap(spec));
    expect(ids(r)).toEqual(['RG304', 'RG309']);
    expect(r.findings.find((f) => f.ruleId === 'RG309')!.message).toMatch(/create it and add the existing role `ray-autoscaler-v1` to it as it is/);
    expect(r.findings.find((f) => f.ruleId === 'RG304')!.message).toMatch(/ec2:RunInstances/);
  });

  it('with the CloudWatch agent Ray creates a role that may pass roles; workers may name that profile before it exists', async () => {
    const cw = '  cloudwatch:\n    agent:\n      config: cw.json\n';
    const r = await report(rayConfig({ head: null, workers: { w: 'ray-autoscaler-cloudwatch-v1' }, extraProvider: cw }), snap(base));
    expect(ids(r)).toEqual(['RG306', 'RG309']);
    expect(r.findings.find((f) => f.ruleId === 'RG309')!.message).toMatch(/CloudWatchAgentAdminPolicy, AmazonSSMManagedInstanceCore, CloudwatchManagedPolicies/);
    expect(r.cards.find((c) => !c.isHead)).toMatchObject({ status: 'ok', summary: expect.stringMatching(/Ray creates it/) });
    expect(r.cards[0].verdicts!.every((v) => v.decision === 'allowed')).toBe(true);
  });

  it('RunInstances allowed on instance/* only is not enough: the launch also needs the AMI, subnet, network interface…', async () => {
    const account = A;
    const spec: GaadSpec = {
      roles: [{
        name: 'head-role',
        inline: { a: doc(allow(AUTOSCALER_ACTIONS.filter((x) => x !== 'ec2:RunInstances')), allow('ec2:RunInstances', `arn:aws:ec2:*:${account}:instance/*`)) },
        profiles: ['head'],
      }],
    };
    const r = await report(rayConfig({ head: 'head' }), snap(spec));
    expect(ids(r)).toEqual(['RG304']);
    expect(r.findings[0].message).toContain('may not ec2:RunInstances (to launch worker nodes) on image/*, network-interface/*, subnet/*, security-group/*, volume/* and key-pair/*: no statement allows it. ');
  });

  it('a head type that also launches workers must pass its own role', async () => {
    const text = rayConfig({ head: 'head' }).replace('  head:\n    resources: {}\n', '  head:\n    min_workers: 0\n    max_workers: 2\n    resources: {}\n');
    const r = await report(text, snap(base));
    expect(ids(r)).toEqual(['RG305']);
    expect(r.findings[0].message).toMatch(/iam:PassRole the role arn:aws:iam::111122223333:role\/head-role .*launching head \(as workers\)/);
    expect(JSON.stringify(r.policy)).toContain(roleArn('head-role'));
  });

  it('the policy comes even when the head profile cannot be resolved (a role ARN)', async () => {
    const r = await report(rayConfig({ head: roleArn('head-role'), workers: { w: 'worker' } }), snap(base));
    expect(r.policy).not.toBeNull();
    expect(JSON.stringify(r.policy)).toContain(roleArn('worker-role'));
  });

  it('a boundary that blocks an action is named as the reason', async () => {
    const spec: GaadSpec = {
      roles: [{ name: 'head-role', inline: { all: doc(allow(AUTOSCALER_ACTIONS)) }, boundary: `arn:aws:iam::${A}:policy/b`, profiles: ['head'] }],
      policies: { [`arn:aws:iam::${A}:policy/b`]: doc(allow(AUTOSCALER_ACTIONS.slice(0, 4))) },
    };
    const r = await report(rayConfig({ head: 'head' }), snap(spec));
    expect(r.findings[0].message).toMatch(/ec2:StopInstances .*ec2:StartInstances .*: the permissions boundary b does not allow it \(the role's policies do\)/);
  });
});

describe('hostile snapshots', () => {
  const trust = (t: unknown) => snap({ roles: [{ name: 'r', trust: t, profiles: ['head'] }] });
  it('a pathological Action pattern in a trust policy is matched in linear time', async () => {
    const t0 = performance.now();
    const r = await report(rayConfig({ head: 'head' }), trust({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: `sts:${'*'.repeat(5000)}X` }] }));
    expect(performance.now() - t0).toBeLessThan(20_000); // a hang guard, not a performance target
    expect(ids(r)).toContain('RG303');
  });

  it('non-string fields, null elements and a byte order mark do not break the check', async () => {
    for (const effect of [['Allow'], 1, null, { a: 1 }]) {
      const r = await report(rayConfig({ head: 'head' }), trust({ Statement: [{ Effect: effect, Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }));
      expect(ids(r)).toContain('RG303');
    }
    const g = gaad({
      roles: [
        { name: 'head-role', inline: { a: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) }, profiles: ['head'] },
        { name: 'worker-role', profiles: ['worker'] },
      ],
    }) as { RoleDetailList: unknown[]; InstanceProfiles: unknown[] };
    g.RoleDetailList.push(null, 7, 'x');
    g.InstanceProfiles = [null];
    const s = snapshotFromJsonTexts([{ name: 'g.json', text: '\uFEFF' + JSON.stringify(g) }]);
    expect((await report(rayConfig({ head: 'head', workers: { w: 'worker' } }), s)).findings).toEqual([]);
  });

  it('a Deny with a condition in a trust policy is not a certain refusal', async () => {
    const r = await report(rayConfig({ head: 'head' }), trust({
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringNotEquals: { 'aws:SourceAccount': A } } },
      ],
    }));
    expect(ids(r)).not.toContain('RG303');
    expect(r.cards[0].role).toMatchObject({ trustsEc2: true, conditionalTrust: true });
  });
});

describe('choosing a head profile for the fix', () => {
  const spec: GaadSpec = {
    roles: [
      { name: 'aaa-admin-role', managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], profiles: ['AAA-prod-admin'] },
      { name: 'worker-role', profiles: ['worker'] },
      { name: 'lambda-role', trust: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, profiles: ['lambda'] },
      { name: 'my-head-role', inline: { a: doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', roleArn('worker-role'))) }, profiles: ['my-head'] },
    ],
  };

  it('never the admin profile or a worker\'s: only one whose role would work as this head', async () => {
    const text = rayConfig({ head: null, workers: { w: 'worker' } });
    const picks = await suitableHeadProfiles(contextOf(text), snap(spec));
    expect(picks.map((p) => p.name)).toEqual(['my-head']);
    const fixed = await fixConfig(text, { iam: snap(spec) });
    expect(fixed.text).toContain(`Arn: ${profileArn('my-head')}`);
  });

  it('none qualifies: the fix says so and inserts nothing', async () => {
    const only = { roles: spec.roles!.slice(0, 3) };
    const text = rayConfig({ head: null, workers: { w: 'worker' } });
    const fixed = await fixConfig(text, { iam: snap(only) });
    expect(fixed.text).not.toContain('AAA-prod-admin');
    expect(fixed.text).not.toContain('instance-profile/worker\n'.repeat(2));
    expect(fixed.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'RG201', reason: expect.stringMatching(/no instance profile in the IAM source would work as this head/) })]));
  });
});

describe('credentials from the IAM side', () => {
  it('a key pasted into a policy name or Sid never reaches a message or a card in clear', async () => {
    const id = 'AKIAZ7QW3ERTY5UIOPAS'; // synthetic
    const spec: GaadSpec = {
      roles: [
        { name: 'head-role', inline: { [`pol-${id}`]: doc({ ...allow(AUTOSCALER_ACTIONS.slice(0, 2)), Sid: id }) }, managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], profiles: ['head'] },
      ],
    };
    const r = await report(rayConfig({ head: 'head' }), snap(spec));
    const seen: string[] = [];
    await iamReport(contextOf(rayConfig({ head: 'head' })), snap(spec), { onCard: (c) => seen.push(JSON.stringify(c)) });
    const out = JSON.stringify({ findings: r.findings, cards: r.cards, gaps: r.policyGaps }) + seen.join('');
    expect(out).toContain('AKIA…OPAS');
    expect(out).not.toContain(id);
  });
});

describe('partitions and spelling', () => {
  const spec: GaadSpec = { roles: [{ name: 'head-role', inline: { a: doc(allow(AUTOSCALER_ACTIONS)) }, profiles: ['head'] }] };
  it('profiles named in a cluster of another partition are not verified against this one', async () => {
    const r = await report(rayConfig({ head: 'head', region: 'cn-north-1' }), snap(spec));
    expect(r.findings.map((f) => f.ruleId)).toEqual(['RG307']);
    expect(r.findings[0].message).toMatch(/cn-north-1 \(partition aws-cn\), and the IAM source describes partition aws/);
  });
  it('an ARN that differs only in letter case says so', async () => {
    const r = await report(rayConfig({ head: profileArn('HEAD') }), snap(spec));
    expect(r.findings.map((f) => f.message)).toEqual([expect.stringMatching(/differs from IAM's arn:aws:iam::111122223333:instance-profile\/head only in letter case/)]);
  });
});

