/**
 * The API routes as the server runs them: request ids, per-client rate limits (429 + Retry-After)
 * and structured logs that never carry config text or a secret, whatever the request holds.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as validateRoute from '@/app/api/validate/route';
import * as fixRoute from '@/app/api/fix/route';
import * as iamRoute from '@/app/api/iam/route';
import { setApiLimiter } from '@/lib/server/observe';
import { TokenBucketLimiter, clientKey } from '@/lib/server/rate-limit';
import { setLogSink } from '@/lib/server/log';
import { PEER_HEADER } from '@/lib/server/peer';
import { resetServerIamSource } from '@/lib/server/iam-source';
import { awsKeyId, awsSecret, githubClassic, makeRng, password } from '@/lib/secrets/synthetic';

let lines: string[] = [];
const savedIam = process.env.RAYGUARD_IAM;

beforeAll(() => {
  process.env.RAYGUARD_IAM = 'demo';
  resetServerIamSource();
});
afterAll(() => {
  if (savedIam === undefined) delete process.env.RAYGUARD_IAM;
  else process.env.RAYGUARD_IAM = savedIam;
  resetServerIamSource();
});
beforeEach(() => {
  lines = [];
  setLogSink((l) => lines.push(l));
});
afterEach(() => {
  setLogSink(null);
  setApiLimiter(null);
});

function post(route: { POST: (r: Request) => Promise<Response> }, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return route.POST(new Request(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }));
}

describe('request logs', () => {
  const rng = makeRng(4242);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);
  const gh = githubClassic(rng);
  const pw = password(rng, 18);
  const canary = 'canary-line-7f3a';
  const config = [
    `cluster_name: ${canary}`,
    'provider: {type: aws, region: us-west-2}',
    'setup_commands:',
    `  - export AWS_ACCESS_KEY_ID=${id}`,
    `  - export AWS_SECRET_ACCESS_KEY=${secret}`,
    `  - git clone https://x:${gh}@github.com/org/repo`,
    `  - psql postgres://admin:${pw}@db.internal:5432/app`,
    '',
  ].join('\n');
  const planted = [id, secret, gh, pw, canary, 'db.internal', 'cluster.yaml'];

  it('one JSON line per request, with request id, route, status, duration and finding counts; nothing from the config', async () => {
    const r1 = await post(validateRoute, '/api/validate', { text: config, fileName: `${canary}.yaml` });
    expect(r1.status).toBe(200);
    const rid = r1.headers.get('x-request-id');
    expect(rid).toMatch(/^[0-9a-f-]{36}$/);
    const r2 = await post(validateRoute, '/api/validate', { text: config }, { accept: 'application/x-ndjson' });
    await r2.text();
    const r3 = await post(fixRoute, '/api/fix', { text: config });
    const fixed = await r3.json();
    expect(fixed.text).not.toContain(secret);
    const r4 = await post(validateRoute, '/api/validate', { text: 42, note: secret });
    expect(r4.status).toBe(400);
    const r5 = await iamRoute.GET(new Request('http://localhost/api/iam'));
    expect(r5.status).toBe(200);

    const logged = lines.map((l) => JSON.parse(l));
    const requests = logged.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.route, l.status])).toEqual([['validate', 200], ['validate', 200], ['fix', 200], ['validate', 400], ['iam', 200]]);
    expect(requests[0].requestId).toBe(rid);
    expect(requests[0].findings.error).toBeGreaterThanOrEqual(4);
    expect(requests[1].findings).toEqual(requests[0].findings); // the streamed answer logs when it ends
    expect(requests[2].findings.applied).toBeGreaterThan(0);
    for (const r of requests) expect(typeof r.durationMs).toBe('number');
    const all = lines.join('\n');
    for (const p of planted) expect(all, 'planted value in the logs').not.toContain(p);
    // nor any 8-character piece of a secret
    for (const s of [id, secret, gh, pw]) for (let i = 0; i + 8 <= s.length; i += 4) expect(all).not.toContain(s.slice(i, i + 8));
  });
});

describe('rate limits', () => {
  it('validate and fix share a bucket per client; past it: 429 with Retry-After, and other clients go on', async () => {
    setApiLimiter(new TokenBucketLimiter(3, 60_000));
    const a = { [PEER_HEADER]: '198.51.100.7' };
    const b = { [PEER_HEADER]: '198.51.100.8' };
    const text = 'cluster_name: x\n';
    expect((await post(validateRoute, '/api/validate', { text, iam: false }, a)).status).toBe(200);
    expect((await post(fixRoute, '/api/fix', { text }, a)).status).toBe(200);
    expect((await post(validateRoute, '/api/validate', { text, iam: false }, a)).status).toBe(200);
    const limited = await post(fixRoute, '/api/fix', { text }, a);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).error).toMatch(/too many requests; try again in \d+ s/);
    expect((await post(validateRoute, '/api/validate', { text, iam: false }, b)).status).toBe(200);
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.status === 429)).toHaveLength(1);
  });

  it('a capacity of 0 turns the limit off', () => {
    const l = new TokenBucketLimiter(0, 60_000);
    for (let i = 0; i < 1000; i++) expect(l.take('k', 0).ok).toBe(true);
  });

  it('the client is the socket peer, not a header the client wrote, unless proxies are trusted', () => {
    const req = (h: Record<string, string>) => new Request('http://localhost/', { headers: h });
    expect(clientKey(req({ [PEER_HEADER]: '::ffff:203.0.113.5', 'x-forwarded-for': '10.0.0.1' }), 0)).toBe('ip:203.0.113.5');
    expect(clientKey(req({ 'x-forwarded-for': '10.0.0.1' }), 0)).toBe('all');
    expect(clientKey(req({ [PEER_HEADER]: '10.0.0.2', 'x-forwarded-for': '198.51.100.1, 10.0.0.9' }), 1)).toBe('ip:10.0.0.9');
  });

  it('an IPv6 client counts per /64, whatever address it picks inside it', () => {
    const req = (h: Record<string, string>) => new Request('http://localhost/', { headers: h });
    const a = clientKey(req({ [PEER_HEADER]: '2001:db8:1:2::1' }), 0);
    expect(a).toBe('ip:2001:db8:1:2::/64');
    expect(clientKey(req({ [PEER_HEADER]: '2001:0db8:0001:0002:ffff:1234:5678:9abc' }), 0)).toBe(a);
    expect(clientKey(req({ [PEER_HEADER]: '2001:db8:1:3::1' }), 0)).not.toBe(a);
    expect(clientKey(req({ 'x-forwarded-for': '2001:db8:1:2:aaaa::7' }), 1)).toBe(a);
    expect(clientKey(req({ 'x-forwarded-for': 'not-an-address' }), 1)).toBe('unparsable-forwarded-for');
    expect(clientKey(req({ [PEER_HEADER]: 'fe80::1%eth0' }), 0)).toBe('all');
  });
});
