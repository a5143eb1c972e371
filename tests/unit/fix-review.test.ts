/**
 * Corrections as a demanding user meets them: found by a fresh tester's attack on Fix and the
 * review, each kept as a test.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixConfig } from '@/lib/fix/plan';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';
import { analyzeStatic } from '@/lib/validate';

const rng = makeRng(2026);
const id = awsKeyId(rng);
const secret = awsSecret(rng);
const HEAD = 'arn:aws:iam::123456789012:instance-profile/ray-head';

const base = (rest: string) => `cluster_name: t\nprovider:\n  type: aws\n  region: us-west-2\n${rest}`;

describe('the corrected config is what it says', () => {
  it('an ARN with a comma inserted into a flow node_config stays one ARN', async () => {
    const arn = 'arn:aws:iam::123456789012:instance-profile/a,b';
    const text = base('available_node_types:\n  ray.head.default:\n    resources: {}\n    node_config: {InstanceType: m5.large}\nhead_node_type: ray.head.default\n');
    const r = await fixConfig(text, { profiles: { 'ray.head.default': arn } });
    expect(parse(r.text).available_node_types['ray.head.default'].node_config.IamInstanceProfile).toEqual({ Arn: arn });
  });

  it('removing the last mount leaves an empty list or mapping, never null', async () => {
    const text = base('file_mounts:\n  ~/.aws: ~/.aws\ncluster_synced_files:\n  - ~/.aws/credentials\ndocker:\n  image: rayproject/ray\n  run_options:\n    - -v ~/.aws:/root/.aws:ro\n');
    const r = await fixConfig(text, { fixes: ['remove-credentials-mount'] });
    const d = parse(r.text);
    expect(d.file_mounts).toEqual({});
    expect(d.cluster_synced_files).toEqual([]);
    expect(d.docker.run_options).toEqual([]);
  });

  it('a command run in the background with `&` keeps the rest of the command', async () => {
    const text = base(`head_start_ray_commands:\n  - export AWS_SECRET_ACCESS_KEY=${secret} & ray start --head\n`);
    const r = await fixConfig(text, { fixes: ['remove-credential'] });
    expect(r.text).toContain('  - ray start --head\n');
    expect(r.text).not.toContain(secret);
  });

  it('two credentials in one command both go; with nothing left, so does the item', async () => {
    const text = base(`setup_commands:\n  - export AWS_ACCESS_KEY_ID=${id}; export AWS_SECRET_ACCESS_KEY=${secret}\n  - pip install ray\n`);
    const r = await fixConfig(text, { fixes: ['remove-credential'] });
    expect(r.text).toContain('setup_commands:\n  - pip install ray\n');
    expect((await fixConfig(r.text, { fixes: ['remove-credential'] })).text).toBe(r.text);
  });

  it('a command in a nested list that cannot be removed is not reported as removed', async () => {
    const text = base(`setup_commands:\n  - - export AWS_SECRET_ACCESS_KEY=${secret}\n`);
    const r = await fixConfig(text);
    expect(r.applied.filter((a) => a.ruleId === 'RG402')).toEqual([]);
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG402' }));
  });
});

describe('what is not fixed is said', () => {
  it('the same secret written again without context', async () => {
    const text = base(`setup_commands:\n  - export AWS_SECRET_ACCESS_KEY=${secret} && echo ${secret}\n`);
    const r = await fixConfig(text);
    expect(r.text).toContain(secret);
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG402', line: 6, reason: expect.stringMatching(/same credential/) }));
  });

  it('errors with no correction: two spellings of the profile key', async () => {
    const text = base(`available_node_types:\n  ray.head.default:\n    resources: {}\n    node_config:\n      IamInstanceProfile: {Arn: ${HEAD}}\n      iamInstanceProfile: {Arn: ${HEAD}}\nhead_node_type: ray.head.default\n`);
    const r = await fixConfig(text);
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG203', line: 10, reason: expect.stringMatching(/by hand/) }));
  });

  it('a head whose profile sits where Ray does not read it gets no second one', async () => {
    const text = base(`available_node_types:\n  ray.head.default:\n    resources: {}\n    node_config: {InstanceType: m5.large}\n    IamInstanceProfile: {Arn: ${HEAD}}\nhead_node_type: ray.head.default\n`);
    const r = await fixConfig(text, { profiles: { 'ray.head.default': HEAD } });
    expect(r.text.match(/IamInstanceProfile/g)).toHaveLength(1);
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG201', reason: expect.stringMatching(/correct that one rather than add another/) }));
  });
});

describe('review: a rejected correction is kept', () => {
  const heredoc = base(`setup_commands:\n  - |\n    cat > ~/.aws/credentials <<EOF\n    [default]\n    aws_access_key_id = ${id}\n    aws_secret_access_key = ${secret}\n    EOF\n    pip install boto3\n`);

  it('a correction that would also remove the rejected line is not made, and says why', async () => {
    const f = analyzeStatic(heredoc).findings.find((x) => x.ruleId === 'RG401')!;
    const r = await fixConfig(heredoc, { exclude: [{ ruleId: 'RG401', line: f.line, column: f.column }] });
    expect(r.text).toContain(id);
    expect(r.applied).toEqual([]);
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG402', reason: expect.stringMatching(/whose correction \(RG401\) you rejected/) }));
  });

  it('without the rejection, the heredoc goes whole', async () => {
    const r = await fixConfig(heredoc);
    expect(r.text).not.toContain(id);
    expect(r.text).toContain('  - |\n    pip install boto3\n');
  });
});

describe('small things a user notices', () => {
  it('a chosen profile from another partition is refused, not written', async () => {
    const text = base('available_node_types:\n  ray.head.default:\n    resources: {}\n    node_config:\n      InstanceType: m5.large\nhead_node_type: ray.head.default\n');
    const r = await fixConfig(text, { profiles: { 'ray.head.default': 'arn:aws-cn:iam::123456789012:instance-profile/ray-head' } });
    expect(r.text).toBe(text);
    expect(r.skipped).toContainEqual(expect.objectContaining({ ruleId: 'RG201', reason: expect.stringMatching(/partition aws-cn/) }));
  });

  it('SSO and CLI caches under ~/.aws are credentials too', () => {
    const fs = analyzeStatic(base('file_mounts:\n  ~/.aws/sso/cache: ~/.aws/sso/cache\n  /home/ubuntu/.awsome: ./awsome\n')).findings.filter((f) => f.ruleId === 'RG407');
    expect(fs.map((f) => f.line)).toEqual([6]);
  });

  it('corrections are listed in the order of the text', async () => {
    const text = base(`setup_commands:\n  - export AWS_SECRET_ACCESS_KEY=${secret}\nfile_mounts:\n  ~/.aws: ~/.aws\navailable_node_types:\n  ray.head.default:\n    resources: {}\n    node_config:\n      iamInstanceProfile: {Arn: ${HEAD}}\nhead_node_type: ray.head.default\n`);
    const r = await fixConfig(text);
    const lines = r.applied.map((a) => a.line);
    expect(lines).toEqual([...lines].sort((x, y) => x - y));
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });
});
