import { finishLogin } from '@/lib/server/auth';
import { serverConfig } from '@/lib/server/config';
import { handle } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/** Where the OpenID provider sends the browser back: code exchange, ID token checks, session cookie. */
export function GET(req: Request): Promise<Response> {
  return handle(() => finishLogin(req, serverConfig().auth));
}
