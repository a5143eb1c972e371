import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseConfig } from '@/lib/config/parse';
import { nodeRange } from '@/lib/config/nodes';
import { rule } from '@/lib/findings/catalogue';
import type { FixId } from '@/lib/findings/types';
import { applyEdits } from '@/lib/fix/edits';
import { planLegacyMigration, planRemoveLegacyKey } from '@/lib/fix/legacy';
import { fixConfig } from '@/lib/fix/plan';
import type { RawFinding } from '@/lib/rules/types';
import { analyze, analyzeStatic } from '@/lib/validate';
import { rayAccepts } from '../helpers/ray-schema';
import { exampleFiles, readExample, readSample } from '../helpers/shared';

const MIGRATE: { fixes: FixId[] } = { fixes: ['migrate-legacy-format'] };
const FIXTURES = path.resolve(__dirname, '../fixtures/fix/legacy');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const ruleIds = (text: string) => analyzeStatic(text).findings.map((f) => f.ruleId);

/** The data of a config (YAML 1.1 with merge keys, as Ray's loader reads it). */
function data(text: string): Record<string, any> {
  return parseDocument(text, { version: '1.1', merge: true }).toJS() as Record<string, any>;
}

/** What the migrated config says about its head node type. */
function headNodeConfig(text: string): Record<string, any> | undefined {
  const d = data(text);
  return d.available_node_types?.[d.head_node_type ?? 'ray.head.default']?.node_config;
}

/** Runs the migration and checks what holds for every migrated config. */
async function migrateChecked(text: string) {
  const r = await fixConfig(text, MIGRATE);
  expect(r.skipped).toEqual([]);
  expect(r.applied.length).toBeGreaterThan(0);
  expect(r.applied.every((a) => a.fix === 'migrate-legacy-format' && a.ruleId === 'RG105')).toBe(true);
  expect(parseConfig(r.text).problems).toEqual([]);
  const after = ruleIds(r.text);
  expect(after).not.toContain('RG105');
  expect(after).not.toContain('RG101');
  expect(after).not.toContain('RG104');
  // Fixing again changes nothing.
  const again = await fixConfig(r.text, MIGRATE);
  expect(again.text).toBe(r.text);
  expect(again.applied).toEqual([]);
  // No legacy key is left, empty or not.
  const d = data(r.text);
  for (const k of ['head_node', 'worker_nodes', 'min_workers']) expect(Object.keys(d)).not.toContain(k);
  return r;
}

describe('migrate-legacy-format: before and after', () => {
  const cases = ['simple', 'comments', 'min-max', 'empty-sections', 'existing-types', 'flow'];

  it.each(cases)('%s: the fixture\'s .fixed.yaml, which Ray accepts', async (name) => {
    const before = fixture(`${name}.yaml`);
    const r = await migrateChecked(before);
    expect(r.text).toBe(fixture(`${name}.fixed.yaml`));
    expect(rayAccepts(before).ok).toBe(false);
    expect(rayAccepts(r.text)).toEqual({ ok: true, errors: [] });
    // Both RG105 findings of the file carry the same correction.
    const rg105 = analyzeStatic(before).findings.filter((f) => f.ruleId === 'RG105');
    expect(rg105.length).toBeGreaterThan(0);
    expect(rg105.every((f) => f.fix === 'migrate-legacy-format')).toBe(true);
    expect(r.applied).toHaveLength(rg105.length);
  });

  it('keeps CRLF line endings', async () => {
    const crlf = fixture('simple.yaml').replace(/\n/g, '\r\n');
    const r = await migrateChecked(crlf);
    expect(r.text).toBe(fixture('simple.fixed.yaml').replace(/\n/g, '\r\n'));
  });

  it('moves the text itself: comments, quoting and block scalars inside the sections are kept', async () => {
    const r = await fixConfig(fixture('comments.yaml'), MIGRATE);
    for (const line of [
      'node_config:   # spot workers',
      '# the instance type',
      'InstanceType: c5.2xlarge   # 8 vCPU',
      '# a comment at column 0 inside the section',
      '# part of the script, not a YAML comment',
      '# trailing comment of worker_nodes',
      'Arn: "arn:aws:iam::123456789012:instance-profile/ray-head"   # quoted',
    ]) {
      expect(r.text.split('\n').map((l) => l.trim())).toContain(line);
    }
    expect(data(r.text).available_node_types['ray.worker.default'].node_config.UserData)
      .toBe(data(fixture('comments.yaml')).worker_nodes.UserData);
    // The node types keep the order of the sections in the file.
    expect(Object.keys(data(r.text).available_node_types)).toEqual(['ray.worker.default', 'ray.head.default']);
  });

  it('takes min_workers / max_workers from the top level into the worker type', async () => {
    const r = await fixConfig(fixture('min-max.yaml'), MIGRATE);
    const d = data(r.text);
    expect(d.available_node_types['ray.worker.default']).toMatchObject({ min_workers: 2, max_workers: 10, resources: {} });
    expect(d.max_workers).toBe(10); // the cluster-wide cap stays
    expect(d.available_node_types['ray.head.default']).toEqual({ resources: {}, node_config: data(fixture('min-max.yaml')).head_node });
  });

  it('one quick fix (one marker) migrates both sections, the same as a full fix', async () => {
    const text = fixture('simple.yaml');
    const worker = analyzeStatic(text).findings.find((f) => f.ruleId === 'RG105' && f.yamlPath === 'worker_nodes')!;
    const one = await fixConfig(text, { targets: [{ ruleId: 'RG105', line: worker.line, column: worker.column }] });
    expect(one.text).toBe(fixture('simple.fixed.yaml'));
  });

  it('plans once per analysis and gives both findings the same edits', async () => {
    const a = await analyze(fixture('comments.yaml'));
    const [x, y] = a.raw.filter((f) => f.ruleId === 'RG105');
    const ex = planLegacyMigration(a, x);
    const ey = planLegacyMigration(a, y);
    expect(Array.isArray(ex)).toBe(true);
    expect(ey).toEqual(ex);
    // Together they are the same as one of them.
    expect(applyEdits(a.parsed.text, [...(ex as []), ...(ey as [])])).toBe(applyEdits(a.parsed.text, ex as []));
  });
});

describe('the instance profile of a legacy head ends up in the head node type', () => {
  const inputs: Array<[string, string]> = [
    ['simple.yaml', fixture('simple.yaml')],
    ['comments.yaml', fixture('comments.yaml')],
    ['existing-types.yaml', fixture('existing-types.yaml')],
    ['flow.yaml', fixture('flow.yaml')],
    ['samples/legacy.yaml', readSample('legacy')],
  ];
  it.each(inputs)('%s', async (_name, text) => {
    const profile = data(text).head_node.IamInstanceProfile;
    expect(profile).toBeTruthy();
    expect(analyzeStatic(text).findings.filter((f) => f.ruleId === 'RG206').map((f) => f.yamlPath)).toContain('head_node.IamInstanceProfile');
    const r = await migrateChecked(text);
    expect(headNodeConfig(r.text)?.IamInstanceProfile).toEqual(profile);
    expect(ruleIds(r.text)).not.toContain('RG206');
    expect(ruleIds(r.text)).not.toContain('RG201');
  });
});

describe('after the migration, the other corrections reach the new node types', () => {
  it('the head type takes the chosen profile; repeated fixing settles', async () => {
    const arn = 'arn:aws:iam::123456789012:instance-profile/ray-head';
    const opts = { profiles: { 'ray.head.default': arn } };
    // The engine plans on one analysis: the profile for the new head type may need a second pass.
    let t = readExample('aws_example-simple.yaml');
    for (let i = 0; i < 3; i++) t = (await fixConfig(t, opts)).text;
    expect(headNodeConfig(t)?.IamInstanceProfile).toEqual({ Arn: arn });
    expect((await fixConfig(t, opts)).text).toBe(t);
    expect(ruleIds(t)).not.toContain('RG105');
    expect(rayAccepts(t)).toEqual({ ok: true, errors: [] });
  });
});

describe('with available_node_types already written', () => {
  it('adds only the keys a node_config lacks, to the head type or to every worker type', async () => {
    const before = fixture('existing-types.yaml');
    const r = await fixConfig(before, MIGRATE);
    const d = data(r.text);
    const b = data(before);
    expect(d.available_node_types['ray.head.default'].node_config).toEqual({
      ...b.available_node_types['ray.head.default'].node_config, IamInstanceProfile: b.head_node.IamInstanceProfile,
    });
    for (const w of ['ray.worker.cpu', 'ray.worker.gpu']) {
      expect(d.available_node_types[w].node_config).toEqual({ ...b.available_node_types[w].node_config, KeyName: 'my-key' });
    }
    // Everything else is as it was.
    const rest = (x: Record<string, any>) => {
      const { available_node_types: _t, head_node: _h, worker_nodes: _w, min_workers: _m, ...others } = x;
      return others;
    };
    expect(rest(d)).toEqual(rest(b));
  });

  it('refuses when the legacy section and the node type disagree on a key', async () => {
    const text = `cluster_name: t
provider: {type: aws, region: us-west-2}
available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
head_node_type: ray.head.default
head_node:
  InstanceType: m5.4xlarge
`;
    const a = await analyze(text);
    const f = a.raw.find((x) => x.ruleId === 'RG105')!;
    expect(f.fix).toBeUndefined();
    expect(f.message).toMatch(/no automatic migration: .*different values/);
    expect(planLegacyMigration(a, f)).toMatch(/different values/);
    expect((await fixConfig(text, MIGRATE)).text).toBe(text);
  });

  it('refuses when there is no worker type to take worker_nodes', async () => {
    const text = `cluster_name: t
provider: {type: aws, region: us-west-2}
available_node_types:
  ray.head.default:
    resources: {}
    node_config: {InstanceType: m5.large}
worker_nodes:
  InstanceType: m5.large
`;
    const a = await analyze(text);
    expect(planLegacyMigration(a, a.raw.find((x) => x.ruleId === 'RG105')!)).toMatch(/no worker node type/);
  });
});

describe('refusals: layouts the tool does not migrate', () => {
  const reasonFor = async (text: string) => {
    const a = await analyze(text);
    const rg105 = a.raw.filter((x) => x.ruleId === 'RG105');
    expect(rg105.length).toBeGreaterThan(0);
    // No fix is offered, the message says why, and the planner gives the same reason.
    for (const f of rg105) {
      expect(f.fix).toBeUndefined();
      expect(f.message).toMatch(/no automatic migration: /);
    }
    const reason = planLegacyMigration(a, rg105[0]);
    expect(typeof reason).toBe('string');
    const r = await fixConfig(text, MIGRATE);
    expect(r.text).toBe(text);
    expect(r.applied).toEqual([]);
    return reason as string;
  };

  it('anchors and merge keys into or out of the legacy sections', async () => {
    expect(await reasonFor(fixture('anchors.yaml'))).toMatch(/anchor/);
    expect(await reasonFor(`cluster_name: t
provider: {type: aws}
x-ami: &ami ami-0123456789abcdef0
head_node:
  ImageId: *ami
worker_nodes:
  ImageId: ami-0123456789abcdef0
`)).toMatch(/alias/);
    expect(await reasonFor(`cluster_name: t
provider: {type: aws}
head_node:
  InstanceType: m5.large
  Placement: &zone {AvailabilityZone: us-west-2a}
worker_nodes:
  InstanceType: m5.large
x-zone: *zone
`)).toMatch(/anchor/);
  });

  it('a missing or empty section whose settings Ray 1.x took from its defaults', async () => {
    expect(await reasonFor('cluster_name: t\nprovider: {type: aws}\nhead_node:\n  InstanceType: m5.large\nworker_nodes: {}\n'))
      .toMatch(/worker_nodes is empty or missing/);
    expect(await reasonFor('cluster_name: t\nprovider: {type: aws}\nmax_workers: 2\nhead_node:\n  InstanceType: m5.large\n'))
      .toMatch(/worker_nodes is empty or missing/);
    expect(await reasonFor('cluster_name: t\nprovider: {type: aws}\nworker_nodes:\n  InstanceType: m5.large\n'))
      .toMatch(/head_node is empty or missing/);
  });

  it('a top-level min_workers that is not a number', async () => {
    expect(await reasonFor('cluster_name: t\nprovider: {type: aws}\nmin_workers: two\nhead_node: {InstanceType: m5.large}\nworker_nodes: {InstanceType: m5.large}\n'))
      .toMatch(/min_workers/);
  });
});

/** Lines of the legacy keys (their sections, and comments between two sections). */
function legacyLines(lines: string[]): Set<number> {
  const key = /^(?:head_node|worker_nodes|min_workers)\s*:/;
  const inside = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    if (!key.test(lines[i])) continue;
    let last = i;
    let j = i + 1;
    while (j < lines.length && (lines[j].trim() === '' || /^\s/.test(lines[j]) || lines[j].startsWith('#'))) {
      if (/^\s+\S/.test(lines[j])) last = j;
      j++;
    }
    const end = j < lines.length && key.test(lines[j]) ? j - 1 : last;
    for (let k = i; k <= end; k++) inside.add(k);
  }
  return inside;
}

/** True when `sub` appears in `all` in order (not necessarily next to each other). */
function isSubsequence(sub: string[], all: string[]): boolean {
  let i = 0;
  for (const l of all) if (i < sub.length && l === sub[i]) i++;
  return i === sub.length;
}

/** A finding as RG103 reports a Ray 1.x top-level key (the rule attaches the fix id itself). */
function legacyKeyFinding(text: string, key: string): RawFinding {
  const doc = parseDocument(text);
  const pair = (doc.contents as any).items.find((p: any) => p.key.value === key);
  const r = nodeRange(pair.key)!;
  return { ruleId: 'RG103', start: r[0], end: r[1], message: '', yamlPath: key, fix: 'remove-legacy-key' };
}

async function removeKeys(text: string, keys: string[]): Promise<string> {
  let out = text;
  for (const k of keys) {
    const a = await analyze(out);
    const e = planRemoveLegacyKey(a, legacyKeyFinding(out, k));
    if (typeof e === 'string') throw new Error(e);
    out = applyEdits(out, e);
  }
  return out;
}

describe("Ray's legacy examples", () => {
  const legacy = exampleFiles().filter((f) => ruleIds(readExample(f)).includes('RG105'));
  /** Schema errors the migration does not touch: keys Ray 1.x had, and keys released Ray never had. */
  const untouched: Record<string, string[]> = {
    'aws_example-gpu.yaml': [
      '/: must NOT have additional properties (initial_workers)',
      '/: must NOT have additional properties (target_utilization_fraction)',
      '/docker: must NOT have additional properties (install_docker)',
    ],
    'aws_example-auto-instance-type.yaml': [
      '/: must NOT have additional properties (available_instance_types)',
      '/: must NOT have additional properties (target_utilization_fraction)',
    ],
  };
  const ray1Keys: Record<string, string[]> = {
    'aws_example-gpu.yaml': ['initial_workers', 'target_utilization_fraction'],
    'aws_example-auto-instance-type.yaml': ['target_utilization_fraction'],
  };

  it('are the six files the fact sheet names', () => {
    expect(legacy).toEqual([
      'aws_example-auto-instance-type.yaml', 'aws_example-full-legacy.yaml', 'aws_example-gpu.yaml',
      'aws_example-head-and-worker-security-group.yaml', 'aws_example-simple.yaml', 'aws_example-tune.yaml',
    ]);
  });

  it.each(legacy)('%s: migrated, idempotent, every line kept, accepted by Ray\'s schema', async (name) => {
    const text = readExample(name);
    expect(rayAccepts(text).errors).toEqual(expect.arrayContaining([
      '/: must NOT have additional properties (head_node)', '/: must NOT have additional properties (worker_nodes)',
    ]));
    const r = await migrateChecked(text);

    // Lines outside the legacy sections: byte for byte, in order.
    const before = text.split('\n');
    const after = r.text.split('\n');
    const inside = legacyLines(before);
    expect(isSubsequence(before.filter((_l, i) => !inside.has(i)), after)).toBe(true);
    // Lines inside them: all still there (re-indented), except the top-level min_workers.
    const trimmedAfter = new Map<string, number>();
    for (const l of after) trimmedAfter.set(l.trim(), (trimmedAfter.get(l.trim()) ?? 0) + 1);
    for (const i of inside) {
      let t = before[i].trim();
      if (t === '' || /^min_workers\s*:/.test(before[i])) continue;
      // A section's key line becomes the node type's header; what followed the colon stays.
      const keyLine = /^(?:head_node|worker_nodes)\s*:(.*)$/.exec(before[i]);
      if (keyLine) {
        t = keyLine[1].trim();
        if (t !== '') expect(after.some((l) => l.endsWith(t))).toBe(true);
        continue;
      }
      const n = trimmedAfter.get(t) ?? 0;
      expect(n, `line ${i + 1} of ${name}`).toBeGreaterThan(0);
      trimmedAfter.set(t, n - 1);
    }

    // The data: head and worker node_config are the legacy sections; sizes from the top level.
    const b = data(text);
    const d = data(r.text);
    expect(d.head_node_type).toBe('ray.head.default');
    expect(d.available_node_types['ray.head.default']).toEqual({ resources: {}, node_config: b.head_node });
    expect(d.available_node_types['ray.worker.default']).toEqual({
      min_workers: b.min_workers ?? 0, ...(b.max_workers !== undefined ? { max_workers: b.max_workers } : {}),
      resources: {}, node_config: b.worker_nodes,
    });

    // Ray's own pipeline and schema: only errors unrelated to the legacy layout are left ...
    expect(rayAccepts(r.text).errors).toEqual(untouched[name] ?? []);
    // ... and removing the Ray 1.x keys leaves only keys released Ray never had.
    const cleaned = await removeKeys(r.text, ray1Keys[name] ?? []);
    expect(rayAccepts(cleaned).errors).toEqual((untouched[name] ?? []).filter((e) => !(ray1Keys[name] ?? []).some((k) => e.includes(`(${k})`))));
  });

  it.each(['aws_example-ml.yaml', 'aws_example-java.yaml', 'aws_example-full.yaml'])(
    '%s: no non-empty legacy section, nothing to migrate, and Ray accepts it as it is',
    async (name) => {
      const text = readExample(name);
      expect(ruleIds(text)).not.toContain('RG105');
      const r = await fixConfig(text, MIGRATE);
      expect(r.text).toBe(text);
      expect(rayAccepts(text)).toEqual({ ok: true, errors: [] });
    },
  );
});

describe('remove-legacy-key', () => {
  it('removes the whole entry of each Ray 1.x key and nothing else', async () => {
    const text = readExample('aws_example-gpu.yaml');
    const out = await removeKeys(text, ['initial_workers', 'target_utilization_fraction']);
    const removed = text.split('\n').filter((l) => !out.split('\n').includes(l));
    expect(removed).toEqual(['initial_workers: 0', 'target_utilization_fraction: 0.8']);
    expect(parseConfig(out).problems).toEqual([]);
  });

  it('removes worker_default_node_type and autoscaling_mode, in block and flow layouts', async () => {
    const block = 'cluster_name: t\nautoscaling_mode: default  # 1.x\nworker_default_node_type: cpu\nprovider: {type: aws}\n';
    expect(await removeKeys(block, ['autoscaling_mode', 'worker_default_node_type'])).toBe('cluster_name: t\nprovider: {type: aws}\n');
  });

  it('removes a top-level min_workers when there is no legacy section (Ray 2 drops it anyway)', async () => {
    const text = readExample('aws_example-java.yaml');
    const out = await removeKeys(text, ['min_workers']);
    expect(text.split('\n').filter((l) => !out.split('\n').includes(l))).toEqual(['min_workers: 1']);
    // Nothing changes for Ray: it popped the key before validating.
    expect(rayAccepts(out)).toEqual({ ok: true, errors: [] });
    expect(data(out).available_node_types).toEqual(data(text).available_node_types);
  });

  it('leaves min_workers to the migration when legacy sections exist, and refuses other keys', async () => {
    const text = fixture('min-max.yaml');
    const a = await analyze(text);
    expect(planRemoveLegacyKey(a, legacyKeyFinding(text, 'min_workers'))).toMatch(/migrate-legacy-format/);
    expect(planRemoveLegacyKey(a, legacyKeyFinding(text, 'cluster_name'))).toMatch(/not a Ray 1\.x key/);
  });

  it('refuses a value other parts of the config refer to', async () => {
    const text = 'cluster_name: t\ninitial_workers: &n 2\nprovider: {type: aws}\nmax_workers: *n\n';
    const a = await analyze(text);
    expect(planRemoveLegacyKey(a, legacyKeyFinding(text, 'initial_workers'))).toMatch(/anchor/);
  });

  expect(analyzeStatic(readExample('aws_example-gpu.yaml')).findings.some((f) => f.fix === 'remove-legacy-key')).toBe(true);
  it('RG103 offers it, and the engine removes the Ray 1.x keys', async () => {
    const text = readExample('aws_example-gpu.yaml');
    const r = await fixConfig(text, { fixes: ['remove-legacy-key'] });
    expect(r.applied.map((x) => x.ruleId)).toEqual(['RG103', 'RG103']);
    expect(r.text).toBe(await removeKeys(text, ['initial_workers', 'target_utilization_fraction']));
  });
});

describe('catalogue', () => {
  it('RG105 lists the migration as its fix', () => {
    expect(rule('RG105').fixes).toEqual(['migrate-legacy-format']);
  });
});
