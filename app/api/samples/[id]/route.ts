import { sampleText } from '@/lib/server/samples';
import { jsonError } from '@/lib/server/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  const text = sampleText(id);
  if (text === null) return jsonError(404, 'no such sample');
  return new Response(text, { headers: { 'Content-Type': 'text/yaml; charset=utf-8' } });
}
