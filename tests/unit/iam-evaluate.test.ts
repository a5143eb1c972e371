/**
 * The local IAM evaluator (lib/iam/evaluate.ts): hand-written cases with explicit expectations for
 * every rule and operator, and fast-check properties (never throws; with a closed world and only
 * supported operators it never answers "maybe").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluate,
  iamGlob,
  SUPPORTED_OPERATORS,
  type ContextValue,
  type Decision,
  type EvalRequest,
  type PolicyInput,
} from '@/lib/iam/evaluate';
import type { PolicyDocument, PolicyStatement } from '@/lib/iam/types';

const ACCT = '111122223333';
const INST = `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0123456789abcdef0`;
const VOL = `arn:aws:ec2:us-east-1:${ACCT}:volume/vol-0123456789abcdef0`;
const ROLE = `arn:aws:iam::${ACCT}:role/ray-worker`;
const RUN = 'ec2:RunInstances';

function doc(...st: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: st };
}
function allow(extra: Partial<PolicyStatement> = {}): PolicyStatement {
  return { Effect: 'Allow', Action: '*', Resource: '*', ...extra };
}
function deny(extra: Partial<PolicyStatement> = {}): PolicyStatement {
  return { Effect: 'Deny', Action: '*', Resource: '*', ...extra };
}
function req(extra: Partial<EvalRequest> = {}): EvalRequest {
  return { action: RUN, resource: INST, closedWorld: true, ...extra };
}
/** The decision for statements in one identity policy. */
function decide(statements: PolicyStatement[], r: Partial<EvalRequest> = {}, boundary?: PolicyStatement[]): Decision {
  return evaluate(req(r), [{ name: 'p', document: doc(...statements) }], boundary ? { name: 'b', document: doc(...boundary) } : null).decision;
}

describe('iamGlob', () => {
  it('matches * and ? over the whole value', () => {
    expect(iamGlob('ec2:*', 'ec2:RunInstances', true)).toBe(true);
    expect(iamGlob('*', '', false)).toBe(true);
    expect(iamGlob('*', 'anything at all', false)).toBe(true);
    expect(iamGlob('ec2:?unInstances', 'ec2:RunInstances', true)).toBe(true);
    expect(iamGlob('ec2:?unInstances', 'ec2:unInstances', true)).toBe(false);
    expect(iamGlob('ec2:Describe*', 'ec2:RunInstances', true)).toBe(false);
    expect(iamGlob('ec2:*Tags', 'ec2:CreateTags', true)).toBe(true);
    expect(iamGlob('ec2:*Tags', 'ec2:CreateTagsX', true)).toBe(false);
    expect(iamGlob('a*b*c', 'aXbYc', false)).toBe(true);
    expect(iamGlob('a*b*c', 'aXcYb', false)).toBe(false);
    expect(iamGlob('a**', 'a', false)).toBe(true);
  });

  it('is case-insensitive only when asked', () => {
    expect(iamGlob('EC2:run*', 'ec2:RunInstances', true)).toBe(true);
    expect(iamGlob('EC2:run*', 'ec2:RunInstances', false)).toBe(false);
    expect(iamGlob('arn:aws:iam::1:role/Ray', 'arn:aws:iam::1:role/ray', false)).toBe(false);
  });

  it('takes every other character literally (no regex)', () => {
    expect(iamGlob('ec2:Run.nstances', 'ec2:RunInstances', true)).toBe(false);
    expect(iamGlob('a+b(c)[d]{1}^$|\\', 'a+b(c)[d]{1}^$|\\', false)).toBe(true);
    expect(iamGlob('.*', 'xyz', false)).toBe(false);
  });

  it('has no catastrophic backtracking', () => {
    const t0 = performance.now();
    const value = 'a'.repeat(20_000);
    expect(iamGlob('a*a*a*a*a*a*a*a*a*a*b', value, false)).toBe(false);
    expect(iamGlob('*a*a*a*a*a*a*a*a*a*a', value, false)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(10_000); // a hang guard, not a performance target
  });

  it('agrees with a regular-expression reference on random patterns', () => {
    const reference = (pattern: string, value: string, ci: boolean) =>
      new RegExp(
        '^' +
          [...pattern].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('') +
          '$',
        ci ? 'i' : '',
      ).test(value);
    const pat = fc.string({ unit: fc.constantFrom('a', 'b', 'A', ':', '*', '?', '.', '\\'), maxLength: 12 });
    const val = fc.string({ unit: fc.constantFrom('a', 'b', 'A', ':', '.', '*', '?'), maxLength: 14 });
    /** A value built from the pattern (each * and ? filled in), then perhaps cut or extended. */
    const near = (p: string) =>
      fc
        .tuple(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ':'), maxLength: 3 }), { minLength: p.length, maxLength: p.length }), fc.nat(3), val)
        .map(([fill, tweak, extra]) => {
          const v = [...p].map((c, i) => (c === '*' ? fill[i] : c === '?' ? fill[i].slice(0, 1) || 'a' : c)).join('');
          return tweak === 0 ? v.slice(0, -1) : tweak === 1 ? v + extra.slice(0, 1) : v;
        });
    const cases = pat.chain((p) => fc.tuple(fc.constant(p), fc.oneof(val, near(p)), fc.boolean()));
    let matched = 0;
    fc.assert(
      fc.property(cases, ([p, v, ci]) => {
        const want = reference(p, v, ci);
        if (want) matched++;
        expect(iamGlob(p, v, ci)).toBe(want);
      }),
      { numRuns: 4000 },
    );
    expect(matched).toBeGreaterThan(800);
    // Runs with `?` longer than the bit-parallel limit.
    const longQ = 'a?'.repeat(20) + '*b';
    expect(iamGlob('*' + longQ, 'xx' + 'ab'.repeat(20) + 'zzb', false)).toBe(true);
    expect(iamGlob('*' + longQ, 'xx' + 'ab'.repeat(19) + 'zzb', false)).toBe(false);
    expect(iamGlob('*' + 'a?'.repeat(20) + '*', 'ab'.repeat(20), false)).toBe(true);
    expect(iamGlob('*' + 'a?'.repeat(20) + '*', 'ab'.repeat(19) + 'a', false)).toBe(false);
  });

  it('tolerates non-strings', () => {
    expect(iamGlob(undefined as unknown as string, 'x', true)).toBe(false);
    expect(iamGlob('x', 42 as unknown as string, true)).toBe(false);
  });
});

describe('actions', () => {
  it('matches case-insensitively with wildcards', () => {
    expect(decide([allow({ Action: 'ec2:*' })])).toBe('allowed');
    expect(decide([allow({ Action: 'EC2:run*' })])).toBe('allowed');
    expect(decide([allow({ Action: 'ec2:?unInstances' })])).toBe('allowed');
    expect(decide([allow({ Action: 'ec2:Describe*' })])).toBe('implicit-deny');
    expect(decide([allow({ Action: 'ec2:Describe*' })], { action: 'ec2:DescribeInstances', resource: '*' })).toBe('allowed');
    expect(decide([allow({ Action: 's3:*' })])).toBe('implicit-deny');
    expect(decide([allow({ Action: ['s3:GetObject', 'ec2:RunInstances'] })])).toBe('allowed');
    expect(decide([allow({ Action: 'ec2:RunInstances' })], { action: 'EC2:RUNINSTANCES' })).toBe('allowed');
    expect(decide([allow({ Action: 'ec2' })])).toBe('implicit-deny');
  });

  it('NotAction allows or denies everything else', () => {
    const s = [allow({ Action: undefined, NotAction: ['iam:*', 'organizations:*'] })];
    expect(decide(s)).toBe('allowed');
    expect(decide(s, { action: 'iam:PassRole', resource: ROLE })).toBe('implicit-deny');
    const d = [allow(), deny({ Action: undefined, NotAction: 'ec2:Describe*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } })];
    expect(decide(d, { context: { 'aws:MultiFactorAuthPresent': false } })).toBe('explicit-deny');
    expect(decide(d, { action: 'ec2:DescribeInstances', resource: '*', context: { 'aws:MultiFactorAuthPresent': false } })).toBe('allowed');
    expect(decide(d, { context: { 'aws:MultiFactorAuthPresent': true } })).toBe('allowed');
  });
});

describe('resources', () => {
  it('matches ARNs case-sensitively, with * spanning colons', () => {
    expect(decide([allow({ Resource: 'arn:aws:ec2:*:*:instance/*' })])).toBe('allowed');
    expect(decide([allow({ Resource: `arn:aws:ec2:*:999999999999:instance/*` })])).toBe('implicit-deny');
    expect(decide([allow({ Resource: 'arn:aws:ec2:*:instance/*' })])).toBe('allowed');
    expect(decide([allow({ Resource: 'arn:aws:ec2:us-east-?:*:instance/i-*' })])).toBe('allowed');
    expect(decide([allow({ Resource: `arn:aws:iam::${ACCT}:role/Ray-Worker` })], { action: 'iam:PassRole', resource: ROLE })).toBe('implicit-deny');
    expect(decide([allow({ Resource: `arn:aws:iam::${ACCT}:role/ray-*` })], { action: 'iam:PassRole', resource: ROLE })).toBe('allowed');
    expect(decide([allow({ Resource: [VOL, INST] })])).toBe('allowed');
  });

  it('NotResource covers everything else', () => {
    const s = [allow({ Resource: undefined, NotResource: `arn:aws:ec2:*:*:instance/*` })];
    expect(decide(s)).toBe('implicit-deny');
    expect(decide(s, { resource: VOL })).toBe('allowed');
  });

  it('request resource * is covered only by a pattern that matches everything', () => {
    const r = { action: 'ec2:DescribeInstances', resource: '*' };
    expect(decide([allow({ Resource: '*' })], r)).toBe('allowed');
    expect(decide([allow({ Resource: '**' })], r)).toBe('allowed');
    expect(decide([allow({ Resource: 'arn:aws:ec2:*:*:instance/*' })], r)).toBe('implicit-deny');
    expect(decide([allow({ Resource: 'arn:*' })], r)).toBe('implicit-deny');
    expect(decide([allow({ Resource: '?' })], r)).toBe('implicit-deny');
    expect(decide([allow(), deny({ Resource: INST })], r)).toBe('allowed');
    expect(decide([allow(), deny({ Resource: undefined, NotResource: INST })], r)).toBe('explicit-deny');
    expect(decide([allow({ Resource: undefined, NotResource: INST })], r)).toBe('allowed');
    expect(decide([allow({ Resource: undefined, NotResource: '*' })], r)).toBe('implicit-deny');
  });

  it('a request resource with * is matched as text', () => {
    const r = { resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/*` };
    expect(decide([allow({ Resource: 'arn:aws:ec2:*:*:instance/*' })], r)).toBe('allowed');
    expect(decide([allow({ Resource: 'arn:aws:ec2:*:*:instance/i-*' })], r)).toBe('implicit-deny');
  });
});

describe('statement structure', () => {
  it('Deny wins over Allow, and the statements are reported', () => {
    const r = evaluate(req(), [
      { name: 'a', document: doc(allow({ Sid: 'All' })) },
      { name: 'd', document: doc(allow({ Action: 's3:*' }), deny({ Sid: 'NoRun', Action: RUN })) },
    ]);
    expect(r.decision).toBe('explicit-deny');
    expect(r.deniedBy).toEqual([{ policy: 'd', index: 1, sid: 'NoRun', effect: 'Deny' }]);
    expect(r.allowedBy).toEqual([{ policy: 'a', index: 0, sid: 'All', effect: 'Allow' }]);
    expect(r.undecided).toEqual([]);
  });

  it('no policies, or nothing matching, is an implicit deny', () => {
    expect(evaluate(req(), []).decision).toBe('implicit-deny');
    expect(evaluate(req(), [{ name: 'empty', document: { Version: '2012-10-17' } }]).decision).toBe('implicit-deny');
    expect(decide([allow({ Action: 'ec2:TerminateInstances' })])).toBe('implicit-deny');
  });

  it('accepts a single statement object and string lists', () => {
    const single: PolicyDocument = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: RUN, Resource: INST } };
    expect(evaluate(req(), [{ name: 'p', document: single }]).decision).toBe('allowed');
  });

  it('ignores invalid statements, with a note', () => {
    const cases: Array<[PolicyStatement, RegExp]> = [
      [allow({ Effect: 'allow' }), /Effect/],
      [allow({ Effect: 'ALLOW' }), /Effect/],
      [allow({ Principal: '*' }), /Principal/],
      [allow({ NotPrincipal: { AWS: '*' } }), /Principal/],
      [allow({ Action: undefined }), /no Action/],
      [allow({ NotAction: 's3:*' }), /both Action and NotAction/],
      [allow({ Resource: undefined }), /no Resource/],
      [allow({ NotResource: 'x' }), /both Resource and NotResource/],
      [allow({ Action: 42 as unknown as string }), /Action is malformed/],
    ];
    for (const [st, why] of cases) {
      const r = evaluate(req(), [{ name: 'p', document: doc(st) }]);
      expect(r.decision, JSON.stringify(st)).toBe('implicit-deny');
      expect(r.reasons.join('\n')).toMatch(why);
      expect(r.reasons.join('\n')).toMatch(/statement 0 of policy p was ignored/);
    }
    // An ignored Deny does not deny.
    expect(decide([allow(), deny({ Effect: 'deny' })])).toBe('allowed');
  });
});

/** One Allow statement with one condition, in a closed world: is the request allowed? */
function condAllows(op: string, key: string, values: unknown, ctxValue: ContextValue | undefined): boolean {
  const context: Record<string, ContextValue> = ctxValue === undefined ? {} : { [key]: ctxValue };
  const d = decide([allow({ Condition: { [op]: { [key]: values } } })], { context });
  if (d === 'maybe') throw new Error(`unexpected maybe for ${op}`);
  return d === 'allowed';
}

describe('condition operators (closed world; undefined = key absent)', () => {
  type Row = [op: string, values: unknown, ctx: ContextValue | undefined, expected: boolean];
  const K = 'aws:PrincipalTag/team';
  const rows: Row[] = [
    ['StringEquals', 'ml', 'ml', true],
    ['StringEquals', 'ml', 'ML', false],
    ['StringEquals', 'ml', undefined, false],
    ['StringEquals', ['ml', 'data'], 'data', true],
    ['StringEquals', 'ml', ['ml', 'data'], false], // several values need a set operator
    ['StringNotEquals', 'ml', 'ml', false],
    ['StringNotEquals', 'ml', 'web', true],
    ['StringNotEquals', 'ml', undefined, true],
    ['StringNotEquals', ['ml', 'data'], 'data', false], // NOR
    ['StringNotEquals', ['ml', 'data'], 'web', true],
    ['StringNotEquals', 'x', ['ml', 'data'], false],
    ['StringEqualsIgnoreCase', 'ML', 'ml', true],
    ['StringEqualsIgnoreCase', 'ML', 'mx', false],
    ['StringEqualsIgnoreCase', 'ML', undefined, false],
    ['StringNotEqualsIgnoreCase', 'ML', 'ml', false],
    ['StringNotEqualsIgnoreCase', 'ML', 'web', true],
    ['StringNotEqualsIgnoreCase', 'ML', undefined, true],
    ['StringLike', 'ray-*', 'ray-head', true],
    ['StringLike', 'ray-*', 'Ray-head', false],
    ['StringLike', 'ray-?', 'ray-1', true],
    ['StringLike', 'ray-?', 'ray-12', false],
    ['StringLike', 'a.b', 'axb', false],
    ['StringLike', ['x*', 'ray-*'], 'ray-1', true],
    ['StringLike', 'ray-*', undefined, false],
    ['StringNotLike', 'ray-*', 'ray-head', false],
    ['StringNotLike', 'ray-*', 'web', true],
    ['StringNotLike', ['x*', 'ray-*'], 'ray-1', false],
    ['StringNotLike', 'ray-*', undefined, true],
    ['NumericEquals', '10', 10, true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericEquals', '10', 'ten', false],
    ['NumericEquals', 'ten', '10', false],
    ['NumericNotEquals', '10', '11', true],
    ['NumericNotEquals', '10', '10', false],
    ['NumericNotEquals', '10', undefined, true],
    ['NumericLessThan', '10', '9', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThan', '10', undefined, false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericLessThanEquals', '10', '10.5', false],
    ['NumericGreaterThan', '10', '11', true],
    ['NumericGreaterThan', '10', '10', false],
    ['NumericGreaterThanEquals', '10', '10', true],
    ['NumericGreaterThanEquals', '10', '-3', false],
    ['NumericGreaterThanEquals', ['100', '5'], '6', true],
    ['DateEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['DateEquals', '2024-01-01T00:00:00Z', '1704067200', true],
    ['DateEquals', '2024-01-01T00:00:00Z', '2024-01-01T01:00:00+01:00', true],
    ['DateEquals', '2024-01-01', '2024-01-01T00:00:00.000Z', true],
    ['DateEquals', '2024-01-01T00:00:00Z', 'yesterday', false],
    ['DateNotEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['DateNotEquals', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', true],
    ['DateNotEquals', '2024-01-01T00:00:00Z', undefined, true],
    ['DateLessThan', '2024-01-01T00:00:00Z', '2023-12-31T23:59:59Z', true],
    ['DateLessThan', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['DateLessThanEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['DateLessThanEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', false],
    ['DateGreaterThan', '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', true],
    ['DateGreaterThan', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['DateGreaterThanEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['DateGreaterThanEquals', '2024-01-01T00:00:00Z', '2023-01-01T00:00:00Z', false],
    ['DateGreaterThan', '2024-01-01T00:00:00Z', undefined, false],
    ['Bool', 'true', true, true],
    ['Bool', 'true', 'false', false],
    ['Bool', true, 'true', true],
    ['Bool', 'TRUE', 'true', true],
    ['Bool', 'true', undefined, false],
    ['IpAddress', '10.0.0.0/8', '10.1.2.3', true],
    ['IpAddress', '10.0.0.0/8', '11.1.2.3', false],
    ['IpAddress', '203.0.113.5', '203.0.113.5', true],
    ['IpAddress', '203.0.113.5/32', '203.0.113.6', false],
    ['IpAddress', ['192.168.0.0/16', '10.0.0.0/8'], '10.9.9.9', true],
    ['IpAddress', '0.0.0.0/0', '8.8.8.8', true],
    ['IpAddress', '2001:db8::/32', '2001:db8::1', true],
    ['IpAddress', '2001:db8::/32', '2001:db9::1', false],
    ['IpAddress', '::ffff:10.0.0.0/104', '::ffff:10.2.3.4', true],
    ['IpAddress', '10.0.0.0/8', 'not-an-ip', false],
    ['IpAddress', '10.0.0.0/8', '2001:db8::1', false],
    ['IpAddress', '10.0.0.0/8', undefined, false],
    ['NotIpAddress', '10.0.0.0/8', '10.1.2.3', false],
    ['NotIpAddress', '10.0.0.0/8', '192.168.1.1', true],
    ['NotIpAddress', '10.0.0.0/8', undefined, true],
    ['BinaryEquals', 'QmluYXJ5VmFsdWU=', 'QmluYXJ5VmFsdWU=', true],
    ['BinaryEquals', 'QmluYXJ5VmFsdWU=', 'T3RoZXI=', false],
    ['BinaryEquals', 'QmluYXJ5VmFsdWU=', undefined, false],
    ['Null', 'true', undefined, true],
    ['Null', 'true', 'ml', false],
    ['Null', 'false', 'ml', true],
    ['Null', 'false', undefined, false],
    ['Null', true, undefined, true],
    ['Null', 'true', [], true], // an empty list is absent
    ['StringEqualsIfExists', 'ml', undefined, true],
    ['StringEqualsIfExists', 'ml', 'ml', true],
    ['StringEqualsIfExists', 'ml', 'web', false],
    ['StringNotEqualsIfExists', 'ml', undefined, true],
    ['StringNotEqualsIfExists', 'ml', 'ml', false],
    ['NumericLessThanIfExists', '3', undefined, true],
    ['NumericLessThanIfExists', '3', '4', false],
    ['BoolIfExists', 'false', undefined, true],
    ['ArnLikeIfExists', 'arn:aws:iam::*:role/*', undefined, true],
  ];
  it.each(rows)('%s %j against %j → %s', (op, values, ctx, expected) => {
    expect(condAllows(op, K, values, ctx)).toBe(expected);
  });

  it('matches operator names and condition keys case-insensitively', () => {
    expect(condAllows('stringequals', K, 'ml', 'ml')).toBe(true);
    expect(decide([allow({ Condition: { StringEquals: { 'AWS:principaltag/TEAM': 'ml' } } })], { context: { 'aws:PrincipalTag/team': 'ml' } })).toBe('allowed');
  });

  it('ArnEquals/ArnLike compare the six fields separately', () => {
    const K2 = 'aws:PrincipalArn';
    expect(condAllows('ArnLike', K2, 'arn:aws:iam::*:role/ray-*', ROLE)).toBe(true);
    expect(condAllows('ArnEquals', K2, 'arn:aws:iam::*:role/ray-*', ROLE)).toBe(true);
    expect(condAllows('ArnEquals', K2, ROLE, ROLE)).toBe(true);
    expect(condAllows('ArnLike', K2, 'arn:*:iam::111122223333:role/ray-worker', ROLE)).toBe(true);
    expect(condAllows('ArnLike', K2, 'arn:aws:iam::*:role/ray-*', `arn:aws:iam::${ACCT}:user/ray-x`)).toBe(false);
    expect(condAllows('ArnLike', K2, 'arn:aws:iam::*:role/Ray-*', ROLE)).toBe(false);
    // A * stays within its field, and fewer than six fields never match.
    expect(condAllows('ArnLike', K2, 'arn:aws:iam::*:role/x', 'arn:aws:iam::a:b:role/x')).toBe(false);
    expect(condAllows('ArnLike', K2, '*', ROLE)).toBe(false);
    expect(condAllows('ArnLike', K2, 'arn:aws:iam::*', ROLE)).toBe(false);
    // The sixth field keeps its colons.
    expect(condAllows('ArnLike', K2, 'arn:aws:logs:*:*:log-group:/ray/*', `arn:aws:logs:us-east-1:${ACCT}:log-group:/ray/head`)).toBe(true);
    expect(condAllows('ArnLike', K2, 'arn:aws:iam::*:role/*', undefined)).toBe(false);
    expect(condAllows('ArnNotLike', K2, 'arn:aws:iam::*:role/ray-*', ROLE)).toBe(false);
    expect(condAllows('ArnNotLike', K2, 'arn:aws:iam::*:role/web-*', ROLE)).toBe(true);
    expect(condAllows('ArnNotLike', K2, 'arn:aws:iam::*:role/ray-*', undefined)).toBe(true);
    expect(condAllows('ArnNotEquals', K2, ROLE, ROLE)).toBe(false);
    expect(condAllows('ArnNotEquals', K2, ROLE, undefined)).toBe(true);
  });

  it('ForAllValues and ForAnyValue', () => {
    const T = 'aws:TagKeys';
    expect(condAllows('ForAllValues:StringEquals', T, ['team', 'env'], ['team'])).toBe(true);
    expect(condAllows('ForAllValues:StringEquals', T, ['team', 'env'], ['team', 'env'])).toBe(true);
    expect(condAllows('ForAllValues:StringEquals', T, ['team', 'env'], ['team', 'owner'])).toBe(false);
    expect(condAllows('ForAllValues:StringEquals', T, ['team', 'env'], undefined)).toBe(true);
    expect(condAllows('ForAllValues:StringEquals', T, ['team', 'env'], [])).toBe(true);
    expect(condAllows('ForAllValues:StringLike', T, 'ray-*', ['ray-a', 'ray-b'])).toBe(true);
    expect(condAllows('ForAllValues:StringNotEquals', T, ['secret'], ['team', 'env'])).toBe(true);
    expect(condAllows('ForAllValues:StringNotEquals', T, ['secret'], ['team', 'secret'])).toBe(false);
    expect(condAllows('ForAnyValue:StringEquals', T, ['team', 'env'], ['owner', 'env'])).toBe(true);
    expect(condAllows('ForAnyValue:StringEquals', T, ['team', 'env'], ['owner'])).toBe(false);
    expect(condAllows('ForAnyValue:StringEquals', T, ['team', 'env'], undefined)).toBe(false);
    expect(condAllows('ForAnyValue:StringNotEquals', T, ['team'], undefined)).toBe(false);
    expect(condAllows('ForAnyValue:StringNotEquals', T, ['team'], ['team', 'env'])).toBe(true);
    expect(condAllows('ForAnyValue:StringEqualsIfExists', T, ['team'], undefined)).toBe(true);
    expect(condAllows('forallvalues:stringequals', T, ['team'], ['team'])).toBe(true);
    // A set operator on a single value works like the plain operator on it.
    expect(condAllows('ForAnyValue:StringEquals', T, ['team'], 'team')).toBe(true);
  });

  it('ANDs operators and keys, ORs values', () => {
    const c = {
      StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'], 'aws:PrincipalTag/team': 'ml' },
      Bool: { 'aws:SecureTransport': 'true' },
    };
    const ok = { 'aws:RequestedRegion': 'us-west-2', 'aws:PrincipalTag/team': 'ml', 'aws:SecureTransport': true };
    expect(decide([allow({ Condition: c })], { context: ok })).toBe('allowed');
    expect(decide([allow({ Condition: c })], { context: { ...ok, 'aws:RequestedRegion': 'eu-west-1' } })).toBe('implicit-deny');
    expect(decide([allow({ Condition: c })], { context: { ...ok, 'aws:PrincipalTag/team': 'web' } })).toBe('implicit-deny');
    expect(decide([allow({ Condition: c })], { context: { ...ok, 'aws:SecureTransport': false } })).toBe('implicit-deny');
    expect(decide([allow({ Condition: {} })])).toBe('allowed');
  });

  it('IfExists on a Deny widens it (absent key → the Deny applies)', () => {
    const s = [allow(), deny({ Condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/ray-cluster-name': 'demo' } } })];
    expect(decide(s)).toBe('explicit-deny');
    expect(decide(s, { context: { 'aws:ResourceTag/ray-cluster-name': 'demo' } })).toBe('allowed');
    expect(decide(s, { context: { 'aws:ResourceTag/ray-cluster-name': 'prod' } })).toBe('explicit-deny');
  });

  it('Null on a Deny refuses untagged launches', () => {
    const s = [allow(), deny({ Condition: { Null: { 'aws:RequestTag/ray-cluster-name': 'true' } } })];
    expect(decide(s)).toBe('explicit-deny');
    expect(decide(s, { context: { 'aws:RequestTag/ray-cluster-name': 'demo' } })).toBe('allowed');
  });

  it('negated multi-value on a Deny is NOR', () => {
    const s = [allow(), deny({ Condition: { StringNotEquals: { 'aws:ResourceTag/env': ['demo', 'dev'] } } })];
    expect(decide(s, { context: { 'aws:ResourceTag/env': 'dev' } })).toBe('allowed');
    expect(decide(s, { context: { 'aws:ResourceTag/env': 'prod' } })).toBe('explicit-deny');
    expect(decide(s)).toBe('explicit-deny'); // absent: StringNotEquals is true
  });
});

describe('unknown keys, unsupported operators, three-valued outcome', () => {
  const tagAllow = allow({ Condition: { StringEquals: { 'ec2:ResourceTag/team': 'ml' } } });
  const tagDeny = deny({ Condition: { StringEquals: { 'ec2:ResourceTag/team': 'web' } } });

  it('an unknown key makes an Allow undecided: maybe, with a reason naming the key', () => {
    const r = evaluate({ action: RUN, resource: INST }, [{ name: 'p', document: doc(tagAllow) }]);
    expect(r.decision).toBe('maybe');
    expect(r.undecided).toEqual([{ policy: 'p', index: 0, effect: 'Allow' }]);
    expect(r.reasons.some((x) => x.includes('ec2:ResourceTag/team') && x.includes('not known'))).toBe(true);
  });

  it('closedWorld and absentKeys make the key absent', () => {
    expect(evaluate({ action: RUN, resource: INST, closedWorld: true }, [{ name: 'p', document: doc(tagAllow) }]).decision).toBe('implicit-deny');
    expect(evaluate({ action: RUN, resource: INST, absentKeys: ['EC2:resourcetag/TEAM'] }, [{ name: 'p', document: doc(tagAllow) }]).decision).toBe(
      'implicit-deny',
    );
    expect(evaluate({ action: RUN, resource: INST, context: { 'ec2:ResourceTag/team': 'ml' } }, [{ name: 'p', document: doc(tagAllow) }]).decision).toBe(
      'allowed',
    );
  });

  it('a false condition decides even next to an unknown one', () => {
    const s = allow({ Condition: { StringEquals: { 'ec2:ResourceTag/team': 'ml', 'aws:RequestedRegion': 'us-east-1' } } });
    const r = evaluate({ action: RUN, resource: INST, context: { 'aws:RequestedRegion': 'eu-west-1' } }, [{ name: 'p', document: doc(s) }]);
    expect(r.decision).toBe('implicit-deny');
    expect(r.reasons).toEqual([]);
  });

  it('combines undecided statements as documented', () => {
    const open = (...st: PolicyStatement[]) => evaluate({ action: RUN, resource: INST }, [{ name: 'p', document: doc(...st) }]).decision;
    expect(open(allow(), tagDeny)).toBe('maybe'); // allowed unless the Deny applies
    expect(open(tagDeny)).toBe('implicit-deny'); // refused either way
    expect(open(tagAllow, tagDeny)).toBe('maybe');
    expect(open(tagAllow, deny({ Action: RUN }))).toBe('explicit-deny');
    expect(open(tagAllow, allow())).toBe('allowed');
  });

  it('unsupported operators are undecidable, even in a closed world', () => {
    const r = evaluate(req(), [{ name: 'p', document: doc(allow({ Condition: { StringFoo: { 'aws:RequestedRegion': 'x' } } })) }]);
    expect(r.decision).toBe('maybe');
    expect(r.reasons.join('\n')).toContain('unsupported operator StringFoo');
    expect(decide([allow({ Condition: { NullIfExists: { k: 'true' } } })])).toBe('maybe');
    expect(decide([allow({ Condition: { StringEquals: 'oops' as unknown as Record<string, unknown> } })])).toBe('maybe');
    expect(decide([allow({ Condition: 'oops' as unknown as Record<string, unknown> })])).toBe('maybe');
    expect(decide([allow({ Condition: { StringEquals: { k: { nested: 1 } } } })])).toBe('maybe');
    // An unsupported operator next to a false condition: not applying.
    expect(decide([allow({ Condition: { StringFoo: { k: 'x' }, StringEquals: { 'aws:RequestedRegion': 'x' } } })])).toBe('implicit-deny');
  });
});

describe('policy variables', () => {
  const team = 'aws:PrincipalTag/team';
  const passRole = (resource: string, version = '2012-10-17'): PolicyInput[] => [
    { name: 'p', document: { Version: version, Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: resource }] } },
  ];
  const pr = (inputs: PolicyInput[], extra: Partial<EvalRequest>) => evaluate({ action: 'iam:PassRole', resource: ROLE, ...extra }, inputs);

  it('are substituted in Resource', () => {
    const p = passRole(`arn:aws:iam::${ACCT}:role/\${${team}}-*`);
    expect(pr(p, { context: { [team]: 'ray' } }).decision).toBe('allowed');
    expect(pr(p, { context: { [team]: 'web' } }).decision).toBe('implicit-deny');
    expect(pr(p, { closedWorld: true }).decision).toBe('implicit-deny');
    const unknown = pr(p, {});
    expect(unknown.decision).toBe('maybe');
    expect(unknown.reasons.join('\n')).toContain(team);
  });

  it('take defaults, special characters, and literal substituted text', () => {
    expect(pr(passRole(`arn:aws:iam::${ACCT}:role/\${${team}, 'ray'}-*`), { closedWorld: true }).decision).toBe('allowed');
    expect(pr(passRole(`arn:aws:iam::${ACCT}:role/\${${team}}-*`), { context: { [team]: '*' } }).decision).toBe('implicit-deny');
    const lit = evaluate({ action: 'iam:PassRole', resource: `arn:aws:iam::${ACCT}:role/a*b`, closedWorld: true }, passRole(`arn:aws:iam::${ACCT}:role/a\${*}b`));
    expect(lit.decision).toBe('allowed');
    const lit2 = evaluate({ action: 'iam:PassRole', resource: `arn:aws:iam::${ACCT}:role/aXb`, closedWorld: true }, passRole(`arn:aws:iam::${ACCT}:role/a\${*}b`));
    expect(lit2.decision).toBe('implicit-deny');
  });

  it('are text in a policy without Version 2012-10-17', () => {
    const p = passRole(`arn:aws:iam::${ACCT}:role/\${${team}}-*`, '2008-10-17');
    expect(pr(p, {}).decision).toBe('implicit-deny');
    expect(evaluate({ action: 'iam:PassRole', resource: `arn:aws:iam::${ACCT}:role/\${${team}}-x` }, p).decision).toBe('allowed');
  });

  it('are substituted in String conditions; unresolvable ones never match', () => {
    const c = (op: string) => allow({ Condition: { [op]: { 'aws:ResourceTag/owner': '${aws:username}' } } });
    expect(decide([c('StringEquals')], { context: { 'aws:ResourceTag/owner': 'ana', 'aws:username': 'ana' } })).toBe('allowed');
    expect(decide([c('StringEquals')], { context: { 'aws:ResourceTag/owner': 'bob', 'aws:username': 'ana' } })).toBe('implicit-deny');
    expect(decide([c('StringEquals')], { context: { 'aws:ResourceTag/owner': 'ana' } })).toBe('implicit-deny');
    expect(decide([c('StringNotEquals')], { context: { 'aws:ResourceTag/owner': 'ana' } })).toBe('implicit-deny');
    expect(decide([c('StringNotEquals')], { context: { 'aws:ResourceTag/owner': 'ana', 'aws:username': 'bob' } })).toBe('allowed');
    const r = evaluate({ action: RUN, resource: INST, context: { 'aws:ResourceTag/owner': 'ana' }, absentKeys: [] }, [{ name: 'p', document: doc(c('StringEquals')) }]);
    expect(r.decision).toBe('maybe');
    expect(r.reasons.join('\n')).toContain('${aws:username}');
  });

  it('NotResource with an unresolvable variable does not apply', () => {
    const p: PolicyInput[] = [{ name: 'p', document: doc({ Effect: 'Allow', Action: 'iam:PassRole', NotResource: `arn:aws:iam::${ACCT}:role/\${${team}}-*` }) }];
    expect(pr(p, { closedWorld: true }).decision).toBe('implicit-deny');
    expect(pr(p, { context: { [team]: 'web' } }).decision).toBe('allowed');
    // …unless the pattern could not match whatever the value: then it is an ordinary non-match.
    const run = evaluate({ action: 'iam:PassRole', resource: INST, closedWorld: true }, p);
    expect(run.decision).toBe('allowed');
    const denyPol: PolicyInput[] = [{ name: 'p', document: doc(allow(), deny({ Resource: undefined, NotResource: `arn:aws:iam::${ACCT}:role/\${${team}}-*` })) }];
    expect(evaluate(req(), denyPol).decision).toBe('explicit-deny');
    expect(pr(denyPol, { closedWorld: true }).decision).toBe('allowed');
  });

  it('a variable with no value decides before an unknown one', () => {
    const p = passRole(`arn:aws:iam::${ACCT}:role/\${aws:username}\${${team}}`);
    expect(pr(p, { absentKeys: ['aws:username'] }).decision).toBe('implicit-deny');
    expect(pr(p, { context: { 'aws:username': 'ray-' } }).decision).toBe('maybe');
  });
});

describe('unreadable policies', () => {
  const ok: PolicyInput = { name: 'ok', document: doc(allow()) };
  const bad: PolicyInput = { name: 'inline-x', document: null };

  it('alone: maybe (it could allow), with the reason', () => {
    const r = evaluate(req(), [bad]);
    expect(r.decision).toBe('maybe');
    expect(r.reasons).toContain('policy inline-x could not be read');
  });

  it('next to an Allow: maybe (it could deny)', () => {
    expect(evaluate(req(), [ok, bad]).decision).toBe('maybe');
  });

  it('next to a Deny: still explicit-deny', () => {
    expect(evaluate(req(), [{ name: 'd', document: doc(deny()) }, bad]).decision).toBe('explicit-deny');
  });

  it('URL-encoded documents are decoded; undecodable strings are unreadable', () => {
    const enc = encodeURIComponent(JSON.stringify(doc(allow())));
    expect(evaluate(req(), [{ name: 'e', document: enc as unknown as PolicyDocument }]).decision).toBe('allowed');
    expect(evaluate(req(), [{ name: 'e', document: '%E0%A4%A' as unknown as PolicyDocument }]).decision).toBe('maybe');
  });
});

describe('permissions boundary', () => {
  it('must also allow', () => {
    expect(decide([allow()], {}, [allow({ Action: 'ec2:*' })])).toBe('allowed');
    expect(decide([allow()], {}, [allow({ Action: 's3:*' })])).toBe('implicit-deny');
    expect(decide([allow({ Action: 's3:*' })], {}, [allow()])).toBe('implicit-deny');
    expect(decide([allow()], {}, [allow(), deny({ Action: RUN })])).toBe('explicit-deny');
    expect(decide([allow(), deny()], {}, [allow()])).toBe('explicit-deny');
  });

  it('propagates maybe, and refs name the boundary', () => {
    const bd = [allow({ Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })];
    const open = { closedWorld: false };
    expect(decide([allow()], open, bd)).toBe('maybe');
    expect(decide([allow()], { context: { 'aws:RequestedRegion': 'us-east-1' } }, bd)).toBe('allowed');
    expect(decide([allow({ Action: 's3:*' })], open, bd)).toBe('implicit-deny');
    const r = evaluate({ action: RUN, resource: INST }, [{ name: 'p', document: doc(allow()) }], { name: 'b', document: doc(...bd) });
    expect(r.undecided).toEqual([{ policy: 'b', index: 0, effect: 'Allow', boundary: true }]);
    expect(r.allowedBy).toEqual([{ policy: 'p', index: 0, effect: 'Allow' }]);
    expect(r.reasons.join('\n')).toMatch(/aws:RequestedRegion.*permissions boundary b/);
  });

  it('an identity maybe and a boundary implicit-deny: implicit-deny', () => {
    const id = [allow({ Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })];
    expect(decide(id, { closedWorld: false }, [allow({ Action: 's3:*' })])).toBe('implicit-deny');
  });

  it('unreadable: maybe when the identity allows, implicit-deny when it does not', () => {
    const r = evaluate(req(), [{ name: 'p', document: doc(allow()) }], { name: 'pb', document: null });
    expect(r.decision).toBe('maybe');
    expect(r.reasons).toContain('permissions boundary pb could not be read');
    expect(evaluate(req(), [{ name: 'p', document: doc(allow({ Action: 's3:*' })) }], { name: 'pb', document: null }).decision).toBe('implicit-deny');
    expect(evaluate(req(), [{ name: 'p', document: doc(allow()) }], null).decision).toBe('allowed');
  });
});

describe('iam:PassRole with iam:PassedToService', () => {
  const policy: PolicyInput[] = [
    {
      name: 'head',
      document: doc({
        Sid: 'PassWorker',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: ROLE,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    },
  ];
  const pr = (extra: Partial<EvalRequest>) => evaluate({ action: 'iam:PassRole', resource: ROLE, ...extra }, policy);

  it('is allowed only for EC2, on that role', () => {
    expect(pr({ context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }).decision).toBe('allowed');
    expect(pr({ context: { 'IAM:PassedToService': 'ec2.amazonaws.com' } }).decision).toBe('allowed');
    expect(pr({ context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }).decision).toBe('implicit-deny');
    expect(pr({ closedWorld: true }).decision).toBe('implicit-deny');
    expect(pr({ resource: `arn:aws:iam::${ACCT}:role/other`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }).decision).toBe('implicit-deny');
    expect(pr({ resource: `arn:aws:iam::${ACCT}:instance-profile/ray-worker`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }).decision).toBe(
      'implicit-deny',
    );
  });

  it('without the context it is maybe, naming iam:PassedToService', () => {
    const r = pr({});
    expect(r.decision).toBe('maybe');
    expect(r.undecided).toEqual([{ policy: 'head', index: 0, sid: 'PassWorker', effect: 'Allow' }]);
    expect(r.reasons.join('\n')).toContain('iam:PassedToService');
  });
});

describe('robustness and speed', () => {
  it('never throws on junk', () => {
    const junk: unknown[] = [null, undefined, 42, 'x', [], {}, { Statement: 'x' }, { Statement: [null, 1, 'a', []] }, { Statement: { Effect: 'Allow' } }];
    for (const j of junk) {
      const r = evaluate(req(), [{ name: 'j', document: j as PolicyDocument }]);
      expect(['allowed', 'explicit-deny', 'implicit-deny', 'maybe']).toContain(r.decision);
    }
    expect(evaluate(null as unknown as EvalRequest, null as unknown as PolicyInput[]).decision).toBe('implicit-deny');
    expect(evaluate(req({ context: null as unknown as Record<string, ContextValue> }), [null as unknown as PolicyInput]).decision).toBe('maybe');
    expect(evaluate(req({ context: { k: { o: 1 } as unknown as string } }), [{ name: 'p', document: doc(allow()) }]).decision).toBe('allowed');
  });

  it('stays linear on long hostile values', () => {
    const long = (c: string) => c.repeat(200_000);
    const t0 = performance.now();
    const st = allow({
      Resource: `arn:aws:iam::${ACCT}:role/\${${long(' ')}}` + long('*a') + 'b',
      Condition: {
        BinaryEqualsIfExists: { k1: long('=') + 'x' },
        NumericLessThanIfExists: { k2: long('1') + 'x' },
        DateLessThanIfExists: { k3: '2024-01-01T' + long('1') },
        StringLikeIfExists: { k4: `\${k, '${long(' ')}` },
      },
    });
    const r = evaluate({ action: RUN, resource: long('a'), context: { k1: 'eA==', k2: '1', k3: '2024-01-01T00:00:00Z', k4: long(' ') }, closedWorld: true }, [
      { name: 'p', document: doc(st) },
    ]);
    expect(r.decision).toBe('implicit-deny');
    expect(performance.now() - t0).toBeLessThan(20_000); // a hang guard, not a performance target
  });

  it('evaluates thousands of requests quickly', () => {
    const policies: PolicyInput[] = [
      {
        name: 'big',
        document: doc(
          ...Array.from({ length: 40 }, (_, i) =>
            allow({
              Action: [`ec2:Describe${i}*`, `s3:Get${i}*`],
              Resource: `arn:aws:ec2:*:*:instance/i-${i}*`,
              Condition: { StringLike: { 'aws:PrincipalTag/team': `team-${i}-*` }, StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
            }),
          ),
          allow({ Action: 'ec2:*', Resource: 'arn:aws:ec2:*:*:instance/*' }),
          deny({ Action: 'ec2:TerminateInstances', Condition: { StringNotEquals: { 'aws:ResourceTag/ray': 'yes' } } }),
        ),
      },
    ];
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) {
      const r = evaluate(
        { action: i % 2 ? RUN : 'ec2:TerminateInstances', resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-${i}`, context: { 'aws:PrincipalTag/team': `team-${i % 40}-x`, 'aws:RequestedRegion': 'us-east-1' }, closedWorld: true },
        policies,
      );
      expect(r.decision).toBe(i % 2 ? 'allowed' : 'explicit-deny');
    }
    expect(performance.now() - t0).toBeLessThan(30_000); // a hang guard, not a performance target
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const DECISIONS: Decision[] = ['allowed', 'explicit-deny', 'implicit-deny', 'maybe'];

/** JSON-ish junk, biased towards policy-shaped objects. */
const junkStatement = fc.dictionary(
  fc.constantFrom('Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Principal', 'x'),
  fc.oneof(fc.jsonValue(), fc.constantFrom('Allow', 'Deny', '*', 'ec2:*', 'ec2:RunInstances'), fc.array(fc.string())),
);
const junkDoc = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17', 1), Statement: fc.oneof(junkStatement, fc.array(fc.oneof(junkStatement, fc.anything()))) }),
  fc.string(),
);

const KEYS = ['aws:RequestedRegion', 'aws:PrincipalTag/team', 'iam:PassedToService', 'aws:TagKeys', 'aws:SourceIp', 'aws:CurrentTime', 'aws:MultiFactorAuthAge', 'aws:SecureTransport'];
const scalar = fc.oneof(
  fc.constantFrom('us-east-1', 'ml', 'ec2.amazonaws.com', '10.0.0.1', '2024-01-01T00:00:00Z', '5', 'true', 'false', '', '*', 'arn:aws:iam::1:role/x'),
  fc.string({ maxLength: 8 }).filter((s) => !s.includes('${')),
  fc.integer(),
  fc.boolean(),
);
const contextArb = fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(scalar, fc.array(fc.oneof(fc.constantFrom('a', 'b', 'ml'), fc.string({ maxLength: 4 })), { maxLength: 3 })));

const operatorArb = fc
  .tuple(fc.constantFrom('', 'ForAnyValue:', 'ForAllValues:'), fc.constantFrom(...SUPPORTED_OPERATORS), fc.boolean())
  .filter(([set, op, ie]) => op !== 'Null' || (!set && !ie))
  .map(([set, op, ie]) => `${set}${op}${ie ? 'IfExists' : ''}`);
const conditionArb = fc.dictionary(operatorArb, fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { minKeys: 1, maxKeys: 2 }), {
  maxKeys: 3,
});
const patternArb = fc.constantFrom('*', 'ec2:*', 'ec2:Describe*', 'ec2:?unInstances', 'iam:PassRole', 's3:GetObject', 'EC2:run*');
const resourceArb = fc.constantFrom('*', INST, ROLE, 'arn:aws:ec2:*:*:instance/*', `arn:aws:iam::${ACCT}:role/ray-*`, 'arn:aws:s3:::b/*');
const wellFormedStatement = fc.record(
  {
    Sid: fc.string({ maxLength: 5 }),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: fc.oneof(patternArb, fc.array(patternArb, { maxLength: 3 })),
    Resource: fc.oneof(resourceArb, fc.array(resourceArb, { maxLength: 3 })),
    Condition: conditionArb,
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);
const wellFormedDoc = fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17'), Statement: fc.array(wellFormedStatement, { maxLength: 5 }) });
const requestArb = fc.record({
  action: fc.constantFrom(RUN, 'ec2:DescribeInstances', 'iam:PassRole', 's3:GetObject', 'ec2:CreateTags'),
  resource: fc.constantFrom('*', INST, ROLE, VOL),
  context: contextArb,
});

describe('properties', () => {
  it('never throws and always returns one of the four decisions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string(), document: junkDoc }), { maxLength: 3 }),
        fc.option(fc.record({ name: fc.string(), document: junkDoc })),
        fc.oneof(requestArb, fc.anything()),
        fc.boolean(),
        (identity, boundary, r, closed) => {
          const rq = (r && typeof r === 'object' ? { ...(r as object), closedWorld: closed } : r) as EvalRequest;
          const out = evaluate(rq, identity as PolicyInput[], boundary as PolicyInput | null);
          expect(DECISIONS).toContain(out.decision);
          expect(Array.isArray(out.allowedBy) && Array.isArray(out.deniedBy) && Array.isArray(out.undecided) && Array.isArray(out.reasons)).toBe(true);
          if (out.decision === 'allowed') expect(out.allowedBy.length).toBeGreaterThan(0);
          if (out.decision === 'explicit-deny') expect(out.deniedBy.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with closedWorld and only supported operators (no variables), never maybe', () => {
    fc.assert(
      fc.property(fc.array(wellFormedDoc, { minLength: 1, maxLength: 3 }), fc.option(wellFormedDoc), requestArb, (docs, bd, r) => {
        const out = evaluate(
          { ...r, closedWorld: true },
          docs.map((d, i) => ({ name: `p${i}`, document: d as PolicyDocument })),
          bd ? { name: 'b', document: bd as PolicyDocument } : null,
        );
        expect(out.decision).not.toBe('maybe');
        expect(out.undecided).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('in an open world, knowing more never turns a certain answer into a different one', () => {
    // Monotonicity of the three-valued logic: an answer given with unknown keys stays the same
    // once those keys are known (or declared absent).
    fc.assert(
      fc.property(fc.array(wellFormedDoc, { minLength: 1, maxLength: 2 }), requestArb, fc.subarray(KEYS), (docs, r, hidden) => {
        const policies = docs.map((d, i) => ({ name: `p${i}`, document: d as PolicyDocument }));
        const full = evaluate({ ...r, closedWorld: true }, policies).decision;
        const partialCtx = Object.fromEntries(Object.entries(r.context).filter(([k]) => !hidden.includes(k)));
        const absent = KEYS.filter((k) => !hidden.includes(k) && !(k in partialCtx));
        const partial = evaluate({ ...r, context: partialCtx, absentKeys: absent }, policies).decision;
        if (partial !== 'maybe') {
          // A certain refusal may still differ in kind (implicit vs explicit) once a Deny is decided.
          const refused = (d: Decision) => d === 'implicit-deny' || d === 'explicit-deny';
          if (refused(partial)) expect(refused(full)).toBe(true);
          else expect(full).toBe(partial);
        }
      }),
      { numRuns: 300 },
    );
  });
});
