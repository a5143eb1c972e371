import { test as base, expect, type Page, type Response } from '@playwright/test';
import type { Report } from '../lib/findings/types';

/**
 * Every test fails on: a console error or warning (page and workers), an uncaught page error,
 * an HTTP response >= 400 the test did not announce, and any request to another origin (the
 * air-gap guard; such requests are also aborted).
 */
export interface Guard {
  /** Announce an HTTP error status the test expects, by URL pattern. */
  allowHttpError(url: RegExp): void;
}

export const test = base.extend<{ guard: Guard }>({
  guard: [
    async ({ page, baseURL }, use) => {
      const origin = new URL(baseURL ?? 'http://127.0.0.1:3100').origin;
      const problems: string[] = [];
      const allowed: RegExp[] = [];
      const context = page.context();

      const isForeign = (url: string) => {
        if (/^(data|blob|about):/.test(url)) return false;
        try {
          return new URL(url).origin !== origin;
        } catch {
          return true;
        }
      };

      await context.route(
        (url) => isForeign(url.href),
        async (route) => {
          problems.push(`request to another origin: ${route.request().url()}`);
          await route.abort('blockedbyclient');
        },
      );
      context.on('request', (r) => {
        if (isForeign(r.url())) problems.push(`request to another origin: ${r.url()}`);
      });
      context.on('response', (r) => {
        if (r.status() >= 400 && !allowed.some((re) => re.test(r.url()))) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
      });
      const onConsole = (where: string) => (m: { type(): string; text(): string; location(): { url: string } }) => {
        if (m.type() !== 'error' && m.type() !== 'warning') return;
        // The browser logs every HTTP error response; one the test announced is not a problem.
        const announced = /^Failed to load resource: the server responded with a status of \d+/.test(m.text()) && allowed.some((re) => re.test(m.location().url));
        if (!announced) problems.push(`console.${m.type()} (${where}): ${m.text()}`);
      };
      page.on('console', onConsole('page'));
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('worker', (w) => w.on('console', onConsole(`worker ${w.url()}`)));

      await use({ allowHttpError: (re) => allowed.push(re) });

      expect(problems, 'console errors/warnings, unexpected HTTP errors or foreign requests').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Open the dashboard and wait until Monaco is up. */
export async function openDashboard(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.locator('[data-testid="editor"] .monaco-editor .view-lines')).toBeVisible();
  await expect(page.getByTestId('validate')).toBeEnabled();
}

/** The findings list entries, optionally for one rule. */
export function findingItems(page: Page, ruleId?: string) {
  return page.locator(ruleId ? `[data-testid="finding"][data-rule-id="${ruleId}"]` : '[data-testid="finding"]');
}

/**
 * The server's report for the text a dashboard validation sent. The dashboard reads
 * /api/validate as a stream (NDJSON), and Chromium does not always keep a streamed body for the
 * test to read: the same request is sent again, asking for the plain JSON report.
 */
export async function reportOf(page: Page, response: Response): Promise<Report> {
  const res = await page.request.post('/api/validate', { data: response.request().postDataJSON() as unknown });
  expect(res.status()).toBe(200);
  return (await res.json()) as Report;
}
