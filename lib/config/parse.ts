import { parseDocument, isAlias, isMap, visit, type Document, type ParseOptions, type DocumentOptions, type SchemaOptions, type Tags, type YAMLMap } from 'yaml';
import { LineIndex } from './position';
import { lastAtOrBefore } from '../sorted';

/** A YAML problem, located, with a message that never quotes the source text. */
export interface SyntaxProblem {
  start: number;
  end: number;
  message: string;
}

export interface ParsedConfig {
  text: string;
  lines: LineIndex;
  /** The Document, kept with comments and source ranges. Null only for binary input. */
  doc: Document.Parsed | null;
  /** The root mapping, when the document is one. */
  root: YAMLMap | null;
  problems: SyntaxProblem[];
}

/** At most this many syntax problems are reported for one file. */
const MAX_PROBLEMS = 20;

// Messages per error code of the `yaml` package, in our own words: the package's messages can
// quote source text (an alias name, a tag), and source text can hold a secret.
const MESSAGES: Record<string, string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'malformed alias',
  BAD_DIRECTIVE: 'malformed directive',
  BAD_DQ_ESCAPE: 'invalid escape in a double-quoted string',
  BAD_INDENT: 'wrong indentation',
  BAD_PROP_ORDER: 'anchor and tag in the wrong order',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be a mapping key',
  BLOCK_IN_FLOW: 'block collections are not allowed inside flow collections',
  DUPLICATE_KEY: 'duplicate key: each key may appear only once in a mapping',
  IMPOSSIBLE: 'unparsable input',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a character is missing here (unclosed quote or bracket?)',
  MULTILINE_IMPLICIT_KEY: 'an implicit key must be on a single line',
  MULTIPLE_ANCHORS: 'a node can have only one anchor',
  MULTIPLE_DOCS: 'a Ray config holds a single YAML document',
  MULTIPLE_TAGS: 'a node can have only one tag',
  NON_STRING_KEY: 'mapping keys must be strings',
  TAB_AS_INDENT: 'tabs cannot be used for indentation',
  TAG_RESOLVE_FAILED: 'unresolvable tag',
  UNEXPECTED_TOKEN: 'unexpected token',
  BAD_COLLECTION_TYPE: 'wrong collection type for this tag',
  RESOURCE_EXHAUSTION: 'too deeply nested to read safely',
};

const BINARY = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;
/** What a decoder puts for bytes that are not UTF-8 (browsers, the CLI): the file is not text. */
const NOT_UTF8 = '\uFFFD';
/** A carriage return not followed by a line feed: old Mac line endings. */
const LONE_CR = /\r(?!\n)/;
const ALIAS_LIKE = /(?:^|[\s[{,:])\*[^\s\]},]/m;

/**
 * PyYAML's implicit types (what Ray's loader reads), where the `yaml` package's YAML 1.1 schema
 * reads more: `y`/`n` are strings to PyYAML, a float needs a dot and a signed exponent (`1e3`,
 * `1.5e3`, `-.5` are strings), decimal ints have no leading zero (`08` is a string), and a
 * sexagesimal int starts with 1-9. Otherwise `cluster_name: n` would be "not text" here while Ray
 * takes it as the string "n".
 */
const PYYAML_TESTS: Array<{ tag: string; format?: string; sample: string; test: RegExp }> = [
  { tag: 'tag:yaml.org,2002:bool', sample: 'yes', test: /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ },
  { tag: 'tag:yaml.org,2002:bool', sample: 'no', test: /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ },
  { tag: 'tag:yaml.org,2002:int', sample: '10', test: /^[-+]?(?:0|[1-9][0-9_]*)$/ },
  { tag: 'tag:yaml.org,2002:int', format: 'TIME', sample: '1:30', test: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/ },
  { tag: 'tag:yaml.org,2002:float', format: 'EXP', sample: '1.5e+3', test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)[eE][-+][0-9]+$/ },
  { tag: 'tag:yaml.org,2002:float', sample: '1.5', test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/ },
];

function pyyamlTags(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || !('test' in t) || !t.test) return t;
    const own = t.test;
    const p = PYYAML_TESTS.find((x) => x.tag === t.tag && x.format === t.format && own.test(x.sample));
    return p ? { ...t, test: p.test } : t;
  });
}

/** How every Ray config is read: YAML 1.1 with merge keys and PyYAML's implicit types, as Ray loads it. */
export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  customTags: pyyamlTags,
  prettyErrors: false,
  uniqueKeys: true,
  keepSourceTokens: false,
  strict: true,
};

export function parseConfig(text: string): ParsedConfig {
  const lines = new LineIndex(text);
  const bin = BINARY.exec(text);
  if (bin) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: bin.index, end: bin.index + 1, message: 'binary content: the file holds control characters that YAML does not allow' }],
    };
  }
  const bad = text.indexOf(NOT_UTF8);
  if (bad >= 0) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: bad, end: bad + 1, message: 'the file is not UTF-8 text: bytes here could not be decoded (save it as UTF-8)' }],
    };
  }
  const cr = LONE_CR.exec(text);
  if (cr) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: cr.index, end: cr.index + 1, message: 'carriage-return-only line endings (old Mac style): save the file with LF or CRLF line endings' }],
    };
  }
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, YAML_OPTIONS);
  } catch {
    return { text, lines, doc: null, root: null, problems: [{ start: 0, end: 0, message: 'the YAML could not be read' }] };
  }
  const problems: SyntaxProblem[] = [];
  if (doc.errors.some((e) => e.code === 'RESOURCE_EXHAUSTION')) {
    // Where the parser runs out of stack depends on the stack, not the file: say it once, at the top.
    problems.push({ start: 0, end: 0, message: 'the YAML is nested too deeply to read safely' });
  }
  for (const e of doc.errors) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (e.code === 'RESOURCE_EXHAUSTION') continue;
    const [s, t] = e.pos;
    problems.push({ start: s, end: Math.max(s, t), message: MESSAGES[e.code] ?? `YAML error (${e.code.toLowerCase()})` });
  }
  for (const w of doc.warnings) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (w.code !== 'TAG_RESOLVE_FAILED') continue;
    const [s, t] = w.pos;
    problems.push({ start: s, end: Math.max(s, t), message: 'a tag that Ray\'s loader (PyYAML safe_load) refuses: only standard YAML tags are allowed' });
  }
  // Only a text with something alias-shaped (`*name` after a space, `[`, `{`, `,` or `:`) needs the walk.
  if (problems.length === 0 && ALIAS_LIKE.test(text)) {
    try {
      undefinedAliases(doc, problems);
    } catch {
      problems.push({ start: 0, end: 0, message: 'the YAML is nested too deeply to read safely' });
    }
  }
  if (problems.length === 0 && text.includes('\t')) {
    const tab = tabPyYamlRefuses(doc, text);
    if (tab >= 0) {
      problems.push({ start: tab, end: tab + 1, message: 'a tab character where Ray\'s loader (PyYAML) refuses it: tabs are accepted only inside quotes, block scalars and comments; use spaces' });
    }
  }
  let root: YAMLMap | null = null;
  if (problems.length === 0) {
    if (isMap(doc.contents)) root = doc.contents;
    else {
      const c = doc.contents as { range?: [number, number, number] } | null;
      const start = c?.range ? c.range[0] : 0;
      const what = doc.contents === null || (c && (c as { value?: unknown }).value === null)
        ? 'the file is empty or holds only comments'
        : 'the top level is not a mapping';
      problems.push({ start, end: start, message: `${what}: a Ray config is a mapping with cluster_name, provider and available_node_types` });
    }
  }
  return { text, lines, doc, root, problems };
}

/**
 * Aliases to an anchor not defined before them, in one walk (the `yaml` package's Alias.resolve
 * walks the whole document for each alias). Document order is source order: the last anchor of
 * that name before the alias is its target, as in the package.
 */
function undefinedAliases(doc: Document.Parsed, problems: SyntaxProblem[]): void {
  const anchors = new Set<string>();
  visit(doc, {
    Node(_k, node) {
      if (isAlias(node)) {
        if (!anchors.has(node.source)) {
          const r = node.range ?? [0, 0];
          problems.push({ start: r[0], end: r[1], message: 'alias to an anchor that is not defined before it' });
          if (problems.length >= MAX_PROBLEMS) return visit.BREAK;
        }
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
      return undefined;
    },
  });
}

/**
 * The first tab that PyYAML would stop on: one outside quoted scalars, block scalars (`|`, `>`)
 * and comments. The `yaml` package accepts more than PyYAML here, and Ray loads with PyYAML.
 */
function tabPyYamlRefuses(doc: Document.Parsed, text: string): number {
  const spans: Array<[number, number]> = [];
  try {
    visit(doc, {
      Scalar(_k, node) {
        if (node.type !== 'PLAIN' && node.range) spans.push([node.range[0], node.range[1]]);
      },
    });
  } catch {
    return -1;
  }
  spans.sort((a, b) => a[0] - b[0]);
  const inside = (pos: number) => {
    const k = lastAtOrBefore(spans.length, (i) => spans[i][0], pos);
    return k >= 0 && pos < spans[k][1];
  };
  for (let t = text.indexOf('\t'); t >= 0; t = text.indexOf('\t', t + 1)) {
    if (inside(t)) continue;
    const lineStart = text.lastIndexOf('\n', t - 1) + 1;
    let comment = false;
    for (let p = lineStart; p < t; p++) {
      if (text[p] === '#' && (p === lineStart || text[p - 1] === ' ' || text[p - 1] === '\t') && !inside(p)) {
        comment = true;
        break;
      }
    }
    if (!comment) return t;
  }
  return -1;
}
