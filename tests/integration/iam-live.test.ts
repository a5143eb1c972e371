/**
 * LiveIamSource through the real @aws-sdk/client-iam and client-sts (no SDK mocks), against moto
 * (tests/helpers/moto.ts) behind a counting, fault-injecting proxy (tests/helpers/fault-proxy.ts).
 *
 * moto is seeded once; every test makes its own source, so caches never leak between tests, and
 * the proxy's faults and counts are cleared before each test.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLiveIamSource, planSimulation, type LiveIamSource, type LiveOptions } from '../../lib/iam/live';
import { IamUnavailableError, type IamSource } from '../../lib/iam/types';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import {
  EC2_TRUST,
  motoIamClient,
  seedManagedPolicy,
  seedProfile,
  seedRole,
  startMoto,
  trustFor,
  useDummyAwsEnv,
  type Moto,
} from '../helpers/moto';

const ACCOUNT = '123456789012';
const OTHER = '111111111111';

let moto: Moto;
let proxy: FaultProxy;
let restoreEnv: () => void;

const arns = {} as {
  head: string;
  worker: string;
  autoscaler: string;
  extra: string;
  boundary: string;
  headProfile: string;
};

/** Characters that URL-encoding changes: the decoded document must give them back exactly. */
const TRICKY = 'demo cluster+1 %41 & ü';

function fast(extra: LiveOptions = {}): LiveOptions {
  return { endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint, timeoutMs: 2000, retryBaseDelayMs: 2, ...extra };
}

async function source(extra: LiveOptions = {}): Promise<LiveIamSource> {
  const s = await createLiveIamSource(fast(extra));
  proxy.resetCounts();
  s.resetStats();
  return s;
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IamUnavailableError);
    return (e as IamUnavailableError).reason;
  }
  throw new Error('expected an IamUnavailableError');
}

beforeAll(async () => {
  restoreEnv = useDummyAwsEnv();
  moto = await startMoto();
  await moto.reset();
  proxy = await startFaultProxy(moto.endpoint);
  const iam = motoIamClient(moto.endpoint);

  arns.worker = await seedRole(iam, { name: 'ray-worker-role', path: '/ray/' });
  await seedProfile(iam, 'ray-worker-profile', { path: '/ray/', role: 'ray-worker-role' });

  arns.autoscaler = await seedManagedPolicy(iam, 'ray-autoscaler', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:CreateTags', 'ec2:Describe*'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: arns.worker },
    ],
  });
  arns.extra = await seedManagedPolicy(iam, 'ray-extra', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ray-bucket/*' }],
  });
  arns.boundary = await seedManagedPolicy(iam, 'ray-boundary', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['ec2:*', 'iam:PassRole', 's3:*'], Resource: '*' }],
  });
  arns.head = await seedRole(iam, {
    name: 'ray-head-role',
    path: '/ray/',
    boundaryArn: arns.boundary,
    managedArns: [arns.autoscaler, arns.extra],
    inline: {
      'ray-head-inline': {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyOwnCluster',
            Effect: 'Deny',
            Action: 'ec2:TerminateInstances',
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:ResourceTag/ray-cluster-name': TRICKY } },
          },
        ],
      },
    },
  });
  arns.headProfile = await seedProfile(iam, 'ray-head-profile', { path: '/ray/', role: 'ray-head-role' });

  // A head that may not pass the worker role (no PassRole anywhere).
  await seedRole(iam, {
    name: 'ray-head-nopass-role',
    inline: { 'no-pass': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' }] } },
  });
  await seedProfile(iam, 'ray-head-nopass-profile', { role: 'ray-head-nopass-role' });

  await seedProfile(iam, 'empty-profile');
  await seedRole(iam, { name: 'lambda-role', trust: trustFor('lambda.amazonaws.com') });
  await seedProfile(iam, 'lambda-profile', { role: 'lambda-role' });
  await seedRole(iam, { name: 'role-without-profile' });

  // Ten more profiles, one role each, for the call budget.
  for (let i = 0; i < 10; i++) {
    await seedRole(iam, { name: `bud-role-${i}` });
    await seedProfile(iam, `bud-profile-${i}`, { role: `bud-role-${i}` });
  }

  // Another account, reachable through sts:AssumeRole.
  const other = motoIamClient(moto.endpoint, OTHER);
  await seedRole(other, { name: 'rayguard-reader', trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] } });
  await seedRole(other, { name: 'other-role' });
  await seedProfile(other, 'other-profile', { role: 'other-role' });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  restoreEnv?.();
});

beforeEach(() => proxy.reset());

describe('createLiveIamSource', () => {
  it('learns the account and partition from sts:GetCallerIdentity', async () => {
    const s = await createLiveIamSource(fast());
    expect(s.info()).toEqual({ kind: 'live', label: 'live AWS account', accountId: ACCOUNT, partition: 'aws' }); // the account once, in accountId
    expect(proxy.count('GetCallerIdentity')).toBe(1);
    expect(s.stats().calls.GetCallerIdentity).toBe(1);
    await s.getInstanceProfile('ray-head-profile');
    // IAM is global: signed for us-east-1 in the aws partition.
    expect(proxy.signingRegions().GetInstanceProfile).toBe('us-east-1');
  });

  it('rejects with "no AWS credentials found" when the default chain has none', async () => {
    const restore = useDummyAwsEnv({
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/rayguard/credentials',
      AWS_CONFIG_FILE: '/nonexistent/rayguard/config',
    });
    try {
      const reason = await reasonOf(createLiveIamSource(fast()));
      expect(reason).toMatch(/^no AWS credentials found \(/);
      expect(proxy.total()).toBe(0);
    } finally {
      restore();
    }
  });

  it('honours AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS', async () => {
    const restore = useDummyAwsEnv({ AWS_ENDPOINT_URL_IAM: proxy.endpoint, AWS_ENDPOINT_URL_STS: proxy.endpoint });
    try {
      const s = await createLiveIamSource({ retryBaseDelayMs: 2 });
      expect((await s.getInstanceProfile('ray-head-profile'))?.arn).toBe(arns.headProfile);
      expect(proxy.counts()).toEqual({ GetCallerIdentity: 1, GetInstanceProfile: 1 });
    } finally {
      restore();
    }
  });

  const callerIdentity = (partition: string) => ({
    kind: 'reply' as const,
    body:
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
      `<Arn>arn:${partition}:iam::${ACCOUNT}:user/validator</Arn><UserId>validator</UserId><Account>${ACCOUNT}</Account>` +
      '</GetCallerIdentityResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
  });

  it('signs IAM for the partition of the credentials (aws-cn: cn-north-1)', async () => {
    proxy.inject('GetCallerIdentity', callerIdentity('aws-cn'));
    const s = await createLiveIamSource(fast());
    expect(s.info().partition).toBe('aws-cn');
    await s.getInstanceProfile('ray-head-profile');
    expect(proxy.signingRegions().GetInstanceProfile).toBe('cn-north-1');
  });

  it('refuses credentials of another partition than the one asked for', async () => {
    proxy.inject('GetCallerIdentity', callerIdentity('aws'));
    const reason = await reasonOf(createLiveIamSource(fast({ partition: 'aws-us-gov', stsRegion: 'us-gov-west-1' })));
    expect(reason).toBe("the credentials in use belong to partition aws, not aws-us-gov");
  });
});

describe('lookups', () => {
  it('getInstanceProfile: profile, role, decoded trust policy; NoSuchEntity -> null', async () => {
    const s = await source();
    const p = await s.getInstanceProfile('ray-head-profile');
    expect(p).toMatchObject({ name: 'ray-head-profile', path: '/ray/', arn: `arn:aws:iam::${ACCOUNT}:instance-profile/ray/ray-head-profile` });
    expect(p!.roles).toHaveLength(1);
    expect(p!.roles[0]).toMatchObject({ name: 'ray-head-role', path: '/ray/', arn: arns.head });
    expect(p!.roles[0].trustPolicy).toEqual(EC2_TRUST);

    expect(await s.getInstanceProfile('no-such-profile')).toBeNull();
    expect((await s.getInstanceProfile('empty-profile'))!.roles).toEqual([]);
    const lambda = await s.getInstanceProfile('lambda-profile');
    expect(lambda!.roles[0].trustPolicy).toEqual(trustFor('lambda.amazonaws.com'));
  });

  it('listInstanceProfilesForRole: profiles of the role, [] without one, null without the role', async () => {
    const s = await source();
    expect((await s.listInstanceProfilesForRole('ray-head-role'))!.map((p) => p.arn)).toEqual([arns.headProfile]);
    expect(await s.listInstanceProfilesForRole('role-without-profile')).toEqual([]);
    expect(await s.listInstanceProfilesForRole('no-such-role')).toBeNull();
  });

  it('listInstanceProfiles: all of them, bounded, following Marker', async () => {
    const s = await source();
    const all = await s.listInstanceProfiles();
    expect(all.map((p) => p.name)).toEqual(
      expect.arrayContaining(['ray-head-profile', 'ray-worker-profile', 'empty-profile', 'lambda-profile', 'bud-profile-9']),
    );
    expect(all).toHaveLength(15);

    const bounded = await source({ maxListedProfiles: 3 });
    expect(await bounded.listInstanceProfiles()).toHaveLength(3);

    // moto ignores MaxItems: a canned first page shows the Marker is followed.
    proxy.inject(
      'ListInstanceProfiles',
      {
        kind: 'reply',
        body:
          '<ListInstanceProfilesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListInstanceProfilesResult>' +
          '<IsTruncated>true</IsTruncated><Marker>page2</Marker><InstanceProfiles><member><Path>/</Path>' +
          `<InstanceProfileName>first-page</InstanceProfileName><InstanceProfileId>x</InstanceProfileId><Arn>arn:aws:iam::${ACCOUNT}:instance-profile/first-page</Arn>` +
          '<CreateDate>2026-01-01T00:00:00Z</CreateDate><Roles/></member></InstanceProfiles></ListInstanceProfilesResult>' +
          '<ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></ListInstanceProfilesResponse>',
      },
      { times: 1 },
    );
    const paged = await source();
    const names = (await paged.listInstanceProfiles()).map((p) => p.name);
    expect(names[0]).toBe('first-page');
    expect(names).toHaveLength(16);
    expect(proxy.count('ListInstanceProfiles')).toBe(2);
  });

  it('getRolePolicies: inline, managed (default version) and boundary, URL-encoded documents decoded', async () => {
    const s = await source();
    const rp = await s.getRolePolicies('ray-head-role');
    expect(rp!.roleArn).toBe(arns.head);
    expect(rp!.policies.map((p) => [p.kind, p.name, p.arn])).toEqual([
      ['inline', 'ray-head-inline', undefined],
      ['managed', 'ray-autoscaler', arns.autoscaler],
      ['managed', 'ray-extra', arns.extra],
    ]);
    const inline = rp!.policies[0].document!;
    const st = (Array.isArray(inline.Statement) ? inline.Statement : [inline.Statement])[0]!;
    // moto URL-encodes GetRolePolicy documents: the value comes back exactly.
    expect(st.Condition).toEqual({ StringNotEquals: { 'aws:ResourceTag/ray-cluster-name': TRICKY } });
    expect(rp!.policies[1].document!.Statement).toContainEqual({ Effect: 'Allow', Action: 'iam:PassRole', Resource: arns.worker });
    expect(rp!.permissionsBoundary).toMatchObject({ kind: 'managed', name: 'ray-boundary', arn: arns.boundary });
    expect(rp!.permissionsBoundary!.document!.Statement).toEqual([{ Effect: 'Allow', Action: ['ec2:*', 'iam:PassRole', 's3:*'], Resource: '*' }]);

    const nopass = await s.getRolePolicies('ray-head-nopass-role');
    expect(nopass!.permissionsBoundary).toBeNull();
    expect(JSON.stringify(nopass!.policies)).not.toContain('iam:PassRole');
    expect(await s.getRolePolicies('no-such-role')).toBeNull();
  });

  it('getRolePolicies: a managed policy that cannot be read gives document null, not a failure', async () => {
    proxy.inject('GetPolicy', { kind: 'deny' }, { when: { PolicyArn: arns.extra } });
    const s = await source();
    const rp = await s.getRolePolicies('ray-head-role');
    const extra = rp!.policies.find((p) => p.name === 'ray-extra')!;
    expect(extra).toEqual({
      kind: 'managed', name: 'ray-extra', arn: arns.extra, document: null,
      unreadable: 'AccessDenied on iam:GetPolicy (the credentials in use may not read managed policies)',
    });
    expect(rp!.policies.find((p) => p.name === 'ray-autoscaler')!.document).not.toBeNull();
    expect(rp!.permissionsBoundary!.document).not.toBeNull();
  });

  it('getRolePolicies: AccessDenied on the role itself is an IamUnavailableError naming the call', async () => {
    proxy.inject('GetRole', { kind: 'deny' });
    const s = await source();
    expect(await reasonOf(s.getRolePolicies('ray-head-role'))).toBe(
      "AccessDenied on iam:GetRole (the credentials in use may not read roles)",
    );
  });
});

describe('failures', () => {
  it('throttling: the SDK retries, and succeeds after N throttled attempts', async () => {
    proxy.inject('GetInstanceProfile', { kind: 'throttle' }, { times: 2 });
    const s = await source();
    expect((await s.getInstanceProfile('ray-head-profile'))!.name).toBe('ray-head-profile');
    expect(proxy.count('GetInstanceProfile')).toBe(3);
    expect(s.stats().calls.GetInstanceProfile).toBe(1);
    expect(s.stats().attempts.GetInstanceProfile).toBe(3);
  });

  it('throttling: adaptive retry mode also recovers', async () => {
    proxy.inject('GetInstanceProfile', { kind: 'throttle' }, { times: 1 });
    const s = await source({ retryMode: 'adaptive' });
    expect(await s.getInstanceProfile('ray-head-profile')).not.toBeNull();
    expect(proxy.count('GetInstanceProfile')).toBe(2);
  });

  it('persistent throttling: IamUnavailableError "throttled by IAM ... after 3 attempts"', async () => {
    proxy.inject('GetRole', { kind: 'throttle' });
    const s = await source();
    expect(await reasonOf(s.getRolePolicies('ray-head-role'))).toBe('throttled by IAM on iam:GetRole after 3 attempts');
    expect(proxy.count('GetRole')).toBe(3);
  });

  it('AccessDenied: not retried, names the call and what the credentials may not do', async () => {
    proxy.inject('GetInstanceProfile', { kind: 'deny' });
    const s = await source();
    expect(await reasonOf(s.getInstanceProfile('ray-head-profile'))).toBe(
      "AccessDenied on iam:GetInstanceProfile (the credentials in use may not read instance profiles)",
    );
    expect(proxy.count('GetInstanceProfile')).toBe(1);
  });

  it('5xx: retried; persistent 503 is "IAM endpoint error 503"; a transient one recovers', async () => {
    proxy.inject('GetInstanceProfile', { kind: 'status', status: 503 });
    const s = await source();
    expect(await reasonOf(s.getInstanceProfile('ray-head-profile'))).toBe(
      'IAM endpoint error 503 on iam:GetInstanceProfile (ServiceUnavailable) after 3 attempts',
    );
    proxy.reset();
    proxy.inject('GetInstanceProfile', { kind: 'status', status: 500, body: 'html' }, { times: 1 });
    expect(await s.getInstanceProfile('ray-head-profile')).not.toBeNull();
    expect(proxy.count('GetInstanceProfile')).toBe(2);
  });

  it('hang: each attempt times out; the reason gives the time', async () => {
    proxy.inject('GetInstanceProfile', { kind: 'hang' });
    const s = await source({ timeoutMs: 300, maxAttempts: 2 });
    const t0 = Date.now();
    expect(await reasonOf(s.getInstanceProfile('ray-head-profile'))).toBe(
      'IAM did not answer iam:GetInstanceProfile within 0.3 s (2 attempts)',
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(proxy.count('GetInstanceProfile')).toBe(2);
  });

  it('errors are not cached: the next call asks again', async () => {
    proxy.inject('GetInstanceProfile', { kind: 'deny' }, { times: 1 });
    const s = await source();
    await reasonOf(s.getInstanceProfile('ray-head-profile'));
    expect(await s.getInstanceProfile('ray-head-profile')).not.toBeNull();
    expect(proxy.count('GetInstanceProfile')).toBe(2);
  });

  it('reasons never carry credential material', async () => {
    const creds = { accessKeyId: 'testing-id-for-reasons', secretAccessKey: 'testing-secret-for-reasons', sessionToken: 'testing-token' };
    const reasons: string[] = [];
    for (const fault of [{ kind: 'deny' }, { kind: 'throttle' }, { kind: 'status', status: 502 }] as const) {
      proxy.reset();
      proxy.inject('GetInstanceProfile', fault);
      const s = await createLiveIamSource(fast({ credentials: creds, maxAttempts: 1 }));
      reasons.push(await reasonOf(s.getInstanceProfile('ray-head-profile')));
    }
    for (const r of reasons) {
      for (const secret of Object.values(creds)) expect(r).not.toContain(secret);
    }
  });
});

describe('simulate', () => {
  const questions = [
    { action: 'ec2:RunInstances', resource: '*' },
    { action: 'ec2:TerminateInstances', resource: '*' },
  ];

  it('moto does not implement SimulatePrincipalPolicy: null, asked once, remembered', async () => {
    const s = await source();
    expect(await s.simulate(arns.head, questions)).toBeNull();
    expect(await s.simulate(arns.head, questions)).toBeNull();
    expect(await s.simulate(arns.worker, [{ action: 'iam:PassRole', resource: arns.worker }])).toBeNull();
    expect(proxy.count('SimulatePrincipalPolicy')).toBe(1);
    expect(s.simulatorUnavailableReason()).toBe('the IAM endpoint does not implement iam:SimulatePrincipalPolicy');
  });

  it('AccessDenied on the simulator: null, remembered', async () => {
    proxy.inject('SimulatePrincipalPolicy', { kind: 'deny' });
    const s = await source();
    expect(await s.simulate(arns.head, questions)).toBeNull();
    expect(await s.simulate(arns.head, questions)).toBeNull();
    expect(proxy.count('SimulatePrincipalPolicy')).toBe(1);
    expect(s.simulatorUnavailableReason()).toMatch(/^AccessDenied on iam:SimulatePrincipalPolicy/);
  });

  it('throttled simulator: throws, and is asked again next time', async () => {
    proxy.inject('SimulatePrincipalPolicy', { kind: 'throttle' });
    const s = await source({ maxAttempts: 1 });
    expect(await reasonOf(s.simulate(arns.head, questions))).toMatch(/^throttled by IAM on iam:SimulatePrincipalPolicy/);
    await reasonOf(s.simulate(arns.head, questions));
    expect(proxy.count('SimulatePrincipalPolicy')).toBe(2);
  });

  it('maps EvalDecision and MissingContextValues from an AWS-shaped answer, grouping questions', async () => {
    /** A canned SimulatePrincipalPolicy answer for whatever was asked. */
    const answer = (form: URLSearchParams) => {
      const list = (prefix: string) => [...form.entries()].filter(([k]) => new RegExp(`^${prefix}\\.member\\.\\d+$`).test(k)).map(([, v]) => v);
      const actions = list('ActionNames');
      const resources = list('ResourceArns');
      const passedTo = [...form.entries()].find(([k, v]) => /ContextKeyName$/.test(k) && v === 'iam:PassedToService');
      const members = actions.flatMap((a) =>
        (resources.length ? resources : ['*']).map((r) => {
          let decision = 'implicitDeny';
          let missing = '';
          if (a === 'ec2:RunInstances') decision = 'allowed';
          if (a === 'ec2:TerminateInstances') {
            decision = 'explicitDeny';
            missing = '<MissingContextValues><member>aws:ResourceTag/ray-cluster-name</member></MissingContextValues>';
          }
          if (a === 'iam:PassRole' && passedTo) decision = 'allowed';
          return `<member><EvalActionName>${a}</EvalActionName><EvalResourceName>${r}</EvalResourceName><EvalDecision>${decision}</EvalDecision><MatchedStatements/>${missing}</member>`;
        }),
      );
      return (
        '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult>' +
        `<IsTruncated>false</IsTruncated><EvaluationResults>${members.join('')}</EvaluationResults>` +
        '</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>'
      );
    };
    proxy.inject('SimulatePrincipalPolicy', { kind: 'reply', body: answer });
    const s = await source();
    const qs = [
      { action: 'ec2:RunInstances', resource: '*' },
      { action: 'ec2:TerminateInstances', resource: '*' },
      { action: 'ec2:CreateTags', resource: '*' },
      { action: 'iam:PassRole', resource: arns.worker, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    ];
    const out = await s.simulate(arns.head, qs);
    expect(out).toEqual([
      { ...qs[0], decision: 'allowed', missingContext: [] },
      { ...qs[1], decision: 'explicit-deny', missingContext: ['aws:ResourceTag/ray-cluster-name'] },
      { ...qs[2], decision: 'implicit-deny', missingContext: [] },
      { ...qs[3], decision: 'allowed', missingContext: [] },
    ]);
    // Two context groups: two calls; then cached.
    expect(proxy.count('SimulatePrincipalPolicy')).toBe(2);
    expect(await s.simulate(arns.head, qs)).toEqual(out);
    expect(proxy.count('SimulatePrincipalPolicy')).toBe(2);
  });

  it('planSimulation: one call per context group when the product is small', () => {
    const plan = planSimulation([
      { action: 'ec2:RunInstances', resource: 'arn:a' },
      { action: 'ec2:CreateTags', resource: 'arn:b' },
      { action: 'iam:PassRole', resource: 'arn:r', context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      { action: 'iam:PassRole', resource: 'arn:r2', context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    ]);
    expect(plan).toHaveLength(2);
    expect(plan[0]).toMatchObject({ actions: ['ec2:CreateTags', 'ec2:RunInstances'], resources: ['arn:a', 'arn:b'], context: [] });
    expect(plan[1]).toMatchObject({
      actions: ['iam:PassRole'],
      resources: ['arn:r', 'arn:r2'],
      context: [{ ContextKeyName: 'iam:PassedToService', ContextKeyValues: ['ec2.amazonaws.com'], ContextKeyType: 'string' }],
    });
  });
});

describe('cache and collapsing', () => {
  it('k distinct profiles: cold <= 4k calls, warm 0 calls', async () => {
    const k = 10;
    const s = await source();
    const run = async () => {
      for (let i = 0; i < k; i++) expect((await s.getInstanceProfile(`bud-profile-${i}`))!.roles[0].name).toBe(`bud-role-${i}`);
      expect((await s.getRolePolicies('ray-head-role'))!.policies).toHaveLength(3);
      await s.simulate(arns.head, [{ action: 'ec2:RunInstances', resource: '*' }]);
    };
    await run();
    const cold = proxy.total();
    const sent = Object.values(s.stats().calls).reduce((a, b) => a + b, 0);
    expect(cold).toBeLessThanOrEqual(4 * k);
    expect(sent).toBe(cold);
    proxy.resetCounts();
    await run();
    expect(proxy.total()).toBe(0);
  });

  it('10 concurrent identical getInstanceProfile calls send 1 request', async () => {
    const s = await source();
    const all = await Promise.all(Array.from({ length: 10 }, () => s.getInstanceProfile('ray-head-profile')));
    expect(new Set(all.map((p) => p!.arn))).toEqual(new Set([arns.headProfile]));
    expect(proxy.count('GetInstanceProfile')).toBe(1);
    expect(s.stats().collapsed).toBe(9);
  });

  it('NoSuchEntity is cached; the cache expires after ttlMs', async () => {
    let now = 1_000_000;
    const s = await source({ now: () => now, ttlMs: 60_000 });
    expect(await s.getInstanceProfile('no-such-profile')).toBeNull();
    expect(await s.getInstanceProfile('no-such-profile')).toBeNull();
    await s.getInstanceProfile('ray-head-profile');
    expect(proxy.count('GetInstanceProfile')).toBe(2);
    now += 59_000;
    await s.getInstanceProfile('ray-head-profile');
    expect(proxy.count('GetInstanceProfile')).toBe(2);
    now += 2_000;
    await s.getInstanceProfile('ray-head-profile');
    expect(await s.getInstanceProfile('no-such-profile')).toBeNull();
    expect(proxy.count('GetInstanceProfile')).toBe(4);
  });
});

describe('forAccount', () => {
  it('same account: this source; no mapping: a reason naming RAYGUARD_ASSUME_ROLES', async () => {
    const s = await source();
    expect(await s.forAccount(ACCOUNT)).toBe(s);
    expect(await s.forAccount(OTHER)).toEqual({
      unavailable: `profile is in account ${OTHER}; no role to assume there is configured (CLI: --assume-role; server: RAYGUARD_ASSUME_ROLES)`,
    });
    expect(proxy.total()).toBe(0);
  });

  it('with a mapping: assumes the role and reads that account through moto', async () => {
    const roleArn = `arn:aws:iam::${OTHER}:role/rayguard-reader`;
    const s = await source({ assumeRoles: { [OTHER]: { roleArn, externalId: 'rayguard-ext' } } });
    const other = (await s.forAccount(OTHER)) as IamSource;
    expect('unavailable' in other).toBe(false);
    expect(other.info()).toMatchObject({ kind: 'live', accountId: OTHER, partition: 'aws' });
    expect((await other.getInstanceProfile('other-profile'))!.arn).toBe(`arn:aws:iam::${OTHER}:instance-profile/other-profile`);
    expect(await s.getInstanceProfile('other-profile')).toBeNull();
    expect(await other.getInstanceProfile('ray-head-profile')).toBeNull();
    // One session, reused.
    expect(await s.forAccount(OTHER)).toBe(other);
    expect(await other.forAccount!(ACCOUNT)).toBe(s);
    expect(proxy.count('AssumeRole')).toBe(1);
  });

  it('refreshes the assumed-role credentials before they expire', async () => {
    const roleArn = `arn:aws:iam::${OTHER}:role/rayguard-reader`;
    // moto honours any DurationSeconds: a 1 s session expires during the test.
    const s = await source({ assumeRoles: { [OTHER]: { roleArn } }, assumeRoleDurationSeconds: 1 });
    const other = (await s.forAccount(OTHER)) as LiveIamSource;
    expect(await other.getInstanceProfile('other-profile')).not.toBeNull();
    expect(proxy.count('AssumeRole')).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await other.getInstanceProfile('other-role-missing')).toBeNull();
    expect(proxy.count('AssumeRole')).toBe(2);
  });

  it('a role that cannot be assumed: unavailable with the reason', async () => {
    proxy.inject('AssumeRole', { kind: 'deny' });
    const s = await source({ assumeRoles: { [OTHER]: { roleArn: `arn:aws:iam::${OTHER}:role/rayguard-reader` } } });
    const r = await s.forAccount(OTHER);
    expect(r).toEqual({
      unavailable: expect.stringMatching(/^could not assume arn:aws:iam::111111111111:role\/rayguard-reader for account 111111111111: AccessDenied on sts:AssumeRole/),
    });
  });
});
