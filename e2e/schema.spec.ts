import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, findingItems, openDashboard, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../docs/screenshots');
const editorLines = '[data-testid="editor"] .monaco-editor .view-lines';

const CONFIG = `cluster_name: schema
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
`;

async function load(page: Page, file: string, text: string): Promise<void> {
  fs.writeFileSync(file, text);
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('file-name')).toHaveText(path.basename(file));
}

async function editorText(page: Page): Promise<string> {
  const request = page.waitForRequest((r) => r.url().endsWith('/api/validate'));
  await page.getByTestId('validate').click();
  return ((await request).postDataJSON() as { text: string }).text;
}

/** Puts the cursor at the end of a 1-based line. */
async function endOfLine(page: Page, line: number): Promise<void> {
  await page.locator(editorLines).click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await expect(page.getByTestId('cursor-position')).toHaveText(new RegExp(`^Ln ${line},`));
}

test('the editor knows Ray\'s format: schema findings, hover docs, completion and the instance-profile snippet', async ({ page }, info) => {
  await openDashboard(page);
  await load(page, info.outputPath('schema.yaml'), CONFIG);

  // A wrongly typed value is an RG103 finding from the core, on its value, shown once.
  const rg103 = findingItems(page, 'RG103');
  await expect(rg103).toHaveCount(1);
  await expect(rg103.first()).toHaveAttribute('data-line', '2');
  await expect(rg103.first()).toContainText('max_workers');

  // Hover docs on a key come from the project's schema.
  await endOfLine(page, 6);
  const key = page.locator(`${editorLines} .view-line`).nth(5).getByText('available_node_types');
  await key.hover();
  await expect(page.locator('.monaco-hover').filter({ hasText: /node type/i }).first()).toBeVisible();
  await page.mouse.move(5, 5);

  // In node_config, completion offers EC2 keys and the "add instance profile" snippet, which
  // inserts the block at node_config's indentation.
  await endOfLine(page, 10);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+Space');
  const suggest = page.locator('.suggest-widget');
  await expect(suggest).toBeVisible();
  await expect(suggest.getByText('ImageId', { exact: true })).toBeVisible();
  await page.keyboard.type('add instance');
  const snippet = suggest.getByText('add instance profile');
  await expect(snippet).toBeVisible();
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'schema-completion.png') });
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  const text = await editorText(page);
  expect(text).toMatch(/\n {6}InstanceType: m5\.large\n {6}IamInstanceProfile:\n {8}Arn: arn:aws:iam::\d{12}:instance-profile\/[\w+=,.@/-]+\n/);
  // The inserted block is where Ray reads it: no "missing head profile" and no misplacement.
  await expect(findingItems(page, 'RG206')).toHaveCount(0);
  await expect(page.locator('[data-testid="finding"][data-rule-id="RG201"]')).toHaveCount(0);
});
