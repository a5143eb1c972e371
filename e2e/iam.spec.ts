import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, findingItems, openDashboard, test } from './fixtures';

/**
 * The IAM panel: the source in use, one card per instance profile, the head's verdicts, the
 * least-privilege policy; and an IAM snapshot uploaded in the browser, checked there and never
 * sent to the server.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../docs/screenshots');
const ACCOUNT = '314159265358';
const WORKER_ROLE = `arn:aws:iam::${ACCOUNT}:role/ray/ray-worker-role`;
const GPU_WORKER_ROLE = `arn:aws:iam::${ACCOUNT}:role/ray/ray-gpu-worker-role`;
const HEAD_PROFILE = `arn:aws:iam::${ACCOUNT}:instance-profile/ray/ray-head-limited`;

const trustEc2 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

/**
 * A small GAAD of the demo's account: the head may do everything the autoscaler does and pass the
 * CPU worker's role; the GPU workers' profile `ray-gpu-worker` is not in it. `marker` is unique
 * to this run, so that it can be looked for in every request.
 */
function smallGaad(marker: string): string {
  const profile = (name: string) => ({ InstanceProfileName: name, Path: '/ray/', Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/ray/${name}`, Roles: [] });
  return JSON.stringify(
    {
      RoleDetailList: [
        {
          RoleName: 'ray-head-limited-role',
          Path: '/ray/',
          Arn: `arn:aws:iam::${ACCOUNT}:role/ray/ray-head-limited-role`,
          AssumeRolePolicyDocument: trustEc2,
          InstanceProfileList: [profile('ray-head-limited')],
          RolePolicyList: [
            {
              PolicyName: `autoscaler-${marker}`,
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
                  { Effect: 'Allow', Action: 'iam:PassRole', Resource: WORKER_ROLE },
                ],
              },
            },
          ],
          AttachedManagedPolicies: [],
        },
        {
          RoleName: 'ray-worker-role',
          Path: '/ray/',
          Arn: WORKER_ROLE,
          AssumeRolePolicyDocument: trustEc2,
          InstanceProfileList: [profile('ray-worker')],
          RolePolicyList: [],
          AttachedManagedPolicies: [],
        },
      ],
      Policies: [],
      UserDetailList: [],
      GroupDetailList: [],
    },
    null,
    2,
  );
}

test('IAM panel: cards, head verdicts, copy policy; a snapshot uploaded stays in the browser', async ({ page, context }) => {
  test.setTimeout(60_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const sent: Array<{ url: string; body: string }> = [];
  context.on('request', (r) => sent.push({ url: r.url(), body: r.postData() ?? '' }));

  await openDashboard(page);
  const info = (await (await page.request.get('/api/iam')).json()) as { kind: string; accountId?: string };
  expect(info.kind, 'the e2e server checks against the embedded demo account').toBe('demo');
  const panel = page.getByTestId('iam-panel');
  await expect(panel.getByTestId('iam-source')).toHaveAttribute('data-kind', 'demo');
  await expect(panel.getByTestId('iam-source')).toContainText(ACCOUNT);
  await expect(panel.getByTestId('iam-source')).toContainText('partition aws');
  await expect(panel.getByTestId('iam-progress')).toHaveAttribute('data-state', 'unchecked');

  // The sample: its head role may not stop/start nodes, nor pass either worker role.
  const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate') && r.request().method() === 'POST');
  await page.getByTestId('samples').selectOption('head-permissions');
  expect((await validated).headers()['content-type']).toContain('application/x-ndjson');
  await expect(panel.getByTestId('iam-progress')).toHaveAttribute('data-state', 'done');
  await expect(panel.getByTestId('iam-progress')).toContainText('3 profiles checked by the server');
  const cards = panel.getByTestId('iam-card');
  await expect(cards).toHaveCount(3);
  const head = panel.locator('[data-testid="iam-card"][data-head="true"]');
  await expect(head).toHaveCount(1);
  await expect(head).toHaveAttribute('data-status', 'ok');
  await expect(head.getByTestId('iam-card-denied')).toHaveText('missing permissions');
  await expect(head.getByTestId('iam-profile-arn')).toHaveText(HEAD_PROFILE);
  await expect(head).toContainText('ray.head.default');
  await expect(head.getByTestId('iam-role-arn')).toHaveText(`arn:aws:iam::${ACCOUNT}:role/ray/ray-head-limited-role`);
  await expect(head.getByTestId('iam-trust')).toHaveAttribute('data-trusted', 'true');
  for (const nodeType of ['ray.worker.cpu', 'ray.worker.gpu']) {
    await expect(panel.locator('[data-testid="iam-card"][data-head="false"]').filter({ hasText: nodeType })).toHaveAttribute('data-status', 'ok');
  }

  const verdict = (action: string, resource?: string) =>
    head.locator(`[data-testid="iam-verdict"][data-action="${action}"]${resource ? `[data-resource="${resource}"]` : ''}`);
  await expect(head.getByTestId('iam-verdicts').locator('caption')).toContainText(/answered by the (local evaluator|IAM simulator)/);
  await expect(verdict('ec2:DescribeInstances')).toHaveAttribute('data-decision', 'allowed');
  await expect(verdict('ec2:DescribeInstances').getByTestId('iam-verdict-decision')).toContainText('✔');
  for (const [action, resource] of [
    ['ec2:StopInstances', undefined],
    ['ec2:StartInstances', undefined],
    ['iam:PassRole', WORKER_ROLE],
    ['iam:PassRole', GPU_WORKER_ROLE],
  ] as const) {
    await expect(verdict(action, resource)).toHaveAttribute('data-decision', /deny/);
    await expect(verdict(action, resource).getByTestId('iam-verdict-decision')).toContainText('✖');
  }
  await expect(head.locator('[data-testid="iam-verdict"][data-action="iam:PassRole"]')).toHaveCount(2);

  // Copy policy: the least-privilege JSON, PassRole on exactly the two worker roles.
  await panel.getByTestId('copy-policy').click();
  await expect(panel.getByTestId('copy-policy')).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe((await panel.getByTestId('policy-json').innerText()).trim());
  const policy = JSON.parse(copied) as { Statement: Array<{ Action: string | string[]; Resource: string | string[] }> };
  const passRole = policy.Statement.filter((s) => [s.Action].flat().includes('iam:PassRole'));
  expect(passRole).toHaveLength(1);
  expect([passRole[0].Resource].flat().sort()).toEqual([GPU_WORKER_ROLE, WORKER_ROLE]);
  const ec2 = policy.Statement.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('ec2:'));
  expect(ec2).toEqual(expect.arrayContaining(['ec2:RunInstances', 'ec2:StopInstances', 'ec2:StartInstances']));
  await expect(findingItems(page, 'RG304')).toHaveCount(1);
  await expect(findingItems(page, 'RG305')).toHaveCount(2);
  await expect(findingItems(page, 'RG301')).toHaveCount(0);

  fs.mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(5, 5);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, 'iam-panel.png'), fullPage: true });

  // Upload a snapshot: checked in the browser, never sent.
  const marker = `rayguard-e2e-${randomBytes(8).toString('hex')}`;
  const gaad = smallGaad(marker);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rayguard-iam-'));
  const gaadFile = path.join(dir, 'my-account-gaad.json');
  fs.writeFileSync(gaadFile, gaad);
  const notGaad = path.join(dir, 'not-gaad.json');
  fs.writeFileSync(notGaad, JSON.stringify({ Users: [{ UserName: marker }] }));
  try {
    const revalidated = page.waitForResponse((r) => r.url().endsWith('/api/validate'));
    await panel.getByTestId('snapshot-input').setInputFiles(gaadFile);
    // With a snapshot in the browser, the server is asked for the static findings only.
    expect((await revalidated).request().postDataJSON()).toMatchObject({ iam: false });
    await expect(page.getByTestId('iam-banner')).toHaveAttribute('data-kind', 'snapshot');
    await expect(page.getByTestId('iam-banner')).toContainText('my-account-gaad.json');
    await expect(panel.getByTestId('iam-source')).toHaveAttribute('data-origin', 'browser');
    await expect(panel.getByTestId('iam-source')).toContainText('my-account-gaad.json');
    await revalidated;
    await expect(page.getByTestId('validating')).toHaveCount(0);
    await expect(panel.getByTestId('iam-progress')).toContainText('3 profiles checked in this browser');
    // The GPU workers' profile is not in the snapshot; the head may now do everything else.
    const rg301 = findingItems(page, 'RG301');
    await expect(rg301).toHaveCount(1);
    await expect(rg301).toHaveAttribute('data-source', 'iam');
    await expect(rg301).toContainText('ray-gpu-worker');
    await expect(findingItems(page, 'RG304')).toHaveCount(0);
    await expect(findingItems(page, 'RG305')).toHaveCount(0);
    await expect(panel.locator('[data-testid="iam-card"][data-profile="ray-gpu-worker"]')).toHaveAttribute('data-status', 'not-found');
    await expect(verdict('ec2:StopInstances')).toHaveAttribute('data-decision', 'allowed');
    await expect(verdict('iam:PassRole', WORKER_ROLE)).toHaveAttribute('data-decision', 'allowed');
    await expect(panel.getByTestId('policy-gaps')).toContainText('ray-gpu-worker');
    // The head-profile picker lists the snapshot's profiles.
    await expect(page.getByTestId('head-profile').locator('option')).toHaveText(['Server\'s choice', /^ray-head-limited/, /^ray-worker/]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'iam-snapshot.png'), fullPage: true });

    // A file that is not a snapshot: a clear error naming it, and nothing changes.
    await panel.getByTestId('snapshot-input').setInputFiles(notGaad);
    await expect(panel.getByTestId('snapshot-error')).toContainText('not-gaad.json');
    await expect(panel.getByTestId('snapshot-error')).toContainText('not an IAM snapshot');
    await expect(page.getByTestId('iam-banner')).toContainText('my-account-gaad.json');
    await expect(findingItems(page, 'RG301')).toHaveCount(1);

    // Kept for the tab: loading the page again checks against it again.
    await openDashboard(page);
    await expect(page.getByTestId('iam-banner')).toContainText('my-account-gaad.json');

    // Back to the server's source.
    await page.getByTestId('use-server-source').click();
    await expect(page.getByTestId('iam-banner')).toHaveAttribute('data-kind', 'demo');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('rayguard.iamSnapshot')))).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Nothing of either snapshot file ever left the browser.
  expect(sent.length).toBeGreaterThan(0);
  for (const r of sent) {
    expect(r.url, 'a request URL').not.toContain(marker);
    expect(r.body.includes(marker), `request to ${r.url} carries the snapshot`).toBe(false);
    expect(r.body.includes('ray-head-limited-role"'), `request to ${r.url} carries the snapshot`).toBe(false);
  }
});

test('IAM results stream in: cards and progress before the report; copy falls back to a selection', async ({ page }) => {
  test.setTimeout(60_000);
  // Hold the streamed answer at two points: after the source and the first announcement of each
  // card, and before the report; the test releases each.
  await page.addInitScript(() => {
    const w = window as unknown as { __release: Array<() => void> };
    w.__release = [];
    const realFetch = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await realFetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.endsWith('/api/validate') || !(res.headers.get('content-type') ?? '').includes('ndjson')) return res;
      const lines = (await res.text()).split('\n').filter(Boolean);
      const gates = [0, 1].map(() => new Promise<void>((resolve) => w.__release.push(resolve)));
      const firstCheck = lines.findIndex((l, i) => i > 0 && !l.includes('"summary":"checking…"'));
      const enc = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const [i, line] of lines.entries()) {
            if (i === firstCheck) await gates[0];
            if (line.startsWith('{"type":"report"')) await gates[1];
            controller.enqueue(enc.encode(`${line}\n`));
          }
          controller.close();
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
  });
  const release = () => page.evaluate(() => (window as unknown as { __release: Array<() => void> }).__release.shift()!());

  await openDashboard(page);
  const panel = page.getByTestId('iam-panel');
  const progress = panel.getByTestId('iam-progress');
  await page.getByTestId('samples').selectOption('head-permissions');
  await expect(progress).toHaveAttribute('data-state', 'checking');
  await expect(progress).toContainText('0 of 3 profiles checked');
  await expect(panel.locator('[data-testid="iam-card"][data-status="checking"]')).toHaveCount(3);
  // The static findings do not wait for IAM.
  await expect(page.getByTestId('findings-panel')).toHaveAttribute('data-state', 'current');
  await expect(page.getByTestId('validating')).toBeVisible();

  await release();
  await expect(progress).toContainText('3 of 3 profiles checked');
  await expect(panel.locator('[data-testid="iam-card"][data-status="ok"]')).toHaveCount(3);
  await expect(panel.locator('[data-testid="iam-verdict"][data-action="ec2:StopInstances"]')).toHaveAttribute('data-decision', /deny/);
  await expect(progress).toHaveAttribute('data-state', 'checking');
  await expect(page.getByTestId('validating')).toBeVisible();

  await release();
  await expect(progress).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('validating')).toHaveCount(0);
  await expect(findingItems(page, 'RG304')).toHaveCount(1);

  // Without clipboard access, Copy policy selects the JSON for Ctrl+C.
  await page.evaluate(() => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) }, configurable: true });
  });
  await panel.getByTestId('copy-policy').click();
  await expect(panel).toContainText('press Ctrl+C');
  const selected = await page.evaluate(() => window.getSelection()?.toString() ?? '');
  expect(JSON.parse(selected)).toEqual(JSON.parse(await panel.getByTestId('policy-json').innerText()));
});
