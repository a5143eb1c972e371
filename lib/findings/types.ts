import type { Span } from '../config/position';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/** Names of corrections (lib/fix). A finding's `fix` says which one would repair it. */
export type FixId =
  | 'remove-aws-credentials'
  | 'remove-credential'
  | 'add-instance-profile'
  | 'use-instance-profile-arn'
  | 'add-worker-instance-profile'
  | 'move-instance-profile'
  | 'fix-profile-key-casing'
  | 'use-profile-arn-for-name'
  | 'replace-default-profile'
  | 'remove-credentials-mount'
  | 'use-env-reference'
  | 'migrate-legacy-format'
  | 'remove-legacy-key';

/** One finding, in the public shape of shared/RULES.md. */
export interface Finding extends Span {
  ruleId: string;
  severity: Severity;
  message: string;
  yamlPath: string;
  /** Credential rules: what kind of secret (values as in the corpus README). */
  kind?: string;
  /** Credential rules: a masked preview, never the secret. */
  preview?: string;
  /** AWS access key ids: the account id decoded offline from the key id. */
  accountId?: string;
  fix?: FixId;
}

export interface FileReport {
  path: string;
  findings: Finding[];
}

export interface Report {
  version: 1;
  files: FileReport[];
}

/** Stable order: by position, then rule id. Every face sorts the same way. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.line - b.line ||
    a.column - b.column ||
    a.endLine - b.endLine ||
    a.endColumn - b.endColumn ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

export const FIX_IDS: readonly FixId[] = [
  'remove-aws-credentials', 'remove-credential', 'add-instance-profile', 'use-instance-profile-arn',
  'add-worker-instance-profile', 'move-instance-profile', 'fix-profile-key-casing', 'use-profile-arn-for-name',
  'replace-default-profile', 'remove-credentials-mount', 'use-env-reference', 'migrate-legacy-format', 'remove-legacy-key',
];
