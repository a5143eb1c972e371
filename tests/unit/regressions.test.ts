import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseDocument, visit } from 'yaml';
import { parseConfig } from '@/lib/config/parse';
import { analyzeStatic } from '@/lib/validate';
import { fixConfig } from '@/lib/fix/plan';
import demoAccount from '@/lib/iam/demo-account.json';
import { SnapshotIamSource } from '@/lib/iam/snapshot';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';
import { readExample } from '../helpers/shared';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/rayguard.mjs');
/** The demo account's data as the user's own snapshot: the demo source never hands its profiles to a config not written for it. */
const iam = new SnapshotIamSource(demoAccount, { kind: 'snapshot', label: 'team snapshot' });
const ids = (t: string) => analyzeStatic(t).findings.map((f) => f.ruleId);

describe('found by trying the tool as a user would', () => {
  it('a fix never passes off a secret it left behind as clean: it lists it as not fixed', async () => {
    const rng = makeRng(42);
    const id = awsKeyId(rng);
    const secret = awsSecret(rng);
    const t = `cluster_name: t\nprovider: {type: aws}\nsetup_commands: ["export AWS_ACCESS_KEY_ID=${id}", "python upload.py --secret ${secret}"]\n`;
    expect(ids(t)).toEqual(expect.arrayContaining(['RG401', 'RG402']));
    const r = await fixConfig(t, {});
    expect(r.text).toContain(secret);
    expect(r.skipped.filter((x) => x.ruleId.startsWith('RG4'))).toEqual([expect.objectContaining({ ruleId: 'RG402', line: 3, reason: expect.stringMatching(/by hand/) })]);
    // A line of a block script is cut; a comment has no correction, but it is said.
    const block = `cluster_name: t\nprovider: {type: aws}\nsetup_commands:\n  - |\n    export AWS_ACCESS_KEY_ID=${id}\n    pip install x\n# old key ${id}\n`;
    const b = await fixConfig(block, {});
    expect(b.text).toContain('  - |\n    pip install x\n');
    expect(b.skipped.filter((x) => x.ruleId.startsWith('RG4')).map((x) => `${x.line}:${x.ruleId}`)).toEqual(['7:RG401']);
  });

  it('many keys in one command: linear, not quadratic', async () => {
    const rng = makeRng(7);
    const cmd = Array.from({ length: 4000 }, () => `export AWS_ACCESS_KEY_ID=${awsKeyId(rng)}`).join(' ');
    const t = `cluster_name: t\nprovider: {type: aws}\nsetup_commands: ["${cmd}"]\n`;
    const t0 = Date.now();
    const n = analyzeStatic(t).findings.length;
    const r = await fixConfig(t, {});
    expect(n).toBe(4000 + 1); // and RG201: no node types, so Ray's default head
    expect(Date.now() - t0).toBeLessThan(20_000); // a hang guard; the benchmark measures speed
    expect(r.text).toBe('cluster_name: t\nprovider: {type: aws}\nsetup_commands: []\n');
  });

  it('adds the head profile inside a flow-style node_config, once', async () => {
    const t = 'cluster_name: t\nprovider: {type: aws}\navailable_node_types:\n  ray.head.default: {resources: {}, node_config: {InstanceType: m5.large}}\n';
    const once = await fixConfig(t, { iam });
    expect(once.text).toContain('node_config: {InstanceType: m5.large, IamInstanceProfile: {Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head}}}');
    expect(ids(once.text)).not.toContain('RG201');
    expect((await fixConfig(once.text, { iam })).text).toBe(once.text);
  });

  it('does not write the head profile into a node_config shared through an anchor', async () => {
    const t = 'cluster_name: t\nprovider: {type: aws}\navailable_node_types:\n  ray.head.default:\n    node_config: &cfg\n      InstanceType: m5.large\n  ray.worker.default:\n    node_config: *cfg\n';
    const f = analyzeStatic(t).findings.find((x) => x.ruleId === 'RG201');
    expect(f?.fix).toBeUndefined();
    const r = await fixConfig(t, { iam });
    expect(r.text).toBe(t);
    expect(r.skipped.map((x) => x.ruleId)).toContain('RG201');
  });

  it('a config without node types gets Ray\'s default head, which has no profile', () => {
    for (const name of ['aws_example-minimal_release_tests.yaml', 'aws_example-security-group.yaml']) {
      expect(ids(readExample(name))).toContain('RG201');
    }
  });

  it.each([
    ['an alias to an undefined anchor', 'cluster_name: *nothing\n'],
    ['a CloudFormation tag', 'cluster_name: !Ref Name\n'],
    ['a python tag', 'cluster_name: !!python/object/apply:os.system ["ls"]\n'],
    ['carriage-return-only line endings', 'cluster_name: t\rprovider: {type: aws}\r'],
    ['undecodable bytes', 'cluster_name: caf\uFFFD\n'],
  ])('RG101 for %s', (_n, t) => {
    expect(ids(t)).toContain('RG101');
  });

  it('an alias is undefined exactly when the yaml package cannot resolve it (anchor later, redefined, nested, self)', () => {
    const cases = [
      'a: &x 1\nb: *x\n',
      'a: *x\nb: &x 1\n',
      'a: &x 1\nb: &x 2\nc: *x\nd: *y\n',
      'a: &x [1, *x]\n',
      'a: &x {k: &y v}\nb: *y\nc: [*x, *z]\n',
      'a:\n  - &p {q: 1}\n  - <<: *p\n  - *r\n',
    ];
    for (const t of cases) {
      const doc = parseDocument(t, { version: '1.1', merge: true });
      const unresolved: number[] = [];
      visit(doc, { Alias: (_k, n) => void (n.resolve(doc) === undefined && unresolved.push(n.range![0])) });
      const reported = parseConfig(t).problems.filter((p) => /alias/.test(p.message)).map((p) => p.start);
      expect(reported, t).toEqual(unresolved);
    }
  });

  it.each(['n', 'Y', '1e3', '08'])('`cluster_name: %s` is text to PyYAML, so no RG103', (v) => {
    const t = `cluster_name: ${v}\nprovider: {type: aws, region: us-west-2}\n`;
    expect(analyzeStatic(t).findings.filter((f) => f.ruleId === 'RG103')).toEqual([]);
    expect(ids(`cluster_name: t\nprovider: {type: aws, region: us-west-2}\nmax_workers: ${v}\n`)).toContain('RG103');
  });

  it('standard tags PyYAML accepts are fine', () => {
    expect(ids('cluster_name: !!str 5\nprovider: {type: gcp}\nx: !!binary aGVsbG8=\n')).not.toContain('RG101');
  });

  it('too-deep nesting is reported at the same place whatever the stack', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const f = analyzeStatic(deep).findings.filter((x) => x.ruleId === 'RG101');
    // Where the nesting passes the limit, found without parsing: the same whatever the stack.
    expect(f[0]).toMatchObject({ line: 1, column: 256 });
    expect(f).toHaveLength(1);
  });

  it('CLI fix refuses non-UTF-8 input, keeps a BOM, and reports write errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rg-reg-'));
    const latin1 = path.join(dir, 'l.yaml');
    writeFileSync(latin1, Buffer.from('cluster_name: caf\xe9\nprovider: {type: aws}\n', 'latin1'));
    await expect(run('node', [CLI, 'fix', latin1, '-o', latin1])).rejects.toMatchObject({ code: 2 });
    expect(readFileSync(latin1, 'latin1')).toBe('cluster_name: caf\xe9\nprovider: {type: aws}\n');
    const check = await run('node', [CLI, 'check', '--format', 'json', latin1]).catch((e) => e);
    const f = JSON.parse(check.stdout).files[0].findings[0];
    expect(f).toMatchObject({ ruleId: 'RG101', line: 1, column: 18 });
    const bom = path.join(dir, 'bom.yaml');
    const body = readExample('aws_example-minimal.yaml');
    writeFileSync(bom, '\uFEFF' + body);
    const out = path.join(dir, 'out.yaml');
    await run('node', [CLI, 'fix', '--iam-demo', bom, '-o', out]);
    expect(readFileSync(out, 'utf8').startsWith('\uFEFF# ')).toBe(true);
    await expect(run('node', [CLI, 'fix', bom, '-o', path.join(dir, 'missing/dir/x.yaml')])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot write/) });
  });

  it('account ids decoded from key ids have 12 digits', () => {
    const rng = makeRng(3);
    for (let i = 0; i < 500; i++) {
      const f = analyzeStatic(`x: ${awsKeyId(rng)}\n`).findings.find((x) => x.ruleId === 'RG401');
      if (f?.accountId) expect(f.accountId).toMatch(/^\d{12}$/);
    }
  });
});

describe('found in the second round', () => {
  const rng = makeRng(2024);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);

  it('a stray control byte does not hide credentials; fix says what it left', async () => {
    const t = `cluster_name: x\n# \u001b[1m colored\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${id}\n`;
    const fs = analyzeStatic(t).findings;
    expect(fs.map((f) => f.ruleId)).toEqual(['RG101', 'RG401']);
    expect(fs[1].fix).toBeUndefined(); // no correction while the YAML is unreadable
    const r = await fixConfig(t, {});
    expect(r.text).toBe(t);
    expect(r.skipped).toEqual([expect.objectContaining({ ruleId: 'RG101', line: 2 }), expect.objectContaining({ ruleId: 'RG401', line: 4 })]);
  });

  it('no correction is offered while the YAML is broken', () => {
    const t = `cluster_name: x\ncluster_name: y\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${id}\n`;
    const f = analyzeStatic(t).findings.find((x) => x.ruleId === 'RG401');
    expect(f?.fix).toBeUndefined();
  });

  it('100,000 findings answer in seconds (per-finding work is logarithmic)', async () => {
    const r2 = makeRng(5);
    const t = 'a:\n' + Array.from({ length: 100_000 }, () => `- ${awsKeyId(r2)}\n`).join('');
    const t0 = Date.now();
    const n = analyzeStatic(t).findings.length;
    expect(n).toBeGreaterThan(99_000);
    expect(Date.now() - t0).toBeLessThan(30_000); // a hang guard; bench:secrets measures speed
  });

  it('docker options one word per item: the -e goes with its value', async () => {
    const t = `cluster_name: x\nprovider: {type: aws}\ndocker:\n  run_options:\n    - -e\n    - AWS_SECRET_ACCESS_KEY=${secret}\n    - --ulimit nofile=65536:65536\n`;
    const r = await fixConfig(t, {});
    expect(r.text).toBe('cluster_name: x\nprovider: {type: aws}\ndocker:\n  run_options:\n    - --ulimit nofile=65536:65536\n');
  });

  it('does not change shell logic: no segment is dropped from a || chain or a pipe', async () => {
    const t = `cluster_name: x\nprovider: {type: aws}\nsetup_commands:\n  - test -n "$X" && export AWS_ACCESS_KEY_ID=${id} || echo none\n  - export A=1 AWS_SECRET_ACCESS_KEY=${secret}; python x.py\n`;
    const fs = analyzeStatic(t).findings.filter((f) => f.ruleId.startsWith('RG40'));
    expect(fs.find((f) => f.line === 4)?.fix).toBeUndefined();
    const r = await fixConfig(t, {});
    expect(r.text).toContain(`  - test -n "$X" && export AWS_ACCESS_KEY_ID=${id} || echo none\n`);
    expect(r.text).toContain('  - export A=1; python x.py\n');
    expect(r.skipped.filter((x) => x.ruleId.startsWith('RG40')).map((x) => x.line)).toEqual([4]);
  });

  it('NOT FIXED names the occurrence that is left, not the one removed', async () => {
    const t = `cluster_name: x\nprovider: {type: aws}\nsetup_commands:\n  - export AWS_SECRET_ACCESS_KEY=${secret}\n  - |\n    echo AWS_SECRET_ACCESS_KEY=${secret} | python upload.py\n`;
    const r = await fixConfig(t, {});
    expect(r.applied.map((a) => a.line)).toEqual([4]);
    expect(r.skipped.filter((x) => x.ruleId === 'RG402').map((x) => x.line)).toEqual([6]);
  });
});

describe('tabs, as PyYAML reads them', () => {
  it.each([
    ['before a comment in a list', 'cluster_name: t\nsetup_commands:\n  - x\n\t# c\n  - y\n', true],
    ['after a value', 'cluster_name: t\t\n', true],
    ['inside a plain value', 'cluster_name: a\tb\n', true],
    ['inside a comment', 'cluster_name: t # a\tb\n', false],
    ['inside quotes', 'cluster_name: "a\tb"\n', false],
    ['inside a block scalar', 'setup_commands:\n  - |\n    echo a\tb\n', false],
  ])('%s', (_n, t, refused) => {
    expect(ids(t).includes('RG101')).toBe(refused);
  });
});

describe('found by the planted-pair property test (random credentials that look like something else)', () => {
  const scanKinds = (t: string) =>
    analyzeStatic(`cluster_name: t\nprovider: {type: aws}\nsetup_commands:\n${t}\n`).findings.map((f) => f.ruleId);
  it.each([
    // a key id that ends in PWD, followed by `:` — not a password key
    ['  - echo AKIA2IO7GO3MRRG34PWD:9o77r0x2POVRgrVjNmAVsdnrZkIeIp+TE2MYMIIX > ~/.passwd-s3fs', ['RG401', 'RG402']],
    // five X in a row inside a real-looking key id
    ['  - export AWS_ACCESS_KEY_ID=ASIA2CQ3B2C7XXXXXRFX', ['RG401']],
    // `dUMMy` in random case inside a secret is not the placeholder word
    ['  - export AWS_SECRET_ACCESS_KEY=2hiGUGbUN6L4KhoSH3cUs6qK+j7O8jdUMMyw9e5+', ['RG402']],
    // a random secret with entropy 4.1 (one in ~100,000 random tokens scores this low)
    ['  - echo AKIAELE6C2MJDDF3ECRY:xryGmxpPt7r/h6trpN3tWnPllND6qx3NnD7mGtpt > ~/.passwd-s3fs', ['RG401', 'RG402']],
  ])('%s', (line, want) => {
    expect(scanKinds(line).filter((r) => r.startsWith('RG4'))).toEqual(want);
  });
  it('placeholders written in one case are still placeholders', () => {
    const secret = (word: string) => (word + 'a8Kq2Zr5Tn7Wm3Xp9Lc4Bv6Hd1Jf0Gs8Yw2Ue5Oi').slice(0, 40);
    const found = (word: string) => scanKinds(`  - export AWS_SECRET_ACCESS_KEY=${secret(word)}`).filter((r) => r.startsWith('RG4'));
    expect(found('dUMMy')).toEqual(['RG402']); // the control: the same token in random case is found
    for (const w of ['dummy', 'DUMMY', 'Dummy', 'ReplaceMe', 'REPLACE_ME', 'Example']) expect(found(w)).toEqual([]);
  });
});

describe('merge keys', () => {
  it('a deep chain of merges (each merging the one below twice) is followed to the profile, quickly', () => {
    const levels = 60;
    let t = "cluster_name: x\nprovider: {type: aws, region: us-west-2}\nbases:\n  - &b0 {IamInstanceProfile: {Arn: 'arn:aws:iam::123456789012:role/r'}}\n";
    for (let i = 1; i <= levels; i++) t += `  - &b${i} {<<: [*b${i - 1}, *b${i - 1}], k${i}: 1}\n`;
    t += `available_node_types:\n  h:\n    node_config: {<<: *b${levels}, InstanceType: m5.large}\n    resources: {}\nhead_node_type: h\n`;
    const t0 = Date.now();
    const ids = analyzeStatic(t).findings.map((f) => f.ruleId);
    expect(ids).toContain('RG205'); // the role ARN 61 merges down, as PyYAML sees it
    expect(ids).not.toContain('RG201');
    expect(Date.now() - t0).toBeLessThan(10_000); // a hang guard
  });
});
