import { parseConfig, type ParsedConfig } from './config/parse';
import { walkConfig } from './config/walk';
import { rule } from './findings/catalogue';
import { compareFindings, type Finding } from './findings/types';
import { newFindings, type Baseline } from './findings/baseline';
import { applyIgnores } from './findings/suppress';
import { iamReport, type IamReport, type ProfileCard } from './iam/report';
import type { IamSource } from './iam/types';
import { STATIC_RULES } from './rules/index';
import type { RawFinding, RuleContext } from './rules/types';
import { maskSecret, scanText } from './secrets/index';

/**
 * One validation: text → parse → walk → static rules + secrets scan → (IAM checks) → findings.
 * The browser, the API and the CLI all call this; the same text gives the same findings.
 */
export interface Analysis {
  parsed: ParsedConfig;
  ctx: RuleContext;
  raw: RawFinding[];
  findings: Finding[];
  /** The IAM answer (cards, least-privilege policy) when an IAM source was given. */
  iam?: IamReport;
}

export function contextOf(text: string): RuleContext {
  const parsed = parseConfig(text);
  const model = walkConfig(parsed);
  const providerType = model?.providerType ?? null;
  // Scanned whatever the YAML says: one stray byte must not hide a key (RG101 reports the byte).
  const secrets = scanText(text);
  return { parsed, model, secrets, isAws: providerType === null || providerType === 'aws' };
}

export function toFinding(ctx: RuleContext, r: RawFinding): Finding {
  const span = ctx.parsed.lines.span(r.start, r.end);
  const f: Finding = {
    ruleId: r.ruleId,
    severity: r.severity ?? rule(r.ruleId).severity,
    message: r.message,
    ...span,
    yamlPath: r.yamlPath,
  };
  if (r.kind) f.kind = r.kind;
  if (r.preview) f.preview = r.preview;
  if (r.accountId) f.accountId = r.accountId;
  if (r.fix) f.fix = r.fix;
  return f;
}

/**
 * Messages and YAML paths may quote source text (a node type name, a key). If a detected secret
 * sits in such text, it is masked there too: no output holds a secret in clear.
 *
 * Cheap when nothing needs masking (the usual case): a message is searched for secrets only when
 * it holds a long enough run of character pairs that occur in the secrets (a table per analysis),
 * which sharing any stretch with a secret implies; the 16-character windows (below) are built only
 * then.
 */
export function secretRedactor(ctx: RuleContext): (s: string) => string {
  const whole = new Set<string>();
  const compacts: string[] = [];
  for (const h of ctx.secrets) {
    for (const v of [h.value, ctx.parsed.text.slice(h.start, h.end)]) {
      if (v.length < MIN_SECRET) continue;
      whole.add(v);
      const compact = v.replace(/\s+/g, '');
      if (compact.length >= WINDOW) compacts.push(compact);
    }
  }
  if (whole.size === 0) return (s) => s;
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...whole].sort((a, b) => b.length - a.length);
  const many = secrets.length > FEW_SECRETS;
  // Many secrets: looked up by length at each position (a set lookup), not one indexOf each.
  const byLength = new Map<number, Set<string>>();
  if (many) for (const v of secrets) byLength.set(v.length, (byLength.get(v.length) ?? new Set<string>()).add(v));
  const lengths = [...byLength.keys()].sort((a, b) => b - a);
  const secretPairs = pairTable(secrets);
  const compactPairs = pairTable(compacts);
  let windows: Set<string> | null | undefined;
  // Findings of one kind share their message, and several share a path: each text is read once.
  const done = new Map<string, string>();
  return (s) => {
    const known = done.get(s);
    if (known !== undefined) return known;
    const out = redactOnce(s);
    done.set(s, out);
    return out;
  };
  function redactOnce(s: string): string {
    let out = s;
    if (!hasPairRun(out, secretPairs, MIN_SECRET)) {
      // no whole secret can be in it
    } else if (!many) {
      for (const v of secrets) {
        for (let i = out.indexOf(v); i >= 0; i = out.indexOf(v, i)) {
          const masked = maskSecret(v);
          out = out.slice(0, i) + masked + out.slice(i + v.length);
          i += masked.length;
        }
      }
    } else {
      for (const len of lengths) {
        const set = byLength.get(len)!;
        for (let i = 0; i + len <= out.length; i++) {
          const sub = out.slice(i, i + len);
          if (!set.has(sub)) continue;
          const masked = maskSecret(sub);
          out = out.slice(0, i) + masked + out.slice(i + len);
          i += masked.length - 1;
        }
      }
    }
    if (compacts.length === 0 || !hasPairRun(out, compactPairs, WINDOW, true)) return out;
    windows ??= windowSet(compacts);
    // Too many to index: mask every stretch that could be part of a secret rather than miss one.
    return windows === null ? maskPairRuns(out, compactPairs) : maskWindows(out, windows);
  }
}

/** The secrets' 16-character windows; null when there are more than MAX_WINDOWS (a bound on memory). */
function windowSet(compacts: readonly string[]): Set<string> | null {
  const out = new Set<string>();
  for (const c of compacts) {
    for (let i = 0; i + WINDOW <= c.length; i++) {
      out.add(c.slice(i, i + WINDOW));
      if (out.size > MAX_WINDOWS) return null;
    }
  }
  return out;
}

/**
 * Masks, whitespace aside, every stretch of 16 or more characters whose adjacent pairs all occur
 * in the secrets: a superset of what they share with `s` (used when their windows are too many
 * to index). Each stretch becomes `…`.
 */
function maskPairRuns(s: string, pairs: Uint32Array): string {
  const hit = new Uint8Array(s.length);
  let any = false;
  let runStart = -1; // offset in s of the current run's first character
  let run = 0;
  let prev = -1; // offset of the previous non-space character
  const close = (end: number) => {
    if (run >= WINDOW) {
      any = true;
      for (let k = runStart; k < end; k++) hit[k] = 1;
    }
  };
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i);
    if (isSpace(b)) continue;
    const a = prev < 0 ? -1 : s.charCodeAt(prev);
    if (a >= 0 && (a >= 128 || b >= 128 || (pairs[a * 4 + (b >> 5)] & (1 << (b & 31))) !== 0)) run++;
    else {
      close(prev + 1);
      runStart = i;
      run = 1;
    }
    prev = i;
  }
  close(prev + 1);
  if (!any) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (!hit[i]) out += s[i];
    else if (i === 0 || !hit[i - 1]) out += '…';
  }
  return out;
}

/** Which pairs of adjacent ASCII characters occur in the strings: bit a × 128 + b of a bit set. */
function pairTable(xs: readonly string[]): Uint32Array {
  const t = new Uint32Array((128 * 128) / 32);
  for (const x of xs) {
    for (let i = 1; i < x.length; i++) {
      const a = x.charCodeAt(i - 1);
      const b = x.charCodeAt(i);
      if (a < 128 && b < 128) t[a * 4 + (b >> 5)] |= 1 << (b & 31);
    }
  }
  return t;
}

/**
 * Whether `s` (whitespace left out when `skipSpace`) has `length` characters in a row whose
 * adjacent pairs all occur in the table (a pair with a non-ASCII character counts as occurring): a
 * stretch of `s` that is also in a secret is such a run, so without one nothing of that length is
 * shared.
 */
function hasPairRun(s: string, pairs: Uint32Array, length: number, skipSpace = false): boolean {
  let run = 0;
  let a = -1;
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i);
    if (skipSpace && isSpace(b)) continue;
    if (a < 0 || a >= 128 || b >= 128 || (pairs[a * 4 + (b >> 5)] & (1 << (b & 31))) !== 0) {
      if (++run >= length) return true;
    } else run = 1;
    a = b;
  }
  return false;
}

/** True for the characters `\s` matches. */
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(String.fromCharCode(code));
}

/** `s` without whitespace, and where each remaining character was. */
function withoutSpace(s: string): { text: string; idx: number[] } {
  const idx: number[] = [];
  let text = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (!isSpace(s.charCodeAt(i))) {
      idx.push(i);
      continue;
    }
    text += s.slice(from, i);
    from = i + 1;
  }
  text += s.slice(from);
  return { text, idx };
}

/** Shorter values are not masked in messages (no detector reports a credential this short). */
const MIN_SECRET = 6;
/** Up to this many secrets, each is looked for with indexOf. */
const FEW_SECRETS = 8;
const WINDOW = 16;
const MAX_WINDOWS = 200_000;

/**
 * Masks every stretch of `s` that, whitespace aside, repeats 16 or more characters of a secret:
 * a key the parser folded onto one line (a broken block scalar read as a mapping key) or a part
 * of one. The stretch becomes `…`.
 */
function maskWindows(s: string, windows: ReadonlySet<string>): string {
  const { text: compact, idx } = withoutSpace(s);
  if (compact.length < WINDOW) return s;
  const hit = new Uint8Array(s.length);
  let any = false;
  for (let i = 0; i + WINDOW <= compact.length; i++) {
    if (!windows.has(compact.slice(i, i + WINDOW))) continue;
    any = true;
    for (let k = idx[i]; k <= idx[i + WINDOW - 1]; k++) hit[k] = 1;
  }
  if (!any) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (!hit[i]) out += s[i];
    else if (i === 0 || !hit[i - 1]) out += '…';
  }
  return out;
}

function finish(ctx: RuleContext, raw: RawFinding[]): Analysis {
  const redact = secretRedactor(ctx);
  for (const r of raw) {
    r.message = redact(r.message);
    r.yamlPath = redact(r.yamlPath);
  }
  const seen = new Set<string>();
  const unique = raw.filter((r) => {
    const k = `${r.ruleId}:${r.start}:${r.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const findings = unique.map((r) => toFinding(ctx, r)).sort(compareFindings);
  return { parsed: ctx.parsed, ctx, raw: unique, findings };
}

function staticRaw(ctx: RuleContext): RawFinding[] {
  return STATIC_RULES.flatMap((r) => r.check(ctx));
}

/** Static checks only (no IAM): what the browser computes as the user types. */
export function analyzeStatic(text: string): Analysis {
  const ctx = contextOf(text);
  return finish(ctx, applyIgnores(ctx.parsed, staticRaw(ctx)));
}

export interface AnalyzeOptions {
  /** Check instance profiles against this IAM source. */
  iam?: IamSource | null;
  /** Report only findings that are not in this baseline. */
  baseline?: Baseline | null;
  /** Each IAM card as it is known (redacted like the findings), for progress. */
  onCard?: (card: ProfileCard) => void;
}

/** Masks any detected secret in a card's text (a secret pasted as a profile name stays masked). */
function redactCard(redact: (s: string) => string, c: ProfileCard): ProfileCard {
  return JSON.parse(JSON.stringify(c), (_k, v: unknown) => (typeof v === 'string' ? redact(v) : v)) as ProfileCard;
}

/** Static checks plus IAM checks against `iam` when given; inline ignores and a baseline applied. */
export async function analyze(text: string, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const ctx = contextOf(text);
  let raw = staticRaw(ctx);
  let iam: IamReport | undefined;
  if (opts.iam && ctx.model) {
    const redact = secretRedactor(ctx);
    const onCard = opts.onCard;
    iam = await iamReport(ctx, opts.iam, onCard ? { onCard: (c) => onCard(redactCard(redact, c)) } : {});
    raw.push(...iam.findings);
    iam = { ...iam, findings: [], cards: iam.cards.map((c) => redactCard(redact, c)), policyGaps: iam.policyGaps.map(redact) };
  }
  raw = applyIgnores(ctx.parsed, raw);
  if (opts.baseline) raw = await newFindings(raw, opts.baseline);
  return { ...finish(ctx, raw), ...(iam ? { iam } : {}) };
}

export async function validate(text: string, opts: AnalyzeOptions = {}): Promise<Finding[]> {
  return (await analyze(text, opts)).findings;
}
