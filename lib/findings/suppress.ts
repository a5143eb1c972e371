import { locate } from '../config/locate';
import type { ParsedConfig } from '../config/parse';
import type { RawFinding } from '../rules/types';

/**
 * Inline ignores: `# rayguard:ignore RG401 reason` on the finding's line, or alone on the line
 * above it. Several ids may be given (`RG401,RG402`). An ignore without a reason still
 * suppresses, and is itself reported (RG106), so that every exception is explained.
 */
export interface IgnoreDirective {
  /** 1-based line the directive applies to. */
  target: number;
  ids: string[];
  reason: string;
  start: number;
  end: number;
}

const DIRECTIVE = /#\s*rayguard:ignore\b([^\r\n]*)/g;

export function findIgnores(parsed: ParsedConfig): IgnoreDirective[] {
  const { text, lines } = parsed;
  if (!text.includes('rayguard:ignore')) return [];
  const out: IgnoreDirective[] = [];
  for (const m of text.matchAll(DIRECTIVE)) {
    const start = m.index!;
    // A real YAML comment: not inside a quoted or block scalar.
    if (parsed.doc && locate(parsed.doc, start).inScalar) continue;
    const line = lines.lineOf(start) + 1;
    const before = text.slice(lines.lineStart(line), start);
    const words = m[1].trim().split(/\s+/).filter(Boolean);
    const ids: string[] = [];
    while (words.length && /^(RG\d{3},?)+$/i.test(words[0])) ids.push(...words.shift()!.toUpperCase().split(',').filter(Boolean));
    out.push({ target: /\S/.test(before) ? line : line + 1, ids, reason: words.join(' '), start, end: start + m[0].length });
  }
  return out;
}

export function applyIgnores(parsed: ParsedConfig, raw: RawFinding[]): RawFinding[] {
  const directives = findIgnores(parsed);
  if (directives.length === 0) return raw;
  const byLine = new Map<number, Set<string>>();
  for (const d of directives) {
    const s = byLine.get(d.target) ?? new Set<string>();
    d.ids.forEach((id) => s.add(id));
    byLine.set(d.target, s);
  }
  const kept = raw.filter((r) => !byLine.get(parsed.lines.lineOf(r.start) + 1)?.has(r.ruleId));
  for (const d of directives) {
    if (d.ids.length === 0 || !d.reason) {
      kept.push({
        ruleId: 'RG106', start: d.start, end: d.end, yamlPath: '',
        message: d.ids.length === 0
          ? 'This rayguard:ignore names no rule: write `# rayguard:ignore RG401 <reason>`'
          : 'This rayguard:ignore gives no reason: say why the finding is acceptable, after the rule id',
      });
    }
  }
  return kept;
}
