import { analyze } from '@/lib/validate';
import { serverIamSource } from '@/lib/server/iam-source';
import { HttpError, methodNotAllowed, optionalString, readJsonObject, requireString } from '@/lib/server/http';
import { countFindings, observe } from '@/lib/server/observe';
import type { Report } from '@/lib/findings/types';
import type { ProfileCard } from '@/lib/iam/report';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * POST {text, fileName?, iam?} → a Report (JSON); `iam: false` skips the IAM checks. With `Accept: application/x-ndjson` the answer is a
 * stream of JSON lines instead: `{"type":"source",…}`, one `{"type":"card","card":…}` per IAM
 * profile as it is checked (again when its head verdicts are known), then
 * `{"type":"report","report":…,"iam":{source,cards,policy,policyGaps}}`. A slow IAM then shows
 * progress, and the static findings never wait on it in the browser (they are computed there).
 */
export async function POST(req: Request): Promise<Response> {
  return observe(req, 'validate', async (ctx) => {
    const body = await readJsonObject(req);
    const text = requireString(body, 'text');
    const fileName = optionalString(body, 'fileName', 255) ?? 'cluster.yaml';
    if (Object.hasOwn(body, 'iam') && typeof body.iam !== 'boolean') throw new HttpError(400, '"iam" must be true or false');
    // `iam: false`: static checks only (the dashboard checks IAM in the browser against an uploaded snapshot).
    const source = body.iam === false ? null : await serverIamSource();
    const stream = (req.headers.get('accept') ?? '').includes('application/x-ndjson');
    if (!stream) {
      const { findings } = await analyze(text, { iam: source });
      ctx.counts = countFindings(findings);
      const report: Report = { version: 1, files: [{ path: fileName, findings }] };
      return Response.json(report, { headers: { 'Cache-Control': 'no-store' } });
    }
    const logged = ctx.deferLog();
    const enc = new TextEncoder();
    const body$ = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (o: unknown) => controller.enqueue(enc.encode(JSON.stringify(o) + '\n'));
        send({ type: 'source', source: source ? source.info() : null });
        try {
          const a = await analyze(text, { iam: source, onCard: (card: ProfileCard) => send({ type: 'card', card }) });
          const report: Report = { version: 1, files: [{ path: fileName, findings: a.findings }] };
          send({ type: 'report', report, iam: a.iam ? { source: a.iam.source, cards: a.iam.cards, policy: a.iam.policy, policyGaps: a.iam.policyGaps } : null });
          logged.finish(countFindings(a.findings));
        } catch {
          send({ type: 'error', error: 'the validation failed on the server' });
          logged.finish();
        }
        controller.close();
      },
    });
    return new Response(body$, { headers: { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' } });
  }, { rateLimited: true });
}

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
