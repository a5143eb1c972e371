import type { Finding, FixId } from '@/lib/findings/types';
import type { AnalysisRequest, AnalysisResponse, FixOutcome, FixTarget } from './analysis-protocol';

/**
 * The editor's side of the analysis worker.
 *
 * - Analyses are coalesced: one runs at a time; while it runs only the newest text waits, and an
 *   answer for anything but the newest request is dropped (its promise resolves to null). Typing
 *   into a huge file therefore never queues up work, and stale findings never reach the markers.
 * - The worker is restarted when it dies (an error event) or does not answer within
 *   `timeoutMs`; the requests it held fail, and the next request starts a fresh worker.
 */

export interface LiveAnalysis {
  findings: Finding[];
  /** Time spent in the worker's analyzeStatic, in ms. */
  workerMs: number;
}

export interface AnalysisClient {
  /** Static findings for `text`, or null when a newer analysis superseded this one. */
  analyze(text: string): Promise<LiveAnalysis | null>;
  /** The text with exactly one finding corrected (fixes that need no IAM). */
  fix(text: string, target: FixTarget, fix: FixId): Promise<FixOutcome>;
  dispose(): void;
}

export class AnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisError';
  }
}

interface Pending {
  resolve(res: AnalysisResponse): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Waiting {
  id: number;
  text: string;
  resolve(r: LiveAnalysis | null): void;
  reject(e: Error): void;
}

function createWorker(): Worker {
  // A plain relative entry file, so both bundlers emit it as a worker chunk (shared/STACK.md §3).
  return new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'rayguard-analysis' });
}

export function createAnalysisClient(options: { timeoutMs?: number } = {}): AnalysisClient {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let worker: Worker | null = null;
  let disposed = false;
  let seq = 0;
  let newestAnalysis = 0;
  /** Id of the analysis the worker is working on, if any. */
  let running: number | null = null;
  let waiting: Waiting | null = null;
  const pending = new Map<number, Pending>();

  const failAll = (reason: string) => {
    for (const [, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new AnalysisError(reason));
    }
    pending.clear();
    running = null;
  };

  const restart = (reason: string) => {
    worker?.terminate();
    worker = null;
    failAll(reason);
    pump();
  };

  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const w = createWorker();
    w.onmessage = (e: MessageEvent<AnalysisResponse>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      clearTimeout(p.timer);
      p.resolve(e.data);
    };
    w.onerror = (e) => {
      // The worker itself failed (it could not load, or ran out of memory): start over.
      e.preventDefault();
      restart('the live analysis stopped unexpectedly');
    };
    w.onmessageerror = () => restart('the live analysis sent an unreadable answer');
    worker = w;
    return w;
  };

  const send = (req: AnalysisRequest): Promise<AnalysisResponse> =>
    new Promise((resolve, reject) => {
      if (disposed) return reject(new AnalysisError('disposed'));
      const timer = setTimeout(() => restart(`the live analysis gave up after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      pending.set(req.id, { resolve, reject, timer });
      ensureWorker().postMessage(req);
    });

  function pump(): void {
    if (running !== null || !waiting || disposed) return;
    const job = waiting;
    waiting = null;
    running = job.id;
    send({ id: job.id, text: job.text }).then(
      (res) => {
        if (running === job.id) running = null;
        if (job.id !== newestAnalysis) job.resolve(null);
        else if ('findings' in res) job.resolve({ findings: res.findings, workerMs: res.ms });
        else job.reject(new AnalysisError('error' in res ? res.error : 'unexpected answer'));
        pump();
      },
      (e: Error) => {
        if (running === job.id) running = null;
        if (job.id !== newestAnalysis) job.resolve(null);
        else job.reject(e);
        pump();
      },
    );
  }

  return {
    analyze(text) {
      const id = ++seq;
      newestAnalysis = id;
      return new Promise((resolve, reject) => {
        waiting?.resolve(null);
        waiting = { id, text, resolve, reject };
        pump();
      });
    },
    async fix(text, target, fix) {
      const res = await send({ id: ++seq, text, fix: { target, fix } });
      if ('fixed' in res) return res.fixed;
      throw new AnalysisError('error' in res ? res.error : 'unexpected answer');
    },
    dispose() {
      disposed = true;
      waiting?.resolve(null);
      waiting = null;
      worker?.terminate();
      worker = null;
      failAll('disposed');
    },
  };
}
