/**
 * Ports and test credentials of the sign-in servers e2e/auth.spec.ts uses (playwright.config.ts
 * starts them): offsets from PW_PORT, so a second run at another PW_PORT does not collide.
 * The secrets are test values, not credentials.
 */
export function authE2e(port: number) {
  return {
    providerPort: port + 11,
    oidcPort: port + 12,
    proxyPort: port + 13,
    untrustedProxyPort: port + 14,
    clientId: 'rayguard-e2e',
    clientSecret: 'e2e-client-secret-not-a-real-one',
    sessionSecret: 'e2e-session-secret-not-a-real-one-0123456789',
  };
}
