/**
 * Redaction before sharing (lib/share/redact.ts), mostly as properties (fast-check): synthetic
 * credentials planted in many contexts — every rule's own examples (PEM blocks in block scalars,
 * escaped PEM in JSON, split lines, percent-encoded URLs, ...), base64-encoded blobs, repeated
 * values — between harmless lines; then:
 *
 * - no planted secret, nor its spelling in the text, remains, and the scanner finds nothing;
 * - redacting again changes nothing;
 * - the same value always gets the same marker, different values different ones, numbered by
 *   first appearance;
 * - every line no replacement touches is kept byte for byte, and the line count is kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeStatic } from '@/lib/validate';
import { RULES, scanText } from '@/lib/secrets';
import {
  awsKeyId,
  awsSecret,
  base64Encode,
  expandTemplate,
  githubClassic,
  huggingFaceToken,
  makeRng,
  password,
  pemBlock,
  slackBotToken,
} from '@/lib/secrets/synthetic';
import { credentialRanges, redactForShare, remapFindings, stillHasSecrets, type Redaction } from '@/lib/share/redact';

const RUNS = Number(process.env.SHARE_PROPERTY_RUNS ?? 120);

/** Every rule's "must find" example templates. */
const TEMPLATES: readonly string[] = RULES.flatMap((r) => r.examples.find);

/** Lines that can hold no credential: fixed config lines, or lower-case words and small numbers. */
const harmlessLine = fc.oneof(
  fc.constantFrom(
    'cluster_name: demo',
    'max_workers: 4',
    'provider:',
    '    type: aws',
    '    region: us-west-2',
    'setup_commands:',
    '  - pip install -U "ray[default]"',
    '  - echo hello',
    '# a comment',
    '',
    '  ',
    'idle_timeout_minutes: 5',
  ),
  fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z ]{0,20}$/)).map(([k, v]) => `${k}: ${v}`),
  fc.stringMatching(/^ {0,6}- [a-z]{1,8}( [a-z]{1,8}){0,3}$/),
);

interface Planted {
  text: string;
  /** Lines (0-based) that are harmless filler. */
  fillerLines: Set<number>;
  /** What was planted: its spelling in the text and the credential. */
  secrets: Array<{ spelled: string; value: string }>;
}

/** Filler, then each piece (a multi-line string), then filler again; CRLF when asked. */
function assemble(pieces: Array<{ text: string; secrets: Planted['secrets'] }>, fillers: string[][], crlf: boolean): Planted {
  const eol = crlf ? '\r\n' : '\n';
  const lines: string[] = [];
  const fillerLines = new Set<number>();
  const secrets: Planted['secrets'] = [];
  const addFiller = (f: string[]) => {
    for (const l of f) {
      fillerLines.add(lines.length);
      lines.push(l);
    }
  };
  pieces.forEach((p, i) => {
    addFiller(fillers[i] ?? []);
    lines.push(...p.text.replace(/\r\n/g, '\n').split('\n'));
    secrets.push(...p.secrets);
  });
  addFiller(fillers[pieces.length] ?? []);
  return { text: lines.join(eol), fillerLines, secrets };
}

/** A rule example, expanded: the marked credentials are what must go. */
function examplePiece(template: string, seed: number): { text: string; secrets: Planted['secrets'] } {
  const e = expandTemplate(template, seed);
  const text = e.text.replace(/\r\n/g, '\n');
  const shift = (o: number) => o - (e.text.slice(0, o).match(/\r\n/g)?.length ?? 0);
  return { text, secrets: e.marks.map((m) => ({ spelled: text.slice(shift(m.start), shift(m.end)), value: m.value })) };
}

/** Contexts the rule examples do not cover: base64 blobs that decode to credentials, reuse. */
function extraPiece(kind: number, seed: number): { text: string; secrets: Planted['secrets'] } {
  const rng = makeRng(seed);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);
  switch (kind) {
    case 0: {
      const blob = base64Encode(`export AWS_SECRET_ACCESS_KEY=${secret}\n`);
      return { text: `  - echo ${blob} | base64 -d >> ~/.bashrc`, secrets: [{ spelled: blob, value: secret }] };
    }
    case 1: {
      const blob = base64Encode(`[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`);
      return { text: `credentials_b64: "${blob}"`, secrets: [{ spelled: blob, value: blob }] };
    }
    case 2: {
      const gh = githubClassic(rng);
      const blob = base64Encode(`GITHUB_TOKEN=${gh}`);
      return { text: `  - echo ${blob} | base64 -d > .env`, secrets: [{ spelled: blob, value: gh }] };
    }
    case 3: {
      // a password named once and used again elsewhere
      const pw = password(rng, 18);
      return { text: `  - export DB_PASSWORD='${pw}'\n  - psql -c "select 1" ${pw}`, secrets: [{ spelled: pw, value: pw }] };
    }
    default: {
      const pem = pemBlock(rng, 'OPENSSH', 6);
      return { text: `file_contents:\n  id_ed25519: |\n      ${pem}`, secrets: [{ spelled: pem, value: pem }] };
    }
  }
}

const pieceArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: TEMPLATES.length - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([t, s]) => examplePiece(TEMPLATES[t], s)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([k, s]) => extraPiece(k, s)) },
);

const plantedArb = fc
  .tuple(fc.array(pieceArb, { minLength: 1, maxLength: 4 }), fc.array(fc.array(harmlessLine, { maxLength: 4 }), { minLength: 5, maxLength: 5 }), fc.boolean())
  .map(([pieces, fillers, crlf]) => assemble(pieces, fillers, crlf));

/** 0-based lines any edit touches (its start line through its end line). */
function touchedLines(text: string, r: Redaction): Set<number> {
  const lineOf = (o: number) => (text.slice(0, o).match(/\n/g)?.length ?? 0);
  const out = new Set<number>();
  for (const e of r.edits) for (let l = lineOf(e.start); l <= lineOf(Math.max(e.start, e.end - 1)); l++) out.add(l);
  return out;
}

describe('redactForShare: properties', () => {
  it('leaves no planted secret and nothing the scanner finds', () => {
    fc.assert(
      fc.property(plantedArb, (p) => {
        const r = redactForShare(p.text);
        expect(r.clean).toBe(true);
        expect(scanText(r.text)).toEqual([]);
        expect(stillHasSecrets(r.text)).toBe(false);
        for (const s of p.secrets) {
          expect(r.text.includes(s.spelled)).toBe(false);
          if (s.value.length >= 8) expect(r.text.includes(s.value)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(plantedArb, (p) => {
        const once = redactForShare(p.text);
        const twice = redactForShare(once.text);
        expect(twice.text).toBe(once.text);
        expect(twice.markers).toEqual([]);
        expect(twice.edits).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps the line count and every untouched line byte for byte; filler is never touched', () => {
    fc.assert(
      fc.property(plantedArb, (p) => {
        const r = redactForShare(p.text);
        const before = p.text.split('\n');
        const after = r.text.split('\n');
        expect(after.length).toBe(before.length);
        const touched = touchedLines(p.text, r);
        for (let i = 0; i < before.length; i++) if (!touched.has(i)) expect(after[i]).toBe(before[i]);
        for (const i of p.fillerLines) expect(touched.has(i)).toBe(false);
        // every marker sits on the line its edit started on
        for (const m of r.markers) expect(after[m.line - 1]).toContain(m.marker);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same value the same marker and different values different markers, in order of first appearance', () => {
    const contexts = [
      (s: string) => `  - export AWS_SECRET_ACCESS_KEY=${s}`,
      (s: string) => `aws_secret_access_key: "${s}"`,
      (s: string) => `  - aws configure set aws_secret_access_key ${s}`,
      (s: string) => `# AWS_SECRET_ACCESS_KEY=${s}`,
      (s: string) => `  - echo ${base64Encode(`export AWS_SECRET_ACCESS_KEY=${s}\n`)} | base64 -d`,
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: contexts.length - 1 })), { minLength: 2, maxLength: 8 }),
        (seed, uses) => {
          const rng = makeRng(seed);
          const pool = [awsSecret(rng), awsSecret(rng), awsSecret(rng)];
          const lines = uses.map(([v, c]) => contexts[c](pool[v]));
          const r = redactForShare(['cluster_name: x', ...lines].join('\n'));
          const out = r.text.split('\n').slice(1);
          const markerOf = (line: string) => /<redacted:aws-secret-access-key:(\d+)>/.exec(line)?.[0];
          const seen = new Map<number, string>();
          const order: number[] = [];
          uses.forEach(([v], i) => {
            const m = markerOf(out[i]);
            expect(m).toBeDefined();
            if (!seen.has(v)) {
              order.push(v);
              seen.set(v, m!);
            }
            expect(m).toBe(seen.get(v));
          });
          expect(new Set(seen.values()).size).toBe(seen.size);
          order.forEach((v, i) => expect(seen.get(v)).toBe(`<redacted:aws-secret-access-key:${i + 1}>`));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('on arbitrary text: never throws, is idempotent, and a clean result scans clean', () => {
    const pieces = fc.constantFrom(
      'AKIA', 'aws_secret_access_key=', '-----BEGIN EC PRIVATE KEY-----', '-----END EC PRIVATE KEY-----', '\\\n', '\n', '\r\n',
      '%2F', 'password: ', '://u:', '@h', 'hf_', 'ghp_', '==', '"', "'", '<redacted:aws-access-key-id:3>', '<', '>',
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(pieces, fc.string({ unit: 'grapheme', maxLength: 20 }), fc.stringMatching(/^[A-Za-z0-9+/]{0,60}$/)), { maxLength: 40 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.boolean(),
        (parts, seed, plant) => {
          const rng = makeRng(seed);
          if (plant) parts.splice(seed % (parts.length + 1), 0, `\nexport AWS_SECRET_ACCESS_KEY=${awsSecret(rng)}\n`);
          const text = parts.join('');
          const r = redactForShare(text);
          expect(r.text.split('\n').length).toBe(text.split('\n').length);
          if (r.clean) expect(scanText(r.text)).toEqual([]);
          expect(redactForShare(r.text).text).toBe(r.text);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('redactForShare: examples', () => {
  const rng = makeRng(20240611);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);
  const hf = huggingFaceToken(rng);
  const slack = slackBotToken(rng);

  it('replaces a multi-line PEM key with one marker and keeps the lines after it in place', () => {
    const pem = pemBlock(rng, 'RSA', 4);
    const text = `cluster_name: k\nfile_contents:\n  key: |\n    ${pem}\nafter: 1\n`;
    const r = redactForShare(text);
    expect(r.text).not.toContain('PRIVATE KEY');
    expect(r.text).toContain('    <redacted:private-key:1>\n');
    expect(r.text.split('\n').length).toBe(text.split('\n').length);
    expect(r.text.split('\n').at(-2)).toBe('after: 1');
    expect(r.markers).toEqual([{ marker: '<redacted:private-key:1>', kind: 'private-key', line: 4 }]);
  });

  it('numbers per kind and names the kind', () => {
    const text = [
      `  - export AWS_ACCESS_KEY_ID=${id}`,
      `  - export AWS_SECRET_ACCESS_KEY=${secret}`,
      `  - export HF_TOKEN=${hf}`,
      `  - export SLACK_BOT_TOKEN=${slack}`,
      `  - echo ${id}`,
    ].join('\n');
    const r = redactForShare(text);
    expect(r.text).toBe(
      [
        '  - export AWS_ACCESS_KEY_ID=<redacted:aws-access-key-id:1>',
        '  - export AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-access-key:1>',
        '  - export HF_TOKEN=<redacted:huggingface-token:1>',
        '  - export SLACK_BOT_TOKEN=<redacted:slack-token:1>',
        '  - echo <redacted:aws-access-key-id:1>',
      ].join('\n'),
    );
    expect(r.markers.map((m) => m.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps a continuation line where it was', () => {
    const text = `  - "export AWS_SECRET_ACCESS_KEY=${secret.slice(0, 20)}\\\n      ${secret.slice(20)} && ray start"\nnext: 1`;
    const r = redactForShare(text);
    expect(r.text).toBe('  - "export AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-access-key:1>\\\n       && ray start"\nnext: 1');
  });

  it('replaces a percent-encoded secret (and gives its plain spelling elsewhere the same marker)', () => {
    const pct = secret.replace(/\+/g, '%2B').replace(/\//g, '%2F');
    const text = `url: "https://h/?AWS_SECRET_ACCESS_KEY=${pct}&x=1"\nenv: {AWS_SECRET_ACCESS_KEY: "${secret}"}`;
    const r = redactForShare(text);
    expect(r.text).toBe('url: "https://h/?AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-access-key:1>&x=1"\nenv: {AWS_SECRET_ACCESS_KEY: "<redacted:aws-secret-access-key:1>"}');
  });

  it('continues the numbering of markers already in the text', () => {
    const text = `a: <redacted:aws-secret-access-key:4>\n  - export AWS_SECRET_ACCESS_KEY=${secret}`;
    expect(redactForShare(text).text).toBe('a: <redacted:aws-secret-access-key:4>\n  - export AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-access-key:5>');
  });

  it('redacts extra ranges, and their copies elsewhere', () => {
    const text = 'custom_token: qa7Zr2mKp9\nother: x qa7Zr2mKp9 y\n';
    const start = text.indexOf('qa7');
    const r = redactForShare(text, { extra: [{ start, end: start + 10, kind: 'Vendor Token' }] });
    expect(r.text).toBe('custom_token: <redacted:vendor-token:1>\nother: x <redacted:vendor-token:1> y\n');
    // out-of-range and empty extras are ignored
    expect(redactForShare('abc', { extra: [{ start: 2, end: 2 }, { start: 5, end: 9 }] }).text).toBe('abc');
  });

  it('takes the ranges of a validation\'s credential findings and moves the findings onto the redacted text', () => {
    const text = [
      'cluster_name: t',
      'provider: {type: aws, region: us-west-2}',
      `setup_commands: ["export AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${secret}"]`,
      'head_node_type: head',
      'available_node_types:',
      '  head:',
      '    node_config: {InstanceType: m5.large}',
      '',
    ].join('\n');
    const findings = analyzeStatic(text).findings;
    const creds = findings.filter((f) => f.kind);
    expect(creds.length).toBeGreaterThanOrEqual(2);
    const r = redactForShare(text, { extra: credentialRanges(text, findings) });
    expect(r.clean).toBe(true);
    const moved = remapFindings(findings, text, r);
    const lines = r.text.split('\n');
    for (const f of moved) {
      if (!f.kind) continue;
      const covered = [...lines[f.line - 1]].slice(f.column - 1, f.endColumn - 1).join('');
      expect(covered).toMatch(/^<redacted:[a-z-]+:\d+>$/);
      expect(f.preview).toBe(covered);
    }
    // findings on untouched lines do not move
    moved.forEach((f, i) => {
      if (f.line !== 3) expect(f).toEqual(findings[i]);
    });
    expect(JSON.stringify(moved)).not.toContain(secret);
    expect(JSON.stringify(moved)).not.toContain(id);
  });
});
