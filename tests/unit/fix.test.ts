import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixConfig } from '@/lib/fix/plan';
import { demoIamSource } from '@/lib/iam/demo';
import demoAccount from '@/lib/iam/demo-account.json';
import { SnapshotIamSource } from '@/lib/iam/snapshot';
import { analyzeStatic, validate } from '@/lib/validate';
import { corpusFiles, exampleFiles, readCorpus, readExample, readSample } from '../helpers/shared';

/** The demo account's data as the user's own snapshot: the demo source never hands its profiles to a config not written for it. */
const iam = new SnapshotIamSource(demoAccount, { kind: 'snapshot', label: 'team snapshot' });
const CRED = /^RG40[1-6]$/;
const HEAD_ARN = 'arn:aws:iam::314159265358:instance-profile/ray/ray-head';

/** Synthetic, valid-shaped AWS keys made at test time. */
function syntheticKeys(seed: number) {
  const b32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = seed >>> 0;
  const rnd = (n: number) => {
    // mulberry32: well-spread values, so the keys have the entropy of real ones
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const id = 'AKIAQ' + Array.from({ length: 15 }, () => b32[rnd(32)]).join('');
  const secret = Array.from({ length: 40 }, () => b64[rnd(64)]).join('');
  return { id, secret };
}

describe('corrections', () => {
  it('adds the default head profile to aws_example-full.yaml and keeps every other line', async () => {
    const text = readExample('aws_example-full.yaml');
    const r = await fixConfig(text, { iam });
    expect(r.applied.map((a) => a.fix)).toEqual(['add-instance-profile']);
    const added = r.text.split('\n').filter((l) => !text.split('\n').includes(l));
    expect(added.map((l) => l.trim())).toEqual(['IamInstanceProfile:', `Arn: ${HEAD_ARN}`]);
    // Removing the added lines gives back the original byte for byte.
    expect(r.text.split('\n').filter((l) => !added.includes(l)).join('\n')).toBe(text);
    // It lands inside the head's node_config, indented like its siblings.
    expect(r.text).toContain(`                      VolumeSize: 100\n            IamInstanceProfile:\n                Arn: ${HEAD_ARN}\n`);
    const after = analyzeStatic(r.text).findings.map((f) => f.ruleId);
    expect(after).not.toContain('RG201');
  });

  it('never copies a profile of the embedded demo account into a config not written for it', async () => {
    const r = await fixConfig(readExample('aws_example-minimal.yaml'), { iam: demoIamSource() });
    expect(r.text).not.toContain('314159265358');
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG201', reason: expect.stringMatching(/demo account, not yours/) }));
    // The bundled samples name the demo account: there it may.
    const sample = await fixConfig(readSample('role-arn'), { iam: demoIamSource() });
    expect(sample.text).toContain('instance-profile/ray/ray-head');
  });

  it('uses the profile the user chose', async () => {
    const chosen = 'arn:aws:iam::314159265358:instance-profile/ray/ray-worker';
    const r = await fixConfig(readExample('aws_example-minimal.yaml'), { iam, profiles: { 'ray.head.default': chosen } });
    expect(r.text).toContain(`Arn: ${chosen}`);
  });

  it('never invents an ARN: without IAM or a choice, the head fix is skipped with a reason', async () => {
    const r = await fixConfig(readExample('aws_example-full.yaml'), {});
    expect(r.applied).toEqual([]);
    expect(r.skipped[0].reason).toMatch(/--profile/);
  });

  it('removes credentials from the keys sample and keeps the rest of each command', async () => {
    const text = readSample('keys');
    const r = await fixConfig(text, { iam });
    const after = await validate(r.text, { iam });
    expect(after.filter((f) => CRED.test(f.ruleId))).toEqual([]);
    expect(r.text).not.toContain('aws_credentials');
    expect(r.text).toContain('- -e AWS_DEFAULT_REGION=us-east-1\n');
    expect(r.text).toContain('- pip install -q boto3\n');
    expect(r.text).toContain('# credentials for the training data bucket\n');
    expect(r.text).toContain(`IamInstanceProfile:\n                Arn: ${HEAD_ARN}`);
  });

  it('replaces a role ARN by the profile IAM has for that role', async () => {
    const r = await fixConfig(readSample('role-arn'), { iam });
    expect(r.text).toContain('Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head\n');
    expect(r.text).not.toContain(':role/ray/ray-head-role');
  });

  it('applies only the fixes asked for', async () => {
    const r = await fixConfig(readSample('keys'), { iam, fixes: ['remove-aws-credentials'] });
    expect(r.applied.every((a) => a.fix === 'remove-aws-credentials')).toBe(true);
    expect(r.text).toContain('export AWS_SECRET_ACCESS_KEY=');
    expect(r.text).not.toContain('aws_credentials:');
  });

  it('turns a list emptied of credentials into []', async () => {
    const { id, secret } = syntheticKeys(7);
    const t = `cluster_name: t\nprovider: {type: aws}\nsetup_commands:\n  - export AWS_ACCESS_KEY_ID=${id}\n  - export AWS_SECRET_ACCESS_KEY=${secret}\nhead_start_ray_commands: []\n`;
    const r = await fixConfig(t, {});
    expect(r.text).toBe('cluster_name: t\nprovider: {type: aws}\nsetup_commands: []\nhead_start_ray_commands: []\n');
  });

  it('removes the credential part of compound commands and env prefixes', async () => {
    const { id, secret } = syntheticKeys(11);
    const t = `cluster_name: t
provider: {type: aws}
head_start_ray_commands:
  - AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${secret} ray start --head
  - "export AWS_SECRET_ACCESS_KEY=${secret}; ray stop"
docker:
  run_options: ["--env AWS_ACCESS_KEY_ID=${id}", "--shm-size=8g"]
`;
    const r = await fixConfig(t, {});
    expect(r.text).toContain('  - ray start --head\n');
    expect(r.text).toContain('  - "ray stop"\n');
    expect(r.text).toContain('run_options: ["--shm-size=8g"]');
    expect(analyzeStatic(r.text).findings.filter((f) => CRED.test(f.ruleId))).toEqual([]);
  });

  it('keeps CRLF line endings', async () => {
    const r = await fixConfig(readExample('aws_example-minimal.yaml').replace(/\n/g, '\r\n'), { iam });
    expect(r.text).toContain(`IamInstanceProfile:\r\n`);
    expect(r.text.replace(/\r\n/g, '')).not.toContain('\n');
  });
});

describe('invariants over real configs', () => {
  const inputs = [
    ...exampleFiles().map((f) => [f, readExample(f)] as const),
    ...corpusFiles().map((f) => [f, readCorpus(f)] as const),
    ...['clean', 'keys', 'role-arn', 'legacy'].map((s) => [s, readSample(s)] as const),
  ];

  it.each(inputs)('%s: fixing is idempotent, keeps YAML valid and leaves no fixable finding', async (_name, text) => {
    const once = await fixConfig(text, { iam });
    const twice = await fixConfig(once.text, { iam });
    expect(twice.text).toBe(once.text);
    expect(twice.applied).toEqual([]);
    const after = await validate(once.text, { iam });
    expect(after.filter((f) => f.fix && once.applied.some((a) => a.fix === f.fix))).toEqual([]);
    if (!analyzeStatic(text).findings.some((f) => f.ruleId === 'RG101')) {
      expect(after.map((f) => f.ruleId)).not.toContain('RG101');
    }
  });
});

describe('property: fixing generated configs', () => {
  const benign = fc.constantFrom('pip install -U boto3', 'echo hello', 'mkdir -p ~/data', 'ray stop', 'ulimit -n 65536; ray start --head');
  const comment = fc.constantFrom('# keep me', '# credentials below', '#   indented remark');
  it('removes exactly the credential lines, keeps every other line and comment in order, and is idempotent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(
          benign.map((c) => ({ line: `    - ${c}`, cred: false })),
          comment.map((c) => ({ line: `    ${c}`, cred: false })),
          fc.tuple(fc.integer({ min: 1, max: 1e9 }), fc.constantFrom(0, 1, 2, 3)).map(([seed, form]) => {
            const { id, secret } = syntheticKeys(seed);
            const forms = [`export AWS_ACCESS_KEY_ID=${id}`, `export AWS_SECRET_ACCESS_KEY=${secret}`,
              `aws configure set aws_secret_access_key ${secret}`, `aws configure set aws_access_key_id ${id}`];
            return { line: `    - ${forms[form]}`, cred: true };
          }),
        ), { minLength: 1, maxLength: 12 }).filter((ls) => ls.some((l) => l.line.trim().startsWith('-'))),
        async (items) => {
          const text = `cluster_name: gen\nprovider:\n    type: aws\nsetup_commands:\n${items.map((i) => i.line).join('\n')}\n`;
          const r = await fixConfig(text, {});
          const expected = items.filter((i) => !i.cred).map((i) => i.line);
          const body = r.text.split('\n').slice(4).filter((l) => l !== '');
          expect(body).toEqual(expected);
          expect(r.text.split('\n')[3]).toBe(items.some((i) => !i.cred && i.line.trim().startsWith('-')) ? 'setup_commands:' : 'setup_commands: []');
          expect(analyzeStatic(r.text).findings.filter((f) => CRED.test(f.ruleId))).toEqual([]);
          expect((await fixConfig(r.text, {})).text).toBe(r.text);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('remove-credential keeps what the command does', () => {
  it('keeps `env ... ray start` and commands that use a token for something else', async () => {
    const { id, secret } = syntheticKeys(99);
    const gh = 'ghp_' + syntheticKeys(5).secret.replace(/[+/]/g, 'a').slice(0, 36);
    const t = `cluster_name: t
provider: {type: aws}
worker_start_ray_commands:
  - env AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${secret} ray start --address=$RAY_HEAD_IP:6379
setup_commands:
  - git clone https://${gh}@github.com/example/repo.git
  - export AWS_ACCESS_KEY_ID=${id} AWS_DEFAULT_REGION=us-east-1
`;
    const r = await fixConfig(t, {});
    expect(r.text).toContain('  - env ray start --address=$RAY_HEAD_IP:6379\n');
    expect(r.text).toContain(`  - git clone https://${gh}@github.com/example/repo.git\n`); // no safe removal: left for the user
    expect(r.text).toContain('  - export AWS_DEFAULT_REGION=us-east-1\n');
    const gitFinding = analyzeStatic(t).findings.find((f) => f.line === 6);
    expect(gitFinding?.fix).toBeUndefined();
  });
});

describe('targeted fixes (one marker)', () => {
  it('fixes only the finding at the given position', async () => {
    const text = readSample('keys');
    const all = analyzeStatic(text).findings.filter((f) => f.fix === 'remove-credential');
    expect(all.length).toBeGreaterThan(2);
    const one = all[all.length - 1];
    const r = await fixConfig(text, { targets: [{ ruleId: one.ruleId, line: one.line, column: one.column }] });
    expect(r.applied).toHaveLength(1);
    expect(r.applied[0]).toMatchObject({ ruleId: one.ruleId, line: one.line });
    const left = analyzeStatic(r.text).findings.filter((f) => f.fix === 'remove-credential');
    expect(left).toHaveLength(all.length - 1);
  });
});
