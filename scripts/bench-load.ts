/**
 * `npm run bench:load`: the standalone server under load.
 *
 * Needs an existing build (it builds nothing): <dist>/standalone/server.js, dist being
 * RAYGUARD_DIST_DIR (default .next). Assembles the standalone folder as the Dockerfile does
 * (scripts/standalone.mjs: .next/static and public beside server.js), starts it on a free loopback
 * port with the IAM snapshot source (the embedded demo account written to a snapshot file, read
 * through RAYGUARD_IAM_SNAPSHOT like a real one), the rate limit off and the share store in a
 * temp dir, then drives POST /api/validate with a real Ray config (Ray's own
 * ../shared/ray-examples/aws_example-full.yaml when present, else the bundled sample
 * data/samples/head-permissions.yaml) from many connections at once (autocannon).
 *
 * Prints requests/s, latency p50/p99, errors and non-2xx answers (target 0), the server's RSS
 * (VmRSS from /proc/<pid>/status) at start, after a warm-up and after the run, and the growth over
 * the run (after / after warm-up; target ≤ 1.2). Exits 1 when there were errors or non-2xx answers,
 * or the RSS grew more than 20 %. The RSS is compared with the RSS after the warm-up, not at start:
 * the V8 heap first grows to what 200 requests in flight need, which is not a leak. As a second
 * opinion the server runs with --trace-gc, and the live heap after its last full (mark-compact)
 * GC before and after the run is shown: that is what a leak would make grow.
 *
 * Environment: BENCH_SECONDS (default 30), BENCH_CONNECTIONS (default 200), BENCH_WARMUP_SECONDS
 * (default 10; same connections), BENCH_CONFIG (another config file to send).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { assembleStandalone, distDirOf, NoBuildError } from './standalone.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 30));
const CONNECTIONS = Math.max(1, Number(process.env.BENCH_CONNECTIONS ?? 200));
const WARMUP_SECONDS = Math.max(0, Number(process.env.BENCH_WARMUP_SECONDS ?? 10));
const MAX_GROWTH = 1.2;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** The live heap (MB) after the last mark-compact GC logged so far by --trace-gc. */
function liveHeapAfterLastFullGc(logFile: string): number | null {
  const text = readFileSync(logFile, 'utf8');
  let last: number | null = null;
  for (const m of text.matchAll(/Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/g)) last = Number(m[1]);
  return last;
}

/** VmRSS of a process, in MiB. */
function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(base: string, child: ChildProcess, logFile: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}); its log:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      const r = await fetch(`${base}/api/readyz`);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  throw new Error(`the server did not become ready in 30 s; its log:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** Until /api/healthz answers within 50 ms (at most 30 s). */
async function waitIdle(base: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const t = performance.now();
    await fetch(`${base}/api/healthz`).then((r) => r.arrayBuffer());
    if (performance.now() - t < 50) return;
    await sleep(250);
  }
}

function configToSend(): { name: string; text: string } {
  const candidates = [
    process.env.BENCH_CONFIG,
    path.resolve(ROOT, '../shared/ray-examples/aws_example-full.yaml'),
    path.join(ROOT, 'data/samples/head-permissions.yaml'),
  ].filter((f): f is string => !!f);
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`no config to send (looked for ${candidates.join(', ')})`);
  return { name: path.relative(ROOT, file), text: readFileSync(file, 'utf8') };
}

const fmt = (n: number, d = 1) => n.toFixed(d);

async function main(): Promise<number> {
  const distDir = distDirOf();
  let folder: string;
  try {
    folder = assembleStandalone({ root: ROOT, distDir });
  } catch (e) {
    if (e instanceof NoBuildError) {
      console.error(`bench:load: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const tmp = mkdtempSync(path.join(tmpdir(), 'rayguard-bench-load-'));
  const snapshot = path.join(tmp, 'demo-gaad.json');
  writeFileSync(snapshot, readFileSync(path.join(ROOT, 'lib/iam/demo-account.json')));
  const config = configToSend();
  const body = JSON.stringify({ text: config.text, fileName: path.basename(config.name) });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = path.join(tmp, 'server.log');
  const logFd = openSync(logFile, 'a');

  // A clean environment: no AWS settings of this machine, only what the bench sets.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmp,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    HOSTNAME: '127.0.0.1',
    RAYGUARD_IAM: 'snapshot',
    RAYGUARD_IAM_SNAPSHOT: snapshot,
    RAYGUARD_RATE_LIMIT: '0',
    RAYGUARD_DATA_DIR: path.join(tmp, 'data'),
  };
  const child = spawn(process.execPath, ['--trace-gc', 'server.js'], { cwd: folder, env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid!;
  let status = 0;
  try {
    await waitReady(base, child, logFile);
    const probe = await fetch(`${base}/api/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const report = (await probe.json()) as { files?: Array<{ findings: Array<{ ruleId: string }> }> };
    if (probe.status !== 200 || !report.files) throw new Error(`POST /api/validate answered ${probe.status}`);
    const rules = [...new Set(report.files[0].findings.map((f) => f.ruleId))].sort();
    const source = (await (await fetch(`${base}/api/readyz`)).json()) as { checks: { iam: { source?: string } } };

    console.log(`bench:load  ${path.relative(ROOT, folder)}/server.js (pid ${pid}) on ${base}`);
    console.log(`  IAM source: ${source.checks.iam.source} (the embedded demo account written to a snapshot file); rate limit off`);
    console.log(`  POST /api/validate with ${config.name} (${config.text.length} chars; findings: ${rules.join(' ')})`);
    console.log(`  ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured`);

    const rssStart = rssMiB(pid);
    const run = (duration: number) =>
      autocannon({
        url: `${base}/api/validate`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        duration,
        timeout: 30,
      });
    if (WARMUP_SECONDS > 0) {
      await run(WARMUP_SECONDS);
      // autocannon closes its connections with requests still in flight; the server works through
      // them after the run. Start the measured run on an idle server, not behind that backlog (the
      // measured run's own 200 new connections would otherwise queue behind it).
      await waitIdle(base);
    }
    const rssWarm = rssMiB(pid);
    const heapWarm = liveHeapAfterLastFullGc(logFile);
    const r = await run(SECONDS);
    const rssEnd = rssMiB(pid);
    const heapEnd = liveHeapAfterLastFullGc(logFile);
    await sleep(5000);
    const rssIdle = rssMiB(pid);

    // autocannon counts timeouts among the errors.
    const failures = r.errors + r.non2xx;
    const growth = rssEnd / rssWarm;
    console.log('');
    console.log(`  requests/s     ${fmt(r.requests.average)} (total ${r['2xx'] + r.non2xx} answers in ${r.duration} s)`);
    console.log(`  latency        p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`);
    console.log(`  errors         ${r.errors} (timeouts ${r.timeouts}), non-2xx ${r.non2xx} (4xx ${r['4xx']}, 5xx ${r['5xx']})   target 0`);
    console.log(`  RSS            start ${fmt(rssStart)} MiB, after warm-up ${fmt(rssWarm)} MiB, after the run ${fmt(rssEnd)} MiB, 5 s later ${fmt(rssIdle)} MiB`);
    console.log(`  RSS growth     ${fmt(growth, 3)} over the run (after / after warm-up; ${fmt(rssEnd / rssStart, 3)} vs start)   target ≤ ${MAX_GROWTH}`);
    if (heapWarm !== null && heapEnd !== null) {
      console.log(`  live heap      ${fmt(heapWarm)} MB after the last full GC of the warm-up, ${fmt(heapEnd)} MB after the last of the run (${fmt(heapEnd / heapWarm, 3)})`);
    }
    if (failures > 0) {
      console.log(`FAIL: ${failures} errors or non-2xx answers`);
      status = 1;
    }
    if (growth > MAX_GROWTH) {
      console.log(`FAIL: RSS grew ${fmt((growth - 1) * 100)} % over the run (limit ${fmt((MAX_GROWTH - 1) * 100, 0)} %)`);
      status = 1;
    }
    if (status === 0) console.log('OK');
  } finally {
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (status !== 0) console.log(`server log: ${readFileSync(logFile, 'utf8').split('\n').filter((l) => /"level":"(warn|error)"/.test(l)).slice(-5).join('\n')}`);
    rmSync(tmp, { recursive: true, force: true });
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
