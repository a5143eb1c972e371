import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { POST as validateRoute } from '@/app/api/validate/route';
import { POST as fixRoute } from '@/app/api/fix/route';
import { analyzeStatic, validate } from '@/lib/validate';
import { demoIamSource } from '@/lib/iam/demo';
import { EXAMPLES, readSample, SAMPLES } from '../helpers/shared';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/rayguard.mjs');
const DEMO = path.join(ROOT, 'lib/iam/demo-account.json');

async function cli(args: string[]) {
  try {
    const r = await run('node', [CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

// The server's IAM source: the demo account, whatever credentials this machine may have.
process.env.RAYGUARD_IAM = 'demo';

function post(handler: (r: Request) => Promise<Response>, body: unknown, raw?: string) {
  return handler(new Request('http://localhost/api', { method: 'POST', body: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
}

describe('one core, three faces: the same text gives the same findings', () => {
  const files = [path.join(EXAMPLES, 'aws_example-full.yaml'), ...['keys', 'role-arn', 'legacy'].map((s) => path.join(SAMPLES, `${s}.yaml`))];
  it('browser path (static), API and CLI agree', async () => {
    const { stdout, code } = await cli(['check', '--format', 'json', '--iam-snapshot', DEMO, ...files]);
    expect(code).toBe(1);
    const fromCli = JSON.parse(stdout);
    for (const [i, file] of files.entries()) {
      const text = readFileSync(file, 'utf8');
      const res = await post(validateRoute, { text, fileName: path.basename(file) });
      expect(res.status).toBe(200);
      const fromApi = (await res.json()).files[0].findings;
      const fromLib = await validate(text, { iam: demoIamSource() });
      expect(fromApi).toEqual(fromLib);
      expect(fromCli.files[i].findings).toEqual(fromLib);
      expect(fromCli.files[i].path).toBe(file);
      // What the browser computes as the user types is exactly the static part.
      const staticIds = new Set(['RG3']);
      expect(analyzeStatic(text).findings).toEqual(fromLib.filter((f) => !staticIds.has(f.ruleId.slice(0, 3))));
    }
  });
});

describe('CLI', () => {
  it('exits 0 on a clean config, 1 on errors, 2 on usage errors and unreadable files', async () => {
    expect((await cli(['check', '--iam-demo', path.join(SAMPLES, 'clean.yaml')])).code).toBe(0);
    expect((await cli(['check', path.join(SAMPLES, 'keys.yaml')])).code).toBe(1);
    const missing = await cli(['check', '/nonexistent/cluster.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
    expect((await cli(['check'])).code).toBe(2);
    expect((await cli(['check', '--format', 'xml', 'a.yaml'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/rayguard check/);
  });

  it('--fail-on moves the threshold', async () => {
    const full = path.join(EXAMPLES, 'aws_example-full.yaml'); // warnings and info only
    expect((await cli(['check', full])).code).toBe(0);
    expect((await cli(['check', '--fail-on', 'warning', full])).code).toBe(1);
    expect((await cli(['check', '--fail-on', 'none', path.join(SAMPLES, 'keys.yaml')])).code).toBe(0);
  });

  it('text output masks secrets and names file:line:column', async () => {
    const text = readSample('keys');
    const secret = /aws_secret_access_key: (\S+)/.exec(text)![1];
    const keyId = /aws_access_key_id: (\S+)/.exec(text)![1];
    const r = await cli(['check', path.join(SAMPLES, 'keys.yaml')]);
    expect(r.stdout).toMatch(/keys\.yaml:9:28: error RG401/);
    expect(r.stdout).not.toContain(secret);
    expect(r.stdout).not.toContain(keyId);
    const j = await cli(['check', '--format', 'json', path.join(SAMPLES, 'keys.yaml')]);
    expect(j.stdout).not.toContain(secret);
    expect(j.stdout).not.toContain(keyId);
  });

  it('binary and non-UTF-8 files are RG101, not a crash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rg-'));
    const f = path.join(dir, 'bin.yaml');
    writeFileSync(f, Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]));
    const r = await cli(['check', '--format', 'json', f]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).files[0].findings[0].ruleId).toBe('RG101');
  });

  it('fix writes the corrected config, with --profile and -o', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rg-'));
    const out = path.join(dir, 'fixed.yaml');
    const arn = 'arn:aws:iam::314159265358:instance-profile/ray/ray-worker';
    const r = await cli(['fix', path.join(EXAMPLES, 'aws_example-minimal.yaml'), '-o', out, '--profile', `ray.head.default=${arn}`]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(`Arn: ${arn}`);
    expect(r.stderr).toMatch(/fixed +line \d+ RG201/);
    expect(r.stderr).not.toMatch(/warning/);
    // A --profile the fix has no use for is said, not silently dropped.
    const unused = await cli(['fix', path.join(EXAMPLES, 'aws_example-full.yaml'), '-o', path.join(dir, 'full.yaml'), '--profile', `ray.worker.default=${arn}`]);
    expect(unused.stderr).toMatch(/warning: --profile ray\.worker\.default=\.\.\.: not used/);
    expect(unused.stderr).not.toContain(arn);
    // A config without node types: the note says why nothing was added and what to write.
    const bare = await cli(['fix', path.join(EXAMPLES, 'aws_example-security-group.yaml'), '-o', path.join(dir, 'sg.yaml'), '--profile', `ray.head.default=${arn}`]);
    expect(bare.stderr).toMatch(/NOT FIXED line \d+ RG201: the config has no available_node_types/);
    const stdout = await cli(['fix', '--iam-demo', path.join(SAMPLES, 'keys.yaml')]);
    expect(stdout.stdout).not.toContain('aws_credentials');
    // `-o -` is standard output, as `-` is standard input: no file named "-"
    const dash = await cli(['fix', '--iam-demo', path.join(SAMPLES, 'keys.yaml'), '-o', '-']);
    expect(dash.stdout).toBe(stdout.stdout);
    expect((await cli(['fix', 'a.yaml', 'b.yaml'])).code).toBe(2);
    expect((await cli(['check', '--iam-snapshot', path.join(SAMPLES, 'clean.yaml'), path.join(SAMPLES, 'clean.yaml')])).stderr).toMatch(/not valid JSON/);
  });
});

describe('API input handling', () => {
  it('400 for bodies that are not JSON objects with a text string', async () => {
    for (const raw of ['not json', '[]', '"x"', '{}', '{"text": 5}', '{"text": "a", "fileName": 7}']) {
      const res = await post(validateRoute, null, raw);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toEqual(expect.any(String));
    }
    expect((await post(fixRoute, { text: 'a: 1', fixes: ['rm -rf'] })).status).toBe(400);
    expect((await post(fixRoute, { text: 'a: 1', profiles: ['x'] })).status).toBe(400);
  });

  it('413 for a body over the limit, counted while reading (no Content-Length)', async () => {
    const big = JSON.stringify({ text: 'a'.repeat(7 * 1024 * 1024) });
    const stream = new ReadableStream({
      start(c) {
        const bytes = new TextEncoder().encode(big);
        for (let i = 0; i < bytes.length; i += 65536) c.enqueue(bytes.slice(i, i + 65536));
        c.close();
      },
    });
    const req = new Request('http://localhost/api', { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
    const res = await validateRoute(req);
    expect(res.status).toBe(413);
  });

  it('415 for bodies that are not declared JSON, 405 (JSON) for other methods', async () => {
    const res = await validateRoute(new Request('http://localhost/api', { method: 'POST', body: '{"text": "a: 1"}', headers: { 'content-type': 'text/plain' } }));
    expect(res.status).toBe(415);
    expect((await res.json()).error).toMatch(/application\/json/);
    const { GET } = await import('@/app/api/validate/route');
    const r405 = GET();
    expect(r405.status).toBe(405);
    expect(r405.headers.get('allow')).toBe('POST');
    expect((await r405.json()).error).toMatch(/POST/);
  });

  it('413 for a text over 5 MiB inside an allowed body', async () => {
    const res = await post(validateRoute, { text: 'a'.repeat(5 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });

  it('streams NDJSON on request: the source, a card per profile as checked, then the same report', async () => {
    const text = readSample('head-permissions');
    const res = await validateRoute(new Request('http://localhost/api', {
      method: 'POST', body: JSON.stringify({ text }), headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    }));
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'source', source: { kind: 'demo', accountId: '314159265358' } });
    const last = events.at(-1);
    expect(last.type).toBe('report');
    expect(events.filter((e) => e.type === 'card').length).toBeGreaterThanOrEqual(6); // 3 profiles: checking, checked, head verdicts
    expect(last.iam.cards).toHaveLength(3);
    expect(last.iam.policy.Statement.at(-1).Action).toBe('iam:PassRole');
    const plain = await (await post(validateRoute, { text })).json();
    expect(last.report).toEqual(plain);
  });

  it('iam: false gives the static findings only; a non-boolean iam is a 400', async () => {
    const text = readSample('head-permissions');
    const withIam = (await (await post(validateRoute, { text })).json()).files[0].findings.map((f: { ruleId: string }) => f.ruleId);
    const without = (await (await post(validateRoute, { text, iam: false })).json()).files[0].findings.map((f: { ruleId: string }) => f.ruleId);
    expect(withIam).toEqual(expect.arrayContaining(['RG304', 'RG305']));
    expect(without).toEqual(analyzeStatic(text).findings.map((f) => f.ruleId));
    expect((await post(validateRoute, { text, iam: 'no' })).status).toBe(400);
  });

  it('invalid YAML is an RG101 finding, not an HTTP error', async () => {
    const res = await post(validateRoute, { text: 'a: [1, 2' });
    expect(res.status).toBe(200);
    expect((await res.json()).files[0].findings[0].ruleId).toBe('RG101');
  });

  it('fix answers the corrected text and the applied fixes', async () => {
    const res = await post(fixRoute, { text: readSample('role-arn') });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.applied).toEqual(expect.arrayContaining([expect.objectContaining({ fix: 'use-instance-profile-arn', ruleId: 'RG205', line: 19 })]));
    expect(body.text).toContain('instance-profile/ray/ray-head');
  });
});

describe('CLI standard input', () => {
  it('reads `-`', async () => {
    const child = execFile('node', [CLI, 'check', '--format', 'json', '-'], { cwd: ROOT });
    child.stdin!.end('cluster_name: t\nprovider: {type: gcp}\n');
    const out = await new Promise<string>((resolve) => {
      let s = '';
      child.stdout!.on('data', (d) => (s += d));
      child.on('close', () => resolve(s));
    });
    expect(JSON.parse(out).files[0]).toMatchObject({ path: '-', findings: [expect.objectContaining({ ruleId: 'RG102' })] });
  });
});
