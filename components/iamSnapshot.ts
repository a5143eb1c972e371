import type { ProfileCard } from '@/lib/iam/report';
import type { AnalysisRequest, AnalysisResponse, IamAnalysis, SnapshotFile, SnapshotInput, SnapshotSummary } from './editor/analysis-protocol';
import { formatSize } from './files';

/**
 * An IAM snapshot uploaded in the browser: the JSON of `aws iam get-account-authorization-details`
 * (and optionally `aws iam list-instance-profiles`). It stays in the browser: it is kept in
 * sessionStorage (this tab only), read and checked in a worker, and never sent to the server.
 */

export const SNAPSHOT_STORAGE_KEY = 'rayguard.iamSnapshot.v1';
/** The largest snapshot the dashboard takes (all files together, in bytes). */
export const MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024;

export interface StoredSnapshot {
  files: SnapshotFile[];
  key: string;
}

/** A snapshot file the dashboard will not read; the message says why, and names the file. */
export class SnapshotRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotRefused';
  }
}

/** The text of the chosen files: UTF-8 (a BOM is dropped) or UTF-16 with a BOM (PowerShell's `>`). */
export async function readSnapshotFiles(files: readonly File[]): Promise<SnapshotFile[]> {
  if (files.length === 0) throw new SnapshotRefused('No file chosen.');
  if (files.length > 8) throw new SnapshotRefused(`${files.length} files chosen: an IAM snapshot is one get-account-authorization-details file, and optionally the list-instance-profiles output.`);
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > MAX_SNAPSHOT_BYTES) {
    const what = files.length === 1 ? files[0].name : `${files.map((f) => f.name).join(' + ')} together`;
    throw new SnapshotRefused(`${what} is ${formatSize(total)}; the limit for an IAM snapshot is ${formatSize(MAX_SNAPSHOT_BYTES)}.`);
  }
  const out: SnapshotFile[] = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let text: string;
    try {
      if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
      else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
      else text = new TextDecoder('utf-8', { fatal: true }).decode(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes);
    } catch {
      throw new SnapshotRefused(`${file.name}: this file is not text (UTF-8 or UTF-16). Save the output of the AWS CLI as JSON and upload it again.`);
    }
    out.push({ name: file.name, text });
  }
  return out;
}

/** A key for a set of files: the worker reuses its parsed snapshot while the key is the same. */
export function snapshotKey(files: readonly SnapshotFile[]): string {
  // Cheap and good enough: names, lengths and a sample of each text, plus the time of upload.
  let h = 2166136261;
  for (const f of files) {
    const sample = `${f.name}\u0000${f.text.length}\u0000${f.text.slice(0, 256)}${f.text.slice(-256)}`;
    for (let i = 0; i < sample.length; i++) h = Math.imul(h ^ sample.charCodeAt(i), 16777619);
  }
  return `${Date.now().toString(36)}-${(h >>> 0).toString(36)}`;
}

/** The snapshot kept for this tab, if any. */
export function loadStoredSnapshot(): StoredSnapshot | null {
  try {
    const raw = window.sessionStorage.getItem(SNAPSHOT_STORAGE_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<StoredSnapshot>;
    if (!Array.isArray(v.files) || typeof v.key !== 'string') return null;
    const files = v.files.filter((f): f is SnapshotFile => !!f && typeof f.name === 'string' && typeof f.text === 'string');
    return files.length ? { files, key: v.key } : null;
  } catch {
    return null;
  }
}

/**
 * Keep the snapshot for this tab (a reload keeps it). Returns false when the browser's session
 * storage cannot hold it: it then lives in the page's memory only.
 */
export function storeSnapshot(s: StoredSnapshot): boolean {
  try {
    window.sessionStorage.setItem(SNAPSHOT_STORAGE_KEY, JSON.stringify(s));
    return true;
  } catch {
    clearStoredSnapshot();
    return false;
  }
}

export function clearStoredSnapshot(): void {
  try {
    window.sessionStorage.removeItem(SNAPSHOT_STORAGE_KEY);
  } catch {
    /* storage unavailable: nothing kept */
  }
}

/** The worker said the files are not an IAM snapshot. */
export class SnapshotRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotRejected';
  }
}

/** The IAM worker failed or gave up; the message is safe to show (never the text or the snapshot). */
export class IamWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IamWorkerError';
  }
}

export interface IamWorkerClient {
  /** The snapshot's source and instance profiles; rejects with SnapshotRejected for files that are not one. */
  readSnapshot(input: SnapshotInput): Promise<SnapshotSummary>;
  /** Static and IAM findings of `text` against the snapshot; `onCard` sees each card as it is known. */
  analyze(text: string, input: SnapshotInput, onCard: (card: ProfileCard) => void): Promise<IamAnalysis>;
  dispose(): void;
}

interface Pending {
  resolve(res: AnalysisResponse): void;
  reject(e: Error): void;
  onCard?: (card: ProfileCard) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A second instance of the analysis worker (named `rayguard-iam`), for IAM against the browser's
 * snapshot: the live analysis of the editor never waits on it.
 */
export function createIamWorkerClient(options: { timeoutMs?: number } = {}): IamWorkerClient {
  const timeoutMs = options.timeoutMs ?? 120_000;
  let worker: Worker | null = null;
  let seq = 0;
  let disposed = false;
  const pending = new Map<number, Pending>();

  const stop = (reason: string) => {
    worker?.terminate();
    worker = null;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new IamWorkerError(reason));
    }
    pending.clear();
  };

  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL('./editor/analysis.worker.ts', import.meta.url), { type: 'module', name: 'rayguard-iam' });
    w.onmessage = (e: MessageEvent<AnalysisResponse>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      if ('card' in e.data) {
        p.onCard?.(e.data.card);
        return;
      }
      pending.delete(e.data.id);
      clearTimeout(p.timer);
      p.resolve(e.data);
    };
    w.onerror = (e) => {
      e.preventDefault();
      stop('the IAM check in the browser stopped unexpectedly');
    };
    w.onmessageerror = () => stop('the IAM check in the browser sent an unreadable answer');
    worker = w;
    return w;
  };

  const send = (req: AnalysisRequest, onCard?: (card: ProfileCard) => void): Promise<AnalysisResponse> =>
    new Promise((resolve, reject) => {
      if (disposed) return reject(new IamWorkerError('the page is closing'));
      const timer = setTimeout(() => stop(`the IAM check in the browser gave up after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      pending.set(req.id, { resolve, reject, onCard, timer });
      ensureWorker().postMessage(req);
    });

  const failure = (res: AnalysisResponse): Error =>
    'snapshotError' in res ? new SnapshotRejected(res.snapshotError) : new IamWorkerError('error' in res ? res.error : 'unexpected answer');

  return {
    async readSnapshot(input) {
      const res = await send({ id: ++seq, snapshot: input });
      if ('snapshot' in res) return res.snapshot;
      throw failure(res);
    },
    async analyze(text, input, onCard) {
      const res = await send({ id: ++seq, text, iam: input }, onCard);
      if ('iam' in res) return res.iam;
      throw failure(res);
    },
    dispose() {
      disposed = true;
      stop('disposed');
    },
  };
}
