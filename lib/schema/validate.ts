import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import { deref, entries, joinPath, nodeRange, type Range } from '../config/nodes';
import type { RawFinding } from '../rules/types';
import type { JsonSchema } from './ray-cluster';

/**
 * A small JSON-schema validator that walks the `yaml` Document itself, so every problem has the
 * source range of the key or value it is about. It implements the subset of draft-07 that
 * lib/schema/ray-cluster.ts uses (SUPPORTED_KEYWORDS) and agrees with ajv on it (a test checks).
 *
 * - Mappings are read with `entries()`: merge keys (`<<`) count the way PyYAML counts them, and
 *   keys are plain strings (`__proto__` is data; schema lookups use own properties only).
 * - Aliases are followed, but each (node, schema) pair is checked once: an alias bomb costs
 *   no more than the text it is written in. Depth and total work are bounded as well.
 * - Messages name keys and say what is expected and what kind of value was found; they never
 *   quote a value (values can be secrets).
 */

/** Keywords that change the verdict, all implemented here. */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'minimum', 'maximum', 'minLength', 'pattern',
  'properties', 'patternProperties', 'additionalProperties', 'required',
  'items', 'minItems', 'anyOf', 'oneOf',
]);

/** Keywords that only describe (the editor reads them; the verdict does not depend on them). */
export const ANNOTATION_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema', '$comment', 'title', 'description', 'markdownDescription', 'examples', 'default',
  'defaultSnippets', 'deprecationMessage', 'errorMessage', 'enumDescriptions', 'markdownEnumDescriptions', 'doNotSuggest',
]);

export type PathPart = string | number;

export type SchemaProblemReason =
  | 'type' | 'enum' | 'const' | 'minimum' | 'maximum' | 'minLength' | 'pattern'
  | 'required' | 'unknown-key' | 'minItems' | 'no-alternative' | 'several-alternatives' | 'not-allowed';

export interface SchemaProblem {
  /** The finding, ready to report: ranges on the offending key or value, a YAML path, a message. */
  finding: RawFinding;
  reason: SchemaProblemReason;
  /** Keys and list indexes from the root to the value the problem is about (for unknown and missing keys: that key). */
  at: readonly PathPart[];
  /** The key an unknown-key or required problem is about. */
  key?: string;
  /** For an unknown key: the likely intended key or section, in words (`did you mean ...`). */
  hint?: string;
}

export interface SchemaCheckOptions {
  /** Rule id of the findings (default RG103). */
  ruleId?: string;
  /** YAML path of the node passed in (default: it is the root). */
  basePath?: string;
  /**
   * Leaves the value at this path unchecked, and an unknown key at this path unreported (another
   * rule reports it). Consulted before a value is entered.
   */
  skip?: (at: readonly PathPart[]) => boolean;
}

/** Deeper values are not checked (the schema is far shallower than this). */
const MAX_DEPTH = 64;
/** (node, schema) checks per validation; beyond this the rest is left unchecked. */
const MAX_CHECKS = 200_000;

type Kind = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array' | 'other';

const KIND_WORDS: Record<Kind, string> = {
  null: 'empty (null)',
  boolean: 'true/false',
  integer: 'a whole number',
  number: 'a number with a fractional part',
  string: 'text',
  object: 'a mapping',
  array: 'a list',
  other: 'a value of another kind (a date or binary data)',
};

const TYPE_WORDS: Record<string, string> = {
  null: 'empty (null)',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  object: 'a mapping (key: value lines)',
  array: 'a list',
};

interface Here {
  node: Node | null;
  at: PathPart[];
  /**
   * Where the key that holds this value is (missing keys and empty values are reported there),
   * worked out only when a problem is reported: the range of `holder`, else the value range of
   * `holderParent`.
   */
  holder: unknown;
  holderParent: Here | null;
  depth: number;
  /**
   * Reached through an alias or a merge key: the node may be reached again by another path, so
   * its results are remembered. A node reached only by its own place in the text is checked once
   * per schema anyway and is not (remembering every node cost a quarter of the check).
   */
  shared: boolean;
}

function holderRange(here: Here): Range | null {
  return nodeRange(here.holder) ?? (here.holderParent ? valueRange(here.holderParent) : null);
}

const hasOwn = (o: unknown, k: string): boolean => !!o && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);
const asSchema = (s: unknown): JsonSchema | boolean => (typeof s === 'boolean' ? s : s && typeof s === 'object' ? (s as JsonSchema) : true);

function kindOf(node: Node | null): Kind {
  if (node === null || node === undefined) return 'null';
  if (isMap(node)) return 'object';
  if (isSeq(node)) return 'array';
  if (!isScalar(node)) return 'other';
  const v = node.value;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function typeMatches(type: string, kind: Kind): boolean {
  return type === kind || (type === 'number' && kind === 'integer');
}

/** A scalar's value for enum / const comparison; collections never equal a primitive. */
function primitive(node: Node | null): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) return node.value ?? null;
  return Symbol('collection');
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return typeof a !== 'symbol' && typeof b !== 'symbol' && String(a) === String(b);
  return a === b;
}

const patternCache = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    patternCache.set(pattern, re);
  }
  return re;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A key as a message shows it: one line, not too long. */
export function shownKey(key: string): string {
  const one = key.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/** `max_workers`, `setup_commands[2]`, `the top level`: how a message names the place. */
function nameOf(at: readonly PathPart[]): string {
  if (at.length === 0) return 'the top level';
  let i = at.length - 1;
  while (i > 0 && typeof at[i] === 'number') i--;
  let s = typeof at[i] === 'number' ? `[${at[i]}]` : shownKey(String(at[i]));
  for (let j = i + 1; j < at.length; j++) s += `[${at[j]}]`;
  return `\`${s}\``;
}

function expectedWords(schema: JsonSchema): string {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  const words = types.map((t) => {
    let w = TYPE_WORDS[t] ?? t;
    if ((t === 'integer' || t === 'number') && typeof schema.minimum === 'number') {
      w += typeof schema.maximum === 'number' ? ` from ${schema.minimum} to ${schema.maximum}` : ` ≥ ${schema.minimum}`;
    }
    if (t === 'array' && schema.items && typeof schema.items === 'object') {
      const it = (schema.items as JsonSchema).type;
      if (it === 'string') w = 'a list of text items';
      else if (it === 'object') w = 'a list of mappings';
    }
    if (t === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
      const vt = (schema.additionalProperties as JsonSchema).type;
      if (vt === 'string') w = 'a mapping of text values';
      else if (vt === 'integer') w = 'a mapping of whole numbers';
    }
    return w;
  });
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length];
}

const squash = (k: string) => k.toLowerCase().replace(/[-_\s]/g, '');

/** The key of `schema.properties` the writer probably meant, or the sibling section the key belongs in. */
function unknownKeyHint(key: string, schema: JsonSchema): string | undefined {
  const props = (schema.properties && typeof schema.properties === 'object' ? schema.properties : {}) as Record<string, unknown>;
  const names = Object.keys(props).filter((n) => !hasOwn(props[n], 'deprecationMessage'));
  const same = names.find((n) => squash(n) === squash(key));
  if (same) return `did you mean \`${same}\`? (keys are case-sensitive)`;
  if (key.length >= 4) {
    const limit = key.length >= 8 ? 2 : 1;
    const close = names
      .map((n) => ({ n, d: editDistance(key.toLowerCase(), n.toLowerCase(), limit) }))
      .filter((x) => x.d <= limit)
      .sort((x, y) => x.d - y.d)[0];
    if (close) return `did you mean \`${close.n}\`?`;
  }
  for (const n of names) {
    const sub = props[n];
    if (sub && typeof sub === 'object' && hasOwn((sub as JsonSchema).properties, key)) return `\`${shownKey(key)}\` belongs under \`${n}\``;
  }
  return undefined;
}

function allowedKeys(schema: JsonSchema): string | undefined {
  if (schema.patternProperties) return undefined;
  const props = (schema.properties ?? {}) as Record<string, unknown>;
  const names = Object.keys(props).filter((n) => !hasOwn(props[n], 'deprecationMessage'));
  if (names.length === 0) return 'it takes no keys';
  if (names.length > 12) return undefined;
  return `it takes ${names.map((n) => `\`${n}\``).join(', ')}`;
}

/**
 * The problems under one (node, schema) check, as a tree: a result reached through several aliases
 * is shared, not copied, so the work stays proportional to the text, not to its expansion.
 */
interface Result {
  own: SchemaProblem[];
  kids: Result[];
  /** True when this result or one below it has a problem. */
  bad: boolean;
}
const OK: Result = { own: [], kids: [], bad: false };
function result(own: SchemaProblem[], kids: Result[] = []): Result {
  return own.length === 0 && kids.length === 0 ? OK : { own, kids, bad: true };
}

/** Keeps a kid's result only when it has a problem (most have none: nothing is stored for them). */
function addBad(kids: Result[], r: Result): void {
  if (r.bad) kids.push(r);
}

function flatten(root: Result): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<Result>();
  const stack: Result[] = [root];
  while (stack.length) {
    const r = stack.pop()!;
    if (seen.has(r) || !r.bad) continue;
    seen.add(r);
    out.push(...r.own);
    for (let i = r.kids.length - 1; i >= 0; i--) stack.push(r.kids[i]);
  }
  return out;
}

/** What was found for one (node, schema) pair; a node's pairs form a short list (usually one). */
interface Memo {
  schema: unknown;
  result: Result;
  next: Memo | null;
}

/**
 * One validation. A class rather than closures: the checks run once per key of every config, and
 * methods cost nothing to set up per call.
 */
class SchemaCheck {
  private readonly memo = new Map<Node, Memo>();
  private checks = 0;

  constructor(
    private readonly doc: Document,
    private readonly ruleId: string,
    private readonly basePath: string,
    private readonly skip: ((at: readonly PathPart[]) => boolean) | undefined,
  ) {}

  /** A problem; the YAML path of the place is built only here (most places have none). */
  private problem(here: Here, reason: SchemaProblemReason, range: Range | null, message: string, extra?: Partial<SchemaProblem>, at: readonly PathPart[] = here.at): SchemaProblem {
    const r = range ?? holderRange(here) ?? [0, 0];
    let path = this.basePath;
    for (const part of at) path = joinPath(path, part);
    return { finding: { ruleId: this.ruleId, start: r[0], end: r[1], yamlPath: path, message }, reason, at, ...extra };
  }

  check(schema0: unknown, here: Here): Result {
    const schema = asSchema(schema0);
    if (schema === true) return OK;
    if (schema === false) return result([this.problem(here, 'not-allowed', valueRange(here), `${nameOf(here.at)} is not allowed here`)]);
    if (here.depth > MAX_DEPTH) return OK;
    const node = here.shared ? here.node : null;
    const first = node ? this.memo.get(node) : undefined;
    for (let m: Memo | null | undefined = first; m; m = m.next) if (m.schema === schema) return m.result;
    if (++this.checks > MAX_CHECKS) return OK;
    const out = this.checkFresh(schema, here);
    if (node) this.memo.set(node, { schema, result: out, next: first ?? null });
    return out;
  }

  private checkFresh(schema: JsonSchema, here: Here): Result {
    const c = compiledSchema(schema);
    const node = here.node;
    const kind = kindOf(node);
    const own: SchemaProblem[] = [];
    const kids: Result[] = [];

    if (c.types !== null && !c.types.some((t) => typeMatches(t, kind))) {
      // The other keywords would only repeat this.
      return result([this.problem(here, 'type', valueRange(here), `${nameOf(here.at)} must be ${expectedWords(schema)}, but it is ${KIND_WORDS[kind]}`)]);
    }
    if (c.enumValues !== null) {
      const v = primitive(node);
      const values = c.enumValues;
      if (!values.some((e) => sameValue(e, v))) {
        const shown = values.slice(0, 10).map((e) => `\`${String(e)}\``).join(', ');
        own.push(this.problem(here, 'enum', valueRange(here), `${nameOf(here.at)} must be one of ${shown}${values.length > 10 ? ', ...' : ''} (exact spelling and case)`));
      }
    }
    if (c.hasConst && !sameValue(c.constValue, primitive(node))) {
      own.push(this.problem(here, 'const', valueRange(here), `${nameOf(here.at)} must be \`${String(c.constValue)}\``));
    }
    if (kind === 'integer' || kind === 'number') {
      const v = Number((node as { value: unknown }).value);
      if (c.minimum !== null && v < c.minimum) {
        own.push(this.problem(here, 'minimum', valueRange(here), c.minimum === 0 ? `${nameOf(here.at)} must not be negative` : `${nameOf(here.at)} must be at least ${c.minimum}; it is lower`));
      }
      if (c.maximum !== null && v > c.maximum) {
        own.push(this.problem(here, 'maximum', valueRange(here), `${nameOf(here.at)} must be at most ${c.maximum}; it is higher`));
      }
    } else if (kind === 'string') {
      const s = String((node as { value: unknown }).value);
      if (c.minLength !== null && s.length < 2 * c.minLength && codePoints(s) < c.minLength) {
        own.push(this.problem(here, 'minLength', valueRange(here), c.minLength === 1 ? `${nameOf(here.at)} must not be empty` : `${nameOf(here.at)} must be at least ${c.minLength} characters long`));
      }
      if (c.pattern !== null && !c.pattern.test(s)) own.push(this.problem(here, 'pattern', valueRange(here), `${nameOf(here.at)} does not have the expected form`));
    } else if (kind === 'array' && isSeq(node)) {
      if (c.minItems !== null && node.items.length < c.minItems) {
        own.push(this.problem(here, 'minItems', valueRange(here), `${nameOf(here.at)} needs at least ${c.minItems} item${c.minItems === 1 ? '' : 's'}`));
      }
      if (c.hasItems) {
        const items = node.items;
        for (let i = 0; i < items.length; i++) {
          const at = extend(here.at, i);
          if (this.skip?.(at)) continue;
          const item = items[i];
          const child = deref(this.doc, item);
          addBad(kids, this.check(c.items, { node: child, at, holder: item, holderParent: here, depth: here.depth + 1, shared: here.shared || isAlias(item) }));
        }
      }
    } else if (kind === 'object' && isMap(node)) this.checkMapping(schema, c, here, node, own, kids);
    if (c.anyOf !== null) addBad(kids, this.checkAlternatives(schema, 'anyOf', c.anyOf, here));
    if (c.oneOf !== null) addBad(kids, this.checkAlternatives(schema, 'oneOf', c.oneOf, here));
    return result(own, kids);
  }

  private checkMapping(schema: JsonSchema, c: Compiled, here: Here, map: YAMLMap, own: SchemaProblem[], kids: Result[]): void {
    const props = c.properties;
    const patterns = c.patterns;
    const ents = entries(this.doc, map);
    if (c.required !== null) {
      for (const key of c.required) {
        if (ents.some((e) => e.key === key)) continue;
        const at = extend(here.at, key);
        if (this.skip?.(at)) continue;
        const owner = here.at.length === 0 ? 'The top level' : nameOf(here.at);
        own.push(this.problem(here, 'required', holderRange(here) ?? nodeRange(map), `${owner} is missing the required key \`${key}\``, { key }, at));
      }
    }
    const extra = c.additional;
    for (const e of ents) {
      const at = extend(here.at, e.key);
      if (this.skip?.(at)) continue;
      const child: Here = { node: e.value, at, holder: e.pair.key, holderParent: null, depth: here.depth + 1, shared: here.shared || e.merged || isAlias(e.pair.value) };
      let matched = false;
      const sub = props === null ? undefined : props.get(e.key);
      if (sub !== undefined) {
        matched = true;
        addBad(kids, this.check(sub, child));
      }
      for (const [re, pSub] of patterns) {
        if (re && re.test(e.key)) {
          matched = true;
          addBad(kids, this.check(pSub, child));
        }
      }
      if (matched || extra === undefined || extra === true) continue;
      if (extra === false) {
        const hint = unknownKeyHint(e.key, schema);
        const tail = hint ?? allowedKeys(schema);
        const owner = here.at.length === 0 ? 'The top level' : nameOf(here.at);
        own.push(this.problem(child, 'unknown-key', nodeRange(e.pair.key), `${owner} does not take the key \`${shownKey(e.key)}\`${tail ? `: ${tail}` : ''}`, { key: e.key, ...(hint ? { hint } : {}) }));
      } else {
        addBad(kids, this.check(extra, child));
      }
    }
  }

  private checkAlternatives(schema: JsonSchema, keyword: 'anyOf' | 'oneOf', branches: unknown[], here: Here): Result {
    const results = branches.map((b) => this.check(b, here));
    let passing = 0;
    for (const r of results) if (!r.bad) passing++;
    if (keyword === 'anyOf' ? passing > 0 : passing === 1) return OK;
    const name = nameOf(here.at);
    const last = here.at[here.at.length - 1];
    // A schema's own errorMessage (which the editor shows as it is), prefixed with the place unless it names it.
    const custom = typeof schema.errorMessage === 'string'
      ? (typeof last === 'string' && schema.errorMessage.startsWith(`${last} `) ? schema.errorMessage : `${name}: ${schema.errorMessage}`)
      : null;
    if (passing > 1) {
      return result([this.problem(here, 'several-alternatives', valueRange(here), custom ?? `${name} matches more than one of its allowed forms; it must match exactly one`)]);
    }
    if (custom) return result([this.problem(here, 'no-alternative', valueRange(here), custom)]);
    // Report the branch that came closest: one whose complaint is not about this value's type.
    const typeOfThis = (r: Result) => r.own.some((p) => p.reason === 'type' && p.at.length === here.at.length);
    const near = results.filter((r) => !typeOfThis(r)).sort((a, b) => a.own.length + a.kids.length - (b.own.length + b.kids.length))[0];
    if (near) return near;
    const expected = branches
      .map((b) => (b && typeof b === 'object' && (b as JsonSchema).type !== undefined ? expectedWords(b as JsonSchema) : null))
      .filter((w): w is string => !!w);
    return result([this.problem(here, 'no-alternative', valueRange(here),
      expected.length ? `${name} must be ${expected.join(' or ')}, but it is ${KIND_WORDS[kindOf(here.node)]}` : `${name} does not match any of its allowed forms`)]);
  }
}

/**
 * What the checks read of one schema, in one fixed shape: schema objects all have different
 * shapes, which makes every keyword read a slow lookup when it is done for each key of each config.
 */
interface Compiled {
  types: readonly string[] | null;
  enumValues: readonly unknown[] | null;
  hasConst: boolean;
  constValue: unknown;
  minimum: number | null;
  maximum: number | null;
  minLength: number | null;
  /** The compiled `pattern`; null when there is none or it does not compile (then it is not checked). */
  pattern: RegExp | null;
  minItems: number | null;
  /** `items` when it is one schema for every item (a tuple form is not checked). */
  hasItems: boolean;
  items: unknown;
  /** `properties`, own keys only (`__proto__` in a config is just a key). */
  properties: ReadonlyMap<string, unknown> | null;
  patterns: Patterns;
  additional: unknown;
  required: readonly string[] | null;
  anyOf: unknown[] | null;
  oneOf: unknown[] | null;
}

const compiledSchemas = new WeakMap<JsonSchema, Compiled>();

function compiledSchema(schema: JsonSchema): Compiled {
  let c = compiledSchemas.get(schema);
  if (c) return c;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const props = schema.properties && typeof schema.properties === 'object' ? (schema.properties as Record<string, unknown>) : null;
  c = {
    types: schema.type === undefined ? null : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string],
    enumValues: Array.isArray(schema.enum) ? schema.enum : null,
    hasConst: hasOwn(schema, 'const'),
    constValue: schema.const,
    minimum: num(schema.minimum),
    maximum: num(schema.maximum),
    minLength: num(schema.minLength),
    pattern: typeof schema.pattern === 'string' ? compiled(schema.pattern) : null,
    minItems: num(schema.minItems),
    hasItems: schema.items !== undefined && !Array.isArray(schema.items),
    items: schema.items,
    properties: props ? new Map(Object.keys(props).map((k) => [k, props[k]] as const)) : null,
    patterns: schema.patternProperties && typeof schema.patternProperties === 'object' ? Object.entries(schema.patternProperties as Record<string, unknown>).map(([p, sub]) => [compiled(p), sub] as const) : NO_PATTERNS,
    additional: schema.additionalProperties,
    required: Array.isArray(schema.required) ? (schema.required as string[]) : null,
    anyOf: Array.isArray(schema.anyOf) ? schema.anyOf : null,
    oneOf: Array.isArray(schema.oneOf) ? schema.oneOf : null,
  };
  compiledSchemas.set(schema, c);
  return c;
}

/** `at` and one more part (a plain loop: Array#concat is slow on the hot path). */
function extend(at: readonly PathPart[], part: PathPart): PathPart[] {
  const n = at.length;
  const out = new Array<PathPart>(n + 1);
  for (let i = 0; i < n; i++) out[i] = at[i];
  out[n] = part;
  return out;
}

/** Where a problem about the value itself goes: the value, or its key when the value is empty or absent. */
function valueRange(here: Here): Range | null {
  const r = nodeRange(here.node);
  if (r && r[1] > r[0]) return r;
  return holderRange(here) ?? r;
}

type Patterns = ReadonlyArray<readonly [RegExp | null, unknown]>;
const NO_PATTERNS: Patterns = [];

/**
 * Checks `node` (the root mapping, or any node) against `schema` and returns the problems, one per
 * offending key or value (the analysis sorts findings by position).
 */
export function checkAgainstSchema(doc: Document, node: Node | null, schema: JsonSchema, opts: SchemaCheckOptions = {}): SchemaProblem[] {
  if (opts.skip?.([])) return [];
  const run = new SchemaCheck(doc, opts.ruleId ?? 'RG103', opts.basePath ?? '', opts.skip);
  return flatten(run.check(schema, { node, at: [], holder: null, holderParent: null, depth: 0, shared: false }));
}

/** The findings of `checkAgainstSchema`, for a caller that needs nothing else. */
export function schemaFindings(doc: Document, node: Node | null, schema: JsonSchema, opts: SchemaCheckOptions = {}): RawFinding[] {
  return checkAgainstSchema(doc, node, schema, opts).map((p) => p.finding);
}
