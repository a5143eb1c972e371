import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Alias, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

/** Half-open UTF-16 offset range into the source text. */
export type Range = [start: number, end: number];

/**
 * How deep merge keys (`<<`) are followed; deeper chains are ignored, never followed forever. Each
 * mapping is read once per lookup, so a deep chain costs what its text costs; PyYAML follows
 * chains as deep as its recursion allows.
 */
const MAX_MERGE_DEPTH = 128;

export function nodeRange(node: unknown): Range | null {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? [r[0], r[1]] : null;
}

/** The text of a key, or null for a non-scalar key. Keys are data, compared as strings. */
export function keyText(pair: Pair): string | null {
  const k = pair.key;
  if (isScalar(k)) {
    if (typeof k.value === 'symbol') return '<<';
    return k.value === null ? '' : String(k.value);
  }
  if (k === null || k === undefined) return '';
  return typeof k === 'string' ? k : null;
}

export function isMergePair(pair: Pair): boolean {
  const k = pair.key;
  return isScalar(k) && (typeof k.value === 'symbol' || (k.value === '<<' && k.type === 'PLAIN'));
}

/** Per document, what each alias names: the last node with that anchor before it (null: none). */
const aliasCache = new WeakMap<Document, Map<Alias, Node | null>>();

function aliasTargets(doc: Document): Map<Alias, Node | null> {
  let targets = aliasCache.get(doc);
  if (targets) return targets;
  targets = new Map();
  const anchors = new Map<string, Node>();
  const found = targets;
  try {
    // One walk in document order, as the package's Alias.resolve does once per alias.
    visit(doc, {
      Node(_k, node) {
        if (isAlias(node)) found.set(node, anchors.get(node.source) ?? null);
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  } catch {
    /* too deep to walk: aliases stay unresolved */
  }
  aliasCache.set(doc, targets);
  return targets;
}

/** Follows an alias to the node it names; other nodes are returned as they are. */
export function deref(doc: Document, node: unknown): Node | null {
  if (isAlias(node)) return aliasTargets(doc).get(node) ?? null;
  return (node as Node | null) ?? null;
}

export interface Entry {
  key: string;
  pair: Pair;
  /** The value, with an alias resolved. */
  value: Node | null;
  /** True when the entry reached this mapping through a merge key. */
  merged: boolean;
}

/**
 * The entries of a mapping the way PyYAML sees them: explicit keys first, then keys brought in
 * by `<<` merges (earlier sources win), each key once. Keys stay plain strings in a Map, so
 * `__proto__` and friends are ordinary data.
 */
/** Entries per mapping: the walk and several rules ask for the same ones. Documents are never mutated. */
const ENTRIES = Symbol('rayguard.entries');
type WithEntries = YAMLMap & { [ENTRIES]?: { items: unknown[]; count: number; entries: Entry[] } };

export function entries(doc: Document, map: YAMLMap): Entry[] {
  // Kept on the mapping itself: a WeakMap lookup per call cost more than the rest of this. The
  // items it was read from come with it, so a clone (which copies own properties) or a mapping
  // that has grown is read again.
  const m = map as WithEntries;
  const hit = m[ENTRIES];
  if (hit && hit.items === map.items && hit.count === map.items.length) return hit.entries;
  const fresh = plainEntries(doc, map) ?? collectEntries(doc, map, 0, new Set());
  Object.defineProperty(m, ENTRIES, { value: { items: map.items, count: map.items.length, entries: fresh }, enumerable: false, writable: true, configurable: true });
  return fresh;
}

/** The common case, without the bookkeeping merges need: no `<<`, each key once. Null otherwise. */
function plainEntries(doc: Document, map: YAMLMap): Entry[] | null {
  const items = map.items;
  if (items.length > 32) return null;
  const out: Entry[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isPair(item)) continue;
    if (isMergePair(item)) return null;
    const key = keyText(item);
    if (key === null) continue;
    for (let j = 0; j < out.length; j++) if (out[j].key === key) return null;
    out.push({ key, pair: item, value: deref(doc, item.value), merged: false });
  }
  return out;
}

function collectEntries(doc: Document, map: YAMLMap, depth: number, seen: Set<unknown>): Entry[] {
  const out = new Map<string, Entry>();
  const merges: Node[] = [];
  if (seen.has(map)) return [];
  seen.add(map);
  for (const item of map.items) {
    if (!isPair(item)) continue;
    if (isMergePair(item)) {
      const v = item.value;
      if (isSeq(v)) for (const s of v.items) merges.push(s as Node);
      else if (v) merges.push(v as Node);
      continue;
    }
    const key = keyText(item);
    if (key === null || out.has(key)) continue;
    out.set(key, { key, pair: item, value: deref(doc, item.value), merged: false });
  }
  if (depth < MAX_MERGE_DEPTH) {
    for (const m of merges) {
      const src = deref(doc, m);
      if (!isMap(src)) continue;
      for (const e of collectEntries(doc, src, depth + 1, seen)) {
        if (!out.has(e.key)) out.set(e.key, { ...e, merged: true });
      }
    }
  }
  return [...out.values()];
}

export function get(doc: Document, map: YAMLMap | null | undefined, key: string): Entry | undefined {
  if (!map) return undefined;
  return entries(doc, map).find((e) => e.key === key);
}

export function asMap(node: Node | null | undefined): YAMLMap | null {
  return isMap(node) ? node : null;
}

export function scalarString(node: Node | null | undefined): string | null {
  if (!isScalar(node)) return null;
  const v = node.value;
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

/** True for a value that is missing, `null`, `~` or an empty string / collection. */
export function isEmpty(node: Node | null | undefined): boolean {
  if (node === null || node === undefined) return true;
  if (isScalar(node)) return node.value === null || node.value === '';
  if (isMap(node) || isSeq(node)) return node.items.length === 0;
  return false;
}

/** Joins a YAML path: `a.b[2].c`. */
export function joinPath(base: string, part: string | number): string {
  if (typeof part === 'number') return `${base}[${part}]`;
  return base ? `${base}.${part}` : part;
}
