/**
 * Deterministic generators of SYNTHETIC, valid-shaped credentials for tests and rule examples.
 * Nothing here is a real credential: every value is drawn from a seeded PRNG at run time.
 *
 * Rule examples are templates. `«gen»` inserts a generated value that a scan must report exactly
 * there; `‹gen›` inserts one that is only context. `gen` is `name[:arg…][#tag]`; the same
 * `name:args#tag` yields the same value within one expansion (to pair an id with its secret).
 */
import { base62, crc32 } from './util';

export type Rng = () => number;

/** mulberry32: tiny deterministic PRNG. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = ALNUM + '+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';

export function pick(rng: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng() * alphabet.length)];
  return s;
}

/** A random string that contains at least one character of each given class. */
function pickWithClasses(rng: Rng, alphabet: string, n: number, classes: readonly string[]): string {
  for (;;) {
    const s = pick(rng, alphabet, n);
    if (classes.every((c) => [...s].some((ch) => c.includes(ch)))) return s;
  }
}

export function awsKeyId(rng: Rng, prefix = 'AKIA'): string {
  // two digits at least, so that the tail can never read as an English word
  return prefix + pickWithClasses(rng, B32, 16, ['234567', UPPER]);
}

export function awsSecret(rng: Rng): string {
  return pickWithClasses(rng, B64, 40, [UPPER, LOWER, DIGITS, '+/']);
}

/**
 * A secret of letters only, as AWS issues about once in 4,000 keys. Redrawn in the rare case
 * (about 1 in 700) that it reads as a phrase: too few or too many capitals, or a placeholder word,
 * which the detector deliberately gives up on.
 */
export function lettersOnlySecret(rng: Rng): string {
  for (;;) {
    const s = pickWithClasses(rng, UPPER + LOWER, 40, [UPPER, LOWER]);
    const capitals = s.replace(/[^A-Z]/g, '').length;
    if (capitals >= 10 && capitals <= 30 && !/secret|access|example|sample|your|here|replace|change|dummy|fake|test|key|aws/i.test(s)) return s;
  }
}

export function hex40(rng: Rng): string {
  return pickWithClasses(rng, HEX, 40, [DIGITS, 'abcdef']);
}

export function sessionToken(rng: Rng, old = false): string {
  const prefix = old ? 'FwoGZXIvYXdz' : 'IQoJb3JpZ2luX2Vj';
  const body = pick(rng, B64, 356 - prefix.length - 2);
  return prefix + body + '==';
}

export function githubClassic(rng: Rng, type = 'p'): string {
  const random = pick(rng, ALNUM, 30);
  return `gh${type}_${random}${base62(crc32(random), 6)}`;
}

export function githubFineGrained(rng: Rng): string {
  return `github_pat_${pick(rng, ALNUM, 22)}_${pick(rng, ALNUM, 59)}`;
}

export function huggingFaceToken(rng: Rng): string {
  return 'hf_' + pickWithClasses(rng, UPPER + LOWER, 34, [UPPER, LOWER]);
}

export function slackBotToken(rng: Rng): string {
  return `xoxb-${pick(rng, DIGITS, 12)}-${pick(rng, DIGITS, 13)}-${pickWithClasses(rng, ALNUM, 24, [UPPER, LOWER, DIGITS])}`;
}

export function slackWebhook(rng: Rng): string {
  const up = UPPER + DIGITS;
  return `https://hooks.slack.com/services/T${pick(rng, up, 8)}/B${pick(rng, up, 10)}/${pickWithClasses(rng, ALNUM, 24, [UPPER, LOWER, DIGITS])}`;
}

export function azureStorageKey(rng: Rng): string {
  return pickWithClasses(rng, B64, 86, [UPPER, LOWER, DIGITS]) + '==';
}

/** A random password; starts with a letter or digit (a leading `-` reads as a command-line flag). */
export function password(rng: Rng, n = 20): string {
  return pick(rng, ALNUM, 1) + pickWithClasses(rng, ALNUM + '-._', n - 1, [UPPER, LOWER, DIGITS]);
}

const PEM_LABELS: Record<string, string> = {
  RSA: 'RSA PRIVATE KEY',
  EC: 'EC PRIVATE KEY',
  OPENSSH: 'OPENSSH PRIVATE KEY',
  PKCS8: 'PRIVATE KEY',
  ENCRYPTED: 'ENCRYPTED PRIVATE KEY',
};

/** A PEM block with a random body: lines joined by `\n` + indent, or by a literal `\n` escape. */
export function pemBlock(rng: Rng, kind = 'RSA', indent = 0, escaped = false): string {
  const label = PEM_LABELS[kind] ?? PEM_LABELS.RSA;
  const lead = kind === 'OPENSSH' ? 'b3BlbnNzaC1rZXktdjEAAAAA' : 'MIIEpAIBAAKCAQEA';
  const body = lead + pick(rng, B64, 64 * 12 - lead.length) + pick(rng, B64, 30) + '==';
  const lines = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  lines.push(`-----END ${label}-----`);
  return lines.join(escaped ? '\\n' : '\n' + ' '.repeat(indent));
}

export function base64Encode(s: string): string {
  let out = '';
  let i = 0;
  for (; i + 2 < s.length; i += 3) {
    const n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
    out += B64STD[(n >> 18) & 63] + B64STD[(n >> 12) & 63] + B64STD[(n >> 6) & 63] + B64STD[n & 63];
  }
  const rest = s.length - i;
  if (rest === 1) {
    const n = s.charCodeAt(i) << 16;
    out += B64STD[(n >> 18) & 63] + B64STD[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8);
    out += B64STD[(n >> 18) & 63] + B64STD[(n >> 12) & 63] + B64STD[(n >> 6) & 63] + '=';
  }
  return out;
}
const B64STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One generated piece: `text` as written in the source, `value` the credential it carries. */
export interface Generated {
  text: string;
  value: string;
}

function splitWithContinuation(value: string, indent: number): string {
  const cut = Math.floor(value.length / 2);
  return value.slice(0, cut) + '\\\n' + ' '.repeat(indent) + value.slice(cut);
}

function percentEncodeB64(value: string): string {
  return value.replace(/\+/g, '%2B').replace(/\//g, '%2F').replace(/=/g, '%3D');
}

/** Generate by name. Arguments: see each case. Unknown names throw (a test bug, no secret involved). */
export function generate(rng: Rng, name: string, args: readonly string[] = []): Generated {
  const plain = (value: string): Generated => ({ text: value, value });
  const num = (i: number, d: number) => (args[i] !== undefined && /^\d+$/.test(args[i]) ? Number(args[i]) : d);
  switch (name) {
    case 'akid':
      return plain(awsKeyId(rng, args[0] && /^[A-Z]{4}$/.test(args[0]) ? args[0] : 'AKIA'));
    case 'aws40': {
      let value = args.includes('letters') ? lettersOnlySecret(rng) : awsSecret(rng);
      if (args.includes('pct')) {
        while (!/[+/]/.test(value)) value = awsSecret(rng);
        return { text: percentEncodeB64(value), value };
      }
      if (args.includes('split')) return { text: splitWithContinuation(value, num(1, 4)), value };
      return plain(value);
    }
    case 'hex40':
      return plain(hex40(rng));
    case 'alnum':
      return plain(pick(rng, ALNUM, num(0, 36)));
    case 'session':
      return plain(sessionToken(rng, args.includes('old')));
    case 'gh':
      return plain(githubClassic(rng, args[0] ?? 'p'));
    case 'ghpat':
      return plain(githubFineGrained(rng));
    case 'hf':
      return plain(huggingFaceToken(rng));
    case 'xoxb':
      return plain(slackBotToken(rng));
    case 'slackhook':
      return plain(slackWebhook(rng));
    case 'azure88':
      return plain(azureStorageKey(rng));
    case 'pw': {
      const value = password(rng, num(0, 20));
      if (args.includes('split')) return { text: splitWithContinuation(value, num(1, 4)), value };
      return plain(value);
    }
    case 'pem': {
      const text = pemBlock(rng, args[0] ?? 'RSA', num(1, 0), args.includes('esc'));
      return plain(text);
    }
    default:
      throw new Error(`unknown generator ${name}`);
  }
}

export interface Expanded {
  text: string;
  /** Expected findings: offsets in `text` and the credential value. */
  marks: { start: number; end: number; value: string }[];
}

/** Expand a rule-example template (see the module comment). */
export function expandTemplate(template: string, seed: number): Expanded {
  const rng = makeRng(seed);
  const cache = new Map<string, Generated>();
  const marks: Expanded['marks'] = [];
  let text = '';
  let last = 0;
  const re = /«([^»]+)»|‹([^›]+)›/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    text += template.slice(last, m.index);
    last = m.index + m[0].length;
    const spec = m[1] ?? m[2];
    let gen = cache.get(spec);
    if (!gen) {
      const [body] = spec.split('#');
      const [name, ...args] = body.split(':');
      gen = generate(rng, name, args);
      cache.set(spec.includes('#') ? spec : `${spec}#${cache.size}`, gen);
    }
    if (m[1] !== undefined) marks.push({ start: text.length, end: text.length + gen.text.length, value: gen.value });
    text += gen.text;
  }
  text += template.slice(last);
  return { text, marks };
}
