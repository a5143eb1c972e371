import { analyze } from '@/lib/validate';
import { serverIamSource } from '@/lib/server/iam-source';
import { handle, methodNotAllowed, optionalString, readJsonObject, requireString } from '@/lib/server/http';
import type { Report } from '@/lib/findings/types';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(req: Request): Promise<Response> {
  return handle(async () => {
    const body = await readJsonObject(req);
    const text = requireString(body, 'text');
    const fileName = optionalString(body, 'fileName', 255) ?? 'cluster.yaml';
    const { findings } = await analyze(text, { iam: serverIamSource() });
    const report: Report = { version: 1, files: [{ path: fileName, findings }] };
    return Response.json(report, { headers: { 'Cache-Control': 'no-store' } });
  });
}

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
