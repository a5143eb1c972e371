import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NESTING, parseConfig, tooDeep } from '@/lib/config/parse';
import { analyzeStatic } from '@/lib/validate';
import { SHARED } from '../helpers/shared';

const flow = (n: number) => `a: ${'['.repeat(n)}${']'.repeat(n)}\n`;
const block = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:\n`).join('');
const dashes = (n: number) => `a:\n${'- '.repeat(n)}x\n`;

describe('nesting limit', () => {
  it('counts flow, block and compact-sequence levels, refusing one level past the limit', () => {
    // `a:` is one block level; the rest as built.
    expect(tooDeep(flow(MAX_NESTING - 1), MAX_NESTING)).toBe(-1);
    expect(tooDeep(flow(MAX_NESTING), MAX_NESTING)).toBe(3 + MAX_NESTING - 1);
    expect(tooDeep(block(MAX_NESTING), MAX_NESTING)).toBe(-1);
    expect(tooDeep(block(MAX_NESTING + 1), MAX_NESTING)).toBeGreaterThan(0);
    expect(tooDeep(dashes(MAX_NESTING - 1), MAX_NESTING)).toBe(-1);
    expect(tooDeep(dashes(MAX_NESTING), MAX_NESTING)).toBeGreaterThan(0);
  });

  it('does not count brackets in quotes, comments, block scalars or inside words', () => {
    const many = '['.repeat(MAX_NESTING + 10);
    for (const t of [
      `a: "${many}"\n`,
      `a: '${many}'\n`,
      `a: 1 # ${many}\n`,
      `a: |\n  ${many}\n  more\nb: 2\n`,
      `a:\n  - >-\n    ${many}\n`,
      `a: x${many}\n`,
    ]) {
      expect(tooDeep(t, MAX_NESTING), t.slice(0, 12)).toBe(-1);
    }
  });

  it('a stray quote inside a plain scalar (flow or block) does not hide what follows', () => {
    const deep = `${'['.repeat(MAX_NESTING + 20)}${']'.repeat(MAX_NESTING + 20)}`;
    for (const line of ['misc: [a "b]', "misc: [it's]", 'misc: a "b', "misc: {k: it's, j: [x 'y]}"]) {
      expect(tooDeep(`${line}\nok: [1, [2]]\n`, MAX_NESTING), line).toBe(-1);
      expect(tooDeep(`${line}\ndeep: ${deep}\n`, MAX_NESTING), line).toBeGreaterThan(0);
    }
  });

  it('a 10,000-level text is one RG101 at the place it gets too deep, without parsing it', () => {
    for (const t of [flow(10_000), block(10_000), `a: ${'{b: '.repeat(10_000)}${'}'.repeat(10_000)}`]) {
      const p = parseConfig(t);
      expect(p.doc).toBeNull();
      expect(p.problems).toHaveLength(1);
      expect(p.problems[0].message).toMatch(/nested more than 256 levels/);
      const f = analyzeStatic(t).findings.filter((x) => x.ruleId === 'RG101');
      expect(f).toHaveLength(1);
    }
  });

  it("every Ray example and corpus config is well within the limit", () => {
    const dirs = [path.join(SHARED, 'ray-examples'), path.join(SHARED, 'corpus/secrets')];
    let n = 0;
    for (const d of dirs) {
      for (const f of readdirSync(d).filter((x) => /\.ya?ml$/.test(x))) {
        expect(tooDeep(readFileSync(path.join(d, f), 'utf8'), 24), f).toBe(-1);
        n++;
      }
    }
    expect(n).toBeGreaterThan(40);
  });
});
