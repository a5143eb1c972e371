/**
 * A real OpenID provider (oidc-provider, dev dependency) for the sign-in tests: the integration
 * test starts it in-process, the end-to-end run through oidc-server.ts.
 *
 * Sign-in uses oidc-provider's development pages: any login name with any password. The account's
 * e-mail is the login name when it has an @ (else `<login>@example.com`); logins starting with
 * `unverified` get `email_verified: false`. Test use only: dev signing keys, no persistence.
 */
import type { Server } from 'node:http';
import Provider from 'oidc-provider';

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestProvider {
  issuer: string;
  stop(): Promise<void>;
}

export async function startTestProvider(opts: { port: number; host?: string; clients: TestClient[] }): Promise<TestProvider> {
  const host = opts.host ?? '127.0.0.1';
  const issuer = `http://${host}:${opts.port}`;
  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'] })),
    cookies: { keys: ['rayguard-test-provider-cookie-key-0123456789'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: id.includes('@') ? id : `${id}@example.com`,
            email_verified: !id.startsWith('unverified'),
            name: id,
          };
        },
      };
    },
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = provider.listen(opts.port, host, () => resolve(s));
    s.on('error', reject);
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
