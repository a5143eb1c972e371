/**
 * The published-package shape (issue 7): `npm pack` the repository, install the tarball into an
 * empty directory, and run `npx rayguard` there, far from the Next.js app, the tests and the
 * repository's node_modules.
 *
 * The install is offline when the npm cache already holds every package document; otherwise it
 * falls back to the registry (the tarballs still come from the cache). Install scripts are
 * skipped: the package lists the dashboard's better-sqlite3, whose build from source takes
 * minutes here and which the CLI never loads; tsx's esbuild binary comes from its platform
 * package, not from a script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { awsKeyId, awsSecret, makeRng } from '../../lib/secrets/synthetic';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** The environment without npm's own variables: a parent `npm test` must not aim npm at the repo. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))) as NodeJS.ProcessEnv;

let dir = '';
let app = '';
let packed: string[] = [];

async function sh(cmd: string, args: string[], cwd: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(cmd, args, { cwd, env: ENV, maxBuffer: 64 * 1024 * 1024, timeout: 90_000 });
  child.child.stdin?.end(input ?? '');
  try {
    const r = await child;
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number | string; stdout: string; stderr: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) };
  }
}

const rayguard = (args: string[], input?: string) => sh('npx', ['--no-install', 'rayguard', ...args], app, input);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rg-pack-'));
  const pack = await sh('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  const info = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0];
  packed = info.files.map((f) => f.path);
  const tarball = path.join(dir, info.filename);

  app = path.join(dir, 'app');
  mkdirSync(app);
  // Its own package.json, so npm does not walk up to some other project.
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'rayguard-pack-test', version: '1.0.0', private: true }));
  const flags = ['--no-audit', '--no-fund', '--ignore-scripts', '--no-save'];
  let install = await sh('npm', ['install', '--offline', ...flags, tarball], app);
  if (install.code !== 0) install = await sh('npm', ['install', '--prefer-offline', ...flags, tarball], app);
  expect(install.code, install.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm pack → npm install → npx rayguard', () => {
  it('the tarball holds the CLI and the core, not the app, the tests or the screenshots', () => {
    for (const f of ['package.json', 'README.md', 'bin/rayguard.mjs', 'bin/cli.ts', 'bin/glob.ts', 'lib/validate.ts', 'lib/findings/sarif.ts', 'lib/iam/demo-account.json', 'docs/rules.md']) {
      expect(packed).toContain(f);
    }
    for (const prefix of ['tests/', 'e2e/', '.next/', 'docs/screenshots/', 'app/', 'components/', 'data/', 'scripts/', 'node_modules/', 'lib/server/', 'lib/share/', '.ci/']) {
      expect(packed.filter((f) => f.startsWith(prefix))).toEqual([]);
    }
  });

  it('runs from the installed package: --version, help', async () => {
    const v = await rayguard(['--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(PKG.version);
    const h = await rayguard(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/rayguard check \[--format text\|json\|sarif\]/);
  });

  it('check finds a planted key: exit 1, JSON and SARIF, the key masked', async () => {
    const rng = makeRng(20260607);
    const id = awsKeyId(rng);
    const secret = awsSecret(rng);
    const config = [
      'cluster_name: packed',
      'provider: {type: aws, region: us-west-2}',
      'setup_commands:',
      `  - export AWS_ACCESS_KEY_ID=${id}`,
      `  - export AWS_SECRET_ACCESS_KEY=${secret}`,
      '',
    ].join('\n');
    writeFileSync(path.join(app, 'cluster.yaml'), config);

    const j = await rayguard(['check', '--format', 'json', 'cluster.yaml']);
    expect(j.code, j.stderr).toBe(1);
    const report = JSON.parse(j.stdout) as { version: number; files: { path: string; findings: { ruleId: string; line: number }[] }[] };
    expect(report.version).toBe(1);
    expect(report.files[0].path).toBe('cluster.yaml');
    expect(report.files[0].findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ ruleId: 'RG401', line: 4 }),
      expect.objectContaining({ ruleId: 'RG402', line: 5 }),
    ]));

    const s = await rayguard(['check', '--format', 'sarif', '--iam', 'demo', 'cluster.yaml']);
    expect(s.code, s.stderr).toBe(1);
    const log = JSON.parse(s.stdout) as { version: string; runs: { tool: { driver: { version: string } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].tool.driver.version).toBe(PKG.version);
    expect(log.runs[0].results.map((r) => r.ruleId)).toEqual(expect.arrayContaining(['RG401', 'RG402']));
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('cluster.yaml');

    for (const out of [j.stdout, j.stderr, s.stdout, s.stderr]) {
      expect(out).not.toContain(id);
      expect(out).not.toContain(secret);
    }
    const stdin = await rayguard(['check', '-'], config);
    expect(stdin.code).toBe(1);
    expect(stdin.stdout).toMatch(/^-:4:\d+: error RG401/m);

    const clean = await rayguard(['check', '--fail-on', 'none', 'cluster.yaml']);
    expect(clean.code).toBe(0);
  });
});
