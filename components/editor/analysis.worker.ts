/**
 * The live analysis worker: the browser's copy of the core, off the main thread.
 * `{id, text}` → `{id, findings}`; `{id, text, fix}` → `{id, fixed}`; failures → `{id, error}`.
 * Invalid YAML is an RG101 finding, not an error; an exception here answers with an error and the
 * worker keeps serving.
 *
 * IAM against a snapshot uploaded in the browser (the dashboard runs a second instance of this
 * worker for it, so that typing never waits on IAM): `{id, snapshot}` → `{id, snapshot: {source,
 * profiles}}`; `{id, text, iam}` → `{id, card}`… then `{id, iam}`. Files that are not a snapshot
 * → `{id, snapshotError}` with SnapshotFormatError's message.
 */
import { analyze, analyzeStatic } from '@/lib/validate';
import { fixConfig } from '@/lib/fix/plan';
import { usableProfiles } from '@/lib/iam/checks';
import { snapshotFromJsonTexts, SnapshotFormatError, type SnapshotIamSource } from '@/lib/iam/snapshot';
import type { AnalysisRequest, AnalysisResponse, SnapshotInput, SnapshotSummary } from './analysis-protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: AnalysisResponse): void {
  scope.postMessage(message);
}

/** The last snapshot read, by its key. */
let cached: { key: string; source: SnapshotIamSource } | null = null;

function snapshotOf(input: SnapshotInput): SnapshotIamSource {
  if (cached?.key === input.key) return cached.source;
  const files = input.files.map((f) => ({ name: String(f.name), text: String(f.text) }));
  let source: SnapshotIamSource;
  try {
    source = snapshotFromJsonTexts(files);
  } catch (e) {
    // One file: the message does not say which file it is about.
    if (e instanceof SnapshotFormatError && files.length === 1 && !e.message.includes(files[0].name)) {
      throw new SnapshotFormatError(`${files[0].name}: ${e.message}`);
    }
    throw e;
  }
  cached = { key: input.key, source };
  return source;
}

async function summary(source: SnapshotIamSource): Promise<SnapshotSummary> {
  const usable = new Set((await usableProfiles(source)).map((p) => p.arn));
  const all = await source.listInstanceProfiles();
  return {
    source: source.info(),
    profiles: all.map((p) => ({ arn: p.arn, name: p.name, roleName: p.roles[0]?.name ?? null, usable: usable.has(p.arn) })),
  };
}

function what(req: AnalysisRequest): string {
  return req?.fix ? 'fix' : req?.iam ? 'IAM check' : req?.snapshot ? 'reading the IAM snapshot' : 'analysis';
}

async function answer(req: AnalysisRequest): Promise<void> {
  const id = typeof req?.id === 'number' ? req.id : -1;
  try {
    if (req?.snapshot) {
      post({ id, snapshot: await summary(snapshotOf(req.snapshot)) });
      return;
    }
    if (typeof req?.text !== 'string') throw new TypeError('no text');
    if (req.fix) {
      const { target, fix } = req.fix;
      const r = await fixConfig(req.text, { fixes: [fix], targets: [{ ruleId: target.ruleId, line: target.line, column: target.column }] });
      post({ id, fixed: { text: r.text, applied: r.applied, skipped: r.skipped } });
    } else if (req.iam) {
      const t0 = performance.now();
      const source = snapshotOf(req.iam);
      const a = await analyze(req.text, { iam: source, onCard: (card) => post({ id, card }) });
      post({
        id,
        iam: {
          findings: a.findings,
          source: a.iam?.source ?? source.info(),
          cards: a.iam?.cards ?? [],
          policy: a.iam?.policy ?? null,
          policyGaps: a.iam?.policyGaps ?? [],
          ms: performance.now() - t0,
        },
      });
    } else {
      const t0 = performance.now();
      const { findings } = analyzeStatic(req.text);
      post({ id, findings, ms: performance.now() - t0 });
    }
  } catch (e) {
    // SnapshotFormatError's messages are Rayguard's own and name the file, never its content.
    if (e instanceof SnapshotFormatError) post({ id, snapshotError: e.message });
    else post({ id, error: `${what(req)} failed (${e instanceof Error ? e.name : 'unknown error'})` });
  }
}

scope.onmessage = (e: MessageEvent<AnalysisRequest>) => {
  void answer(e.data);
};
