import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import { test as bare, type BrowserContext, type Page } from '@playwright/test';
import { expect, findingItems, test } from './fixtures';

/**
 * The Content-Security-Policy (proxy.ts, docs/security-headers.md): the dashboard, Monaco, its
 * workers (editor, monaco-yaml, Rayguard's analysis), Fix's diff, Download and a share page all
 * work under it without a single violation; an inline script without the nonce does not run.
 */

const editorLines = '[data-testid="editor"] .monaco-editor .view-lines';
const DEMO_HEAD = 'arn:aws:iam::314159265358:instance-profile/ray/ray-head';

// A key pair in the setup commands, made up per run (never a key-like string in the repository):
// the share dialog then shows its redaction diff.
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

const CONFIG = `cluster_name: csp
max_workers: lots
provider:
  type: aws
  region: us-west-2
available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
head_node_type: ray.head.default
setup_commands:
  - export AWS_ACCESS_KEY_ID=AKIA${pick(B32, 16)}
  - export AWS_SECRET_ACCESS_KEY=${pick(B64, 40)}
`;

interface Violation {
  page: string;
  directive: string;
  blocked: string;
  sample: string;
  source: string;
  line: number;
}

declare global {
  interface Window {
    __cspViolations?: Violation[];
    __injected?: boolean;
  }
}

/** Records every `securitypolicyviolation` of every page of the context, from the first byte on. */
async function recordViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations!.push({
        page: location.pathname,
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        sample: e.sample,
        source: e.sourceFile,
        line: e.lineNumber,
      });
    });
  });
}

const violationsOf = (page: Page) => page.evaluate(() => window.__cspViolations ?? []);

/** Console messages of a page and its workers that speak of the CSP. */
function watchCspConsole(page: Page, into: string[]): void {
  const isCsp = (t: string) => /Content Security Policy|Refused to (?:load|execute|apply|create|connect|frame|evaluate)/i.test(t);
  page.on('console', (m) => isCsp(m.text()) && into.push(`${m.type()} (page ${page.url()}): ${m.text()}`));
  page.on('worker', (w) => w.on('console', (m) => isCsp(m.text()) && into.push(`${m.type()} (worker ${w.url()}): ${m.text()}`)));
}

/** Directive name -> its sources. */
function parseCsp(header: string | undefined): Map<string, string[]> {
  expect(header, 'a Content-Security-Policy header').toBeTruthy();
  const out = new Map<string, string[]>();
  for (const part of header!.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

function nonceOf(csp: Map<string, string[]>): string {
  const nonces = (csp.get('script-src') ?? []).filter((s) => s.startsWith("'nonce-"));
  expect(nonces).toHaveLength(1);
  return nonces[0].slice("'nonce-".length, -1);
}

/** The page policy's fixed parts, whatever the nonce. */
function expectPagePolicy(header: string | undefined): string {
  const csp = parseCsp(header);
  const nonce = nonceOf(csp);
  expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(csp.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  expect(csp.get('object-src')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toEqual(["'self'"]);
  expect(csp.get('form-action')).toEqual(["'self'"]);
  expect(csp.get('worker-src')).toEqual(["'self'"]);
  expect(csp.get('connect-src')).toEqual(["'self'"]);
  expect(csp.get('default-src')).toEqual(["'self'"]);
  // No CDN, no other host at all, no wildcard, no eval in production, no inline scripts.
  const all = [...csp.values()].flat();
  for (const s of all) expect(s, `source ${s}`).not.toMatch(/^(?:https?:|wss?:|\*)|\.[a-z]{2,}(?:[:/]|$)|cdn|jsdelivr/i);
  expect(all).not.toContain("'unsafe-eval'");
  expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  return nonce;
}

/** Every <script> (and script preload) of the HTML carries the nonce. */
function expectScriptsCarry(html: string, nonce: string): void {
  const tags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(tags.length).toBeGreaterThan(1);
  for (const tag of tags) expect(tag, 'a script tag without the nonce').toContain(`nonce="${nonce}"`);
  for (const tag of html.match(/<link\b[^>]*\bas="script"[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
}

/** Puts the cursor at the end of a 1-based line. */
async function endOfLine(page: Page, line: number): Promise<void> {
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await expect(page.getByTestId('cursor-position')).toHaveText(new RegExp(`^Ln ${line},`));
}

test('the dashboard, the editor and its workers, the diff, Download and a share page run under the CSP without a violation', async ({ page, baseURL }, info) => {
  const context = page.context();
  await recordViolations(context);
  const cspConsole: string[] = [];
  watchCspConsole(page, cspConsole);

  // The headers: a page policy with a fresh nonce per request, and the other security headers.
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  const nonce = expectPagePolicy(headers['content-security-policy']);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expectScriptsCarry(await response!.text(), nonce);
  const again = await page.request.get('/');
  const nonce2 = expectPagePolicy(again.headers()['content-security-policy']);
  expect(nonce2).not.toBe(nonce);
  expectScriptsCarry(await again.text(), nonce2);
  // In the DOM: the server's scripts carry the nonce (the browser hides the attribute's value but
  // keeps the property); those without it are chunks Next loaded later ('strict-dynamic').
  for (const s of await page.evaluate(() => [...document.scripts].map((e) => ({ src: e.src, nonce: e.nonce })))) {
    if (s.nonce !== nonce) expect(s.src, 'a script without the nonce that is not a bundled chunk').toMatch(new RegExp(`^${baseURL}/_next/static/chunks/`));
  }

  // API answers allow nothing.
  const api = await page.request.get('/api/samples');
  expect(api.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(api.headers()['x-content-type-options']).toBe('nosniff');

  // Monaco is up; typing is analysed live in Rayguard's worker (RG101: a duplicate key).
  await expect(page.locator(editorLines)).toBeVisible();
  await expect(page.getByTestId('validate')).toBeEnabled();
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('cluster_name: again', { delay: 10 });
  await page.keyboard.press('Escape');
  await expect(findingItems(page, 'RG101').first()).toBeVisible();
  await expect(page.locator('[data-testid="editor"] .squiggly-error').first()).toBeVisible();

  // Open a file: the schema check (RG103) marks it; monaco-yaml's worker answers hover and completion.
  const file = info.outputPath('csp.yaml');
  fs.writeFileSync(file, CONFIG);
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('file-name')).toHaveText('csp.yaml');
  await expect(findingItems(page, 'RG103')).toHaveCount(1);
  await endOfLine(page, 6);
  await page.locator(`${editorLines} .view-line`).nth(5).getByText('available_node_types').hover();
  await expect(page.locator('.monaco-hover').filter({ hasText: /node type/i }).first()).toBeVisible();
  await page.mouse.move(5, 5);
  await endOfLine(page, 10);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+Space');
  await expect(page.locator('.suggest-widget').getByText('ImageId', { exact: true })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Z');

  // The workers are bundled scripts from this origin (worker-src 'self'), not blob: URLs.
  const origin = new URL(baseURL!).origin;
  const workers = page.workers().map((w) => w.url());
  expect(workers.length, `workers: ${workers.join(', ')}`).toBeGreaterThanOrEqual(3);
  for (const w of workers) expect(w.startsWith(`${origin}/_next/static/`), w).toBe(true);

  // Validate, then Fix: the side-by-side diff.
  const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate') && r.request().method() === 'POST');
  await page.getByTestId('validate').click();
  expect((await validated).status()).toBe(200);
  await expect(findingItems(page, 'RG201')).toHaveCount(1);
  await page.getByTestId('head-profile').selectOption(DEMO_HEAD);
  const fixed = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
  await page.getByTestId('fix').click();
  expect((await fixed).status()).toBe(200);
  const diff = page.getByTestId('fix-panel').getByTestId('diff');
  await expect(diff.locator('.editor.original .view-lines')).toBeVisible();
  await expect(diff.locator('.editor.modified')).toContainText('IamInstanceProfile');

  // Download (a blob: URL behind a click).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(fs.readFileSync(await download.path(), 'utf8')).toContain('IamInstanceProfile:');

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: info.outputPath('dashboard-under-csp.png'), fullPage: true });

  // Share: the dialog (with its own diff), a stored link, and the share page in another tab.
  await page.getByTestId('share').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog.getByTestId('share-diff').locator('.editor.modified')).toContainText('<redacted:aws-secret-access-key:1>');
  await expect(dialog.getByTestId('share-create')).toBeEnabled();
  const created = page.waitForResponse((r) => r.url().endsWith('/api/share') && r.request().method() === 'POST');
  await dialog.getByTestId('share-create').click();
  expect((await created).status()).toBe(201);
  const url = await dialog.getByTestId('share-url').inputValue();

  const viewer = await context.newPage();
  watchCspConsole(viewer, cspConsole);
  const shared = await viewer.goto(url);
  expect(shared?.status()).toBe(200);
  const sharedHeaders = shared!.headers();
  const sharedNonce = expectPagePolicy(sharedHeaders['content-security-policy']);
  expect([nonce, nonce2]).not.toContain(sharedNonce);
  expect(sharedHeaders['cache-control']).toContain('no-store');
  expect(sharedHeaders['x-robots-tag']).toBe('noindex');
  expectScriptsCarry(await shared!.text(), sharedNonce);
  await expect(viewer.locator(editorLines)).toContainText('cluster_name: csp');
  await expect(viewer.locator(editorLines)).toContainText('<redacted:aws-secret-access-key:1>');
  await expect(findingItems(viewer, 'RG103')).toHaveCount(1);

  // The rules page.
  const rules = await context.newPage();
  watchCspConsole(rules, cspConsole);
  const rulesResponse = await rules.goto('/rules');
  expectPagePolicy(rulesResponse!.headers()['content-security-policy']);
  await expect(rules.getByTestId('rule').first()).toBeVisible();

  expect(await violationsOf(page), 'CSP violations on the dashboard').toEqual([]);
  expect(await violationsOf(viewer), 'CSP violations on the share page').toEqual([]);
  expect(await violationsOf(rules), 'CSP violations on the rules page').toEqual([]);
  expect(cspConsole, 'CSP messages in the console').toEqual([]);
});

/**
 * Serves `/` with `inject` put into the HTML right after <head>, the real headers kept: what a
 * stored or reflected XSS would look like. (A script added with page.evaluate would not do: Chrome
 * lets DevTools-protocol code, and inline scripts it creates, bypass the page's CSP.)
 */
async function serveWithInjection(page: Page, inject: (nonce: string) => string): Promise<void> {
  await page.route(
    (url) => url.pathname === '/',
    async (route) => {
      const response = await route.fetch();
      const nonce = nonceOf(parseCsp(response.headers()['content-security-policy']));
      const html = (await response.text()).replace(/<head[^>]*>/, (head) => head + inject(nonce));
      await route.fulfill({ response, body: html });
    },
  );
}

/** The dashboard is up (Monaco and the workers started): the injected script did not break it. */
async function dashboardUp(page: Page): Promise<void> {
  await expect(page.locator(editorLines)).toBeVisible();
  await expect(page.getByTestId('validate')).toBeEnabled();
}

// Not the guard fixture: these tests expect a console error (the browser reports the block).
function consoleOf(page: Page): string[] {
  const out: string[] = [];
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && out.push(m.text()));
  page.on('pageerror', (e) => out.push(`page error: ${e.message}`));
  return out;
}

bare('an inline script without the nonce is blocked, and that is the only violation', async ({ page }) => {
  await recordViolations(page.context());
  const consoleErrors = consoleOf(page);
  await serveWithInjection(page, () => '<script>window.__injected = true;</script>');

  await page.goto('/');
  await dashboardUp(page);
  expect(await page.evaluate(() => window.__injected), 'the injected inline script ran').toBeUndefined();

  const violations = await violationsOf(page);
  expect(violations).toHaveLength(1);
  expect(violations[0]).toMatchObject({ page: '/', directive: 'script-src-elem', blocked: 'inline' });
  expect(consoleErrors).toHaveLength(1);
  expect(consoleErrors[0]).toMatch(/inline script.*violates the following Content Security Policy directive/i);
});

bare('a script with the nonce runs, but eval stays blocked in production', async ({ page }) => {
  await recordViolations(page.context());
  const consoleErrors = consoleOf(page);
  await serveWithInjection(
    page,
    (nonce) => `<script nonce="${nonce}">window.__injected = true; try { window.__evalResult = String(eval('1 + 1')); } catch (e) { window.__evalResult = e.name; }</script>`,
  );

  await page.goto('/');
  await dashboardUp(page);
  // The nonce is what lets a script in: the same injection with it runs ...
  expect(await page.evaluate(() => window.__injected)).toBe(true);
  // ... and even then there is no eval ('unsafe-eval' is for `next dev` only).
  expect(await page.evaluate(() => (window as { __evalResult?: string }).__evalResult)).toBe('EvalError');
  const violations = await violationsOf(page);
  expect(violations).toHaveLength(1);
  expect(violations[0]).toMatchObject({ directive: 'script-src', blocked: 'eval' });
  expect(consoleErrors).toEqual([]);
});

bare('API answers and the page policy differ: JSON allows nothing, not even framing', async ({ request }) => {
  for (const p of ['/api/healthz', '/api/samples', '/api/no-such-endpoint']) {
    const res = await request.get(p);
    expect(res.headers()['content-security-policy'], p).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers()['x-content-type-options'], p).toBe('nosniff');
  }
  const page = await request.get('/rules');
  expect(page.headers()['content-security-policy']).toMatch(/'nonce-[A-Za-z0-9+/]{22}=='/);
});

bare('a request naming a server action is refused before Next logs its text', async ({ request }) => {
  const res = await request.post('/x.svg', { headers: { 'Next-Action': 'planted-action-id' }, data: 'x' });
  expect(res.status()).toBe(400);
  expect(res.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(await res.text()).not.toContain('planted-action-id');
});
