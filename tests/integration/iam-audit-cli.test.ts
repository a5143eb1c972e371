/**
 * `rayguard check --iam live` when the live source cannot start (no credentials, STS unreachable):
 * like the server, the static findings stay and every profile says RG307 with the reason; the exit
 * code follows --fail-on. Only `policy`, which is made of IAM's answers, stops with exit 2.
 * The real CLI (bin/rayguard.mjs) and the real SDK credential chain; no SDK mocks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rayConfig } from '../helpers/gaad';
import { SAMPLES } from '../helpers/shared';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/rayguard.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rg-audit-cli-'));
const SECRET = 'rg-audit-not-a-real-secret-value';

/** The environment without anything AWS from outside, plus `extra`. */
function awsEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...(env as NodeJS.ProcessEnv),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}
const NO_CREDENTIALS = awsEnv({});

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('node', [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

type Json = { files: Array<{ findings: Array<{ ruleId: string; severity: string; line: number; message: string }> }> };
const findingsOf = (stdout: string) => (JSON.parse(stdout) as Json).files[0].findings;

/** A port of 5300-5399 nobody listens on (connection refused). */
async function closedPort(): Promise<number> {
  for (let port = 5399; port >= 5300; port--) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    if (refused) return port;
  }
  throw new Error('no closed port in 5300-5399');
}

describe('--iam live without a usable live source', () => {
  it('no credentials: static findings, RG307 per profile with the reason, exit code by --fail-on', async () => {
    const file = path.join(SAMPLES, 'role-arn.yaml');
    const off = await cli(['check', '--format', 'json', file], NO_CREDENTIALS);
    const staticFindings = findingsOf(off.stdout);
    expect(staticFindings.length).toBeGreaterThan(0);

    const r = await cli(['check', '--format', 'json', '--iam', 'live', file], NO_CREDENTIALS);
    expect(r.code).toBe(off.code); // RG307 is a warning: the errors decide, as without IAM
    const findings = findingsOf(r.stdout);
    expect(findings.filter((f) => f.ruleId !== 'RG307')).toEqual(staticFindings);
    const rg307 = findings.filter((f) => f.ruleId === 'RG307');
    expect(rg307.length).toBeGreaterThanOrEqual(1);
    for (const f of rg307) {
      expect(f.severity).toBe('warning');
      expect(f.message).toMatch(/^Not verified: no AWS credentials found \(/);
    }
    expect(r.stderr).toMatch(/^rayguard: warning: --iam live: no AWS credentials found .*; IAM is not verified \(RG307\)\n$/);
  }, 60_000);

  it('the exit code follows --fail-on: 0 by default (warnings only), 1 with --fail-on warning', async () => {
    const file = path.join(dir, 'cluster.yaml');
    writeFileSync(file, rayConfig({ head: 'head', workers: { w: 'worker' } }));
    const dflt = await cli(['check', '--format', 'json', '--iam', 'live', file], NO_CREDENTIALS);
    expect(dflt.code).toBe(0);
    expect(findingsOf(dflt.stdout).filter((f) => f.ruleId === 'RG307').map((f) => f.line)).toEqual([11, 19]); // the head's and the worker's `Name:`
    const strict = await cli(['check', '--format', 'json', '--iam-live', '--fail-on', 'warning', file], NO_CREDENTIALS);
    expect(strict.code).toBe(1);
  }, 60_000);

  it('STS unreachable: RG307 says so, and the credentials never appear', async () => {
    const port = await closedPort();
    const env = awsEnv({
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`,
      AWS_ENDPOINT_URL_IAM: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '1',
    });
    const file = path.join(dir, 'cluster.yaml');
    writeFileSync(file, rayConfig({ head: 'head', workers: { w: 'worker' } }));
    const r = await cli(['check', '--format', 'json', '--iam', 'live', file], env);
    expect(r.code).toBe(0);
    const rg307 = findingsOf(r.stdout).filter((f) => f.ruleId === 'RG307');
    expect(rg307).toHaveLength(2);
    for (const f of rg307) expect(f.message).toBe('Not verified: could not reach STS for sts:GetCallerIdentity (ECONNREFUSED)');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  }, 60_000);

  it('policy needs IAM\'s answers: exit 2 with the reason, one line', async () => {
    const file = path.join(dir, 'cluster.yaml');
    writeFileSync(file, rayConfig({ head: 'head', workers: { w: 'worker' } }));
    const r = await cli(['policy', '--iam', 'live', file], NO_CREDENTIALS);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^rayguard: --iam live: no AWS credentials found \([^\n]*\)\n$/);
  }, 60_000);
});
