import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type AnySchema } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { RULES } from '@/lib/findings/catalogue';
import type { Finding, Report } from '@/lib/findings/types';
import {
  artifactLocation, buildSarif, FINGERPRINT_KEY, ruleHelpUri, SARIF_LEVEL, sarifFingerprint, type SarifLog,
} from '@/lib/findings/sarif';
import { validate } from '@/lib/validate';
import { demoIamSource } from '@/lib/iam/demo';
import { awsKeyId, awsSecret, githubClassic, huggingFaceToken, makeRng, pemBlock, sessionToken, slackBotToken } from '@/lib/secrets/synthetic';
import { EXAMPLES, exampleFiles, readSample, SAMPLES } from '../helpers/shared';

const ROOT = path.resolve(__dirname, '../..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const CWD = '/repo';

async function sarifOf(files: Record<string, string>, iam = false): Promise<SarifLog> {
  const report: Report = { version: 1, files: [] };
  for (const [p, text] of Object.entries(files)) report.files.push({ path: p, findings: await validate(text, iam ? { iam: demoIamSource() } : {}) });
  return buildSarif(report, { version: VERSION, cwd: CWD });
}

/** A config with credentials planted everywhere a user might put one (all synthetic). */
function plantedSecrets(seed: number): { text: string; secrets: string[] } {
  const rng = makeRng(seed);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);
  const token = sessionToken(rng);
  const gh = githubClassic(rng);
  const hf = huggingFaceToken(rng);
  const slack = slackBotToken(rng);
  const pem = pemBlock(rng, 'RSA', 6);
  const text = [
    'cluster_name: leaky',
    'provider:',
    '  type: aws',
    '  region: us-west-2',
    '  aws_credentials:',
    `    aws_access_key_id: ${id}`,
    `    aws_secret_access_key: ${secret}`,
    `    aws_session_token: ${token}`,
    `  iam_role_${id}: x`,
    'head_node_type: head',
    'available_node_types:',
    '  head:',
    '    node_config: {InstanceType: m5.large}',
    `  ${gh}:`,
    '    node_config: {}',
    'file_mounts:',
    `  "/home/ubuntu/${hf}": ~/x`,
    'setup_commands:',
    `  - export AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${secret}`,
    `  - git clone https://${gh}@github.com/o/r.git`,
    `  - echo ${id} >> a; echo ${id} >> b`, // two findings with the same identity
    `  - curl -H "Authorization: Bearer ${slack}" https://slack.com/api/auth.test`,
    '  - |',
    '    cat > key.pem <<EOF',
    `      ${pem}`,
    '    EOF',
    `# old: aws_secret_access_key = ${secret}`,
    '',
  ].join('\n');
  return { text, secrets: [id, secret, token, gh, hf, slack, ...pem.split('\n').map((l) => l.trim()).filter((l) => l.length > 40)] };
}

// --- the official schema ------------------------------------------------------------------------

/**
 * The SARIF 2.1.0 JSON schema, as shipped by the dev dependency @microsoft/jest-sarif (the
 * network here reaches only the npm registry). That copy is 2.1.0-rtm.5 in draft-04 form; the
 * only draft-04 keyword it uses is its top-level `id`, so it is read as draft-07 with `$id`.
 * RAYGUARD_SARIF_SCHEMA points at another copy (draft-04, -07 or 2020-12).
 */
const SCHEMA_PATH = process.env.RAYGUARD_SARIF_SCHEMA ?? path.join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

function officialValidator() {
  if (!existsSync(SCHEMA_PATH)) {
    throw new Error(`The SARIF 2.1.0 schema is not at ${SCHEMA_PATH}: install the dev dependency @microsoft/jest-sarif (npm ci).`);
  }
  const raw = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  const { $schema, id, ...rest } = raw;
  const draft2020 = typeof $schema === 'string' && $schema.includes('2020-12');
  const schema = { ...rest, ...(typeof id === 'string' ? { $id: id } : {}) };
  // strict off: the schema is not ours to lint. unicodeRegExp off: rtm.5's `language` pattern
  // (`...]?$`) is valid only without the u flag, as in the ECMAScript regexes it was written for.
  const opts = { allErrors: true, strict: false, unicodeRegExp: false } as const;
  const ajv = draft2020 ? new Ajv2020(opts) : new Ajv(opts);
  ajv.addFormat('uri', (s: string) => URL.canParse(s) && /^[a-z][a-z0-9+.-]*:/i.test(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///') && !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s));
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv.compile(schema as AnySchema);
}

describe('SARIF output', () => {
  it('one run; the driver lists every catalogued rule with its docs, help and default level', async () => {
    const log = await sarifOf({ 'keys.yaml': readSample('keys') });
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.columnKind).toBe('unicodeCodePoints');
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///repo/' } });
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: 'Rayguard', version: VERSION, informationUri: expect.stringMatching(/^https:\/\//) });
    expect(driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    const docs = readFileSync(path.join(ROOT, 'docs/rules.md'), 'utf8');
    for (const [i, r] of RULES.entries()) {
      const d = driver.rules[i];
      expect(d.name).toBe(r.name);
      expect(d.shortDescription.text).toBe(r.summary);
      expect(d.fullDescription.text).toBe(r.why);
      expect(d.help.text).toContain(r.howToFix);
      expect(d.help.markdown).toContain(r.howToFix);
      if (r.example) {
        expect(d.help.text).toContain(r.example);
        expect(d.help.markdown).toContain('```yaml\n' + r.example + '\n```');
      }
      for (const f of r.fixes ?? []) expect(d.help.markdown).toContain(`\`${f}\``);
      expect(d.defaultConfiguration.level).toBe(SARIF_LEVEL[r.severity]);
      expect(d.helpUri).toBe(ruleHelpUri(r.id));
      // The link's anchor is one docs/rules.md defines.
      const anchor = d.helpUri.split('#')[1];
      expect(d.helpUri).toMatch(/\/docs\/rules\.md#rg\d{3}$/);
      expect(docs).toContain(`<a id="${anchor}"></a>`);
      const security = ['RG2', 'RG3', 'RG4'].includes(r.id.slice(0, 3));
      expect(d.properties.tags.includes('security')).toBe(security);
      expect(d.properties['security-severity'] !== undefined).toBe(security);
    }
    expect(SARIF_LEVEL).toEqual({ error: 'error', warning: 'warning', info: 'note' });
  });

  it('results: rule id and index, level from the finding, message, region, public properties', async () => {
    const texts = { 'keys.yaml': readSample('keys'), 'full.yaml': readFileSync(path.join(EXAMPLES, 'aws_example-full.yaml'), 'utf8') };
    const log = await sarifOf(texts, true);
    const findings: { file: string; f: Finding }[] = [];
    for (const [file, text] of Object.entries(texts)) for (const f of await validate(text, { iam: demoIamSource() })) findings.push({ file, f });
    const results = log.runs[0].results;
    expect(results).toHaveLength(findings.length);
    expect(new Set(results.map((r) => r.level))).toEqual(new Set(['error', 'warning', 'note']));
    for (const [i, r] of results.entries()) {
      const { file, f } = findings[i];
      expect(r.ruleId).toBe(f.ruleId);
      expect(log.runs[0].tool.driver.rules[r.ruleIndex!].id).toBe(f.ruleId);
      expect(r.level).toBe(SARIF_LEVEL[f.severity]);
      expect(r.message.text).toBe(f.message);
      expect(r.locations).toEqual([{
        physicalLocation: {
          artifactLocation: { uri: file, uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        },
      }]);
      const props = { yamlPath: f.yamlPath, kind: f.kind, preview: f.preview, accountId: f.accountId, fix: f.fix };
      expect(r.properties).toEqual(Object.fromEntries(Object.entries(props).filter(([, v]) => v)));
      expect(r.partialFingerprints[FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{64}:\d+$/);
    }
    // A clean run still has a results array (code scanning requires it).
    const clean = await sarifOf({ 'clean.yaml': readSample('clean') }, true);
    expect(clean.runs[0].results).toEqual([]);
  });

  it('regions: CRLF files give the LF regions; columns count code points, 1-based, end exclusive', async () => {
    const rng = makeRng(7);
    const id = awsKeyId(rng);
    const lines = [
      'cluster_name: "集群 🚀"',
      'provider: {type: aws, region: us-west-2}',
      'setup_commands:',
      `  - echo "🚀 ключ 𝔘" && export AWS_ACCESS_KEY_ID=${id}`,
      '',
    ];
    const lf = await sarifOf({ 'a.yaml': lines.join('\n') });
    const crlf = await sarifOf({ 'a.yaml': lines.join('\r\n') });
    const regions = (l: SarifLog) => l.runs[0].results.map((r) => [r.ruleId, r.locations[0].physicalLocation.region]);
    expect(regions(crlf)).toEqual(regions(lf));
    const hit = lf.runs[0].results.find((r) => r.ruleId === 'RG401')!;
    const line = lines[3];
    const startColumn = [...line.slice(0, line.indexOf(id))].length + 1;
    expect(hit.locations[0].physicalLocation.region).toEqual({ startLine: 4, startColumn, endLine: 4, endColumn: startColumn + id.length });
    // In UTF-16 code units the column would differ: the emoji and 𝔘 are two units each.
    expect(line.indexOf(id) + 1).toBe(startColumn + 2);
  });

  it('a multi-line secret ends on its last line', async () => {
    const rng = makeRng(11);
    const pem = pemBlock(rng, 'RSA', 4);
    const text = `cluster_name: x\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - |\n${pem}\n`;
    const log = await sarifOf({ 'pem.yaml': text });
    const hit = log.runs[0].results.find((r) => r.ruleId === 'RG404')!;
    const reg = hit.locations[0].physicalLocation.region;
    expect(reg.startLine).toBe(5);
    expect(reg.endLine).toBeGreaterThan(reg.startLine);
  });

  it('holds no secret anywhere, not even a long piece of one', async () => {
    for (const seed of [1, 2, 3, 99, 12345]) {
      const { text, secrets } = plantedSecrets(seed);
      const log = await sarifOf({ 'leaky.yaml': text }, true);
      expect(log.runs[0].results.length).toBeGreaterThan(5);
      expect(log.runs[0].results.filter((r) => r.ruleId === 'RG101')).toEqual([]); // the YAML is valid
      const out = JSON.stringify(log);
      for (const s of secrets) {
        expect(text).toContain(s);
        expect(out).not.toContain(s);
        expect(out).not.toContain(s.slice(4, 16));
      }
    }
  });

  it('fingerprints: stable across runs and line moves, per file, made of public fields only', async () => {
    const a = plantedSecrets(5);
    const b = plantedSecrets(6); // same structure, other secret values
    const fps = (l: SarifLog) => l.runs[0].results.map((r) => `${r.ruleId} ${r.partialFingerprints[FINGERPRINT_KEY]}`);
    const first = await sarifOf({ 'leaky.yaml': a.text });
    expect(fps(await sarifOf({ 'leaky.yaml': a.text }))).toEqual(fps(first));
    // Moved down by a comment: same fingerprints.
    expect(fps(await sarifOf({ 'leaky.yaml': `# moved\n\n${a.text}` })).sort()).toEqual(fps(first).sort());
    // Another file: other fingerprints.
    const other = await sarifOf({ 'other.yaml': a.text });
    for (const fp of fps(other)) expect(fps(first)).not.toContain(fp);
    // Each is the hash of the fields the result shows, in the order sarifFingerprint takes them:
    // no input beyond them, so nothing of a secret but its masked preview.
    const seen = new Map<string, number>();
    for (const r of first.runs[0].results) {
      const p = r.properties ?? {};
      const key = [r.ruleId, p.yamlPath, p.kind, p.preview].join('|');
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      expect(r.partialFingerprints[FINGERPRINT_KEY]).toBe(await sarifFingerprint('leaky.yaml', { ruleId: r.ruleId, yamlPath: p.yamlPath ?? '', kind: p.kind, preview: p.preview }, n));
    }
    // Another key in the same place is a new result (a dismissed alert does not hide it);
    // findings that hold no credential keep their fingerprints.
    const second = (await sarifOf({ 'leaky.yaml': b.text })).runs[0].results;
    expect(second.map((r) => r.ruleId)).toEqual(first.runs[0].results.map((r) => r.ruleId));
    let changed = 0;
    for (const [i, r] of first.runs[0].results.entries()) {
      const same = r.partialFingerprints[FINGERPRINT_KEY] === second[i].partialFingerprints[FINGERPRINT_KEY];
      // (A PEM's preview is its masked armour line, the same for every key of that type.)
      expect(same).toBe(r.properties?.preview === second[i].properties?.preview && r.properties?.yamlPath === second[i].properties?.yamlPath);
      if (!same) changed++;
    }
    expect(changed).toBeGreaterThan(5);
    // Two findings with the same identity in one file are told apart by their occurrence.
    const all = fps(first);
    expect(new Set(all).size).toBe(all.length);
    expect(all.some((x) => x.endsWith(':2'))).toBe(true);
  });

  it('artifact locations: relative under %SRCROOT%, encoded; absolute outside the directory; stdin described', () => {
    expect(artifactLocation('configs/a.yaml', '/repo')).toEqual({ uri: 'configs/a.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('./configs/../configs//a.yaml', '/repo')).toEqual({ uri: 'configs/a.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('/repo/x/my cluster#1.yaml', '/repo/')).toEqual({ uri: 'x/my%20cluster%231.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('конфиг.yaml', '/repo')).toEqual({ uri: encodeURIComponent('конфиг.yaml'), uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('a:b.yaml', '/repo').uri).toBe('a%3Ab.yaml'); // not read as a scheme
    expect(artifactLocation('../other/a.yaml', '/repo')).toEqual({ uri: 'file:///other/a.yaml' });
    expect(artifactLocation('/repository/a.yaml', '/repo')).toEqual({ uri: 'file:///repository/a.yaml' });
    expect(artifactLocation('C:\\work\\a.yaml', 'C:\\work')).toEqual({ uri: 'a.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('-', '/repo')).toEqual({ description: { text: 'standard input' } });
    expect(artifactLocation('a.yaml')).toEqual({ uri: 'a.yaml', uriBaseId: '%SRCROOT%' });
  });

  it('validates against the SARIF 2.1.0 schema', async () => {
    const check = officialValidator();
    const logs: SarifLog[] = [
      await sarifOf({}),
      await sarifOf({ 'clean.yaml': readSample('clean') }),
      await sarifOf({ 'leaky.yaml': plantedSecrets(3).text, 'configs/sub dir/ключ.yaml': plantedSecrets(4).text }, true),
      await sarifOf(Object.fromEntries(exampleFiles().map((f) => [`examples/${f}`, readFileSync(path.join(EXAMPLES, f), 'utf8')])), true),
      await sarifOf(Object.fromEntries(['keys', 'role-arn', 'legacy', 'head-permissions'].map((s) => [path.join(SAMPLES, `${s}.yaml`), readSample(s)])), true),
      await sarifOf({ 'bad.yaml': '\u0000\u00ff: [', 'empty.yaml': '', 'alias.yaml': 'a: &a [*a]\n' }),
      await buildSarif({ version: 1, files: [{ path: '-', findings: await validate(readSample('keys')) }, { path: '../up.yaml', findings: [] }] }, { version: VERSION, cwd: CWD }),
    ];
    for (const log of logs) {
      const ok = check(JSON.parse(JSON.stringify(log)));
      expect(check.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
    // The validator does reject what SARIF forbids.
    const bad = JSON.parse(JSON.stringify(logs[2])) as { runs: { results: Record<string, unknown>[] }[] };
    bad.runs[0].results[0].level = 'info';
    expect(check(bad)).toBe(false);
    const zero = JSON.parse(JSON.stringify(logs[2])) as SarifLog;
    zero.runs[0].results[0].locations[0].physicalLocation.region.startColumn = 0;
    expect(check(zero)).toBe(false);
  });
});
