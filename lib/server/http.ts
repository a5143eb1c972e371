/** Request helpers for the route handlers: bounded body reading, shape checks, JSON errors. */
import { readAtMost } from '../stream';
import { log } from './log';

/** JSON bodies; a config text itself is limited to MAX_TEXT_CHARS. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;
export const MAX_TEXT_CHARS = 5 * 1024 * 1024;

export function jsonError(status: number, error: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error }, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Reads a JSON object body, counting the bytes actually read (a chunked upload has no
 * Content-Length), and stops reading past `limit`.
 */
export async function readJsonObject(req: Request, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  // JSON only: a cross-site form or text/plain post cannot reach the handler without a preflight.
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'send the body as application/json');
  const declared = Number(req.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `request body is larger than ${limit} bytes`);
  if (!req.body) throw new HttpError(400, 'request body is empty: send a JSON object');
  const buf = await readAtMost(req.body, limit);
  if (!buf) throw new HttpError(413, `request body is larger than ${limit} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new HttpError(400, 'request body is not UTF-8');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new HttpError(400, 'request body must be a JSON object');
  return data as Record<string, unknown>;
}

export function requireString(body: Record<string, unknown>, key: string, maxLength = MAX_TEXT_CHARS): string {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (typeof v !== 'string') throw new HttpError(400, `"${key}" must be a string`);
  if (v.length > maxLength) throw new HttpError(413, `"${key}" is longer than ${maxLength} characters`);
  return v;
}

export function optionalString(body: Record<string, unknown>, key: string, maxLength = 1024): string | undefined {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > maxLength) throw new HttpError(400, `"${key}" must be a string of at most ${maxLength} characters`);
  return v;
}

/** Runs a handler; HttpErrors become their JSON answer, anything else a 500 that says nothing. */
export async function handle(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof HttpError) return jsonError(e.status, e.message);
    log('error', 'unhandled error in route', { error: e instanceof Error ? e.name : 'unknown' });
    return jsonError(500, 'internal error');
  }
}

/** For the methods a route does not serve: a JSON 405 with Allow, not an empty answer. */
export function methodNotAllowed(allow: string): () => Response {
  return () => jsonError(405, `method not allowed; use ${allow}`, { Allow: allow });
}
