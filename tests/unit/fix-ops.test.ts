/**
 * One test per correction, over before/after files in tests/fixtures/fix/<case>/: the fix turns
 * before.yaml into after.yaml exactly, fixing after.yaml changes nothing, and the findings the
 * corrections target are gone. options.json may name profiles (`--profile TYPE=ARN`) and an IAM
 * source ("snapshot": a small account built here).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixConfig, type FixOptions } from '@/lib/fix/plan';
import { snapshotFromJson } from '@/lib/iam/snapshot';
import { analyzeStatic } from '@/lib/validate';
import { gaad } from '../helpers/gaad';

const DIR = join(__dirname, '..', 'fixtures', 'fix');
const CASES = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(DIR, d.name, 'before.yaml')))
  .map((d) => d.name);

const account = () =>
  snapshotFromJson(JSON.stringify(gaad({ account: '123456789012', roles: [{ name: 'ray-head-role', profiles: ['ray-head'] }] })));

function options(name: string): FixOptions {
  const f = join(DIR, name, 'options.json');
  if (!existsSync(f)) return {};
  const o = JSON.parse(readFileSync(f, 'utf8')) as { profiles?: Record<string, string>; iam?: string };
  return { ...(o.profiles ? { profiles: o.profiles } : {}), ...(o.iam === 'snapshot' ? { iam: account() } : {}) };
}

describe.each(CASES)('%s', (name) => {
  const before = readFileSync(join(DIR, name, 'before.yaml'), 'utf8');
  const after = readFileSync(join(DIR, name, 'after.yaml'), 'utf8');
  const expected = JSON.parse(readFileSync(join(DIR, name, 'expect.json'), 'utf8')) as { applied: string[]; skipped?: string[] };

  it('before.yaml becomes after.yaml, with the corrections listed', async () => {
    const r = await fixConfig(before, options(name));
    expect(r.text).toBe(after);
    expect(r.applied.map((a) => `${a.ruleId}:${a.line}:${a.fix}`)).toEqual(expected.applied);
    expect(r.skipped.map((s) => `${s.ruleId}:${s.line}`)).toEqual(expected.skipped ?? []);
  });

  it('fixing after.yaml changes nothing', async () => {
    const r = await fixConfig(after, options(name));
    expect(r.text).toBe(after);
    expect(r.applied).toEqual([]);
  });

  it('the corrected findings are gone', () => {
    const fixedIds = new Set(expected.applied.map((a) => a.split(':')[0]));
    const stays = new Set(expected.skipped ?? []);
    const left = analyzeStatic(after).findings.filter((f) => f.fix && fixedIds.has(f.ruleId) && !stays.has(`${f.ruleId}:${f.line}`));
    expect(left.map((f) => `${f.ruleId}:${f.line}`)).toEqual([]);
  });
});
