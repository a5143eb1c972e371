import { serverReadiness } from '@/lib/server/readiness';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Readiness probe: 200 {ready:true, checks:{iam:{ok, source}, store:{ok, kind}}} when the IAM
 * source answers and the share store takes a write; else 503 with the failed check's short
 * reason. Cached (10 s ready, 3 s not ready): see lib/server/readiness.ts. Liveness is /api/healthz.
 */
export async function GET(): Promise<Response> {
  let body;
  try {
    body = await serverReadiness();
  } catch {
    body = { ready: false, checks: { iam: { ok: false, reason: 'readiness check failed' }, store: { ok: false, reason: 'readiness check failed' } } };
  }
  return Response.json(body, { status: body.ready ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}

export async function HEAD(): Promise<Response> {
  const r = await GET();
  return new Response(null, { status: r.status, headers: { 'Cache-Control': 'no-store' } });
}
