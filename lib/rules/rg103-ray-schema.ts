import { entries, get, nodeRange } from '../config/nodes';
import { isProfileKey } from '../config/walk';
import { RAY_CLUSTER_SCHEMA } from '../schema/ray-cluster';
import { checkAgainstSchema, shownKey, type PathPart } from '../schema/validate';
import type { RawFinding, StaticRule } from './types';

/** Ray 1.x top-level keys current Ray rejects; reported here with their own message. */
const LEGACY = new Set(['initial_workers', 'autoscaling_mode', 'target_utilization_fraction', 'worker_default_node_type']);

/** Names people use that Ray never had (the rename in ray-project/ray#40835 was not merged). */
const RENAMED = new Map([['max_worker_nodes', 'max_workers'], ['min_worker_nodes', 'min_workers']]);

/**
 * Values other rules report, left alone here so one mistake is one finding:
 * - any `IamInstanceProfile`-like key and its value (RG203–RG209 what it says, RG206 where it sits);
 * - `head_node` / `worker_nodes` (RG105), `provider.aws_credentials` (RG406);
 * - EC2 parameters inside `node_config` when the provider is not AWS (RG102: AWS checks skipped).
 */
function quietAt(at: readonly PathPart[], isAws: boolean): boolean {
  // The validator never descends below a skipped place: only the last part is new.
  const last = at[at.length - 1];
  if (typeof last === 'string' && isProfileKey(last)) return true;
  if (at.length >= 1 && (at[0] === 'head_node' || at[0] === 'worker_nodes')) return true;
  if (at.length >= 2 && at[0] === 'provider' && at[1] === 'aws_credentials') return true;
  if (!isAws && at.length >= 4 && at[0] === 'available_node_types' && at[2] === 'node_config') return true;
  return false;
}

/**
 * RG103: what Ray's config schema rejects, checked against the project's schema
 * (lib/schema/ray-cluster.ts): required and unknown keys, value types and ranges, node types,
 * and the types of common EC2 parameters in `node_config`.
 */
export const raySchema: StaticRule = {
  ids: ['RG103'],
  check: ({ model, isAws, parsed }) => {
    if (!model) return [];
    const clean = parsed.problems.length === 0;
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
      const r = nodeRange(e.pair.key);
      if (LEGACY.has(e.key)) {
        at(r, e.key, `\`${e.key}\` is a Ray 1.x key that current Ray rejects: remove it (node types carry min_workers/max_workers now)`);
        if (clean && !e.merged) out[out.length - 1].fix = 'remove-legacy-key';
      }
    }
    if (model.provider && !get(model.doc, model.provider, 'type')) {
      at(nodeRange(model.providerEntry?.pair.key), 'provider', '`provider.type` is missing: set it to `aws`');
    }

    const problems = checkAgainstSchema(model.doc, model.root, RAY_CLUSTER_SCHEMA, { skip: (p) => quietAt(p, isAws) });
    for (const p of problems) {
      const depth = p.at.length;
      // Said above, in the words users already know.
      if (p.reason === 'required' && depth === 1) continue;
      if (p.reason === 'required' && depth === 2 && p.at[0] === 'provider' && p.key === 'type') continue;
      const f = { ...p.finding };
      if (p.reason === 'unknown-key' && p.key !== undefined) {
        const renamed = RENAMED.get(p.key);
        if (depth === 1) {
          f.message = `Ray's schema does not allow the top-level key \`${shownKey(p.key)}\` and \`ray up\` stops on it: ${p.hint ?? 'remove it or move it where it belongs'}`;
        } else if (renamed) {
          f.message = `\`${p.key}\` is not a key Ray knows here: Ray's name for it is \`${renamed}\``;
        }
      }
      // Ray validates everything but node_config, whose EC2 parameters only boto3 and EC2 judge
      // (when a node launches): those stay warnings; the rest stops `ray up`.
      if (depth >= 3 && p.at[0] === 'available_node_types' && p.at[2] === 'node_config') f.severity = 'warning';
      out.push(f);
    }
    return out;
  },
};
