import { deleteShare, readShare, shareMethodNotAllowed } from '@/lib/server/share-api';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET → 200 {"ciphertext", "createdAt", "expiresAt"} | 404 | 410. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  return readShare(id);
}

/** DELETE with `Authorization: Bearer <deleteToken>` → 204 | 403 | 404. */
export async function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  return deleteShare(req, id);
}

export const POST = shareMethodNotAllowed('GET, DELETE');
export const PUT = POST;
export const PATCH = POST;
