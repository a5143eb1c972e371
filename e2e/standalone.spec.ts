/**
 * The standalone server, assembled as the Dockerfile assembles it (scripts/standalone.mjs:
 * <dist>/standalone/server.js with <dist>/static and public beside it), started on its own port
 * (PW_PORT + 21) with `node server.js`, as in the image. The rest of the suite runs `next start`.
 *
 * Needs the build `npm test` makes before the end-to-end tests (dist: RAYGUARD_DIST_DIR, default .next).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { assembleStandalone, distDirOf } from '../scripts/standalone.mjs';
import { expect, findingItems, openDashboard, test } from './fixtures';

const PORT = Number(process.env.PW_PORT || 3100) + 21;
const BASE = `http://127.0.0.1:${PORT}`;
const OUTPUT = path.resolve(process.env.PW_OUTPUT || 'test-results');
const DATA = path.join(OUTPUT, 'standalone-data');

let server: ChildProcess | null = null;
let output = '';

test.describe.configure({ mode: 'serial' });
test.use({ baseURL: BASE });

test.beforeAll(async () => {
  test.setTimeout(60_000);
  const folder = assembleStandalone({ distDir: distDirOf() });
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  // What the image sets, plus the demo account (whatever AWS credentials this machine has).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: DATA,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(PORT),
    HOSTNAME: '127.0.0.1',
    RAYGUARD_IAM: 'demo',
    RAYGUARD_DATA_DIR: DATA,
  };
  server = spawn(process.execPath, ['server.js'], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const until = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the standalone server exited (${server.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${BASE}/api/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`the standalone server did not answer in 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

test.afterAll(async () => {
  const s = server;
  server = null;
  if (!s || s.exitCode !== null) return;
  const exited = new Promise((r) => s.once('exit', r));
  s.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
});

test('liveness and readiness', async ({ request }) => {
  const live = await request.get(`${BASE}/api/healthz`);
  expect(live.status()).toBe(200);
  expect(await live.json()).toEqual({ ok: true });

  const ready = await request.get(`${BASE}/api/readyz`);
  expect(ready.status()).toBe(200);
  expect(ready.headers()['cache-control']).toBe('no-store');
  expect(await ready.json()).toEqual({ ready: true, checks: { iam: { ok: true, source: 'demo' }, store: { ok: true, kind: 'sqlite' } } });
  // The store's probe wrote into RAYGUARD_DATA_DIR (the image's /data volume), not beside server.js.
  expect(output).toContain('"msg":"ready"');
});

test('POST /api/validate, and the bundled samples (read from disk at run time)', async ({ request }) => {
  const samples = await request.get(`${BASE}/api/samples`);
  expect(samples.status()).toBe(200);
  const list = (await samples.json()) as Array<{ id: string }>;
  expect(list.map((s) => s.id)).toContain('keys');
  const sample = await request.get(`${BASE}/api/samples/keys`);
  expect(sample.status()).toBe(200);
  const text = await sample.text();
  expect(text).toContain('aws_credentials');

  const res = await request.post(`${BASE}/api/validate`, { data: { text, fileName: 'keys.yaml' } });
  expect(res.status()).toBe(200);
  const report = (await res.json()) as { version: number; files: Array<{ path: string; findings: Array<{ ruleId: string }> }> };
  expect(report.version).toBe(1);
  expect(report.files[0].path).toBe('keys.yaml');
  expect(report.files[0].findings.length).toBeGreaterThan(0);
});

test('public/ is served from beside server.js: robots.txt keeps crawlers out', async ({ request }) => {
  const robots = await request.get(`${BASE}/robots.txt`);
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toMatch(/^User-agent: \*\nDisallow: \/$/m);
});

test('the page loads its JS chunks and CSS (static assets copied beside server.js)', async ({ request }) => {
  const html = await (await request.get(`${BASE}/`)).text();
  const assets = [...html.matchAll(/\/_next\/static\/[^"'\s]+\.(?:js|css)/g)].map((m) => m[0]);
  expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
  for (const a of [...new Set(assets)].slice(0, 5)) {
    const r = await request.get(`${BASE}${a}`);
    expect(r.status(), a).toBe(200);
    expect(r.headers()['content-type'], a).toMatch(a.endsWith('.js') ? /javascript/ : /text\/css/);
  }
});

test('the dashboard runs in the browser from the standalone server', async ({ page }) => {
  await openDashboard(page);
  await page.getByTestId('validate').click();
  await expect(findingItems(page).first()).toBeVisible();
});
