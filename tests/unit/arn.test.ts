import { describe, expect, it } from 'vitest';
import { findPlaceholder, parseIamArn, partitionOfRegion } from '@/lib/arn';

describe('parseIamArn', () => {
  it('reads instance-profile ARNs with and without a path', () => {
    const a = parseIamArn('arn:aws:iam::314159265358:instance-profile/ray/ray-head');
    expect(a.ok && a.value).toMatchObject({ partition: 'aws', account: '314159265358', resourceType: 'instance-profile', path: '/ray/', name: 'ray-head' });
    const b = parseIamArn('arn:aws-cn:iam::012345678901:instance-profile/p');
    expect(b.ok && b.value).toMatchObject({ partition: 'aws-cn', account: '012345678901', path: '/', name: 'p' });
  });

  it.each([
    ['arn:aws:iam:us-west-2:314159265358:instance-profile/x', 'region'],
    ['arn:aws:iam::3141-5926-5358:instance-profile/x', 'account'],
    ['arn:aws:iam::31415926535:instance-profile/x', 'account'],
    ['arn:aws:s3::314159265358:instance-profile/x', 'service'],
    ['arn:amazon:iam::314159265358:instance-profile/x', 'partition'],
    ['arn:aws:iam::314159265358:instance-profile', 'resource-type'],
    ['arn:aws:iam::314159265358:instance-profile/bad name', 'whitespace'],
    ['arn:aws:iam::314159265358:instance-profile/a/b!c', 'name'],
    ['iam::314159265358:instance-profile/x', 'not-arn'],
  ])('rejects %s (%s)', (arn, problem) => {
    const r = parseIamArn(arn);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toBe(problem);
  });

  it('sees role ARNs as roles', () => {
    const r = parseIamArn('arn:aws:iam::314159265358:role/ray/ray-head-role');
    expect(r.ok && r.value.resourceType).toBe('role');
  });
});

describe('partitions and placeholders', () => {
  it('maps regions to partitions', () => {
    expect(partitionOfRegion('us-west-2')).toBe('aws');
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-west-1')).toBe('aws-us-gov');
  });
  it.each(['arn:aws:iam::ACCOUNT_ID:instance-profile/x', 'arn:aws:iam::<account>:instance-profile/x', 'arn:aws:iam::${AWS_ACCOUNT}:instance-profile/x',
    'arn:aws:iam::000000000000:instance-profile/x', 'arn:aws:iam::xxxxxxxxxxxx:instance-profile/x', 'arn:aws:iam::[ACCOUNT]:instance-profile/x', 'REPLACE_ME'])(
    'finds the placeholder in %s', (v) => expect(findPlaceholder(v)).not.toBeNull());
  it('leaves real values alone', () => {
    expect(findPlaceholder('arn:aws:iam::314159265358:instance-profile/ray/ray-head')).toBeNull();
    expect(findPlaceholder('ray-autoscaler-v1')).toBeNull();
  });
});
