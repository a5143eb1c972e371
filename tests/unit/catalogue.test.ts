import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '@/lib/findings/catalogue';
import { renderRulesMarkdown } from '@/lib/findings/docs';
import { STATIC_RULES } from '@/lib/rules';

describe('rule catalogue', () => {
  it('ids are unique, ordered and follow RGnnn', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^RG[1-4]\d\d$/);
  });

  it('keeps the public ids of shared/RULES.md', () => {
    const contract = readFileSync(path.resolve(__dirname, '../../../shared/RULES.md'), 'utf8');
    const rows = [...contract.matchAll(/^\| (RG\d{3}) \| ([a-z0-9-]+) \| (error|warning|info) \|/gm)];
    expect(rows.length).toBeGreaterThan(20);
    for (const [, id, name] of rows) expect(RULES.find((r) => r.id === id)?.name).toBe(name);
  });

  it('every rule module reports only catalogued ids, and every checked static rule has a module', () => {
    const moduleIds = new Set(STATIC_RULES.flatMap((r) => r.ids));
    for (const id of moduleIds) expect(RULES.some((r) => r.id === id)).toBe(true);
    // Checked outside the static rules: IAM (lib/iam/report.ts) and inline ignores (lib/findings/suppress.ts).
    const elsewhere = ['RG106', ...Array.from({ length: 9 }, (_, i) => `RG30${i + 1}`)];
    for (const r of RULES.filter((x) => x.checked)) expect(moduleIds.has(r.id) || elsewhere.includes(r.id)).toBe(true);
  });

  it('docs/rules.md is generated from the catalogue (run `npm run docs:rules`)', () => {
    const onDisk = readFileSync(path.resolve(__dirname, '../../docs/rules.md'), 'utf8');
    expect(onDisk).toBe(renderRulesMarkdown());
  });
});
