import { isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { asMap, entries, get, joinPath, nodeRange, scalarString, type Entry, type Range } from '../config/nodes';
import type { ConfigModel } from '../config/walk';
import type { LineIndex } from '../config/position';
import { removePair, removeSeqItem, type TextEdit } from './edits';

/** Paths that hold credentials: `~/.aws` or anything in it (credentials, config, SSO and CLI caches), s3fs/boto credential files. */
const CREDENTIAL_PATH = /(?:^|[\s:=,/~])\.aws(?:\/[^\s:,'"]*)?(?=$|[\s:,'"])|(?:^|[\s:=,/~])\.(?:passwd-s3fs|boto|s3cfg)(?=$|[\s:,'"])|\/?root\/\.aws(?=$|[\s:,/'"])/;
/** A docker volume or bind mount option carrying such a path. */
const MOUNT_OPTION = /^(?:-v|--volume|--mount)(?:[=\s]|$)/;

export interface CredentialsMount {
  /** Where the finding points (the entry's key or the option). */
  range: Range;
  yamlPath: string;
  what: string;
  /** A whole mapping entry to remove (file_mounts): the engine groups them, so an emptied mapping becomes `{}`. */
  pair?: { map: YAMLMap; pair: Pair };
  /** Whole list items to remove: grouped by the engine, so an emptied list becomes `[]`. */
  items?: Array<{ seq: YAMLSeq; index: number }>;
  /** The removal, or null when the layout cannot be edited safely. */
  edit: (lines: LineIndex) => TextEdit[] | null;
}

export function isCredentialPath(s: string): boolean {
  return CREDENTIAL_PATH.test(s);
}

/**
 * Every place that copies local AWS credentials to the nodes: a `file_mounts` entry whose local or
 * remote path is `~/.aws` or a credentials file, a `cluster_synced_files` item, and docker
 * `-v`/`--volume`/`--mount` options mounting one into the container.
 */
export function credentialMounts(model: ConfigModel): CredentialsMount[] {
  const { doc, root } = model;
  const out: CredentialsMount[] = [];
  const fm = get(doc, root, 'file_mounts');
  const fmMap = asMap(fm?.value);
  if (fm && fmMap && !fm.merged) {
    for (const e of entries(doc, fmMap)) {
      const local = scalarString(e.value) ?? '';
      if (!isCredentialPath(e.key) && !isCredentialPath(local)) continue;
      const r = nodeRange(e.pair.key) ?? [0, 0];
      out.push({
        range: r, yamlPath: joinPath('file_mounts', e.key), what: 'file_mounts syncs AWS credentials to every node',
        ...(e.merged ? {} : { pair: { map: fmMap, pair: e.pair } }),
        edit: (lines) => (e.merged ? null : single(removePair(lines, fmMap, e.pair))),
      });
    }
  }
  const synced = get(doc, root, 'cluster_synced_files');
  if (synced && isSeq(synced.value) && !synced.merged) {
    const seq = synced.value;
    seq.items.forEach((item, i) => {
      const s = scalarString(item as Node);
      if (!s || !isCredentialPath(s)) return;
      out.push({
        range: nodeRange(item) ?? [0, 0], yamlPath: joinPath('cluster_synced_files', i), what: 'cluster_synced_files copies AWS credentials to every node',
        items: [{ seq, index: i }],
        edit: (lines) => single(removeSeqItem(lines, seq, i)),
      });
    });
  }
  const dockerOptionLists: Array<[YAMLMap | null, string]> = [[asMap(get(doc, root, 'docker')?.value), 'docker']];
  for (const nt of model.nodeTypes) {
    if (nt.node) dockerOptionLists.push([asMap(get(doc, nt.node, 'docker')?.value), joinPath(nt.path, 'docker')]);
  }
  for (const [docker, base] of dockerOptionLists) {
    if (!docker) continue;
    for (const key of ['run_options', 'head_run_options', 'worker_run_options']) {
      const e = get(doc, docker, key);
      if (!e || e.merged || !isSeq(e.value)) continue;
      out.push(...dockerMounts(e, e.value, joinPath(base, key)));
    }
  }
  return out;
}

function single(e: TextEdit | null): TextEdit[] | null {
  return e ? [e] : null;
}

function dockerMounts(_e: Entry, seq: YAMLSeq, base: string): CredentialsMount[] {
  const out: CredentialsMount[] = [];
  const items = seq.items as Node[];
  items.forEach((item, i) => {
    const s = isScalar(item) && typeof item.value === 'string' ? item.value.trim() : null;
    if (s === null) return;
    const words = s.split(/\s+/);
    // `- -v` then `- ~/.aws:/root/.aws`: one option over two items
    if (/^(?:-v|--volume|--mount)$/.test(s)) {
      const next = items[i + 1];
      const nv = isScalar(next) && typeof next.value === 'string' ? next.value : '';
      if (!isCredentialPath(nv)) return;
      out.push({
        range: nodeRange(item) ?? [0, 0], yamlPath: joinPath(base, i), what: 'a docker mount puts AWS credentials into the container',
        items: [{ seq, index: i }, { seq, index: i + 1 }],
        edit: (lines) => both(removeSeqItem(lines, seq, i), removeSeqItem(lines, seq, i + 1)),
      });
      return;
    }
    const hit = words.findIndex((w, k) => (MOUNT_OPTION.test(w) && isCredentialPath(w.replace(MOUNT_OPTION, ''))) || (k > 0 && /^(?:-v|--volume|--mount)$/.test(words[k - 1]) && isCredentialPath(w)));
    if (hit < 0) return;
    // The item is the mount alone: remove it. Mixed with other options: cut the option out.
    const alone = words.length === 1 || (words.length === 2 && /^(?:-v|--volume|--mount)$/.test(words[0]));
    out.push({
      range: nodeRange(item) ?? [0, 0], yamlPath: joinPath(base, i), what: 'a docker mount puts AWS credentials into the container',
      ...(alone ? { items: [{ seq, index: i }] } : {}),
      edit: (lines) => (alone ? single(removeSeqItem(lines, seq, i)) : cutOptions(lines.text, item)),
    });
  });
  return out;
}

/** Cuts `-v PATH` / `--volume=PATH` / `--mount SPEC` options that carry credential paths out of a one-line item. */
function cutOptions(text: string, item: Node): TextEdit[] | null {
  const r = nodeRange(item);
  if (!r || !isScalar(item)) return null;
  const raw = text.slice(r[0], r[1]);
  if (raw.includes('\n') || (item.type !== 'PLAIN' && item.type !== 'QUOTE_SINGLE' && item.type !== 'QUOTE_DOUBLE')) return null;
  if (item.type === 'QUOTE_DOUBLE' && raw.includes('\\')) return null;
  const edits: TextEdit[] = [];
  for (const m of raw.matchAll(/([ \t]+)(?:-v|--volume|--mount)(?:[ \t]+|=)([^\s'"]+)/g)) {
    if (isCredentialPath(m[2])) edits.push({ start: r[0] + m.index, end: r[0] + m.index + m[0].length, text: '' });
  }
  // An option first in the item: take the space after it instead.
  const first = /^(['"]?)((?:-v|--volume|--mount)(?:[ \t]+|=)([^\s'"]+)[ \t]+)/.exec(raw);
  if (first && isCredentialPath(first[3])) edits.push({ start: r[0] + first[1].length, end: r[0] + first[1].length + first[2].length, text: '' });
  return edits.length ? edits : null;
}

function both(a: TextEdit | null, b: TextEdit | null): TextEdit[] | null {
  return a && b ? [a, b] : null;
}
