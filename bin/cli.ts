import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixConfig } from '../lib/fix/plan';
import { SEVERITY_RANK, type FileReport, type Finding, type Report, type Severity } from '../lib/findings/types';
import { demoIamSource } from '../lib/iam/demo';
import { snapshotFromJsonTexts, SnapshotFormatError } from '../lib/iam/snapshot';
import type { IamSource } from '../lib/iam/types';
import { UnavailableIamSource } from '../lib/iam/unavailable';
import { iamReport } from '../lib/iam/report';
import { contextOf } from '../lib/validate';
import { BaselineFormatError, makeBaseline, parseBaseline, type Baseline } from '../lib/findings/baseline';
import { analyze, validate } from '../lib/validate';
import { buildSarif } from '../lib/findings/sarif';
import { expandGlob, isGlob } from './glob';

/** The version of the installed package, the one source of truth (--version, SARIF). */
const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
const MAX_FILE_BYTES = 10 * 1024 * 1024;

const HELP = `rayguard ${VERSION} — checks Ray cluster configs for AWS (instance profiles, IAM, credentials)

Usage:
  rayguard check [--format text|json|sarif] [-o OUT] [IAM] [--fail-on LEVEL] [--baseline FILE] FILE...
  rayguard fix FILE [-o OUT] [--profile NODE_TYPE=ARN]... [IAM]
  rayguard baseline [-o OUT] [IAM] FILE...
  rayguard policy [IAM] FILE

IAM is one of --iam live, --iam snapshot FILE (repeatable), --iam demo, --iam off (the default:
no IAM check). --iam-live, --iam-snapshot FILE and --iam-demo are the same as the first three.

FILE may be \`-\` for standard input, or a pattern the shell did not expand (quote it):
\`*\` and \`?\` match within a directory, \`**\` any number of directories ('configs/**/*.yaml').

check   prints findings (text, JSON, or SARIF 2.1.0 for code scanning) to standard output or OUT;
        exits 0 when none at or above --fail-on (error|warning|info|none, default error),
        1 when there are, 2 on usage errors or unreadable files.
fix     writes the corrected config to OUT (default: standard output); a summary goes to stderr.
policy  prints the least-privilege head-role policy the config needs (the autoscaler's EC2
        calls, iam:PassRole on exactly the worker roles), with the head's verdicts on stderr.
baseline  writes fingerprints of the current findings (salted hashes, never a secret) to OUT
        (default .rayguard-baseline.json); \`check --baseline OUT\` then reports only new ones.

Inline ignore: \`# rayguard:ignore RG401 <reason>\` on the finding's line or alone on the line above.

--iam snapshot FILE   check instance profiles against the JSON of
                      \`aws iam get-account-authorization-details\`; give it again for the
                      output of \`aws iam list-instance-profiles\` (profiles with no role)
--iam live            ask IAM itself, with the AWS SDK's default credentials (env, profile,
                      SSO, web identity, container or instance role); AWS_ENDPOINT_URL_IAM
                      points it at another endpoint. Without credentials every profile is
                      RG307 (not verified) and the other checks still run
--assume-role ACCOUNT=ROLE_ARN[,EXTERNAL_ID]
                      with --iam live: check profiles of ACCOUNT through this role
--iam demo            use the embedded demo account
--iam off             no IAM check (the default)
--format FORMAT       text (default), json (the findings report, version 1) or sarif (SARIF 2.1.0)
-o, --output OUT      write to OUT instead of standard output (check, fix, baseline)
--profile T=ARN       the instance profile to add to node type T (fix)
--baseline FILE       report only findings that are not in FILE (check)
`;

class UsageError extends Error {}
/** Exit 2 like a usage error, without pointing at --help: the command was right, the setup is not. */
class SetupError extends UsageError {}

interface Args {
  command: string;
  files: string[];
  format: 'text' | 'json' | 'sarif';
  failOn: Severity | 'none';
  snapshots: string[];
  live: boolean;
  assumeRoles: Record<string, { roleArn: string; externalId?: string }>;
  demo: boolean;
  /** \`--iam off\` was given: no IAM source, and none may be chosen too. */
  iamOff: boolean;
  out?: string;
  baseline?: string;
  profiles: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  const a: Args = { command: command ?? '', files: [], format: 'text', failOn: 'error', demo: false, live: false, iamOff: false, snapshots: [], assumeRoles: Object.create(null), profiles: Object.create(null) };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (what = flag) => {
      if (inline !== undefined && what === flag) return inline;
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${what} needs a value`);
      return v;
    };
    const noValue = () => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json' && v !== 'sarif') throw new UsageError(`--format must be text, json or sarif, not ${JSON.stringify(v)}`);
        a.format = v;
        break;
      }
      case '--fail-on': {
        const v = value();
        if (!['error', 'warning', 'info', 'none'].includes(v)) throw new UsageError(`--fail-on must be error, warning, info or none, not ${JSON.stringify(v)}`);
        a.failOn = v as Args['failOn'];
        break;
      }
      case '--iam': {
        const v = value();
        if (v === 'live') a.live = true;
        else if (v === 'demo') a.demo = true;
        else if (v === 'off') a.iamOff = true;
        else if (v === 'snapshot') a.snapshots.push(value('--iam snapshot'));
        else if (v.startsWith('snapshot=')) a.snapshots.push(v.slice('snapshot='.length));
        else throw new UsageError(`--iam must be live, snapshot FILE, demo or off, not ${JSON.stringify(v)}`);
        break;
      }
      case '--iam-snapshot': a.snapshots.push(value()); break;
      case '--iam-demo': noValue(); a.demo = true; break;
      case '--iam-live': noValue(); a.live = true; break;
      case '--assume-role': {
        const v = value();
        const m = /^(\d{12})=(arn:(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):role\/[^,\s]+)(?:,(.+))?$/.exec(v);
        if (!m) throw new UsageError('--assume-role takes ACCOUNT=ROLE_ARN[,EXTERNAL_ID] (a 12-digit account id and a role ARN)');
        if (m[3] !== m[1]) throw new UsageError(`--assume-role ${m[1]}=...: the role ARN is in account ${m[3]}; give a role of account ${m[1]}`);
        a.assumeRoles[m[1]] = { roleArn: m[2], ...(m[4] ? { externalId: m[4] } : {}) };
        break;
      }
      case '--baseline': a.baseline = value(); break;
      case '-o': case '--output': a.out = value(); if (a.out === '-') a.out = undefined; break; // `-`: standard output, as for input
      case '--profile': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError('--profile takes NODE_TYPE=ARN');
        a.profiles[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case '-h': case '--help': noValue(); a.command = 'help'; break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
        a.files.push(arg);
    }
  }
  return a;
}

interface ConfigFile {
  text: string;
  /** The file started with a UTF-8 byte order mark (kept out of `text`, put back by fix). */
  bom: boolean;
  /** Some bytes were not UTF-8 (each became U+FFFD, which the parser reports as RG101). */
  invalid: boolean;
}

/** Reads a file as UTF-8 text, the way a browser does; undecodable bytes become RG101, not a crash. */
function readConfig(file: string): ConfigFile {
  let buf: Buffer;
  try {
    buf = readFileSync(file === '-' ? 0 : file); // `-`: standard input
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code ?? 'read error'}`);
  }
  if (buf.byteLength > MAX_FILE_BYTES) throw new UsageError(`cannot read ${file}: larger than ${MAX_FILE_BYTES} bytes`);
  const bom = buf.byteLength >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  let invalid = false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    invalid = true;
  }
  return { text: new TextDecoder('utf-8').decode(buf), bom, invalid };
}

async function iamSource(a: Args): Promise<IamSource | null> {
  const chosen = [a.snapshots.length > 0, a.demo, a.live].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('use one IAM source: --iam live, --iam snapshot FILE or --iam demo');
  if (chosen > 0 && a.iamOff) throw new UsageError('--iam off contradicts the IAM source also given');
  if (Object.keys(a.assumeRoles).length && !a.live) throw new UsageError('--assume-role needs --iam live');
  if (a.demo) return demoIamSource();
  if (a.live) {
    // No credentials, STS unreachable: like the server, the checks still run and every profile
    // says RG307 with the reason (the exit code follows --fail-on as usual).
    const { liveIamSourceOrUnavailable } = await import('../lib/iam/live');
    const source = await liveIamSourceOrUnavailable({ assumeRoles: a.assumeRoles });
    const reason = source instanceof UnavailableIamSource ? source.reason : null;
    if (reason && a.command !== 'policy') process.stderr.write(`rayguard: warning: --iam live: ${reason}; IAM is not verified (RG307)\n`);
    return source;
  }
  if (a.snapshots.length === 0) return null;
  const texts = a.snapshots.map((f) => {
    try {
      return { name: f.split('/').pop() ?? f, text: readFileSync(f, 'utf8') };
    } catch {
      throw new UsageError(`cannot read the IAM snapshot ${f}`);
    }
  });
  try {
    return snapshotFromJsonTexts(texts);
  } catch (e) {
    throw new UsageError(e instanceof SnapshotFormatError ? `IAM snapshot: ${e.message}` : 'IAM snapshot: unreadable');
  }
}

function formatText(reports: FileReport[]): string {
  const lines: string[] = [];
  const count = { error: 0, warning: 0, info: 0 };
  for (const r of reports) {
    for (const f of r.findings) {
      count[f.severity]++;
      const extra = [f.preview ? `[${f.preview}]` : '', f.fix ? `(fix: ${f.fix})` : ''].filter(Boolean).join(' ');
      lines.push(`${r.path}:${f.line}:${f.column}: ${f.severity} ${f.ruleId} ${f.message}${extra ? ` ${extra}` : ''}`);
    }
  }
  lines.push(`${reports.length} file${reports.length === 1 ? '' : 's'}: ${count.error} errors, ${count.warning} warnings, ${count.info} info`);
  return lines.join('\n') + '\n';
}

function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the baseline ${file}`);
  }
  try {
    return parseBaseline(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`${file}: ${e instanceof BaselineFormatError ? e.message : 'not valid JSON'}`);
  }
}

/**
 * The files named on the command line: patterns the shell left alone are expanded here (a path
 * that exists is taken as it is, even with a \`*\` in its name), and each file is read once.
 * A pattern that matches nothing is a usage error: in CI a typo must not pass as "no findings".
 */
function inputFiles(args: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const matches = arg !== '-' && isGlob(arg) && !existsSync(arg) ? expandGlob(arg) : [arg];
    if (matches.length === 0) throw new UsageError(`no file matches ${arg}`);
    for (const m of matches) {
      const key = m === '-' ? m : resolve(m);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(m);
    }
  }
  return out;
}

function writeOutput(a: Args, text: string): void {
  if (!a.out) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(a.out, text);
  } catch (e) {
    throw new UsageError(`cannot write ${a.out}: ${(e as NodeJS.ErrnoException).code ?? 'write error'}`);
  }
}

async function check(a: Args): Promise<number> {
  if (a.files.length === 0) throw new UsageError('check needs at least one FILE');
  const paths = inputFiles(a.files);
  const iam = await iamSource(a);
  const baseline = a.baseline ? readBaseline(a.baseline) : null;
  const texts = paths.map((f) => [f, readConfig(f).text] as const);
  const files: FileReport[] = [];
  for (const [path, text] of texts) files.push({ path, findings: await validate(text, { iam, baseline }) });
  const report: Report = { version: 1, files };
  if (a.format === 'sarif') writeOutput(a, JSON.stringify(await buildSarif(report, { version: VERSION, cwd: process.cwd() }), null, 2) + '\n');
  else writeOutput(a, a.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatText(files));
  if (a.failOn === 'none') return 0;
  const floor = SEVERITY_RANK[a.failOn];
  const failing = files.some((r) => r.findings.some((f: Finding) => SEVERITY_RANK[f.severity] >= floor));
  return failing ? 1 : 0;
}

async function fix(a: Args): Promise<number> {
  if (a.files.length !== 1) throw new UsageError('fix takes exactly one FILE');
  const input = readConfig(a.files[0]);
  if (input.invalid) throw new UsageError(`${a.files[0]} is not UTF-8 text: not rewritten (run \`rayguard check\` to see where)`);
  const iam = await iamSource(a);
  const result = await fixConfig(input.text, { iam, profiles: a.profiles });
  const nodeTypes = new Set((await analyze(input.text)).ctx.model?.nodeTypes.map((n) => n.name) ?? []);
  const count = (text: string, s: string) => text.split(s).length - 1;
  for (const [t, arn] of Object.entries(a.profiles)) {
    if (!nodeTypes.has(t)) process.stderr.write(`warning: --profile ${t}=...: the config has no node type ${t}\n`);
    else if (count(result.text, arn) <= count(input.text, arn)) {
      // Said, not silently dropped: a worker gets a profile from fix only when it lacks one and uses AWS.
      process.stderr.write(`warning: --profile ${t}=...: not used: ${t} already has a profile (see the lines for it above, if it is written wrongly), or nothing in its setup uses AWS (add one by hand if it should)\n`);
    }
  }
  const out = (input.bom ? '\uFEFF' : '') + result.text;
  if (a.out) {
    try {
      writeFileSync(a.out, out);
    } catch (e) {
      throw new UsageError(`cannot write ${a.out}: ${(e as NodeJS.ErrnoException).code ?? 'write error'}`);
    }
  } else process.stdout.write(out);
  for (const x of result.applied) process.stderr.write(`fixed   line ${x.line} ${x.ruleId}: ${x.description}\n`);
  for (const x of result.skipped) process.stderr.write(`NOT FIXED line ${x.line} ${x.ruleId}${x.fix ? ` (${x.fix})` : ''}: ${x.reason}\n`);
  return 0;
}

async function policy(a: Args): Promise<number> {
  if (a.files.length !== 1) throw new UsageError('policy takes exactly one FILE');
  const iam = await iamSource(a);
  if (!iam) throw new UsageError('policy needs an IAM source (--iam snapshot FILE, --iam live or --iam demo): the worker roles come from IAM');
  // The policy is made of IAM's answers: without them there is nothing to print.
  if (iam instanceof UnavailableIamSource) throw new SetupError(`--iam live: ${iam.reason}`);
  const ctx = contextOf(readConfig(a.files[0]).text);
  if (!ctx.model) throw new UsageError(`${a.files[0]} is not a readable Ray config (run \`rayguard check\`)`);
  const r = await iamReport(ctx, iam);
  if (!r.policy) throw new UsageError('no policy: the config has no head node type, or the account is not known (use an ARN or an IAM source with an account id)');
  process.stdout.write(JSON.stringify(r.policy, null, 2) + '\n');
  const head = r.cards.find((c) => c.isHead);
  const mark = { allowed: 'allowed', 'implicit-deny': 'DENIED', 'explicit-deny': 'DENIED (explicit Deny)', maybe: 'maybe' } as const;
  if (head?.verdicts) {
    process.stderr.write(`head role ${head.role?.name ?? '?'} today (${head.verdicts[0]?.evaluator === 'iam' ? 'IAM policy simulator' : 'local evaluator'}):\n`);
    for (const v of head.verdicts) process.stderr.write(`  ${mark[v.decision].padEnd(8)} ${v.action} ${v.resource}${v.reasons.length ? ` (${v.reasons.join('; ')})` : ''}\n`);
  }
  for (const g of r.policyGaps) process.stderr.write(`note: no PassRole for ${g}\n`);
  return 0;
}

async function baseline(a: Args): Promise<number> {
  if (a.files.length === 0) throw new UsageError('baseline needs at least one FILE');
  const paths = inputFiles(a.files);
  const iam = await iamSource(a);
  const raw = [];
  for (const f of paths) raw.push(...(await analyze(readConfig(f).text, { iam })).raw);
  const b = await makeBaseline(raw);
  const out = a.out ?? '.rayguard-baseline.json';
  writeFileSync(out, JSON.stringify(b, null, 2) + '\n');
  process.stderr.write(`wrote ${b.fingerprints.length} fingerprints to ${out}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const a = parseArgs(argv);
    switch (a.command) {
      case 'check': return await check(a);
      case 'fix': return await fix(a);
      case 'baseline': return await baseline(a);
      case 'policy': return await policy(a);
      case 'help': case '--help': case '-h': case '': process.stdout.write(HELP); return a.command === '' ? 2 : 0;
      case '--version': case 'version': process.stdout.write(`${VERSION}\n`); return 0;
      default: throw new UsageError(`unknown command ${a.command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`rayguard: ${e.message}\n${e instanceof SetupError ? '' : '(run `rayguard --help` for usage)\n'}`);
      return 2;
    }
    process.stderr.write(`rayguard: internal error (${e instanceof Error ? e.name : 'unknown'})\n`);
    return 2;
  }
}
