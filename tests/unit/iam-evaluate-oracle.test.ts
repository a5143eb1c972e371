/**
 * Differential test of the local IAM evaluator (lib/iam/evaluate.ts) against
 * `@cloud-copilot/iam-simulate`, a dev-only oracle.
 *
 * LICENCE: iam-simulate is AGPL-3.0-or-later. It is a devDependency and may ONLY be imported from
 * tests, never from lib/, app/, components/ or bin/ (the last test below guards that).
 *
 * fast-check generates identity policies (and sometimes a permissions boundary) over a small
 * alphabet of actions, resources and conditions; every condition key is either given in the
 * context or absent (closedWorld: true), so our evaluator must give a certain answer, and that
 * answer must equal the oracle's. The oracle takes 3–4 ms per evaluation: 250 runs × 2–3
 * requests, a few seconds.
 *
 * Input classes left out on purpose, because the oracle applies semantics we deliberately don't:
 * - Request resources containing wildcards (`…:instance/*`): the oracle answers for "some
 *   resource matching the pattern" (pattern intersection); we match the request resource as a
 *   literal string (see lib/iam/evaluate.ts). Requests here name concrete resources, or `*` for
 *   the wildcard-only ec2:DescribeInstances.
 * - Request resources of the wrong type for the action (a role ARN for RunInstances): the oracle
 *   rejects them from its action/resource catalogue; we have no catalogue.
 * - Resource patterns where a `*` ends a middle ARN segment and later segments are missing
 *   (`arn:aws:ec2:*:instance/*`): the oracle matches segment by segment, we glob the whole ARN
 *   (AWS: a `*` at the end of a segment "can expand beyond the colon boundaries").
 * - Short ARNs in NotResource (`"NotResource": "arn:aws:ec2:*"`): the oracle never lets such a
 *   statement apply to a resource outside it (its "shortArnExpandedMismatch" is not invertible),
 *   although it does for the equivalent `arn:aws:ec2:*:*:*`; we treat both alike. Short ARNs are
 *   generated in Resource only.
 * - A single-valued operator (no ForAnyValue/ForAllValues) on a multivalued key such as
 *   aws:TagKeys: the oracle knows the key's type from its catalogue and says false even when the
 *   request carries one value; we go by the number of values in the request (AWS: "the difference
 *   … lies in the number of values in the request context"), so one value is compared as is.
 *   With several values both say false. Generated multivalued keys always get a set operator.
 * - A set operator with IfExists (`ForAnyValue:StringEqualsIfExists`) on an absent key: the oracle
 *   ignores IfExists there (ForAnyValue → false); we apply AWS's general IfExists rule ("if the key
 *   is not present, evaluate the condition element as true"). Set operators are generated without
 *   IfExists.
 * - Policy variables inside the fields of ArnLike/ArnEquals values
 *   (`arn:aws:iam::${aws:PrincipalTag/acct}:role/*`): the oracle splits the value on `:` before
 *   substituting, so the variable's own colon shifts the fields. Variables are generated in
 *   Resource patterns only.
 * - Dates given as epoch seconds: the oracle compares the bare integer with milliseconds from
 *   Date.parse (so `1750000000` is in January 1970 for it); AWS and we read epoch seconds.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { evaluate, type ContextValue, type Decision, type PolicyInput } from '@/lib/iam/evaluate';
import type { PolicyDocument, PolicyStatement } from '@/lib/iam/types';

const ACCT = '111122223333';
const PRINCIPAL = `arn:aws:iam::${ACCT}:role/ray-head`;
const INST_E1 = `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0123456789abcdef0`;
const INST_W2 = `arn:aws:ec2:us-west-2:${ACCT}:instance/i-0fedcba9876543210`;
const ROLE_WORKER = `arn:aws:iam::${ACCT}:role/ray-worker`;
const ROLE_ML = `arn:aws:iam::${ACCT}:role/ml-worker`;
const ROLE_WEB = `arn:aws:iam::${ACCT}:role/web-app`;
const S3_OBJ = 'arn:aws:s3:::ray-bucket/logs/a.txt';

/** Only requests the oracle accepts: known actions on resources of a type the action takes. */
const REQUESTS: Array<{ action: string; resource: string }> = [
  { action: 'ec2:RunInstances', resource: INST_E1 },
  { action: 'ec2:RunInstances', resource: INST_W2 },
  { action: 'ec2:CreateTags', resource: INST_E1 },
  { action: 'ec2:DescribeInstances', resource: '*' },
  { action: 'iam:PassRole', resource: ROLE_WORKER },
  { action: 'iam:PassRole', resource: ROLE_ML },
  { action: 'iam:PassRole', resource: ROLE_WEB },
  { action: 's3:GetObject', resource: S3_OBJ },
];

const ACTION_PATTERNS = [
  '*',
  'ec2:*',
  'ec2:Describe*',
  'ec2:?unInstances',
  'EC2:run*',
  'ec2:RunInstances',
  'ec2:CreateTags',
  'ec2:*Tags',
  'iam:PassRole',
  'iam:Pass*',
  'iam:*',
  's3:GetObject',
  's3:Get*',
];

/** A short ARN ending in `*`: the oracle pads it with `*` segments, we glob; both mean "all of ec2". */
const SHORT_ARN = 'arn:aws:ec2:*';

const RESOURCE_PATTERNS = [
  '*',
  'arn:aws:ec2:*:*:instance/*',
  `arn:aws:ec2:us-east-1:${ACCT}:instance/*`,
  `arn:aws:ec2:*:${ACCT}:instance/i-0123*`,
  'arn:aws:ec2:*:999999999999:instance/*',
  SHORT_ARN,
  ROLE_WORKER,
  `arn:aws:iam::${ACCT}:role/ray-*`,
  `arn:aws:iam::${ACCT}:role/ray-?orker`,
  `arn:aws:iam::${ACCT}:role/Ray-*`,
  'arn:aws:iam::*:role/*',
  `arn:aws:iam::${ACCT}:role/\${aws:PrincipalTag/team}-*`,
  'arn:aws:s3:::ray-bucket/*',
  'arn:aws:s3:::ray-bucket/logs/?.txt',
];

const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'];
const NUMERIC_OPS = ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'];
const DATE_OPS = ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'];
const ARN_OPS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'];

interface KeySpec {
  key: string;
  ops: string[];
  /** Values a policy may test. */
  values: string[];
  /** Values the request may carry (the key may also be absent). */
  ctx: Array<string | string[]>;
  /** Multivalued keys always get a set operator (see the header). */
  multi?: boolean;
}

const KEYS: KeySpec[] = [
  { key: 'aws:RequestedRegion', ops: STRING_OPS, values: ['us-east-1', 'us-west-2', 'us-*', 'US-EAST-1', 'eu-?est-1'], ctx: ['us-east-1', 'us-west-2', 'eu-west-1'] },
  { key: 'aws:PrincipalTag/team', ops: STRING_OPS, values: ['ml', 'data', 'm?', 'ML', '*'], ctx: ['ml', 'data', 'ray', 'web'] },
  {
    key: 'iam:PassedToService',
    ops: STRING_OPS,
    values: ['ec2.amazonaws.com', 'lambda.amazonaws.com', '*.amazonaws.com', 'EC2.amazonaws.com'],
    ctx: ['ec2.amazonaws.com', 'lambda.amazonaws.com'],
  },
  { key: 'aws:SourceIp', ops: ['IpAddress', 'NotIpAddress'], values: ['10.0.0.0/8', '192.168.1.0/24', '203.0.113.5/32', '203.0.113.5'], ctx: ['10.1.2.3', '192.168.1.7', '203.0.113.5', '8.8.8.8'] },
  { key: 'aws:MultiFactorAuthPresent', ops: ['Bool'], values: ['true', 'false'], ctx: ['true', 'false'] },
  { key: 'aws:MultiFactorAuthAge', ops: NUMERIC_OPS, values: ['300', '3600', '300.0'], ctx: ['100', '300', '5000'] },
  {
    key: 'aws:CurrentTime',
    ops: DATE_OPS,
    values: ['2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z', '2025-06-01'],
    ctx: ['2025-06-01T00:00:00Z', '2024-01-01T00:00:00Z', '2031-01-01T12:00:00Z'],
  },
  {
    key: 'aws:PrincipalArn',
    ops: ARN_OPS,
    values: [`arn:aws:iam::${ACCT}:role/ray-*`, 'arn:aws:iam::*:role/ray-head', 'arn:aws:iam::222233334444:role/*', PRINCIPAL],
    ctx: [PRINCIPAL],
  },
  { key: 'aws:TagKeys', ops: STRING_OPS, values: ['team', 'env', 'ray-*'], ctx: [['team'], ['team', 'env'], ['team', 'owner'], ['ray-cluster']], multi: true },
];

type Cond = [op: string, key: string, values: string[]];

const condArb: fc.Arbitrary<Cond> = fc.constantFrom(...KEYS).chain((spec) =>
  fc
    .record({
      nullOp: fc.integer({ min: 0, max: 9 }),
      op: fc.constantFrom(...spec.ops),
      set: spec.multi
        ? fc.constantFrom('ForAnyValue:', 'ForAllValues:')
        : fc.constantFrom('', '', '', '', '', '', '', '', 'ForAnyValue:', 'ForAllValues:'),
      ifExists: fc.integer({ min: 0, max: 3 }),
      values: fc.uniqueArray(fc.constantFrom(...spec.values), { minLength: 1, maxLength: 2 }),
      nullValue: fc.constantFrom('true', 'false'),
    })
    .map(({ nullOp, op, set, ifExists, values, nullValue }): Cond =>
      nullOp === 0 ? ['Null', spec.key, [nullValue]] : [`${set}${op}${ifExists === 0 && !set ? 'IfExists' : ''}`, spec.key, values],
    ),
);

/** One pattern or a list of them; `*` now and then, so that enough requests are allowed. */
const one = (xs: string[]) =>
  fc.oneof(
    { arbitrary: fc.constant('*'), weight: 1 },
    { arbitrary: fc.constantFrom(...xs), weight: 3 },
    { arbitrary: fc.uniqueArray(fc.constantFrom(...xs), { minLength: 1, maxLength: 3 }), weight: 3 },
  );

const statementArb: fc.Arbitrary<PolicyStatement> = fc
  .record({
    deny: fc.integer({ min: 0, max: 3 }),
    notAction: fc.integer({ min: 0, max: 7 }),
    notResource: fc.integer({ min: 0, max: 7 }),
    actions: one(ACTION_PATTERNS),
    resources: one(RESOURCE_PATTERNS),
    notResources: one(RESOURCE_PATTERNS.filter((r) => r !== SHORT_ARN)),
    conds: fc.oneof(fc.constant([]), fc.array(condArb, { minLength: 1, maxLength: 2 })),
  })
  .map(({ deny, notAction, notResource, actions, resources, notResources, conds }) => {
    const st: PolicyStatement = { Effect: deny === 0 ? 'Deny' : 'Allow' };
    if (notAction === 0) st.NotAction = actions;
    else st.Action = actions;
    if (notResource === 0) st.NotResource = notResources;
    else st.Resource = resources;
    if (conds.length) {
      const c: Record<string, Record<string, string | string[]>> = {};
      for (const [op, key, values] of conds) (c[op] ??= {})[key] = values.length === 1 ? values[0] : values;
      st.Condition = c;
    }
    return st;
  });

const docArb: fc.Arbitrary<PolicyDocument> = fc.array(statementArb, { minLength: 1, maxLength: 4 }).map((Statement) => ({ Version: '2012-10-17', Statement }));

/** Every key either has a value or is absent. */
const contextArb: fc.Arbitrary<Record<string, string | string[]>> = fc
  .tuple(...KEYS.map((k) => fc.option(fc.constantFrom(...k.ctx), { freq: 4 })))
  .map((vals) => {
    const out: Record<string, string | string[]> = {};
    vals.forEach((v, i) => {
      if (v !== null) out[KEYS[i].key] = v;
    });
    return out;
  });

const caseArb = fc.record({
  identity: fc.array(docArb, { minLength: 1, maxLength: 2 }),
  boundary: fc.option(docArb, { freq: 3 }),
  requests: fc.shuffledSubarray(REQUESTS, { minLength: 2, maxLength: 3 }),
  context: contextArb,
});

type OracleDecision = Exclude<Decision, 'maybe'>;

/** More runs for a longer hunt: IAM_ORACLE_RUNS=5000 npx vitest run tests/unit/iam-evaluate-oracle.test.ts */
const RUNS = Number(process.env.IAM_ORACLE_RUNS) || 250;

async function oracle(
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  identity: PolicyInput[],
  boundary: PolicyInput | null,
): Promise<{ decision: OracleDecision; ignoredKeys: string[] }> {
  const r = await runSimulation(
    {
      request: { principal: PRINCIPAL, action, resource: { resource, accountId: ACCT }, contextVariables: context },
      identityPolicies: identity.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(boundary ? { permissionBoundaryPolicies: [{ name: boundary.name, policy: boundary.document }] } : {}),
    },
    {},
  );
  if (r.resultType !== 'single') {
    throw new Error(`oracle answered ${r.resultType}: ${JSON.stringify(r.resultType === 'error' ? r.errors : r.overallResult)}`);
  }
  const map = { Allowed: 'allowed', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' } as const;
  const decision = map[r.overallResult as keyof typeof map];
  if (!decision) throw new Error(`unexpected oracle result ${String(r.overallResult)}`);
  return { decision, ignoredKeys: r.result.ignoredContextKeys ?? [] };
}

describe('local evaluator vs @cloud-copilot/iam-simulate', () => {
  it('gives the same decision on generated policies (closed world)', async () => {
    const seen: Record<OracleDecision, number> = { allowed: 0, 'explicit-deny': 0, 'implicit-deny': 0 };
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ identity, boundary, requests, context }) => {
        const ids: PolicyInput[] = identity.map((document, i) => ({ name: `policy-${i}`, document }));
        const bd: PolicyInput | null = boundary ? { name: 'boundary', document: boundary } : null;
        for (const { action, resource } of requests) {
          const want = await oracle(action, resource, context, ids, bd);
          // The oracle drops context keys that do not exist for the action (iam:PassedToService
          // on ec2:RunInstances): they are absent for it, so they are absent for us too.
          const ignored = new Set(want.ignoredKeys.map((k) => k.toLowerCase()));
          const ours: Record<string, ContextValue> = Object.fromEntries(Object.entries(context).filter(([k]) => !ignored.has(k.toLowerCase())));
          const got = evaluate({ action, resource, context: ours, closedWorld: true }, ids, bd);
          expect(got.decision, `${action} on ${resource}; context ${JSON.stringify(context)}; reasons ${got.reasons.join(' | ')}`).toBe(want.decision);
          seen[want.decision]++;
        }
      }),
      { numRuns: RUNS },
    );
    // The generator must exercise every outcome, not only implicit denies.
    console.log('oracle decisions seen:', JSON.stringify(seen));
    expect(seen.allowed).toBeGreaterThan(RUNS / 5);
    expect(seen['explicit-deny']).toBeGreaterThan(RUNS / 5);
    expect(seen['implicit-deny']).toBeGreaterThan(RUNS / 5);
  }, 60_000 + RUNS * 100);

  it('agrees on the hand-checked cases of the research note', async () => {
    const cases: Array<{ action: string; resource: string; context: Record<string, string | string[]>; statements: PolicyStatement[] }> = [
      {
        action: 'iam:PassRole',
        resource: ROLE_WORKER,
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
        statements: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE_WORKER, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } }],
      },
      {
        action: 'iam:PassRole',
        resource: ROLE_WORKER,
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
        statements: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE_WORKER, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } }],
      },
      {
        action: 'ec2:RunInstances',
        resource: INST_E1,
        context: {},
        statements: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalTag/team': 'ml' } } },
        ],
      },
      {
        action: 'ec2:DescribeInstances',
        resource: '*',
        context: {},
        statements: [{ Effect: 'Allow', Action: 'ec2:Describe*', NotResource: INST_E1 }],
      },
      {
        action: 'ec2:RunInstances',
        resource: INST_E1,
        context: { 'aws:TagKeys': ['team', 'owner'] },
        statements: [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } } }],
      },
    ];
    for (const c of cases) {
      const ids: PolicyInput[] = [{ name: 'p', document: { Version: '2012-10-17', Statement: c.statements } }];
      const want = await oracle(c.action, c.resource, c.context, ids, null);
      expect(evaluate({ action: c.action, resource: c.resource, context: c.context, closedWorld: true }, ids).decision).toBe(want.decision);
    }
  });
});

describe('licence guard', () => {
  it('no file under lib/, app/, components/ or bin/ mentions @cloud-copilot (AGPL: tests only)', () => {
    const root = path.resolve(__dirname, '../..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return; // the directory does not exist
      }
      for (const name of entries) {
        if (name === 'node_modules' || name === '.next') continue;
        const p = path.join(dir, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && st.size < 5_000_000 && readFileSync(p, 'latin1').includes('@cloud-copilot')) offenders.push(path.relative(root, p));
      }
    };
    for (const d of ['lib', 'app', 'components', 'bin']) walk(path.join(root, d));
    expect(offenders).toEqual([]);
  });
});
