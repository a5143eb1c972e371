import { defineConfig } from '@playwright/test';
import { authE2e } from './e2e/support/auth-e2e';

// Debian's Chromium through executablePath: never `playwright install` (shared/STACK.md §4).
// PW_PORT moves the dashboard under test (a second checkout or build beside the first).
const PORT = Number(process.env.PW_PORT || 3100);
// PW_OUTPUT: another results directory, so that two runs do not empty each other's.
const OUTPUT = process.env.PW_OUTPUT || 'test-results';

// e2e/auth.spec.ts: sign-in servers beside the main one, at offsets from PORT (e2e/support/auth-e2e.ts).
const AUTH_E2E = authE2e(PORT);
const authServer = (port: number, env: Record<string, string>) => ({
  command: `npx next start -p ${port} -H 127.0.0.1`,
  url: `http://127.0.0.1:${port}/api/healthz`,
  timeout: 60_000,
  reuseExistingServer: !process.env.CI,
  env: { NEXT_TELEMETRY_DISABLED: '1', RAYGUARD_IAM: 'demo', RAYGUARD_DATA_DIR: `${OUTPUT}/share-data-auth-${port}`, ...env },
});

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: OUTPUT,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      command: `npx next start -p ${PORT} -H 127.0.0.1`,
      url: `http://127.0.0.1:${PORT}`,
      timeout: 60_000,
      reuseExistingServer: !process.env.CI,
      // The demo account, whatever AWS credentials this machine may have. Share links go to a
      // SQLite file under test-results (emptied before every run, before the server starts), where
      // e2e/share.spec.ts finds it to move a link's expiry.
      env: { NEXT_TELEMETRY_DISABLED: '1', RAYGUARD_IAM: 'demo', RAYGUARD_DATA_DIR: `${OUTPUT}/share-data` },
    },
    // A real OpenID provider (oidc-provider's development sign-in pages) and the dashboard signing in with it.
    {
      command: `npx tsx e2e/support/oidc-server.ts ${AUTH_E2E.providerPort} http://127.0.0.1:${AUTH_E2E.oidcPort}/api/auth/callback ${AUTH_E2E.clientId} ${AUTH_E2E.clientSecret}`,
      url: `http://127.0.0.1:${AUTH_E2E.providerPort}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: !process.env.CI,
    },
    authServer(AUTH_E2E.oidcPort, {
      RAYGUARD_AUTH: 'oidc',
      RAYGUARD_OIDC_ISSUER: `http://127.0.0.1:${AUTH_E2E.providerPort}`,
      RAYGUARD_OIDC_CLIENT_ID: AUTH_E2E.clientId,
      RAYGUARD_OIDC_CLIENT_SECRET: AUTH_E2E.clientSecret,
      RAYGUARD_PUBLIC_URL: `http://127.0.0.1:${AUTH_E2E.oidcPort}`,
      RAYGUARD_SESSION_SECRET: AUTH_E2E.sessionSecret,
    }),
    // Proxy mode: the test itself plays the auth proxy from 127.0.0.1 (trusted on one server, not on the other).
    authServer(AUTH_E2E.proxyPort, { RAYGUARD_AUTH: 'proxy', RAYGUARD_AUTH_PROXY_ADDRESSES: '127.0.0.1' }),
    authServer(AUTH_E2E.untrustedProxyPort, { RAYGUARD_AUTH: 'proxy', RAYGUARD_AUTH_PROXY_ADDRESSES: '10.0.0.1' }),
  ],
});
