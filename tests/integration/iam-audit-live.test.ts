/**
 * The head role's policies through the live source (the real AWS SDK against moto, faults injected
 * at the proxy on one call and one role only): whatever call is refused, throttled or times out,
 * the head's verdicts never vanish in silence. RG307 names the call and why, and the card does
 * not read "✔ OK".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cardHeadline } from '../../lib/iam/card-headline';
import { createLiveIamSource, type LiveIamSource } from '../../lib/iam/live';
import { iamReport } from '../../lib/iam/report';
import { contextOf } from '../../lib/validate';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy';
import { allow, AUTOSCALER_ACTIONS, doc, rayConfig } from '../helpers/gaad';
import { motoIamClient, seedManagedPolicy, seedProfile, seedRole, startMoto, useDummyAwsEnv, type Moto } from '../helpers/moto';

const ACCOUNT = '123456789012'; // moto's default account
let moto: Moto;
let proxy: FaultProxy;
let restoreEnv: () => void;
const arns = { headPolicy: '', boundary: '' };

async function live(): Promise<LiveIamSource> {
  const s = await createLiveIamSource({ endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint, timeoutMs: 800, retryBaseDelayMs: 2 });
  proxy.resetCounts();
  return s;
}

beforeAll(async () => {
  restoreEnv = useDummyAwsEnv();
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  const iam = motoIamClient(moto.endpoint);
  const workerRole = `arn:aws:iam::${ACCOUNT}:role/worker-role`;
  // The head's EC2 calls in a managed policy, PassRole in an inline one, under a boundary.
  arns.headPolicy = await seedManagedPolicy(iam, 'ray-head-policy', doc(allow(AUTOSCALER_ACTIONS)));
  arns.boundary = await seedManagedPolicy(iam, 'ray-head-boundary', doc(allow(['ec2:*', 'iam:PassRole'])));
  await seedRole(iam, { name: 'head-role', managedArns: [arns.headPolicy], inline: { pass: doc(allow('iam:PassRole', workerRole)) }, boundaryArn: arns.boundary });
  await seedProfile(iam, 'head', { role: 'head-role' });
  await seedRole(iam, { name: 'worker-role' });
  await seedProfile(iam, 'worker', { role: 'worker-role' });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  restoreEnv?.();
});

beforeEach(() => proxy.reset());

const config = rayConfig({ head: 'head', workers: { w: 'worker' } });

describe('a head-policy call fails: RG307 on the head, naming the call and why', () => {
  it('without a fault: no finding, every verdict there (the baseline)', async () => {
    const r = await iamReport(contextOf(config), await live());
    expect(r.findings).toEqual([]);
    const head = r.cards.find((c) => c.isHead)!;
    expect(head.verdicts!.every((v) => v.decision === 'allowed')).toBe(true);
    expect(cardHeadline(head, true)).toMatchObject({ icon: '✔', label: 'OK' });
  });

  it.each<[string, string, Fault, Record<string, string>, RegExp]>([
    ['ListAttachedRolePolicies throttled', 'ListAttachedRolePolicies', { kind: 'throttle' }, { RoleName: 'head-role' }, /throttled by IAM on iam:ListAttachedRolePolicies after 3 attempts/],
    ['ListAttachedRolePolicies refused', 'ListAttachedRolePolicies', { kind: 'deny' }, { RoleName: 'head-role' }, /AccessDenied on iam:ListAttachedRolePolicies \(the credentials in use may not list a role's managed policies\)/],
    ['ListRolePolicies timed out', 'ListRolePolicies', { kind: 'hang' }, { RoleName: 'head-role' }, /IAM did not answer iam:ListRolePolicies within 0\.8 s \(3 attempts\)/],
    ['GetRolePolicy throttled', 'GetRolePolicy', { kind: 'throttle' }, { RoleName: 'head-role' }, /throttled by IAM on iam:GetRolePolicy after 3 attempts/],
    ['GetRole failing', 'GetRole', { kind: 'status', status: 503 }, { RoleName: 'head-role' }, /IAM endpoint error 503 on iam:GetRole/],
    ['GetPolicyVersion throttled', 'GetPolicyVersion', { kind: 'throttle' }, {}, /throttled by IAM on iam:GetPolicyVersion after 3 attempts/],
    ['GetPolicy of the boundary throttled', 'GetPolicy', { kind: 'throttle' }, { PolicyArn: 'BOUNDARY' }, /throttled by IAM on iam:GetPolicy after 3 attempts/],
  ])('%s', async (_name, action, fault, when, reason) => {
    const s = await live();
    proxy.inject(action, fault, { when: Object.fromEntries(Object.entries(when).map(([k, v]) => [k, v === 'BOUNDARY' ? arns.boundary : v])) });
    const r = await iamReport(contextOf(config), s);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['RG307']);
    const f = r.findings[0];
    expect(f.message).toMatch(/^Not verified: what the head role head-role may do \(the calls Ray's autoscaler makes, iam:PassRole of the worker roles\): the policies of role head-role could not be read \(/);
    expect(f.message).toMatch(reason);
    expect(config.slice(f.start, f.end)).toBe('head'); // on the head's IamInstanceProfile
    expect(proxy.count(action)).toBeGreaterThan(0);
    const head = r.cards.find((c) => c.isHead)!;
    expect(head.verdicts).toBeUndefined();
    expect(head.unverifiedReason).toMatch(reason);
    const headline = cardHeadline(head, true);
    expect(headline.icon).not.toBe('✔');
    expect(headline.permissions).toBe('unverified');
  }, 30_000);

  it('a document the credentials may not read: "maybe", naming the call that refused it', async () => {
    const s = await live();
    proxy.inject('GetPolicyVersion', { kind: 'deny' }, { when: { PolicyArn: arns.headPolicy } });
    const r = await iamReport(contextOf(config), s);
    // The unread policy might deny PassRole as well: both verdicts are "maybe", both say why.
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['RG304', 'warning'], ['RG305', 'warning']]);
    const why = 'policy ray-head-policy could not be read (AccessDenied on iam:GetPolicyVersion (the credentials in use may not read managed policy documents))';
    for (const f of r.findings) expect(f.message).toContain(why);
    expect(r.findings[1].message).toBe(
      `Maybe: it cannot be decided here whether the head role head-role may iam:PassRole arn:aws:iam::${ACCOUNT}:role/worker-role: ${why} (answered by the local policy evaluator)`,
    );
  });

  it('SimulatePrincipalPolicy throttled: the local evaluator still answers, no verdict is lost', async () => {
    const s = await live();
    proxy.inject('SimulatePrincipalPolicy', { kind: 'throttle' });
    const r = await iamReport(contextOf(config), s);
    expect(proxy.count('SimulatePrincipalPolicy')).toBeGreaterThan(0);
    expect(r.findings).toEqual([]);
    const head = r.cards.find((c) => c.isHead)!;
    expect(head.verdicts!.length).toBeGreaterThan(0);
    expect(head.verdicts!.every((v) => v.evaluator === 'local' && v.decision === 'allowed')).toBe(true);
  }, 30_000);
});

describe('the live source\'s label', () => {
  it('does not carry the account id (shown beside it, once)', async () => {
    const s = await live();
    expect(s.info()).toMatchObject({ label: 'live AWS account', accountId: ACCOUNT });
  });
});
