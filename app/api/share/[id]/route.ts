import { deleteShare, readShare, shareMethodNotAllowed } from '@/lib/server/share-api';
import { observe } from '@/lib/server/observe';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET → 200 {"ciphertext", "createdAt", "expiresAt"} | 404 | 410. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  return observe(req, 'share.read', () => readShare(id));
}

/** DELETE with `Authorization: Bearer <deleteToken>` → 204 | 403 | 404. */
export async function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  return observe(req, 'share.delete', () => deleteShare(req, id));
}

export const POST = shareMethodNotAllowed('GET, DELETE');
export const PUT = POST;
export const PATCH = POST;
