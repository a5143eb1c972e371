/**
 * Secret rules as data (the gitleaks model): an id and kind, a keyword prefilter (lower-case
 * substrings; a rule only runs when one occurs in the text), a pattern whose named group
 * `secret` (or `secret2`, `secret3`) is the credential, an optional entropy floor, an
 * allowlist, an optional extra check, and its own examples of what it must and must not find.
 *
 * Rules that need more than one regex (PEM blocks, pairing a secret with a nearby key id)
 * supply `find` instead of `pattern`; the engine applies the same filters to what they yield.
 *
 * Examples are templates (see synthetic.ts): `«gen»` must be reported exactly there, `‹gen›` is
 * generated context. No literal credential appears here except the public AWS documentation
 * examples, which are allowlisted.
 */
import type { SecretKind } from './types';
import { asciiTable, charClasses, decodeBase64PercentEscapes, runsOf, githubClassicChecksumOk, hasSequentialRun, isHex, percentDecode, shannonEntropy } from './util';
import { firstAtOrAbove } from '../sorted';

/** A candidate found by a rule, in the coordinates of the scanned (joined) text. */
export interface Candidate {
  start: number;
  end: number;
  /** The credential (decoded when the source text is encoded). */
  value: string;
  encoding?: 'percent';
}

export interface AwsIdRef {
  start: number;
  end: number;
  value: string;
}

export interface PemBlock {
  start: number;
  end: number;
  /** The block is the value of a service-account JSON `private_key`. */
  gcp: boolean;
}

/** What a rule may ask of the engine. All positions are in `text` (the joined view). */
export interface RuleContext {
  readonly text: string;
  /** Accepted AWS key ids (after allowlists), sorted by start. */
  awsIds(): readonly AwsIdRef[];
  /** Validated PEM private-key blocks, sorted by start. */
  pemBlocks(): readonly PemBlock[];
}

export interface Rule {
  id: string;
  kind: SecretKind;
  description: string;
  /** Lower-case substrings; the rule runs only when the lower-cased text contains one. */
  keywords: readonly string[];
  /** The secret is the named group `secret`, `secret2` or `secret3` (flags: `g`, optionally `i`). */
  pattern?: RegExp;
  /** Custom finder for rules that are not a single regex. */
  find?: (ctx: RuleContext) => Iterable<Candidate>;
  /** Turn the matched source text into the credential value (default: identity). */
  decode?: (raw: string) => string;
  /** Minimum length of the value (checked first; cheap). */
  minLength?: number;
  /** Minimum Shannon entropy (bits/char) of the value. */
  entropy?: number;
  /** Values matching any of these are not findings. */
  allow?: readonly RegExp[];
  /** Run the generic placeholder filter (`$VAR`, `<…>`, `xxxx`, `changeme`, …). Default true. */
  placeholders?: boolean;
  /** Extra validation with access to the text around the match. */
  check?: (c: Candidate, ctx: RuleContext) => boolean;
  examples: { find: readonly string[]; ignore: readonly string[] };
}

// ---------------------------------------------------------------------------------------------
// Shared pattern pieces (regex source strings).

/** One base64 character, or one of the percent escapes that can stand for one inside a URL. */
const B64P = String.raw`(?:[A-Za-z0-9+/]|%2[BbFf]|%3[Dd])`;
/** A 40-character base64 token bounded by non-base64 characters. */
export const SECRET40 = String.raw`(?<!(?<!\\)[A-Za-z0-9+/%])(?<secret>${B64P}{40})(?![A-Za-z0-9+/=]|%(?:2[BbFf]|3[Dd]))`;
/**
 * Start of a word: not after a letter or digit, unless that character is the letter of a
 * backslash escape (`\n`, `\t`: JSON/printf text). One lookbehind: an alternation of two at the
 * start of a pattern makes V8 scan tens of times slower.
 */
const NB = String.raw`(?<!(?<!\\)[A-Za-z0-9])`;
/** A quote, possibly backslash-escaped (nested shell/YAML quoting). */
const Q = String.raw`(?:\\{0,3}["'\x60]|'')`;
/** Between a key name and its value: closing quote, `=`/`:`/`=>`/`,`/whitespace, YAML anchor or tag, opening quotes. */
const GLUE = String.raw`${Q}?\]?[ \t]*(?:=>|:=|=|:|,)?[ \t]*(?:\r?\n[ \t]*)?(?:[&!][^\s]{0,64}[ \t]+){0,2}${Q}{0,3}`;
/** Like GLUE but an operator is required (no bare whitespace): used for passwords. */
const ASSIGN = String.raw`${Q}?\]?[ \t]*(?:=>|:=|=|:(?!//))[ \t]*(?:[&!][^\s]{0,64}[ \t]+){0,2}`;
/**
 * Inside one command: any character but a command separator; a line break only where a folded
 * YAML scalar or a continued line goes on (not before a new list item or mapping key).
 */
const CMD_GAP = String.raw`(?:[^\n;&|]|\r?\n(?![ \t]*(?:-[ \t]|[A-Za-z_][A-Za-z0-9_]*:)))`;
/** A password-like value: double-quoted, single-quoted or bare. */
const PW_VALUE = String.raw`(?:\\{0,3}"(?<secret>[^"\\\r\n]{1,200})\\{0,3}"|''?(?<secret2>[^'\r\n]{1,200})''?|(?<secret3>[^\s"'\x60;&|,{}\[\]()<>\\]{1,200}))`;

const AWS_KEY_ID_CONTEXT = /(?:access[_.-]?key(?:[_.-]?id)?|key[_.-]?id|akid)["'\]]*\s*(?:=>|:=|=|:|,)?\s*["'\\]*$/i;
/**
 * Words in a key id tail that mark a placeholder. One word of 6+ letters is enough (a random tail
 * holds a given one about once in 10^8); a 5-letter word (DUMMY, KEYID: about once in 3·10^6)
 * only next to another placeholder word.
 */
const PLACEHOLDER_ID_WORDS =
  /SECRET|ACCESS|EXAMPLE|SAMPLE|ACCOUNT|REPLACE|CHANGE|HOLDER|REDACT|YOURKEY|X{6}|(?:DUMMY|KEYID|YOUR|HERE|FAKE|TEST).*(?:DUMMY|KEYID)|(?:DUMMY|KEYID).*(?:YOUR|HERE|FAKE|TEST)/;

/** Words that make a letters-only value a written phrase (YourSecretKeyGoesHere…), not a key. */
const PHRASE_WORDS = /secret|access|example|sample|your|here|replace|change|dummy|fake|test|key|aws/i;

/**
 * A 40-character AWS secret: base64 alphabet, both cases, no long sequential run. About one real
 * key in 4,000 holds letters only ((52/64)^40); such a value still counts when it reads random:
 * no placeholder word and between a quarter and three quarters capitals (a CamelCase phrase has
 * few, random letters about half; a random key falls outside that band about once in 700).
 */
function awsSecretShapeOk(value: string): boolean {
  if (value.length !== 40 || !/^[A-Za-z0-9+/]{40}$/.test(value) || isHex(value)) return false;
  const c = charClasses(value);
  if (!c.lower || !c.upper || hasSequentialRun(value)) return false;
  if (c.digit || c.other) return true;
  const capitals = value.replace(/[^A-Z]/g, '').length;
  return capitals >= 10 && capitals <= 30 && !PHRASE_WORDS.test(value);
}

/** Random-looking enough to be a password, not a word, reference, path or version. */
function passwordShapeOk(v: string): boolean {
  if (v.length < 6 || v.length > 200) return false;
  if (/^(?:\/|~\/|\.\.?\/)|:\/\/|^(?:arn|ssm|env|file|vault|secretsmanager|sm|kms|op|gcp|aws|k8s|secret|ref):/i.test(v)) return false;
  if (/^[\d.:_-]+$/.test(v)) return false; // numbers, versions, ports
  if (/^[!&*|>%@]/.test(v)) return false; // YAML tag, anchor, alias, block indicator; templating
  if (/^[A-Za-z_]+(?:\.[A-Za-z_]+)+$/.test(v)) return false; // dotted reference (config.db_password)
  if (/^[a-z]+(?:[_-][a-z]+)*$/.test(v) || /^[A-Z]+(?:_[A-Z]+)*$/.test(v)) return false; // words, ENV_NAMES
  if (hasSequentialRun(v, 6)) return false;
  return charClasses(v).count >= 2 && shannonEntropy(v) >= 2.5;
}

function lowerBound<T>(arr: readonly T[], key: (t: T) => number, x: number): number {
  return firstAtOrAbove(arr.length, (i) => key(arr[i]), x);
}

/** Distance from [start,end) to the nearest AWS key id (binary search: O(log n)). */
function nearestAwsIdDistance(ids: readonly AwsIdRef[], start: number, end: number): number {
  const i = lowerBound(ids, (r) => r.start, start);
  let best = Infinity;
  for (const j of [i - 1, i]) {
    const r = ids[j];
    if (!r) continue;
    const d = r.end <= start ? start - r.end : r.start >= end ? r.start - end : 0;
    best = Math.min(best, d);
  }
  return best;
}

function insidePem(blocks: readonly PemBlock[], pos: number): boolean {
  const i = lowerBound(blocks, (b) => b.start, pos + 1) - 1;
  return i >= 0 && blocks[i].end > pos;
}

/**
 * Text right before a token that names it as something other than an AWS secret: a password
 * key or flag, or the userinfo of a URL whose user is not an AWS key id.
 */
const NAMED_OTHERWISE = /(?<!(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{0,16})(?:pass(?:word|wd|phrase)?|pwd|token|(?:^|\s)-p)["'\]]*\s*(?:=>|:=|=|:)?\s*["'\\]*$|:\/\/(?!(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}:)[^\s:/@]*:$/i;

/** Proximity window for pairing a secret with a key id (trufflehog uses ±1024 bytes). */
const PAIR_WINDOW = 1024;

function* awsPairedSecrets(ctx: RuleContext): Iterable<Candidate> {
  const ids = ctx.awsIds();
  if (ids.length === 0) return;
  const pem = ctx.pemBlocks();
  const text = ctx.text;
  for (const { start, raw } of secret40Tokens(text)) {
    const end = start + raw.length;
    if (nearestAwsIdDistance(ids, start, end) > PAIR_WINDOW) continue;
    if (insidePem(pem, start)) continue;
    const value = decodeBase64PercentEscapes(raw);
    yield { start, end, value, encoding: raw === value ? undefined : 'percent' };
  }
}

/** What `new RegExp(SECRET40, 'g')` finds in `text`, found by reading far less of it. */
export function* secret40Tokens(text: string): Iterable<{ start: number; raw: string }> {
  for (const [runStart] of tokenRuns(text)) {
    // SECRET40's look-behind lets a token start only where the run starts, or one character
    // later after a backslash (`\n` in a JSON string): try those, in that order.
    let m = secret40At(text, runStart);
    if (!m && text.charCodeAt(runStart - 1) === 92) m = secret40At(text, runStart + 1);
    if (m) yield { start: m.index, raw: m.groups!.secret };
  }
}

const SECRET40_AT = new RegExp(SECRET40, 'y');

/** SECRET40 matched exactly at `pos` (the regex is shared: used and reset before returning). */
function secret40At(text: string, pos: number): RegExpExecArray | null {
  SECRET40_AT.lastIndex = pos;
  const m = SECRET40_AT.exec(text);
  SECRET40_AT.lastIndex = 0;
  return m;
}

/** The characters a SECRET40 token is written with: base64 and the `%` of its escapes. */
const TOKEN_CHARS = asciiTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/%');

/** Maximal runs of 40 or more token characters, the only places a SECRET40 token can be. */
function tokenRuns(text: string): Iterable<[start: number, end: number]> {
  return runsOf(text, TOKEN_CHARS, 40);
}

function netrcMachineBefore(text: string, pos: number): string | undefined {
  const window = text.slice(Math.max(0, pos - 400), pos);
  let host: string | undefined;
  const re = /(?:^|[\s'"]|\\[nt])(machine|default)(?:(?:[ \t]|\\[nt])+([^\s'"\\]+))?/g;
  for (let m = re.exec(window); m; m = re.exec(window)) host = m[1] === 'default' ? 'default' : (m[2] ?? '');
  return host;
}

// ---------------------------------------------------------------------------------------------

export const RULES: readonly Rule[] = [
  {
    id: 'aws-access-key-id',
    kind: 'aws-access-key-id',
    description: 'AWS access key id: AKIA/ASIA/ABIA/ACCA + 16 base32 characters, word-bounded.',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    pattern: /(?<secret>(?:AKIA|ASIA|ABIA|ACCA)(?<!(?<!\\)[A-Za-z0-9]....)[A-Z2-7]{16})(?![A-Za-z0-9])/g,
    allow: [/EXAMPLE/, PLACEHOLDER_ID_WORDS],
    // The generic filter's `XXXXX` would drop one real id in a few million; the id's own
    // placeholder words (above) need a run of six.
    placeholders: false,
    check: (c, ctx) => {
      const tail = c.value.slice(4);
      // Named as a key id (`AWS_ACCESS_KEY_ID=`, `aws_access_key_id `): only an obvious
      // placeholder tail is let go, so that no real id is missed by chance.
      if (AWS_KEY_ID_CONTEXT.test(ctx.text.slice(Math.max(0, c.start - 48), c.start))) {
        return shannonEntropy(tail) >= 1.5 && !hasSequentialRun(tail, 8);
      }
      // Entropy of the 16 random characters, not of the whole id: the prefix's repeated letters
      // (ACCA) push ~0.07% of real ids under gitleaks' 3.0 on the whole id. A random tail scores
      // < 2.5 about 5 times in a million and < 2.2 fewer than once in 20 million (measured on
      // 2e7 draws), and uses ≤ 5 distinct characters a few times in a billion; placeholder
      // tails (AAAABBBB…, ABAB…, AAABBBCCCDDDEEE…) use few characters and score ≤ 2.0–2.3.
      if (shannonEntropy(tail) < 2.2 || new Set(tail).size <= 5) return false;
      // A run of 7 (ABCDEFG…, 765432…) is a placeholder; a run of 5 occurs in ~2·10^-5 random tails.
      if (hasSequentialRun(tail, 7)) return false;
      // English-looking tails (ASIAPACIFICSOUTHEAST) are tags, not keys, unless named as a key id.
      // Only ASIA: words that start with AKIA, ABIA or ACCA are rare, "ASIA..." tags are not.
      if (c.value.startsWith('ASIA') && !/[2-7]/.test(tail) && (tail.match(/[AEIOU]/g)?.length ?? 0) / tail.length >= 0.35) {
        return AWS_KEY_ID_CONTEXT.test(ctx.text.slice(Math.max(0, c.start - 48), c.start));
      }
      return true;
    },
    examples: {
      find: [
        'export AWS_ACCESS_KEY_ID=«akid»',
        '        - --env AWS_ACCESS_KEY_ID=«akid»',
        '- aws configure set aws_access_key_id «akid» --profile gpu',
        '  # AWS_ACCESS_KEY_ID=«akid:ASIA»',
        'aws_access_key_id = «akid»\r\naws_region = us-east-1\r\n',
        '{"AccessKeyId": "«akid:ASIA»", "Expiration": "2024-05-01T00:00:00Z"}',
        'echo «akid»:‹aws40› > ~/.passwd-s3fs',
        'token: «akid:ABIA»',
        'ctx: «akid:ACCA»',
      ],
      ignore: [
        'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
        'aws_access_key_id = AKIAI44QH8DHBEXAMPLE',
        'export AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX',
        'Tags: [{Key: region-group, Value: ASIAPACIFICSOUTHEAST}]',
        'id: AKIAABCDEFGHIJKLMNOP',
        'role: AROA‹akid›', // a longer upper-case run
        'user: AIDA2345672345672345',
        'key: akia2345672345672345', // lower case
        'key: AKIA23456723456723', // too short
        'key: AKIA234567234567234567', // too long
        'key: AKIA0123456789012345', // not base32
      ],
    },
  },
  {
    id: 'aws-secret-access-key-context',
    kind: 'aws-secret-access-key',
    description: 'AWS secret access key named by its key (=, :, =>, whitespace, quotes, flags).',
    keywords: ['secret'],
    pattern: new RegExp(
      String.raw`${NB}(?:(?:aws|s3)[_.-]?secret(?:[_.-]?access)?(?:[_.-]?key)?|secret[_.-]?access[_.-]?key)${GLUE}${SECRET40}`,
      'gi',
    ),
    decode: decodeBase64PercentEscapes,
    entropy: 3.5,
    check: (c) => awsSecretShapeOk(c.value),
    examples: {
      find: [
        'export AWS_SECRET_ACCESS_KEY=«aws40»',
        '        - -e AWS_SECRET_ACCESS_KEY=«aws40»',
        '- aws configure set aws_secret_access_key «aws40» --profile gpu',
        '- aws --profile w configure set aws_secret_access_key «aws40»',
        '--secret-access-key «aws40»',
        'aws_secret_access_key = «aws40»\r\n',
        '- aws configure set aws_secret_access_key «aws40:letters»', // letters only: 1 key in 4,000
        '"SecretAccessKey": "«aws40»",',
        `- "echo \\"export AWS_SECRET_ACCESS_KEY='«aws40»'\\" >> ~/.bashrc"`,
        'aws_secret_access_key: &sk «aws40»',
        'os.environ["AWS_SECRET_ACCESS_KEY"] = "«aws40»"',
        "boto3.client('s3', aws_secret_access_key='«aws40»')",
        'printf "[default]\\naws_secret_access_key = «aws40»\\n" > ~/.aws/credentials',
        '  - |\n    export AWS_SECRET_ACCESS_KEY=«aws40:split:4»\n',
        '  - "export AWS_SECRET_ACCESS_KEY=«aws40:split:6»"\n',
        'url: "https://h/?AWS_SECRET_ACCESS_KEY=«aws40:pct»&x=1"',
        '# AWS_SECRET_ACCESS_KEY=«aws40»',
      ],
      ignore: [
        'export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}',
        '        - --env AWS_SECRET_ACCESS_KEY',
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
        'export AWS_SECRET_ACCESS_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'export AWS_SECRET_ACCESS_KEY=‹hex40›',
        'echo "AWS_SECRET_ACCESS_KEY=$(aws configure get aws_secret_access_key --profile etl)"',
        '- aws configure set aws_secret_access_key <YOUR_SECRET_ACCESS_KEY>',
        'aws_secret_access_key = ‹aws40›Q', // 41 characters
        'aws_secret_access_key = ‹pw›', // wrong length
        'export ANY_KEY=‹aws40›', // no AWS context and no key id
        'aws_secret_access_key = YourSecretAccessKeyGoesRightHereForRayX', // a phrase, not a key
        'aws_secret_access_key = ThisIsTheSecretWeUseInProductionClusters',
      ],
    },
  },
  {
    id: 'aws-secret-access-key-paired',
    kind: 'aws-secret-access-key',
    description: 'A 40-character high-entropy base64 token within 1 KiB of an AWS key id (s3fs files, URLs, CSV).',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    find: awsPairedSecrets,
    // Random 40-character base64 scores under 4.25 about once in 11,000 tokens and under 4.0
    // less than once in a million (measured on 10⁶ crypto-random tokens).
    entropy: 4.0,
    check: (c, ctx) => awsSecretShapeOk(c.value) && !NAMED_OTHERWISE.test(ctx.text.slice(Math.max(0, c.start - 64), c.start)),
    examples: {
      find: [
        '- echo ‹akid›:«aws40» > ~/.passwd-s3fs',
        '- echo ‹akid›:«aws40:letters» > ~/.passwd-s3fs',
        '- echo AKIA2IO7GO3MRRG34PWD:«aws40» > ~/.passwd-s3fs', // a key id that happens to end in PWD
        "- echo 'export RAW_URI=s3://‹akid›:«aws40»@bucket/2024/' >> ~/.bashrc",
        'RAW_URI=s3://‹akid›:«aws40:pct»@bucket/x',
        'creds.csv: |\n  Access key ID,Secret access key\n  ‹akid›,«aws40»\n',
        'client = Minio("s3", "‹akid›", "«aws40»")',
      ],
      ignore: [
        '- echo ‹akid› >> ids\n- psql postgresql://svc:‹aws40›@db/app', // a URL password, not the id's secret
        '- echo ‹akid› >> ids\n- export DB_PASSWORD=‹aws40›',
        '- echo AKIAIOSFODNN7EXAMPLE:‹aws40› > ~/.passwd-s3fs', // only the doc id nearby
        '- echo ‹akid›:‹hex40› > ~/.passwd-s3fs', // a hash, not a secret
        '- echo ‹pw›:‹aws40› > ~/.passwd-s3fs', // no key id at all
        '- echo ‹akid› ; git checkout ‹hex40›',
      ],
    },
  },
  {
    id: 'aws-session-token-context',
    kind: 'aws-session-token',
    description: 'AWS session token named by its key (aws_session_token, SessionToken, --session-token, X-Amz-Security-Token).',
    keywords: ['session', 'security'],
    pattern: new RegExp(
      String.raw`${NB}(?:(?:aws[_.-]?)?(?:session|security)[_.-]?token|x-amz-security-token)${GLUE}(?<![A-Za-z0-9+/%])(?<secret>${B64P}{100,}(?:=|%3[Dd]){0,2})(?![A-Za-z0-9+/=])`,
      'gi',
    ),
    decode: decodeBase64PercentEscapes,
    entropy: 4.5,
    examples: {
      find: [
        '- -e AWS_SESSION_TOKEN=«session»',
        'aws_session_token = «session:old»',
        '"SessionToken": "«session»"',
        '- aws configure set aws_session_token «session» --profile tmp',
      ],
      ignore: [
        '- export AWS_SESSION_TOKEN=<paste-session-token-here>',
        '- --env AWS_SESSION_TOKEN',
        'aws_session_token = ${AWS_SESSION_TOKEN}',
      ],
    },
  },
  {
    id: 'aws-session-token-prefix',
    kind: 'aws-session-token',
    description: 'AWS STS session token recognised by its fixed base64 prefix (IQoJb3JpZ2luX2Vj…, FwoGZXIvYXdz…).',
    keywords: ['iqojb3jpz2lux2vj', 'fwogzxivyxdz', 'fqogzxivyxdz', 'aqodyxdz'],
    pattern: new RegExp(
      String.raw`(?<![A-Za-z0-9+/%])(?<secret>(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz)${B64P}{80,}(?:=|%3[Dd]){0,2})(?![A-Za-z0-9+/=])`,
      'g',
    ),
    decode: decodeBase64PercentEscapes,
    entropy: 4.5,
    examples: {
      find: ['token: «session»', 'creds = {"t": "«session:old»"}'],
      ignore: ['token: IQoJb3JpZ2luX2Vj', 'token: IQoJb3JpZ2luX2VjXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'],
    },
  },
  {
    id: 'private-key',
    kind: 'private-key',
    description: 'PEM/OpenSSH private key block, BEGIN marker to the matching END marker; body must be real base64.',
    keywords: ['private key'],
    find: (ctx) => ctx.pemBlocks().filter((b) => !b.gcp).map((b) => ({ start: b.start, end: b.end, value: ctx.text.slice(b.start, b.end) })),
    placeholders: false,
    examples: {
      find: [
        '  - |\n    cat > ~/.ssh/id_rsa <<KEY\n    «pem:RSA:4»\n    KEY\n',
        '- --env GIT_SSH_KEY="«pem:OPENSSH:0:esc»"',
        'key: |\r\n  «pem:EC:2»\r\n',
        '# «pem:PKCS8:0»',
      ],
      ignore: [
        '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----',
        '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE ray@head',
        '-----BEGIN EC PRIVATE KEY-----\n...\n-----END EC PRIVATE KEY-----',
        '-----BEGIN EC PRIVATE KEY-----\n<your private key here>\n-----END EC PRIVATE KEY-----',
        'ssh_private_key: ~/.ssh/ray-autoscaler.pem',
      ],
    },
  },
  {
    id: 'gcp-service-account-key',
    kind: 'gcp-service-account-key',
    description: 'GCP service-account key: the PEM value of `private_key` in service-account JSON (heredoc, echo, env).',
    keywords: ['private_key'],
    find: (ctx) => ctx.pemBlocks().filter((b) => b.gcp).map((b) => ({ start: b.start, end: b.end, value: ctx.text.slice(b.start, b.end) })),
    placeholders: false,
    examples: {
      find: [
        '{\n  "type": "service_account",\n  "private_key_id": "‹hex40›",\n  "private_key": "«pem:PKCS8:0:esc»\\n",\n  "client_email": "w@p.iam.gserviceaccount.com"\n}',
        `- echo '{"type": "service_account", "private_key": "«pem:PKCS8:0:esc»\\n"}' > sa.json`,
        '- "echo {\\"type\\": \\"service_account\\", \\"private_key\\": \\"«pem:PKCS8:0:esc»\\"} > sa.json"',
      ],
      ignore: [
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}',
        '{"type": "service_account", "private_key": "${GCP_PRIVATE_KEY}"}',
        '"private_key_id": "‹hex40›"',
      ],
    },
  },
  {
    id: 'github-token',
    kind: 'github-token',
    description: 'GitHub classic token (ghp_/gho_/ghu_/ghs_/ghr_ + 36, CRC32 checksum verified) or fine-grained github_pat_.',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: /(?<!(?<!\\)[A-Za-z0-9_])(?<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,255})(?![A-Za-z0-9_])/g,
    entropy: 3.0,
    check: (c) => (c.value.startsWith('github_pat_') || c.value.length !== 40 ? true : githubClassicChecksumOk(c.value)),
    examples: {
      find: [
        '- git clone https://«gh:p»@github.com/org/repo.git',
        '- pip install "git+https://x-access-token:«gh:s»@github.com/org/utils.git@v0.7.1"',
        'export GITHUB_TOKEN=«gh:o»',
        'export GH_TOKEN=«ghpat»',
      ],
      ignore: [
        'export GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
        'export GITHUB_TOKEN=ghp_‹alnum:36›', // right shape, wrong checksum
        'export GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}',
        'git -C ~/repo checkout ‹hex40›',
      ],
    },
  },
  {
    id: 'slack-webhook',
    kind: 'slack-webhook',
    description: 'Slack incoming-webhook URL (hooks.slack.com/services|workflows|triggers/…).',
    keywords: ['hooks.slack.com'],
    pattern: /(?<secret>(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,200})/g,
    check: (c) => {
      const path = c.value.slice(c.value.indexOf('.com/') + 5).replace(/^[a-z]+\//, '');
      const last = path.slice(path.lastIndexOf('/') + 1);
      return last.length >= 8 && shannonEntropy(path) >= 3.0;
    },
    examples: {
      find: ["  curl -X POST --data '{\"text\":\"up\"}' «slackhook» || true", 'export SLACK_WEBHOOK_URL=«slackhook»'],
      ignore: [
        'export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX',
        'export SLACK_WEBHOOK_URL=$(aws ssm get-parameter --name /x/slack-webhook --query Parameter.Value --output text)',
        'docs: https://hooks.slack.com/services/',
      ],
    },
  },
  {
    id: 'slack-token',
    kind: 'slack-token',
    description: 'Slack API token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xapp-).',
    keywords: ['xox', 'xapp-'],
    pattern: /(?<!(?<!\\)[A-Za-z0-9_-])(?<secret>(?:xox[abposre]|xapp)-(?:[0-9]{1,20}-){1,6}[A-Za-z0-9-]{0,200}[A-Za-z0-9])(?![A-Za-z0-9_-])/g,
    entropy: 3.0,
    check: (c) => {
      const last = c.value.slice(c.value.lastIndexOf('-') + 1);
      return c.value.length >= 30 && last.length >= 8;
    },
    examples: {
      find: ['export SLACK_BOT_TOKEN=«xoxb»', "client = WebClient(token='«xoxb»')"],
      ignore: ['export SLACK_BOT_TOKEN=xoxb-your-bot-token', 'export SLACK_BOT_TOKEN=xoxb-000000000000-0000000000000-XXXXXXXXXXXXXXXXXXXXXXXX'],
    },
  },
  {
    id: 'huggingface-token',
    kind: 'huggingface-token',
    description: 'Hugging Face access token: hf_ + 34 letters.',
    keywords: ['hf_'],
    pattern: /(?<!(?<!\\)[A-Za-z0-9_])(?<secret>hf_[A-Za-z0-9]{30,40})(?![A-Za-z0-9_])/g,
    entropy: 3.5,
    check: (c) => {
      const k = charClasses(c.value.slice(3));
      return k.lower && k.upper;
    },
    examples: {
      find: ['- huggingface-cli login --token «hf» --add-to-git-credential', 'export HF_TOKEN=«hf»', '- echo «hf» > ~/.cache/huggingface/token'],
      ignore: ['export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'from huggingface_hub import hf_hub_download', 'export HF_TOKEN=${HF_TOKEN}'],
    },
  },
  {
    id: 'wandb-api-key-context',
    kind: 'wandb-api-key',
    description: 'Weights & Biases API key named by WANDB_API_KEY / wandb_api_key.',
    keywords: ['wandb'],
    pattern: new RegExp(
      String.raw`${NB}wandb[_.-]?api[_.-]?key${GLUE}(?<![A-Za-z0-9_-])(?<secret>[A-Za-z0-9_-]{32,128})(?![A-Za-z0-9_-])`,
      'gi',
    ),
    entropy: 3.0,
    check: (c) => /[0-9]/.test(c.value) && !hasSequentialRun(c.value),
    examples: {
      find: ['        - --env WANDB_API_KEY=«hex40»', 'export WANDB_API_KEY="«hex40»"', 'wandb_api_key: «hex40»'],
      ignore: ['- export WANDB_API_KEY=your-wandb-api-key', '- --env WANDB_API_KEY', 'export WANDB_API_KEY=${WANDB_API_KEY}', 'WANDB_API_KEY=0000000000000000000000000000000000000000'],
    },
  },
  {
    id: 'wandb-api-key-login',
    kind: 'wandb-api-key',
    description: 'Weights & Biases API key given to `wandb login` or `wandb.login(key=…)`.',
    keywords: ['wandb'],
    pattern: new RegExp(
      String.raw`(?:wandb[ \t]+login\b${CMD_GAP}{0,160}?[\s=]|wandb\.login\([^)]{0,200}?key[ \t]*=[ \t]*${Q})(?<secret>(?:local-)?[0-9a-f]{40})(?![A-Za-z0-9_-])`,
      'g',
    ),
    entropy: 3.0,
    examples: {
      find: [
        '- wandb login «hex40»',
        '- wandb login --relogin «hex40»',
        `- python -c "import wandb; wandb.login(key='«hex40»')"`,
      ],
      ignore: ['- wandb login $WANDB_API_KEY', '- wandb login --relogin', '- git checkout ‹hex40› && wandb online'],
    },
  },
  {
    id: 'wandb-api-key-netrc',
    kind: 'wandb-api-key',
    description: 'Weights & Biases API key as the .netrc password of machine api.wandb.ai.',
    keywords: ['api.wandb.ai'],
    pattern:
      /machine(?:[ \t]|\\[nt]){1,16}[^\s'"\\]{0,64}wandb[^\s'"\\]{0,64}[\s\S]{0,200}?(?:(?<=\\[nt])|(?<![A-Za-z0-9_.-]))password(?:[ \t]|\\[nt])+(?<secret>[A-Za-z0-9_-]{32,128})(?![A-Za-z0-9_-])/g,
    entropy: 3.0,
    examples: {
      find: [
        '  - |\n    cat > ~/.netrc <<EOF\n    machine api.wandb.ai\n      login user\n      password «hex40»\n    EOF\n',
        '- printf "machine api.wandb.ai\\n  login user\\n  password «hex40»\\n" > ~/.netrc',
        '- echo "machine api.wandb.ai login user password «hex40»" >> ~/.netrc',
      ],
      ignore: ['machine api.wandb.ai\n  login user\n  password $WANDB_API_KEY\n'],
    },
  },
  {
    id: 'azure-storage-key',
    kind: 'azure-storage-key',
    description: 'Azure storage account key (88-char base64) in AccountKey= connection strings or named variables.',
    keywords: ['accountkey', 'account_key', 'account-key', 'storage_key', 'storage-key', 'storagekey'],
    pattern: new RegExp(
      String.raw`${NB}(?:account[_.-]?key|azure[_.-]?storage[_.-]?(?:account[_.-]?)?(?:access[_.-]?)?key)${GLUE}(?<![A-Za-z0-9+/%])(?<secret>${B64P}{86}(?:==|%3[Dd]%3[Dd]))(?![A-Za-z0-9+/=])`,
      'gi',
    ),
    decode: decodeBase64PercentEscapes,
    entropy: 4.0,
    examples: {
      find: [
        `- echo 'export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=«azure88»;EndpointSuffix=core.windows.net"' >> ~/.bashrc`,
        'export AZURE_STORAGE_KEY=«azure88»',
        '- az storage blob list --account-name acct --account-key «azure88»',
      ],
      ignore: ['AccountKey=${AZURE_KEY};', 'export AZURE_STORAGE_KEY=<storage-key>', 'AccountKey=‹aws40›;'],
    },
  },
  {
    id: 'password-in-url',
    kind: 'generic-password',
    description: 'Password in URL userinfo: scheme://user:password@host.',
    keywords: ['://'],
    pattern:
      /:\/\/(?<=(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/)[^\s:/@'"`\\]{0,256}:(?<secret>[^\s@/'"`\\]{1,256})@(?:\[[0-9A-Fa-f:.]{2,64}\]|[A-Za-z0-9._~-]{1,253})(?::\d{1,5})?(?![A-Za-z0-9._~:%-])/g,
    decode: percentDecode,
    minLength: 6,
    check: (c) => passwordShapeOk(c.value),
    examples: {
      find: [
        '      --backend-store-uri postgresql://mlflow:«pw»@db.internal:5432/mlflow',
        '- pip config set global.extra-index-url https://svc-pull:«pw»@pypi.example.internal/simple',
        'redis_url: "redis://:«pw»@cache:6379/0"',
        'DB=mysql://app:«pw:24»@10.0.0.5/db',
      ],
      ignore: [
        '- git clone https://user:${GH_TOKEN}@github.com/org/repo.git',
        '- git clone https://oauth2:$CI_JOB_TOKEN@gitlab.com/org/repo.git',
        'image: docker://ubuntu:22.04@sha256:‹hex40›',
        '- curl http://localhost:8080/api@v1',
        'url: https://user:@host/x',
        'url: https://user:password@host/x',
        'url: http://admin:admin@localhost:9000',
      ],
    },
  },
  {
    id: 'password-assignment',
    kind: 'generic-password',
    description: 'PASSWORD=… / password: … / "db_password": "…" style assignments (operator required).',
    keywords: ['pass', 'pwd'],
    pattern: new RegExp(
      // keyword first (fast scan), then a lookbehind checks the whole key name: ≤ 40 identifier
      // characters before the keyword, not a `$VAR` / `${VAR}` reference; bare `pass` needs a separator.
      String.raw`(?:pass(?:word|wd|phrase)|pwd|(?<![A-Za-z0-9])pass)(?<=(?<!(?<!\\)[A-Za-z0-9_.$\-])(?<!\$\{)[A-Za-z0-9_.-]{0,40}(?:pass(?:word|wd|phrase)?|pwd))(?![A-Za-z0-9_-])${ASSIGN}${PW_VALUE}`,
      'gi',
    ),
    minLength: 6,
    check: (c) => passwordShapeOk(c.value),
    examples: {
      find: [
        '- export DB_PASSWORD=«pw»',
        '- echo "MYSQL_ROOT_PASSWORD=«pw»" >> .env',
        'password: "«pw»"',
        "  db_password: '«pw»'",
        '{"password": "«pw»", "user": "svc"}',
        'Server=db;User Id=svc;Password=«pw»;',
        '- export DB_PASSWORD=«pw:20:split:4»\n',
      ],
      ignore: [
        '- export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)',
        `- 'echo "password: changeme" > ~/app.conf'`,
        'password: ${DB_PASSWORD}',
        'password: "{{ vault_db_password }}"',
        'password_file: /run/secrets/db',
        'DB_PASSWORD=',
        'DB_PASSWORD=""',
        'password: <DB_PASSWORD>',
        'password: !vault |',
        'password: db.credentials.password',
        '- test -z "$AWS_SECRET_ACCESS_KEY" || echo "password: hidden"',
        '- docker login -u $REGISTRY_USER -p "$REGISTRY_PASSWORD" registry.example.com',
        '--password-stdin',
        'export SNOWFLAKE_PRIVATE_KEY_PATH=/run/secrets/key.p8',
      ],
    },
  },
  {
    id: 'password-flag',
    kind: 'generic-password',
    description: 'Password given as a command-line flag: --password X, --db-password=X, docker login -p X.',
    keywords: ['pass', 'login'],
    pattern: new RegExp(
      String.raw`(?:(?<![A-Za-z0-9_-])--(?:[a-z0-9]{1,32}-){0,4}(?:password|passwd|pass)(?![A-Za-z0-9_-])|(?<![A-Za-z0-9_-])(?:docker|podman|nerdctl|buildah|skopeo|finch|oras|helm[ \t]+registry)[ \t]+login\b${CMD_GAP}{0,200}?\s-p)(?:=|[ \t]*\r?\n[ \t]*|[ \t]+)(?!-)${PW_VALUE}`,
      'g',
    ),
    minLength: 6,
    check: (c) => passwordShapeOk(c.value),
    examples: {
      find: [
        "    - docker login -u svc-pull -p '«pw»' registry.example.internal",
        '- docker login --username svc --password «pw» registry.example.internal',
        '- mysql --user=svc --password=«pw» -e "select 1"',
        '- ray start --head --redis-password="«pw»"',
      ],
      ignore: [
        '- aws ecr get-login-password --region eu-central-1 | docker login --username AWS --password-stdin 1.dkr.ecr.eu-central-1.amazonaws.com',
        '- docker login -u $REGISTRY_USER -p "$REGISTRY_PASSWORD" registry.example.com',
        '- ray start --head --redis-password=5241590000000000',
        '- mkdir -p ~/data',
        '- docker login -p "$(cat /run/secrets/registry)" r.example',
      ],
    },
  },
  {
    id: 'password-stdin-echo',
    kind: 'generic-password',
    description: 'Literal password piped into `docker login --password-stdin` (echo/printf X | docker login …).',
    keywords: ['password-stdin'],
    pattern: new RegExp(
      String.raw`(?:echo|printf)[ \t]+(?:-[neE]+[ \t]+)?${PW_VALUE}[ \t]*\|[ \t]*(?:sudo[ \t]+)?(?:docker|podman|nerdctl|buildah|skopeo|finch|oras|helm[ \t]+registry)[ \t]+login\b${CMD_GAP}{0,200}?--password-stdin`,
      'g',
    ),
    minLength: 6,
    check: (c) => passwordShapeOk(c.value),
    examples: {
      find: ["- echo '«pw»' | docker login -u svc --password-stdin registry.example.internal", '- echo «pw» | sudo docker login --username svc --password-stdin r.example'],
      ignore: ['- echo "$REGISTRY_PASSWORD" | docker login -u svc --password-stdin r.example', '- aws ecr get-login-password | docker login --username AWS --password-stdin r.example'],
    },
  },
  {
    id: 'netrc-password',
    kind: 'generic-password',
    description: '.netrc entry password (machine HOST login USER password SECRET), W&B hosts excepted.',
    keywords: ['machine'],
    pattern: /password(?<!(?<!\\)[A-Za-z0-9_.$-]password)(?:[ \t]|\\[nt])+(?<secret>[^\s'"\\]{1,200})/g,
    minLength: 6,
    check: (c, ctx) => {
      const host = netrcMachineBefore(ctx.text, c.start);
      return host !== undefined && !host.includes('wandb') && passwordShapeOk(c.value);
    },
    examples: {
      find: [
        '  - |\n    cat > ~/.netrc <<EOF\n    machine git.example.internal\n    login svc\n    password «pw»\n    EOF\n',
        '- printf "machine pypi.example.internal\\nlogin svc\\npassword «pw»\\n" > ~/.netrc',
      ],
      ignore: ['machine api.wandb.ai\n  login user\n  password ‹hex40›\n', 'Enter the password twice', 'machine x login y password $PW'],
    },
  },
  {
    id: 's3fs-password-file',
    kind: 'generic-password',
    description: 'Secret written to an s3fs password file (ACCESS:SECRET or BUCKET:ACCESS:SECRET).',
    keywords: ['passwd-s3fs'],
    pattern:
      /(?:echo|printf)[ \t]+(?:-[neE]+[ \t]+)?\\{0,3}["']?(?:[^\s:'"\\]{1,128}:)?[^\s:'"\\]{1,128}:(?<secret>[^\s:'"\\]{1,200})\\{0,3}["']?[ \t]*>>?[ \t]*\S{0,128}passwd-s3fs/g,
    minLength: 6,
    // an AWS key id as the access part makes this an AWS pair: the paired-secret rule decides
    check: (c, ctx) => !/(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}:$/.test(ctx.text.slice(Math.max(0, c.start - 21), c.start)) && passwordShapeOk(c.value),
    examples: {
      find: ['- echo minio-svc:«pw:32» > /etc/passwd-s3fs'],
      ignore: ['- echo $ACCESS_KEY:$SECRET_KEY > ~/.passwd-s3fs'],
    },
  },
  {
    id: 'curl-basic-auth',
    kind: 'generic-password',
    description: 'Password in curl -u/--user user:password.',
    keywords: ['curl'],
    pattern: new RegExp(
      String.raw`curl\b${CMD_GAP}{0,300}?\s(?:-u|--user)(?:=|[ \t]+)\\{0,3}["']?[^\s:'"\\]{1,128}:(?<secret>[^\s'"\\]{1,200})`,
      'g',
    ),
    minLength: 6,
    check: (c) => passwordShapeOk(c.value),
    examples: {
      find: ['- curl -fsS -u svc:«pw» https://artifacts.example.internal/x.tgz -o x.tgz'],
      ignore: ['- curl -u "$USER:$PASS" https://x', '- curl -u svc: https://x'],
    },
  },
];

/** Rules by id. */
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.id, r]));
