import { usableProfiles } from '@/lib/iam/checks';
import { serverIamSource } from '@/lib/server/iam-source';
import { handle } from '@/lib/server/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  return handle(async () => {
    const source = await serverIamSource();
    const info = source.info();
    const all = await source.listInstanceProfiles();
    const usable = new Set((await usableProfiles(source)).map((p) => p.arn));
    return Response.json({
      ...info,
      profiles: all.map((p) => ({ arn: p.arn, name: p.name, roleName: p.roles[0]?.name ?? null, usable: usable.has(p.arn) })),
    });
  });
}
