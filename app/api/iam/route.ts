import { usableProfiles } from '@/lib/iam/checks';
import { serverIamSource } from '@/lib/server/iam-source';
import { observe } from '@/lib/server/observe';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request): Promise<Response> {
  return observe(req, 'iam', async () => {
    const source = await serverIamSource();
    const info = source.info();
    const all = await source.listInstanceProfiles();
    const usable = new Set((await usableProfiles(source)).map((p) => p.arn));
    return Response.json({
      ...info,
      profiles: all.map((p) => ({ arn: p.arn, name: p.name, roleName: p.roles[0]?.name ?? null, usable: usable.has(p.arn) })),
    });
  }, { rateLimited: true });
}
