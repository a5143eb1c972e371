import { defineConfig } from '@playwright/test';

// Debian's Chromium through executablePath: never `playwright install` (shared/STACK.md §4).
// PW_PORT moves the dashboard under test (a second checkout or build beside the first).
const PORT = Number(process.env.PW_PORT || 3100);
// PW_OUTPUT: another results directory, so that two runs do not empty each other's.
const OUTPUT = process.env.PW_OUTPUT || 'test-results';

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
  ],
});
