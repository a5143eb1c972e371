import { isMap, isScalar, visit, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseIamArn, partitionOfRegion } from '../arn/index';
import { locate } from '../config/locate';
import { parseConfig } from '../config/parse';
import { entries, get, nodeRange } from '../config/nodes';
import type { FixId } from '../findings/types';
import { profileArnForRole } from '../iam/checks';
import { suitableHeadProfiles } from '../iam/report';
import type { IamSource } from '../iam/types';
import type { RawFinding } from '../rules/types';
import { hasOwnProfileKey } from '../rules/rg202-worker-profile-missing';
import { analyze, type Analysis } from '../validate';
import { rule } from '../findings/catalogue';
import { commandCredentialAt } from './credentials';
import { insertProfile } from './profile-insert';
import { planLegacyMigration, planRemoveLegacyKey } from './legacy';
import { urlSecretEdit } from './url-secret';
import { credentialMounts } from './credentials-mount';
import { containerOf, isInstanceProfileArn, keyCasingEdit, moveProfileEdits, profileNameOf, respellKey } from './profile-ops';
import type { SecretKind } from '../secrets/types';
import { FIX_DESCRIPTIONS } from './descriptions';

export { FIX_DESCRIPTIONS } from './descriptions';
import { applyEdits, emptyCollection, normalizeEdits, removePair, removeSeqItem, type TextEdit } from './edits';
import { lastAtOrBefore } from '../sorted';


export interface FixOptions {
  /** Used to choose the head's profile and to turn role ARNs into profile ARNs. */
  iam?: IamSource | null;
  /** Only these corrections (default: all). */
  fixes?: FixId[];
  /** Instance-profile ARN per node type name, chosen by the user. */
  profiles?: Record<string, string>;
  /** Only the findings that start at these positions (a quick fix on one marker). */
  targets?: Array<{ ruleId: string; line: number; column: number }>;
  /** Corrections the user rejected: the findings starting at these positions are left as they are. */
  exclude?: Array<{ ruleId: string; line: number; column: number }>;
}

export interface AppliedFix {
  fix: FixId;
  ruleId: string;
  /** Where the corrected finding starts in the text Fix ran on (1-based; names it in `exclude`). */
  line: number;
  column: number;
  description: string;
  /**
   * Made possible by another correction, in a later pass: `line`/`column` are those of the text
   * that pass corrected, and the correction goes with the ones that made it possible.
   */
  followUp?: boolean;
}

export interface SkippedFix {
  /** The correction that was not applied; absent when the finding has none. */
  fix?: FixId;
  ruleId: string;
  line: number;
  reason: string;
  /** The node type whose instance profile the user must choose for this correction. */
  chooseProfileFor?: string;
  /** Found in the corrected text (a later pass): `line` is a line of that text. */
  followUp?: boolean;
}

export interface FixResult {
  text: string;
  applied: AppliedFix[];
  skipped: SkippedFix[];
  /** Internal: what the user rejected, for the later passes. */
  rejectedPaths?: Array<{ ruleId: string; yamlPath: string }>;
}

interface Planned {
  finding: RawFinding;
  edits: TextEdit[];
  /** Sequence items removed whole: grouped so an emptied list becomes `[]`. */
  items: Array<{ seq: YAMLSeq; index: number }>;
  /** Mapping entries removed whole: grouped so an emptied mapping becomes `{}`. */
  pairs?: Array<{ map: YAMLMap; pair: Pair }>;
  /** The command item whose text `edits` cut: several cuts in one command are merged. */
  cutIn?: { seq: YAMLSeq; index: number };
}

/**
 * The corrected config: the named corrections of every fixable finding, as text edits on the
 * source. Comments and untouched lines stay byte-for-byte; fixing a fixed config changes nothing.
 */
export async function fixConfig(text: string, opts: FixOptions = {}): Promise<FixResult> {
  const first = await fixOnce(text, opts);
  if (opts.targets) return first;
  // Some corrections make others possible (a migrated head can take its profile; a respelt key
  // reveals Ray's default profile). Correct the result again until nothing changes, so that fixing
  // a fixed config changes nothing. What a rejected correction targets stays rejected: by rule and
  // YAML path, since positions move.
  const rejected = new Set((first.rejectedPaths ?? []).map((x) => `${x.ruleId} ${x.yamlPath}`));
  let result = first;
  for (let pass = 2; pass <= MAX_PASSES; pass++) {
    const next = await fixOnce(result.text, { ...opts, exclude: undefined, excludePaths: rejected });
    const progress = next.applied.length > 0 && next.text !== result.text;
    // Earlier entries keep their lines of the original; one goes when a later pass corrected its
    // finding (never a credential's: a later pass may no longer recognise a secret it left). What
    // only the corrected text shows is added, marked as such.
    const fixedLater = new Set(progress ? next.applied.map((x) => x.ruleId) : []);
    const known = new Set(result.skipped.map((x) => `${x.ruleId} ${x.reason}`));
    // A correction listed earlier whose edit another one's covered (a role ARN inside a profile
    // that is moved whole) is made by this pass: it stays listed once, where the user saw it; if
    // this pass cannot make it after all, it was not made.
    const waiting = result.applied.filter((x) => DEFERRED.has(x));
    const take = (x: AppliedFix | SkippedFix) => {
      const i = waiting.findIndex((w) => SAME.get(w) === SAME.get(x) && SAME.has(x));
      return i < 0 ? null : waiting.splice(i, 1)[0];
    };
    const again = new Set<AppliedFix>();
    const later = progress ? next.applied.filter((x) => { const w = take(x); if (w) again.add(w); return !w; }) : [];
    const notMade = new Set<AppliedFix>();
    const why = new Set(next.skipped.filter((x) => { const w = take(x); if (w) notMade.add(w); return !!w; }));
    for (const w of again) DEFERRED.delete(w);
    result = {
      text: progress ? next.text : result.text,
      applied: [...result.applied.filter((x) => !notMade.has(x)), ...later.map((x) => followUp(x))],
      skipped: [
        ...result.skipped.filter((x) => CREDENTIAL_RULE.test(x.ruleId) || !fixedLater.has(x.ruleId)),
        ...next.skipped.filter((x) => !known.has(`${x.ruleId} ${x.reason}`) || why.has(x)).map((x) => followUp(x)),
      ],
    };
    if (!progress) break;
  }
  delete result.rejectedPaths;
  return result;
}

/** What a listed correction corrects (rule, correction, the finding's text): the same one in a later pass. */
const SAME = new WeakMap<AppliedFix | SkippedFix, string>();
/** Listed corrections whose edits another correction's edit covered: a later pass makes them. */
const DEFERRED = new WeakSet<AppliedFix>();

function followUp<T extends AppliedFix | SkippedFix>(x: T): T {
  const y = { ...x, followUp: true };
  const same = SAME.get(x);
  if (same !== undefined) SAME.set(y, same);
  if (DEFERRED.has(x as AppliedFix)) DEFERRED.add(y as AppliedFix);
  return y;
}

/** Passes of the whole correction at most (each must change the text). */
const MAX_PASSES = 4;

async function fixOnce(text: string, opts: FixOptions & { excludePaths?: Set<string> }): Promise<FixResult> {
  const analysis = await analyze(text, { iam: opts.iam });
  const wanted = opts.fixes ? new Set(opts.fixes) : null;
  const planned: Planned[] = [];
  const skipped: SkippedFix[] = [];
  const lines = analysis.parsed.lines;
  const lineOf = (r: RawFinding) => lines.lineOf(r.start) + 1;
  const same = <T extends AppliedFix | SkippedFix>(x: T, f: RawFinding): T => (SAME.set(x, sameKey(text, f)), x);
  const at = (f: RawFinding, list: NonNullable<FixOptions['targets']>) => {
    const p = lines.position(f.start);
    return list.some((t) => t.ruleId === f.ruleId && t.line === p.line && t.column === p.column);
  };
  const targeted = (f: RawFinding) => !opts.targets || at(f, opts.targets);
  const rejectedPaths: Array<{ ruleId: string; yamlPath: string }> = [];
  const excluded = (f: RawFinding) => {
    if (opts.excludePaths?.has(`${f.ruleId} ${f.yamlPath}`)) return true;
    if (!opts.exclude || opts.exclude.length === 0 || !at(f, opts.exclude)) return false;
    rejectedPaths.push({ ruleId: f.ruleId, yamlPath: f.yamlPath });
    return true;
  };
  for (const f of analysis.raw) {
    if (!f.fix || (wanted && !wanted.has(f.fix)) || !targeted(f) || excluded(f)) continue;
    const p = await planOne(analysis, f, opts);
    if (p === null) continue; // another correction covers it
    if (typeof p === 'string') skipped.push(same({ fix: f.fix, ruleId: f.ruleId, line: lineOf(f), reason: p }, f));
    else if ('chooseProfileFor' in p) skipped.push(same({ fix: f.fix, ruleId: f.ruleId, line: lineOf(f), ...p }, f));
    else planned.push(p);
  }
  const build = (ps: Planned[]) => buildEdits(analysis, ps);
  // A correction whose edits would also change a finding the user chose to keep (a heredoc
  // holding a rejected key) is not made either.
  const keep = analysis.raw.filter((f) => f.fix && (opts.exclude?.length || opts.excludePaths?.size) && excluded(f));
  if (keep.length > 0) {
    for (const p of [...planned]) {
      const es = build([p]).filter((e) => e.end > e.start);
      const hit = keep.find((k) => k !== p.finding && es.some((e) => e.start < k.end && k.start < e.end));
      if (!hit) continue;
      planned.splice(planned.indexOf(p), 1);
      skipped.push({ fix: p.finding.fix!, ruleId: p.finding.ruleId, line: lineOf(p.finding), reason: `it would also change line ${lineOf(hit)}, whose correction (${hit.ruleId}) you rejected` });
    }
  }
  let kept = planned;
  let edits = build(kept);
  let out = applyEdits(text, edits);
  if (!parsesClean(out)) {
    // Keep only the corrections that leave valid YAML on their own.
    // Greedily: each one that still leaves valid YAML together with those kept before it.
    kept = [];
    if (planned.length <= MAX_RETRY) {
      for (const p of planned) if (parsesClean(applyEdits(text, build([...kept, p])))) kept.push(p);
    }
    for (const p of planned) {
      if (!kept.includes(p)) skipped.push(same({ fix: p.finding.fix!, ruleId: p.finding.ruleId, line: lineOf(p.finding), reason: 'the edit would break the YAML; fix it by hand' }, p.finding));
    }
    edits = build(kept);
    out = applyEdits(text, edits);
  }
  // A full fix says what it left: every credential still in the text, and every finding whose
  // correction was not possible, so that nobody takes the corrected config for a clean one.
  if (!opts.fixes && !opts.targets) {
    const left = secretsLeft(analysis, edits);
    // A finding whose text a correction rewrites (a misspelt key that is moved and respelt).
    const changed = normalizeEdits(edits).filter((e) => e.end > e.start);
    const rewritten = (f: RawFinding) => changed.some((e) => e.start <= f.start && f.end <= e.end);
    const noted = new Set(skipped.map((x) => `${x.ruleId}:${x.line}`));
    const note = (f: RawFinding, reason: string) => {
      const key = `${f.ruleId}:${lineOf(f)}`;
      if (noted.has(key)) return;
      noted.add(key);
      skipped.push({ ...(f.fix ? { fix: f.fix } : {}), ruleId: f.ruleId, line: lineOf(f), reason });
    };
    for (const f of analysis.raw) {
      if (CREDENTIAL_RULE.test(f.ruleId) && f.kind && left.has(f.start)) {
        note(f, f.fix ? 'the credential is still in the corrected config: remove it by hand, then rotate it'
          : 'no automatic correction for a credential here: remove it by hand, then rotate it');
      } else if (!f.fix && ((f.ruleId === 'RG201' && f.severity !== 'info') || f.ruleId === 'RG406' || f.ruleId === 'RG407')) {
        const model = analysis.ctx.model;
        note(f, f.ruleId === 'RG201' && model && !model.availableNodeTypes && !model.legacyHead && !model.legacyWorkers
          ? 'the config has no available_node_types, so Ray uses its default node types (ray.head.default and ray.worker.default, with its default instance types): the tool does not write those out for you. Add available_node_types with both types and head_node_type: ray.head.default, and give ray.head.default.node_config an IamInstanceProfile'
          : 'this layout cannot be edited safely by the tool: correct it by hand');
      } else if (!f.fix && (severityOf(f) === 'error' || f.ruleId === 'RG105') && !rewritten(f)) {
        note(f, 'no automatic correction for this: correct it by hand (the rule\'s documentation says how)');
      }
    }
    // The same credential written again where the scanner has no context for it (`echo SECRET`).
    for (const at of repeatsLeft(analysis, edits)) {
      const line = lines.lineOf(at.offset) + 1;
      if (noted.has(`${at.ruleId}:${line}`)) continue;
      noted.add(`${at.ruleId}:${line}`);
      skipped.push({ ruleId: at.ruleId, line, reason: 'the same credential is written here too: remove it by hand, then rotate it' });
    }
    skipped.sort((x, y) => x.line - y.line);
  }
  const final = normalizeEdits(edits);
  const applied: AppliedFix[] = kept
    .map((p) => {
      const pos = lines.position(p.finding.start);
      const x: AppliedFix = { fix: p.finding.fix!, ruleId: p.finding.ruleId, line: pos.line, column: pos.column, description: FIX_DESCRIPTIONS[p.finding.fix!] };
      same(x, p.finding);
      if (coveredByOther(build([p]), final)) DEFERRED.add(x);
      return x;
    })
    .sort((x, y) => x.line - y.line || x.column - y.column);
  const result: FixResult = { text: out, applied, skipped, rejectedPaths };
  if (!opts.targets && applied.some((x) => x.fix === 'migrate-legacy-format')) await headAfterMigration(analysis, result, opts);
  return result;
}

/**
 * A legacy head (`head_node`) gets its profile only once it is a node type: after the migration,
 * the head-profile correction runs on the migrated text. It is listed under the original RG201
 * finding (so that the review can reject it by that position), and its "cannot be edited" note
 * goes.
 */
async function headAfterMigration(analysis: Analysis, result: FixResult, opts: FixOptions): Promise<void> {
  if (opts.fixes && !opts.fixes.includes('add-instance-profile')) return;
  const lines = analysis.parsed.lines;
  const rg201 = analysis.raw.find((f) => f.ruleId === 'RG201' && f.fix === 'add-instance-profile' && analysis.ctx.model?.nodeTypes.some((n) => n.isHead && n.legacy));
  if (!rg201) return;
  const pos = lines.position(rg201.start);
  if (opts.exclude?.some((t) => t.ruleId === 'RG201' && t.line === pos.line && t.column === pos.column)) return;
  const second = await fixConfig(result.text, { ...opts, fixes: ['add-instance-profile'], targets: undefined, exclude: undefined });
  const notOurs = (x: { ruleId: string; line: number }) => !(x.ruleId === 'RG201' && x.line === pos.line);
  result.skipped = result.skipped.filter(notOurs);
  if (second.applied.length > 0) {
    result.text = second.text;
    result.applied.push({ ...second.applied[0], line: pos.line, column: pos.column });
    result.applied.sort((x, y) => x.line - y.line || x.column - y.column);
  } else {
    const why = second.skipped.find((x) => x.ruleId === 'RG201');
    if (why) result.skipped.push({ ...why, line: pos.line });
    result.skipped.sort((x, y) => x.line - y.line);
  }
}

function sameKey(text: string, f: RawFinding): string {
  return `${f.ruleId} ${f.fix ?? ''} ${text.slice(f.start, f.end)}`;
}

/**
 * True when one of a correction's edits did not survive: another correction's edit covers it (a
 * profile cut to be moved, with the ARN this one would have replaced inside it). Deletions merged
 * into a larger deletion did survive.
 */
function coveredByOther(own: TextEdit[], final: TextEdit[]): boolean {
  return own.some((e) =>
    !final.some((n) => n.start === e.start && n.end === e.end && n.text === e.text) &&
    final.some((n) => !(n.text === '' && e.text === '') && n.start <= e.start && e.end <= n.end));
}

const startsCache = new WeakMap<Analysis, number[]>();
function secretStarts(a: Analysis): number[] {
  let s = startsCache.get(a);
  if (!s) startsCache.set(a, (s = a.ctx.secrets.map((h) => h.start).sort((x, y) => x - y)));
  return s;
}

/** Start offsets of the detected secrets that the edits leave in place (per occurrence). */
function secretsLeft(a: Analysis, edits: TextEdit[]): Set<number> {
  const es = normalizeEdits(edits).filter((e) => e.end > e.start);
  const left = new Set<number>();
  for (const h of a.ctx.secrets) {
    // The last edit starting at or before the secret: does it cover the secret?
    const k = lastAtOrBefore(es.length, (i) => es[i].start, h.start);
    const covered = k >= 0 && es[k].end >= h.end && !es[k].text.includes(a.parsed.text.slice(h.start, h.end));
    if (!covered) left.add(h.start);
  }
  return left;
}

/** Other occurrences of a detected credential's value that the edits leave in the text. */
function repeatsLeft(a: Analysis, edits: TextEdit[]): Array<{ ruleId: string; offset: number }> {
  const es = normalizeEdits(edits).filter((e) => e.end > e.start);
  const text = a.parsed.text;
  const hits = new Set(a.ctx.secrets.map((h) => h.start));
  const out: Array<{ ruleId: string; offset: number }> = [];
  const seen = new Set<string>();
  for (const f of a.raw) {
    if (!f.kind || !CREDENTIAL_RULE.test(f.ruleId)) continue;
    const value = text.slice(f.start, f.end);
    if (value.length < 16 || seen.has(value)) continue;
    seen.add(value);
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
      if (hits.has(at)) continue; // a finding of its own
      const k = lastAtOrBefore(es.length, (i) => es[i].start, at);
      const covered = k >= 0 && es[k].end >= at + value.length && !es[k].text.includes(value);
      if (!covered) out.push({ ruleId: f.ruleId, offset: at });
    }
  }
  return out;
}

const CREDENTIAL_RULE = /^RG40[1-7]$/;
const severityOf = (f: RawFinding) => f.severity ?? rule(f.ruleId).severity;
/** Beyond this many corrections, a broken combined result is not retried one by one. */
const MAX_RETRY = 64;

function parsesClean(text: string): boolean {
  return parseConfig(text).problems.length === 0;
}

/** A correction that waits for the user to choose a node type's profile (the UI offers a picker). */
interface ChooseProfile {
  reason: string;
  chooseProfileFor: string;
}

function chooseProfile(nodeType: string, more = ''): ChooseProfile {
  return {
    reason: `choose the instance profile for ${nodeType} (CLI: --profile ${nodeType}=ARN; dashboard: the profile picker in the Fix panel)${more}`,
    chooseProfileFor: nodeType,
  };
}

async function planOne(a: Analysis, f: RawFinding, opts: FixOptions): Promise<Planned | ChooseProfile | string | null> {
  const { parsed, model } = a.ctx;
  if (!model) return 'the config is not readable YAML';
  const lines = parsed.lines;
  const none = (): Planned => ({ finding: f, edits: [], items: [] });
  switch (f.fix) {
    case 'remove-aws-credentials': {
      const e = model.provider ? get(model.doc, model.provider, 'aws_credentials') : undefined;
      if (!e || e.merged || !model.provider) return 'provider.aws_credentials is not written in provider itself';
      const edit = removePair(lines, model.provider, e.pair);
      return edit ? { ...none(), edits: [edit] } : 'the block is written in a layout that cannot be edited safely';
    }
    case 'remove-credential': {
      const loc = locate(parsed.doc, f.start);
      if (!loc.seqItem) return 'the credential is not in a command list';
      const c = commandCredentialAt(parsed, loc.seqItem.seq, loc.seqItem.index, f.start, secretStarts(a));
      if (!c) return 'the command is written in a way that cannot be edited safely';
      if (c.wholeItem) {
        if (!removeSeqItem(lines, c.seq, c.index)) return 'the command is written in a layout that cannot be edited safely';
        // docker options written one word per item (`- -e`, `- NAME=VALUE`): the flag goes too.
        const prev = c.index > 0 ? c.seq.items[c.index - 1] : null;
        const flag = isScalar(prev) && typeof prev.value === 'string' && /^(?:-e|--env)$/.test(prev.value.trim());
        const items = [{ seq: c.seq, index: c.index }];
        if (flag) items.unshift({ seq: c.seq, index: c.index - 1 });
        return { ...none(), items };
      }
      return { ...none(), edits: c.cut.map(([s, e]) => ({ start: s, end: e, text: '' })), cutIn: { seq: c.seq, index: c.index } };
    }
    case 'use-env-reference': {
      const loc = locate(parsed.doc, f.start);
      const edit = loc.seqItem && f.kind ? urlSecretEdit(parsed, loc.seqItem.seq, loc.seqItem.index, f.start, f.end, f.kind as SecretKind) : null;
      return edit ? { ...none(), edits: [edit] } : 'the URL is written in a way that cannot be edited safely';
    }
    case 'fix-profile-key-casing': {
      for (const ref of model.profiles) {
        if (nodeRange(ref.entry.pair.key)?.[0] === f.start) {
          const e = keyCasingEdit(model, containerOf(model, ref), ref.entry.pair.key, 'IamInstanceProfile');
          return e ? { ...none(), edits: [e] } : 'the correctly spelt key is already there: merge them by hand';
        }
        const m = isMap(ref.entry.value) ? ref.entry.value : null;
        for (const e of m ? entries(model.doc, m) : []) {
          if (nodeRange(e.pair.key)?.[0] !== f.start) continue;
          const want = e.key.toLowerCase() === 'arn' ? 'Arn' : 'Name';
          const edit = keyCasingEdit(model, m, e.pair.key, want);
          return edit ? { ...none(), edits: [edit] } : 'the correctly spelt key is already there: keep one by hand';
        }
      }
      return 'the key is written in a way that cannot be edited safely';
    }
    case 'move-instance-profile': {
      const ref = model.profiles.find((p) => nodeRange(p.entry.pair.key)?.[0] === f.start);
      const edits = ref ? moveProfileEdits(model, lines, ref) : null;
      if (edits) return { ...none(), edits };
      return ref && ref.placement !== 'node_type'
        ? 'Ray reads profiles per node type: move it into the node_config of each node type that should use it'
        : 'the node type is written in a layout that cannot be edited safely';
    }
    case 'add-worker-instance-profile': {
      const nt = model.nodeTypes.find((n) => n.keyRange[0] === f.start && !n.isHead);
      if (!nt) return 'the node type is gone';
      // A profile misspelt or next to node_config is the node type's profile once its own
      // correction (RG203/RG206) runs: a second one would only make that correction impossible.
      if (hasOwnProfileKey(model, nt)) return null;
      const arn = opts.profiles?.[nt.name];
      if (arn === undefined) return chooseProfile(nt.name, '; the tool never picks one for workers');
      if (!isInstanceProfileArn(arn)) return 'the chosen profile is not an instance-profile ARN';
      const wrong = partitionProblem(arn, model.region);
      if (wrong) return wrong;
      const edit = insertProfile(lines, nt, arn);
      return edit ? { ...none(), edits: [edit] } : 'the node type is written in a layout that cannot be edited safely';
    }
    case 'use-profile-arn-for-name': {
      const iam = opts.iam;
      if (!iam) return 'no IAM source to resolve the name: Name stays';
      if (isForeignDemo(iam, parsed.text)) return 'the IAM source is the demo account, not yours: Name stays';
      const node = locate(parsed.doc, f.start).scalar;
      const name = node && typeof node.value === 'string' ? node.value : null;
      if (!name) return 'the name is not a plain string';
      let arn: string | null = null;
      try {
        arn = (await iam.getInstanceProfile(name))?.arn ?? null;
      } catch {
        return 'IAM could not be asked: Name stays';
      }
      if (!arn) return 'IAM knows no instance profile with this name: Name stays';
      const ref = model.profiles.find((p) => isMap(p.entry.value) && p.entry.value.items.some((it) => it.value === node));
      const key = ref && isMap(ref.entry.value) ? ref.entry.value.items.find((it) => it.value === node)?.key : null;
      const ke = key ? respellKey(key, 'Arn') : null;
      const r = nodeRange(node);
      if (!ke || !r || (node!.type !== 'PLAIN' && node!.type !== 'QUOTE_DOUBLE' && node!.type !== 'QUOTE_SINGLE')) return 'the profile is written in a layout that cannot be edited safely';
      const q = node!.type === 'QUOTE_DOUBLE' ? '"' : node!.type === 'QUOTE_SINGLE' ? "'" : '';
      return { ...none(), edits: [ke, { start: r[0], end: r[1], text: scalarText(arn, q) }] };
    }
    case 'replace-default-profile': {
      const ref = model.profiles.find((p) => { const n = profileNameOf(model, p); return n && nodeRange(n.value)?.[0] === f.start; });
      const nt = ref?.nodeType;
      if (!ref || !nt) return 'the profile is gone';
      let arn = opts.profiles?.[nt.name];
      if (arn !== undefined && !isInstanceProfileArn(arn)) return 'the chosen profile is not an instance-profile ARN';
      if (arn !== undefined && partitionProblem(arn, model.region)) return partitionProblem(arn, model.region)!;
      if (arn === undefined && nt.isHead && opts.iam && !isForeignDemo(opts.iam, parsed.text)) arn = (await suitableHeadProfiles(a.ctx, opts.iam))[0]?.arn;
      if (arn === undefined) return chooseProfile(nt.name);
      const named = profileNameOf(model, ref)!;
      const node = named.value;
      const r = nodeRange(node);
      if (!r || !isScalar(node) || (node.type !== 'PLAIN' && node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE')) return 'the profile is written in a layout that cannot be edited safely';
      const q = node.type === 'QUOTE_DOUBLE' ? '"' : node.type === 'QUOTE_SINGLE' ? "'" : '';
      const edits: TextEdit[] = [{ start: r[0], end: r[1], text: scalarText(arn, q) }];
      const m = isMap(ref.entry.value) ? ref.entry.value : null;
      const key = m?.items.find((it) => it.value === node)?.key;
      if (key && isScalar(key) && key.value !== 'Arn') {
        const ke = respellKey(key, 'Arn');
        if (!ke) return 'the profile is written in a layout that cannot be edited safely';
        edits.push(ke);
      }
      return { ...none(), edits };
    }
    case 'remove-credentials-mount': {
      const m = credentialMounts(model).find((x) => x.range[0] === f.start && x.range[1] === f.end);
      const edits = m?.edit(lines);
      // Whole entries and items go through the engine's grouping (an emptied file_mounts is `{}`).
      if (edits && m?.pair) return { ...none(), pairs: [m.pair] };
      if (edits && m?.items) return { ...none(), items: m.items };
      return edits ? { ...none(), edits } : 'the mount is written in a way that cannot be edited safely';
    }
    case 'add-instance-profile': {
      const head = model.nodeTypes.find((n) => n.isHead);
      if (!head) return 'there is no head node type';
      if (head.legacy) return 'the head is the legacy head_node section: the legacy format is migrated first (RG105), then the head gets its profile';
      // A profile misspelt or next to node_config: its own correction gives the head its profile;
      // without one, adding a second profile would not help.
      const own = model.profiles.filter((p) => p.nodeType === head);
      if (own.length > 0) {
        const covered = own.some((p) => a.raw.some((r) => (r.fix === 'fix-profile-key-casing' || r.fix === 'move-instance-profile') && nodeRange(p.entry.pair.key)?.[0] === r.start));
        return covered ? null : 'the head has an IamInstanceProfile where Ray does not read it (see RG203/RG206): correct that one rather than add another';
      }
      let arn = opts.profiles?.[head.name];
      if (arn !== undefined) {
        const p = parseIamArn(arn);
        if (!p.ok || p.value.resourceType !== 'instance-profile') return 'the chosen profile is not an instance-profile ARN';
        const wrong = partitionProblem(arn, model.region);
        if (wrong) return wrong;
      } else if (opts.iam) {
        if (isForeignDemo(opts.iam, parsed.text)) return 'the IAM source is the demo account, not yours: choose the head\'s profile (CLI: --profile NODE_TYPE=ARN; dashboard: Head profile)';
        // Only a profile whose role would work as this head, without broad access: never just the first one.
        arn = (await suitableHeadProfiles(a.ctx, opts.iam))[0]?.arn;
        if (!arn) return 'no instance profile in the IAM source would work as this head (its role trusts EC2, may make the autoscaler\'s calls and pass the worker roles, and has no broad access): choose one (CLI: --profile NODE_TYPE=ARN; dashboard: Head profile)';
      }
      if (!arn) return 'no instance profile to use: choose one (CLI: --profile NODE_TYPE=ARN)';
      const edit = insertProfile(lines, head, arn);
      return edit ? { ...none(), edits: [edit] } : 'the node type is written in a layout that cannot be edited safely';
    }
    case 'use-instance-profile-arn': {
      if (!opts.iam) return 'no IAM source to look the role up in';
      const node = locate(parsed.doc, f.start).scalar;
      if (!node || typeof node.value !== 'string') return 'the ARN is not a plain string';
      const arn = await profileArnForRole(opts.iam, node.value);
      if (!arn) return 'IAM knows no instance profile for this role';
      const r = nodeRange(node)!;
      const q = node.type === 'QUOTE_DOUBLE' ? '"' : node.type === 'QUOTE_SINGLE' ? "'" : '';
      if (!q && node.type !== 'PLAIN') return 'the ARN is written in a block scalar';
      return { ...none(), edits: [{ start: r[0], end: r[1], text: scalarText(arn, q) }] };
    }
    case 'migrate-legacy-format': {
      const e = planLegacyMigration(a, f);
      return typeof e === 'string' ? e : { ...none(), edits: e };
    }
    case 'remove-legacy-key': {
      const e = planRemoveLegacyKey(a, f);
      return typeof e === 'string' ? e : { ...none(), edits: e };
    }
    default:
      return 'unknown correction';
  }
}

/** A chosen profile from another partition than the cluster's region (it could never be used). */
function partitionProblem(arn: string, region: string | null): string | null {
  const p = parseIamArn(arn);
  if (!p.ok || !region) return null;
  const want = partitionOfRegion(region);
  return want && want !== p.value.partition ? `the chosen profile is in partition ${p.value.partition}, but region ${region} is in ${want}` : null;
}

/**
 * A value written in the scalar style it replaces. A plain value with a `,` or a bracket (IAM
 * names may hold commas) is quoted: in a flow collection it would be split.
 */
function scalarText(value: string, quote: string): string {
  if (quote === '"') return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  if (quote === "'") return `'${value.replace(/'/g, "''")}'`;
  return /[,[\]{}#]/.test(value) ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value;
}

/**
 * The embedded demo account answers for a config that is not written for it: its profiles must
 * never end up in a user's config. (The bundled samples name the demo account, so they are.)
 */
function isForeignDemo(iam: IamSource, text: string): boolean {
  const info = iam.info();
  return info.kind === 'demo' && !(info.accountId && text.includes(`:${info.accountId}:`));
}

/** `visit`, which recurses: on a document too deep for the stack, it finds nothing. */
function safeVisit(a: Analysis, visitor: Parameters<typeof visit>[1]) {
  try {
    visit(a.parsed.doc!, visitor);
  } catch {
    /* too deep: the correction is skipped */
  }
}

/**
 * The text edits of a set of corrections. Cuts in the same command are merged, and when together
 * they leave nothing of it, the list item goes; emptied lists and mappings become `[]` / `{}`.
 */
function buildEdits(a: Analysis, ps: Planned[]): TextEdit[] {
  const text = a.parsed.text;
  const extra: Array<{ seq: YAMLSeq; index: number }> = [];
  const out: TextEdit[] = [];
  const commands = new Map<Node, Planned[]>();
  for (const p of ps) {
    if (!p.cutIn) {
      out.push(...p.edits);
      continue;
    }
    const node = p.cutIn.seq.items[p.cutIn.index] as Node;
    commands.set(node, [...(commands.get(node) ?? []), p]);
  }
  for (const [node, group] of commands) {
    const merged = mergeDeletions(group.flatMap((p) => p.edits));
    if (group.length > 1 && leavesNothing(text, node, merged)) extra.push(group[0].cutIn!);
    else out.push(...merged);
  }
  return [...out, ...itemEdits(a, ps, extra), ...pairEdits(a, ps)];
}

/** Overlapping or touching deletions become one. */
function mergeDeletions(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((x, y) => x.start - y.start);
  const out: TextEdit[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && e.text === '' && last.text === '' && e.start <= last.end) last.end = Math.max(last.end, e.end);
    else out.push({ ...e });
  }
  return out;
}

/** True when the cuts leave only blanks and shell separators of a command's text. */
function leavesNothing(text: string, node: Node, cuts: TextEdit[]): boolean {
  const r = nodeRange(node);
  if (!r || !isScalar(node)) return false;
  let s = r[0];
  let e = r[1];
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    s++;
    e--;
  } else if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    s = text.indexOf('\n', s) + 1;
    if (s <= 0) return false;
  }
  let rest = '';
  let at = s;
  for (const c of cuts) {
    if (c.end <= s || c.start >= e) continue;
    rest += text.slice(at, Math.max(at, c.start));
    at = Math.max(at, c.end);
  }
  rest += text.slice(at, e);
  const code = rest.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
  return /^[\s;&|]*$/.test(code);
}

/** Edits for whole-entry removals: an emptied mapping becomes `{}` rather than `null`. */
function pairEdits(a: Analysis, ps: Planned[]): TextEdit[] {
  const byMap = new Map<YAMLMap, Set<Pair>>();
  for (const p of ps) for (const it of p.pairs ?? []) byMap.set(it.map, (byMap.get(it.map) ?? new Set<Pair>()).add(it.pair));
  const out: TextEdit[] = [];
  const lines = a.parsed.lines;
  for (const [map, pairs] of byMap) {
    const all = map.items.every((x) => pairs.has(x as Pair));
    if (all && map.flow) {
      const e = emptyCollection(map as Node);
      if (e) {
        out.push(e);
        continue;
      }
    }
    if (all) {
      const pair = parentPair(a, map);
      const kr = pair ? nodeRange(pair.key) : null;
      const colon = kr ? lines.text.indexOf(':', kr[1]) : -1;
      if (colon >= 0) out.push({ start: colon + 1, end: colon + 1, text: ' {}' });
    }
    for (const pair of pairs) {
      const e = removePair(lines, map, pair);
      if (e) out.push(e);
    }
  }
  return out;
}

/** Edits for whole-item removals: an emptied list becomes `[]` rather than `null`. */
function itemEdits(a: Analysis, ps: Planned[], extra: Array<{ seq: YAMLSeq; index: number }> = []): TextEdit[] {
  const bySeq = new Map<YAMLSeq, Set<number>>();
  for (const p of [...ps, { items: extra }]) for (const it of p.items) {
    const s = bySeq.get(it.seq) ?? new Set<number>();
    s.add(it.index);
    bySeq.set(it.seq, s);
  }
  const out: TextEdit[] = [];
  const lines = a.parsed.lines;
  for (const [seq, idx] of bySeq) {
    const all = idx.size === seq.items.length;
    if (all && seq.flow) {
      const e = emptyCollection(seq as Node);
      if (e) {
        out.push(e);
        continue;
      }
    }
    if (all) {
      // `key:` over an emptied block list becomes `key: []` (not null); comments in it stay.
      const pair = parentPair(a, seq);
      const kr = pair ? nodeRange(pair.key) : null;
      const colon = kr ? lines.text.indexOf(':', kr[1]) : -1;
      if (colon < 0) continue;
      out.push({ start: colon + 1, end: colon + 1, text: ' []' });
    }
    for (const i of idx) {
      const e = removeSeqItem(lines, seq, i);
      if (e) out.push(e);
    }
  }
  return out;
}

function parentPair(a: Analysis, target: Node): Pair | null {
  let found: Pair | null = null;
  safeVisit(a, {
    Pair(_k, pair) {
      if (pair.value === target) {
        found = pair as Pair;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}
