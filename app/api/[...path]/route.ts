import { jsonError } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/** Unknown API paths answer JSON, like every other API error, not the HTML 404 page. */
const notFound = () => jsonError(404, 'no such API endpoint');
export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
