/**
 * The OpenID provider of the end-to-end sign-in test (playwright.config.ts starts it):
 *   tsx e2e/support/oidc-server.ts <port> <redirect uri> <client id> <client secret>
 */
import { startTestProvider } from './oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
if (!port || !redirectUri || !clientId || !clientSecret) {
  process.stderr.write('usage: tsx e2e/support/oidc-server.ts <port> <redirect uri> <client id> <client secret>\n');
  process.exit(2);
}
const p = await startTestProvider({
  port: Number(port),
  clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri] }],
});
process.stdout.write(`test OpenID provider on ${p.issuer}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void p.stop().then(() => process.exit(0)));
