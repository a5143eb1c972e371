/**
 * The project's Ray config schema (lib/schema/ray-cluster.ts), its validator (lib/schema/validate.ts)
 * and RG103:
 * - the schema is valid draft-07 and ajv agrees with our validator on it (hand-picked and random configs);
 * - on Ray's own AWS examples, RG103 stays silent wherever Ray's schema (after Ray's pipeline)
 *   accepts the config, and names the same keys where it rejects it;
 * - findings sit on the offending key or value, honour merge keys, and never quote a value.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '@/lib/config/parse';
import { RAY_CLUSTER_SCHEMA, type JsonSchema } from '@/lib/schema/ray-cluster';
import { ANNOTATION_KEYWORDS, checkAgainstSchema, SUPPORTED_KEYWORDS } from '@/lib/schema/validate';
import { analyzeStatic } from '@/lib/validate';
import type { Finding } from '@/lib/findings/types';
import { EXAMPLES, readExample } from '../helpers/shared';

const rg103 = (text: string): Finding[] => analyzeStatic(text).findings.filter((f) => f.ruleId === 'RG103');

function ajvFor(schema: object): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  expect(ajv.validateSchema(schema)).toBe(true);
  return ajv.compile(schema);
}

const ours = ajvFor(RAY_CLUSTER_SCHEMA);

/** The two verdicts on one text: ajv on the loaded data, our validator on the Document. */
function verdicts(text: string): { ajv: boolean; ours: boolean } {
  const parsed = parseConfig(text);
  expect(parsed.problems).toEqual([]);
  const data = parsed.doc!.toJS({ maxAliasCount: -1 });
  return { ajv: ours(data) as boolean, ours: checkAgainstSchema(parsed.doc!, parsed.root, RAY_CLUSTER_SCHEMA).length === 0 };
}

/** Every sub-schema of `s`, with the JSON pointer to it. */
function* subSchemas(s: unknown, at = '#'): Generator<[JsonSchema, string]> {
  if (!s || typeof s !== 'object') return;
  const schema = s as JsonSchema;
  yield [schema, at];
  for (const kw of ['properties', 'patternProperties'] as const) {
    for (const [k, v] of Object.entries((schema[kw] ?? {}) as Record<string, unknown>)) yield* subSchemas(v, `${at}/${kw}/${k}`);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') yield* subSchemas(schema.additionalProperties, `${at}/additionalProperties`);
  if (schema.items && typeof schema.items === 'object') yield* subSchemas(schema.items, `${at}/items`);
  for (const kw of ['anyOf', 'oneOf'] as const) {
    const branches = (schema[kw] ?? []) as unknown[];
    for (let i = 0; i < branches.length; i++) yield* subSchemas(branches[i], `${at}/${kw}/${i}`);
  }
}

const BASE = `cluster_name: t
provider:
  type: aws
  region: us-west-2
`;

describe('the schema', () => {
  it('is a valid draft-07 schema that ajv compiles', () => {
    expect(RAY_CLUSTER_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof ours).toBe('function');
  });

  it('uses only keywords the validator implements, besides annotations', () => {
    const unknown: string[] = [];
    for (const [s, at] of subSchemas(RAY_CLUSTER_SCHEMA)) {
      for (const k of Object.keys(s)) if (!SUPPORTED_KEYWORDS.has(k) && !ANNOTATION_KEYWORDS.has(k)) unknown.push(`${at}: ${k}`);
    }
    expect(unknown).toEqual([]);
  });

  it('lists every top-level key of Ray\'s schema, with Ray\'s types for them', () => {
    const ray = JSON.parse(readFileSync(path.join(EXAMPLES, 'ray-schema.json'), 'utf8')) as JsonSchema;
    const rayProps = ray.properties as Record<string, JsonSchema>;
    const ourProps = RAY_CLUSTER_SCHEMA.properties as Record<string, JsonSchema>;
    for (const [k, v] of Object.entries(rayProps)) {
      expect(ourProps[k], k).toBeDefined();
      if (v.type !== undefined) expect(ourProps[k].type, k).toEqual(v.type);
    }
    const rayProvider = (rayProps.provider.properties ?? {}) as Record<string, JsonSchema>;
    const ourProvider = (ourProps.provider.properties ?? {}) as Record<string, JsonSchema>;
    for (const [k, v] of Object.entries(rayProvider)) {
      expect(ourProvider[k], `provider.${k}`).toBeDefined();
      if (v.type !== undefined) expect(ourProvider[k].type, `provider.${k}`).toEqual(v.type);
    }
  });

  it('offers the instance-profile and node-type snippets in the editor', () => {
    const nodeType = (RAY_CLUSTER_SCHEMA.properties as Record<string, JsonSchema>).available_node_types.additionalProperties as JsonSchema;
    const nodeConfig = (nodeType.properties as Record<string, JsonSchema>).node_config;
    const profileSnippet = (nodeConfig.defaultSnippets as Array<{ label: string; body: unknown }>).find((s) => /instance profile/.test(s.label));
    expect(profileSnippet?.body).toEqual({ IamInstanceProfile: { Arn: 'arn:aws:iam::${1:123456789012}:instance-profile/${2:ray-head}' } });
    expect((nodeType.defaultSnippets as unknown[]).length).toBeGreaterThan(0);

    // Expanded with their default placeholders and put where the editor puts them, both are clean.
    const expand = (body: unknown, indent: string) =>
      stringify(body).replace(/\$\{\d+:([^}]*)\}/g, '$1').trimEnd().split('\n').map((l) => indent + l).join('\n');
    const withProfile = `${BASE}available_node_types:
  ray.head.default:
    max_workers: 0
    node_config:
      InstanceType: m5.large
${expand(profileSnippet!.body, '      ')}
  ray.worker.gpu:
${expand((nodeType.defaultSnippets as Array<{ body: unknown }>)[0].body, '    ')}
head_node_type: ray.head.default
`;
    const fs = analyzeStatic(withProfile).findings;
    expect(fs.filter((f) => f.severity !== 'info').map((f) => `${f.ruleId} ${f.yamlPath}`)).toEqual([]);
    expect(fs.map((f) => f.ruleId)).not.toContain('RG201');
    expect(fs.map((f) => f.ruleId)).not.toContain('RG202');
  });
});

describe('our validator agrees with ajv on our schema', () => {
  const nt = (body: string) => `${BASE}available_node_types:\n  ray.head.default:\n${body}\nhead_node_type: ray.head.default\n`;
  const cases: Array<[string, string]> = [
    ['minimal', BASE],
    ['no cluster_name', 'provider: {type: aws}\n'],
    ['no provider.type', 'cluster_name: a\nprovider: {region: us-west-2}\n'],
    ['provider as text', 'cluster_name: a\nprovider: aws\n'],
    ['unknown top-level key', `${BASE}colour: blue\n`],
    ['legacy keys are allowed by our schema', `${BASE}min_workers: 1\ninitial_workers: 2\nhead_node: {InstanceType: m5.large}\nworker_nodes: {}\n`],
    ['max_workers text', `${BASE}max_workers: lots\n`],
    ['max_workers negative', `${BASE}max_workers: -1\n`],
    ['max_workers 2.0 is an integer', `${BASE}max_workers: 2.0\n`],
    ['max_workers 2.5', `${BASE}max_workers: 2.5\n`],
    ['upscaling_speed 0.5', `${BASE}upscaling_speed: 0.5\n`],
    ['yes is a boolean in YAML 1.1', `${BASE}file_mounts_sync_continuously: yes\n`],
    ['boolean as text', `${BASE}file_mounts_sync_continuously: "true"\n`],
    ['commands with a mapping', `${BASE}setup_commands:\n  - echo hi\n  - {a: b}\n`],
    ['commands as text', `${BASE}setup_commands: echo hi\n`],
    ['empty commands', `${BASE}setup_commands:\n`],
    ['file_mounts of text', `${BASE}file_mounts: {"/a": "/b"}\n`],
    ['file_mounts with a number', `${BASE}file_mounts: {"/a": 1}\n`],
    ['auth unknown key', `${BASE}auth: {ssh_user: ubuntu, password: x}\n`],
    ['docker unknown key', `${BASE}docker: {image: x, install_docker: true}\n`],
    ['security_group unknown key', `${BASE}  security_group: {GroupName: g, Rules: []}\n`],
    ['provider unknown key is fine', `${BASE}  foo: {bar: 1}\n`],
    ['provider.project_id null', `${BASE}  project_id: null\n`],
    ['gcp_credentials bad enum', `${BASE}  gcp_credentials: {type: password}\n`],
    ['cloudwatch retryer', `${BASE}  cloudwatch: {agent: {retryer: {max_attempts: null, delay_seconds: 2}}}\n`],
    ['cloudwatch retryer text', `${BASE}  cloudwatch: {agent: {retryer: {max_attempts: many}}}\n`],
    ['node type ok', nt('    resources: {CPU: 2}\n    node_config: {InstanceType: m5.large}')],
    ['node type without resources', nt('    node_config: {InstanceType: m5.large}')],
    ['node type without node_config', nt('    resources: {}')],
    ['node type as a list', nt('    - a')],
    ['node type unknown key', nt('    node_config: {}\n    colour: blue')],
    ['resources fraction', nt('    node_config: {}\n    resources: {CPU: 0.5}')],
    ['resources negative', nt('    node_config: {}\n    resources: {GPU: -1}')],
    ['labels of text', nt('    node_config: {}\n    labels: {team: ml}')],
    ['labels with a number', nt('    node_config: {}\n    labels: {gen: 3}')],
    ['idle_timeout_s', nt('    node_config: {}\n    idle_timeout_s: 30')],
    ['node docker unknown key', nt('    node_config: {}\n    docker: {head_image: x}')],
    ['profile by Arn', nt('    node_config: {IamInstanceProfile: {Arn: "arn:aws:iam::123456789012:instance-profile/a"}}')],
    ['profile with both', nt('    node_config: {IamInstanceProfile: {Arn: a, Name: b}}')],
    ['profile with neither', nt('    node_config: {IamInstanceProfile: {}}')],
    ['profile as text', nt('    node_config: {IamInstanceProfile: a}')],
    ['profile extra key', nt('    node_config: {IamInstanceProfile: {Name: a, Role: b}}')],
    ['launch template by id, numeric version', nt('    node_config: {LaunchTemplate: {LaunchTemplateId: lt-1, Version: 2}}')],
    ['launch template with both', nt('    node_config: {LaunchTemplate: {LaunchTemplateId: lt-1, LaunchTemplateName: n}}')],
    ['launch template version true', nt('    node_config: {LaunchTemplate: {LaunchTemplateName: n, Version: true}}')],
    ['block devices', nt('    node_config:\n      BlockDeviceMappings:\n        - DeviceName: /dev/sda1\n          Ebs: {VolumeSize: 100, VolumeType: gp3, Throughput: 125}')],
    ['block device size text', nt('    node_config:\n      BlockDeviceMappings:\n        - DeviceName: /dev/sda1\n          Ebs: {VolumeSize: big}')],
    ['block device bad volume type', nt('    node_config:\n      BlockDeviceMappings:\n        - {DeviceName: /dev/sda1, Ebs: {VolumeType: GP3}}')],
    ['block device unknown key', nt('    node_config:\n      BlockDeviceMappings:\n        - {DeviceName: /dev/sda1, Size: 3}')],
    ['spot max price as a number', nt('    node_config: {InstanceMarketOptions: {MarketType: spot, SpotOptions: {MaxPrice: 0.5}}}')],
    ['spot max price as text', nt('    node_config: {InstanceMarketOptions: {MarketType: spot, SpotOptions: {MaxPrice: "0.5"}}}')],
    ['metadata hop limit too high', nt('    node_config: {MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 65}}')],
    ['monitoring without Enabled', nt('    node_config: {Monitoring: {}}')],
    ['tags', nt('    node_config:\n      TagSpecifications:\n        - ResourceType: instance\n          Tags: [{Key: team, Value: ml}]')],
    ['tag without Key', nt('    node_config:\n      TagSpecifications:\n        - ResourceType: instance\n          Tags: [{Value: ml}]')],
    ['unknown EC2 parameter is fine', nt('    node_config: {SomeNewEc2Parameter: {x: 1}}')],
    ['subnet ids as text', nt('    node_config: {SubnetIds: subnet-1}')],
    ['merge key brings node_config', `${BASE}available_node_types:\n  ray.head.default: &h\n    node_config: {InstanceType: m5.large}\n  ray.worker.default:\n    <<: *h\n    min_workers: 1\n`],
    ['merge key brings an unknown key', `${BASE}available_node_types:\n  ray.head.default: &h\n    node_config: {}\n    colour: blue\n  ray.worker.default:\n    <<: *h\n`],
    ['explicit key wins over merged one', `${BASE}available_node_types:\n  ray.head.default: &h\n    node_config: {}\n    max_workers: 1\n  ray.worker.default:\n    <<: *h\n    max_workers: many\n`],
    ['aliases in lists', `${BASE}x_cmds: &c\n  - a\nsetup_commands: *c\n`],
    ['__proto__ and constructor are data', `${BASE}available_node_types:\n  constructor:\n    node_config: {}\n  __proto__:\n    node_config: {}\nauth:\n  __proto__: x\n`],
    ['constructor as an unknown key', `${BASE}docker: {constructor: x}\n`],
  ];

  it.each(cases)('%s', (_name, text) => {
    const v = verdicts(text);
    expect(v.ours).toBe(v.ajv);
  });

  it('the hand-picked cases cover both verdicts', () => {
    const all = cases.map(([, t]) => verdicts(t).ajv);
    expect(all.filter(Boolean).length).toBeGreaterThan(10);
    expect(all.filter((x) => !x).length).toBeGreaterThan(10);
  });

  it('random configs shaped by the schema get the same verdict from both', () => {
    const cache = new Map<unknown, fc.Arbitrary<unknown>>();
    const leaf = fc.oneof(
      fc.integer({ min: -2, max: 70 }), fc.constantFrom(1.5, 0, 2.0), fc.boolean(), fc.constant(null),
      fc.constantFrom('x', '', 'm5.large', 'gp3', 'spot', 'aws', '0.5', '$Latest', 'yes'),
    );
    const arb = (s: unknown, depth: number): fc.Arbitrary<unknown> => {
      const schema = (s && typeof s === 'object' ? s : {}) as JsonSchema;
      const hit = cache.get(schema);
      if (hit) return hit;
      if (depth > 7) return leaf;
      const shaped: fc.Arbitrary<unknown>[] = [];
      const types = ([] as unknown[]).concat(schema.type ?? []);
      if (Array.isArray(schema.enum)) shaped.push(fc.constantFrom(...(schema.enum as unknown[])));
      if (types.includes('object') || schema.properties) {
        const props = (schema.properties ?? {}) as Record<string, unknown>;
        const required = ((schema.required ?? []) as string[]).filter((k) => k in props);
        const optional = Object.keys(props).filter((k) => !required.includes(k));
        const extra = schema.additionalProperties && typeof schema.additionalProperties === 'object' ? schema.additionalProperties : null;
        // Required keys are nearly always there, so that most configs get past the top level.
        const keys = fc.tuple(fc.subarray(optional, { maxLength: Math.min(4, optional.length) }), fc.integer({ min: 0, max: 9 }))
          .map(([ks, dice]) => (dice === 0 ? ks : [...required, ...ks]));
        shaped.push(
          fc.tuple(
            keys.chain((ks) => fc.tuple(...ks.map((k) => arb(props[k], depth + 1).map((v) => [k, v] as const)))),
            extra ? fc.array(fc.tuple(fc.constantFrom('a', 'CPU', 'b/c', '__proto__'), arb(extra, depth + 1)), { maxLength: 2 }) : fc.constant([]),
            fc.tuple(fc.integer({ min: 0, max: 24 }), fc.constantFrom('zzz', 'colour'), leaf).map(([dice, k, v]) => (dice === 0 ? ([k, v] as const) : null)),
          ).map(([known, more, unknown]) => {
            const o: Record<string, unknown> = {};
            for (const [k, v] of [...known, ...more, ...(unknown ? [unknown] : [])]) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
            return o;
          }),
        );
      }
      if (types.includes('array')) shaped.push(fc.array(arb(schema.items, depth + 1), { maxLength: 3 }));
      if (types.includes('string')) shaped.push(fc.constantFrom('x', 'm5.large', 'ubuntu', '/dev/sda1'));
      if (types.includes('integer')) shaped.push(fc.integer({ min: -1, max: 70 }));
      if (types.includes('number')) shaped.push(fc.constantFrom(0.5, 3, -0.5));
      if (types.includes('boolean')) shaped.push(fc.boolean());
      if (types.includes('null')) shaped.push(fc.constant(null));
      const out = shaped.length ? fc.oneof({ arbitrary: leaf, weight: 1 }, ...shaped.map((a) => ({ arbitrary: a, weight: 30 }))) : leaf;
      cache.set(schema, out);
      return out;
    };
    const config = arb(RAY_CLUSTER_SCHEMA, 0).filter((v) => !!v && typeof v === 'object' && !Array.isArray(v));
    let invalid = 0;
    let valid = 0;
    fc.assert(
      fc.property(config, (value) => {
        const text = stringify(value);
        const parsed = parseConfig(text);
        if (!parsed.root) return; // e.g. an empty mapping prints as `{}`: still a mapping; anything else is RG101's
        const v = { ajv: ours(parsed.doc!.toJS()) as boolean, ours: checkAgainstSchema(parsed.doc!, parsed.root, RAY_CLUSTER_SCHEMA).length === 0 };
        if (v.ajv) valid++;
        else invalid++;
        expect(v.ours, text).toBe(v.ajv);
      }),
      { numRuns: 400, seed: 1031 },
    );
    expect(invalid).toBeGreaterThan(40);
    expect(valid).toBeGreaterThan(40);
  });
});

// -------------------------------------------------------------------------------------------------
// Ray's own examples, judged by Ray's own schema after Ray's pipeline
// -------------------------------------------------------------------------------------------------

const raySchema = ajvFor(JSON.parse(readFileSync(path.join(EXAMPLES, 'ray-schema.json'), 'utf8')));
const load = (text: string) => parseConfig(text).doc!.toJS() as Record<string, unknown>;
const DEFAULTS = load(readExample('aws_defaults.yaml'));
const isEmptyValue = (v: unknown) => v === null || v === undefined || (typeof v === 'object' && Object.keys(v as object).length === 0);

/** What Ray validates: defaults merged at the top level, legacy leftovers dropped, resources filled. */
function rayPipeline(user: Record<string, unknown>): Record<string, unknown> {
  const c: Record<string, unknown> = { ...structuredClone(DEFAULTS), ...structuredClone(user) };
  delete c.min_workers;
  for (const k of ['head_node', 'worker_nodes']) if (k in c && isEmptyValue(c[k])) delete c[k];
  const types = c.available_node_types;
  if (types && typeof types === 'object') {
    for (const t of Object.values(types as Record<string, unknown>)) {
      if (t && typeof t === 'object' && !('resources' in t)) (t as Record<string, unknown>).resources = {};
    }
  }
  return c;
}

/** `/available_node_types/ray.head.default` → `available_node_types.ray.head.default`. */
function pointerToPath(pointer: string): string {
  return pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

const exampleNames = readdirSync(EXAMPLES).filter((f) => /^aws_.*\.yaml$/.test(f)).sort();

interface RayVerdict { accepts: boolean; reasons: string[] }
function rayVerdict(text: string): RayVerdict {
  const ok = raySchema(rayPipeline(load(text))) as boolean;
  const reasons = (raySchema.errors ?? []).map((e) => {
    const at = pointerToPath(e.instancePath);
    if (e.keyword === 'additionalProperties') return at ? `${at}.${(e.params as { additionalProperty: string }).additionalProperty}` : (e.params as { additionalProperty: string }).additionalProperty;
    if (e.keyword === 'required') return at ? `${at}.${(e.params as { missingProperty: string }).missingProperty}` : (e.params as { missingProperty: string }).missingProperty;
    return at;
  });
  return { accepts: ok, reasons: ok ? [] : [...new Set(reasons)].sort() };
}

describe('Ray\'s AWS examples', () => {
  it('are all read from the shared folder', () => {
    expect(exampleNames.length).toBeGreaterThanOrEqual(20);
    expect(exampleNames).toContain('aws_example-full.yaml');
  });

  it.each(exampleNames)('%s: RG103 says what Ray\'s schema says', (name) => {
    const text = readExample(name);
    const ray = rayVerdict(text);
    const all = analyzeStatic(text).findings;
    const ours = all.filter((f) => f.ruleId === 'RG103');
    if (ray.accepts) {
      expect(ours.map((f) => `${f.yamlPath}: ${f.message}`)).toEqual([]);
      return;
    }
    // Every reason Ray has is reported: legacy sections by RG105, the rest by RG103.
    for (const reason of ray.reasons) {
      const by = reason === 'head_node' || reason === 'worker_nodes' ? 'RG105' : 'RG103';
      expect(all.some((f) => f.ruleId === by && f.yamlPath === reason), `${by} for ${reason}`).toBe(true);
    }
    // And RG103 reports nothing Ray does not object to.
    for (const f of ours) expect(ray.reasons).toContain(f.yamlPath);
  });

  it('the examples Ray rejects, and why', () => {
    const rejected = Object.fromEntries(exampleNames.map((n) => [n, rayVerdict(readExample(n))]).filter(([, v]) => !(v as RayVerdict).accepts).map(([n, v]) => [n, (v as RayVerdict).reasons]));
    expect(rejected).toEqual({
      'aws_example-auto-instance-type.yaml': ['available_instance_types', 'head_node', 'target_utilization_fraction', 'worker_nodes'],
      'aws_example-full-legacy.yaml': ['head_node', 'worker_nodes'],
      'aws_example-gpu.yaml': ['docker.install_docker', 'head_node', 'initial_workers', 'target_utilization_fraction', 'worker_nodes'],
      'aws_example-head-and-worker-security-group.yaml': ['head_node', 'worker_nodes'],
      'aws_example-security-groups.yaml': ['config_cache_enabled'],
      'aws_example-simple.yaml': ['head_node', 'worker_nodes'],
      'aws_example-tune.yaml': ['head_node', 'worker_nodes'],
    });
    const gpu = rg103(readExample('aws_example-gpu.yaml'));
    expect(gpu.find((f) => f.yamlPath === 'docker.install_docker')?.message).toMatch(/`docker` does not take the key `install_docker`/);
    expect(gpu.find((f) => f.yamlPath === 'initial_workers')?.message).toMatch(/Ray 1\.x key/);
    expect(rg103(readExample('aws_example-security-groups.yaml')).map((f) => f.yamlPath)).toEqual(['config_cache_enabled']);
  });

  it('ajv on our schema accepts every example Ray accepts (after the same pipeline, legacy keys aside)', () => {
    for (const name of exampleNames) {
      const text = readExample(name);
      if (!rayVerdict(text).accepts) continue;
      expect(ours(rayPipeline(load(text))), name).toBe(true);
      const v = verdicts(text);
      expect(v.ours, name).toBe(v.ajv);
    }
  });
});

// -------------------------------------------------------------------------------------------------
// Where findings sit, and what they say
// -------------------------------------------------------------------------------------------------

describe('RG103 positions and messages', () => {
  const CONFIG = `cluster_name: t
provider:
  type: aws
  region: us-west-2
max_workers: lots
auth:
  ssh_user: ubuntu
  ssh_pasword: hunter2
available_node_types:
  ray.head.default: &head
    resources: {}
    node_config:
      InstanceType: m5.large
    colour: blue
  ray.worker.default:
    <<: *head
    min_workers: 1
    max_workers: 4
head_node_type: ray.head.default
`;
  const fs = rg103(CONFIG);
  const at = (yamlPath: string) => fs.filter((f) => f.yamlPath === yamlPath);

  it('a wrong type is reported on the value', () => {
    expect(at('max_workers')).toHaveLength(1);
    expect(at('max_workers')[0]).toMatchObject({ line: 5, column: 14, endLine: 5, endColumn: 18, severity: 'error' });
    expect(at('max_workers')[0].message).toMatch(/`max_workers` must be a whole number ≥ 0, but it is text/);
  });

  it('an unknown key in a node type is reported on the key, once, although a merge brings it into another type', () => {
    expect(at('available_node_types.ray.head.default.colour')).toHaveLength(1);
    expect(at('available_node_types.ray.head.default.colour')[0]).toMatchObject({ line: 14, column: 5, endLine: 14, endColumn: 11 });
    expect(fs.filter((f) => /colour/.test(f.yamlPath))).toHaveLength(1);
  });

  it('an unknown key in auth is reported on the key, with what auth takes', () => {
    expect(at('auth.ssh_pasword')).toHaveLength(1);
    expect(at('auth.ssh_pasword')[0]).toMatchObject({ line: 8, column: 3, endLine: 8, endColumn: 14 });
    expect(at('auth.ssh_pasword')[0].message).toMatch(/did you mean `ssh_password`|it takes `ssh_user`/);
  });

  it('a merge key is honoured: the merged node_config counts, and `<<` is no unknown key', () => {
    expect(fs.map((f) => f.yamlPath).sort()).toEqual(['auth.ssh_pasword', 'available_node_types.ray.head.default.colour', 'max_workers']);
    const clean = `${BASE}available_node_types:
  ray.head.default: &base
    node_config: {InstanceType: m5.large}
  ray.worker.default:
    <<: *base
    min_workers: 1
head_node_type: ray.head.default
`;
    expect(rg103(clean)).toEqual([]);
  });

  it('a key at the wrong level says where it belongs', () => {
    const f = rg103(`${BASE}region: us-east-1\navailable_node_types:\n  ray.head.default:\n    node_config: {}\n    InstanceType: m5.large\nhead_node_type: ray.head.default\n`);
    expect(f.find((x) => x.yamlPath === 'region')?.message).toMatch(/belongs under `provider`/);
    expect(f.find((x) => x.yamlPath === 'available_node_types.ray.head.default.InstanceType')?.message).toMatch(/belongs under `node_config`/);
  });

  it('a missing node_config is reported on the node type\'s key', () => {
    const f = rg103(`${BASE}available_node_types:\n  ray.head.default:\n    max_workers: 0\nhead_node_type: ray.head.default\n`);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ yamlPath: 'available_node_types.ray.head.default.node_config', line: 6, column: 3 });
  });

  it('keys named like Object internals are ordinary unknown keys', () => {
    const f = rg103(`${BASE}auth: {constructor: x, __proto__: y, toString: z}\navailable_node_types:\n  ray.head.default:\n    node_config: {}\n    constructor: 1\nhead_node_type: ray.head.default\n`);
    expect(f.map((x) => x.yamlPath).sort()).toEqual(['auth.__proto__', 'auth.constructor', 'auth.toString', 'available_node_types.ray.head.default.constructor']);
    for (const x of f) expect(x.message).toMatch(/does not take the key/);
  });

  it('max_worker_nodes gets Ray\'s real name', () => {
    const f = rg103(`${BASE}available_node_types:\n  ray.head.default:\n    node_config: {}\n    max_worker_nodes: 2\nhead_node_type: ray.head.default\n`);
    expect(f[0].message).toMatch(/Ray's name for it is `max_workers`/);
  });

  it('no message quotes the offending value', () => {
    const text = `cluster_name: [SECRETCLUSTER]
provider:
  type: aws
  region: us-west-2
  security_group: {GroupName: 17, IpPermissions: WIDEOPEN}
max_workers: TOPSECRETVALUE
upscaling_speed: -42.125
auth: {ssh_user: 90210}
setup_commands:
  - {HIDDENKEY: HIDDENVALUE}
file_mounts: {"/remote": 31337}
available_node_types:
  ray.head.default:
    resources: {CPU: PRIVATECPU, GPU: -7}
    labels: {tier: 8675309}
    node_config:
      InstanceType: 4242
      BlockDeviceMappings:
        - DeviceName: /dev/sda1
          Ebs: {VolumeSize: HUGEDISK, VolumeType: SECRETTYPE}
      InstanceMarketOptions: {SpotOptions: {MaxPrice: 0.123456, SpotInstanceType: ONEOFFSPOT}}
      LaunchTemplate: {LaunchTemplateId: lt-PRIVATEID, LaunchTemplateName: PRIVATENAME, Version: 31.5}
      MetadataOptions: {HttpPutResponseHopLimit: 999}
head_node_type: ray.head.default
`;
    const found = rg103(text);
    expect(found.length).toBeGreaterThanOrEqual(15);
    const values = ['SECRETCLUSTER', '17', 'WIDEOPEN', 'TOPSECRETVALUE', '42.125', '90210', 'HIDDENVALUE', '31337', 'PRIVATECPU', '-7',
      '8675309', '4242', 'HUGEDISK', 'SECRETTYPE', '0.123456', 'ONEOFFSPOT', 'PRIVATEID', 'PRIVATENAME', '31.5', '999'];
    for (const f of found) for (const v of values) expect(f.message, `${f.yamlPath}: ${f.message}`).not.toContain(v);
  });
});

describe('RG103 stays quiet where another rule reports', () => {
  it('IamInstanceProfile problems are RG203/RG206, not RG103', () => {
    const text = `${BASE}IamInstanceProfile: {Arn: x}
available_node_types:
  ray.head.default:
    IamInstanceProfile: {Arn: "arn:aws:iam::123456789012:instance-profile/a"}
    node_config:
      IamInstanceProfile: {Arn: a, Name: b, Extra: c}
  ray.worker.default:
    node_config:
      IamInstanceProfile: "arn:aws:iam::123456789012:instance-profile/b"
      iamInstanceProfile: {Arn: x}
head_node_type: ray.head.default
`;
    const fs = analyzeStatic(text).findings;
    expect(fs.filter((f) => f.ruleId === 'RG103').map((f) => f.yamlPath)).toEqual([]);
    expect(fs.some((f) => f.ruleId === 'RG206')).toBe(true);
    expect(fs.some((f) => f.ruleId === 'RG203')).toBe(true);
  });

  it('legacy sections are RG105, provider.aws_credentials is RG406', () => {
    const text = `${BASE}  aws_credentials: {aws_access_key_id: 5, nonsense: [1]}
head_node: {InstanceType: 5, Bogus: true}
worker_nodes: [not, a, mapping]
min_workers: 1
`;
    const fs = analyzeStatic(text).findings;
    expect(fs.filter((f) => f.ruleId === 'RG103')).toEqual([]);
    expect(fs.filter((f) => f.ruleId === 'RG105').map((f) => f.yamlPath).sort()).toEqual(['head_node', 'worker_nodes']);
    expect(fs.some((f) => f.ruleId === 'RG406')).toBe(true);
  });

  it('Ray 1.x keys keep their own message, one finding each', () => {
    const fs = rg103(`${BASE}initial_workers: 2\nautoscaling_mode: default\ntarget_utilization_fraction: 0.8\nworker_default_node_type: w\n`);
    expect(fs.map((f) => f.yamlPath).sort()).toEqual(['autoscaling_mode', 'initial_workers', 'target_utilization_fraction', 'worker_default_node_type']);
    for (const f of fs) expect(f.message).toMatch(/Ray 1\.x key that current Ray rejects/);
  });

  it('EC2 parameters are not typed for another provider', () => {
    const text = `cluster_name: t
provider: {type: gcp, region: us-west1, project_id: p}
available_node_types:
  ray.head.default:
    resources: {CPU: 2}
    node_config: {machineType: n1-standard-2, BlockDeviceMappings: not-a-list}
head_node_type: ray.head.default
`;
    expect(rg103(text)).toEqual([]);
  });
});

describe('bounded work', () => {
  it('an alias fan-out is checked once per anchored node', () => {
    const lines = [`${BASE}available_node_types:`, '  ray.head.default: &t', '    node_config: {InstanceType: 5}', '    colour: x'];
    // 500, not more: resolving each alias costs a walk of the document in the yaml package itself.
    for (let i = 0; i < 500; i++) lines.push(`  w${i}: *t`);
    lines.push('head_node_type: ray.head.default');
    const started = Date.now();
    const fs = rg103(lines.join('\n') + '\n');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fs.map((f) => f.yamlPath).sort()).toEqual([
      'available_node_types.ray.head.default.colour',
      'available_node_types.ray.head.default.node_config.InstanceType',
    ]);
  });

  it('a mapping merged into many node types is checked once, so every node type is still checked', () => {
    const lines = [`${BASE}available_node_types:`, '  ray.head.default: &t', '    resources: {}', '    node_config:', '      InstanceType: m5.large', '      BlockDeviceMappings:'];
    for (let i = 0; i < 1500; i++) lines.push(`        - {DeviceName: /dev/sd${i}, Ebs: {VolumeSize: 10}}`);
    for (let i = 0; i < 400; i++) lines.push(`  w${i}:`, '    <<: *t', `    colour${i}: x`);
    lines.push('head_node_type: ray.head.default');
    const parsed = parseConfig(lines.join('\n') + '\n');
    const started = Date.now();
    const problems = checkAgainstSchema(parsed.doc!, parsed.root, RAY_CLUSTER_SCHEMA);
    expect(Date.now() - started).toBeLessThan(5000);
    // 400 × 1,500 list items would pass the validator's work bound: the last node type's own
    // unknown key is only reported when the merged node_config is checked once.
    expect(problems.filter((p) => p.reason === 'unknown-key').map((p) => p.key)).toContain('colour399');
    expect(problems.filter((p) => p.reason === 'unknown-key')).toHaveLength(400);
  });

  it('an alias bomb inside a checked list stays cheap', () => {
    const lines = [BASE.trimEnd(), 'metadata:', '  a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    const names = 'bcdefghij'.split('');
    let prev = 'a';
    for (const n of names) {
      lines.push(`  ${n}: &${n} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
      prev = n;
    }
    lines.push(`setup_commands: *${prev}`);
    const parsed = parseConfig(lines.join('\n') + '\n');
    const started = Date.now();
    const problems = checkAgainstSchema(parsed.doc!, parsed.root, RAY_CLUSTER_SCHEMA);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(problems.length).toBeGreaterThan(0);
  });
});

describe('RG103 top-level key messages', () => {
  it('name a long or multi-line key on one line, shortened, as the other unknown-key messages do', () => {
    const text = `${BASE}? >\n  ${'k'.repeat(70)}\n  more\n: 1\n`;
    const f = rg103(text).find((x) => x.message.includes('top-level key'));
    expect(f).toBeDefined();
    expect(f!.message).not.toContain('\n');
    expect(f!.message).toContain('...');
  });
});
