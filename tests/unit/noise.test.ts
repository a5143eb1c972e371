import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyzeStatic, analyze } from '@/lib/validate';
import { makeBaseline, parseBaseline } from '@/lib/findings/baseline';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';

const syntheticAwsKeyId = (seed: number) => awsKeyId(makeRng(seed));
const syntheticAwsSecret = (seed: number) => awsSecret(makeRng(seed));

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/rayguard.mjs');
const ids = (t: string) => analyzeStatic(t).findings.map((f) => `${f.line}:${f.ruleId}`);

describe('inline ignores', () => {
  const id = syntheticAwsKeyId(1);
  const base = (cmds: string) => `cluster_name: t\nprovider: {type: gcp}\nsetup_commands:\n${cmds}`;

  it('on the same line or alone on the line above, for the named rule only', () => {
    expect(ids(base(`  - export AWS_ACCESS_KEY_ID=${id}  # rayguard:ignore RG401 revoked test key\n`))).toEqual(['2:RG102']);
    expect(ids(base(`  # rayguard:ignore RG401 revoked test key\n  - export AWS_ACCESS_KEY_ID=${id}\n`))).toEqual(['2:RG102']);
    expect(ids(base(`  - export AWS_ACCESS_KEY_ID=${id}  # rayguard:ignore RG402 wrong rule\n`))).toEqual(['2:RG102', '4:RG401']);
    // Two lines above is too far.
    expect(ids(base(`  # rayguard:ignore RG401 too far\n  - echo hi\n  - export AWS_ACCESS_KEY_ID=${id}\n`))).toContain('6:RG401');
  });

  it('takes several ids', () => {
    const s = syntheticAwsSecret(2);
    expect(ids(base(`  # rayguard:ignore RG401,RG402 fixture for the s3fs test\n  - echo ${id}:${s} > ~/.passwd-s3fs\n`))).toEqual(['2:RG102']);
  });

  it('reports an ignore without a reason or without a rule id (RG106), and still suppresses', () => {
    expect(ids(base(`  - export AWS_ACCESS_KEY_ID=${id}  # rayguard:ignore RG401\n`))).toEqual(['2:RG102', '4:RG106']);
    expect(ids(base(`  - export AWS_ACCESS_KEY_ID=${id}  # rayguard:ignore\n`))).toEqual(['2:RG102', '4:RG401', '4:RG106']);
  });

  it('is not fooled by the words inside a string', () => {
    const t = base(`  - "echo '# rayguard:ignore RG401 nope' && export AWS_ACCESS_KEY_ID=${id}"\n`);
    expect(ids(t)).toContain('4:RG401');
  });
});

describe('baseline', () => {
  it('holds no secret and hides exactly the known findings', async () => {
    const a = syntheticAwsKeyId(3);
    const b = syntheticAwsKeyId(4);
    const before = `cluster_name: t\nprovider: {type: aws}\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${a}\n`;
    const raw = (await analyze(before)).raw;
    const bl = await makeBaseline(raw);
    const json = JSON.stringify(bl);
    expect(json).not.toContain(a);
    expect(json).not.toContain(a.slice(4));
    expect(parseBaseline(JSON.parse(json))).toEqual(bl);
    expect((await analyze(before, { baseline: bl })).findings).toEqual([]);
    // The same key moved elsewhere is still known; a new key is new.
    const after = `cluster_name: t\nprovider: {type: aws}\n# moved: ${a}\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${b}\n`;
    const fresh = (await analyze(after, { baseline: bl })).findings;
    expect(fresh.map((f) => `${f.line}:${f.ruleId}`)).toEqual(['5:RG401']);
    // Salted: the same findings give different fingerprints in another baseline.
    const other = await makeBaseline(raw);
    expect(other.fingerprints).not.toEqual(bl.fingerprints);
  });

  it('CLI: baseline then check --baseline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rg-bl-'));
    const cfg = path.join(dir, 'cluster.yaml');
    const bl = path.join(dir, 'bl.json');
    writeFileSync(cfg, `cluster_name: t\nprovider: {type: aws}\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${syntheticAwsKeyId(5)}\n`);
    await run('node', [CLI, 'baseline', '-o', bl, cfg]);
    expect(readFileSync(bl, 'utf8')).not.toContain(syntheticAwsKeyId(5));
    const r = await run('node', [CLI, 'check', '--baseline', bl, '--format', 'json', cfg]);
    expect(JSON.parse(r.stdout).files[0].findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    writeFileSync(bl, '{"version": 1}');
    await expect(run('node', [CLI, 'check', '--baseline', bl, cfg])).rejects.toMatchObject({ code: 2 });
  });
});
