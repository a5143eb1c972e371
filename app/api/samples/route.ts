import { listSamples } from '@/lib/server/samples';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json(listSamples());
}
