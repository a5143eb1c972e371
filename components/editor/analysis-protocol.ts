import type { Finding, FixId } from '@/lib/findings/types';

/**
 * Messages between the editor and the analysis worker (analysis.worker.ts). The worker runs the
 * same lib/ code as the server, so live findings and the server's static findings are identical.
 */

/** One finding to correct, addressed as the server's `targets` are: rule id and start position. */
export interface FixTarget {
  ruleId: string;
  /** 1-based, like findings. */
  line: number;
  /** 1-based, in code points, like findings. */
  column: number;
}

export type AnalysisRequest =
  /** Static analysis of `text` (parse, rules, credential scanner; no IAM). */
  | { id: number; text: string; fix?: undefined }
  /** The corrected text for exactly one finding. */
  | { id: number; text: string; fix: { target: FixTarget; fix: FixId } };

export interface FixOutcome {
  text: string;
  applied: Array<{ fix: string; ruleId: string; line: number; description?: string }>;
  skipped: Array<{ fix?: string; ruleId: string; line: number; reason: string }>;
}

export type AnalysisResponse =
  | { id: number; findings: Finding[]; /** Time spent in analyzeStatic, in the worker. */ ms: number }
  | { id: number; fixed: FixOutcome }
  /** Never the text or the exception message (both could hold a secret): only what failed. */
  | { id: number; error: string };
