import { entries, get, nodeRange } from '../config/nodes';
import type { RawFinding, StaticRule } from './types';

/** Top-level keys of Ray's config schema (python/ray/autoscaler/ray-schema.json). */
const TOP_LEVEL = new Set([
  'cluster_name', 'max_workers', 'upscaling_speed', 'idle_timeout_minutes', 'provider', 'auth', 'docker',
  'head_node_type', 'file_mounts', 'cluster_synced_files', 'file_mounts_sync_continuously', 'rsync_exclude',
  'rsync_filter', 'metadata', 'initialization_commands', 'setup_commands', 'head_setup_commands',
  'worker_setup_commands', 'head_start_ray_commands', 'worker_start_ray_commands', 'no_restart',
  'available_node_types',
]);
/** Legacy keys: head_node / worker_nodes are RG105; Ray pops min_workers before validating. */
const HANDLED_ELSEWHERE = new Set(['head_node', 'worker_nodes', 'min_workers']);
const LEGACY = new Set(['initial_workers', 'autoscaling_mode', 'target_utilization_fraction', 'worker_default_node_type']);

/**
 * RG103 (first part): the top level as Ray's schema sees it — required keys, unknown keys,
 * provider.type. Node types and values come with the project's own schema.
 */
export const raySchema: StaticRule = {
  ids: ['RG103'],
  check: ({ model }) => {
    if (!model) return [];
    const out: RawFinding[] = [];
    const at = (r: [number, number] | null, yamlPath: string, message: string) =>
      out.push({ ruleId: 'RG103', start: r?.[0] ?? 0, end: r?.[1] ?? 0, yamlPath, message });
    const present = entries(model.doc, model.root);
    for (const required of ['cluster_name', 'provider']) {
      if (!present.some((e) => e.key === required)) {
        at([0, 0], required, `\`${required}\` is missing: Ray's schema requires it at the top level`);
      }
    }
    for (const e of present) {
      if (TOP_LEVEL.has(e.key) || HANDLED_ELSEWHERE.has(e.key)) continue;
      const r = nodeRange(e.pair.key);
      at(r, e.key, LEGACY.has(e.key)
        ? `\`${e.key}\` is a Ray 1.x key that current Ray rejects: remove it (node types carry min_workers/max_workers now)`
        : `Ray's schema does not allow the top-level key \`${e.key}\` and \`ray up\` stops on it: remove it or move it where it belongs`);
    }
    if (model.provider && !get(model.doc, model.provider, 'type')) {
      at(nodeRange(model.providerEntry?.pair.key), 'provider', '`provider.type` is missing: set it to `aws`');
    }
    return out;
  },
};
