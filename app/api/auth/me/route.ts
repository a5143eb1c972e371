import { me } from '@/lib/server/auth';
import { serverConfig } from '@/lib/server/config';
import { handle } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/** `{user, mode}`: who is signed in (null when nobody is, or sign-in is off). Public. */
export function GET(req: Request): Promise<Response> {
  return handle(async () => me(req, serverConfig().auth));
}
