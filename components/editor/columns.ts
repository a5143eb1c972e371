/**
 * Findings count columns in code points (shared/RULES.md); Monaco counts UTF-16 code units.
 * Convert a 1-based code-point column on `lineText` to Monaco's 1-based column.
 */
export function toMonacoColumn(lineText: string, codePointColumn: number): number {
  if (codePointColumn <= 1) return 1;
  let units = 0;
  let points = 1;
  for (const ch of lineText) {
    if (points >= codePointColumn) break;
    units += ch.length;
    points++;
  }
  // Columns past the end of the line (an exclusive end, or a stale finding) stay past it.
  return units + 1 + Math.max(0, codePointColumn - points);
}

/** Monaco's 1-based UTF-16 column on `lineText` as a 1-based code-point column. */
export function toCodePointColumn(lineText: string, monacoColumn: number): number {
  return Array.from(lineText.slice(0, Math.max(0, monacoColumn - 1))).length + 1;
}
