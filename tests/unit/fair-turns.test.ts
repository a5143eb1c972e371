import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inTurn, waitingTurns } from '../../lib/server/fair-turns';
import { PEER_HEADER } from '../../lib/server/peer';
import { patchRequestHandling } from '../../lib/server/startup';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('inTurn', () => {
  it('runs queued jobs in order, one per event-loop turn', async () => {
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c']) inTurn(() => ran.push(name));
    expect(ran).toEqual([]);
    expect(waitingTurns()).toBe(3);
    await nextTurn();
    expect(ran).toEqual(['a']);
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
    await nextTurn();
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(waitingTurns()).toBe(0);
  });

  it('keeps going when jobs are queued from a job', async () => {
    const ran: number[] = [];
    inTurn(() => {
      ran.push(1);
      inTurn(() => ran.push(3));
    });
    inTurn(() => ran.push(2));
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(ran).toEqual([1, 2, 3]);
  });
});

describe('request handling patch', () => {
  beforeAll(() => patchRequestHandling());

  function fakeExchange(destroyed: boolean) {
    const req = { headers: { [PEER_HEADER]: '10.9.9.9' } as Record<string, string>, socket: { remoteAddress: '::ffff:127.0.0.5', destroyed } };
    const res = { destroy: vi.fn() };
    return { req, res };
  }

  it('stamps the socket address on arrival and hands the request over in a later turn', async () => {
    const server = http.createServer();
    const seen: string[] = [];
    server.on('request', (req: http.IncomingMessage) => seen.push(String(req.headers[PEER_HEADER])));
    const { req, res } = fakeExchange(false);
    expect(server.emit('request', req, res)).toBe(true);
    expect(req.headers[PEER_HEADER]).toBe('::ffff:127.0.0.5');
    expect(seen).toEqual([]);
    await nextTurn();
    expect(seen).toEqual(['::ffff:127.0.0.5']);
    expect(res.destroy).not.toHaveBeenCalled();
  });

  it('drops a request whose client went away while it waited', async () => {
    const server = http.createServer();
    const handler = vi.fn();
    server.on('request', handler);
    const { req, res } = fakeExchange(true);
    server.emit('request', req, res);
    await nextTurn();
    expect(handler).not.toHaveBeenCalled();
    expect(res.destroy).toHaveBeenCalledOnce();
  });

  it('leaves other events alone', () => {
    const server = http.createServer();
    const onClose = vi.fn();
    server.on('custom', onClose);
    server.emit('custom', 1);
    expect(onClose).toHaveBeenCalledWith(1);
  });

  describe('a real server under a burst of connections', () => {
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        // A few milliseconds of synchronous work per request, like a validation.
        const until = performance.now() + 2;
        while (performance.now() < until);
        res.setHeader('content-type', 'text/plain');
        res.end(String(req.headers[PEER_HEADER]));
      });
      server.keepAliveTimeout = 1;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('answers every request, each with its own socket address, whatever the client claimed', async () => {
      const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
      const one = (i: number) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.get(`${base}/r${i}`, { agent, headers: { [PEER_HEADER]: '203.0.113.9' } }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
        });
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => one(i)));
      agent.destroy();
      expect(answers.filter((a) => a.status === 200)).toHaveLength(300);
      expect(new Set(answers.map((a) => a.body))).toEqual(new Set(['127.0.0.1']));
      expect(waitingTurns()).toBe(0);
    });
  });
});
