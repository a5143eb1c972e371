import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze, contextOf, secretRedactor } from '@/lib/validate';
import { fixConfig } from '@/lib/fix/plan';
import { demoIamSource } from '@/lib/iam/demo';
import { awsKeyId, awsSecret, githubClassic, makeRng } from '@/lib/secrets/synthetic';

/** Every string a user or a program can see from a validation and a fix. */
async function everyOutput(text: string): Promise<string> {
  const a = await analyze(text, { iam: demoIamSource() });
  const f = await fixConfig(text, { iam: demoIamSource() });
  return JSON.stringify({ findings: a.findings, applied: f.applied, skipped: f.skipped });
}

describe('redaction: a detected secret never appears in any output', () => {
  it('wherever it is planted: values, keys, node type names, comments, commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, 2, 3, 4, 5, 6), async (seed, where) => {
        const rng = makeRng(seed);
        const id = awsKeyId(rng);
        const secret = awsSecret(rng);
        const gh = githubClassic(rng);
        const places = [
          `setup_commands:\n  - export AWS_ACCESS_KEY_ID=${id}\n  - export AWS_SECRET_ACCESS_KEY=${secret}\n`,
          `available_node_types:\n  ${id}:\n    node_config: {}\n  w:\n    node_config: {}\nhead_node_type: ${id}\n`,
          `head_node_type: ${id}\navailable_node_types:\n  h:\n    node_config: {}\n`,
          `file_mounts:\n  "/home/ubuntu/${gh}": ~/x\n`,
          `# aws_secret_access_key = ${secret} (old)\n# ${id}\n`,
          `provider_extra: 1\nsetup_commands: ["git clone https://${gh}@github.com/o/r.git"]\n`,
          `provider:\n  type: aws\n  aws_credentials: {aws_access_key_id: ${id}, aws_secret_access_key: ${secret}}\n  iam_role_${id}: x\n`,
        ];
        const text = `cluster_name: t\n${where === 6 ? '' : 'provider: {type: aws, region: us-west-2}\n'}${places[where]}`;
        const out = await everyOutput(text);
        for (const s of [id, secret, gh]) {
          if (!text.includes(s)) continue;
          expect(out).not.toContain(s);
          expect(out).not.toContain(s.slice(4, 16)); // no long piece of it either
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('redaction: a private key the parser folded into a key', () => {
  it('a PEM key at column 0 inside a block script breaks the YAML; no part of it reaches any output', async () => {
    // The base64 alphabet, built: A–Z, a–z, 0–9, + and /.
    const range = (a: string, n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(a.charCodeAt(0) + i)).join('');
    const B64 = `${range('A', 26)}${range('a', 26)}${range('0', 10)}+/`;
    const rng = makeRng(77);
    const line = () => Array.from({ length: 64 }, () => B64[Math.floor(rng() * 64)]).join('');
    const body = Array.from({ length: 12 }, line);
    const armor = (w: string) => `${'-'.repeat(5)}${w} RSA PRIVATE KEY${'-'.repeat(5)}`;
    const text = `cluster_name: x\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - |\n    cat > key.pem <<EOF\n${armor('BEGIN')}\n${body.join('\n')}\n${armor('END')}\n    EOF\n`;
    const out = await everyOutput(text);
    expect(out).toContain('RG404');
    for (const l of body) for (let i = 0; i + 16 <= l.length; i += 8) expect(out).not.toContain(l.slice(i, i + 16));
  });
});

describe('secretRedactor', () => {
  const config = (secret: string) => `cluster_name: t\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - export AWS_SECRET_ACCESS_KEY=${secret}\n`;

  it('masks any 16-character stretch of a secret, whitespace inside it or not, and leaves other text alone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.nat(24),
        fc.integer({ min: 16, max: 40 }),
        fc.array(fc.constantFrom(' ', '\n', '  '), { maxLength: 4 }),
        fc.string({ maxLength: 30 }),
        (seed, from, len, spaces, around) => {
          const secret = awsSecret(makeRng(seed));
          const ctx = contextOf(config(secret));
          expect(ctx.secrets.length).toBeGreaterThan(0);
          const redact = secretRedactor(ctx);
          const piece = secret.slice(from, Math.min(40, from + len));
          fc.pre(piece.length >= 16);
          // Whitespace dropped in at random places inside the piece.
          let spaced = piece;
          for (const [i, s] of spaces.entries()) {
            const at = 1 + ((seed >> i) % (spaced.length - 1));
            spaced = spaced.slice(0, at) + s + spaced.slice(at);
          }
          const out = redact(`${around} node type ${spaced} here`).replace(/\s+/g, '');
          for (let i = 0; i + 16 <= piece.length; i++) expect(out).not.toContain(piece.slice(i, i + 16));
          const plain = `head node type ${around} has no profile`;
          if (!plain.replace(/\s+/g, '').split('').some((_, i, a) => i + 16 <= a.length && secret.includes(a.slice(i, i + 16).join('')))) {
            expect(redact(plain)).toBe(plain);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('secretRedactor with many secrets', () => {
  it('masks whole secrets and 16-character stretches the same way when there are dozens', () => {
    const rng = makeRng(99);
    const secrets = Array.from({ length: 30 }, () => awsSecret(rng));
    const text = `cluster_name: t\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n${secrets.map((s) => `  - export AWS_SECRET_ACCESS_KEY=${s}\n`).join('')}`;
    const ctx = contextOf(text);
    expect(ctx.secrets.length).toBeGreaterThan(20);
    const redact = secretRedactor(ctx);
    const piece = secrets[17].slice(5, 25);
    const out = redact(`type ${secrets[3]} and ${piece.slice(0, 9)}\n  ${piece.slice(9)} end`);
    expect(out).not.toContain(secrets[3]);
    expect(out.replace(/\s+/g, '')).not.toContain(piece.slice(0, 16));
    expect(out).toMatch(/^type \S+ and /);
    expect(redact('head node type has no profile')).toBe('head node type has no profile');
  });
});

describe('secretRedactor pre-check', () => {
  it('never lets a whole secret through, whatever its characters (non-ASCII, spaces, 8 to 60 long)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', minLength: 8, maxLength: 60 }), { minLength: 1, maxLength: 12 }),
        fc.string({ maxLength: 20 }),
        fc.nat(),
        (values, around, pick) => {
          const secrets = values.filter((v) => v.length >= 8 && v.trim() === v);
          fc.pre(secrets.length > 0);
          const text = secrets.join('\n');
          let at = 0;
          const hits = secrets.map((value) => {
            const start = text.indexOf(value, at);
            at = start + value.length;
            return { kind: 'generic-password' as const, start, end: start + value.length, value };
          });
          const ctx = { parsed: { text }, secrets: hits } as unknown as Parameters<typeof secretRedactor>[0];
          const secret = secrets[pick % secrets.length];
          const out = secretRedactor(ctx)(`${around}${secret}${around}`);
          expect(out).not.toContain(secret);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('secretRedactor limits', () => {
  const ctxOf = (values: string[]) => {
    const text = values.join('\n');
    let at = 0;
    const secrets = values.map((value) => {
      const start = text.indexOf(value, at);
      at = start + value.length;
      return { kind: 'generic-password' as const, start, end: start + value.length, value };
    });
    return { parsed: { text }, secrets } as unknown as Parameters<typeof secretRedactor>[0];
  };

  it('still masks a piece of a secret when the secrets have too many windows to index (a huge blob first)', () => {
    const rng = makeRng(5);
    const blob = Array.from({ length: 6000 }, () => awsSecret(rng)).join('');
    const secret = awsSecret(rng);
    const redact = secretRedactor(ctxOf([blob, secret]));
    const out = redact(`the top level does not take the key \`xxxx_${secret.slice(3, 30)}\``);
    expect(out).not.toContain(secret.slice(3, 19));
    expect(out).not.toContain(secret.slice(14, 30));
  });

  it('masks a six-character password, the shortest any detector reports', () => {
    const redact = secretRedactor(ctxOf(['Q7x!k2Z', 'k9#Lp2']));
    expect(redact('the top-level key `Q7x!k2Z` and `k9#Lp2`')).not.toMatch(/Q7x!k2Z|k9#Lp2/);
  });
});
