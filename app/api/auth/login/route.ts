import { startLogin } from '@/lib/server/auth';
import { serverConfig } from '@/lib/server/config';
import { handle } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/** Sign-in: a redirect to the OpenID provider (RAYGUARD_AUTH=oidc); ?next= is where to come back to. */
export function GET(req: Request): Promise<Response> {
  return handle(() => startLogin(req, serverConfig().auth));
}
