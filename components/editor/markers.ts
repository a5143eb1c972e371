import type { Finding } from '@/lib/findings/types';
import { RULES } from '@/lib/findings/catalogue';
import { FIX_DESCRIPTIONS } from '@/lib/fix/descriptions';

const DOCS = new Map(RULES.map((r) => [r.id, r]));

/** Catalogue text is light Markdown; marker hovers are plain text. */
const plain = (s: string) => s.replace(/`([^`]*)`/g, '$1');

const sentence = (s: string) => (/[.!?)]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

/**
 * The text of a finding's marker hover: what it is (for credentials the kind and the masked
 * preview, never the secret), why it matters and how to fix it, from the rule catalogue. The
 * rule id itself is the marker's `code`, which Monaco shows as a link to /rules#rgNNN.
 */
export function markerMessage(f: Finding): string {
  const doc = DOCS.get(f.ruleId);
  const lines = [sentence(f.message)];
  if (f.kind || f.preview) {
    const what = [f.kind, f.preview && `masked ${f.preview}`, f.accountId && `AWS account ${f.accountId}`].filter(Boolean).join(', ');
    lines.push(`Credential: ${what}`);
  }
  if (doc) {
    lines.push(`Why it matters: ${plain(doc.why)}`);
    lines.push(`How to fix: ${plain(doc.howToFix)}`);
  }
  if (f.fix) lines.push(`Quick fix (Ctrl+.): ${FIX_DESCRIPTIONS[f.fix]}`);
  return lines.join('\n');
}

/** The key a marker and its finding share (rule id and the marker's range). */
export function markerKey(ruleId: string, r: { startLineNumber: number; startColumn: number; endLineNumber: number; endColumn: number }): string {
  return `${ruleId}|${r.startLineNumber}|${r.startColumn}|${r.endLineNumber}|${r.endColumn}`;
}
