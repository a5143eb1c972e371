import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { parseIamArn } from '../arn/index';
import { asMap, entries, get, nodeRange, scalarString } from '../config/nodes';
import type { LineIndex } from '../config/position';
import type { ConfigModel, InstanceProfileRef, NodeType } from '../config/walk';
import type { TextEdit } from './edits';
import { wholeLines } from './edits';

// ---------------------------------------------------------------------------------------------
// Key casing: `iamInstanceProfile`, `IAMInstanceProfile`, `arn`, `NAME` → the spelling EC2 wants.

/** The edit that respells a mapping key, or null when the key is not a plain one-line scalar. */
export function respellKey(key: unknown, want: string): TextEdit | null {
  if (!isScalar(key) || typeof key.value !== 'string') return null;
  const r = nodeRange(key);
  if (!r) return null;
  if (key.type === 'PLAIN') return { start: r[0], end: r[1], text: want };
  if (key.type === 'QUOTE_DOUBLE' || key.type === 'QUOTE_SINGLE') {
    const q = key.type === 'QUOTE_DOUBLE' ? '"' : "'";
    return { start: r[0], end: r[1], text: `${q}${want}${q}` };
  }
  return null;
}

/** A misspelt profile key at `start`: its edit, when the right spelling is not taken in the same mapping. */
export function keyCasingEdit(model: ConfigModel, container: YAMLMap | null, key: unknown, want: string): TextEdit | null {
  if (!container) return null;
  if (entries(model.doc, container).some((e) => e.key === want)) return null;
  return respellKey(key, want);
}

/** The mapping holding a profile ref's entry. */
export function containerOf(model: ConfigModel, ref: InstanceProfileRef): YAMLMap | null {
  switch (ref.placement) {
    case 'node_config':
      return ref.nodeType?.nodeConfig ?? null;
    case 'node_type':
      return ref.nodeType?.node ?? null;
    case 'provider':
      return model.provider;
    case 'top-level':
      return model.root;
    case 'legacy':
      return ref.nodeType?.node ?? asMap((ref.path.startsWith('head_node') ? model.legacyHead : model.legacyWorkers)?.value);
  }
}

// ---------------------------------------------------------------------------------------------
// Moving a profile written at the node type level into its node_config.

function columnOf(lines: LineIndex, offset: number): number {
  return offset - lines.lineStart(lines.lineOf(offset) + 1);
}

/**
 * `move-instance-profile`: the lines of `IamInstanceProfile` written next to `node_config` move
 * into it, re-indented like node_config's own keys, the key spelt right. Null when the layout
 * cannot be edited safely (flow mappings, anchors, merges, node_config missing or already holding
 * a profile).
 */
export function moveProfileEdits(model: ConfigModel, lines: LineIndex, ref: InstanceProfileRef): TextEdit[] | null {
  const nt = ref.nodeType;
  if (ref.placement !== 'node_type' || !nt || !nt.node || nt.legacy || ref.entry.merged) return null;
  const nc = nt.nodeConfig;
  const ncEntry = nt.nodeConfigEntry;
  if (!nc || !ncEntry || ncEntry.merged || nc.flow || nc.anchor || nt.node.flow || nc.items.length === 0) return null;
  if (entries(model.doc, nc).some((e) => e.key.toLowerCase().replace(/[_-]/g, '') === 'iaminstanceprofile')) return null;
  const pair = ref.entry.pair;
  const kr = nodeRange(pair.key);
  if (!kr || (isMap(pair.value) && (pair.value as YAMLMap).anchor)) return null;
  const text = lines.text;
  const cut = wholeLines(lines, kr[0], nodeRange(pair.value)?.[1] ?? kr[1]);
  const lineStart = lines.lineStart(lines.lineOf(kr[0]) + 1);
  if (text.slice(lineStart, kr[0]).trim() !== '') return null; // `- IamInstanceProfile:` or similar
  const from = columnOf(lines, kr[0]);
  const firstKey = nodeRange((nc.items[0] as { key: unknown }).key);
  if (!firstKey) return null;
  const to = columnOf(lines, firstKey[0]);
  const block = text.slice(cut.start, cut.end);
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const moved = block
    .split(/(?<=\n)/)
    .map((l) => {
      if (l.trim() === '') return l;
      const lead = l.length - l.trimStart().length;
      return ' '.repeat(to) + l.slice(Math.min(lead, from));
    })
    .join('');
  const respelt = ref.keyName === 'IamInstanceProfile' ? moved : moved.replace(ref.keyName, 'IamInstanceProfile');
  // After node_config's last entry.
  const last = nc.items[nc.items.length - 1] as { key: unknown; value: unknown };
  const end = nodeRange(last.value)?.[1] ?? nodeRange(last.key)?.[1];
  if (end === undefined) return null;
  const line = lines.lineOf(Math.max(0, end - 1)) + 1;
  const at = line < lines.lineCount ? lines.lineStart(line + 1) : text.length;
  if (at > cut.start && at < cut.end) return null;
  const lead = at === text.length && !text.endsWith('\n') ? nl : '';
  const insert = lead + (respelt.endsWith('\n') ? respelt : respelt + nl);
  // Right where it was cut (the key follows node_config directly): one replacement, not a cut
  // and an insertion at the same offset (overlapping edits keep only the larger one).
  if (at === cut.start || at === cut.end) return [{ start: cut.start, end: cut.end, text: insert }];
  return [cut, { start: at, end: at, text: insert }];
}

// ---------------------------------------------------------------------------------------------
// Workers that use AWS.

const AWS_USE: Array<[RegExp, string]> = [
  [/\baws\s+(?:s3|s3api|ecr|sts|ssm|secretsmanager|dynamodb|sqs|sns|kinesis|logs|cloudwatch|ec2|athena|glue|batch|lambda|kms)\b/, 'runs the aws CLI'],
  [/\bs3fs\b|\bmount-s3\b|\bgoofys\b/, 'mounts S3'],
  [/\becr\s+get-login|\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/, 'pulls from ECR'],
  [/\bs3a?:\/\//, 'reads S3 paths'],
  [/\bboto3\b|\bawswrangler\b/, 'calls AWS from Python'],
];

/** Commands a worker of this node type runs (Ray's top-level lists and the node type's own). */
function workerCommands(model: ConfigModel, nt: NodeType): string[] {
  const out: string[] = [];
  const add = (map: YAMLMap | null, key: string) => {
    const e = map ? get(model.doc, map, key) : undefined;
    const v = e?.value;
    if (!v) return;
    if (isScalar(v)) {
      const s = scalarString(v as Node);
      if (s) out.push(s);
    } else if ('items' in v) {
      for (const it of (v as { items: unknown[] }).items) {
        const s = scalarString(it as Node);
        if (s) out.push(s);
      }
    }
  };
  for (const k of ['setup_commands', 'worker_setup_commands', 'initialization_commands', 'worker_start_ray_commands']) add(model.root, k);
  for (const k of ['worker_setup_commands', 'initialization_commands']) add(nt.node, k);
  const docker = asMap(get(model.doc, model.root, 'docker')?.value);
  if (docker) for (const k of ['image', 'worker_image']) add(docker, k);
  return out;
}

/** Why a worker node type needs AWS credentials (what its commands do), or null. */
export function workerAwsUse(model: ConfigModel, nt: NodeType): string | null {
  const cmds = workerCommands(model, nt).join('\n');
  for (const [re, why] of AWS_USE) if (re.test(cmds)) return why;
  return null;
}

/** A chosen profile is an instance-profile ARN (never a role ARN or a name). */
export function isInstanceProfileArn(arn: string): boolean {
  const p = parseIamArn(arn);
  return p.ok && p.value.resourceType === 'instance-profile';
}

/** Ray's own default profiles: created with broad managed policies. */
export const RAY_DEFAULT_PROFILES = new Set(['ray-autoscaler-v1']);

/** The profile name a ref points at (from `Name`, or the last part of an instance-profile ARN). */
export function profileNameOf(model: ConfigModel, ref: InstanceProfileRef): { name: string; value: Node } | null {
  const m = asMap(ref.entry.value);
  if (!m) return null;
  const arn = get(model.doc, m, 'Arn');
  const name = get(model.doc, m, 'Name');
  if (arn?.value) {
    const s = scalarString(arn.value);
    const p = s ? parseIamArn(s) : null;
    return p?.ok && p.value.resourceType === 'instance-profile' ? { name: p.value.name, value: arn.value } : null;
  }
  const s = scalarString(name?.value);
  return s && name?.value ? { name: s, value: name.value } : null;
}
