/**
 * Audit findings on the fixer (see also the before/after folders worker-profile-casing,
 * move-role-arn, folded-command-credentials, multiline-scalar-credentials, folded-url-secret):
 *  1. A worker whose profile key is miscased (or written next to node_config) has a profile for
 *     RG202: no "missing" finding, no second profile added, the casing fix applies.
 *  2. A correction whose edit another one's covers (a role ARN inside a profile that is moved)
 *     is listed once, at the line the user sees.
 *  3. Credentials in commands written over several lines (folded `>`/`>-`/`>+`, plain or quoted
 *     scalars continued) are removed, and what the shell runs is the command without them.
 */
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fixConfig } from '@/lib/fix/plan';
import { snapshotFromJson } from '@/lib/iam/snapshot';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';
import { analyzeStatic } from '@/lib/validate';
import { gaad } from '../helpers/gaad';

const HEAD = `cluster_name: audit
provider:
  type: aws
  region: us-west-2
available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
      IamInstanceProfile:
        Arn: arn:aws:iam::123456789012:instance-profile/ray-head
`;
const CHOSEN = 'arn:aws:iam::123456789012:instance-profile/ray-chosen';
const profileKeys = (t: string) => t.match(/^\s*[A-Za-z]+InstanceProfile:/gim)?.map((k) => k.trim()) ?? [];

describe('1: a miscased worker profile key is the worker\'s profile', () => {
  const worker = (key: string, where: 'node_config' | 'node_type') => `${HEAD}  cpu:
    min_workers: 0
    max_workers: 2
    resources: {}
${where === 'node_type' ? `    ${key}:\n      Arn: arn:aws:iam::123456789012:instance-profile/ray-worker\n` : ''}    node_config:
      InstanceType: m5.large
${where === 'node_config' ? `      ${key}:\n        Arn: arn:aws:iam::123456789012:instance-profile/ray-worker\n` : ''}head_node_type: ray.head.default
setup_commands:
  - aws s3 cp s3://example-bucket/x /tmp/x
`;

  it.each(['iamInstanceProfile', 'IAMInstanceProfile', 'iam_instance_profile'])('%s in node_config: RG203, no RG202', (key) => {
    const ids = analyzeStatic(worker(key, 'node_config')).findings.map((f) => f.ruleId);
    expect(ids).toContain('RG203');
    expect(ids).not.toContain('RG202');
  });

  it('a key next to node_config: RG206, no RG202', () => {
    const ids = analyzeStatic(worker('IamInstanceProfile', 'node_type')).findings.map((f) => f.ruleId);
    expect(ids).toContain('RG206');
    expect(ids).not.toContain('RG202');
  });

  it('a worker with no profile key at all still gets RG202 with its correction', () => {
    const t = worker('iamInstanceProfile', 'node_config').replace(/ {6}iamInstanceProfile:\n.*\n/, '');
    expect(profileKeys(t)).toEqual(['IamInstanceProfile:']); // the head's
    expect(analyzeStatic(t).findings.filter((f) => f.ruleId === 'RG202').map((f) => f.fix)).toEqual(['add-worker-instance-profile']);
  });

  it.each([
    ['with a chosen profile', { profiles: { cpu: CHOSEN } }],
    ['without one', {}],
  ])('fix %s: one IamInstanceProfile, spelt right, nothing reported as not fixed', async (_n, opts) => {
    for (const [key, where] of [['iamInstanceProfile', 'node_config'], ['IAMInstanceProfile', 'node_config'], ['IamInstanceProfile', 'node_type']] as const) {
      const r = await fixConfig(worker(key, where), opts);
      const cpu = r.text.slice(r.text.indexOf('  cpu:'));
      expect(profileKeys(cpu)).toEqual(['IamInstanceProfile:']);
      expect(r.text).not.toContain(CHOSEN); // the existing profile is corrected, not replaced
      expect(r.skipped).toEqual([]);
      expect(r.applied.map((a) => a.ruleId)).toEqual([where === 'node_config' ? 'RG203' : 'RG206']);
      const left = analyzeStatic(r.text).findings.map((f) => f.ruleId);
      expect(left.filter((id) => /^RG20[236]$/.test(id))).toEqual([]);
      expect((await fixConfig(r.text, opts)).text).toBe(r.text);
    }
  });
});

describe('2: a correction covered by a move is listed once', () => {
  const iam = () => snapshotFromJson(JSON.stringify(gaad({ account: '123456789012', roles: [{ name: 'ray-worker-role', profiles: ['ray-worker'] }] })));
  const t = `${HEAD}  cpu:
    min_workers: 0
    max_workers: 2
    resources: {}
    IamInstanceProfile:
      Arn: arn:aws:iam::123456789012:role/ray-worker-role
    node_config:
      InstanceType: m5.large
head_node_type: ray.head.default
`;

  it('RG206 and RG205 each once, at their lines of the original; the ARN is the profile\'s', async () => {
    const r = await fixConfig(t, { iam: iam() });
    expect(r.applied.map((a) => `${a.ruleId}:${a.line}:${a.followUp ?? false}`)).toEqual(['RG206:16:false', 'RG205:17:false']);
    expect(r.text).toContain('    node_config:\n      InstanceType: m5.large\n      IamInstanceProfile:\n        Arn: arn:aws:iam::123456789012:instance-profile/ray-worker\n');
    expect(r.text).not.toContain(':role/');
  });

  it('when the later pass cannot make it, it is not listed as made', async () => {
    // No IAM source: RG205 has no correction to make; only the move is listed.
    const r = await fixConfig(t);
    expect(r.applied.map((a) => a.ruleId)).toEqual(['RG206']);
  });
});

describe('3: credentials in commands written over several lines', () => {
  const rng = makeRng(4242);
  const K = awsKeyId(rng);
  const S = awsSecret(rng);
  const cfg = (items: string) => `${HEAD}head_node_type: ray.head.default\nsetup_commands:\n${items}`;
  /** What the shell runs: each item's value, split into commands (lines, `&&`) and words. */
  const commands = (t: string) => (parseDocument(t).toJS() as { setup_commands: string[] }).setup_commands
    .map((v) => v.split(/\n|&&/).map((l) => l.trim().split(/\s+/).filter(Boolean)).filter((l) => l.length > 0));
  /** The same without the words `drop` names (and their `-e`), and without emptied `export`s. */
  const without = (cmds: string[][][], drop: (w: string) => boolean) => cmds.map((c) => c.map((l) => {
    const out: string[] = [];
    for (let i = 0; i < l.length; i++) {
      if (l[i] === '-e' && drop(l[i + 1] ?? '')) i++;
      else if (!drop(l[i])) out.push(l[i]);
    }
    return out.length === 1 && out[0] === 'export' ? [] : out;
  }).filter((l) => l.length > 0));
  const secret = (w: string) => w.includes(K) || w.includes(S);

  const shapes: Record<string, string> = {
    'folded >-, one flag a line': `  - >-\n    docker run -d --name x\n    -e AWS_ACCESS_KEY_ID=${K}\n    -e AWS_SECRET_ACCESS_KEY=${S}\n    -e AWS_REGION=us-west-2\n    img:1\n`,
    'folded >, flags within a line': `  - >\n    docker run -d -e AWS_ACCESS_KEY_ID=${K} -e AWS_SECRET_ACCESS_KEY=${S}\n    --rm img:1\n  - echo done\n`,
    'folded >+, env prefix': `  - >+\n    docker pull img:1 &&\n    AWS_ACCESS_KEY_ID=${K} docker run --rm\n    img:1\n\n  - echo done\n`,
    'folded, flag last on its line': `  - >-\n    docker run --rm -e AWS_ACCESS_KEY_ID=${K}\n    img:1\n`,
    'folded, paragraphs': `  - >\n    export AWS_ACCESS_KEY_ID=${K}\n\n    export AWS_SECRET_ACCESS_KEY=${S}\n\n    ray start --head\n`,
    'folded, && chain over lines': `  - >-\n    export AWS_ACCESS_KEY_ID=${K} &&\n    export AWS_SECRET_ACCESS_KEY=${S} &&\n    ray start --head\n`,
    'folded, more-indented line': `  - >\n    docker run\n      -e AWS_ACCESS_KEY_ID=${K} --rm\n    img\n`,
    'plain continued': `  - docker run -d\n    -e AWS_ACCESS_KEY_ID=${K}\n    -e AWS_SECRET_ACCESS_KEY=${S} img:1\n`,
    'plain continued, comment after': `  - docker run -d -e AWS_ACCESS_KEY_ID=${K}\n    img:1   # note\n`,
    'double-quoted continued': `  - "docker run -d\n    -e AWS_ACCESS_KEY_ID=${K}\n\n    -e AWS_SECRET_ACCESS_KEY=${S} img:1"\n`,
    'double-quoted, escaped line breaks': `  - "docker run -d -e AWS_ACCESS_KEY_ID=${K} \\\n    --rm -e AWS_SECRET_ACCESS_KEY=${S.slice(0, 18)}\\\n    ${S.slice(18)} img:1"\n`,
    'single-quoted continued': `  - 'docker run -d -e ''A=1''\n    -e AWS_ACCESS_KEY_ID=${K}\n    img:1'\n`,
  };

  it.each(Object.entries(shapes))('%s: removed, the rest of the command runs as before', async (_name, items) => {
    for (const crlf of [false, true]) {
      const before = crlf ? cfg(items).replace(/\n/g, '\r\n') : cfg(items);
      const r = await fixConfig(before);
      expect(r.skipped.filter((s) => /^RG40/.test(s.ruleId))).toEqual([]);
      expect(r.applied.filter((a) => /^RG40/.test(a.ruleId)).every((a) => a.fix === 'remove-credential')).toBe(true);
      expect(r.text).not.toContain(K);
      expect(r.text).not.toContain(S);
      expect(analyzeStatic(r.text).findings.filter((f) => /^RG40/.test(f.ruleId))).toEqual([]);
      expect(commands(r.text)).toEqual(without(commands(before), secret));
      expect((await fixConfig(r.text)).text).toBe(r.text);
      // Lines outside the commands stay byte-for-byte.
      expect(r.text.startsWith(crlf ? cfg('').replace(/\n/g, '\r\n') : cfg(''))).toBe(true);
    }
  });

  it('a layout it does not model (empty lines after an escaped break) is not edited, and says so', async () => {
    const r = await fixConfig(cfg(`  - "docker run -d -e AWS_ACCESS_KEY_ID=${K} \\\n\n    img:1"\n`));
    expect(r.text).toContain(K);
    expect(r.skipped.map((s) => s.ruleId)).toEqual(['RG401']);
  });
});
