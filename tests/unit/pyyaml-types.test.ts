import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalar } from 'yaml';
import { parseConfig } from '@/lib/config/parse';

/**
 * Ray reads configs with PyYAML: a plain scalar must get the type PyYAML gives it (the `yaml`
 * package's YAML 1.1 schema alone reads `n` as false and `1e3` as a number). Compared with
 * PyYAML itself (python3 with PyYAML is on the machine: moto needs it).
 */
function pyyamlKinds(values: string[]): string[] {
  const script = [
    'import json, sys, yaml, datetime',
    'out = []',
    'for v in json.load(sys.stdin):',
    '    try:',
    '        x = yaml.safe_load("k: " + v + "\\n")["k"]',
    '    except Exception:',
    '        out.append("error"); continue',
    '    if x is None: out.append("null")',
    '    elif isinstance(x, bool): out.append("bool:" + str(x).lower())',
    '    elif isinstance(x, (int, float)): out.append("number:" + repr(float(x)))',
    '    elif isinstance(x, (datetime.date, datetime.datetime)): out.append("date")',
    '    elif isinstance(x, str): out.append("str")',
    '    else: out.append("other")',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' })) as string[];
}

function ourKind(v: string): string {
  const p = parseConfig(`k: ${v}\n`);
  if (!p.root) return 'error';
  const node = p.root.items[0]?.value;
  if (node === null || node === undefined) return 'null';
  if (!isScalar(node)) return 'other';
  const x = node.value;
  if (x === null) return 'null';
  if (typeof x === 'boolean') return `bool:${x}`;
  if (typeof x === 'number') return `number:${pyFloat(x)}`;
  if (x instanceof Date) return 'date';
  if (typeof x === 'string') return 'str';
  return 'other';
}

/** Python's repr of a float. */
function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const s = String(x);
  return s.replace(/e\+?(-?)(\d)$/, 'e$10$2').replace(/e\+/, 'e+');
}

const FIXED = [
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'off', 'OFF', 'true', 'False', 'TRUE',
  '~', 'null', 'Null', 'NULL', '0', '-0', '+1', '10', '010', '08', '0o10', '0x1F', '0b101', '1_000', '1:30', '0:30', '-1:30:00',
  '1.5', '1.', '.5', '-.5', '+.5', '1e3', '1E3', '1.5e3', '1.5e+3', '1.5E-3', '1e+3', '.5e+1', '.inf', '-.inf', '.NaN', '1:30.5',
  '2020-01-02', 'm5.large', 'us-west-2', 'ami-0123456789abcdef0', '20.04', '1.2.3',
  '2021-1-1', '2021-01-01T1:02:03', '2021-01-01 10:20:30.5 +02', '2021-01-01T1:2:3', '!!float 1', '!!float "5"', '!!float 1e3', '!!float -1:30', '!!float 1.5', '!!float .inf', '!!int 5', '!!str 5', '!!bool yes',
];

describe('plain scalars get the types PyYAML gives them', () => {
  it('on the usual suspects', () => {
    const py = pyyamlKinds(FIXED);
    const ours = FIXED.map(ourKind);
    const diff = FIXED.map((v, i) => [v, py[i], ours[i]]).filter(([, a, b]) => a !== b);
    expect(diff).toEqual([]);
  });

  it('on generated number- and boolean-like words', () => {
    const word = fc.stringMatching(/^[-+.]?[0-9yYnNeE._:+-]{1,6}$/);
    const values = fc.sample(fc.uniqueArray(word, { minLength: 400, maxLength: 400 }), { numRuns: 1, seed: 42 })[0];
    const py = pyyamlKinds(values);
    const diff = values.map((v, i) => [v, py[i], ourKind(v)]).filter(([, a, b]) => a !== b && a !== 'error');
    expect(diff).toEqual([]);
  });
});
