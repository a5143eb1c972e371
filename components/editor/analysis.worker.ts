/**
 * The live analysis worker: the browser's copy of the core, off the main thread.
 * `{id, text}` → `{id, findings}`; `{id, text, fix}` → `{id, fixed}`; failures → `{id, error}`.
 * Invalid YAML is an RG101 finding, not an error; an exception here answers with an error and the
 * worker keeps serving.
 */
import { analyzeStatic } from '@/lib/validate';
import { fixConfig } from '@/lib/fix/plan';
import type { AnalysisRequest, AnalysisResponse } from './analysis-protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: AnalysisResponse): void {
  scope.postMessage(message);
}

async function answer(req: AnalysisRequest): Promise<void> {
  const id = typeof req?.id === 'number' ? req.id : -1;
  try {
    if (typeof req?.text !== 'string') throw new TypeError('no text');
    if (req.fix) {
      const { target, fix } = req.fix;
      const r = await fixConfig(req.text, { fixes: [fix], targets: [{ ruleId: target.ruleId, line: target.line, column: target.column }] });
      post({ id, fixed: { text: r.text, applied: r.applied, skipped: r.skipped } });
    } else {
      const t0 = performance.now();
      const { findings } = analyzeStatic(req.text);
      post({ id, findings, ms: performance.now() - t0 });
    }
  } catch (e) {
    post({ id, error: `${req?.fix ? 'fix' : 'analysis'} failed (${e instanceof Error ? e.name : 'unknown error'})` });
  }
}

scope.onmessage = (e: MessageEvent<AnalysisRequest>) => {
  void answer(e.data);
};
