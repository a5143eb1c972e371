/**
 * `npm run bench:secrets`: Rayguard's credential detection against secretlint
 * (@secretlint/secretlint-rule-preset-recommend), in one process, on the same texts:
 *
 *   - accuracy on ../shared/corpus/secrets (scored like ../shared/tools/score_secrets.py) and on a
 *     generated, labeled input of thousands of Ray configs (scripts/bench/generate.ts);
 *   - throughput (MiB/s) of: a bare `yaml` parseDocument (the floor), Rayguard's scanner alone,
 *     Rayguard's whole static check (analyzeStatic), and secretlint;
 *   - the ratios the targets are about, each with PASS/FAIL, and a breakdown of the whole check.
 *
 * A benchmark: it exits 0 whatever the figures are. It never prints a secret: misses and false
 * positives are listed as file:line and kind only.
 *
 * Also, end to end: both command-line tools on the same files written to a temporary directory,
 * one process over all of them and one process per file (the way a pre-commit hook runs), which
 * is where per-file figures of a hundred milliseconds and more come from: process start-up.
 *
 * Environment: BENCH_SEED (generator seed), BENCH_SAMPLE (files given to secretlint, default 200),
 * BENCH_ROUNDS (measured rounds over the whole generated set, default 5), BENCH_CLI=0 skips the
 * end-to-end part.
 */
import { readdirSync, readFileSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseDocument } from 'yaml';
import { lintSource } from '@secretlint/core';
import { creator as recommendPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { analyzeStatic, secretRedactor, toFinding } from '../lib/validate';
import { scanText } from '../lib/secrets/index';
import { parseConfig, YAML_OPTIONS } from '../lib/config/parse';
import { walkConfig } from '../lib/config/walk';
import { STATIC_RULES } from '../lib/rules/index';
import { applyIgnores } from '../lib/findings/suppress';
import { compareFindings } from '../lib/findings/types';
import type { RawFinding, RuleContext } from '../lib/rules/types';
import { generateCorpus, type Label } from './bench/generate';
import { LineIndex } from '../lib/config/position';
import { addScore, emptyTotals, scoreFile, splitLines, type LabelLike, type Report, type Totals } from './bench/score';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_DIR = path.resolve(projectRoot, '../shared/corpus/secrets');
const SEED = Number(process.env.BENCH_SEED ?? 0x5eed);
const SAMPLE = Math.max(1, Number(process.env.BENCH_SAMPLE ?? 200));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const MIN_BYTES = 5 * 1024 * 1024 + 256 * 1024; // "at least 5 MiB in all", with a margin
const MIN_FILES = 2000;
const GEN_CHUNK = 25;
const BREAKDOWN_ROUNDS = 2;
const MiB = 1024 * 1024;

const CRED_RULES = new Set(['RG401', 'RG402', 'RG403', 'RG404', 'RG405']);
const PARSE_OPTIONS = YAML_OPTIONS;

// Targets (from the issue).
const TARGET_SPEEDUP = 50;
const TARGET_PARSE_RATIO = 1.5;

interface Input {
  name: string;
  text: string;
  bytes: number;
  findings: LabelLike[];
  acceptable: LabelLike[];
}

// ------------------------------------------------------------------ inputs

function readCorpus(dir: string): Input[] {
  if (!existsSync(dir)) return [];
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }); // as the CLI reads files
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const buf = readFileSync(path.join(dir, f));
      const exp = JSON.parse(readFileSync(path.join(dir, f.slice(0, -5) + '.expected.json'), 'utf8'));
      return {
        name: f,
        text: decoder.decode(buf),
        bytes: buf.byteLength,
        findings: exp.findings ?? exp.secrets ?? [],
        acceptable: exp.acceptable ?? [],
      };
    });
}

function generated(): Input[] {
  return generateCorpus(SEED, MIN_BYTES, MIN_FILES).map((f) => ({
    name: f.name,
    text: f.text,
    bytes: Buffer.byteLength(f.text, 'utf8'),
    findings: f.findings as Label[],
    acceptable: f.acceptable as Label[],
  }));
}

/** A deterministic sample: every k-th file. */
function sampleOf<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs.slice();
  const k = xs.length / n;
  return Array.from({ length: n }, (_, i) => xs[Math.floor(i * k)]);
}

const bytesOf = (xs: Input[]): number => xs.reduce((a, x) => a + x.bytes, 0);

// ------------------------------------------------------------------ the tools

function rayguardReports(text: string): Report[] {
  return analyzeStatic(text)
    .findings.filter((f) => CRED_RULES.has(f.ruleId))
    .map((f) => ({ line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, what: `${f.ruleId} ${f.kind ?? ''}`.trim() }));
}

type SecretlintConfig = Parameters<typeof lintSource>[0]['options']['config'];
const SECRETLINT_CONFIG: SecretlintConfig = {
  rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendPreset }],
};

function secretlint(name: string, text: string) {
  return lintSource({
    source: { content: text, filePath: `/bench/${name.endsWith('.yaml') ? name : name + '.yaml'}`, ext: '.yaml', contentType: 'text' },
    options: { config: SECRETLINT_CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
}

async function secretlintReports(name: string, text: string): Promise<Report[]> {
  const res = await secretlint(name, text);
  const at = new LineIndex(text); // the project's one position model (columns in code points)
  return res.messages.map((m) => {
    const { line: l, column: c } = at.position(m.range[0]);
    const { line: el, column: ec } = at.position(Math.max(m.range[0], m.range[1]));
    return { line: l, column: c, endLine: el, endColumn: ec, what: m.ruleId.replace('@secretlint/secretlint-rule-', 'secretlint:') };
  });
}

// ------------------------------------------------------------------ accuracy

function scoreAll(inputs: Input[], reportsOf: (x: Input) => Report[]): Totals {
  const t = emptyTotals();
  for (const x of inputs) addScore(t, x.name, scoreFile(splitLines(x.text), x.findings, x.acceptable, reportsOf(x)));
  return t;
}

async function scoreAllAsync(inputs: Input[], reportsOf: (x: Input) => Promise<Report[]>): Promise<Totals> {
  const t = emptyTotals();
  for (const x of inputs) addScore(t, x.name, scoreFile(splitLines(x.text), x.findings, x.acceptable, await reportsOf(x)));
  return t;
}

// ------------------------------------------------------------------ timing

/**
 * Garbage-collection pauses (perf_hooks 'gc' entries), and the timed intervals they are charged
 * to: each pause is attributed to the interval (task, or stage of the breakdown) it falls in.
 */
const gcPauses: { start: number; end: number }[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
});
gcObserver.observe({ entryTypes: ['gc'] });
const intervals: { start: number; end: number; key: string }[] = [];
let recording = '';

async function gcShares(): Promise<Map<string, { ms: number; gc: number }>> {
  await new Promise((r) => setImmediate(r)); // gc entries are delivered asynchronously
  const out = new Map<string, { ms: number; gc: number }>();
  const iv = [...intervals].sort((a, b) => a.start - b.start);
  for (const i of iv) {
    const o = out.get(i.key) ?? { ms: 0, gc: 0 };
    o.ms += i.end - i.start;
    out.set(i.key, o);
  }
  for (const g of gcPauses) {
    let lo = 0;
    let hi = iv.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (iv[mid].end <= g.start) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < iv.length && iv[j].start < g.end; j++) {
      const overlap = Math.min(g.end, iv[j].end) - Math.max(g.start, iv[j].start);
      if (overlap > 0) out.get(iv[j].key)!.gc += overlap;
    }
  }
  return out;
}

let sink = 0;
function timeSync(inputs: Input[], fn: (text: string) => unknown): number {
  const t0 = performance.now();
  for (const x of inputs) {
    const r = fn(x.text);
    if (r === sink) sink++;
  }
  return performance.now() - t0;
}
async function timeAsync(inputs: Input[], fn: (x: Input) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (const x of inputs) {
    const r = await fn(x);
    if (r === sink) sink++;
  }
  return performance.now() - t0;
}

interface Task {
  name: string;
  /** Time one chunk; a breakdown task also returns its per-stage times. */
  run(chunk: Input[]): number | { ms: number; parts: Map<string, number> } | Promise<number>;
}
interface Timed {
  ms: Map<string, number>;
  /** Per-stage times of the fastest round of each chunk, summed (breakdown tasks only). */
  parts: Map<string, number>;
}

/**
 * Peers measured side by side: the input is cut into chunks; every round times every task on every
 * chunk, in an order that rotates, so all peers see the same machine load; each task's time is the
 * sum over chunks of its fastest round (the usual estimator for CPU-bound code on a shared machine).
 */
async function interleaved(label: string, chunks: Input[][], tasks: Task[], rounds: number): Promise<Timed> {
  const best = tasks.map(() => chunks.map(() => Infinity));
  const bestParts = tasks.map(() => chunks.map(() => new Map<string, number>()));
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < chunks.length; c++) {
      for (let k = 0; k < tasks.length; k++) {
        const i = (k + r + c) % tasks.length;
        const start = performance.now();
        const out = await tasks[i].run(chunks[c]);
        if (recording) intervals.push({ start, end: performance.now(), key: `${label}/${tasks[i].name}` });
        const ms = typeof out === 'number' ? out : out.ms;
        if (ms < best[i][c]) {
          best[i][c] = ms;
          if (typeof out !== 'number') bestParts[i][c] = out.parts;
        }
      }
    }
  }
  const ms = new Map(tasks.map((t, i) => [t.name, best[i].reduce((a, b) => a + b, 0)]));
  const parts = new Map<string, number>();
  for (const perChunk of bestParts) for (const m of perChunk) for (const [k, v] of m) parts.set(k, (parts.get(k) ?? 0) + v);
  return { ms, parts };
}

function chunked<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const bareParse = (t: string) => parseDocument(t, PARSE_OPTIONS);
const wholeCheck = (t: string) => analyzeStatic(t);

/** An instrumented replica of analyzeStatic (lib/validate.ts): time per stage and per rule. */
function breakdown(inputs: Input[]): Map<string, number> {
  const ms = new Map<string, number>();
  const add = (k: string, v: number) => ms.set(k, (ms.get(k) ?? 0) + v);
  for (const x of inputs) {
    let t = performance.now();
    const lap = (k: string) => {
      const now = performance.now();
      add(k, now - t);
      if (recording === 'stages') intervals.push({ start: t, end: now, key: `stage/${k}` });
      t = now;
    };
    const parsed = parseConfig(x.text);
    lap('parseConfig');
    const model = walkConfig(parsed);
    lap('walkConfig');
    const secrets = parsed.doc ? scanText(x.text) : [];
    lap('scanText');
    const providerType = model?.providerType ?? null;
    const ctx: RuleContext = { parsed, model, secrets, isAws: providerType === null || providerType === 'aws' };
    const raw: RawFinding[] = [];
    for (const r of STATIC_RULES) {
      raw.push(...r.check(ctx));
      lap(`rule ${r.ids.length > 2 ? `${r.ids[0]}…${r.ids[r.ids.length - 1]}` : r.ids.join(',')}`);
    }
    const kept = applyIgnores(parsed, raw);
    lap('applyIgnores');
    const redact = secretRedactor(ctx);
    for (const r of kept) {
      r.message = redact(r.message);
      r.yamlPath = redact(r.yamlPath);
    }
    lap('redact (secrets out of messages, paths)');
    const seen = new Set<string>();
    const unique = kept.filter((r) => {
      const k = `${r.ruleId}:${r.start}:${r.end}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const findings = unique.map((r) => toFinding(ctx, r)).sort(compareFindings);
    if (findings.length === sink) sink++;
    lap('findings (dedupe, positions, sort)');
  }
  return ms;
}

// ------------------------------------------------------------------ output

function table(head: string[], rows: string[][], right: boolean[] = []): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [fmt(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(fmt)].join('\n');
}
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const mib = (b: number) => `${f2(b / MiB)} MiB`;
const rate = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
const recallOf = (t: Totals) => (t.labels ? t.found / t.labels : 1);
/** Recall, never rounded up to 1 when something was missed. */
const recallCell = (t: Totals) => {
  const r = recallOf(t);
  const shown = t.found < t.labels && f3(r) === '1.000' ? (Math.floor(r * 1e4) / 1e4).toFixed(4) : f3(r);
  return `${shown} (${t.found}/${t.labels})`;
};
function version(pkg: string): string {
  try {
    return JSON.parse(readFileSync(path.join(projectRoot, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}
function listSome(title: string, xs: string[], max = 20): void {
  if (!xs.length) return;
  console.log(`  ${title} (${xs.length}${xs.length > max ? `, first ${max}` : ''}):`);
  for (const x of xs.slice(0, max)) console.log(`    ${x}`);
}

// ------------------------------------------------------------------ end to end

/** Wall time of a command, best of `n` runs; null when it cannot run at all. */
function timeCommand(cmd: string, args: string[], cwd: string, n = 2): number | null {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd, stdio: 'ignore', timeout: 600_000 });
    if (r.error || r.status === null || r.status > 1) return null; // 0: clean, 1: findings
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Both CLIs on the sample's files: one process over all of them, and one process per file. */
function endToEnd(sample: Input[]): void {
  const secretlintBin = path.join(projectRoot, 'node_modules', '.bin', 'secretlint');
  const rayguardBin = path.join(projectRoot, 'bin', 'rayguard.mjs');
  if (!existsSync(secretlintBin)) {
    console.log('END TO END: skipped (the secretlint CLI is not installed)\n');
    return;
  }
  process.stderr.write('timing: both CLIs end to end…\n');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rayguard-bench-'));
  try {
    const names = sample.map((x, i) => `c${String(i).padStart(4, '0')}.yaml`);
    sample.forEach((x, i) => writeFileSync(path.join(dir, names[i]), x.text));
    writeFileSync(path.join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
    const slAll = timeCommand(secretlintBin, ['*.yaml'], dir);
    const rgAll = timeCommand(process.execPath, [rayguardBin, 'check', '--format', 'json', '-o', path.join(dir, 'out.json'), '*.yaml'], dir);
    const few = names.slice(0, 10);
    let slEach: number | null = 0;
    let rgEach: number | null = 0;
    for (const f of few) {
      const a = timeCommand(secretlintBin, [f], dir, 1);
      const b = timeCommand(process.execPath, [rayguardBin, 'check', '--format', 'json', '-o', path.join(dir, 'out.json'), f], dir, 1);
      slEach = slEach === null || a === null ? null : slEach + a;
      rgEach = rgEach === null || b === null ? null : rgEach + b;
    }
    const ms = (x: number | null, files: number) => (x === null ? 'failed' : `${f1(x)} ms (${f1(x / files)} ms/file)`);
    console.log(`END TO END (both command-line tools, wall time including process start-up; same ${sample.length} generated files on disk)`);
    console.log(
      table(
        ['run', 'secretlint CLI', 'rayguard check', 'secretlint / rayguard'],
        [
          [`one process, all ${sample.length} files`, ms(slAll, sample.length), ms(rgAll, sample.length), slAll && rgAll ? `${f2(slAll / rgAll)}×` : '-'],
          [`one process per file (${few.length} files)`, ms(slEach, few.length), ms(rgEach, few.length), slEach && rgEach ? `${f2(slEach / rgEach)}×` : '-'],
        ],
        [false, true, true, true],
      ),
    );
    console.log(
      '(one process per file is almost all start-up: node, the tool and its rules loading. The throughput ratio above compares the\n' +
        ' engines in one process: secretlint\'s lintSource, regexes over raw text, against Rayguard\'s whole check, which parses\n' +
        ' the YAML before anything else: a bare parse alone takes longer than secretlint\'s whole scan, so no throughput ratio\n' +
        ' above about 1/(bare parse time / secretlint time) is possible while the parse is the floor.)',
    );
    console.log('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const corpus = readCorpus(CORPUS_DIR);
  const tg0 = performance.now();
  const gen = generated();
  const genMs = performance.now() - tg0;
  const sample = sampleOf(gen, SAMPLE);
  const genBytes = bytesOf(gen);
  const sampleBytes = bytesOf(sample);
  const corpusBytes = bytesOf(corpus);
  const genErrors = gen.filter((x) => bareParse(x.text).errors.length > 0).length;

  console.log('Rayguard secrets benchmark');
  console.log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}; yaml ${version('yaml')}; ` +
      `@secretlint/core ${version('@secretlint/core')}, preset-recommend ${version('@secretlint/secretlint-rule-preset-recommend')}`,
  );
  console.log(
    `inputs: shared corpus ${corpus.length} files (${(corpusBytes / 1024).toFixed(1)} KiB) at ${path.relative(projectRoot, CORPUS_DIR)}` +
      `${corpus.length ? '' : ' — NOT FOUND'}; generated ${gen.length} configs, ${mib(genBytes)} (seed 0x${SEED.toString(16)}, ` +
      `${gen.reduce((a, x) => a + x.findings.length, 0)} planted credentials, ${gen.filter((x) => !x.findings.length).length} clean files, ` +
      `${genErrors} with YAML errors, built in ${genMs.toFixed(0)} ms)`,
  );
  console.log(
    `secretlint sample: ${sample.length} generated files, every ${f1(gen.length / sample.length)}th (${mib(sampleBytes)}); ` +
      'secretlint runs on the sample only, and its ratio is taken against Rayguard on exactly the same files',
  );
  console.log('');

  // ---- accuracy (also warms up analyzeStatic and secretlint)
  // The very first call of each tool in this process (module set-up, cold JIT), for the record.
  let t0 = performance.now();
  await secretlint(gen[0].name, gen[0].text);
  const slCold = performance.now() - t0;
  t0 = performance.now();
  analyzeStatic(gen[0].text);
  const rgCold = performance.now() - t0;

  process.stderr.write('scoring…\n');
  const rgCorpus = scoreAll(corpus, (x) => rayguardReports(x.text));
  const slCorpus = await scoreAllAsync(corpus, (x) => secretlintReports(x.name, x.text));
  const rgGen = scoreAll(gen, (x) => rayguardReports(x.text));
  const rgSample = scoreAll(sample, (x) => rayguardReports(x.text));
  const slSample = await scoreAllAsync(sample, (x) => secretlintReports(x.name, x.text));

  // ---- throughput over the whole generated set
  process.stderr.write(`timing: ${ROUNDS} interleaved rounds over ${gen.length} files…\n`);
  const warm = gen.slice(0, 300);
  timeSync(warm, bareParse);
  timeSync(warm, scanText);
  timeSync(warm, wholeCheck);
  breakdown(warm);
  const genChunks = chunked(gen, GEN_CHUNK);
  recording = 'tasks';
  const big = await interleaved(
    'gen',
    genChunks,
    [
      { name: 'parse', run: (c) => timeSync(c, bareParse) },
      { name: 'scan', run: (c) => timeSync(c, scanText) },
      { name: 'whole', run: (c) => timeSync(c, wholeCheck) },
    ],
    ROUNDS,
  );
  const parseMs = big.ms.get('parse')!;
  const scanMs = big.ms.get('scan')!;
  const wholeMs = big.ms.get('whole')!;

  // ---- where the whole check's time goes (its own rounds: it is only a breakdown)
  process.stderr.write('timing: breakdown…\n');
  recording = 'stages';
  const bd = await interleaved(
    'bd',
    genChunks,
    [
      {
        name: 'replica',
        run: (c) => {
          const parts = breakdown(c);
          return { ms: [...parts.values()].reduce((a, b) => a + b, 0), parts };
        },
      },
    ],
    BREAKDOWN_ROUNDS,
  );
  const parts = bd.parts;
  const partsTotal = bd.ms.get('replica')!;

  // ---- the sample: Rayguard vs secretlint on exactly the same files
  process.stderr.write(`timing: secretlint and Rayguard on the ${sample.length}-file sample…\n`);
  await timeAsync(sample.slice(0, 20), (x) => secretlint(x.name, x.text));
  recording = 'tasks';
  const sm = await interleaved(
    'sample',
    chunked(sample, 10),
    [
      { name: 'parse', run: (c) => timeSync(c, bareParse) },
      { name: 'scan', run: (c) => timeSync(c, scanText) },
      { name: 'whole', run: (c) => timeSync(c, wholeCheck) },
      { name: 'secretlint', run: (c) => timeAsync(c, (x) => secretlint(x.name, x.text)) },
    ],
    3,
  );
  const scanSampleMs = sm.ms.get('scan')!;
  const parseSampleMs = sm.ms.get('parse')!;
  const rgSampleMs = sm.ms.get('whole')!;
  const slMs = sm.ms.get('secretlint')!;

  // ---- the shared corpus (small: many rounds)
  const corpusRounds = 20;
  const cm = await interleaved(
    'corpus',
    [corpus],
    [
      { name: 'parse', run: (c) => timeSync(c, bareParse) },
      { name: 'scan', run: (c) => timeSync(c, scanText) },
      { name: 'whole', run: (c) => timeSync(c, wholeCheck) },
      { name: 'secretlint', run: (c) => timeAsync(c, (x) => secretlint(x.name, x.text)) },
    ],
    corpus.length ? corpusRounds : 0,
  );
  const cParse = cm.ms.get('parse')!;
  const cScan = cm.ms.get('scan')!;
  const cWhole = cm.ms.get('whole')!;
  const cSl = cm.ms.get('secretlint')!;

  recording = '';
  const gc = await gcShares();
  gcObserver.disconnect();
  const gcPct = (key: string) => {
    const g = gc.get(key);
    return g && g.ms > 0 ? `${f1((100 * g.gc) / g.ms)}%` : '-';
  };
  const gcFrac = (key: string) => {
    const g = gc.get(key);
    return g && g.ms > 0 ? g.gc / g.ms : 0;
  };

  // ================================================================ report
  console.log('ACCURACY (credential findings: Rayguard RG401–RG405, secretlint any message; scored like shared/tools/score_secrets.py)');
  console.log(
    table(
      ['input', 'tool', 'recall', 'false positives'],
      [
        ['shared corpus', 'Rayguard analyzeStatic', recallCell(rgCorpus), String(rgCorpus.fps)],
        ['shared corpus', 'secretlint recommend', recallCell(slCorpus), String(slCorpus.fps)],
        [`generated, all ${gen.length}`, 'Rayguard analyzeStatic', recallCell(rgGen), String(rgGen.fps)],
        [`generated, sample ${sample.length}`, 'Rayguard analyzeStatic', recallCell(rgSample), String(rgSample.fps)],
        [`generated, sample ${sample.length}`, 'secretlint recommend', recallCell(slSample), String(slSample.fps)],
      ],
      [false, false, true, true],
    ),
  );
  console.log('');
  const kinds = [...new Set([...rgGen.byKind.keys(), ...rgCorpus.byKind.keys()])].sort();
  const cell = (t: Totals, k: string) => {
    const v = t.byKind.get(k);
    return v ? `${v[1]}/${v[0]}` : '-';
  };
  console.log('recall by kind (found/labels)');
  console.log(
    table(
      ['kind', 'corpus RG', 'corpus SL', 'generated RG', `sample RG`, `sample SL`],
      kinds.map((k) => [k, cell(rgCorpus, k), cell(slCorpus, k), cell(rgGen, k), cell(rgSample, k), cell(slSample, k)]),
      [false, true, true, true, true, true],
    ),
  );
  console.log('');

  console.log(
    `THROUGHPUT (peers interleaved chunk by chunk; per chunk the fastest of ${ROUNDS} rounds (all generated files, ${GEN_CHUNK}-file chunks), ` +
      `of 3 (sample, 10-file chunks), of ${corpusRounds} (corpus), summed)`,
  );
  const row = (what: string, input: string, bytes: number, files: number, ms: number, key: string) => [
    what, input, mib(bytes), f1(ms), f2(ms / files), f2(rate(bytes, ms)), gcPct(key),
  ];
  console.log(
    table(
      ['measure', 'input', 'size', 'ms', 'ms/file', 'MiB/s', 'in GC'],
      [
        row('bare yaml parseDocument', `generated, all ${gen.length}`, genBytes, gen.length, parseMs, 'gen/parse'),
        row('Rayguard scanText alone', `generated, all ${gen.length}`, genBytes, gen.length, scanMs, 'gen/scan'),
        row('Rayguard whole check', `generated, all ${gen.length}`, genBytes, gen.length, wholeMs, 'gen/whole'),
        row('bare yaml parseDocument', `generated, sample ${sample.length}`, sampleBytes, sample.length, parseSampleMs, 'sample/parse'),
        row('Rayguard scanText alone', `generated, sample ${sample.length}`, sampleBytes, sample.length, scanSampleMs, 'sample/scan'),
        row('Rayguard whole check', `generated, sample ${sample.length}`, sampleBytes, sample.length, rgSampleMs, 'sample/whole'),
        row('secretlint recommend', `generated, sample ${sample.length}`, sampleBytes, sample.length, slMs, 'sample/secretlint'),
        row('bare yaml parseDocument', `shared corpus ${corpus.length}`, corpusBytes, corpus.length, cParse, 'corpus/parse'),
        row('Rayguard scanText alone', `shared corpus ${corpus.length}`, corpusBytes, corpus.length, cScan, 'corpus/scan'),
        row('Rayguard whole check', `shared corpus ${corpus.length}`, corpusBytes, corpus.length, cWhole, 'corpus/whole'),
        row('secretlint recommend', `shared corpus ${corpus.length}`, corpusBytes, corpus.length, cSl, 'corpus/secretlint'),
      ],
      [false, false, true, true, true, true, true],
    ),
  );
  console.log('("in GC": share of the task\'s measured time, over all rounds, spent in garbage-collection pauses)');
  console.log(
    `first call in this process (cold), one ${(gen[0].bytes / 1024).toFixed(1)} KiB file: secretlint ${f1(slCold)} ms, ` +
      `Rayguard analyzeStatic ${f1(rgCold)} ms (not part of the figures above)`,
  );
  console.log('');

  const speedup = slMs / rgSampleMs;
  const parseRatio = wholeMs / parseMs;
  console.log('RATIOS');
  console.log(
    table(
      ['ratio', 'value', 'target'],
      [
        [`Rayguard whole check vs secretlint, throughput (same ${sample.length}-file sample)`, `${f1(speedup)}×`, `≥ ${TARGET_SPEEDUP}×`],
        ['  same, on the shared corpus', `${f1(cSl / cWhole)}×`, ''],
        ['  ceiling: a bare parse vs secretlint (no tool that parses first can do better)', `${f2(slMs / parseSampleMs)}×`, ''],
        ['  Rayguard scanner alone vs secretlint, like for like: raw text in, credentials out', `${f2(slMs / scanSampleMs)}×`, ''],
        [`whole check time / bare parse time (all ${gen.length} generated files)`, `${f2(parseRatio)}×`, `≤ ${TARGET_PARSE_RATIO}×`],
        [`  same, on the ${sample.length}-file sample`, `${f2(rgSampleMs / parseSampleMs)}×`, ''],
        ['  same, on the shared corpus', `${f2(cWhole / cParse)}×`, ''],
        ['scanText alone / bare parse time (all generated files)', `${f2(scanMs / parseMs)}×`, ''],
      ],
      [false, true, true],
    ),
  );
  console.log('');

  console.log(
    `BREAKDOWN of the whole check: an instrumented replica of analyzeStatic, fastest of ${BREAKDOWN_ROUNDS} rounds per chunk ` +
      `(replica ${f1(partsTotal)} ms vs analyzeStatic ${f1(wholeMs)} ms; garbage collection lands in whichever stage triggers it, mostly parseConfig)`,
  );
  const bRows = [...parts].map(([k, v]) => [
    k, f1(v), `${f1((100 * v) / partsTotal)}%`, `${f3(v / parseMs)}×`, f1(v * gcFrac(`stage/${k}`)), f1(v * (1 - gcFrac(`stage/${k}`))),
  ]);
  const gcTotal = [...parts].reduce((a, [k, v]) => a + v * gcFrac(`stage/${k}`), 0);
  bRows.push(['total', f1(partsTotal), '100.0%', `${f3(partsTotal / parseMs)}×`, f1(gcTotal), f1(partsTotal - gcTotal)]);
  console.log(table(['stage', 'ms', 'share', '× bare parse', 'of which GC', 'without GC'], bRows, [false, true, true, true, true, true]));
  const parseNoGc = parseMs * (1 - gcFrac('gen/parse'));
  console.log(
    `bare parse without GC ≈ ${f1(parseNoGc)} ms; whole check without GC ≈ ${f1(wholeMs * (1 - gcFrac('gen/whole')))} ms ` +
      `(${f2((wholeMs * (1 - gcFrac('gen/whole'))) / parseNoGc)}× bare parse without GC)`,
  );
  const pc = parts.get('parseConfig') ?? 0;
  const onTop = partsTotal - pc;
  console.log(
    `parseConfig vs bare parse: ${f1(pc)} vs ${f1(parseMs)} ms; everything on top of parseConfig: ${f1(onTop)} ms = ` +
      `${f2(onTop / parseMs)}× bare parse (budget ${f2(TARGET_PARSE_RATIO - 1)}×), of which scanText ${f1(parts.get('scanText') ?? 0)} ms`,
  );
  console.log('');

  console.log('DETAILS (file:line kind; no secret is shown)');
  listSome('Rayguard misses on the shared corpus', rgCorpus.misses);
  listSome('Rayguard false positives on the shared corpus', rgCorpus.falsePositives);
  listSome('Rayguard misses on the generated set', rgGen.misses);
  listSome('Rayguard false positives on the generated set', rgGen.falsePositives);
  listSome('secretlint misses on the shared corpus', slCorpus.misses, 10);
  listSome('secretlint false positives on the shared corpus', slCorpus.falsePositives, 10);
  listSome('secretlint false positives on the sample', slSample.falsePositives, 10);
  console.log('');

  if (process.env.BENCH_CLI !== '0') endToEnd(sample);

  const corpusOk = corpus.length > 0 && rgCorpus.labels > 0 && rgCorpus.found === rgCorpus.labels && rgCorpus.fps === 0;
  const pf = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  console.log('TARGETS');
  console.log(
    `${pf(corpusOk)}  recall 1.0 and 0 false positives on the shared corpus: recall ${recallCell(rgCorpus)}, ${rgCorpus.fps} false positives` +
      (corpus.length ? '' : ' (corpus not found)'),
  );
  console.log(
    `${pf(speedup >= TARGET_SPEEDUP)}  throughput ≥ ${TARGET_SPEEDUP}× secretlint's on the same files: ${f1(speedup)}× ` +
      `(${f2(rate(sampleBytes, rgSampleMs))} vs ${f2(rate(sampleBytes, slMs))} MiB/s, secretlint ${f2(slMs / sample.length)} ms/file, ${sample.length}-file sample)`,
  );
  console.log(
    `${pf(parseRatio <= TARGET_PARSE_RATIO)}  whole check ≤ ${TARGET_PARSE_RATIO}× bare parse time: ${f2(parseRatio)}× ` +
      `(${f2(rate(genBytes, wholeMs))} vs ${f2(rate(genBytes, parseMs))} MiB/s over ${mib(genBytes)})`,
  );
}

await main();
