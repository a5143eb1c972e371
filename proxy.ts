/**
 * Runs before every page and API request (Next 16's `proxy`, formerly `middleware`):
 *
 * 1. the sign-in gate (lib/server/auth-gate.ts) — first, so nothing below runs for a request it stops;
 * 2. the Content-Security-Policy: pages get a fresh nonce per request (Next puts it on its own
 *    scripts; app/layout.tsx reads the request headers, so every page renders per request), API
 *    responses a policy that allows nothing at all.
 *
 * The other security headers (nosniff, Referrer-Policy, X-Frame-Options, the share pages'
 * no-store / noindex) stay in next.config.js, which also covers the static files this proxy skips.
 * docs/security-headers.md explains every directive.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { authGate } from './lib/server/auth-gate';

/** API answers are JSON (or a plain HTML notice without styles or scripts): nothing may load. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** 128 random bits, base64: unguessable, and valid in a `'nonce-…'` source. */
function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** The page policy for one nonce. `dev`: `next dev`, whose React needs eval for its error overlay. */
export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    // Next's inline bootstrap scripts carry the nonce; 'strict-dynamic' lets them load the chunks
    // (including Monaco's, lazily). 'self' is for browsers without CSP3 and is otherwise ignored.
    // Production needs no eval: neither React, Next nor Monaco/monaco-yaml use it there.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // Monaco (0.57) creates <style> elements at run time (theme colours, decorations, hover and
    // suggest widgets) and renders view lines as HTML strings with style attributes; it has no
    // way to put a nonce on either. A nonce here would make browsers ignore 'unsafe-inline' and
    // block all of that, so styles are 'self' + 'unsafe-inline' (no nonce). Scripts stay strict.
    "style-src 'self' 'unsafe-inline'",
    // Monaco's CSS uses data: images (diff hatching, widget backgrounds).
    "img-src 'self' data: blob:",
    // The codicon font is a file under _next/static today; data: keeps an inlined font working.
    "font-src 'self' data:",
    "connect-src 'self'",
    // Monaco's editor worker, monaco-yaml's worker and the analysis worker are bundled scripts
    // from _next/static (Turbopack's worker bootstrap, same origin): no blob: needed.
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    // Only "Sign out" is a form (POST /api/auth/logout, redirected to the same origin). Sign-in is
    // a link to /api/auth/login, whose 302 to the provider is a navigation, not a form submission.
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The gate's answer (a redirect to sign-in, a 401), as Next's proxy needs it: a redirect's
 * Location absolute (Next parses it without a base, and makes a same-host one relative again),
 * and a policy that allows nothing when the answer brings none. The response is copied first:
 * Response.redirect's headers are immutable.
 */
function gateAnswer(stop: Response, request: NextRequest): Response {
  const answer = new Response(stop.body, stop);
  const location = answer.headers.get('Location');
  if (location) answer.headers.set('Location', new URL(location, request.url).toString());
  if (!answer.headers.has('Content-Security-Policy')) answer.headers.set('Content-Security-Policy', API_CSP);
  return answer;
}

const isApi = (pathname: string) => pathname === '/api' || pathname.startsWith('/api/');

export async function proxy(request: NextRequest): Promise<Response> {
  // The app has no server actions. A request naming one only makes Next write an unstructured
  // stack trace with the client's text into the log (even on public paths): refuse it here.
  if (request.headers.has('next-action')) {
    return new Response(JSON.stringify({ error: 'server actions are not served here' }), {
      status: 400,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Security-Policy': API_CSP },
    });
  }
  const stop = await authGate(request);
  if (stop) return gateAnswer(stop, request);

  if (isApi(request.nextUrl.pathname)) {
    const res = NextResponse.next();
    res.headers.set('Content-Security-Policy', API_CSP);
    return res;
  }

  const nonce = newNonce();
  const csp = pageCsp(nonce, process.env.NODE_ENV === 'development');
  // Next reads the nonce from the request's CSP header when it renders the page; x-nonce is for
  // our own server components. Both replace anything the client sent under those names.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  const res = NextResponse.next({ request: { headers: requestHeaders } });
  res.headers.set('Content-Security-Policy', csp);
  return res;
}

export const config = {
  matcher: [
    // Pages and /api (the sign-in gate needs both), but not the build's static files, image
    // optimisation, or the root icon/favicon/robots files. Deliberately no "any path with a dot"
    // exclusion (as in Next's examples): /api/share/x.svg or /s/x.png would then skip the gate.
    // Nor an exclusion of prefetch requests: their RSC payload is a page's content, so it is gated too.
    '/((?!_next/static/|_next/image|favicon\\.ico$|icon\\.svg$|robots\\.txt$).*)',
  ],
};
