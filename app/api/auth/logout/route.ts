import { logout } from '@/lib/server/auth';
import { serverConfig } from '@/lib/server/config';
import { handle } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/** Sign-out (lib/server/auth.ts logout): POST signs out; GET only shows the state, and a button when signed in. */
export function POST(req: Request): Promise<Response> {
  return handle(async () => logout(req, serverConfig().auth));
}

export function GET(req: Request): Promise<Response> {
  return handle(async () => logout(req, serverConfig().auth));
}
