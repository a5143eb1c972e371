import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import { EXAMPLES } from './shared';

/**
 * Ray's own acceptance test for a cluster config, as `ray up` runs it before launching anything:
 *  1. merge the AWS defaults at the top level (a key the user wrote replaces the default wholesale);
 *  2. legacy handling of Ray >= 2: pop top-level `min_workers`, drop empty `head_node` / `worker_nodes`;
 *  3. AWS resource autofill: node types without `resources` get `{}` (Ray asks EC2 for the numbers);
 *  4. JSON-schema validation against ray-schema.json (draft-07);
 *  5. the checks after the schema: `head_node_type` names a key of `available_node_types`, and
 *     `cluster_synced_files` exists.
 * `errors` are one line each: where, and what (ajv's wording plus the offending property name).
 */
export function rayAccepts(text: string): { ok: boolean; errors: string[] } {
  const doc = parseDocument(text, { version: '1.1', merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `yaml: ${e.code}`) };
  const user: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (!isObject(user)) return { ok: false, errors: ['/: the config is not a mapping'] };

  const config: Record<string, unknown> = { ...defaults(), ...user };
  delete config.min_workers;
  for (const k of ['head_node', 'worker_nodes']) {
    const v = config[k];
    if (k in config && (v === null || (isObject(v) && Object.keys(v).length === 0))) delete config[k];
  }
  const types = config.available_node_types;
  if (isObject(types)) {
    for (const t of Object.values(types)) if (isObject(t) && !('resources' in t)) t.resources = {};
  }

  const errors: string[] = [];
  if (!validator()(config)) {
    for (const e of validator().errors ?? []) {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      errors.push(`${e.instancePath || '/'}: ${e.message}${extra ? ` (${extra})` : ''}`);
    }
  }
  if (isObject(types)) {
    const head = config.head_node_type;
    if (typeof head !== 'string' || !Object.prototype.hasOwnProperty.call(types, head)) {
      errors.push('/head_node_type: must name a key of available_node_types');
    }
  }
  if (!('cluster_synced_files' in config)) errors.push('/cluster_synced_files: missing after the defaults merge');
  return { ok: errors.length === 0, errors };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

let cachedDefaults: string | null = null;
/** A fresh copy of Ray's AWS defaults each time (the merge above must not share objects). */
function defaults(): Record<string, unknown> {
  cachedDefaults ??= readFileSync(path.join(EXAMPLES, 'aws_defaults.yaml'), 'utf8');
  return parseDocument(cachedDefaults, { version: '1.1' }).toJS() as Record<string, unknown>;
}

let compiled: ReturnType<Ajv['compile']> | null = null;
function validator() {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(path.join(EXAMPLES, 'ray-schema.json'), 'utf8'));
    compiled = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return compiled;
}
