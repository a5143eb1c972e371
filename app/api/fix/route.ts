import { fixConfig } from '@/lib/fix/plan';
import { FIX_IDS } from '@/lib/findings/types';
import type { FixId } from '@/lib/findings/types';
import { serverIamSource } from '@/lib/server/iam-source';
import { methodNotAllowed, HttpError, readJsonObject, requireString } from '@/lib/server/http';
import { observe } from '@/lib/server/observe';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function fixesOf(v: unknown): FixId[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > 16 || !v.every((x) => typeof x === 'string' && (FIX_IDS as readonly string[]).includes(x))) {
    throw new HttpError(400, `"fixes" must be a list of: ${FIX_IDS.join(', ')}`);
  }
  return v as FixId[];
}

function profilesOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, '"profiles" must be an object of node type name to instance-profile ARN');
  const out: Record<string, string> = Object.create(null);
  const es = Object.entries(v as Record<string, unknown>);
  if (es.length > 256) throw new HttpError(400, '"profiles" has too many entries');
  for (const [k, arn] of es) {
    if (typeof arn !== 'string' || arn.length > 2048 || k.length > 256) throw new HttpError(400, '"profiles" values must be ARN strings');
    out[k] = arn;
  }
  return out;
}

function targetsOf(v: unknown, name = 'targets'): Array<{ ruleId: string; line: number; column: number }> | undefined {
  if (v === undefined || v === null) return undefined;
  const ok = (t: unknown) => {
    const x = t as Record<string, unknown> | null;
    return !!x && typeof x === 'object' && typeof x.ruleId === 'string' && /^RG\d{3}$/.test(x.ruleId)
      && Number.isInteger(x.line) && (x.line as number) >= 1 && Number.isInteger(x.column) && (x.column as number) >= 1;
  };
  if (Array.isArray(v) && v.length > 1000) throw new HttpError(400, `"${name}" has too many entries (at most 1000)`);
  if (!Array.isArray(v) || !v.every(ok)) throw new HttpError(400, `"${name}" must be a list of {"ruleId", "line", "column"}`);
  return (v as Array<{ ruleId: string; line: number; column: number }>).map(({ ruleId, line, column }) => ({ ruleId, line, column }));
}

export async function POST(req: Request): Promise<Response> {
  return observe(req, 'fix', async (ctx) => {
    const body = await readJsonObject(req);
    const text = requireString(body, 'text');
    const result = await fixConfig(text, {
      iam: await serverIamSource(),
      fixes: fixesOf(Object.hasOwn(body, 'fixes') ? body.fixes : undefined),
      profiles: profilesOf(Object.hasOwn(body, 'profiles') ? body.profiles : undefined),
      targets: targetsOf(Object.hasOwn(body, 'targets') ? body.targets : undefined),
      exclude: targetsOf(Object.hasOwn(body, 'exclude') ? body.exclude : undefined, 'exclude'),
    });
    ctx.counts = { applied: result.applied.length, skipped: result.skipped.length };
    return Response.json(
      { text: result.text, applied: result.applied, skipped: result.skipped },
      { headers: { 'Cache-Control': 'no-store' } },
    );
  }, { rateLimited: true });
}

export const GET = methodNotAllowed('POST');
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
