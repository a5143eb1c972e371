import type { Finding } from '@/lib/findings/types';

/** What the dashboard may do with the editor. Free of Monaco types so the page shell stays light. */
export interface EditorHandle {
  getText(): string;
  /**
   * A number that changes with every edit and comes back to an earlier value when undo brings
   * back that earlier text (Monaco's alternative version id).
   */
  getVersion(): number;
  /** Replace the whole text as one undoable edit (Ctrl+Z brings the old text back). */
  replaceText(text: string): void;
  /**
   * Show the IAM findings of a server validation as markers (owner `rayguard-iam`); an empty list
   * clears them. Static findings are the live analysis' business (owner `rayguard`).
   */
  showIamFindings(findings: readonly Finding[]): void;
  /** Run the live analysis now instead of after the debounce. */
  analyzeNow(): void;
  /** Put the cursor at a finding's start, scroll it to the centre and focus the editor. */
  reveal(line: number, column: number): void;
  focus(): void;
}

export interface CursorPosition {
  line: number;
  /** In code points, like findings. */
  column: number;
}

/** The static findings of one version of the text, from the analysis worker. */
export interface LiveFindings {
  findings: Finding[];
  version: number;
}

export type LiveStatus = { state: 'checking' } | { state: 'ready' } | { state: 'failed'; message: string };

/** A fix computed elsewhere (the server, for fixes that need IAM). */
export interface ServerFixRequest {
  text: string;
  target: { ruleId: string; line: number; column: number };
  fix: NonNullable<Finding['fix']>;
}

export interface ServerFixResult {
  text: string;
  skipped: Array<{ reason: string }>;
}
