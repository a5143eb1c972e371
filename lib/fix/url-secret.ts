import { isScalar, type Node, type YAMLSeq } from 'yaml';
import { nodeRange } from '../config/nodes';
import type { ParsedConfig } from '../config/parse';
import type { SecretKind } from '../secrets/types';
import type { TextEdit } from './edits';
import { commandChars } from './credentials';

/** Environment variable names for secrets of a known service; others are named after the host. */
const ENV_OF_KIND: Partial<Record<SecretKind, string>> = {
  'github-token': 'GITHUB_TOKEN',
  'huggingface-token': 'HF_TOKEN',
  'wandb-api-key': 'WANDB_API_KEY',
  'slack-token': 'SLACK_TOKEN',
};

/** `scheme://[user:]SECRET@host`: the secret is the URL's password (or token as user name). */
function urlAround(text: string, start: number, end: number): { host: string } | null {
  if (text[end] !== '@') return null;
  const before = text.slice(Math.max(0, start - 200), start);
  const m = /[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^\s:/@'"]*:)?$/.exec(before);
  if (!m) return null;
  const host = /^@([A-Za-z0-9.-]+)/.exec(text.slice(end, end + 260))?.[1];
  return host ? { host } : null;
}

/** Shell quoting state at `offset` of a one-line command: inside '…' nothing expands. */
function insideShellSingleQuotes(command: string, offset: number): boolean {
  let quote: string | null = null;
  for (let i = 0; i < offset && i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = null;
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
  }
  return quote === "'";
}

export function envNameFor(kind: SecretKind, host: string): string {
  const known = ENV_OF_KIND[kind];
  if (known) return known;
  const service = /(?:^|\.)(github|gitlab|bitbucket)\.(?:com|org)$/i.exec(host)?.[1];
  if (service) return `${service.toUpperCase()}_TOKEN`;
  if (/(?:^|\.)huggingface\.co$/i.test(host)) return 'HF_TOKEN';
  const label = host.split('.').find((l) => !/^(?:www|api|git|pypi|registry)$/i.test(l)) ?? host.split('.')[0];
  const base = label.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'URL';
  return `${/^[0-9]/.test(base) ? '_' : ''}${base}_PASSWORD`;
}

/**
 * `use-env-reference`: a credential in a URL inside a command (`git clone https://u:TOKEN@host`,
 * `pip install --index-url https://u:PASS@host`) becomes `${NAME}`, which the shell on the node
 * expands from its environment. Only where the shell does expand it: not inside '…' in the command,
 * not in a flow list (braces would change the YAML), and in scalars whose source is the command's
 * text (plain, quoted without escapes around the secret, literal block).
 */
export function urlSecretEdit(
  parsed: ParsedConfig,
  seq: YAMLSeq,
  index: number,
  start: number,
  end: number,
  kind: SecretKind,
): TextEdit | null {
  const text = parsed.text;
  const node = seq.items[index] as Node;
  if (!isScalar(node) || typeof node.value !== 'string') return null;
  const r = nodeRange(node);
  if (!r || start < r[0] || end > r[1]) return null;
  const url = urlAround(text, start, end);
  if (!url) return null;
  const type = node.type;
  if (type === 'PLAIN' && seq.flow) return null;
  const replacement = { start, end, text: `\${${envNameFor(kind, url.host)}}` };
  if (type === 'BLOCK_FOLDED' || (type !== 'BLOCK_LITERAL' && text.slice(r[0], r[1]).includes('\n'))) {
    // A command over several lines (`- >-`, or a plain or quoted scalar continued): the shell reads
    // the folded value, so its quoting is judged on that; the secret must be written as it is, on
    // one line, so that replacing it changes nothing else of the value.
    const chars = commandChars(text, node);
    const k = chars ? chars.findIndex((c) => c.at === start) : -1;
    if (!chars || k < 0) return null;
    for (let i = k; i < chars.length && chars[i].at < end; i++) if (chars[i].len !== 1 || chars[i].c !== text[chars[i].at]) return null;
    const before = chars.slice(0, k).map((c) => c.c).join('');
    return insideShellSingleQuotes(before, before.length) ? null : replacement;
  }
  if (type !== 'PLAIN' && type !== 'QUOTE_DOUBLE' && type !== 'QUOTE_SINGLE' && type !== 'BLOCK_LITERAL') return null;
  // The command's text up to the secret, on the secret's line (literal blocks: one command per line).
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  let from = Math.max(r[0], lineStart);
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') {
    if (text.slice(r[0], r[1]).includes('\n')) return null;
    from = r[0] + 1;
    const inner = text.slice(from, start);
    if (type === 'QUOTE_DOUBLE' && inner.includes('\\')) return null;
    const logical = type === 'QUOTE_SINGLE' ? inner.replace(/''/g, "'") : inner;
    if (insideShellSingleQuotes(logical, logical.length)) return null;
  } else {
    if (type === 'PLAIN' && text.slice(r[0], r[1]).includes('\n')) return null;
    if (insideShellSingleQuotes(text.slice(from, start), start - from)) return null;
  }
  return replacement;
}
