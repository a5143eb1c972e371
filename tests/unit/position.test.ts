import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineIndex } from '@/lib/config/position';

describe('LineIndex', () => {
  it('counts lines on \\n and ignores a trailing \\r', () => {
    const lf = new LineIndex('a: 1\nbb: 2\n');
    const crlf = new LineIndex('a: 1\r\nbb: 2\r\n');
    expect(lf.position(5)).toEqual({ line: 2, column: 1 });
    expect(crlf.position(6)).toEqual({ line: 2, column: 1 });
    expect(crlf.lineText(1)).toBe('a: 1');
    expect(crlf.lineEnd(1)).toBe(4);
  });

  it('counts columns in code points', () => {
    const t = 'k: "😀😀 AKIA"\n';
    const li = new LineIndex(t);
    const off = t.indexOf('AKIA');
    expect(li.position(off)).toEqual({ line: 1, column: 8 });
    expect(li.offset({ line: 1, column: 8 })).toBe(off);
  });

  it('offset and position are inverse on every character boundary', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('a', 'é', '😀', '\n', '\r\n', ' ')), { maxLength: 60 }), (parts) => {
        const t = parts.join('');
        const li = new LineIndex(t);
        for (let i = 0; i <= t.length; i++) {
          const c = t.charCodeAt(i - 1);
          if (c >= 0xd800 && c <= 0xdbff) continue; // inside a surrogate pair
          if (t[i] === '\n' && t[i - 1] === '\r') continue; // the \r of CRLF belongs to no column
          const p = li.position(i);
          if (t[i - 1] === '\r' && t[i] === '\n') continue;
          expect(li.offset(p)).toBe(i);
        }
      }),
    );
  });
});
