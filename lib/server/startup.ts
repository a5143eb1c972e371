/**
 * Start-up of the server process (called from instrumentation.ts): settings checked with one
 * message per bad value (the process stops: a half-configured dashboard is worse than none), a
 * warning when the dashboard itself holds static AWS keys, and the peer-address stamp.
 */
import http from 'node:http';
import https from 'node:https';
import { readServerConfig, staticKeyWarning } from './config';
import { log, setLogLevel } from './log';
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

let stamped = false;

/** Every incoming request carries its socket's address in PEER_HEADER, whatever the client sent. */
export function stampPeerAddresses(): void {
  if (stamped) return;
  stamped = true;
  for (const proto of new Set([http.Server.prototype, https.Server.prototype])) {
    const emit = proto.emit;
    proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
      if (event === 'request') {
        const req = args[0] as http.IncomingMessage;
        req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? '';
      }
      return (emit as (this: unknown, event: string | symbol, ...rest: unknown[]) => boolean).call(this, event, ...args);
    } as typeof proto.emit;
  }
}

export function startup(env: Env = process.env): void {
  stampPeerAddresses();
  if (!checkStartup(env)) process.exit(1);
}
