/**
 * Property tests (fast-check): a synthetic AWS key id / secret pair planted in random config text,
 * in one of several contexts, is always found at the planted offsets; and scanning arbitrary text
 * never throws and keeps its output invariants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanText } from '@/lib/secrets';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';

/** Planting contexts: `{ID}` and `{SECRET}` are replaced; `{I}` is the indentation. */
const CONTEXTS = [
  '{I}- export AWS_ACCESS_KEY_ID={ID}\n{I}- export AWS_SECRET_ACCESS_KEY={SECRET}',
  "{I}- echo 'export AWS_ACCESS_KEY_ID={ID} AWS_SECRET_ACCESS_KEY={SECRET}' >> ~/.bashrc",
  '{I}- -e AWS_ACCESS_KEY_ID={ID} -e AWS_SECRET_ACCESS_KEY={SECRET}',
  '{I}- --env AWS_ACCESS_KEY_ID={ID}\n{I}- --env AWS_SECRET_ACCESS_KEY={SECRET}',
  '{I}- aws configure set aws_access_key_id {ID}\n{I}- aws configure set aws_secret_access_key {SECRET} --profile p',
  '{I}aws_access_key_id: {ID}\n{I}aws_secret_access_key: "{SECRET}"',
  '{I}AWS_ACCESS_KEY_ID: \'{ID}\'\n{I}AWS_SECRET_ACCESS_KEY: \'{SECRET}\'',
  '{I}# AWS_ACCESS_KEY_ID={ID}\n{I}# AWS_SECRET_ACCESS_KEY={SECRET}',
  '{I}- echo {ID}:{SECRET} > ~/.passwd-s3fs',
  '{I}  [default]\n{I}  aws_access_key_id = {ID}\n{I}  aws_secret_access_key = {SECRET}',
  '{I}- python -c "import boto3; boto3.client(\'s3\', aws_access_key_id=\'{ID}\', aws_secret_access_key=\'{SECRET}\')"',
];

/** Random YAML-ish filler lines: lower-case words, numbers, paths, list items, comments. */
const fillerLine = fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z][a-z_]{0,15}$/), fc.stringMatching(/^[a-z0-9 ./:-]{0,40}$/)).map(([k, v]) => `${k}: ${v}`),
  fc.stringMatching(/^ {0,8}- [a-z0-9 ./=-]{0,60}$/),
  fc.stringMatching(/^ {0,4}# [a-z0-9 ,.]{0,60}$/),
  fc.constantFrom('', 'provider:', '    type: aws', '    region: us-west-2', 'setup_commands:', '  - |', '    ray stop', 'max_workers: 2'),
);

describe('planted AWS credential pair', () => {
  it('is always found at the planted offsets', () => {
    fc.assert(
      fc.property(
        fc.array(fillerLine, { maxLength: 40 }),
        fc.array(fillerLine, { maxLength: 40 }),
        fc.integer({ min: 0, max: CONTEXTS.length - 1 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom('', '  ', '    ', '\t'),
        fc.boolean(),
        (before, after, ctx, seed, indent, crlf) => {
          const rng = makeRng(seed);
          const prefix = ['AKIA', 'ASIA', 'ABIA', 'ACCA'][seed % 4];
          const id = awsKeyId(rng, prefix);
          const secret = awsSecret(rng);
          const planted = CONTEXTS[ctx].replace(/\{I\}/g, indent);
          const eol = crlf ? '\r\n' : '\n';
          const head = before.length ? before.join(eol) + eol : '';
          const body = planted.replace(/\n/g, eol);
          const text = head + body.replace('{ID}', id).replace('{SECRET}', secret) + eol + after.join(eol);
          const idAt = head.length + body.indexOf('{ID}');
          const secretAt = head.length + body.replace('{ID}', id).indexOf('{SECRET}');
          const hits = scanText(text);
          const gotId = hits.some((h) => h.kind === 'aws-access-key-id' && h.start === idAt && h.end === idAt + 20 && h.value === id);
          const gotSecret = hits.some(
            (h) => h.kind === 'aws-secret-access-key' && h.start === secretAt && h.end === secretAt + 40 && h.value === secret,
          );
          return gotId && gotSecret;
        },
      ),
      { numRuns: Number(process.env.SECRETS_PROPERTY_RUNS ?? 400) },
    );
  });
});

describe('arbitrary input', () => {
  it('never throws; hits are sorted, in range, non-overlapping per kind', () => {
    const pieces = fc.constantFrom(
      'AKIA',
      'aws_secret_access_key=',
      '-----BEGIN EC PRIVATE KEY-----',
      '-----END EC PRIVATE KEY-----',
      '\\\n',
      '\\n',
      '%2F',
      'password: ',
      '://u:',
      '@h',
      'machine api.wandb.ai',
      'hf_',
      'ghp_',
      '==',
      '\r\n',
      '"',
      "'",
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ unit: 'grapheme', maxLength: 30 }), fc.stringMatching(/^[A-Za-z0-9+/]{0,60}$/)), { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const hits = scanText(text);
        const lastEnd = new Map<string, number>();
        for (let i = 0; i < hits.length; i++) {
          const h = hits[i];
          if (h.start < 0 || h.end > text.length || h.end <= h.start) return false;
          if (i > 0 && h.start < hits[i - 1].start) return false;
          if ((lastEnd.get(h.kind) ?? -1) > h.start) return false;
          lastEnd.set(h.kind, h.end);
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
