/**
 * Authentication seam (RAYGUARD_AUTH). PLACEHOLDER: the real implementation replaces this file.
 *
 * - `authGate(req)`: called by proxy.ts for every request it sees; null lets the request through,
 *   a Response (redirect to sign-in for pages, 401 JSON for /api) stops it.
 * - `requestUser(req)`: the signed-in user of a request (e-mail or subject), verified again from
 *   the request itself (session cookie or trusted proxy header), or null. Routes use it for rate
 *   limits and logs.
 */
export async function authGate(_req: Request): Promise<Response | null> {
  return null;
}

export function requestUser(_req: Request): string | null {
  return null;
}
