import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { entries, get, isEmpty, isMergePair, nodeRange, scalarString, type Entry } from '../config/nodes';
import { parseConfig, type ParsedConfig } from '../config/parse';
import type { LineIndex } from '../config/position';
import { isProfileKey, type ConfigModel, type NodeType } from '../config/walk';
import type { RawFinding } from '../rules/types';
import type { Analysis } from '../validate';
import { removePair, startsLine, type TextEdit } from './edits';

/*
 * Legacy layout (Ray 1.x): top-level `head_node` / `worker_nodes` hold raw EC2 parameters, and
 * top-level `min_workers` sizes the workers. Ray 2 wants node types in `available_node_types`.
 *
 * Without `available_node_types` the sections become node types where they stand: the first
 * section's key line turns into `available_node_types:` plus the node type's header, its lines are
 * re-indented under `node_config:`, and the second section follows as the next node type. Every
 * line the user wrote stays (comments too), only its indentation changes. Sections that are not
 * next to each other: the second one is cut and pasted after the first.
 *
 * With `available_node_types` (Ray then rejects or ignores the sections), each legacy key that the
 * head type's (head_node) or every worker type's (worker_nodes) node_config lacks is copied there;
 * a key both have with the same value is dropped; a key both have with different values stops the
 * migration (which one the user wants is not the tool's call).
 *
 * The edits are checked before they are returned: the result must parse and, read as data, equal
 * the original with exactly the intended changes. Otherwise the migration is refused.
 */

const HEAD = 'ray.head.default';
const WORKER = 'ray.worker.default';
const LEGACY_SECTIONS = ['head_node', 'worker_nodes'] as const;
type SectionKey = (typeof LEGACY_SECTIONS)[number];

/** Ray 1.x top-level keys that `remove-legacy-key` deletes. */
export const REMOVABLE_LEGACY_KEYS: ReadonlySet<string> = new Set([
  'initial_workers', 'autoscaling_mode', 'target_utilization_fraction', 'worker_default_node_type', 'min_workers',
]);

interface Section {
  key: SectionKey;
  entry: Entry;
  /** The mapping, or null for an empty section (`head_node:`, `head_node: {}`). */
  map: YAMLMap | null;
  empty: boolean;
}

/** A node type of `available_node_types` that takes legacy keys, and the keys it takes. */
interface Target {
  type: NodeType;
  section: Section;
  /** Entries of the legacy section that the node_config lacks. */
  missing: Pair[];
}

interface Layout {
  sections: Section[];
  head: Section | null;
  worker: Section | null;
  minWorkers: Entry | null;
  minValue: number;
  maxValue: number | null;
  /** Without available_node_types: the head type's name and whether head_node_type must be added. */
  headName: string;
  addHeadNodeType: boolean;
  /** `available_node_types:` written but empty: it is replaced. */
  emptyTypes: Entry | null;
  /** With available_node_types: where the legacy keys go. */
  targets: Target[] | null;
}

const isNonEmptySection = (s: Section | null): s is Section => !!s && !s.empty;

/**
 * Why the legacy layout cannot be migrated automatically, or null when it can. Structural checks
 * only (no re-parse): the RG105 rule calls this to decide whether its findings carry the fix.
 */
export function legacyMigrationBlocker(parsed: ParsedConfig, model: ConfigModel | null): string | null {
  const l = inspect(parsed, model);
  return typeof l === 'string' ? l : null;
}

function inspect(parsed: ParsedConfig, model: ConfigModel | null): Layout | string {
  if (!model || !parsed.doc || parsed.problems.length > 0) return 'the config is not readable YAML';
  const { doc, root } = model;
  if (root.flow) return 'the top level is written in flow style';
  const top = entries(doc, root);
  const topEntry = (k: string) => top.find((e) => e.key === k) ?? null;

  const sections: Section[] = [];
  for (const key of LEGACY_SECTIONS) {
    const e = topEntry(key);
    if (!e) continue;
    const why = ownEntryProblem(parsed, e, key);
    if (why) return why;
    const empty = isEmpty(e.value);
    if (!empty && !isMap(e.value)) return `${key} is not a mapping`;
    if (isMap(e.value) && e.value.anchor) return `${key} carries an anchor that other parts of the config may use`;
    const sub = subtreeProblem(e.value);
    if (sub) return `${key} ${sub}`;
    sections.push({ key, entry: e, map: empty ? null : (e.value as YAMLMap), empty });
  }
  const head = sections.find((s) => s.key === 'head_node') ?? null;
  const worker = sections.find((s) => s.key === 'worker_nodes') ?? null;
  if (!isNonEmptySection(head) && !isNonEmptySection(worker)) return 'there is no non-empty head_node or worker_nodes section';

  const minWorkers = topEntry('min_workers');
  let minValue = 0;
  if (minWorkers) {
    const why = ownEntryProblem(parsed, minWorkers, 'min_workers');
    if (why) return why;
    // `min_workers:` with no value says nothing: the worker type gets Ray's default, 0.
    const v = isEmpty(minWorkers.value) && isScalar(minWorkers.value) ? 0 : wholeNumber(minWorkers.value);
    if (v === null) return 'the top-level min_workers is not a whole number';
    minValue = v;
  }
  const maxEntry = topEntry('max_workers');
  let maxValue: number | null = null;
  if (maxEntry && !(isEmpty(maxEntry.value) && isScalar(maxEntry.value))) {
    maxValue = wholeNumber(maxEntry.value);
    if (maxValue === null) return 'the top-level max_workers is not a whole number';
  }

  const types = topEntry('available_node_types');
  const base = { sections, head, worker, minWorkers, minValue, maxValue };
  if (!types || isEmpty(types.value)) {
    // `resources: {}` is right on AWS only: Ray fills it from EC2 there, other providers need numbers.
    if (model.providerType !== null && model.providerType !== 'aws') return 'the provider is not AWS: its node types need their resources written out';
    // Ray 1.x filled a missing section from its own defaults; those defaults stop applying once
    // available_node_types is written, so the tool will not guess them.
    if (!isNonEmptySection(head)) return 'head_node is empty or missing: add the head\'s settings (at least InstanceType) before migrating';
    if (!isNonEmptySection(worker) && maxValue !== 0) {
      return 'worker_nodes is empty or missing: Ray 1.x took the worker settings from its defaults, which no longer apply once available_node_types is written; add the worker settings (or set max_workers: 0) before migrating';
    }
    if (types) {
      const why = ownEntryProblem(parsed, types, 'available_node_types');
      if (why) return why;
    }
    const hnt = topEntry('head_node_type');
    let headName = HEAD;
    if (hnt) {
      const name = scalarString(hnt.value);
      if (!name || hnt.merged || isAlias(hnt.pair.value)) return 'head_node_type is not a plain name';
      if (name === WORKER && isNonEmptySection(worker)) return `head_node_type names ${WORKER}, the name the worker node type would get`;
      headName = name;
    }
    return { ...base, headName, addHeadNodeType: !hnt, emptyTypes: types, targets: null };
  }

  // available_node_types is written: Ray reads only it. Legacy keys go into its node types.
  if (!isMap(types.value) || types.merged || isAlias(types.pair.value) || types.value.anchor) {
    return 'available_node_types is not a mapping written in place (alias, anchor or merge key)';
  }
  const targets: Target[] = [];
  const nodeTypes = model.nodeTypes.filter((n) => !n.legacy && !n.defaulted);
  for (const s of [head, worker]) {
    if (!isNonEmptySection(s)) continue;
    const into = nodeTypes.filter((n) => n.isHead === (s.key === 'head_node'));
    if (into.length === 0) {
      return s.key === 'head_node'
        ? 'available_node_types has no head node type (see head_node_type) to take the head_node settings'
        : 'available_node_types has no worker node type to take the worker_nodes settings';
    }
    for (const type of into) {
      const why = targetProblem(type);
      if (why) return why;
      const missing: Pair[] = [];
      for (const p of s.map!.items) {
        if (!isPair(p)) continue;
        const key = isScalar(p.key) ? scalarString(p.key as Node) : null;
        if (key === null) return `${s.key} has a key that is not a plain scalar`;
        // A profile key in any spelling (`iamInstanceProfile` is respelt by its own correction).
        const there = type.nodeConfig
          ? isProfileKey(key) ? entries(doc, type.nodeConfig).find((x) => isProfileKey(x.key)) : get(doc, type.nodeConfig, key)
          : undefined;
        if (!there) {
          missing.push(p);
          continue;
        }
        let same = false;
        try {
          same = deepEqual(toJs(doc, p.value), toJs(doc, there.value));
        } catch {
          return `${s.key} cannot be compared with the node_config of a node type`;
        }
        if (!same) return `${s.key} and the node_config of a node type set the same key to different values: decide which one to keep, then fix again`;
      }
      if (missing.length > 0 && s.map!.flow && !missing.every((p) => oneLine(parsed.lines, p))) {
        return `${s.key} is written in flow style over several lines`;
      }
      targets.push({ type, section: s, missing });
    }
  }
  return { ...base, headName: model.headNodeType, addHeadNodeType: false, emptyTypes: null, targets };
}

/** A top-level entry the tool may remove or rewrite: written in place, its key alone on its line. */
function ownEntryProblem(parsed: ParsedConfig, e: Entry, name: string): string | null {
  if (e.merged) return `${name} reaches the top level through a merge key (<<)`;
  if (isAlias(e.pair.value)) return `${name} is an alias`;
  const key = e.pair.key as Node & { anchor?: string; tag?: string };
  if (!isScalar(key) || key.anchor || key.tag) return `the ${name} key carries an anchor or tag`;
  const v = e.pair.value as (Node & { anchor?: string }) | null;
  if (v && v.anchor && !isMap(v)) return `${name} carries an anchor that other parts of the config may use`;
  const kr = nodeRange(key);
  if (!kr || !startsLine(parsed.lines, kr[0], false)) return `${name} is not written on a line of its own`;
  return null;
}

/** Anchors, aliases and merge keys inside a section: moving its text could break them. */
function subtreeProblem(node: Node | null): string | null {
  if (!node || !(isMap(node) || isSeq(node))) return null;
  let found: string | null = null;
  try {
    visit(node, {
      Pair(_k, p) {
        if (isMergePair(p as Pair)) {
          found = 'uses a merge key (<<)';
          return visit.BREAK;
        }
        const k = (p as Pair).key as { anchor?: string } | null;
        if (k && typeof k === 'object' && k.anchor) {
          found = 'defines an anchor';
          return visit.BREAK;
        }
        return undefined;
      },
      Alias() {
        found = 'uses an alias';
        return visit.BREAK;
      },
      Node(_k, n) {
        if ((n as { anchor?: string }).anchor) {
          found = 'defines an anchor';
          return visit.BREAK;
        }
        return undefined;
      },
    });
  } catch {
    return 'is nested too deeply to move safely';
  }
  return found;
}

function targetProblem(type: NodeType): string | null {
  const where = 'a node type that takes legacy settings';
  if (!type.node || type.node.flow || type.node.anchor || type.node.items.length === 0) return `${where} is not a block mapping written in place`;
  const e = type.nodeConfigEntry;
  // Other corrections (the head's profile, a profile moved into node_config) create node_config
  // too: creating it here as well would write the key twice.
  if (!e || isEmpty(e.value)) return `${where} has no node_config yet: give it one, then fix again`;
  if (e.merged || isAlias(e.pair.value)) return `the node_config of ${where} is shared through an alias or merge key`;
  const nc = type.nodeConfig;
  if (!nc) return `the node_config of ${where} is not a mapping`;
  if (nc.anchor) return `the node_config of ${where} carries an anchor`;
  if (nc.flow && nc.items.length > 0) return `the node_config of ${where} is written in flow style`;
  if (!nc.flow && nc.items.some((p) => !isPair(p) || isMergePair(p))) return `the node_config of ${where} uses a merge key (<<)`;
  return null;
}

function wholeNumber(node: Node | null): number | null {
  if (!isScalar(node)) return null;
  const v = node.value;
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

function oneLine(lines: LineIndex, p: Pair): boolean {
  const k = nodeRange(p.key);
  const v = nodeRange(p.value);
  if (!k) return false;
  return lines.lineOf(k[0]) === lines.lineOf(v ? v[1] : k[1]);
}

// ---------------------------------------------------------------------------------------------
// Planning

const planned = new WeakMap<Analysis, TextEdit[] | string>();

/**
 * RG105 `migrate-legacy-format`: legacy `head_node` / `worker_nodes` (and top-level `min_workers`)
 * become node types in `available_node_types`, with `head_node_type`; empty legacy sections go.
 * Returns the edits, or a one-line reason when the layout cannot be migrated safely. Both RG105
 * findings of a file get the same, whole edit set (the engine drops the duplicates).
 */
export function planLegacyMigration(a: Analysis, _f: RawFinding): TextEdit[] | string {
  let p = planned.get(a);
  if (p === undefined) {
    p = migrate(a.parsed, a.ctx.model);
    planned.set(a, p);
  }
  return typeof p === 'string' ? p : p.map((e) => ({ ...e }));
}

function migrate(parsed: ParsedConfig, model: ConfigModel | null): TextEdit[] | string {
  const layout = inspect(parsed, model);
  if (typeof layout === 'string') return layout;
  const w = new Writer(parsed.lines);
  const built = layout.targets ? mergeInto(w, layout) : inPlace(w, layout, model!);
  if (built) return built;
  for (const e of [layout.minWorkers, layout.emptyTypes, ...layout.sections.filter((s) => s.empty).map((s) => s.entry)]) {
    if (!e) continue;
    const r = removePair(parsed.lines, model!.root, e.pair);
    if (!r) return 'a legacy key is written in a layout that cannot be edited safely';
    w.add(r);
  }
  const edits = w.finish();
  if (typeof edits === 'string') return edits;
  return verify(parsed, layout, edits);
}

/** Collects edits; refuses overlapping ones (the engine would silently drop one of them). */
class Writer {
  readonly text: string;
  readonly nl: string;
  private edits: TextEdit[] = [];
  constructor(readonly lines: LineIndex) {
    this.text = lines.text;
    this.nl = this.text.includes('\r\n') ? '\r\n' : '\n';
  }
  add(e: TextEdit) {
    if (e.start !== e.end || e.text !== '') this.edits.push(e);
  }
  finish(): TextEdit[] | string {
    const s = [...this.edits].sort((x, y) => x.start - y.start || x.end - y.end);
    const out: TextEdit[] = [];
    for (const e of s) {
      const last = out[out.length - 1];
      if (last && e.start < last.end) return 'the legacy sections overlap other keys in a way that cannot be edited safely';
      if (last && last.start === last.end && e.start === last.start) {
        // Two insertions at one point: one edit (an insertion before a replacement is the same).
        out[out.length - 1] = { start: e.start, end: e.end, text: last.text + e.text };
        continue;
      }
      out.push(e);
    }
    return out;
  }
  lineText(l: number): string {
    return this.lines.lineText(l);
  }
  blank(l: number): boolean {
    return l >= 1 && l <= this.lines.lineCount && this.lineText(l).trim() === '';
  }
  comment(l: number): boolean {
    return this.lineText(l).trimStart().startsWith('#');
  }
  col(offset: number): number {
    return offset - this.lines.lineStart(this.lines.lineOf(offset) + 1);
  }
  line(offset: number): number {
    return this.lines.lineOf(offset) + 1;
  }
  /** The line (1-based) of the last character of `[start, end)`. */
  lastLine(start: number, end: number): number {
    return this.line(Math.max(start, end - 1));
  }
  /** Offset of the start of line `l`, or the end of the text past the last line. */
  startOf(l: number): number {
    return l <= this.lines.lineCount ? this.lines.lineStart(l) : this.text.length;
  }
}

const pad = (n: number) => ' '.repeat(Math.max(0, n));

/**
 * The new leading whitespace of one line moved by `shift` columns: comment lines indented less
 * than `inner` (the section's key column) go to `commentCol`; other lines move as a block, so
 * block scalars and continuation lines keep their relative indentation. Null: cannot be moved.
 */
function reindent(line: string, inner: number, shift: number, commentCol: number): { cut: number; lead: string } | null {
  if (line.trim() === '') return { cut: 0, lead: '' };
  const spaces = /^ */.exec(line)![0].length;
  if (line.trimStart().startsWith('#') && spaces < inner) {
    const ws = /^[ \t]*/.exec(line)![0].length;
    return { cut: ws, lead: pad(commentCol) };
  }
  if (shift >= 0) return { cut: 0, lead: pad(shift) };
  if (spaces < -shift) return null;
  return { cut: -shift, lead: '' };
}

/** Edits that move lines [from, to] by `shift` (see reindent). */
function shiftLines(w: Writer, from: number, to: number, inner: number, shift: number, commentCol: number): boolean {
  for (let l = from; l <= to; l++) {
    const r = reindent(w.lineText(l), inner, shift, commentCol);
    if (!r) return false;
    const s = w.lines.lineStart(l);
    if (r.cut > 0 || r.lead) w.add({ start: s, end: s + r.cut, text: r.lead });
  }
  return true;
}

/** The same lines as text, moved. */
function movedLines(w: Writer, from: number, to: number, inner: number, shift: number, commentCol: number): string[] | null {
  const out: string[] = [];
  for (let l = from; l <= to; l++) {
    const t = w.lineText(l);
    const r = reindent(t, inner, shift, commentCol);
    if (!r) return null;
    out.push(t.trim() === '' ? '' : r.lead + t.slice(r.cut));
  }
  return out;
}

interface Extent {
  keyStart: number;
  keyEnd: number;
  keyLine: number;
  /** Last line of the section, its trailing indented comments included. */
  lastLine: number;
  /** Column of the section's own keys (block), or -1 (flow). */
  inner: number;
}

function extentOf(w: Writer, s: Section): Extent | null {
  const kr = nodeRange(s.entry.pair.key);
  if (!kr) return null;
  const keyLine = w.line(kr[0]);
  let last = Math.max(keyLine, w.lastLine(kr[0], contentEnd(s.entry.pair.value, kr[1])));
  const col = w.col(kr[0]);
  // Comments indented under the section after its last entry belong to it.
  for (let l = last + 1; l <= w.lines.lineCount; l++) {
    if (w.blank(l)) continue;
    const t = w.lineText(l);
    if (w.comment(l) && /^[ \t]*/.exec(t)![0].length > col) {
      last = l;
      continue;
    }
    break;
  }
  let inner = -1;
  if (s.map && !s.map.flow) {
    const first = s.map.items.find(isPair);
    const fr = first ? nodeRange(first.key) : null;
    if (!fr || w.line(fr[0]) === keyLine) return null;
    inner = w.col(fr[0]);
    if (inner <= col) return null;
  }
  return { keyStart: kr[0], keyEnd: kr[1], keyLine, lastLine: last, inner };
}

/**
 * End offset of a node's last character of content. The parser's own end of a block collection
 * can reach over the comments and blank lines that follow it, so this walks down to the last leaf.
 */
function contentEnd(node: unknown, fallback: number): number {
  let n = node;
  let end = fallback;
  for (;;) {
    if ((isMap(n) || isSeq(n)) && !n.flow && n.items.length > 0) {
      const last = n.items[n.items.length - 1];
      if (isPair(last)) {
        end = Math.max(end, nodeRange(last.key)?.[1] ?? end);
        n = last.value;
      } else n = last;
      continue;
    }
    const r = nodeRange(n);
    return r ? Math.max(r[1], end) : end;
  }
}

/** A plain YAML key for a node type name, quoted when it needs to be. */
function keyFor(name: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(name) && !/^(?:true|false|yes|no|on|off|null|y|n)$/i.test(name) ? name : JSON.stringify(name);
}

/** Indentation step of the file: from the sections, else `provider`, else 2. */
function unitOf(w: Writer, model: ConfigModel, exts: Extent[], c0: number): number {
  for (const e of exts) if (e.inner > c0) return e.inner - c0;
  const p = model.provider;
  if (p && !p.flow) {
    const first = p.items.find(isPair);
    const r = first ? nodeRange(first.key) : null;
    if (r && w.col(r[0]) > c0) return w.col(r[0]) - c0;
  }
  return 2;
}

/** No available_node_types: the sections become the node types where they are written. */
function inPlace(w: Writer, layout: Layout, model: ConfigModel): string | null {
  const nl = w.nl;
  const secs = [layout.head, layout.worker].filter(isNonEmptySection).sort((x, y) => nodeRange(x.entry.pair.key)![0] - nodeRange(y.entry.pair.key)![0]);
  const exts: Extent[] = [];
  for (const s of secs) {
    const e = extentOf(w, s);
    if (!e) return `${s.key} is written in a layout that cannot be edited safely`;
    exts.push(e);
  }
  const c0 = w.col(exts[0].keyStart);
  const u = unitOf(w, model, exts, c0);
  const typeCol = c0 + u;
  const fieldCol = c0 + 2 * u;
  const header = (s: Section): string[] => {
    const out = [pad(typeCol) + keyFor(s.key === 'head_node' ? layout.headName : WORKER) + ':'];
    if (s.key === 'worker_nodes') {
      out.push(`${pad(fieldCol)}min_workers: ${layout.minValue}`);
      if (layout.maxValue !== null) out.push(`${pad(fieldCol)}max_workers: ${layout.maxValue}`);
    }
    out.push(`${pad(fieldCol)}resources: {}`);
    return out;
  };
  /** Shift of a section's own lines: block content to fieldCol + u, flow continuation like its key. */
  const shiftOf = (e: Extent) => (e.inner >= 0 ? fieldCol + u - e.inner : fieldCol - c0);
  const innerOf = (e: Extent) => (e.inner >= 0 ? e.inner : 0);

  // The first section: its key becomes `available_node_types:` and the node type's header.
  const [first, second] = exts;
  const h1 = header(secs[0]);
  w.add({ start: first.keyStart, end: first.keyEnd, text: ['available_node_types:', ...h1, pad(fieldCol) + 'node_config'].join(nl) });
  if (!shiftLines(w, first.keyLine + 1, first.lastLine, innerOf(first), shiftOf(first), fieldCol + u)) {
    return `${secs[0].key} has lines indented in a way that cannot be moved safely`;
  }
  let tail = first.lastLine;
  let after = '';
  if (second) {
    const between = [];
    for (let l = first.lastLine + 1; l < second.keyLine; l++) between.push(l);
    const adjacent = between.every((l) => w.blank(l) || w.comment(l));
    const h2 = header(secs[1]);
    if (adjacent) {
      // Comments between the two sections stay, indented as node-type comments.
      for (const l of between) {
        if (w.blank(l)) continue;
        const t = w.lineText(l);
        const ws = /^[ \t]*/.exec(t)![0].length;
        const s = w.lines.lineStart(l);
        w.add({ start: s, end: s + ws, text: pad(typeCol) });
      }
      // The key line already starts with c0 spaces.
      w.add({ start: second.keyStart, end: second.keyEnd, text: [h2[0].slice(c0), ...h2.slice(1), pad(fieldCol) + 'node_config'].join(nl) });
      if (!shiftLines(w, second.keyLine + 1, second.lastLine, innerOf(second), shiftOf(second), fieldCol + u)) {
        return `${secs[1].key} has lines indented in a way that cannot be moved safely`;
      }
      tail = second.lastLine;
    } else {
      // Other keys in between: the second section is cut and pasted after the first.
      const rest = w.text.slice(second.keyEnd, w.lines.lineEnd(second.keyLine));
      const body = movedLines(w, second.keyLine + 1, second.lastLine, innerOf(second), shiftOf(second), fieldCol + u);
      if (!body) return `${secs[1].key} has lines indented in a way that cannot be moved safely`;
      after = nl + [...h2, pad(fieldCol) + 'node_config' + rest, ...body].join(nl);
      let endLine = second.lastLine;
      if ((second.keyLine === 1 || w.blank(second.keyLine - 1)) && w.blank(endLine + 1)) endLine++;
      w.add({ start: w.lines.lineStart(second.keyLine), end: w.startOf(endLine + 1), text: '' });
    }
  }
  if (layout.addHeadNodeType) after += nl + nl + pad(c0) + 'head_node_type: ' + keyFor(layout.headName);
  if (after) {
    const at = w.lines.lineEnd(tail);
    w.add({ start: at, end: at, text: after });
  }
  return null;
}

/** available_node_types exists: missing legacy keys are copied into the node types' node_config. */
function mergeInto(w: Writer, layout: Layout): string | null {
  const nl = w.nl;
  const exts = new Map<Section, Extent>();
  for (const s of layout.sections) {
    if (s.empty) continue;
    const e = extentOf(w, s);
    if (!e) return `${s.key} is written in a layout that cannot be edited safely`;
    exts.set(s, e);
  }
  for (const t of layout.targets!) {
    if (t.missing.length === 0) continue;
    const ext = exts.get(t.section)!;
    const nc = t.type.nodeConfig;
    let col: number; // column of node_config's keys
    let at: number; // insertion point
    let lead = ''; // `node_config:` when it is created
    let replaceEnd: number | null = null;
    if (nc && !nc.flow && nc.items.length > 0) {
      const fr = nodeRange((nc.items[0] as Pair).key);
      if (!fr) return 'a node_config is written in a layout that cannot be edited safely';
      col = w.col(fr[0]);
      at = w.lines.lineEnd(w.lastLine(fr[0], contentEnd(nc, fr[1])));
    } else {
      // No node_config, an empty one (`node_config:` / `node_config: {}`): written as a block.
      const node = t.type.node!;
      const tk = nodeRange((node.items[0] as Pair).key);
      if (!tk) return 'a node type is written in a layout that cannot be edited safely';
      const typeKeyCol = w.col(t.type.keyRange[0]);
      const fieldCol = w.col(tk[0]);
      const u = Math.max(1, fieldCol - typeKeyCol);
      col = fieldCol + u;
      const e = t.type.nodeConfigEntry;
      if (e) {
        const kr = nodeRange(e.pair.key)!;
        const colon = w.text.indexOf(':', kr[1]);
        const vr = nodeRange(e.pair.value);
        const end = vr && vr[1] > colon ? vr[1] : colon + 1;
        if (colon < 0 || w.line(colon) !== w.line(kr[0]) || w.line(end) !== w.line(kr[0])) return 'a node_config is written in a layout that cannot be edited safely';
        if (w.text.slice(end, w.lines.lineEnd(w.line(end))).trim() !== '') return 'a node_config is followed by a comment on its line';
        at = colon + 1;
        replaceEnd = end;
      } else {
        at = w.lines.lineEnd(w.lastLine(tk[0], contentEnd(node, tk[1])));
        lead = nl + pad(fieldCol) + 'node_config:';
      }
    }
    const body = copiedEntries(w, t, ext, col);
    if (typeof body === 'string') return body;
    w.add({ start: at, end: replaceEnd ?? at, text: lead + nl + body.join(nl) });
  }
  for (const [, e] of exts) {
    let endLine = e.lastLine;
    if ((e.keyLine === 1 || w.blank(e.keyLine - 1)) && w.blank(endLine + 1)) endLine++;
    w.add({ start: w.lines.lineStart(e.keyLine), end: w.startOf(endLine + 1), text: '' });
  }
  return null;
}

/** The text of the legacy entries a node_config lacks (with their comments), at column `col`. */
function copiedEntries(w: Writer, t: Target, ext: Extent, col: number): string[] | string {
  const out: string[] = [];
  const map = t.section.map!;
  // A comment on the section's own line (`head_node:  # ...`) travels too.
  const vr = nodeRange(map)!;
  const rest = map.flow
    ? w.text.slice(vr[1], w.lines.lineEnd(w.line(vr[1])))
    : w.text.slice(ext.keyEnd, w.lines.lineEnd(ext.keyLine)).replace(/^\s*:\s*(?:!\S*\s*)?/, '');
  const keyComment = /^\s*#/.test(rest) ? rest.trim() : '';
  if (keyComment) out.push(pad(col) + keyComment);
  if (map.flow) {
    for (const p of t.missing) {
      const k = nodeRange(p.key)!;
      const v = nodeRange(p.value);
      out.push(pad(col) + w.text.slice(k[0], v ? v[1] : k[1]));
    }
    return out;
  }
  const pairs = map.items.filter(isPair);
  const shift = col - ext.inner;
  let prevEnd = ext.keyLine;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    const k = nodeRange(p.key)!;
    const own = w.lastLine(k[0], contentEnd(p.value, k[1]));
    const keyLine = w.line(k[0]);
    const lastLine = i === pairs.length - 1 ? ext.lastLine : own;
    if (t.missing.includes(p)) {
      // Comment lines right above the key (after the previous entry) travel with it.
      let from = keyLine;
      while (from - 1 > prevEnd && w.comment(from - 1)) from--;
      const lines = movedLines(w, from, lastLine, ext.inner, shift, col);
      if (!lines) return `${t.section.key} has lines indented in a way that cannot be moved safely`;
      out.push(...trimBlankEnds(lines));
    } else if (i === pairs.length - 1 && lastLine > own) {
      // The section's trailing comments travel even when its last entry stays behind.
      const from = own + 1;
      const lines = movedLines(w, from, lastLine, ext.inner, shift, col);
      if (lines) out.push(...trimBlankEnds(lines));
    }
    prevEnd = own;
  }
  return out;
}

function trimBlankEnds(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a] === '') a++;
  while (b > a && lines[b - 1] === '') b--;
  return lines.slice(a, b);
}

// ---------------------------------------------------------------------------------------------
// Verification: the edited text, read as data, is the original with exactly the intended changes.

function applyOwn(text: string, edits: TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

function verify(parsed: ParsedConfig, layout: Layout, edits: TextEdit[]): TextEdit[] | string {
  const after = parseConfig(applyOwn(parsed.text, edits));
  if (after.problems.length > 0 || !after.doc || !after.root) return 'the migrated text would not be valid YAML: migrate by hand';
  let want: Map<unknown, unknown>;
  let got: unknown;
  try {
    want = toJs(parsed.doc!, parsed.root) as Map<unknown, unknown>;
    got = toJs(after.doc, after.root);
  } catch {
    return 'the config cannot be read as data to check the migration';
  }
  const legacy = (k: SectionKey) => {
    const v = want.get(k);
    return v instanceof Map ? v : new Map();
  };
  const headJs = legacy('head_node');
  const workerJs = legacy('worker_nodes');
  for (const k of ['head_node', 'worker_nodes', 'min_workers']) want.delete(k);
  if (!layout.targets) {
    const types = new Map<unknown, unknown>();
    const order = [layout.head, layout.worker].filter(isNonEmptySection);
    for (const s of order) {
      if (s.key === 'head_node') types.set(layout.headName, new Map<unknown, unknown>([['resources', new Map()], ['node_config', headJs]]));
      else {
        const t = new Map<unknown, unknown>([['min_workers', layout.minValue]]);
        if (layout.maxValue !== null) t.set('max_workers', layout.maxValue);
        t.set('resources', new Map());
        t.set('node_config', workerJs);
        types.set(WORKER, t);
      }
    }
    want.set('available_node_types', types);
    if (layout.addHeadNodeType) want.set('head_node_type', layout.headName);
  } else {
    const types = want.get('available_node_types') as Map<unknown, unknown>;
    for (const t of layout.targets) {
      const type = types.get(t.type.name);
      if (!(type instanceof Map)) return 'the node types could not be checked after the migration';
      let nc = type.get('node_config');
      if (!(nc instanceof Map)) {
        nc = new Map();
        type.set('node_config', nc);
      }
      const from = t.section.key === 'head_node' ? headJs : workerJs;
      for (const p of t.missing) {
        const key = scalarString(p.key as Node);
        (nc as Map<unknown, unknown>).set(key, from.get(key));
      }
    }
  }
  if (!deepEqual(want, got)) return 'the migration could not be checked to keep every setting: migrate by hand';
  return edits;
}

function toJs(doc: Document, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) {
    return (node as Node).toJS(doc, { mapAsMap: true, maxAliasCount: 1000 });
  }
  return null;
}

/** Structural equality of YAML data: mappings compare without regard to key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.every((v, i) => v === y[i]);
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k)
    && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// ---------------------------------------------------------------------------------------------

/**
 * RG103 `remove-legacy-key`: a Ray 1.x top-level key current Ray rejects (`initial_workers`,
 * `autoscaling_mode`, `target_utilization_fraction`, `worker_default_node_type`) is removed, entry
 * and all. Also a top-level `min_workers` in a config without legacy sections: Ray 2 drops it
 * before validating, so removing it changes nothing (with legacy sections, the migration moves
 * its value into the worker node type instead).
 */
export function planRemoveLegacyKey(a: Analysis, f: RawFinding): TextEdit[] | string {
  const model = a.ctx.model;
  if (!model || !a.parsed.doc) return 'the config is not readable YAML';
  const top = entries(model.doc, model.root);
  const e = top.find((x) => !x.merged && nodeRange(x.pair.key)?.[0] === f.start)
    ?? top.find((x) => x.key === f.yamlPath);
  if (!e) return 'the key is not written at the top level';
  if (!REMOVABLE_LEGACY_KEYS.has(e.key)) return 'not a Ray 1.x key this correction removes';
  if (e.merged) return 'the key reaches the top level through a merge key (<<): remove it where it is written';
  if (e.key === 'min_workers' && LEGACY_SECTIONS.some((k) => {
    const s = top.find((x) => x.key === k);
    return s && !isEmpty(s.value);
  })) {
    return 'min_workers belongs to the legacy head_node / worker_nodes layout: the legacy migration (migrate-legacy-format) moves its value into the worker node type';
  }
  const value = e.pair.value as Node | null;
  if ((value as { anchor?: string } | null)?.anchor || (value && subtreeProblem(value) === 'defines an anchor')) {
    return 'the value carries an anchor that other parts of the config may use';
  }
  const edit = removePair(a.parsed.lines, model.root, e.pair);
  return edit ? [edit] : 'the key is written in a layout that cannot be edited safely';
}
