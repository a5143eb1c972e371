import { isMap, isPair, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLSeq } from 'yaml';
import { joinPath, keyText, nodeRange } from './nodes';
import { lastAtOrBefore } from '../sorted';

/** Start offset of a collection item (pair key or node). */
function itemStart(item: unknown): number {
  if (isPair(item)) return nodeRange(item.key)?.[0] ?? nodeRange(item.value)?.[0] ?? -1;
  return nodeRange(item)?.[0] ?? -1;
}

/** Last item whose start is at or before `offset` (items are in source order): binary search. */
function itemAt(items: readonly unknown[], offset: number): number {
  return lastAtOrBefore(items.length, (i) => {
    const s = itemStart(items[i]);
    return s === -1 ? Infinity : s;
  }, offset);
}

export interface Location {
  /** YAML path of the deepest node holding the offset. */
  path: string;
  /** The innermost sequence item holding the offset, when that item is a scalar. */
  seqItem: { seq: YAMLSeq; index: number } | null;
  /** True when the offset is inside a scalar's own text (not a comment or the space around it). */
  inScalar: boolean;
  /** That scalar, when `inScalar`. */
  scalar: Scalar | null;
}

/**
 * Where `offset` falls in the document: the YAML path (`setup_commands[2]`,
 * `provider.aws_credentials.aws_access_key_id`) of the deepest node that holds it. Iterative and
 * logarithmic per level (binary search over items): safe on deep or huge files.
 */
export function locate(doc: Document | null, offset: number): Location {
  let node: unknown = doc?.contents ?? null;
  let path = '';
  let seqItem: Location['seqItem'] = null;
  if (isScalar(node)) {
    const r = nodeRange(node);
    const inScalar = !!r && r[0] <= offset && offset < r[1];
    return { path, seqItem, inScalar, scalar: inScalar ? node : null };
  }
  for (let guard = 0; guard < 10_000 && node; guard++) {
    if (isMap(node)) {
      const i = itemAt(node.items, offset);
      if (i < 0) break;
      const pair = node.items[i];
      const key = keyText(pair) ?? '?';
      const kr = nodeRange(pair.key);
      if (kr && offset < kr[1]) {
        path = joinPath(path, key);
        break;
      }
      const vr = nodeRange(pair.value);
      if (!vr || offset >= vr[1]) {
        if (kr && vr && offset < vr[0]) path = joinPath(path, key);
        break;
      }
      path = joinPath(path, key);
      node = pair.value as Node;
    } else if (isSeq(node)) {
      const i = itemAt(node.items, offset);
      if (i < 0) break;
      const r = nodeRange(node.items[i]);
      if (!r || offset >= r[1]) break;
      path = joinPath(path, i);
      if (isScalar(node.items[i])) seqItem = { seq: node, index: i };
      node = node.items[i];
    } else break;
  }
  const r = isScalar(node) ? nodeRange(node) : null;
  const inScalar = !!r && r[0] <= offset && offset < r[1];
  return { path, seqItem, inScalar, scalar: inScalar ? (node as Scalar) : null };
}

export function pathAt(doc: Document | null, offset: number): string {
  return locate(doc, offset).path;
}
