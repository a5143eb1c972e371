import { createShare, shareMethodNotAllowed } from '@/lib/server/share-api';
import { observe } from '@/lib/server/observe';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {"ciphertext": "<base64url>", "expiresIn": seconds} → 201 {"id", "deleteToken", "expiresAt"}. */
export function POST(req: Request): Promise<Response> {
  return observe(req, 'share.create', () => createShare(req));
}

export const GET = shareMethodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
