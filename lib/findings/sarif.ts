import { DOCS_BASE, RULES, ruleAnchor, type RuleDoc } from './catalogue';
import type { Finding, Report, Severity } from './types';
import { FIX_DESCRIPTIONS } from '../fix/descriptions';

/**
 * SARIF 2.1.0 output: the findings of one `rayguard check` as one run, for code-scanning tools
 * (GitHub code scanning, GitLab, IDE viewers). Pure: no file system, no clock, no randomness,
 * so the same report always gives the same log.
 *
 * What never goes in: source text. SARIF has `snippet` and `contextRegion` fields that viewers
 * like; filling them would copy a detected secret into the log, so results carry only positions,
 * the (already redacted) message, and the finding's public fields. The fingerprints are hashes
 * of public fields only (rule, file, YAML path, kind), never of a credential's value.
 */

export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** The project's home, where `docs/rules.md` is published. */
export const PROJECT_URL = 'https://github.com/rayguard/rayguard';
/** The key of our entry in `partialFingerprints`; bump the suffix if the recipe ever changes. */
export const FINGERPRINT_KEY = 'rayguard/v1';
/** The base id of paths relative to the directory `rayguard check` ran in. */
export const SRCROOT = '%SRCROOT%';

export type SarifLevel = 'error' | 'warning' | 'note';

export const SARIF_LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifArtifactLocation {
  uri?: string;
  uriBaseId?: string;
  description?: SarifMessage;
}

export interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: { physicalLocation: { artifactLocation: SarifArtifactLocation; region: SarifRegion } }[];
  partialFingerprints: Record<string, string>;
  properties?: Record<string, string>;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  helpUri: string;
  defaultConfiguration: { level: SarifLevel; enabled?: boolean };
  properties: { tags: string[]; 'security-severity'?: string; checked?: boolean };
}

export interface SarifRun {
  tool: { driver: { name: string; version: string; semanticVersion?: string; informationUri: string; rules: SarifRule[] } };
  originalUriBaseIds?: Record<string, { uri: string }>;
  columnKind: 'unicodeCodePoints';
  results: SarifResult[];
}

export interface SarifLog {
  $schema: string;
  version: typeof SARIF_VERSION;
  runs: [SarifRun];
}

export interface SarifOptions {
  /** The tool's version (package.json). */
  version: string;
  /**
   * The directory the report's relative paths are relative to (the CLI's working directory),
   * as an absolute path. Files inside it get a relative URI under %SRCROOT%; files outside it
   * an absolute file URI. Without it, relative paths are used as they are.
   */
  cwd?: string;
  /** Where the project (and docs/rules.md) lives; defaults to PROJECT_URL. */
  projectUrl?: string;
}

/** The published documentation of a rule: the same anchors as docs/rules.md and /rules. */
export function ruleHelpUri(id: string, projectUrl = PROJECT_URL): string {
  return `${projectUrl}/blob/main/${DOCS_BASE}#${ruleAnchor(id)}`;
}

const SECURITY_FAMILIES = new Set(['RG2', 'RG3', 'RG4']);
const FAMILY_TAGS: Record<string, string[]> = {
  RG1: ['ray', 'correctness'],
  RG2: ['security', 'aws', 'iam'],
  RG3: ['security', 'aws', 'iam'],
  RG4: ['security', 'credentials'],
};

/**
 * GitHub ranks security alerts by `security-severity` (0–10): a leaked credential is critical,
 * a broken or over-broad IAM setup high, warnings medium, notes low.
 */
function securitySeverity(r: RuleDoc): string | undefined {
  const family = r.id.slice(0, 3);
  if (!SECURITY_FAMILIES.has(family)) return undefined;
  if (r.severity === 'error') return family === 'RG4' ? '9.0' : '7.5';
  return r.severity === 'warning' ? '5.0' : '2.0';
}

function ruleDescriptor(r: RuleDoc, projectUrl: string): SarifRule {
  const helpUri = ruleHelpUri(r.id, projectUrl);
  const fixes = (r.fixes ?? []).map((f) => `${f} (${FIX_DESCRIPTIONS[f]})`);
  const text = [
    r.howToFix,
    ...(fixes.length ? [`Automatic correction (rayguard fix): ${fixes.join('; ')}.`] : []),
    ...(r.example ? [`Example that triggers it:\n${r.example}`] : []),
    `Documentation: ${helpUri}`,
  ].join('\n\n');
  const markdown = [
    `**How to fix.** ${r.howToFix}`,
    ...(fixes.length ? [`**Automatic correction** (\`rayguard fix\`): ${(r.fixes ?? []).map((f) => `\`${f}\` (${FIX_DESCRIPTIONS[f]})`).join('; ')}.`] : []),
    ...(r.example ? [`Example that triggers it:\n\n\`\`\`yaml\n${r.example}\n\`\`\``] : []),
    `[${r.id} ${r.name} in the Rayguard rules](${helpUri})`,
  ].join('\n\n');
  const severity = securitySeverity(r);
  return {
    id: r.id,
    name: r.name,
    shortDescription: { text: r.summary },
    fullDescription: { text: r.why },
    help: { text, markdown },
    helpUri,
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: {
      tags: FAMILY_TAGS[r.id.slice(0, 3)] ?? [],
      ...(severity ? { 'security-severity': severity } : {}),
      ...(r.checked ? {} : { checked: false }),
    },
  };
}

// --- paths -----------------------------------------------------------------------------------

const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || WINDOWS_DRIVE.test(p);
}

/** Resolves `.` and `..` and repeated separators; `/` separators out. Keeps a leading `/` or drive. */
function normalizePath(p: string): string {
  const windows = WINDOWS_DRIVE.test(p);
  const s = windows ? p.replace(/\\/g, '/') : p;
  const absolute = isAbsolutePath(s);
  const out: string[] = [];
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > (windows ? 1 : 0) && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return absolute && !windows ? `/${joined}` : joined;
}

/** Percent-encodes each path segment (spaces, `#`, `%`, `:`, non-ASCII), keeping the `/`s. */
function encodePath(p: string): string {
  return p.split('/').map((seg) => (/^[A-Za-z]:$/.test(seg) ? seg : encodeURIComponent(seg))).join('/');
}

function fileUri(absolute: string): string {
  return `file://${absolute.startsWith('/') ? '' : '/'}${encodePath(absolute)}`;
}

/** A directory's file URI, with the trailing `/` SARIF requires of a base URI. */
function directoryUri(dir: string): string {
  const u = fileUri(normalizePath(dir));
  return u.endsWith('/') ? u : `${u}/`;
}

/**
 * Where a reported file is, for SARIF: relative to `cwd` under %SRCROOT% when it is inside it
 * (what code scanning maps onto the repository), an absolute file URI when it is not, and a
 * description only for standard input (`-`).
 */
export function artifactLocation(filePath: string, cwd?: string): SarifArtifactLocation {
  if (filePath === '-') return { description: { text: 'standard input' } };
  if (!cwd) {
    const p = normalizePath(filePath);
    return isAbsolutePath(p) ? { uri: fileUri(p) } : { uri: encodePath(p), uriBaseId: SRCROOT };
  }
  const root = normalizePath(cwd);
  const abs = isAbsolutePath(filePath) ? normalizePath(filePath) : normalizePath(`${root}/${filePath}`);
  const prefix = root.endsWith('/') ? root : `${root}/`;
  if (abs.startsWith(prefix)) return { uri: encodePath(abs.slice(prefix.length)), uriBaseId: SRCROOT };
  return { uri: fileUri(abs) };
}

// --- fingerprints ----------------------------------------------------------------------------

async function sha256Hex(s: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The public fields a result's fingerprint is made of: what the finding shows anyway. */
function identityOf(file: string, f: Pick<Finding, 'ruleId' | 'yamlPath' | 'kind' | 'preview'>): string {
  return [f.ruleId, file, f.yamlPath, f.kind ?? '', f.preview ?? ''].join('\u0000');
}

/**
 * A finding's stable identity across runs and line moves: SHA-256 of rule id, file, YAML path,
 * kind and masked preview (all public, already redacted fields the log shows anyway), then
 * `:n` for the n-th finding with that identity in the file. A credential's value is never an
 * input, salted or not. The preview is there so that another key pasted where a dismissed
 * one was is a new alert, not the dismissed one.
 */
export async function sarifFingerprint(file: string, f: Pick<Finding, 'ruleId' | 'yamlPath' | 'kind' | 'preview'>, occurrence: number): Promise<string> {
  return `${await sha256Hex(identityOf(file, f))}:${occurrence}`;
}

// --- the log ---------------------------------------------------------------------------------

function resultProperties(f: Finding): Record<string, string> | undefined {
  const p: Record<string, string> = {};
  if (f.yamlPath) p.yamlPath = f.yamlPath;
  if (f.kind) p.kind = f.kind;
  if (f.preview) p.preview = f.preview;
  if (f.accountId) p.accountId = f.accountId;
  if (f.fix) p.fix = f.fix;
  return Object.keys(p).length ? p : undefined;
}

/** SARIF columns and lines are 1-based; a region never starts before 1:1 or ends before it starts. */
function region(f: Finding): SarifRegion {
  const startLine = Math.max(1, f.line);
  const startColumn = Math.max(1, f.column);
  const endLine = Math.max(1, f.endLine);
  const endColumn = Math.max(1, f.endColumn);
  if (endLine < startLine || (endLine === startLine && endColumn < startColumn)) return { startLine, startColumn, endLine: startLine, endColumn: startColumn };
  return { startLine, startColumn, endLine, endColumn };
}

export async function buildSarif(report: Report, opts: SarifOptions): Promise<SarifLog> {
  const projectUrl = opts.projectUrl ?? PROJECT_URL;
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  const results: SarifResult[] = [];
  for (const file of report.files) {
    const location = artifactLocation(file.path, opts.cwd);
    const fileKey = location.uri ?? file.path;
    const seen = new Map<string, number>();
    for (const f of file.findings) {
      const identity = identityOf(fileKey, f);
      const occurrence = (seen.get(identity) ?? 0) + 1;
      seen.set(identity, occurrence);
      const ruleIndex = index.get(f.ruleId);
      const properties = resultProperties(f);
      results.push({
        ruleId: f.ruleId,
        ...(ruleIndex === undefined ? {} : { ruleIndex }),
        level: SARIF_LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { ...location }, region: region(f) } }],
        partialFingerprints: { [FINGERPRINT_KEY]: await sarifFingerprint(fileKey, f, occurrence) },
        ...(properties ? { properties } : {}),
      });
    }
  }
  const run: SarifRun = {
    tool: {
      driver: {
        name: 'Rayguard',
        version: opts.version,
        ...(/^\d+\.\d+\.\d+(?:[-+].*)?$/.test(opts.version) ? { semanticVersion: opts.version } : {}),
        informationUri: projectUrl,
        rules: RULES.map((r) => ruleDescriptor(r, projectUrl)),
      },
    },
    ...(opts.cwd ? { originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(opts.cwd) } } } : {}),
    columnKind: 'unicodeCodePoints',
    results,
  };
  return { $schema: SARIF_SCHEMA_URI, version: SARIF_VERSION, runs: [run] };
}
