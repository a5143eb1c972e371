/**
 * Sign-in, end to end, against the servers playwright.config.ts starts beside the main one:
 * a real OpenID provider and the dashboard with RAYGUARD_AUTH=oidc, and the dashboard with
 * RAYGUARD_AUTH=proxy, once trusting this machine (127.0.0.1) as its proxy and once not.
 *
 * The plain @playwright/test `test` on purpose: e2e/fixtures.ts blocks every other origin, and
 * the provider is one.
 */
import { expect, request, test } from '@playwright/test';
import { authE2e } from './support/auth-e2e';

const E = authE2e(Number(process.env.PW_PORT || 3100));
const app = `http://127.0.0.1:${E.oidcPort}`;
const provider = `http://127.0.0.1:${E.providerPort}`;
const proxied = `http://127.0.0.1:${E.proxyPort}`;
const untrusted = `http://127.0.0.1:${E.untrustedProxyPort}`;

test.describe('oidc', () => {
  test('sign in at the provider, see the user in the header, sign out', async ({ page }) => {
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && page.url().startsWith(app)) consoleErrors.push(m.text());
    });

    await page.goto(`${app}/rules`);
    // Off to the provider's sign-in page.
    await expect(page).toHaveURL(new RegExp(`^${provider}/interaction/`));
    await page.locator('input[name="login"]').fill('ana@example.com');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    // Consent for this client.
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back where we started, signed in.
    await expect(page).toHaveURL(`${app}/rules`);
    const user = page.getByTestId('header-user');
    await expect(user).toContainText('ana@example.com');
    await expect(user.getByRole('button', { name: 'Sign out' })).toBeVisible();

    // The dashboard itself, and a screenshot of its header.
    await page.goto(`${app}/`);
    await expect(page.getByTestId('header-user')).toContainText('ana@example.com');
    await expect(page.locator('.iam-banner')).toBeVisible();
    await page.locator('header.app-header').screenshot({ path: 'docs/screenshots/signed-in.png' });

    // The API answers for the session; without it, 401 JSON.
    const me = await page.request.get(`${app}/api/auth/me`);
    expect(await me.json()).toEqual({ user: 'ana@example.com', mode: 'oidc' });
    expect((await page.request.get(`${app}/api/iam`)).status()).toBe(200);
    const anonymous = await request.newContext();
    const denied = await anonymous.get(`${app}/api/iam`);
    expect(denied.status()).toBe(401);
    expect(await denied.json()).toHaveProperty('error');
    const pageDenied = await anonymous.get(`${app}/`, { maxRedirects: 0 });
    expect(pageDenied.status()).toBe(303);
    const to = new URL(pageDenied.headers()['location'], app);
    expect(`${to.origin}${to.pathname}${to.search}`).toBe(`${app}/api/auth/login?next=%2F`);
    // A forged session cookie is nobody.
    const forged = await anonymous.get(`${app}/api/auth/me`, { headers: { cookie: 'rayguard_session=v1.eyJ1IjoiZXZlIiwiZXhwIjo0MTAyNDQ0ODAwfQ.AAAA' } });
    expect(await forged.json()).toEqual({ user: null, mode: 'oidc' });
    await anonymous.dispose();

    // Sign out.
    await page.getByTestId('header-user').getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(`${app}/api/auth/logout`);
    await expect(page.getByRole('heading', { name: 'Signed out' })).toBeVisible();
    expect(await (await page.request.get(`${app}/api/auth/me`)).json()).toEqual({ user: null, mode: 'oidc' });
    expect((await page.request.get(`${app}/api/iam`)).status()).toBe(401);
    expect(consoleErrors).toEqual([]);
  });

  test('a callback that was not started in this browser is refused', async ({ page }) => {
    const res = await page.goto(`${app}/api/auth/callback?code=made-up-code&state=made-up-state`);
    expect(res?.status()).toBe(400);
    await expect(page.getByRole('heading', { name: 'Sign-in failed' })).toBeVisible();
    await expect(page.locator('body')).not.toContainText('made-up-code');
  });
});

test.describe('proxy', () => {
  test('the header is the user when the request comes from the configured proxy address', async ({ browser }) => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-Email': 'bo@example.com' } });
    const page = await context.newPage();
    await page.goto(`${proxied}/`);
    const user = page.getByTestId('header-user');
    await expect(user).toContainText('bo@example.com');
    // Signing out is the proxy's business.
    await expect(user.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
    await context.close();

    const api = await request.newContext();
    expect((await api.get(`${proxied}/api/iam`, { headers: { 'X-Forwarded-Email': 'bo@example.com' } })).status()).toBe(200);
    const without = await api.get(`${proxied}/`);
    expect(without.status()).toBe(401);
    expect(await without.text()).toContain('through an authenticating proxy');
    const bad = await api.get(`${proxied}/api/iam`, { headers: { 'X-Forwarded-Email': 'bo@example.com\u0001' } }).catch(() => null);
    if (bad) expect(bad.status()).toBe(401);
    await api.dispose();
  });

  test('the header is ignored from any other address, whatever the client claims', async () => {
    const api = await request.newContext();
    const headers = { 'X-Forwarded-Email': 'bo@example.com', 'X-Forwarded-For': '10.0.0.1', 'X-Rayguard-Peer': '10.0.0.1' };
    const pageRes = await api.get(`${untrusted}/`, { headers });
    expect(pageRes.status()).toBe(401);
    const apiRes = await api.get(`${untrusted}/api/iam`, { headers });
    expect(apiRes.status()).toBe(401);
    expect(await apiRes.json()).toHaveProperty('error');
    expect(await (await api.get(`${untrusted}/api/auth/me`, { headers })).json()).toEqual({ user: null, mode: 'proxy' });
    expect((await api.get(`${untrusted}/api/healthz`)).status()).toBe(200);
    await api.dispose();
  });
});
