import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fixConfig } from '@/lib/fix/plan';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';

/**
 * Removing credential-setting segments (`export K=V`) from a command chain must leave the shell
 * doing what it did: each such segment succeeds like `true`, so `A && K; C` is `A; C`, `A && K & C`
 * is `A & C`, and a `# comment` hides what follows it. Checked by running the commands in bash,
 * with the exports replaced by `true`, and the fixed command as it is.
 */
const rng = makeRng(2024);
const id = awsKeyId(rng);
const secret = awsSecret(rng);
const K1 = `export AWS_ACCESS_KEY_ID=${id}`;
const K2 = `export AWS_SECRET_ACCESS_KEY=${secret}`;

/** What bash prints for a command where a, b, c echo their names and f fails. */
function trace(cmd: string): string {
  const prelude = 'a(){ echo a; }; b(){ echo b; }; c(){ echo c; }; f(){ echo f; return 1; };';
  return execFileSync('bash', ['-c', `${prelude} ${cmd}\nwait`], { encoding: 'utf8' }).split('\n').sort().join(' ').trim();
}

const cases = [
  `a && ${K1} && ${K2}`,
  `a && ${K1}; b`,
  `a; ${K1} && b`,
  `a && ${K1} && ${K2}; b`,
  `a && ${K1}; ${K2} && b`,
  `a; ${K1} && ${K2} && b`,
  `${K1} && ${K2}; b`,
  `a && ${K1} && b && ${K2}; c`,
  `f && ${K1}; b`,
  `f && ${K1} && b; c`,
  `a && ${K1} & b`,
  `a; ${K1} # trailing; b`,
];

describe('credential segments leave the shell chain doing what it did', () => {
  it.each(cases.map((c) => [c.replace(id, 'ID').replace(secret, 'SECRET'), c]))('%s', async (_label, cmd) => {
    const text = `cluster_name: t\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - ${JSON.stringify(cmd)}\n`;
    const r = await fixConfig(text);
    expect(r.text).not.toContain(id);
    expect(r.text).not.toContain(secret);
    const fixed = (parseDocument(r.text).toJS() as { setup_commands: string[] }).setup_commands[0];
    const asTrue = cmd.replace(K1, 'true').replace(K2, 'true');
    expect(trace(fixed)).toBe(trace(asTrue));
    expect((await fixConfig(r.text)).text).toBe(r.text);
  });
});

describe('a plain command whose rest would read as YAML structure', () => {
  const s = awsSecret(makeRng(41));
  it.each([
    [`export AWS_SECRET_ACCESS_KEY=${s}; - foo && python a.py`, 'a nested list'],
    [`export AWS_SECRET_ACCESS_KEY=${s}; ? x`, 'a mapping'],
    [`AWS_SECRET_ACCESS_KEY=${s} - foo`, 'a nested list (env prefix)'],
  ])('%s is left for the user, never turned into %s', async (cmd) => {
    const text = `cluster_name: t\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - ${cmd}\n`;
    const r = await fixConfig(text);
    const cmds = (parseDocument(r.text).toJS() as { setup_commands: unknown[] }).setup_commands;
    expect(cmds.every((c) => typeof c === 'string')).toBe(true);
    expect(r.skipped.some((x) => x.ruleId === 'RG402')).toBe(true);
  });

  it('a plain command whose rest stays a string is still fixed', async () => {
    const text = `cluster_name: t\nprovider: {type: aws, region: us-west-2}\nsetup_commands:\n  - export AWS_SECRET_ACCESS_KEY=${s}; python a.py --opt=1\n`;
    const r = await fixConfig(text);
    expect(r.text).not.toContain(s);
    expect((parseDocument(r.text).toJS() as { setup_commands: string[] }).setup_commands).toEqual(['python a.py --opt=1']);
  });
});
