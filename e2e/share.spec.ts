import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { seal, type SharePayload } from '../lib/share/envelope';
import { expect, findingItems, openDashboard, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../docs/screenshots');
// playwright.config.ts points the server's RAYGUARD_DATA_DIR here.
const DB_FILE = path.resolve(here, '..', process.env.PW_OUTPUT || 'test-results', 'share-data/rayguard.db');

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

/** A config for the demo account with an access key pair planted in its setup commands. */
function config(keyId: string, secret: string): string {
  return `# share test: a key pair in the setup commands
cluster_name: share-e2e
provider:
  type: aws
  region: us-west-2
available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
      IamInstanceProfile:
        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head
  ray.worker.cpu:
    min_workers: 0
    max_workers: 2
    resources: {}
    node_config:
      InstanceType: m5.xlarge
      IamInstanceProfile:
        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-worker
head_node_type: ray.head.default
setup_commands:
  - export AWS_ACCESS_KEY_ID=${keyId}
  - export AWS_SECRET_ACCESS_KEY=${secret}
  - pip install -U "ray[default]" boto3
`;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/**
 * A fresh browser context (nothing shared with the creator's: no cookies, no storage), with the
 * project's viewport. Console errors and page errors of its pages are collected; HTTP errors
 * the browser logs count only when they are not announced.
 */
async function freshContext(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  context.on('page', (p) => watch(p));
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text()) && allowed.some((re) => re.test(m.location().url))) return;
      problems.push(`console.${m.type()}: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  return { context, problems, allow: (re: RegExp) => allowed.push(re) };
}

async function closeClean(fresh: { context: BrowserContext; problems: string[] }) {
  await fresh.context.close();
  expect(fresh.problems, 'console errors or page errors in the fresh context').toEqual([]);
}

test('share: redacted in this browser, opened in a fresh context, then deleted', async ({ page, browser, baseURL, guard }, info) => {
  const keyId = `AKIA${pick(B32, 16)}`;
  const secret = pick(B64, 40);
  const text = config(keyId, secret);
  const file = info.outputPath('share-e2e.yaml');
  fs.writeFileSync(file, text);

  await openDashboard(page);
  // Nothing validated yet: nothing to share.
  await expect(page.getByTestId('share')).toBeDisabled();
  await expect(page.getByTestId('share')).toHaveAttribute('title', /Validate first/);

  // Opening a file validates it.
  const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate') && r.request().method() === 'POST');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('file-name')).toHaveText('share-e2e.yaml');
  expect((await validated).status()).toBe(200);
  await expect(findingItems(page, 'RG401')).toHaveCount(1);
  await expect(findingItems(page, 'RG402')).toHaveCount(1);
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'current');

  // With the Fix panel open as well: its diff and the dialog's must not mix (same Monaco paths).
  const fixed = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
  await page.getByTestId('fix').click();
  expect((await fixed).status()).toBe(200);
  const fixDiff = page.getByTestId('fix-panel').getByTestId('diff');
  await expect(fixDiff.locator('.editor.original')).toContainText(keyId);

  // Share: the dialog shows the redaction before anything is sent.
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(page.getByTestId('share')).toBeEnabled();
  await page.getByTestId('share').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  const markers = dialog.getByTestId('share-marker');
  await expect(markers).toHaveCount(2);
  await expect(dialog.locator('[data-testid="share-marker"][data-kind="aws-access-key-id"]')).toHaveAttribute('data-line', String(lineOf(text, keyId)));
  await expect(dialog.locator('[data-testid="share-marker"][data-kind="aws-secret-access-key"]')).toHaveAttribute('data-line', String(lineOf(text, secret)));
  await expect(dialog.getByTestId('share-markers')).toContainText('<redacted:aws-secret-access-key:1>');
  await expect(dialog.getByTestId('share-markers')).not.toContainText(secret);
  await expect(dialog.getByTestId('share-markers')).not.toContainText(keyId);
  const shared = dialog.getByTestId('share-diff').locator('.editor.modified');
  await expect(shared).toContainText('<redacted:aws-secret-access-key:1>');
  await expect(shared).toContainText('<redacted:aws-access-key-id:1>');
  await expect(shared).not.toContainText(secret);
  await expect(dialog.getByTestId('share-diff').locator('.editor.original')).toContainText(keyId);
  // Nothing is left to refuse: the dialog lets it go.
  await expect(dialog.getByTestId('share-refused')).toHaveCount(0);
  await expect(dialog.getByTestId('share-expiry')).toHaveValue('604800');
  await expect(dialog.getByTestId('share-create')).toBeEnabled();

  // Every request body that leaves: ciphertext and expiry only, no secret, no config line.
  const bodies: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/share') && r.method() === 'POST') bodies.push(r.postData() ?? '');
  });

  // A rate-limited create says how long to wait, and lets the user retry after that.
  guard.allowHttpError(/\/api\/share$/);
  await page.route(
    '**/api/share',
    (route) => route.fulfill({ status: 429, headers: { 'Retry-After': '2', 'content-type': 'application/json' }, body: JSON.stringify({ error: 'too many share links created; try again in 2 s' }) }),
    { times: 1 },
  );
  await dialog.getByTestId('share-create').click();
  await expect(dialog.getByTestId('share-error')).toContainText('wait 2 seconds');
  await expect(dialog.getByTestId('share-create')).toBeDisabled();
  await expect(dialog.getByTestId('share-create')).toBeEnabled({ timeout: 5000 });
  await expect(dialog.getByTestId('share-create')).toHaveText('Retry');

  await dialog.getByTestId('share-expiry').selectOption('86400');
  const created = page.waitForResponse((r) => r.url().endsWith('/api/share') && r.request().method() === 'POST' && r.status() !== 429);
  await dialog.getByTestId('share-create').click();
  const createdRes = await created;
  expect(createdRes.status()).toBe(201);
  const createdBody = (await createdRes.json()) as { id: string; deleteToken: string; expiresAt: string };

  expect(bodies).toHaveLength(2);
  const plaintextLines = text.split('\n').map((l) => l.trim()).filter((l) => l.length >= 6);
  for (const raw of bodies) {
    const body = JSON.parse(raw) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['ciphertext', 'expiresIn']);
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(keyId);
    expect(raw).not.toContain('redacted');
    for (const l of plaintextLines) expect(raw, `a config line in the request: ${l}`).not.toContain(l);
  }
  expect((JSON.parse(bodies[1]) as { expiresIn: number }).expiresIn).toBe(86400);

  const url = await dialog.getByTestId('share-url').inputValue();
  expect(url).toMatch(new RegExp(`^${baseURL}/s/${createdBody.id}#k=[A-Za-z0-9_-]{43}$`));
  const key = url.split('#k=')[1];
  for (const raw of bodies) expect(raw).not.toContain(key);
  // One day from now, give or take the test's own time.
  expect(Math.abs(Date.parse(createdBody.expiresAt) - Date.now() - 86_400_000)).toBeLessThan(120_000);
  await expect(dialog.getByTestId('share-expires')).toBeVisible();
  await dialog.getByTestId('share-url-copy').click();
  await expect(dialog.getByTestId('share-url-copy')).toHaveText(/Copied|Copy/);
  // A small share also fits a link without the server.
  await expect(dialog.getByTestId('share-fragment')).toBeVisible();
  await dialog.getByTestId('share-fragment').locator('summary').click();
  const fragmentUrl = await dialog.getByTestId('share-fragment-url').inputValue();
  expect(fragmentUrl).toMatch(new RegExp(`^${baseURL}/s#v1:[A-Za-z0-9_-]+\\.${key}$`));

  fs.mkdirSync(SHOTS, { recursive: true });
  await dialog.getByTestId('share-fragment').locator('summary').click(); // folded again for the picture
  await page.screenshot({ path: path.join(SHOTS, 'share-dialog.png') });

  // A fresh context: nothing of the creator's browser but the link.
  const fresh = await freshContext(browser, baseURL);
  const viewer = await fresh.context.newPage();
  const requests: string[] = [];
  viewer.on('request', (r) => requests.push(`${r.method()} ${r.url()} ${JSON.stringify(r.headers())}`));
  const response = await viewer.goto(url);
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  expect(headers['cache-control']).toContain('no-store');
  expect(headers['x-robots-tag']).toBe('noindex');
  expect(headers['referrer-policy']).toBe('no-referrer');
  // The HTML holds nothing of the config: it is decrypted by script.
  const html = await response!.text();
  expect(html).not.toContain('share-e2e');
  expect(html).not.toContain('redacted');
  expect(html).not.toContain(keyId);
  await expect(viewer.locator('meta[name="robots"]')).toHaveAttribute('content', /noindex/);

  const sharedLines = viewer.locator('[data-testid="editor"] .monaco-editor .view-lines');
  await expect(sharedLines).toContainText('<redacted:aws-secret-access-key:1>');
  await expect(sharedLines).toContainText('cluster_name: share-e2e');
  await expect(sharedLines).not.toContainText(secret);
  await expect(viewer.getByTestId('file-name')).toHaveText('share-e2e.yaml');
  await expect(viewer.getByTestId('share-validated')).toContainText(/Validated .+ ago against Demo account/);
  await expect(viewer.getByTestId('share-validated')).toContainText('314159265358');
  await expect(viewer.getByTestId('share-expiry-note')).toContainText('Link expires');
  await expect(findingItems(viewer, 'RG402')).toHaveCount(1);
  await expect(findingItems(viewer, 'RG402').getByTestId('finding-preview')).toHaveText('<redacted:aws-secret-access-key:1>');
  await expect(findingItems(viewer, 'RG401').getByTestId('finding-preview')).toHaveText('<redacted:aws-access-key-id:1>');
  await expect(findingItems(viewer, 'RG402')).toHaveAttribute('data-line', String(lineOf(text, secret)));
  // The findings are marked in the config too.
  await expect(viewer.locator('[data-testid="editor"] .squiggly-error')).toHaveCount(2);
  await viewer.screenshot({ path: path.join(SHOTS, 'share-page.png') });
  // The editor is read-only.
  await sharedLines.click();
  await viewer.keyboard.type('zzz');
  await expect(sharedLines).not.toContainText('zzz');
  // The key went nowhere: not in a request URL, not in a header.
  expect(requests.some((r) => r.includes(`/api/share/${createdBody.id}`))).toBe(true);
  for (const r of requests) expect(r).not.toContain(key);

  // A wrong key (one character changed) and a missing key each say so.
  const wrong = await fresh.context.newPage();
  const flipped = `${key[0] === 'A' ? 'B' : 'A'}${key.slice(1)}`;
  await wrong.goto(url.replace(key, flipped));
  await expect(wrong.getByTestId('share-problem')).toHaveAttribute('data-problem', 'bad-key');
  await expect(wrong.getByTestId('share-problem')).toContainText('does not open it');
  await wrong.goto(url.split('#')[0]);
  await expect(wrong.getByTestId('share-problem')).toHaveAttribute('data-problem', 'no-key');
  await expect(wrong.getByTestId('share-problem')).toContainText('This link has no key');
  await wrong.close();

  // The link without the server opens without asking the server for anything.
  const serverless = await fresh.context.newPage();
  const serverlessRequests: string[] = [];
  serverless.on('request', (r) => serverlessRequests.push(r.url()));
  await serverless.goto(fragmentUrl);
  await expect(serverless.locator('[data-testid="editor"] .monaco-editor .view-lines')).toContainText('<redacted:aws-access-key-id:1>');
  await expect(serverless.getByTestId('share-expiry-note')).toContainText('never stored');
  expect(serverlessRequests.filter((u) => u.includes('/api/share'))).toEqual([]);
  await serverless.close();

  // "Validate again now": an editable copy in the dashboard, validated.
  const revalidated = viewer.waitForResponse((r) => r.url().endsWith('/api/validate') && r.request().method() === 'POST');
  await viewer.getByTestId('validate-again-now').click();
  await expect(viewer).toHaveURL(`${baseURL}/`);
  expect((await revalidated).status()).toBe(200);
  await expect(viewer.getByTestId('file-name')).toHaveText('share-e2e.yaml');
  await expect(viewer.getByTestId('notice')).toContainText('editable copy of the shared share-e2e.yaml');
  await expect(viewer.locator('[data-testid="editor"] .monaco-editor .view-lines')).toContainText('<redacted:aws-secret-access-key:1>');

  // Delete from the dialog: the link then says it is gone.
  await dialog.getByTestId('share-delete').click();
  await expect(dialog.getByTestId('share-deleted')).toBeVisible();
  fresh.allow(/\/api\/share\//);
  const gone = viewer.waitForResponse((r) => r.url().includes(`/api/share/${createdBody.id}`));
  await viewer.goto(url);
  expect((await gone).status()).toBe(404);
  await expect(viewer.getByTestId('share-problem')).toHaveAttribute('data-problem', 'missing');
  await expect(viewer.getByTestId('share-problem')).toContainText('deleted');
  await closeClean(fresh);

  // Closing the dialog brings the Fix panel back with its own diff.
  await dialog.getByTestId('share-close').click();
  await expect(dialog).toBeHidden();
  await expect(fixDiff.locator('.editor.original')).toContainText(keyId);
  await expect(fixDiff.locator('.editor.modified')).not.toContainText('<redacted:');
});

test('share: an expired link says so', async ({ page, guard }) => {
  // A share made as the browser makes one; then its expiry is moved into the past in the store.
  const payload: SharePayload = {
    v: 1,
    config: 'cluster_name: expired\n',
    fileName: 'expired.yaml',
    findings: [],
    computedAt: new Date().toISOString(),
    iamSource: null,
    rulesVersion: '0.0.0',
  };
  const sealed = await seal(payload);
  const res = await page.request.post('/api/share', { data: { ciphertext: sealed.ciphertext, expiresIn: 3600 } });
  expect(res.status()).toBe(201);
  const { id } = (await res.json()) as { id: string };

  // Still open before the clock moves.
  await page.goto(`/s/${id}#k=${sealed.key}`);
  await expect(page.locator('[data-testid="editor"] .monaco-editor .view-lines')).toContainText('cluster_name: expired');

  const db = new Database(DB_FILE);
  try {
    db.pragma('busy_timeout = 5000');
    const moved = db.prepare('UPDATE share_links SET expires_at = ? WHERE id = ?').run(Date.now() - 60_000, id);
    expect(moved.changes).toBe(1);
  } finally {
    db.close();
  }

  guard.allowHttpError(/\/api\/share\//);
  const answered = page.waitForResponse((r) => r.url().endsWith(`/api/share/${id}`));
  await page.reload();
  expect((await answered).status()).toBe(410);
  await expect(page.getByTestId('share-problem')).toHaveAttribute('data-problem', 'expired');
  await expect(page.getByTestId('share-problem')).toContainText('This link has expired');
  // When: the link's expiry as the server keeps it (a minute ago), in the reader's words.
  await expect(page.getByTestId('share-problem')).toContainText(/It expired on [A-Z][a-z]{2} \d{1,2}, \d{4}/);
  await page.screenshot({ path: 'test-results/share-expired.png' });
});
