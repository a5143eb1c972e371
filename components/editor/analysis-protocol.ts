import type { Finding, FixId } from '@/lib/findings/types';
import type { ProfileCard } from '@/lib/iam/report';
import type { IamSourceInfo, PolicyDocument } from '@/lib/iam/types';

/**
 * Messages between the editor and the analysis worker (analysis.worker.ts). The worker runs the
 * same lib/ code as the server, so live findings and the server's static findings are identical.
 * With an IAM snapshot uploaded in the browser, the worker also runs the IAM checks against it:
 * the snapshot never leaves the browser.
 */

/** One finding to correct, addressed as the server's `targets` are: rule id and start position. */
export interface FixTarget {
  ruleId: string;
  /** 1-based, like findings. */
  line: number;
  /** 1-based, in code points, like findings. */
  column: number;
}

/** A JSON file of an IAM snapshot: `aws iam get-account-authorization-details` or `list-instance-profiles` output. */
export interface SnapshotFile {
  name: string;
  text: string;
}

export interface SnapshotInput {
  files: SnapshotFile[];
  /**
   * Identifies this set of files: the worker keeps the last parsed snapshot and reuses it while
   * the key is the same (a 20 MB snapshot is then parsed once, not on every Validate).
   */
  key: string;
}

export type AnalysisRequest =
  /** Static analysis of `text` (parse, rules, credential scanner; no IAM). */
  | { id: number; text: string; fix?: undefined; iam?: undefined; snapshot?: undefined }
  /** The corrected text for exactly one finding. */
  | { id: number; text: string; fix: { target: FixTarget; fix: FixId }; iam?: undefined; snapshot?: undefined }
  /**
   * Static and IAM analysis of `text` against the snapshot: one `{id, card}` message per card as it
   * is known (again when it changes), then `{id, iam}`.
   */
  | { id: number; text: string; iam: SnapshotInput; fix?: undefined; snapshot?: undefined }
  /** Read a snapshot: `{id, snapshot}` with its source and instance profiles, or `{id, snapshotError}`. */
  | { id: number; snapshot: SnapshotInput; text?: undefined; fix?: undefined; iam?: undefined };

export interface FixOutcome {
  text: string;
  applied: Array<{ fix: string; ruleId: string; line: number; description?: string }>;
  skipped: Array<{ fix?: string; ruleId: string; line: number; reason: string }>;
}

/** An instance profile of a snapshot, as the head-profile picker lists it. */
export interface SnapshotProfile {
  arn: string;
  name: string;
  roleName: string | null;
  /** It carries a role that trusts EC2: a head may use it. */
  usable: boolean;
}

export interface SnapshotSummary {
  source: IamSourceInfo;
  profiles: SnapshotProfile[];
}

export interface IamAnalysis {
  /** Every finding of the text (static and IAM), positioned like the server's. */
  findings: Finding[];
  source: IamSourceInfo;
  cards: ProfileCard[];
  policy: PolicyDocument | null;
  policyGaps: string[];
  /** Time spent in the worker, in ms (snapshot parsing included). */
  ms: number;
}

export type AnalysisResponse =
  | { id: number; findings: Finding[]; /** Time spent in analyzeStatic, in the worker. */ ms: number }
  | { id: number; fixed: FixOutcome }
  /** A card of an IAM analysis still running: not the answer, more messages follow. */
  | { id: number; card: ProfileCard }
  | { id: number; iam: IamAnalysis }
  | { id: number; snapshot: SnapshotSummary }
  /** The files are not an IAM snapshot: SnapshotFormatError's message (names the file, never quotes it). */
  | { id: number; snapshotError: string }
  /** Never the text or the exception message (both could hold a secret): only what failed. */
  | { id: number; error: string };
