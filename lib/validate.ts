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
 * Cheap when nothing needs masking (the usual case): whole secrets are looked up with indexOf, and
 * the 16-character windows (below) are only built when an aligned 8-character block of the text
 * occurs in a secret, which any shared 16-character stretch implies.
 */
export function secretRedactor(ctx: RuleContext): (s: string) => string {
  const whole = new Set<string>();
  const compacts: string[] = [];
  for (const h of ctx.secrets) {
    for (const v of [h.value, ctx.parsed.text.slice(h.start, h.end)]) {
      if (v.length < 8) continue;
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
  // Pre-checks: few secrets are searched as one string; many are indexed by their pieces (built
  // on first need). The 16-character windows are built only when a message may share one.
  const inSecrets = pieceTest(secrets, QUAD);
  const inCompacts = pieceTest(compacts, BLOCK);
  let windows: Set<string> | null = null;
  return (s) => {
    let out = s;
    if (!many) {
      for (const v of secrets) {
        for (let i = out.indexOf(v); i >= 0; i = out.indexOf(v, i)) {
          const masked = maskSecret(v);
          out = out.slice(0, i) + masked + out.slice(i + v.length);
          i += masked.length;
        }
      }
    } else if (sharesAlignedPiece(out, inSecrets, QUAD)) {
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
    if (compacts.length === 0) return out;
    const compact = withoutSpace(out).text;
    if (compact.length < WINDOW || !sharesAlignedPiece(compact, inCompacts, BLOCK)) return out;
    return maskWindows(out, (windows ??= windowSet(compacts)));
  };
}

/** The first MAX_WINDOWS 16-character windows (a bound on memory for absurd inputs). */
function windowSet(compacts: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const c of compacts) for (let i = 0; i + WINDOW <= c.length && out.size < MAX_WINDOWS; i++) out.add(c.slice(i, i + WINDOW));
  return out;
}

/**
 * Whether one of the `size`-character pieces of `s` that start at a multiple of `size` occurs in
 * `within`. Any stretch of `s` at least 2 × size − 1 long covers such a piece: a secret of 8 or
 * more characters covers an aligned 4-character one, a 16-character window an aligned 8-character one.
 */
function sharesAlignedPiece(s: string, occurs: PieceTest, size: number): boolean {
  const long = s.length > LONG_TEXT;
  for (let j = 0; j + size <= s.length; j += size) if (occurs(s.slice(j, j + size), long)) return true;
  return false;
}

type PieceTest = (piece: string, long: boolean) => boolean;

/**
 * Up to this many characters in all, secrets are searched as one string rather than indexed,
 * for texts up to LONG_TEXT characters (a longer one would search it too many times).
 */
const SEARCH_JOINED = 4096;
const LONG_TEXT = 1024;

/** Whether a `size`-character piece occurs in one of `xs`. */
function pieceTest(xs: readonly string[], size: number): PieceTest {
  const joined = xs.join('\0');
  const small = joined.length <= SEARCH_JOINED;
  let set: Set<string> | null | undefined;
  return (p, long) => {
    if (small && !long) return joined.includes(p);
    if (set === undefined) {
      set = new Set<string>();
      for (const x of xs) {
        for (let i = 0; i + size <= x.length && set; i++) {
          set.add(x.slice(i, i + size));
          if (set.size > MAX_WINDOWS) set = null;
        }
      }
    }
    return set === null || set.has(p); // too many pieces to index: no shortcut
  };
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

const QUAD = 4;
const BLOCK = 8;
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
