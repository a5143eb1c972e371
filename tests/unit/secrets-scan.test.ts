/**
 * Engine behaviour: joined view (split secrets), decoders (base64, percent), offsets, ordering,
 * classification, robustness, throughput; and the helpers maskSecret / awsAccountIdFromKeyId.
 * All credentials are synthetic and generated at test time.
 */
import { describe, expect, it } from 'vitest';
import { RULES, awsAccountIdFromKeyId, maskSecret, scanText, scanTextDetailed, type SecretHit } from '@/lib/secrets';
import {
  awsKeyId,
  awsSecret,
  base64Encode,
  expandTemplate,
  hex40,
  makeRng,
  password,
  pemBlock,
  pick,
} from '@/lib/secrets/synthetic';

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function only<T extends SecretHit>(hits: T[], kind: string): T[] {
  return hits.filter((h) => h.kind === kind);
}

describe('base64 blobs are decoded and rescanned', () => {
  const rng = makeRng(11);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);
  const creds = `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nregion = us-east-1\n`;
  const blob = base64Encode(creds);

  it('a one-line blob piped to base64 -d: both halves reported on the blob', () => {
    const text = `setup_commands:\n    - echo ${blob} | base64 -d > ~/.aws/credentials\n`;
    const hits = scanTextDetailed(text);
    const start = text.indexOf(blob);
    for (const [kind, value] of [
      ['aws-access-key-id', id],
      ['aws-secret-access-key', secret],
    ] as const) {
      const h = only(hits, kind);
      expect(h.length, kind).toBe(1);
      expect(h[0].start).toBe(start);
      expect(h[0].end).toBe(start + blob.length);
      expect(h[0].encoding).toBe('base64');
      expect(h[0].value === value, 'decoded value').toBe(true);
    }
  });

  it('a blob wrapped over several lines of a block scalar', () => {
    const lines = blob.match(/.{1,76}/g)!;
    expect(lines.length).toBeGreaterThan(1);
    const text = `setup_commands:\n  - |\n    base64 -d > ~/.aws/credentials <<EOF\n${lines.map((l) => '    ' + l).join('\n')}\n    EOF\n`;
    const hits = only(scanTextDetailed(text), 'aws-secret-access-key');
    expect(hits.length).toBe(1);
    expect(hits[0].start).toBe(text.indexOf(lines[0]));
    expect(lineOf(text, hits[0].end - 1)).toBe(lineOf(text, text.indexOf(lines[lines.length - 1])));
  });

  it('a blob in a double-quoted YAML value (UserData-style) with nothing secret inside: no finding', () => {
    const text = `UserData: "${base64Encode('#!/bin/bash\necho vm.max_map_count=262144 >> /etc/sysctl.conf\nsysctl -p\n')}"`;
    expect(scanText(text)).toEqual([]);
  });

  it('binary data that happens to be base64 is ignored', () => {
    const text = `data: ${pick(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 400)}`;
    expect(scanText(text)).toEqual([]);
  });
});

describe('percent-encoded secrets', () => {
  const rng = makeRng(12);
  it('an AWS secret inside a URL: span is the encoded text, value the decoded secret', () => {
    const id = awsKeyId(rng);
    let secret = awsSecret(rng);
    while (!/[+/]/.test(secret)) secret = awsSecret(rng);
    const enc = secret.replace(/\+/g, '%2B').replace(/\//g, '%2F');
    const text = `- echo 'export RAW=s3://${id}:${enc}@bucket/x/' >> ~/.bashrc`;
    const h = only(scanTextDetailed(text), 'aws-secret-access-key');
    expect(h.length).toBe(1);
    expect(h[0].start).toBe(text.indexOf(enc));
    expect(h[0].end).toBe(text.indexOf(enc) + enc.length);
    expect(h[0].value === secret).toBe(true);
    expect(h[0].encoding).toBe('percent');
  });

  it('a password in a URL is decoded', () => {
    const pw = password(rng, 16);
    const enc = `${pw.slice(0, 8)}%40%21${pw.slice(8)}`;
    const text = `uri: postgresql://svc:${enc}@db.internal:5432/app`;
    const h = only(scanTextDetailed(text), 'generic-password');
    expect(h.length).toBe(1);
    expect(text.slice(h[0].start, h[0].end)).toBe(enc);
    expect(h[0].value === `${pw.slice(0, 8)}@!${pw.slice(8)}`).toBe(true);
  });
});

describe('secrets split across lines', () => {
  const rng = makeRng(13);
  const secret = awsSecret(rng);
  const cut = 17;

  it('shell \\-newline continuation in a literal block: starts on the first line, ends on the last', () => {
    const text = `setup_commands:\n  - |\n    aws configure set aws_secret_access_key ${secret.slice(0, cut)}\\\n      ${secret.slice(cut)} --profile x\n`;
    const h = only(scanText(text), 'aws-secret-access-key');
    expect(h.length).toBe(1);
    expect(h[0].start).toBe(text.indexOf(secret.slice(0, cut)));
    expect(lineOf(text, h[0].start)).toBe(3);
    expect(lineOf(text, h[0].end - 1)).toBe(4);
    expect(h[0].end).toBe(text.indexOf(secret.slice(cut)) + secret.length - cut);
    expect(h[0].value === secret).toBe(true);
  });

  it('YAML escaped line break in a double-quoted scalar, with CRLF', () => {
    const text = `setup_commands:\r\n  - "export AWS_SECRET_ACCESS_KEY=${secret.slice(0, cut)}\\\r\n    ${secret.slice(cut)}"\r\n`;
    const h = only(scanText(text), 'aws-secret-access-key');
    expect(h.length).toBe(1);
    expect(lineOf(text, h[0].start)).toBe(2);
    expect(lineOf(text, h[0].end - 1)).toBe(3);
    expect(h[0].value === secret).toBe(true);
  });

  it('an escaped backslash before the newline is not a continuation', () => {
    const text = `  - "export AWS_SECRET_ACCESS_KEY=${secret.slice(0, cut)}\\\\\n    ${secret.slice(cut)}"`;
    expect(only(scanText(text), 'aws-secret-access-key')).toEqual([]);
  });
});

describe('positions, order and duplicates', () => {
  const rng = makeRng(14);

  it('offsets are UTF-16 indexes (non-ASCII and astral characters before the secret)', () => {
    const id = awsKeyId(rng);
    const text = `# clé — 🚀 ünïcödé\nenv:\n  AWS_ACCESS_KEY_ID: "${id}"`;
    const h = scanText(text);
    expect(h.length).toBe(1);
    expect(text.slice(h[0].start, h[0].end)).toBe(id);
  });

  it('every rule example at once: sorted by start, no duplicates, no same-kind overlaps', () => {
    const text = RULES.flatMap((r) => r.examples.find.map((t, i) => expandTemplate(t, 77 + i).text)).join('\n');
    const hits = scanText(text);
    expect(hits.length).toBeGreaterThan(40);
    for (let i = 1; i < hits.length; i++) expect(hits[i].start).toBeGreaterThanOrEqual(hits[i - 1].start);
    const byKind = new Map<string, SecretHit[]>();
    for (const h of hits) byKind.set(h.kind, [...(byKind.get(h.kind) ?? []), h]);
    for (const [, hs] of byKind) for (let i = 1; i < hs.length; i++) expect(hs[i].start).toBeGreaterThanOrEqual(hs[i - 1].end);
    for (const h of hits) {
      expect(h.start).toBeGreaterThanOrEqual(0);
      expect(h.end).toBeLessThanOrEqual(text.length);
      expect(h.end).toBeGreaterThan(h.start);
    }
  });

  it('a YAML alias is not a new occurrence', () => {
    const secret = awsSecret(rng);
    const text = `a: &sk\n  - -e AWS_SECRET_ACCESS_KEY=${secret}\nhead_run_options: *sk\nworker_run_options: *sk\n`;
    expect(scanText(text).length).toBe(1);
  });

  it('a repeated key on two lines gives two findings', () => {
    const id = awsKeyId(rng);
    expect(scanText(`- aws configure set aws_access_key_id ${id}\n- echo ${id} >> x`).length).toBe(2);
  });

  it('a password that is a more specific credential is reported once, as that kind', () => {
    const text = `- pip install "git+https://x-access-token:${expandTemplate('«gh:s»', 5).text}@github.com/o/r.git"`;
    expect(scanText(text).map((h) => h.kind)).toEqual(['github-token']);
  });
});

describe('private keys', () => {
  const rng = makeRng(15);

  it('multi-line PEM: BEGIN marker to the END line', () => {
    const pem = pemBlock(rng, 'RSA', 8);
    const text = `    - |\n        cat > ~/.ssh/id_rsa <<'KEY'\n        ${pem}\n        KEY\n`;
    const h = scanText(text);
    expect(h.map((x) => x.kind)).toEqual(['private-key']);
    expect(h[0].start).toBe(text.indexOf('-----BEGIN'));
    expect(text.slice(h[0].end - 29, h[0].end)).toBe('-----END RSA PRIVATE KEY-----');
  });

  it('service-account JSON: gcp-service-account-key only, not also private-key', () => {
    const pem = pemBlock(rng, 'PKCS8', 0, true);
    const text = `- echo '{"type": "service_account", "private_key_id": "${hex40(rng)}", "private_key": "${pem}\\n", "client_email": "w@p.iam.gserviceaccount.com"}' > sa.json`;
    expect(scanText(text).map((h) => h.kind)).toEqual(['gcp-service-account-key']);
  });

  it('a "private_key" JSON field without service-account evidence stays a private key', () => {
    const pem = pemBlock(rng, 'EC', 0, true);
    expect(scanText(`{"private_key": "${pem}"}`).map((h) => h.kind)).toEqual(['private-key']);
  });

  it('a key without its END marker is still reported, up to its last body line', () => {
    const pem = pemBlock(rng, 'OPENSSH', 2).split('\n').slice(0, -1).join('\n');
    const text = `key: |\n  ${pem}\nnext: 1\n`;
    const h = scanText(text);
    expect(h.map((x) => x.kind)).toEqual(['private-key']);
    expect(lineOf(text, h[0].end - 1)).toBe(lineOf(text, text.indexOf('next:')) - 1);
  });
});

describe('robustness', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \n\r\n\t'],
    ['lone surrogates', '\ud800 \udc00 AKIA'],
    ['trailing backslash', 'x: 1\\'],
    ['backslash-newline at EOF', 'x: 1\\\n'],
    ['markers only', '-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----'],
    ['many BEGIN markers', '-----BEGIN PRIVATE KEY-----\n'.repeat(500)],
    ['deep base64 nesting', base64Encode(base64Encode(base64Encode('password: x'.repeat(10))))],
  ])('%s: no throw, no finding', (_n, text) => {
    expect(scanText(text)).toEqual([]);
  });

  it('is pure: same input, same output', () => {
    const { text } = expandTemplate('- echo ‹akid›:«aws40» > ~/.passwd-s3fs\nexport DB_PASSWORD=«pw»', 9);
    expect(scanText(text)).toEqual(scanText(text));
  });
});

describe('scaling', () => {
  // Speed is measured by `npm run bench:secrets`; this only guards against super-linear scanning.
  it('a generated 5 MiB config with thousands of findings scans in about 5 times the time of 1 MiB', () => {
    const rng = makeRng(16);
    const parts: string[] = [];
    let size = 0;
    let seed = 0;
    const templates = RULES.flatMap((r) => r.examples.find.concat(r.examples.ignore));
    while (size < 5 * 1024 * 1024) {
      const chunk =
        expandTemplate(templates[seed % templates.length], seed).text +
        '\n' +
        Array.from({ length: 8 }, () => `    - ${pick(rng, 'abcdefghijklmnopqrstuvwxyz0123456789 =:/-_.', 60)}`).join('\n') +
        '\n';
      parts.push(chunk);
      size += chunk.length;
      seed++;
    }
    const text = parts.join('');
    const oneMiB = text.slice(0, text.indexOf('\n', 1024 * 1024) + 1);
    scanText(text.slice(0, 200_000)); // warm-up
    const time = (t: string) => {
      const t0 = performance.now();
      const n = scanText(t).length;
      return { ms: performance.now() - t0, n };
    };
    const small = Math.min(...[0, 1, 2].map(() => time(oneMiB).ms));
    const big = time(text);
    expect(big.n).toBeGreaterThan(1000);
    // linear: about 5; quadratic would be about 25
    expect(big.ms / small).toBeLessThan(12);
  });
});

describe('no super-linear inputs', () => {
  const M = 1024 * 1024;
  const rep = (s: string) => s.repeat(Math.ceil(M / s.length)).slice(0, M);
  it.each([
    ['key name followed by YAML tag runs', rep('secret_access_key:!')],
    ['Slack token digit groups', 'xoxb-' + rep('1-')],
    ['URL userinfo without @', '://a:' + rep('x')],
    ['PEM marker words', '-----BEGIN ' + rep('A ')],
    ['many password keys', rep('password: x\n')],
    ['backslash runs before newlines', rep('\\\\\\\n')],
    ['command keywords', rep('wandb login docker login -u a curl -u a:b ')],
    ['key-id prefixes', rep('AKIA')],
  ])('%s: 1 MiB in well under 1.5 s', (_name, text) => {
    const t0 = performance.now();
    scanText(text);
    expect(performance.now() - t0).toBeLessThan(1500);
  });
});

// ---------------------------------------------------------------------------------------------

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Build a key id that encodes `account` in the public layout (bits 7..46 of the first 48 bits). */
function keyIdForAccount(account: number, prefix: string, seed: number): string {
  const rng = makeRng(seed);
  const low7 = Math.floor(rng() * 128);
  const z = account * 128 + low7; // 48-bit value, top bit 0
  const bytes: number[] = [];
  for (let i = 5; i >= 0; i--) bytes.push(Math.floor(z / 2 ** (8 * i)) % 256);
  for (let i = 0; i < 4; i++) bytes.push(Math.floor(rng() * 256));
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < 80; i += 5) out += B32[parseInt(bits.slice(i, i + 5), 2)];
  return prefix + out;
}

describe('awsAccountIdFromKeyId', () => {
  it.each([
    [123456789012, 'AKIA'],
    [444455556666, 'ASIA'],
    [12345678, 'AKIA'],
    [999999999999, 'ASIA'],
  ])('decodes account %i from a constructed %s id', (account, prefix) => {
    for (const seed of [1, 2, 3]) {
      const id = keyIdForAccount(account, prefix, seed);
      expect(id).toMatch(/^(AKIA|ASIA)[A-Z2-7]{16}$/);
      expect(awsAccountIdFromKeyId(id)).toBe(String(account).padStart(12, '0'));
    }
  });

  it('refuses old ids (fifth character I or J) and malformed input', () => {
    expect(awsAccountIdFromKeyId('AKIAI44QH8DHBEXAMPLE')).toBeUndefined();
    expect(awsAccountIdFromKeyId('AKIAJ' + 'A'.repeat(15))).toBeUndefined();
    expect(awsAccountIdFromKeyId('AKIA123')).toBeUndefined();
    expect(awsAccountIdFromKeyId('AROA' + 'A'.repeat(16))).toBeUndefined();
    expect(awsAccountIdFromKeyId('')).toBeUndefined();
  });
});

describe('maskSecret', () => {
  it('keeps 4 + 4 characters of values of 16 or more', () => {
    const id = awsKeyId(makeRng(17));
    expect(maskSecret(id)).toBe(`${id.slice(0, 4)}…${id.slice(-4)}`);
    expect(maskSecret('abcdefghijklmnop')).toBe('abcd…mnop');
  });

  it('shows at most a third of a short value', () => {
    for (let n = 0; n < 16; n++) {
      const v = 'x'.repeat(n);
      const shown = maskSecret(v).replace('…', '').length;
      expect(shown).toBeLessThanOrEqual(Math.floor(n / 3));
      expect(maskSecret(v)).toContain('…');
    }
    expect(maskSecret('abcdefghijklmno')).toBe('abc…no');
  });
});

describe('base64Runs', () => {
  it('finds exactly what the B64_RUN regex finds', async () => {
    const fc = (await import('fast-check')).default;
    const { base64Runs, B64_RUN } = await import('@/lib/secrets/scan');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('A', 'b', '9', '+', '/', '=', '==', ' ', '\n', '-', ':', 'é'), fc.stringMatching(/^[A-Za-z0-9+/]{30,50}$/)), { maxLength: 30 }),
        (parts) => {
          const text = parts.join('');
          const viaRegex = [...text.matchAll(new RegExp(B64_RUN.source, 'g'))].map((m) => [m.index!, m.index! + m[0].length]);
          expect([...base64Runs(text)]).toEqual(viaRegex);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('keywordsIn', () => {
  it('finds exactly the keywords that one includes() per keyword finds, overlapping ones too', async () => {
    const fc = (await import('fast-check')).default;
    const { keywordsIn, KEYWORDS } = await import('@/lib/secrets/scan');
    const kws = [...KEYWORDS];
    // Keywords, their halves and single letters glued together: overlaps and near-misses.
    const piece = fc.oneof(fc.constantFrom(...kws), fc.constantFrom(...kws).map((k) => k.slice(0, Math.ceil(k.length / 2))), fc.constantFrom(...kws).map((k) => k.slice(1)), fc.constantFrom('a', 's', ' ', ':', '_'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const want = kws.filter((k) => text.includes(k)).sort();
        expect([...keywordsIn(text)].sort()).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('JSON-style escapes', () => {
  it('finds a secret key written with \\/ escapes, and reports the raw span', async () => {
    const { scanText } = await import('@/lib/secrets/scan');
    const { awsSecret, makeRng } = await import('@/lib/secrets/synthetic');
    const rng = makeRng(77);
    let secret = awsSecret(rng);
    while (!secret.includes('/')) secret = awsSecret(rng);
    const escaped = secret.replace(/\//g, '\\/');
    const text = `setup_commands:\n  - "export AWS_SECRET_ACCESS_KEY=${escaped} && echo a"\n`;
    const hits = scanText(text);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ kind: 'aws-secret-access-key', value: secret });
    expect(text.slice(hits[0].start, hits[0].end)).toBe(escaped);
  });
});

describe('hex escapes (YAML double-quoted, printf)', () => {
  const rng = makeRng(31337);
  /** Writes some characters of `s` as escapes, the way a generator or a careful copy-paster does. */
  const escape = (s: string, form: 'x' | 'u' | 'U', every = 3) =>
    [...s].map((ch, i) => (i % every === 0 ? (form === 'x' ? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : form === 'u' ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\U${ch.charCodeAt(0).toString(16).padStart(8, '0')}`) : ch)).join('');

  for (const form of ['x', 'u', 'U'] as const) {
    it(`a key pair written with \\${form} escapes is found; the range covers the escaped text exactly`, () => {
      const id = awsKeyId(rng);
      const secret = awsSecret(rng);
      const eid = escape(id, form);
      const esecret = escape(secret, form, 5);
      const text = `setup_commands:\n  - "export AWS_ACCESS_KEY_ID=${eid}"\n  - "export AWS_SECRET_ACCESS_KEY=${esecret}"\n`;
      const hits = scanText(text);
      expect(hits.map((h) => [h.kind, h.value])).toEqual([['aws-access-key-id', id], ['aws-secret-access-key', secret]]);
      expect(text.slice(hits[0].start, hits[0].end)).toBe(eid);
      expect(text.slice(hits[1].start, hits[1].end)).toBe(esecret);
    });
  }

  it('a secret whose last character is escaped ends after the whole escape', () => {
    const id = awsKeyId(rng);
    const eid = id.slice(0, -1) + `\\x${id.charCodeAt(19).toString(16)}`;
    const text = `k: "${eid}"\n`;
    const [h] = scanText(text);
    expect(h.value).toBe(id);
    expect(text.slice(h.start, h.end)).toBe(eid);
  });

  it('an escaped backslash escapes nothing, and escapes of control or non-ASCII characters are left alone', () => {
    const id = awsKeyId(rng);
    expect(scanText(`k: "\\\\x41${id.slice(1)}"\n`)).toEqual([]);
    expect(scanText(`k: "\\x0a${id}"\n`).map((h) => h.value)).toEqual([id]);
    expect(scanText('k: "caf\\u00e9 \\x0a\\x09"\n')).toEqual([]);
  });

  it('validate reports it and fix removes it, keeping the YAML valid', async () => {
    const { analyzeStatic } = await import('@/lib/validate');
    const { fixConfig } = await import('@/lib/fix/plan');
    const id = awsKeyId(rng);
    const secret = awsSecret(rng);
    const text = `cluster_name: e\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - "aws configure set aws_access_key_id ${escape(id, 'x')}"\n  - "aws configure set aws_secret_access_key ${escape(secret, 'u', 4)}"\n  - echo done\n`;
    const ids = analyzeStatic(text).findings.map((f) => f.ruleId);
    expect(ids.filter((r) => r === 'RG401' || r === 'RG402').sort()).toEqual(['RG401', 'RG402']);
    const fixed = await fixConfig(text, {});
    expect(analyzeStatic(fixed.text).findings.filter((f) => /^RG40[12]$/.test(f.ruleId))).toEqual([]);
    expect(fixed.text).toContain('echo done');
    expect(fixed.text).not.toMatch(/\\x|\\u/);
  });
});

describe('secret40Tokens', () => {
  it('finds exactly what the SECRET40 regex finds over the whole text', async () => {
    const fc = (await import('fast-check')).default;
    const { secret40Tokens, SECRET40 } = await import('@/lib/secrets/rules');
    const piece = fc.oneof(
      fc.constantFrom('A', 'z', '9', '+', '/', '=', '%', '%2B', '%2f', '%3D', '%41', '\\', '\\n', ' ', '\n', ':', '"', 'é'),
      fc.stringMatching(/^[A-Za-z0-9+/]{35,45}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (parts) => {
        const text = parts.join('');
        const viaRegex = [...text.matchAll(new RegExp(SECRET40, 'g'))].map((m) => [m.index!, m.groups!.secret]);
        expect([...secret40Tokens(text)].map((t) => [t.start, t.raw])).toEqual(viaRegex);
      }),
      { numRuns: 3000 },
    );
  });
});
