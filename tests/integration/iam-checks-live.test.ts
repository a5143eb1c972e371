/**
 * RG301–RG309 end to end: configs checked through the live source (the real AWS SDK) against
 * moto's IAM, seeded through the SDK with a scenario for every verdict; the same account exported
 * as a GAAD snapshot gives the same findings; faults at the proxy become RG307 with their reason.
 * moto has no SimulatePrincipalPolicy: the local evaluator answers, and the cards say so.
 */
import { GetAccountAuthorizationDetailsCommand, ListInstanceProfilesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLiveIamSource, type LiveIamSource } from '../../lib/iam/live';
import { iamReport } from '../../lib/iam/report';
import { snapshotFromJsonTexts } from '../../lib/iam/snapshot';
import { analyze, contextOf } from '../../lib/validate';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { allow, AUTOSCALER_ACTIONS, doc, rayConfig } from '../helpers/gaad';
import { EC2_TRUST, motoIamClient, seedManagedPolicy, seedProfile, seedRole, startMoto, trustFor, useDummyAwsEnv, type Moto } from '../helpers/moto';

const ACCOUNT = '123456789012'; // moto's default account
let moto: Moto;
let proxy: FaultProxy;
let restoreEnv: () => void;
const arn = (kind: 'role' | 'instance-profile', name: string) => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;

async function live(): Promise<LiveIamSource> {
  const s = await createLiveIamSource({ endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint, timeoutMs: 1500, retryBaseDelayMs: 2 });
  proxy.resetCounts();
  return s;
}

beforeAll(async () => {
  restoreEnv = useDummyAwsEnv();
  moto = await startMoto({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } }); // AWS managed policies exist
  proxy = await startFaultProxy(moto.endpoint);
  const iam = motoIamClient(moto.endpoint);
  const headPolicy = await seedManagedPolicy(iam, 'ray-head-policy', doc(allow(AUTOSCALER_ACTIONS), allow('iam:PassRole', arn('role', 'worker-role'))));
  await seedRole(iam, { name: 'head-role', managedArns: [headPolicy] });
  await seedProfile(iam, 'head', { role: 'head-role' });
  // A head that cannot stop/start, and passes nothing.
  await seedRole(iam, { name: 'weak-head-role', inline: { partial: doc(allow(AUTOSCALER_ACTIONS.slice(0, 4))) } });
  await seedProfile(iam, 'weak-head', { role: 'weak-head-role' });
  // A head bounded by a boundary that leaves out TerminateInstances.
  const boundary = await seedManagedPolicy(iam, 'ray-boundary', doc(allow(['ec2:Describe*', 'ec2:RunInstances', 'ec2:CreateTags', 'ec2:StopInstances', 'ec2:StartInstances', 'iam:PassRole'])));
  await seedRole(iam, { name: 'bounded-head-role', inline: { all: doc(allow('ec2:*'), allow('iam:PassRole', '*')) }, boundaryArn: boundary });
  await seedProfile(iam, 'bounded-head', { role: 'bounded-head-role' });
  await seedRole(iam, { name: 'worker-role' });
  await seedProfile(iam, 'worker', { role: 'worker-role' });
  await seedRole(iam, { name: 'other-worker-role' });
  await seedProfile(iam, 'other-worker', { role: 'other-worker-role' });
  await seedProfile(iam, 'empty'); // no role: RG302
  await seedRole(iam, { name: 'lambda-role', trust: trustFor('lambda.amazonaws.com') });
  await seedProfile(iam, 'lambda', { role: 'lambda-role' }); // RG303
  await seedRole(iam, { name: 'admin-role', managedArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
  await seedProfile(iam, 'admin', { role: 'admin-role' }); // RG306
  await seedRole(iam, { name: 'ray-autoscaler-v1', trust: EC2_TRUST, managedArns: ['arn:aws:iam::aws:policy/AmazonEC2FullAccess', 'arn:aws:iam::aws:policy/AmazonS3FullAccess'] });
  await seedProfile(iam, 'ray-autoscaler-v1', { role: 'ray-autoscaler-v1' }); // RG309 (reused)
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  restoreEnv?.();
});

beforeEach(() => proxy.reset());

const rules = async (text: string, source: LiveIamSource) =>
  (await analyze(text, { iam: source })).findings.filter((f) => f.ruleId.startsWith('RG3')).map((f) => f.ruleId).sort();

describe('live source against moto: every RG30x verdict', () => {
  it('a sound config: no IAM findings, head verdicts from the local evaluator (moto has no simulator)', async () => {
    const s = await live();
    const r = await iamReport(contextOf(rayConfig({ head: 'head', workers: { w: 'worker' } })), s);
    expect(r.findings).toEqual([]);
    const head = r.cards.find((c) => c.isHead)!;
    expect(head.verdicts!.every((v) => v.decision === 'allowed' && v.evaluator === 'local')).toBe(true);
    expect(head.policies).toEqual([{ kind: 'managed', name: 'ray-head-policy', arn: `arn:aws:iam::${ACCOUNT}:policy/ray-head-policy`, readable: true }]);
    expect(proxy.count('SimulatePrincipalPolicy')).toBe(1);
  });

  it('RG301, RG302, RG303, RG306 on worker profiles; RG304 and RG305 on the head', async () => {
    const s = await live();
    const text = rayConfig({ head: 'weak-head', workers: { a: 'missing', b: 'empty', c: 'lambda', d: 'admin', e: 'other-worker' } });
    expect(await rules(text, s)).toEqual(['RG301', 'RG302', 'RG303', 'RG304', 'RG305', 'RG305', 'RG305', 'RG306']);
  });

  it('a permissions boundary takes away what the policies give', async () => {
    const s = await live();
    const r = await iamReport(contextOf(rayConfig({ head: 'bounded-head', workers: { w: 'worker' } })), s);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['RG304']);
    expect(r.findings[0].message).toContain('ec2:TerminateInstances');
    expect(r.cards[0].permissionsBoundary).toBe(`arn:aws:iam::${ACCOUNT}:policy/ray-boundary`);
  });

  it('RG309 and RG306 for a head without a profile; RG305 because the default never passes roles', async () => {
    const s = await live();
    const r = await iamReport(contextOf(rayConfig({ head: null, workers: { w: 'worker' } })), s);
    expect(r.findings.map((f) => f.ruleId).sort()).toEqual(['RG305', 'RG306', 'RG309']);
    expect(r.findings.find((f) => f.ruleId === 'RG309')!.message).toMatch(/reuse `ray-autoscaler-v1` from account 123456789012/);
  });

  it('RG308 and RG307: a profile of another account, without a role to assume there', async () => {
    const s = await live();
    expect(await rules(rayConfig({ head: 'head', workers: { w: 'arn:aws:iam::999988887777:instance-profile/worker' } }), s)).toEqual(['RG307', 'RG308']);
  });

  it('cold: at most 4 calls per distinct profile; warm: none', async () => {
    const s = await live();
    const text = rayConfig({ head: 'head', workers: { a: 'worker', b: 'other-worker', c: 'admin', d: 'lambda' } });
    await iamReport(contextOf(text), s);
    const cold = proxy.total();
    expect(cold).toBeGreaterThan(0);
    expect(cold).toBeLessThanOrEqual(4 * 5);
    proxy.resetCounts();
    await iamReport(contextOf(text), s);
    expect(proxy.total()).toBe(0);
  });
});

describe('faults become RG307 with their reason, never an exception', () => {
  it.each([
    ['throttled', { kind: 'throttle' } as const, /throttled by IAM on iam:GetInstanceProfile after 3 attempts/],
    ['access denied', { kind: 'deny' } as const, /AccessDenied on iam:GetInstanceProfile/],
    ['5xx', { kind: 'status', status: 503 } as const, /IAM endpoint error 503 on iam:GetInstanceProfile/],
    ['timeout', { kind: 'hang' } as const, /did not answer iam:GetInstanceProfile within/],
  ])('%s', async (_name, fault, reason) => {
    const s = await live();
    proxy.inject('GetInstanceProfile', fault);
    const r = await iamReport(contextOf(rayConfig({ head: 'head', workers: { w: 'worker' } })), s);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['RG307', 'RG307']);
    for (const f of r.findings) expect(f.message).toMatch(reason);
    if (fault.kind === 'throttle') expect(proxy.count('GetInstanceProfile')).toBe(6); // 3 attempts × 2 profiles
  }, 30_000);

  it('retries recover: two throttles, then the answer', async () => {
    const s = await live();
    proxy.inject('GetInstanceProfile', { kind: 'throttle' }, { times: 2 });
    const r = await iamReport(contextOf(rayConfig({ head: 'head' })), s);
    expect(r.findings).toEqual([]);
    expect(proxy.count('GetInstanceProfile')).toBe(3);
  });

  it('a policy the credentials may not read makes the head verdict "maybe", said as such', async () => {
    const s = await live();
    proxy.inject('GetPolicyVersion', { kind: 'deny' });
    const r = await iamReport(contextOf(rayConfig({ head: 'head', workers: { w: 'worker' } })), s);
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['RG304', 'warning'], ['RG305', 'warning']]);
    expect(r.findings[0].message).toMatch(/^Maybe:.*could not be read/);
  });
});

describe('a GAAD snapshot exported from moto gives the same answers', () => {
  it('same findings as the live source, for every scenario', async () => {
    const iam = motoIamClient(moto.endpoint);
    const gaad = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    const profiles = await iam.send(new ListInstanceProfilesCommand({}));
    // What `aws iam get-account-authorization-details` prints: the SDK's shape, as JSON.
    const snapshot = snapshotFromJsonTexts([
      { name: 'gaad.json', text: JSON.stringify({ RoleDetailList: gaad.RoleDetailList, Policies: gaad.Policies }) },
      { name: 'profiles.json', text: JSON.stringify({ InstanceProfiles: profiles.InstanceProfiles }) },
    ]);
    expect(snapshot.info().accountId).toBe(ACCOUNT);
    const s = await live();
    for (const text of [
      rayConfig({ head: 'head', workers: { w: 'worker' } }),
      rayConfig({ head: 'weak-head', workers: { a: 'missing', b: 'empty', c: 'lambda', d: 'admin', e: 'other-worker' } }),
      rayConfig({ head: 'bounded-head', workers: { w: 'worker' } }),
      rayConfig({ head: null, workers: { w: 'worker' } }),
    ]) {
      const fromLive = (await analyze(text, { iam: s })).findings;
      const fromSnapshot = (await analyze(text, { iam: snapshot })).findings;
      expect(fromSnapshot.map((f) => `${f.line}:${f.ruleId}`)).toEqual(fromLive.map((f) => `${f.line}:${f.ruleId}`));
    }
  });
});
