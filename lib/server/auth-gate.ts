/**
 * Authentication seam (RAYGUARD_AUTH), called by proxy.ts; the logic is in ./auth.ts.
 *
 * - `authGate(req)`: called by proxy.ts for every request it sees; null lets the request through,
 *   a Response (redirect to sign-in or a 401 page for pages, 401 JSON for /api) stops it.
 * - `requestUser(req)`: the signed-in user of a request (e-mail or subject), verified again from
 *   the request itself (session cookie or trusted proxy header), or null. Routes use it for rate
 *   limits and logs.
 */
import { gate, userOf } from './auth';
import { serverConfig } from './config';
import { jsonError } from './http';

export async function authGate(req: Request): Promise<Response | null> {
  let auth;
  try {
    auth = serverConfig().auth;
  } catch {
    // Unusable settings: start-up already refused them; never let a request through unchecked.
    return jsonError(503, 'the server is misconfigured; see its log');
  }
  return gate(req, auth);
}

export function requestUser(req: Request): string | null {
  try {
    return userOf(req, serverConfig().auth);
  } catch {
    return null;
  }
}
