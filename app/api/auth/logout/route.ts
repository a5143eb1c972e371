import { logout } from '@/lib/server/auth';
import { serverConfig } from '@/lib/server/config';
import { handle } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/** Sign-out: POST (the header's button) clears the session and redirects to GET, which says so. */
export function POST(req: Request): Promise<Response> {
  return handle(async () => logout(req, serverConfig().auth));
}

export function GET(req: Request): Promise<Response> {
  return handle(async () => logout(req, serverConfig().auth));
}
