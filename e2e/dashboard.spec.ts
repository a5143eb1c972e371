import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, findingItems, openDashboard, reportOf, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
// Read from the shared examples, never copied into the project.
const FULL_EXAMPLE = path.resolve(here, '../../shared/ray-examples/aws_example-full.yaml');
const MINIMAL_EXAMPLE = path.resolve(here, '../../shared/ray-examples/aws_example-minimal.yaml');
const SCREENSHOT = path.resolve(here, '../docs/screenshots/main.png');

const editorLines = '[data-testid="editor"] .monaco-editor .view-lines';

test('open a file, validate, jump to a finding, fix, see the diff, download', async ({ page }) => {
  await openDashboard(page);
  await expect(page.getByTestId('iam-banner')).toContainText('IAM:');
  await expect(page.getByTestId('file-name')).toHaveText('cluster.yaml');

  // Opening a file validates it; Validate runs it again.
  await page.getByTestId('file-input').setInputFiles(FULL_EXAMPLE);
  await expect(page.getByTestId('file-name')).toHaveText('aws_example-full.yaml');
  await expect(page.locator(editorLines)).toContainText('cluster_name: default');
  const validated = page.waitForResponse((r) => r.url().endsWith('/api/validate') && r.request().method() === 'POST');
  await page.getByTestId('validate').click();
  const report = await reportOf(page, await validated);
  expect(report.version).toBe(1);
  expect(report.files[0].path).toBe('aws_example-full.yaml');

  const head = findingItems(page, 'RG201');
  const worker = findingItems(page, 'RG202');
  await expect(head).toHaveCount(1);
  await expect(worker.first()).toBeVisible();
  await expect(head).toContainText('head-profile-missing');
  await expect(head.locator('a.rule-id')).toHaveAttribute('href', '/rules#rg201');
  await expect(page.getByTestId('count-warning')).toContainText(/[1-9]\d* warning/);

  // Clicking a finding puts the cursor on its line, and its marker is in view.
  const line = Number(await head.getAttribute('data-line'));
  expect(line).toBeGreaterThan(1);
  await head.click();
  await expect(page.getByTestId('cursor-position')).toHaveText(new RegExp(`^Ln ${line}, Col \\d+$`));
  await expect(page.locator('[data-testid="editor"] .line-numbers.active-line-number')).toHaveText(String(line));
  // Rayguard's marker (a warning, like RG201) sits on that line; hovering it names the rule.
  const activeLine = await page.locator('[data-testid="editor"] .line-numbers.active-line-number').boundingBox();
  expect(activeLine).not.toBeNull();
  const squiggles = await page
    .locator('[data-testid="editor"] .squiggly-warning')
    .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as { x: number; y: number; width: number; height: number }));
  const squiggle = squiggles.find((b) => Math.abs(b.y - activeLine!.y) < 8);
  expect(squiggle, 'a warning squiggle on the finding\'s line').toBeDefined();
  await page.mouse.move(squiggle!.x + Math.min(squiggle!.width / 2, 24), squiggle!.y + squiggle!.height / 2);
  await expect(page.locator('.monaco-hover').filter({ hasText: 'RG201' }).first()).toBeVisible();
  await page.mouse.move(5, 5);

  // Fix: the side-by-side diff renders both panes. Ray's example is not written for the demo
  // account, so the server never picks a demo profile for it on its own: the user picks one.
  await page.getByTestId('head-profile').selectOption('arn:aws:iam::314159265358:instance-profile/ray/ray-head');
  const fixed = page.waitForResponse((r) => r.url().endsWith('/api/fix'));
  await page.getByTestId('fix').click();
  const fixBody = await (await fixed).json();
  expect(fixBody.text).toContain('IamInstanceProfile:');
  const diff = page.getByTestId('diff');
  await expect(diff.locator('.editor.original .view-lines')).toBeVisible();
  await expect(diff.locator('.editor.modified .view-lines')).toBeVisible();
  await expect(diff.locator('.editor.modified')).toContainText('IamInstanceProfile');
  await expect(page.locator('[data-testid="applied-fix"][data-rule-id="RG201"]')).toBeVisible();

  // Download: the corrected text under the original name.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(download.suggestedFilename()).toBe('aws_example-full.fixed.yaml');
  const saved = fs.readFileSync(await download.path(), 'utf8');
  expect(saved).toContain('IamInstanceProfile:');
  expect(saved).toMatch(/arn:aws:iam::\d{12}:instance-profile\/\S+/);
  const comments = fs
    .readFileSync(FULL_EXAMPLE, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('#'));
  expect(comments.length).toBeGreaterThan(20);
  for (const c of comments) expect(saved).toContain(c);

  // The editor still holds exactly what was opened: Fix never touches it.
  const revalidated = page.waitForRequest((r) => r.url().endsWith('/api/validate'));
  await page.getByTestId('validate').click();
  expect(((await revalidated).postDataJSON() as { text: string }).text).toBe(fs.readFileSync(FULL_EXAMPLE, 'utf8'));
  await expect(findingItems(page, 'RG201')).toHaveCount(1);

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Use corrected text: loads it into the editor and revalidates; RG201 is gone.
  const usedCorrected = page.waitForResponse((r) => r.url().endsWith('/api/validate'));
  await page.getByTestId('use-corrected').click();
  expect(((await usedCorrected).request().postDataJSON() as { text: string }).text).toBe(saved);
  await expect(page.getByTestId('findings-summary')).toBeVisible();
  await expect(findingItems(page, 'RG201')).toHaveCount(0);
  await expect(page.getByTestId('use-corrected')).toHaveText('In the editor');
  // ... and the text it replaced is one click away.
  const restored = page.waitForRequest((r) => r.url().endsWith('/api/validate'));
  await page.getByTestId('restore-previous').click();
  expect(((await restored).postDataJSON() as { text: string }).text).toBe(fs.readFileSync(FULL_EXAMPLE, 'utf8'));
  await expect(findingItems(page, 'RG201')).toHaveCount(1);

  // Closing the diff disposes it cleanly (no console errors), and Fix brings it back.
  await page.getByRole('button', { name: 'Close the corrected config' }).click();
  await expect(page.getByTestId('fix-panel')).toHaveCount(0);
  await page.getByTestId('fix').click();
  await expect(page.getByTestId('diff').locator('.editor.modified')).toContainText('IamInstanceProfile');
});

test('typing in the editor and Ctrl+Enter validates the typed text', async ({ page }) => {
  await openDashboard(page);
  const validateCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/validate')) validateCalls.push(r.url());
  });
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('cluster_name: again', { delay: 15 });
  await page.keyboard.press('Escape'); // close a completion list if one opened

  // Checked as you type: a duplicate key is invalid YAML for Ray, RG101 on the typed line, with
  // no request to the server; IAM waits for Validate.
  const dup = findingItems(page, 'RG101');
  await expect(dup.first()).toBeVisible();
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'unchecked');
  expect(validateCalls).toEqual([]);

  const request = page.waitForRequest((r) => r.url().endsWith('/api/validate'));
  await page.keyboard.press('Control+Enter');
  const body = (await request).postDataJSON() as { text: string; fileName: string };
  expect(body.fileName).toBe('cluster.yaml');
  expect(body.text).toMatch(/\ncluster_name: again\s*$/);
  const lines = body.text.split('\n');
  const typedLine = lines.findIndex((l) => l.startsWith('cluster_name: again')) + 1;
  await expect(dup.first()).toHaveAttribute('data-line', String(typedLine));
  await expect(page.getByTestId('iam-note')).toHaveAttribute('data-iam', 'current');
  await expect(page.locator('[data-testid="editor"] .squiggly-error').first()).toBeVisible();
});

test('the keys sample shows RG401 with a masked preview, never the key', async ({ page }) => {
  await openDashboard(page);
  const samples = (await (await page.request.get('/api/samples')).json()) as { id: string }[];
  expect(samples.map((s) => s.id)).toContain('keys');
  const sampleText = await (await page.request.get('/api/samples/keys')).text();
  const keyIds = sampleText.match(/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g) ?? [];
  expect(keyIds.length).toBeGreaterThan(0);

  await page.getByTestId('samples').selectOption('keys');
  await expect(page.getByTestId('file-name')).toHaveText('keys.yaml');
  const item = findingItems(page, 'RG401').first();
  await expect(item).toBeVisible();
  const preview = item.getByTestId('finding-preview');
  await expect(preview).toBeVisible();
  const shown = (await preview.innerText()).trim();
  expect(shown.length).toBeGreaterThan(0);
  for (const key of keyIds) expect(shown).not.toBe(key);

  const panel = await page.getByTestId('findings-panel').innerText();
  for (const key of keyIds) expect(panel).not.toContain(key);
});

test('dropping a file on the editor opens it, and the replaced text can be restored', async ({ page }) => {
  await openDashboard(page);
  const text = fs.readFileSync(MINIMAL_EXAMPLE, 'utf8');
  const dataTransfer = await page.evaluateHandle(
    ({ text, name }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/yaml' }));
      return dt;
    },
    { text, name: 'aws_example-minimal.yaml' },
  );
  await page.getByTestId('editor-dropzone').dispatchEvent('dragenter', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await page.getByTestId('drop-overlay').dispatchEvent('drop', { dataTransfer });

  await expect(page.getByTestId('file-name')).toHaveText('aws_example-minimal.yaml');
  await expect(page.locator(editorLines)).toContainText('aws-example-minimal');
  await expect(findingItems(page, 'RG201')).toHaveCount(1);

  await page.getByTestId('restore-previous').click();
  await expect(page.getByTestId('file-name')).toHaveText('cluster.yaml');
  await expect(page.locator(editorLines)).toContainText('cluster_name: demo');
});
