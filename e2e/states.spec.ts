import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, findingItems, openDashboard, reportOf, test } from './fixtures';
import { analyzeStatic } from '../lib/validate';

/**
 * What the dashboard says about the file in the editor must be about that file: findings of a
 * previous text are never presented as current, a failed check is never shown as a clean one,
 * and Fix says what it left.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
// Read from the shared examples and corpus, never copied into the project.
const EXAMPLES = path.resolve(here, '../../shared/ray-examples');
const SECRETS = path.resolve(here, '../../shared/corpus/secrets');
const MINIMAL_EXAMPLE = path.join(EXAMPLES, 'aws_example-minimal.yaml');
const SHOTS = path.resolve(here, '../docs/screenshots');
const editorLines = '[data-testid="editor"] .monaco-editor .view-lines';
const MiB = 1024 * 1024;

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
/** Synthetic AWS credentials, made at test time: never a real key, never AWS's documentation examples. */
const syntheticKeyId = () => `AKIA${pick(B32, 16)}`;
const syntheticSecret = () => pick(B64, 40);

/** A config with an IAM finding (RG301, demo account) and a credential far below line 45. */
function oldConfig(): string {
  const lines = [
    'cluster_name: previous-file',
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
    'setup_commands:',
  ];
  for (let i = 0; i < 70; i++) lines.push(`  - pip install -q package-${i}==1.0.${i}`);
  lines.push(`  - export AWS_ACCESS_KEY_ID=${syntheticKeyId()}`, '');
  return lines.join('\n');
}

async function setFile(page: Page, name: string, content: string | Buffer): Promise<void> {
  await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'application/yaml', buffer: Buffer.isBuffer(content) ? content : Buffer.from(content) });
}

async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ text, name }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/yaml' }));
      return dt;
    },
    { text, name },
  );
  await page.getByTestId('editor-dropzone').dispatchEvent('dragenter', { dataTransfer });
  await page.getByTestId('drop-overlay').dispatchEvent('drop', { dataTransfer });
}

/** The file is loaded, its live analysis is in and its validation answered. */
async function settled(page: Page, name: string): Promise<void> {
  await expect(page.getByTestId('file-name')).toHaveText(name);
  await expect(page.getByTestId('findings-panel')).toHaveAttribute('data-state', 'current');
  await expect(page.getByTestId('validating')).toHaveCount(0);
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'current');
}

interface Snapshot {
  name: string;
  state: string | null;
  items: Array<{ ruleId: string; line: number; source: string }>;
  clean: boolean;
  markers: Array<{ owner: string; ruleId: string; line: number }>;
}

/** Record what the page shows after every DOM change (a MutationObserver sees every render). */
async function startRecording(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __snaps: unknown[]; __recorder?: MutationObserver };
    w.__snaps = [];
    w.__recorder?.disconnect();
    const snap = () => {
      if (w.__snaps.length > 20_000) return;
      const panel = document.querySelector('[data-testid="findings-panel"]');
      w.__snaps.push({
        name: document.querySelector('[data-testid="file-name"]')?.textContent ?? '',
        state: panel?.getAttribute('data-state') ?? null,
        items: Array.from(document.querySelectorAll('[data-testid="finding"]')).map((e) => ({
          ruleId: e.getAttribute('data-rule-id') ?? '',
          line: Number(e.getAttribute('data-line')),
          source: e.getAttribute('data-source') ?? '',
        })),
        clean: !!document.querySelector('[data-testid="no-findings"]'),
        markers: (window.__rayguardMarkers?.() ?? []).map((m) => ({ owner: m.owner, ruleId: m.ruleId, line: m.line })),
      });
    };
    w.__recorder = new MutationObserver(snap);
    w.__recorder.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

async function stopRecording(page: Page): Promise<Snapshot[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __snaps: Snapshot[]; __recorder?: MutationObserver };
    w.__recorder?.disconnect();
    return w.__snaps;
  });
}

const key = (x: { ruleId: string; line: number; source?: string; owner?: string }) => `${x.owner ?? x.source ?? ''}:${x.ruleId}@${x.line}`;

/**
 * Load `newName` over the previous file with `load`, and check every render from the moment the
 * new name shows: until the new text's findings are in, the panel says it is checking and shows
 * no list; no finding or marker of the previous text is ever shown; IAM findings of the previous
 * file never reappear.
 */
async function expectNoStaleFindings(page: Page, load: () => Promise<void>, newName: string, newText: string) {
  await startRecording(page);
  await load();
  await settled(page, newName);
  await expect(page.getByTestId('live-status')).toHaveText('Live check ✓');
  const snaps = await stopRecording(page);
  const final = snaps.at(-1)!;
  const finalItems = new Set(final.items.map(key));
  const finalMarkers = new Set(final.markers.map(key));
  const lineCount = newText.split('\n').length;

  const after = snaps.filter((s) => s.name === newName);
  expect(after.length).toBeGreaterThan(0);
  expect(after[0].state, 'the first render of the new file says its findings are being computed').toBe('loading');
  for (const s of after) {
    if (s.state !== 'current') {
      expect(s.items, `no findings listed while ${newName} is checked`).toEqual([]);
      expect(s.clean, 'no "No findings" while checking').toBe(false);
    }
    for (const item of s.items) {
      expect(item.line, `${key(item)} is a line of ${newName}`).toBeLessThanOrEqual(lineCount);
      expect(finalItems.has(key(item)), `${key(item)} is a finding of ${newName}`).toBe(true);
    }
    for (const m of s.markers) expect(finalMarkers.has(key(m)), `marker ${key(m)} belongs to ${newName}`).toBe(true);
  }
}

test('loading a file never shows the previous file\'s findings as its own (file input, drop, sample)', async ({ page }) => {
  await openDashboard(page);
  const old = oldConfig();
  const loadOld = async () => {
    await setFile(page, 'previous.yaml', old);
    await settled(page, 'previous.yaml');
    // The previous file has an IAM finding and a credential below the new file's last line.
    await expect(findingItems(page, 'RG301')).toHaveAttribute('data-source', 'iam');
    await expect(findingItems(page, 'RG401')).toHaveAttribute('data-line', String(old.split('\n').length - 1));
  };
  const minimal = fs.readFileSync(MINIMAL_EXAMPLE, 'utf8');
  expect(minimal.split('\n').length).toBeLessThan(old.split('\n').length - 1);

  await loadOld();
  await expectNoStaleFindings(page, () => setFile(page, 'aws_example-minimal.yaml', minimal), 'aws_example-minimal.yaml', minimal);
  await expect(findingItems(page, 'RG301')).toHaveCount(0);

  await loadOld();
  await expectNoStaleFindings(page, () => dropFile(page, 'dropped.yaml', minimal), 'dropped.yaml', minimal);

  await loadOld();
  const sample = await (await page.request.get('/api/samples/keys')).text();
  await expectNoStaleFindings(page, async () => void (await page.getByTestId('samples').selectOption('keys')), 'keys.yaml', sample);

  // An edit: the findings of the text before it are dimmed and marked as being recomputed.
  await startRecording(page);
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('#');
  await expect(page.getByTestId('findings-panel')).toHaveAttribute('data-state', 'current');
  const snaps = await stopRecording(page);
  expect(snaps.some((s) => s.state === 'checking'), 'an edit shows that the findings are being recomputed').toBe(true);
});

test('a file over 5 MiB is refused; a failed Validate or Fix is an error, never a clean result', async ({ page, guard, context }) => {
  guard.allowHttpError(/\/api\/(validate|fix)$/);
  await openDashboard(page);
  const apiCalls: string[] = [];
  page.on('request', (r) => {
    if (/\/api\/(validate|fix)$/.test(r.url())) apiCalls.push(r.url());
  });

  // 5 MiB and one byte: refused with the sizes, and nothing else changes.
  await setFile(page, 'huge.yaml', Buffer.alloc(5 * MiB + 1, '#'));
  await expect(page.getByTestId('error')).toContainText('huge.yaml is 5,242,881 bytes; the limit is 5 MiB');
  await expect(page.getByTestId('file-name')).toHaveText('cluster.yaml');
  await expect(page.locator(editorLines)).toContainText('cluster_name: demo');
  await expect(page.getByTestId('notice')).toHaveCount(0);
  expect(apiCalls).toEqual([]);

  // A clean config whose JSON body is larger than the server takes (quotes are escaped): it has
  // no static findings, and the server answers 413.
  const clean = fs.readFileSync(path.join(SECRETS, 'clean-instance-profile.yaml'), 'utf8');
  expect(analyzeStatic(clean).findings).toEqual([]);
  const quoted = `${clean}${Array.from({ length: 34_000 }, () => `# ${'"'.repeat(98)}`).join('\n')}\n`;
  expect(Buffer.byteLength(quoted)).toBeLessThan(5 * MiB);
  expect(Buffer.byteLength(JSON.stringify({ text: quoted, fileName: 'quoted.yaml' }))).toBeGreaterThan(6 * MiB);
  const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate'));
  await setFile(page, 'quoted.yaml', quoted);
  expect((await validated).status()).toBe(413);
  await expect(page.getByTestId('error')).toContainText(/Validate failed: .*too large.*413/);
  await expect(page.getByTestId('findings-panel')).toHaveAttribute('data-state', 'current', { timeout: 30_000 });
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'failed');
  await expect(page.getByTestId('not-fully-checked')).toBeVisible();
  await expect(page.getByTestId('no-findings')).toHaveCount(0);
  await expect(page.getByTestId('findings-panel')).not.toContainText('No findings in');

  const fixed = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
  await page.getByTestId('fix').click();
  expect((await fixed).status()).toBe(413);
  await expect(page.getByTestId('error')).toContainText(/Fix failed: .*413/);
  await expect(page.getByTestId('fix-panel')).toHaveCount(0);
  await expect(page.getByTestId('download')).toBeDisabled();

  // A Fix that fails after one that worked: the earlier corrected config does not stay up.
  await setFile(page, 'aws_example-minimal.yaml', fs.readFileSync(MINIMAL_EXAMPLE));
  await settled(page, 'aws_example-minimal.yaml');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await page.getByTestId('fix').click();
  await expect(page.getByTestId('fix-panel')).toBeVisible();
  await page.route('**/api/fix', (route) => route.fulfill({ status: 500, json: { error: 'internal error' } }));
  await page.getByTestId('fix').click();
  await expect(page.getByTestId('error')).toContainText('Fix failed: 500: internal error');
  await expect(page.getByTestId('fix-panel')).toHaveCount(0);
  await page.unroute('**/api/fix');

  // A text over 5 MiB pasted into the editor is not sent.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const pasted = `${clean}${Array.from({ length: 52_000 }, (_, i) => `# ${String(i).padStart(6, '0')} ${'x'.repeat(92)}`).join('\n')}\n`;
  expect(Buffer.byteLength(pasted)).toBeGreaterThan(5 * MiB);
  await page.evaluate((t) => navigator.clipboard.writeText(t), pasted);
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  await expect(page.getByTestId('findings-panel')).toHaveAttribute('data-state', 'current', { timeout: 60_000 });
  const before = apiCalls.length;
  await page.getByTestId('validate').click();
  await expect(page.getByTestId('error')).toContainText(/Validate: The text is 5,\d{3},\d{3} bytes; the limit is 5 MiB/);
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'failed');
  await expect(page.getByTestId('no-findings')).toHaveCount(0);
  await page.getByTestId('fix').click();
  await expect(page.getByTestId('error')).toContainText(/Fix: The text is 5,\d{3},\d{3} bytes; the limit is 5 MiB/);
  expect(apiCalls.length).toBe(before);
});

test('files that are not UTF-8 are refused; a UTF-8 BOM is dropped; CR-only line endings are announced', async ({ page }) => {
  await openDashboard(page);
  const validateBodies: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/validate')) validateBodies.push((r.postDataJSON() as { text: string }).text);
  });
  const minimal = fs.readFileSync(MINIMAL_EXAMPLE, 'utf8');

  // Latin-1 (a café), UTF-16 with its BOM: refused, nothing replaced by U+FFFD, nothing loaded.
  const latin1 = Buffer.from(`# caf\u00e9 cluster\n${minimal}`, 'latin1');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(minimal, 'utf16le')]);
  for (const [name, bytes] of [['latin1.yaml', latin1], ['utf16.yaml', utf16]] as const) {
    await setFile(page, name, bytes);
    await expect(page.getByTestId('error')).toContainText(`${name}: This file is not UTF-8 text`);
    await expect(page.getByTestId('file-name')).toHaveText('cluster.yaml');
    await expect(page.locator(editorLines)).toContainText('cluster_name: demo');
    await expect(page.locator(editorLines)).not.toContainText('\ufffd');
  }
  expect(validateBodies).toEqual([]);

  // A UTF-8 BOM is not part of the text.
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`# caf\u00e9\n${minimal}`, 'utf8')]);
  await setFile(page, 'bom.yaml', bom);
  await settled(page, 'bom.yaml');
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(validateBodies).toEqual([`# caf\u00e9\n${minimal}`]);
  await expect(findingItems(page, 'RG201')).toHaveAttribute('data-line', '14');
  await expect(page.getByTestId('warning')).toHaveCount(0);

  // Old Mac line endings: the editor can only hold LF or CRLF. The text is loaded with line
  // feeds, and the user is told that the file itself is RG101 for the CLI and the API.
  await setFile(page, 'cr-only.yaml', minimal.replace(/\n/g, '\r'));
  await settled(page, 'cr-only.yaml');
  await expect(page.getByTestId('warning')).toContainText('cr-only.yaml has carriage-return-only line endings');
  await expect(page.getByTestId('warning')).toContainText('RG101');
  expect(validateBodies.at(-1)).toBe(minimal);
  await expect(findingItems(page, 'RG201')).toHaveAttribute('data-line', '13');
  // The next file clears the note.
  await setFile(page, 'aws_example-minimal.yaml', minimal);
  await settled(page, 'aws_example-minimal.yaml');
  await expect(page.getByTestId('warning')).toHaveCount(0);
});

test('Fix lists what it could not fix, and never calls the result clean', async ({ page }) => {
  await openDashboard(page);
  const keyId = syntheticKeyId();
  const secret = syntheticSecret();
  const fixableKey = syntheticKeyId();
  const text = [
    'cluster_name: heredoc-credentials',
    'provider:',
    '  type: aws',
    '  region: us-west-2',
    'available_node_types:',
    '  ray.head.default:',
    '    resources: {}',
    '    node_config:',
    '      InstanceType: m5.large',
    '      IamInstanceProfile:',
    '        Arn: arn:aws:iam::314159265358:instance-profile/ray/ray-head',
    'head_node_type: ray.head.default',
    'setup_commands:',
    `  - export AWS_ACCESS_KEY_ID=${fixableKey}`,
    '  - |',
    '    mkdir -p ~/.config',
    // An uploader's own config file, not ~/.aws/credentials: Fix cannot tell what else it needs.
    '    cat > ~/.config/uploader.ini << EOF',
    '    [default]',
    `    aws_access_key_id = ${keyId}`,
    `    aws_secret_access_key = ${secret}`,
    '    EOF',
    '  - pip install -U "ray[default]"',
    '',
  ].join('\n');
  const lineOf = (s: string) => text.split('\n').findIndex((l) => l.includes(s)) + 1;
  const found = analyzeStatic(text).findings.map((f) => `${f.ruleId}@${f.line}`);
  expect(found).toEqual(expect.arrayContaining([`RG401@${lineOf(fixableKey)}`, `RG401@${lineOf(keyId)}`, `RG402@${lineOf(secret)}`]));

  await setFile(page, 'heredoc.yaml', text);
  await settled(page, 'heredoc.yaml');
  const response = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
  await page.getByTestId('fix').click();
  const body = (await (await response).json()) as { text: string; applied: Array<{ ruleId: string; line: number }>; skipped: Array<{ fix?: string; ruleId: string; line: number; reason: string }> };
  // The command that is nothing but the key is removed; the heredoc's credentials are not.
  expect(body.applied.map((a) => `${a.ruleId}@${a.line}`)).toContain(`RG401@${lineOf(fixableKey)}`);
  expect(body.skipped.map((s) => `${s.ruleId}@${s.line}`)).toEqual(expect.arrayContaining([`RG401@${lineOf(keyId)}`, `RG402@${lineOf(secret)}`]));
  expect(body.text).toContain(keyId);

  const panel = page.getByTestId('fix-panel');
  await expect(panel).toBeVisible();
  await expect(panel).toHaveAttribute('data-skipped', String(body.skipped.length));
  await expect(panel.getByTestId('skipped')).toContainText('Not fixed — remove by hand');
  const rows = panel.getByTestId('skipped-fix');
  await expect(rows).toHaveCount(body.skipped.length);
  for (const s of body.skipped) {
    const row = panel.locator(`[data-testid="skipped-fix"][data-rule-id="${s.ruleId}"][data-line="${s.line}"]`);
    await expect(row).toContainText(`line ${s.line}`);
    await expect(row).toContainText(s.ruleId);
    await expect(row).toContainText(s.reason);
  }
  await expect(panel.locator('#fix-title')).toHaveText('Partly corrected config');
  await expect(panel.getByTestId('applied-count')).toHaveText(`${body.applied.length} ${body.applied.length === 1 ? 'fix' : 'fixes'} applied, ${body.skipped.length} findings not fixed`);
  await expect(panel).not.toContainText('Nothing to change');
  await expect(page.getByTestId('diff').locator('.editor.modified .view-lines')).toBeVisible();
  // The masked previews only: the panel's own text (not the diff) never holds a key.
  const listed = await panel.getByTestId('skipped').innerText();
  for (const k of [keyId, secret, fixableKey]) expect(listed).not.toContain(k);

  fs.mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(5, 5);
  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: path.join(SHOTS, 'fix-skipped.png') });

  // A line left is one click from the editor, which still holds the text Fix ran on.
  await panel.locator(`[data-testid="skipped-fix"][data-line="${lineOf(keyId)}"]`).getByRole('button', { name: `line ${lineOf(keyId)}` }).click();
  await expect(page.getByTestId('cursor-position')).toHaveText(`Ln ${lineOf(keyId)}, Col 1`);

  // The text changes after Fix: the panel says it is the correction of the earlier text.
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('# edited');
  await expect(panel.getByTestId('fix-stale')).toBeVisible();

  // An older server without `skipped`, and entries without `fix`: read as [] / shown anyway.
  await page.route('**/api/fix', async (route) => {
    const res = await route.fetch();
    const json = (await res.json()) as Record<string, unknown>;
    delete json.skipped;
    await route.fulfill({ response: res, json });
  });
  await page.getByTestId('fix').click();
  await expect(panel.getByTestId('applied-count')).toHaveText(/^\d+ fix(es)? applied$/);
  await expect(panel.getByTestId('skipped')).toHaveCount(0);
  await expect(panel.getByTestId('fix-stale')).toHaveCount(0);
  await page.unroute('**/api/fix');
});

test('real configs: the panel shows exactly the opened file\'s findings, and Fix says what it left', async ({ page }) => {
  test.setTimeout(300_000);
  await openDashboard(page);
  const files = [
    ...fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).map((f) => path.join(EXAMPLES, f)),
    ...fs.readdirSync(SECRETS).filter((f) => f.endsWith('.yaml')).map((f) => path.join(SECRETS, f)),
  ];
  expect(files.length).toBeGreaterThan(40);
  const problems: string[] = [];
  for (const file of files) {
    const name = path.basename(file);
    const text = fs.readFileSync(file, 'utf8');
    const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate'));
    await setFile(page, name, fs.readFileSync(file));
    const report = await reportOf(page, await validated);
    expect(((await validated).request().postDataJSON() as { text: string }).text, `${name}: the text sent is the file's`).toBe(text);
    await settled(page, name);
    const want = report.files[0].findings.map((f) => `${f.ruleId}@${f.line}`).sort();
    const shown = (
      await findingItems(page).evaluateAll((els) => els.map((e) => `${e.getAttribute('data-rule-id')}@${e.getAttribute('data-line')}`))
    ).sort();
    if (JSON.stringify(shown) !== JSON.stringify(want)) problems.push(`${name}: panel ${shown.join(' ')} / server ${want.join(' ')}`);
    if (want.length > 0) await expect(page.getByTestId('no-findings')).toHaveCount(0);

    if (file.startsWith(SECRETS)) {
      const fixed = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
      await page.getByTestId('fix').click();
      const res = (await (await fixed).json()) as { applied: unknown[]; skipped?: Array<{ ruleId: string; line: number }> };
      const skipped = res.skipped ?? [];
      const panel = page.getByTestId('fix-panel');
      await expect(panel).toHaveAttribute('data-skipped', String(skipped.length));
      await expect(panel.getByTestId('skipped-fix')).toHaveCount(skipped.length);
      if (skipped.length > 0) {
        await expect(panel.locator('#fix-title')).not.toHaveText('Corrected config');
        await expect(panel.getByTestId('applied-count')).toContainText('not fixed');
        await expect(panel).not.toContainText('Nothing to change');
      }
      await page.getByRole('button', { name: 'Close the corrected config' }).click();
    }
  }
  // The bundled samples too.
  const samples = (await (await page.request.get('/api/samples')).json()) as Array<{ id: string }>;
  for (const { id } of samples) {
    const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate'));
    await page.getByTestId('samples').selectOption(id);
    const report = await reportOf(page, await validated);
    await settled(page, `${id}.yaml`);
    const want = report.files[0].findings.map((f) => `${f.ruleId}@${f.line}`).sort();
    const shown = (
      await findingItems(page).evaluateAll((els) => els.map((e) => `${e.getAttribute('data-rule-id')}@${e.getAttribute('data-line')}`))
    ).sort();
    if (JSON.stringify(shown) !== JSON.stringify(want)) problems.push(`sample ${id}: panel ${shown.join(' ')} / server ${want.join(' ')}`);
  }
  expect(problems).toEqual([]);
});
