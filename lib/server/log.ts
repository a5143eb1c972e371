/**
 * Structured logs: one JSON object per line on stdout (errors on stderr). Only fields the caller
 * names are written, and callers pass counts, ids, routes and statuses: never config text, a
 * finding's message or preview, a share's ciphertext or a token. `safe()` is the last guard: any
 * string field longer than 200 characters, or with a line break, is dropped.
 */
import type { LogLevel } from './config';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };

let threshold: LogLevel = 'info';
let sink: ((line: string, level: LogLevel) => void) | null = null;

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** Tests: capture lines instead of writing them; null restores stdout/stderr. */
export function setLogSink(fn: ((line: string, level: LogLevel) => void) | null): void {
  sink = fn;
}

export type LogFields = Record<string, string | number | boolean | null | undefined | Record<string, number>>;

function safe(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (typeof v === 'string' && (v.length > 200 || /[\r\n]/.test(v))) continue;
    out[k] = v;
  }
  return out;
}

export function log(level: Exclude<LogLevel, 'off'>, msg: string, fields: LogFields = {}): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...safe(fields) });
  if (sink) sink(line, level);
  // console, not process.stdout: the same lines in `next start`, the standalone server and tests' spies.
  else if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}
