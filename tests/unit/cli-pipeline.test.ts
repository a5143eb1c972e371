import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expandGlob } from '@/bin/glob';
import type { SarifLog } from '@/lib/findings/sarif';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';
import { readSample, SAMPLES } from '../helpers/shared';

/** The CLI faces a pipeline uses: SARIF, --iam, globs, stdin, exit codes (issue 7). */

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/rayguard.mjs');
const DEMO = path.join(ROOT, 'lib/iam/demo-account.json');
const KEYS = path.join(SAMPLES, 'keys.yaml');
const CLEAN = path.join(SAMPLES, 'clean.yaml');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function cli(args: string[], opts: { cwd?: string; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('node', [CLI, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(opts.input ?? '');
  });
}

const json = async (args: string[], opts?: { cwd?: string; input?: string }) => JSON.parse((await cli(['check', '--format', 'json', ...args], opts)).stdout) as { files: { path: string; findings: { ruleId: string }[] }[] };

function tree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rg-glob-'));
  const clean = readSample('clean');
  for (const f of ['configs/a.yaml', 'configs/b.yml', 'configs/sub/c.yaml', 'configs/sub/deep/d.yaml', 'configs/.hidden/e.yaml', 'configs/.f.yaml', 'other/x.yaml']) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), clean);
  }
  writeFileSync(path.join(dir, 'configs/notes.txt'), 'not yaml');
  return dir;
}

describe('check --format sarif', () => {
  it('prints a SARIF log with the JSON findings, relative URIs, no secret; exits like JSON', async () => {
    const text = readSample('keys');
    const secret = /aws_secret_access_key: (\S+)/.exec(text)![1];
    const r = await cli(['check', '--format', 'sarif', '--iam', 'snapshot', DEMO, 'data/samples/keys.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain(secret);
    const log = JSON.parse(r.stdout) as SarifLog;
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].tool.driver.version).toBe(VERSION);
    const fromJson = (await json(['--iam-snapshot', DEMO, 'data/samples/keys.yaml'])).files[0].findings;
    expect(log.runs[0].results.map((x) => x.ruleId)).toEqual(fromJson.map((f) => f.ruleId));
    for (const res of log.runs[0].results) {
      expect(res.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'data/samples/keys.yaml', uriBaseId: '%SRCROOT%' });
    }
    expect(log.runs[0].originalUriBaseIds?.['%SRCROOT%'].uri).toBe(`file://${ROOT}/`);
    expect((await cli(['check', '--format=sarif', '--fail-on', 'none', KEYS])).code).toBe(0);
    const clean = await cli(['check', '--format', 'sarif', CLEAN]);
    expect(clean.code).toBe(0);
    expect((JSON.parse(clean.stdout) as SarifLog).runs[0].results).toEqual([]);
  });

  it('-o writes the log to a file and nothing to standard output', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rg-'));
    const out = path.join(dir, 'rayguard.sarif');
    const r = await cli(['check', '--format', 'sarif', '-o', out, KEYS]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as SarifLog).runs[0].results.length).toBeGreaterThan(0);
    const bad = await cli(['check', '-o', path.join(dir, 'no/such/dir/x'), KEYS]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot write/);
  });
});

describe('--fail-on', () => {
  it('error (default), warning, info, none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rg-'));
    const infoOnly = path.join(dir, 'info.yaml'); // only RG102 (info): not an AWS cluster
    writeFileSync(infoOnly, 'cluster_name: x\nprovider: {type: local, head_ip: 10.0.0.1, worker_ips: []}\n');
    expect((await json([infoOnly])).files[0].findings.map((f) => f.ruleId)).toEqual(['RG102']);
    expect((await cli(['check', infoOnly])).code).toBe(0);
    expect((await cli(['check', '--fail-on', 'warning', infoOnly])).code).toBe(0);
    expect((await cli(['check', '--fail-on', 'info', infoOnly])).code).toBe(1);
    expect((await cli(['check', '--fail-on=info', infoOnly])).code).toBe(1);
    expect((await cli(['check', '--fail-on', 'none', KEYS])).code).toBe(0);
    const bad = await cli(['check', '--fail-on', 'critical', KEYS]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fail-on must be error, warning, info or none, not "critical"/);
  });
});

describe('--iam live|snapshot FILE|demo|off and the old spellings', () => {
  it('gives the same answers as --iam-snapshot / --iam-demo', async () => {
    const file = path.join(SAMPLES, 'role-arn.yaml');
    const old = await json(['--iam-snapshot', DEMO, file]);
    expect(old.files[0].findings.some((f) => f.ruleId.startsWith('RG3'))).toBe(true);
    expect(await json(['--iam', 'snapshot', DEMO, file])).toEqual(old);
    expect(await json([`--iam=snapshot=${DEMO}`, file])).toEqual(old);
    expect(await json(['--iam', 'demo', file])).toEqual(await json(['--iam-demo', file]));
    const off = await json(['--iam', 'off', file]);
    expect(off).toEqual(await json([file]));
    expect(off.files[0].findings.some((f) => f.ruleId.startsWith('RG3'))).toBe(false);
  });

  it('--iam live asks IAM (here: an endpoint that answers nothing gives RG307, or a clear setup error)', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' };
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const p = spawn('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    const a = await run(['check', '--format', 'json', '--iam', 'live', path.join(SAMPLES, 'role-arn.yaml')]);
    const b = await run(['check', '--format', 'json', '--iam-live', path.join(SAMPLES, 'role-arn.yaml')]);
    expect(a.code).toBe(b.code);
    expect(a.stderr).toBe(b.stderr);
    expect(a.stdout).toBe(b.stdout);
    expect([1, 2]).toContain(a.code);
    if (a.code === 2) expect(a.stderr).toMatch(/^rayguard: --iam live: /);
    else expect(a.stdout).toContain('RG307');
  }, 60_000);

  it('usage errors: unknown values, missing values, contradictions, values given to switches', async () => {
    const cases: [string[], RegExp][] = [
      [['--iam', 'maybe', KEYS], /--iam must be live, snapshot FILE, demo or off, not "maybe"/],
      [['--iam'], /--iam needs a value/],
      [['--iam', 'snapshot'], /--iam snapshot needs a value/],
      [['--iam', 'off', '--iam-demo', KEYS], /--iam off contradicts/],
      [['--iam', 'live', '--iam', 'demo', KEYS], /use one IAM source/],
      [['--iam-snapshot', DEMO, '--iam-demo', KEYS], /use one IAM source/],
      [['--iam-live=yes', KEYS], /--iam-live takes no value/],
      [['--assume-role', `111122223333=arn:aws:iam::111122223333:role/r`, '--iam', 'demo', KEYS], /--assume-role needs --iam live/],
      [['--format', 'xml', KEYS], /--format must be text, json or sarif, not "xml"/],
      [['--frobnicate', KEYS], /unknown option --frobnicate/],
      [['-x', KEYS], /unknown option -x/],
      [[], /check needs at least one FILE/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['check', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('--version and SARIF both say the package.json version', async () => {
    expect((await cli(['--version'])).stdout.trim()).toBe(VERSION);
  });
});

describe('several files, globs, standard input', () => {
  it('expands patterns the shell left alone: *, ?, ** (no dot files, no other extensions)', async () => {
    const dir = tree();
    const paths = async (...args: string[]) => (await json(args, { cwd: dir })).files.map((f) => f.path);
    expect(await paths('configs/**/*.yaml')).toEqual(['configs/a.yaml', 'configs/sub/c.yaml', 'configs/sub/deep/d.yaml']);
    expect(await paths('configs/*.y*ml')).toEqual(['configs/a.yaml', 'configs/b.yml']);
    expect(await paths('configs/?.yaml', 'other/x.yaml')).toEqual(['configs/a.yaml', 'other/x.yaml']);
    expect(await paths('**/d.yaml')).toEqual(['configs/sub/deep/d.yaml']);
    expect(await paths('configs/.*.yaml')).toEqual(['configs/.f.yaml']);
    expect(await paths(`${dir}/configs/sub/*.yaml`)).toEqual([`${dir}/configs/sub/c.yaml`]);
    // Each file once, in the order first named.
    expect(await paths('other/x.yaml', 'configs/a.yaml', 'configs/*.yaml', './configs/a.yaml')).toEqual(['other/x.yaml', 'configs/a.yaml']);
    const none = await cli(['check', 'configs/**/*.json'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no file matches configs\/\*\*\/\*\.json/);
    // A file whose name really has a * is read as it is.
    writeFileSync(path.join(dir, 'odd*.yaml'), readSample('keys'));
    expect(await paths('odd*.yaml')).toEqual(['odd*.yaml']);
  });

  it('the exit code covers every file: one bad file among clean ones fails the run', async () => {
    const dir = tree();
    writeFileSync(path.join(dir, 'configs/sub/leak.yaml'), readSample('keys'));
    const r = await cli(['check', 'configs/**/*.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^configs\/sub\/leak\.yaml:\d+:\d+: error RG401/m);
    expect(r.stdout).toMatch(/4 files: /);
  });

  it('reads standard input for -', async () => {
    const rng = makeRng(42);
    const id = awsKeyId(rng);
    const secret = awsSecret(rng);
    const text = `cluster_name: x\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${secret}\n`;
    const r = await cli(['check', '--format', 'json', '-'], { input: text });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { files: { path: string; findings: { ruleId: string }[] }[] };
    expect(report.files[0].path).toBe('-');
    expect(report.files[0].findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RG401', 'RG402']));
    const s = await cli(['check', '--format', 'sarif', '-', CLEAN], { input: text });
    expect(s.code).toBe(1);
    expect(s.stdout).not.toContain(secret);
    expect(s.stdout).not.toContain(id);
    const log = JSON.parse(s.stdout) as SarifLog;
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ description: { text: 'standard input' } });
  });
});

describe('expandGlob', () => {
  it('walks only what the pattern names; ** does not follow links (no cycles)', () => {
    const dir = tree();
    symlinkSync(path.join(dir, 'configs'), path.join(dir, 'configs/sub/loop'));
    symlinkSync(path.join(dir, 'other/x.yaml'), path.join(dir, 'configs/link.yaml'));
    expect(expandGlob(`${dir}/configs/**/*.yaml`).map((p) => path.relative(dir, p))).toEqual([
      'configs/a.yaml', 'configs/link.yaml', 'configs/sub/c.yaml', 'configs/sub/deep/d.yaml',
    ]);
    expect(expandGlob(`${dir}/configs/**`).map((p) => path.relative(dir, p))).toEqual([
      'configs/a.yaml', 'configs/b.yml', 'configs/link.yaml', 'configs/notes.txt', 'configs/sub/c.yaml', 'configs/sub/deep/d.yaml',
    ]);
    expect(expandGlob(`${dir}/nowhere/*.yaml`)).toEqual([]);
    expect(expandGlob(`${dir}/configs/[ab].yaml`)).toEqual([]); // brackets are literal, not classes
    expect(expandGlob(`${dir}/c?nfigs/s*/c.yaml`)).toEqual([`${dir}/configs/sub/c.yaml`]);
  });
});
