import { expect, test } from './fixtures';
import { RULES } from '../lib/findings/catalogue';

test('the rules page documents every rule, RG205 included', async ({ page }) => {
  await page.goto('/rules#rg205');
  const rg205 = page.locator('#rg205');
  await expect(rg205).toBeVisible();
  await expect(rg205).toContainText('RG205');
  await expect(rg205).toContainText('role-arn-not-profile');
  await expect(rg205.locator('pre.example')).toContainText(':role/');
  await expect(page.getByTestId('rule')).toHaveCount(RULES.length);

  const unchecked = RULES.find((r) => !r.checked);
  if (unchecked) await expect(page.locator(`#${unchecked.id.toLowerCase()}`)).toContainText('not checked yet');
});
