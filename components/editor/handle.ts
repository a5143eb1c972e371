import type { Finding } from '@/lib/findings/types';

/** What the dashboard may do with the editor. Free of Monaco types so the page shell stays light. */
export interface EditorHandle {
  getText(): string;
  /** Replace the whole text as one undoable edit (Ctrl+Z brings the old text back). */
  replaceText(text: string): void;
  /** Show findings as markers (owner `rayguard`); an empty list clears them. */
  showFindings(findings: readonly Finding[]): void;
  /** Put the cursor at a finding's start, scroll it to the centre and focus the editor. */
  reveal(line: number, column: number): void;
  focus(): void;
}

export interface CursorPosition {
  line: number;
  /** In code points, like findings. */
  column: number;
}
