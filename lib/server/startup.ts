/**
 * Start-up of the server process (called from instrumentation.ts): settings checked with one
 * message per bad value (the process stops: a half-configured dashboard is worse than none), a
 * warning when the dashboard itself holds static AWS keys, the peer-address stamp, and requests
 * handed to Next.js one per event-loop turn (fair-turns.ts: new connections are accepted under load).
 */
import http from 'node:http';
import https from 'node:https';
import { readServerConfig, staticKeyWarning } from './config';
import { log, setLogLevel } from './log';
import { inTurn } from './fair-turns';
import { PEER_HEADER } from './peer';

type Env = Record<string, string | undefined>;

/** Returns false when the settings are unusable (each problem logged). */
export function checkStartup(env: Env): boolean {
  const r = readServerConfig(env);
  if (!r.ok) {
    for (const problem of r.problems) log('error', 'bad setting', { problem });
    log('error', 'Rayguard did not start: correct the settings above (see .env.example)', { problems: r.problems.length });
    return false;
  }
  setLogLevel(r.config.log.level);
  const warning = staticKeyWarning(env);
  if (warning) log('warn', warning);
  log('info', 'settings ok', { auth: r.config.auth.mode, rateLimitPerMinute: r.config.rateLimit.perMinute });
  return true;
}

let patched = false;

/**
 * Every incoming request carries its socket's address in PEER_HEADER, whatever the client sent,
 * and reaches its handler in its own event-loop turn, in arrival order (fair-turns.ts). A request
 * whose client went away while it waited is dropped, not handled.
 */
export function patchRequestHandling(): void {
  if (patched) return;
  patched = true;
  for (const proto of new Set([http.Server.prototype, https.Server.prototype])) {
    const emit = proto.emit as (this: unknown, event: string | symbol, ...rest: unknown[]) => boolean;
    proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
      if (event !== 'request') return emit.call(this, event, ...args);
      const req = args[0] as http.IncomingMessage;
      const res = args[1] as http.ServerResponse;
      // Stamped on arrival: the socket may be gone by the request's turn.
      req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? '';
      inTurn(() => {
        if (req.socket?.destroyed) {
          res.destroy();
          return;
        }
        emit.call(this, event, ...args);
      });
      // As node's own emit answers: the server has a 'request' listener (Next.js always does).
      return this.listenerCount('request') > 0;
    } as typeof proto.emit;
  }
}

export function startup(env: Env = process.env): void {
  patchRequestHandling();
  if (!checkStartup(env)) process.exit(1);
}
