import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, openDashboard, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../docs/screenshots');

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

/** A config in the demo account: a role ARN for the head, keys in the setup, a worker that reads S3 without a profile. */
function config(keyId: string, secret: string): string {
  return `# review test: keys, a role ARN, a worker without a profile
cluster_name: review
provider:
  type: aws
  region: us-west-2
available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
      IamInstanceProfile:
        Arn: arn:aws:iam::314159265358:role/ray/ray-head-role   # a role, not a profile
  ray.worker.cpu:
    min_workers: 0
    max_workers: 4
    resources: {}
    node_config:
      InstanceType: m5.xlarge
head_node_type: ray.head.default
setup_commands:
  - export AWS_ACCESS_KEY_ID=${keyId}
  - export AWS_SECRET_ACCESS_KEY=${secret}
  - pip install -U "ray[default]" boto3
worker_setup_commands:
  - aws s3 sync s3://review-data/train /data/train
`;
}

test('review: reject one correction, choose a worker profile, download exactly what the diff shows', async ({ page }, info) => {
  const keyId = `AKIA${pick(B32, 16)}`;
  const secret = pick(B64, 40);
  const text = config(keyId, secret);
  const file = info.outputPath('review.yaml');
  fs.writeFileSync(file, text);

  await openDashboard(page);
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('file-name')).toHaveText('review.yaml');

  const fixed = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
  await page.getByTestId('fix').click();
  expect((await fixed).status()).toBe(200);
  const panel = page.getByTestId('fix-panel');
  const item = (rule: string) => panel.locator(`[data-testid="applied-fix"][data-rule-id="${rule}"]`);
  await expect(item('RG205')).toHaveAttribute('data-state', 'accepted');
  await expect(item('RG401')).toHaveAttribute('data-state', 'accepted');
  await expect(item('RG402')).toHaveAttribute('data-state', 'accepted');
  // Each correction says in one line what it does.
  await expect(item('RG205')).toContainText('replace the role ARN with the instance-profile ARN');
  const modified = panel.getByTestId('diff').locator('.editor.modified');
  await expect(modified).toContainText('instance-profile/ray/ray-head');

  // Reject the role-ARN correction: the server corrects the same text again without it.
  const again = page.waitForRequest((r) => r.url().endsWith('/api/fix'));
  await item('RG205').getByTestId('fix-toggle').uncheck();
  const body = (await again).postDataJSON() as { exclude?: Array<{ ruleId: string }> };
  expect(body.exclude?.map((e) => e.ruleId)).toEqual(['RG205']);
  await expect(item('RG205')).toHaveAttribute('data-state', 'rejected');
  await expect(panel.getByTestId('applied-count')).toContainText('1 rejected');
  await expect(modified).toContainText('role/ray/ray-head-role');

  // The worker reads S3 but has no profile: the panel asks which one, and never picks it itself.
  const choose = panel.locator('[data-testid="choose-profile"][data-node-type="ray.worker.cpu"]');
  await expect(choose).toBeVisible();
  const chosen = page.waitForRequest((r) => r.url().endsWith('/api/fix'));
  await choose.selectOption({ label: 'ray-worker' });
  const body2 = (await chosen).postDataJSON() as { profiles?: Record<string, string>; exclude?: unknown[] };
  expect(body2.profiles?.['ray.worker.cpu']).toBe('arn:aws:iam::314159265358:instance-profile/ray/ray-worker');
  expect(body2.exclude).toHaveLength(1);
  await expect(item('RG202')).toHaveAttribute('data-state', 'accepted');
  await expect(modified).toContainText('instance-profile/ray/ray-worker');

  fs.mkdirSync(SHOTS, { recursive: true });
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'fix-review.png'), fullPage: true });

  // Download: exactly the corrected text the server gives for these choices.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-fixed').click()]);
  expect(download.suggestedFilename()).toBe('review.fixed.yaml');
  const saved = fs.readFileSync(await download.path(), 'utf8');
  const expected = await (await page.request.post('/api/fix', { data: { text, profiles: body2.profiles, exclude: body2.exclude } })).json();
  expect(saved).toBe(expected.text);
  expect(saved).not.toContain(keyId);
  expect(saved).not.toContain(secret);
  expect(saved).toContain('Arn: arn:aws:iam::314159265358:role/ray/ray-head-role   # a role, not a profile');
  expect(saved).toContain('# review test: keys, a role ARN, a worker without a profile');

  // Taking the rejection back puts the correction in again.
  const third = page.waitForRequest((r) => r.url().endsWith('/api/fix'));
  await item('RG205').getByTestId('fix-toggle').check();
  expect(((await third).postDataJSON() as { exclude?: unknown[] }).exclude).toBeUndefined();
  await expect(item('RG205')).toHaveAttribute('data-state', 'accepted');
  await expect(modified).toContainText('instance-profile/ray/ray-head');
  await expect(panel.getByTestId('applied-count')).not.toContainText('rejected');
});
