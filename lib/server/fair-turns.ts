/**
 * Fair turns between accepting connections and answering requests.
 *
 * Node 20's libuv accepts at most one new connection per event-loop turn on Linux, and node's
 * http server runs a request's handler in the same turn as the bytes that complete it arrive. When
 * hundreds of connections are busy, one turn handles every request that became ready, so a turn
 * takes hundreds of milliseconds and new connections wait in the kernel's accept queue for tens
 * of seconds (under 200 connections, clients saw 30 s timeouts while each request itself took
 * a few milliseconds). Handing requests out one per turn (setImmediate) lets each turn accept a
 * connection as well: requests are answered in the order they arrived, and no connection waits
 * behind the rest.
 */

/** Jobs waiting for their turn, oldest first. */
const waiting: Array<() => void> = [];
let scheduled = false;

function runNext(): void {
  scheduled = false;
  const job = waiting.shift();
  // Schedule the next turn before running this job, so a job that throws cannot stall the rest.
  if (waiting.length > 0) {
    scheduled = true;
    setImmediate(runNext);
  }
  job?.();
}

/** Runs `job` in a later event-loop turn, after the jobs queued before it, one job per turn. */
export function inTurn(job: () => void): void {
  waiting.push(job);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runNext);
  }
}

/** Jobs not yet run (for tests and diagnostics). */
export function waitingTurns(): number {
  return waiting.length;
}
