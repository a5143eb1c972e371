import { describe, expect, it } from 'vitest';
import { analyzeStatic, validate } from '@/lib/validate';
import { demoIamSource } from '@/lib/iam/demo';
import { exampleFiles, readExample, readSample } from '../helpers/shared';
import type { Finding } from '@/lib/findings/types';

const ids = (fs: Finding[]) => fs.map((f) => f.ruleId);
const only = (fs: Finding[], id: string) => fs.filter((f) => f.ruleId === id);
const staticIds = (text: string) => ids(analyzeStatic(text).findings);

const BASE = (nodeConfig: string, extra = '') => `cluster_name: t
provider:
  type: aws
  region: us-west-2
${extra}available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
${nodeConfig}
head_node_type: ray.head.default
`;

describe('RG101 yaml-syntax', () => {
  it.each([
    ['empty file', ''],
    ['only comments', '# nothing here\n# at all\n'],
    ['null root', '~\n'],
    ['list root', '- a\n- b\n'],
    ['scalar root', 'just a string\n'],
    ['binary bytes', 'cluster_name: a\u0000\u0001b\n'],
    ['duplicate keys', 'cluster_name: a\ncluster_name: b\n'],
    ['unclosed flow', 'provider: {type: aws\n'],
    ['bad indentation', 'provider:\n  type: aws\n region: x\n'],
  ])('%s is RG101', (_name, text) => {
    const fs = analyzeStatic(text).findings;
    expect(ids(fs)).toContain('RG101');
    for (const f of fs) expect(f.line).toBeGreaterThanOrEqual(1);
  });

  it('locates a duplicate key at its line and column', () => {
    const [f] = only(analyzeStatic('cluster_name: a\nprovider: {}\ncluster_name: b\n').findings, 'RG101');
    expect(f).toMatchObject({ line: 3, column: 1 });
    expect(f.message).toMatch(/^Duplicate key/);
  });

  it('never quotes the source in its message', () => {
    const secret = 'wJalrSecretInsideBrokenYaml0123456789abcd';
    const fs = analyzeStatic(`a: "${secret}\nb: [${secret}\n`).findings;
    for (const f of fs) expect(f.message).not.toContain(secret);
  });

  it('answers an alias bomb and deep nesting quickly, without throwing', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    const deepFlow = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepBlock = Array.from({ length: 10_000 }, (_, i) => ' '.repeat(i) + 'k:').join('\n');
    for (const text of [bomb.join('\n') + '\n', deepFlow, deepBlock, `provider: {type: aws}\nx: ${deepFlow}\n`]) {
      const t = Date.now();
      const fs = analyzeStatic(text).findings;
      expect(Date.now() - t).toBeLessThan(5000); // a hang guard, not a performance target
      expect(Array.isArray(fs)).toBe(true);
    }
    expect(staticIds(deepFlow)).toContain('RG101');
  });
});

describe('node types and profiles', () => {
  it('RG201 and RG202 when no node type has a profile (fixable head)', () => {
    const fs = analyzeStatic(readExample('aws_example-full.yaml')).findings;
    const head = only(fs, 'RG201');
    expect(head).toHaveLength(1);
    expect(head[0]).toMatchObject({ yamlPath: 'available_node_types.ray.head.default', fix: 'add-instance-profile', severity: 'warning' });
    expect(only(fs, 'RG202').map((f) => f.yamlPath)).toEqual(['available_node_types.ray.worker.default']);
    expect(only(fs, 'RG105')).toHaveLength(0); // empty head_node: {} is dropped by Ray
  });

  it('defaults head_node_type to ray.head.default and reports a missing one (RG104)', () => {
    expect(staticIds(BASE('').replace('head_node_type: ray.head.default\n', ''))).not.toContain('RG104');
    const bad = BASE('').replace('head_node_type: ray.head.default', 'head_node_type: ray.head');
    expect(only(analyzeStatic(bad).findings, 'RG104')[0]).toMatchObject({ line: 11, yamlPath: 'head_node_type' });
  });

  it.each([
    ['a string', '      IamInstanceProfile: arn:aws:iam::314159265358:instance-profile/x', 'RG203'],
    ['empty', '      IamInstanceProfile: {}', 'RG203'],
    ['null', '      IamInstanceProfile:', 'RG203'],
    ['a list', '      IamInstanceProfile: [a]', 'RG203'],
    ['both keys', '      IamInstanceProfile: {Arn: "arn:aws:iam::314159265358:instance-profile/x", Name: x}', 'RG203'],
    ['wrong key casing', '      IamInstanceProfile: {arn: "arn:aws:iam::314159265358:instance-profile/x"}', 'RG203'],
    ['wrong profile key casing', '      iamInstanceProfile: {Arn: "arn:aws:iam::314159265358:instance-profile/x"}', 'RG203'],
    ['a region in the ARN', '      IamInstanceProfile: {Arn: "arn:aws:iam:us-west-2:314159265358:instance-profile/x"}', 'RG204'],
    ['a dashed account', '      IamInstanceProfile: {Arn: "arn:aws:iam::3141-5926-5358:instance-profile/x"}', 'RG204'],
    ['an ARN as Name', '      IamInstanceProfile: {Name: "arn:aws:iam::314159265358:instance-profile/x"}', 'RG204'],
    ['a role ARN', '      IamInstanceProfile: {Arn: "arn:aws:iam::314159265358:role/x"}', 'RG205'],
    ['a placeholder account', '      IamInstanceProfile: {Arn: "arn:aws:iam::ACCOUNT_ID:instance-profile/x"}', 'RG207'],
    ['an unrendered variable', '      IamInstanceProfile: {Name: "${HEAD_PROFILE}"}', 'RG207'],
    ['a China ARN in us-west-2', '      IamInstanceProfile: {Arn: "arn:aws-cn:iam::314159265358:instance-profile/x"}', 'RG209'],
  ])('profile that is %s gives %s', (_n, line, id) => {
    const fs = analyzeStatic(BASE(line)).findings;
    expect(ids(fs)).toContain(id);
    // Ray looks for the exact key: present, it skips its default profile; misspelled, it does not.
    if (line.includes('iamInstanceProfile')) expect(ids(fs)).toContain('RG201');
    else expect(ids(fs)).not.toContain('RG201');
  });

  it('a valid profile gives no profile finding', () => {
    const fs = analyzeStatic(BASE('      IamInstanceProfile:\n        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head')).findings;
    expect(ids(fs).filter((i) => i.startsWith('RG2'))).toEqual([]);
  });

  it('RG206 for a profile at the node type level or under provider', () => {
    const t = BASE('    IamInstanceProfile: {Name: x}', '  IamInstanceProfile: {Name: y}\n');
    const fs = only(analyzeStatic(t).findings, 'RG206');
    expect(fs.map((f) => f.yamlPath).sort()).toEqual(['available_node_types.ray.head.default.IamInstanceProfile', 'provider.IamInstanceProfile']);
    expect(ids(analyzeStatic(t).findings)).toContain('RG201');
  });

  it('RG208 for IAM-looking provider keys', () => {
    expect(only(analyzeStatic(BASE('', '  iam_role: ray-head\n  instance_profile: x\n')).findings, 'RG208')).toHaveLength(2);
  });

  it('honours merge keys: a profile reached through << is there', () => {
    const t = `cluster_name: t
provider: {type: aws, region: us-west-2}
available_node_types:
  ray.head.default:
    resources: {}
    node_config: &base
      InstanceType: m5.large
      IamInstanceProfile: {Arn: "arn:aws:iam::314159265358:role/r"}
  ray.worker.default:
    resources: {}
    node_config:
      <<: *base
      InstanceType: m5.xlarge
head_node_type: ray.head.default
`;
    const fs = analyzeStatic(t).findings;
    expect(ids(fs)).not.toContain('RG202');
    expect(only(fs, 'RG205')).toHaveLength(1); // written once, reported once
  });

  it('treats __proto__ and constructor as ordinary node type names', () => {
    const t = `cluster_name: t
provider: {type: aws}
available_node_types:
  __proto__:
    resources: {}
    node_config: {InstanceType: m5.large}
  constructor:
    resources: {}
    node_config: {InstanceType: m5.large}
head_node_type: __proto__
`;
    const fs = analyzeStatic(t).findings;
    expect(only(fs, 'RG201')[0]?.yamlPath).toBe('available_node_types.__proto__');
    expect(only(fs, 'RG202')[0]?.yamlPath).toBe('available_node_types.constructor');
    expect(ids(fs)).not.toContain('RG104');
  });

  it('RG102 and no AWS checks for other providers', () => {
    const fs = analyzeStatic('cluster_name: t\nprovider: {type: gcp}\navailable_node_types: {h: {node_config: {}}}\nhead_node_type: h\n').findings;
    expect(ids(fs)).toEqual(['RG102']);
  });

  it('RG105 on legacy sections', () => {
    const fs = analyzeStatic(readSample('legacy')).findings;
    expect(ids(fs)).toEqual(expect.arrayContaining(['RG105', 'RG206', 'RG208']));
  });

  it('RG406 on provider.aws_credentials', () => {
    const fs = analyzeStatic(BASE('', '  aws_credentials:\n    region_name: us-west-2\n')).findings;
    expect(only(fs, 'RG406')[0]).toMatchObject({ line: 5, column: 3, fix: 'remove-aws-credentials' });
  });

  it('CRLF files report the same positions as LF files', () => {
    const lf = readSample('role-arn');
    const a = analyzeStatic(lf).findings;
    const b = analyzeStatic(lf.replace(/\n/g, '\r\n')).findings;
    expect(b).toEqual(a);
  });
});

describe("Ray's own examples", () => {
  it.each(exampleFiles())('%s parses and gets consistent findings', (name) => {
    const fs = analyzeStatic(readExample(name)).findings;
    expect(ids(fs)).not.toContain('RG101');
    for (const f of fs) {
      expect(f.line).toBeGreaterThanOrEqual(1);
      expect(f.endLine * 1e6 + f.endColumn).toBeGreaterThanOrEqual(f.line * 1e6 + f.column);
      expect(f.message.length).toBeGreaterThan(10);
    }
    // No Ray example carries credentials.
    expect(ids(fs).filter((i) => i.startsWith('RG4'))).toEqual([]);
  });

  it('legacy examples are RG105; modern ones without profiles are RG201', () => {
    expect(staticIds(readExample('aws_example-full-legacy.yaml'))).toContain('RG105');
    expect(staticIds(readExample('aws_example-minimal.yaml'))).toContain('RG201');
    // The CloudWatch example names its worker profile: no RG202 for it.
    const cw = analyzeStatic(readExample('aws_example-cloudwatch.yaml')).findings;
    expect(only(cw, 'RG202').length).toBeLessThan(only(analyzeStatic(readExample('aws_example-full.yaml')).findings, 'RG202').length + 1);
  });
});

describe('IAM checks against the demo snapshot', () => {
  it('RG205, RG302 and RG303 on the role-arn sample', async () => {
    const fs = await validate(readSample('role-arn'), { iam: demoIamSource() });
    expect(only(fs, 'RG205')[0]).toMatchObject({ fix: 'use-instance-profile-arn', line: 19 });
    expect(only(fs, 'RG302')[0]?.yamlPath).toBe('available_node_types.ray.worker.cpu.node_config.IamInstanceProfile.Arn');
    expect(only(fs, 'RG303')[0]?.message).toMatch(/lambda\.amazonaws\.com/);
  });

  it('RG301 for an unknown profile, with a hint for a wrong path', async () => {
    const fs = await validate(BASE('      IamInstanceProfile: {Arn: "arn:aws:iam::314159265358:instance-profile/ray-head"}'), { iam: demoIamSource() });
    expect(only(fs, 'RG301')[0]?.message).toMatch(/instance-profile\/ray\/ray-head/);
    const none = await validate(BASE('      IamInstanceProfile: {Name: nope}'), { iam: demoIamSource() });
    expect(ids(none)).toContain('RG301');
  });

  it('RG307 for a profile of another account', async () => {
    const fs = await validate(BASE('      IamInstanceProfile: {Arn: "arn:aws:iam::999999999999:instance-profile/x"}'), { iam: demoIamSource() });
    expect(only(fs, 'RG307')[0]?.message).toMatch(/999999999999/);
  });

  it('the clean sample has no error or warning', async () => {
    const fs = await validate(readSample('clean'), { iam: demoIamSource() });
    expect(fs.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('RG103 ray-schema (top level)', () => {
  it('required keys, unknown keys, Ray 1.x keys, provider.type', () => {
    const fs = analyzeStatic('provider: {region: us-west-2}\ncolour: blue\ninitial_workers: 2\nmin_workers: 0\n').findings.filter((f) => f.ruleId === 'RG103');
    expect(fs.map((f) => f.yamlPath).sort()).toEqual(['cluster_name', 'colour', 'initial_workers', 'provider']);
    // `ray up` stops on it: an error.
    expect(fs.find((f) => f.yamlPath === 'colour')).toMatchObject({ line: 2, column: 1, severity: 'error' });
  });
  it('a Kubernetes manifest is not silently clean', () => {
    const ids = analyzeStatic('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n').findings.map((f) => f.ruleId);
    expect(ids).toContain('RG103');
  });
  it('Ray examples that current Ray rejects are flagged; modern ones are not', () => {
    expect(analyzeStatic(readExample('aws_example-security-groups.yaml')).findings.some((f) => f.ruleId === 'RG103' && f.yamlPath === 'config_cache_enabled')).toBe(true);
    expect(analyzeStatic(readExample('aws_example-full.yaml')).findings.some((f) => f.ruleId === 'RG103')).toBe(false);
  });
});

describe('launch templates', () => {
  it('a node type launched from a template may get its profile there: RG201 is info, no RG202', () => {
    const fs = analyzeStatic(readExample('aws_example-launch-templates.yaml')).findings;
    expect(fs.map((f) => `${f.ruleId}:${f.severity}`)).toEqual(['RG201:info']);
    expect(fs[0].fix).toBeUndefined();
  });
});
