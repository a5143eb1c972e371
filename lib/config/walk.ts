import type { Document, YAMLMap } from 'yaml';
import { asMap, entries, get, isEmpty, joinPath, nodeRange, scalarString, type Entry, type Range } from './nodes';
import type { ParsedConfig } from './parse';

/** The head node type Ray's AWS defaults use when `head_node_type` is absent. */
export const DEFAULT_HEAD_NODE_TYPE = 'ray.head.default';

export interface NodeType {
  name: string;
  /** YAML path of the node type (`available_node_types.ray.head.default`, or `head_node` for legacy). */
  path: string;
  /** Range of the node type's key. */
  keyRange: Range;
  /** The node type's mapping (legacy: the `head_node` / `worker_nodes` mapping itself). */
  node: YAMLMap | null;
  /** Its `node_config` (legacy: the same mapping as `node`). */
  nodeConfig: YAMLMap | null;
  nodeConfigEntry: Entry | null;
  isHead: boolean;
  legacy: boolean;
  /** Not written in the file: Ray's default head node type, used when the config defines none. */
  defaulted?: boolean;
}

export type ProfilePlacement = 'node_config' | 'node_type' | 'provider' | 'legacy' | 'top-level';

/** An `IamInstanceProfile` (or a key that looks like one) found in the config. */
export interface InstanceProfileRef {
  nodeType: NodeType | null;
  entry: Entry;
  /** The key as written (`IamInstanceProfile`, `iamInstanceProfile`, ...). */
  keyName: string;
  path: string;
  placement: ProfilePlacement;
}

export interface ConfigModel {
  doc: Document;
  root: YAMLMap;
  provider: YAMLMap | null;
  providerEntry: Entry | null;
  providerType: string | null;
  region: string | null;
  availableNodeTypes: Entry | null;
  /** The head node type's name, as configured or defaulted. */
  headNodeType: string;
  headNodeTypeEntry: Entry | null;
  nodeTypes: NodeType[];
  profiles: InstanceProfileRef[];
  legacyHead: Entry | null;
  legacyWorkers: Entry | null;
}

/** Keys that mean "instance profile", whatever their casing or spelling. */
export function isProfileKey(key: string): boolean {
  // Asked for every key of every config: rule out most keys before building a lowered copy.
  if (key.length < 18) return false;
  let i = 0;
  let c = key.charCodeAt(0);
  while (c === 95 /* _ */ || c === 45 /* - */) c = key.charCodeAt(++i);
  if ((c | 0x20) !== 105 /* i */) return false;
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return k === 'iaminstanceprofile';
}

export function walkConfig(parsed: ParsedConfig): ConfigModel | null {
  const { doc, root } = parsed;
  if (!doc || !root) return null;
  const top = get(doc, root, 'provider');
  const provider = asMap(top?.value);
  const providerType = provider ? scalarString(get(doc, provider, 'type')?.value) : null;
  const region = provider ? scalarString(get(doc, provider, 'region')?.value) : null;
  const antEntry = get(doc, root, 'available_node_types') ?? null;
  const headEntry = get(doc, root, 'head_node_type') ?? null;
  const headNodeType = scalarString(headEntry?.value) ?? DEFAULT_HEAD_NODE_TYPE;
  const legacyHead = get(doc, root, 'head_node') ?? null;
  const legacyWorkers = get(doc, root, 'worker_nodes') ?? null;

  const nodeTypes: NodeType[] = [];
  const ant = asMap(antEntry?.value);
  if (ant) {
    for (const e of entries(doc, ant)) {
      const node = asMap(e.value);
      const nc = node ? get(doc, node, 'node_config') ?? null : null;
      nodeTypes.push({
        name: e.key,
        path: joinPath('available_node_types', e.key),
        keyRange: nodeRange(e.pair.key) ?? nodeRange(e.pair.value) ?? [0, 0],
        node,
        nodeConfig: asMap(nc?.value),
        nodeConfigEntry: nc,
        isHead: e.key === headNodeType,
        legacy: false,
      });
    }
  }
  // Legacy sections describe the head and workers when there are no node types.
  if (!ant) {
    for (const [entry, isHead] of [[legacyHead, true], [legacyWorkers, false]] as const) {
      const node = asMap(entry?.value);
      if (!entry || !node || isEmpty(node)) continue;
      nodeTypes.push({
        name: entry.key, path: entry.key, keyRange: nodeRange(entry.pair.key) ?? [0, 0],
        node, nodeConfig: node, nodeConfigEntry: entry, isHead, legacy: true,
      });
    }
  }

  // No node types at all: Ray merges its AWS defaults, whose head `ray.head.default` has no profile.
  if (!ant && nodeTypes.length === 0 && top) {
    nodeTypes.push({
      name: DEFAULT_HEAD_NODE_TYPE, path: joinPath('available_node_types', DEFAULT_HEAD_NODE_TYPE),
      keyRange: nodeRange(top.pair.key) ?? [0, 0], node: null, nodeConfig: null, nodeConfigEntry: null,
      isHead: true, legacy: false, defaulted: true,
    });
  }

  const profiles: InstanceProfileRef[] = [];
  const seen = new Set<unknown>();
  const collect = (map: YAMLMap | null, base: string, placement: ProfilePlacement, nodeType: NodeType | null) => {
    if (!map) return;
    for (const e of entries(doc, map)) {
      if (!isProfileKey(e.key)) continue;
      // A profile reached through an anchor/merge is the same text: report it once.
      if (seen.has(e.pair)) continue;
      seen.add(e.pair);
      profiles.push({ nodeType, entry: e, keyName: e.key, path: joinPath(base, e.key), placement });
    }
  };
  for (const nt of nodeTypes) {
    if (nt.legacy) collect(nt.node, nt.path, 'legacy', nt);
    else {
      collect(nt.nodeConfig, joinPath(nt.path, 'node_config'), 'node_config', nt);
      collect(nt.node, nt.path, 'node_type', nt);
    }
  }
  collect(provider, 'provider', 'provider', null);
  if (ant) {
    collect(asMap(legacyHead?.value), 'head_node', 'legacy', null);
    collect(asMap(legacyWorkers?.value), 'worker_nodes', 'legacy', null);
  }
  collect(root, '', 'top-level', null);

  return {
    doc, root, provider, providerEntry: top ?? null, providerType, region,
    availableNodeTypes: antEntry, headNodeType, headNodeTypeEntry: headEntry,
    nodeTypes, profiles, legacyHead, legacyWorkers,
  };
}

/** The profile Ray would use for a node type: an exactly named key inside its node_config. */
export function effectiveProfile(model: ConfigModel, nt: NodeType): InstanceProfileRef | undefined {
  if (!nt.nodeConfig) return undefined;
  const e = get(model.doc, nt.nodeConfig, 'IamInstanceProfile');
  if (!e) return undefined;
  return model.profiles.find((p) => p.entry.pair === e.pair) ?? {
    nodeType: nt, entry: e, keyName: e.key, path: joinPath(joinPath(nt.path, 'node_config'), e.key), placement: 'node_config',
  };
}

/** True when the node type launches from an EC2 launch template, which may carry the profile. */
export function usesLaunchTemplate(model: ConfigModel, nt: NodeType): boolean {
  return !!nt.nodeConfig && !!get(model.doc, nt.nodeConfig, 'LaunchTemplate');
}
