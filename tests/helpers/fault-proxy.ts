/**
 * A loopback HTTP proxy in front of moto that sees every AWS Query-protocol request (IAM, STS):
 * it counts requests per `Action` (read from the form body) and can inject faults per Action.
 *
 *   const proxy = await startFaultProxy(moto.endpoint);
 *   proxy.inject('GetRole', { kind: 'throttle' }, { times: 2 });   // first 2 GetRole throttled
 *   proxy.inject('*', { kind: 'latency', ms: 50 });                // every request 50 ms slower
 *   proxy.count('GetRole');                                        // requests the proxy received
 *
 * Faults: `throttle` (400 Throttling, IAM's XML), `deny` (403 AccessDenied XML), `status` (any
 * status, an XML ServiceUnavailable/ServiceFailure body or moto's HTML 500 page), `latency`
 * (delay, then the next rule or moto), `hang` (never answers; the socket is destroyed on close()).
 * `reply` sends a canned body. A rule with `times` applies to the first N matching requests only,
 * which shows that retries succeed; `when` narrows a rule to requests with given parameters.
 * Rules for a specific Action are consulted before '*' rules.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'deny'; message?: string }
  | { kind: 'status'; status: number; body?: 'xml' | 'html' }
  | { kind: 'latency'; ms: number }
  | { kind: 'hang' }
  /** A canned answer (e.g. an AWS-shaped SimulatePrincipalPolicy response moto cannot give). */
  | { kind: 'reply'; status?: number; contentType?: string; body: string | ((form: URLSearchParams) => string) };

export interface FaultOptions {
  /** Apply to the first N matching requests only. Default: every request until cleared. */
  times?: number;
  /** Apply only to requests whose form parameters have these values (e.g. {PolicyArn: arn}). */
  when?: Record<string, string>;
}

interface Rule {
  action: string;
  fault: Fault;
  remaining: number;
  when?: Record<string, string>;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Requests received per Action (faulted ones included). */
  counts(): Record<string, number>;
  count(action: string): number;
  /** Sum over all Actions. */
  total(): number;
  /** The SigV4 signing region of the last request per Action (from the credential scope). */
  signingRegions(): Record<string, string>;
  resetCounts(): void;
  /** Adds a fault for one Action ('GetRole') or for every Action ('*'). */
  inject(action: string, fault: Fault, opts?: FaultOptions): void;
  clearFaults(): void;
  /** Clears faults and counts. */
  reset(): void;
  close(): Promise<void>;
}

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export function errorXml(type: 'Sender' | 'Receiver', code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${IAM_NS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>x</RequestId></ErrorResponse>`
  );
}

const THROTTLING_XML =
  '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>';

const HTML_500 =
  '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n' +
  '<p>The server encountered an internal error and was unable to complete your request.</p>\n';

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The Query-protocol Action of a request: form body first, then the query string. */
function actionOf(req: http.IncomingMessage, body: Buffer): string | null {
  const ct = String(req.headers['content-type'] ?? '');
  if (body.length > 0 && ct.includes('application/x-www-form-urlencoded')) {
    const a = new URLSearchParams(body.toString('utf8')).get('Action');
    if (a) return a;
  }
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('Action');
  return q || null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const counts = new Map<string, number>();
  const regions = new Map<string, string>();
  let rules: Rule[] = [];
  const sockets = new Set<Socket>();

  /** Takes one use of the first live rule for this Action (specific rules first), if any. */
  const matches = (r: Rule, action: string, form: URLSearchParams) =>
    (r.action === action || r.action === '*') &&
    r.remaining > 0 &&
    Object.entries(r.when ?? {}).every(([k, v]) => form.get(k) === v);
  const takeRule = (action: string, form: URLSearchParams, pred: (f: Fault) => boolean): Fault | null => {
    const order = [...rules.filter((r) => r.action === action), ...rules.filter((r) => r.action === '*')];
    const rule = order.find((r) => matches(r, action, form) && pred(r.fault));
    if (!rule) return null;
    rule.remaining -= 1;
    return rule.fault;
  };

  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/xml') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'x' });
    res.end(body);
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    const up = http.request(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) send(res, 502, `proxy: upstream error ${e.message}`, 'text/plain');
      else res.destroy();
    });
    up.end(body);
  };

  const server = http.createServer(async (req, res) => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    const action = actionOf(req, body);
    if (!action) {
      // moto's own API (/moto-api/reset ...): pass through, uncounted, unfaulted.
      forward(req, res, body);
      return;
    }
    counts.set(action, (counts.get(action) ?? 0) + 1);
    const form = new URLSearchParams(body.toString('utf8'));
    // Credential=<key id>/<date>/<region>/<service>/aws4_request: keep the region only.
    const scope = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    if (scope) regions.set(action, scope[1]);

    // Latency rules stack with each other and with the fault below: each live one adds its delay.
    let delay = 0;
    for (const r of rules) {
      if (r.fault.kind !== 'latency' || !matches(r, action, form)) continue;
      r.remaining -= 1;
      delay += r.fault.ms;
    }
    if (delay > 0) await sleep(delay);

    const fault = takeRule(action, form, (x) => x.kind !== 'latency');
    if (!fault) return forward(req, res, body);
    switch (fault.kind) {
      case 'throttle':
        return send(res, 400, THROTTLING_XML);
      case 'deny':
        return send(
          res,
          403,
          errorXml('Sender', 'AccessDenied', fault.message ?? `User: arn:aws:iam::123456789012:user/validator is not authorized to perform: iam:${action}`),
        );
      case 'status':
        if (fault.body === 'html') return send(res, fault.status, HTML_500, 'text/html; charset=utf-8');
        return send(
          res,
          fault.status,
          errorXml('Receiver', fault.status === 503 ? 'ServiceUnavailable' : 'ServiceFailure', 'injected by the fault proxy'),
        );
      case 'hang':
        return; // never answer; close() destroys the socket
      case 'reply':
        return send(res, fault.status ?? 200, typeof fault.body === 'function' ? fault.body(form) : fault.body, fault.contentType);
      default:
        return forward(req, res, body);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => Object.fromEntries(counts),
    count: (a) => counts.get(a) ?? 0,
    total: () => [...counts.values()].reduce((s, n) => s + n, 0),
    signingRegions: () => Object.fromEntries(regions),
    resetCounts: () => counts.clear(),
    inject(action, fault, opts = {}) {
      rules.push({ action, fault, remaining: opts.times ?? Number.POSITIVE_INFINITY, when: opts.when });
    },
    clearFaults() {
      rules = [];
    },
    reset() {
      rules = [];
      counts.clear();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
