import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, findingItems, openDashboard, test } from './fixtures';
import { analyzeStatic } from '../lib/validate';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../docs/screenshots');
const editorLines = '[data-testid="editor"] .monaco-editor .view-lines';

/**
 * A synthetic AWS access key id, made at test time: 'AKIA' and 16 random base32 characters. Never
 * one of AWS's documentation examples (the scanner ignores those) and never a real key.
 */
function syntheticKeyId(): string {
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AKIA${Array.from({ length: 16 }, () => B32[randomInt(32)]).join('')}`;
}

/** A Ray config of exactly `lines` lines: many node types, many setup commands, keys planted. */
function generatedConfig(lines: number, keys: string[]): { text: string; keyLines: number[] } {
  const out = [
    '# generated for the benchmark: many node types, many setup commands, a few synthetic keys',
    'cluster_name: bench',
    'max_workers: 40',
    'provider:',
    '  type: aws',
    '  region: us-west-2',
    'auth:',
    '  ssh_user: ubuntu',
    'available_node_types:',
    '  ray.head.default:',
    '    resources: {}',
    '    node_config:',
    '      InstanceType: m5.large',
    '      IamInstanceProfile:',
    '        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head',
  ];
  const sizes = ['large', 'xlarge', '2xlarge', '4xlarge'];
  for (let t = 0; out.length < lines / 2; t++) {
    out.push(
      `  ray.worker.t${t}:`,
      '    min_workers: 0',
      `    max_workers: ${1 + (t % 5)}`,
      `    resources: {"CPU": ${2 + (t % 8)}}`,
      '    node_config:',
      `      InstanceType: m5.${sizes[t % sizes.length]}`,
      '      IamInstanceProfile:',
      '        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-worker',
    );
  }
  out.push('head_node_type: ray.head.default', 'setup_commands:');
  const keyLines: number[] = [];
  const every = Math.floor((lines - out.length) / (keys.length + 1));
  let k = 0;
  for (let c = 1; out.length < lines; c++) {
    if (k < keys.length && c % every === 0) {
      out.push(`  - export AWS_ACCESS_KEY_ID=${keys[k++]}`);
      keyLines.push(out.length);
    } else {
      out.push(`  - pip install -q package-${c}==1.${c % 10}.${c % 7}`);
    }
  }
  return { text: `${out.join('\n')}\n`, keyLines };
}

async function loadFile(page: Page, name: string, text: string): Promise<void> {
  await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'application/yaml', buffer: Buffer.from(text) });
  await expect(page.getByTestId('file-name')).toHaveText(name);
}

/** The editor's text, as the dashboard sends it to /api/validate. */
async function editorText(page: Page): Promise<string> {
  const request = page.waitForRequest((r) => r.url().endsWith('/api/validate'));
  await page.getByTestId('validate').click();
  const text = ((await request).postDataJSON() as { text: string }).text;
  await expect(page.getByTestId('validating')).toHaveCount(0);
  return text;
}

const liveMarkers = (page: Page) => page.evaluate(() => window.__rayguardMarkers!().filter((m) => m.owner === 'rayguard'));
const timingCount = (page: Page) => page.evaluate(() => window.__rayguardTimings?.length ?? 0);

/** Box of the squiggle of `kind` on the cursor's line. */
async function squiggleOnCursorLine(page: Page, kind: 'error' | 'warning') {
  const active = await page.locator('[data-testid="editor"] .line-numbers.active-line-number').boundingBox();
  expect(active).not.toBeNull();
  const boxes = await page
    .locator(`[data-testid="editor"] .squiggly-${kind}`)
    .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as { x: number; y: number; width: number; height: number }));
  return boxes.find((b) => Math.abs(b.y - active!.y) < 8);
}

test('typing a key id: red squiggle, RG401 with a masked preview and a hover, without Validate', async ({ page }) => {
  const validateCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/validate')) validateCalls.push(r.url());
  });
  await openDashboard(page);
  // The analysis runs in its own worker, off the main thread.
  await expect
    .poll(async () => Promise.all(page.workers().map((w) => w.evaluate(() => self.name).catch(() => ''))))
    .toContain('rayguard-analysis');
  // The starter config has no credentials.
  await expect(page.getByTestId('findings-summary')).toBeVisible();
  await expect(page.getByTestId('count-error')).toContainText('0 errors');
  expect(await page.locator('[data-testid="finding"][data-rule-id^="RG4"]').count()).toBe(0);

  const key = syntheticKeyId();
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('setup_commands:', { delay: 10 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  await page.keyboard.type(`- export AWS_ACCESS_KEY_ID=${key}`, { delay: 10 });
  await page.keyboard.press('Escape');
  const cursorLine = Number((await page.getByTestId('cursor-position').innerText()).match(/^Ln (\d+)/)![1]);

  // The findings panel lists RG401 on the typed line, with a masked preview.
  const item = page.locator(`[data-testid="finding"][data-rule-id="RG401"][data-line="${cursorLine}"]`);
  await expect(item).toBeVisible();
  await expect(item).toHaveAttribute('data-severity', 'error');
  const preview = (await item.getByTestId('finding-preview').innerText()).trim();
  expect(preview.length).toBeGreaterThan(0);
  expect(preview).not.toContain(key);
  expect(preview).not.toContain(key.slice(4, 16));

  // A red squiggle on that line.
  await expect.poll(() => squiggleOnCursorLine(page, 'error')).toBeDefined();
  const squiggle = (await squiggleOnCursorLine(page, 'error'))!;

  // Hover: what it is, why it matters, how to fix; the rule id links to its documentation.
  await page.mouse.move(squiggle.x + Math.min(squiggle.width / 2, 40), squiggle.y + squiggle.height / 2);
  const hover = page.locator('.monaco-hover').filter({ hasText: 'RG401' }).first();
  await expect(hover).toBeVisible();
  await expect(hover).toContainText('aws-access-key-id');
  await expect(hover).toContainText(`masked ${preview}`);
  await expect(hover).toContainText('Why it matters:');
  await expect(hover).toContainText('How to fix:');
  await expect(hover.locator('a.code-link')).toHaveAttribute('href', /\/rules#rg401$/);
  const hoverText = await hover.innerText();
  expect(hoverText).not.toContain(key);
  expect(hoverText).not.toContain(key.slice(4, 16));

  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'live-hover.png') });

  // The full key is nowhere in the findings panel; the server was never asked.
  const panel = await page.getByTestId('findings-panel').innerText();
  expect(panel).not.toContain(key);
  expect(validateCalls).toEqual([]);
  const timings = await page.evaluate(() => window.__rayguardTimings ?? []);
  expect(timings.length).toBeGreaterThan(0);
  await page.mouse.move(5, 5);
});

test('quick fix on a credential marker removes just that credential; Ctrl+Z brings it back', async ({ page }) => {
  await openDashboard(page);
  const sample = await (await page.request.get('/api/samples/keys')).text();
  await page.getByTestId('samples').selectOption('keys');
  await expect(page.getByTestId('file-name')).toHaveText('keys.yaml');

  const lines = sample.split('\n');
  const line = lines.findIndex((l) => /^\s*- export AWS_ACCESS_KEY_ID=AKIA/.test(l)) + 1;
  expect(line).toBeGreaterThan(0);
  const item = page.locator(`[data-testid="finding"][data-rule-id="RG401"][data-line="${line}"]`);
  await expect(item).toBeVisible();
  const column = Number((await item.getByTestId('finding-location').innerText()).split(':')[1]);

  // Cursor on the marker (clicking the finding puts it at the finding's start): the lightbulb.
  await item.click();
  await expect(page.getByTestId('cursor-position')).toHaveText(`Ln ${line}, Col ${column}`);
  await expect(page.locator('[data-testid="editor"] .lightBulbWidget')).toBeVisible();

  await page.keyboard.press('Control+.');
  const action = page.locator('.action-widget').getByText('Rayguard: remove the credential from the command', { exact: false });
  await expect(action).toBeVisible();
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'quick-fix.png') });
  await action.click();
  await expect(page.getByTestId('notice')).toContainText('Applied: remove the credential');

  // Exactly that credential is gone; every other line is unchanged.
  // (The command is nothing but the credential, so the whole list item goes.)
  const expected = [...lines.slice(0, line - 1), ...lines.slice(line)].join('\n');
  await expect.poll(() => editorText(page)).toBe(expected);
  await expect(page.locator(`[data-testid="finding"][data-rule-id="RG401"][data-line="${line}"]`)).toHaveCount(0);

  // One undoable edit: Ctrl+Z restores the original text.
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+Z');
  await expect.poll(() => editorText(page)).toBe(sample);
  await expect(item).toBeVisible();
});

test('a quick fix that needs IAM (add the head profile) goes to the server with its target', async ({ page }) => {
  await openDashboard(page);
  const item = findingItems(page, 'RG201');
  await expect(item).toHaveCount(1);
  const line = Number(await item.getAttribute('data-line'));
  const column = Number((await item.getByTestId('finding-location').innerText()).split(':')[1]);
  // "Server's choice" by default: the server picks a profile whose role would work as this head.
  expect(await page.getByTestId('head-profile').inputValue()).toBe('');
  const chosen = 'arn:aws:iam::314159265358:instance-profile/ray/ray-head';
  await page.getByTestId('head-profile').selectOption(chosen);

  await item.click();
  await page.keyboard.press('Control+.');
  const action = page.locator('.action-widget').getByText('Rayguard: add IamInstanceProfile.Arn to the head node type');
  await expect(action).toBeVisible();
  const request = page.waitForRequest((r) => r.url().endsWith('/api/fix'));
  await action.click();
  const body = (await request).postDataJSON() as { targets: unknown; fixes: unknown; profiles: Record<string, string> };
  expect(body.targets).toEqual([{ ruleId: 'RG201', line, column }]);
  expect(body.fixes).toEqual(['add-instance-profile']);
  expect(Object.values(body.profiles)).toEqual([chosen]);

  await expect(findingItems(page, 'RG201')).toHaveCount(0);
  const text = await editorText(page);
  expect(text).toContain(`Arn: ${chosen}`);
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+Z');
  await expect(findingItems(page, 'RG201')).toHaveCount(1);
});

test('IAM findings stay from the last validation and say when the text changed since', async ({ page }) => {
  await openDashboard(page);
  const text = [
    'cluster_name: iam-demo',
    'provider:',
    '  type: aws',
    '  region: us-west-2',
    'available_node_types:',
    '  ray.head.default:',
    '    resources: {}',
    '    node_config:',
    '      InstanceType: m5.large',
    '      IamInstanceProfile:',
    '        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head-gone',
    'head_node_type: ray.head.default',
    '',
  ].join('\n');
  await loadFile(page, 'iam.yaml', text);
  const rg301 = findingItems(page, 'RG301');
  await expect(rg301).toHaveCount(1);
  await expect(rg301).toHaveAttribute('data-source', 'iam');
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'current');
  await expect(page.getByTestId('iam-note')).toContainText('IAM checked');
  await expect.poll(async () => (await page.evaluate(() => window.__rayguardMarkers!())).filter((m) => m.owner === 'rayguard-iam').map((m) => m.ruleId)).toEqual(['RG301']);

  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('#');
  const note = page.getByTestId('iam-note');
  await expect(note).toHaveAttribute('data-iam', 'stale');
  await expect(note).toContainText(/IAM checked \d+ s ago — the text changed since/);
  await expect(rg301).toHaveClass(/iam-stale/);

  // Undo back to the validated text: current again (one typed character, one undo step).
  await page.keyboard.press('Control+Z');
  await expect(note).toHaveAttribute('data-iam', 'current');
  await page.keyboard.type('# edited again', { delay: 10 });
  await expect(note).toHaveAttribute('data-iam', 'stale');
  await page.getByTestId('validate-again').click();
  await expect(note).toHaveAttribute('data-iam', 'current');
  await expect(rg301).not.toHaveClass(/iam-stale/);
});

test('the live analysis survives invalid input', async ({ page }) => {
  await openDashboard(page);
  await loadFile(page, 'garbage.yaml', `${'a: [\n'.repeat(3000)}\u0001\u0002 ]]] {{ "unterminated\n\t- : : :\n`);
  await expect(findingItems(page, 'RG101').first()).toBeVisible();
  await expect(page.getByTestId('live-status')).toHaveText('Live check ✓');
  await expect(page.getByTestId('live-error')).toHaveCount(0);

  // And keeps answering.
  await page.getByTestId('restore-previous').click();
  await expect(page.getByTestId('file-name')).toHaveText('cluster.yaml');
  await expect(findingItems(page, 'RG101')).toHaveCount(0);
  await expect(findingItems(page, 'RG201')).toHaveCount(1);
  await expect(page.getByTestId('live-status')).toHaveText('Live check ✓');
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1];

test('benchmark: as-you-type markers on a 2,000-line config', async ({ page }) => {
  await openDashboard(page);
  const keys = Array.from({ length: 5 }, syntheticKeyId);
  const { text, keyLines } = generatedConfig(2000, keys);
  expect(text.split('\n').length - 1).toBe(2000);
  await loadFile(page, 'bench-2000.yaml', text);
  await expect
    .poll(async () => (await liveMarkers(page)).filter((m) => m.ruleId === 'RG401').map((m) => m.line), { timeout: 30_000 })
    .toEqual(keyLines);
  await expect(page.getByTestId('validating')).toHaveCount(0);
  // Quiet: nothing still in flight before the edits are counted.
  await expect.poll(async () => {
    const n = await timingCount(page);
    await page.waitForTimeout(600);
    return (await timingCount(page)) === n;
  }).toBe(true);

  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  const typed = '# benchmark';
  const timings: number[] = [];
  const workerTimings: number[] = [];
  for (const ch of typed) {
    const before = await timingCount(page);
    await page.keyboard.type(ch);
    await page.waitForFunction((n) => (window.__rayguardTimings?.length ?? 0) > n, before, { timeout: 30_000 });
    timings.push(await page.evaluate(() => window.__rayguardTimings!.at(-1)!));
    workerTimings.push(await page.evaluate(() => window.__rayguardWorkerTimings!.at(-1)!));
  }
  const measured = timings.slice(1); // the first edit warms up; ~10 edits are counted
  const measures = await page.evaluate(() => performance.getEntriesByName('rayguard:analysis', 'measure').length);
  expect(measures).toBeGreaterThanOrEqual(typed.length);
  console.log(
    `[bench] as-you-type markers on 2000 lines: median ${median(measured).toFixed(1)} ms, p95 ${p95(measured).toFixed(1)} ms ` +
      `(${measured.length} edits; debounce fired → markers set; the ${200} ms debounce itself not included; ` +
      `of which analyzeStatic in the worker: median ${median(workerTimings.slice(1)).toFixed(1)} ms)`,
  );

  // Markers are there and correct: exactly what the core finds in the final text.
  const finalText = `${text}${typed}`;
  await expect.poll(() => editorText(page)).toBe(finalText);
  // The server's static findings for this text were compared with the live ones: identical.
  await expect.poll(() => page.evaluate(() => window.__rayguardAgreement)).toEqual({ checked: expect.any(Number), disagreed: 0 });
  expect((await page.evaluate(() => window.__rayguardAgreement))!.checked).toBeGreaterThanOrEqual(2);
  const want = analyzeStatic(finalText).findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn }));
  const sortKey = (m: { ruleId: string; line: number; column: number }) => `${String(m.line).padStart(6, '0')}:${String(m.column).padStart(4, '0')}:${m.ruleId}`;
  const got = (await liveMarkers(page)).map(({ ruleId, severity, line, column, endLine, endColumn }) => ({ ruleId, severity, line, column, endLine, endColumn }));
  expect(got.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(want.sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
  expect(got.filter((m) => m.ruleId === 'RG401').map((m) => [m.line, m.severity])).toEqual(keyLines.map((l) => [l, 'error']));
});

test('a huge paste does not freeze typing', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openDashboard(page);
  const keys = Array.from({ length: 20 }, syntheticKeyId);
  const { text, keyLines } = generatedConfig(20_000, keys);
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: Array<{ start: number; duration: number }> };
    w.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask' });
  });
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);

  await page.locator(editorLines).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  await expect(page.locator(editorLines)).toContainText('pip install', { timeout: 30_000 });
  const pastedAt = await page.evaluate(() => performance.now());

  // Type right away, while the worker analyses ~0.6 MB.
  const typed = '# typed while the live analysis runs';
  await page.keyboard.press('Control+End');
  const t0 = Date.now();
  await page.keyboard.type(typed);
  const typingMs = Date.now() - t0;
  await expect(page.locator(editorLines)).toContainText(typed);

  await expect
    .poll(async () => (await liveMarkers(page)).filter((m) => m.ruleId === 'RG401').map((m) => m.line), { timeout: 60_000 })
    .toEqual(keyLines);
  const markersAt = await page.evaluate(() => performance.now());
  const setMarkersMs = await page.evaluate(() => Math.max(...performance.getEntriesByName('rayguard:set-markers', 'measure').map((e) => e.duration)));
  const markerCount = (await liveMarkers(page)).length;
  const longest = await page.evaluate((since) => {
    const w = window as unknown as { __longTasks: Array<{ start: number; duration: number }> };
    return Math.max(0, ...w.__longTasks.filter((t) => t.start >= since).map((t) => t.duration));
  }, pastedAt);
  // For comparison: the same typing once the analysis is done and the markers are set.
  const again = '# typed after the markers were set';
  const t1 = Date.now();
  await page.keyboard.press('Enter');
  await page.keyboard.type(again);
  const settledMs = Date.now() - t1;
  await expect(page.locator(editorLines)).toContainText(again);
  console.log(
    `[bench] paste of 20000 lines (${(text.length / 1024).toFixed(0)} KiB): markers ${(markersAt - pastedAt).toFixed(0)} ms after the paste; ` +
      `typing right after the paste (worker busy) ${(typingMs / typed.length).toFixed(1)} ms/key, once settled ${(settledMs / (again.length + 1)).toFixed(1)} ms/key; ` +
      `longest main-thread task from the paste to the markers ${longest.toFixed(0)} ms; setting the ${markerCount} markers took at most ${setMarkersMs.toFixed(0)} ms`,
  );
  await expect(findingItems(page, 'RG401').first()).toBeVisible();
});
