/**
 * docs/iam-policy.json, the dashboard's own least-privilege policy, cannot drift from the code:
 * every `…Command` the source sends through @aws-sdk/client-iam or @aws-sdk/client-sts must be
 * allowed (checked with Rayguard's own evaluator on a realistic resource), and the policy allows
 * nothing else. sts:GetCallerIdentity needs no permission (IAM never denies it), so it is not listed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../lib/iam/evaluate';
import type { PolicyDocument, PolicyStatement } from '../../lib/iam/types';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where the server and the CLI talk to AWS. */
const SCANNED = ['lib', 'app', 'bin', 'instrumentation.ts'];
const CLIENTS: Record<string, 'iam' | 'sts'> = { '@aws-sdk/client-iam': 'iam', '@aws-sdk/client-sts': 'sts' };
/** Calls AWS authorizes for every principal. */
const NO_PERMISSION_NEEDED = new Set(['sts:GetCallerIdentity']);

function sourceFiles(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  if (statSync(abs).isFile()) return [abs];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(?:ts|tsx|mts|mjs|js)$/.test(f) && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.join(abs, f));
}

/** `iam:GetRole`, … for every Command imported from an AWS client module and constructed with `new`. */
function actionsInCode(): { actions: Set<string>; files: string[] } {
  const actions = new Set<string>();
  const files: string[] = [];
  for (const file of SCANNED.flatMap(sourceFiles)) {
    const text = readFileSync(file, 'utf8');
    const imported = new Map<string, 'iam' | 'sts'>();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/client-(?:iam|sts))['"]/g)) {
      for (const name of m[1].split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim())) {
        if (/Command$/.test(name)) imported.set(name, CLIENTS[m[2]]);
      }
    }
    // A dynamic import or a namespace import would hide Commands from this scan: refuse them.
    expect(text, `${path.relative(ROOT, file)}: import AWS clients with a named import`).not.toMatch(/import\s*\*\s*as\s+\w+\s+from\s*['"]@aws-sdk\/client-(?:iam|sts)['"]|import\(\s*['"]@aws-sdk\/client-(?:iam|sts)['"]\s*\)/);
    if (imported.size === 0) continue;
    files.push(path.relative(ROOT, file));
    for (const m of text.matchAll(/new\s+(\w+Command)\s*\(/g)) {
      const service = imported.get(m[1]);
      if (service) actions.add(`${service}:${m[1].replace(/Command$/, '')}`);
    }
  }
  return { actions, files };
}

const policy = JSON.parse(readFileSync(path.join(ROOT, 'docs/iam-policy.json'), 'utf8')) as PolicyDocument;
const statementsOf = (doc: PolicyDocument): PolicyStatement[] => (Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []);
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A resource each action really touches (the account and names are examples). */
const RESOURCES: Record<string, string[]> = {
  'iam:GetInstanceProfile': ['arn:aws:iam::123456789012:instance-profile/ray-head-v1'],
  'iam:ListInstanceProfiles': ['arn:aws:iam::123456789012:instance-profile/*'],
  'iam:ListInstanceProfilesForRole': ['arn:aws:iam::123456789012:role/ray-head-v1'],
  'iam:GetRole': ['arn:aws:iam::123456789012:role/ray-head-v1', 'arn:aws:iam::123456789012:role/team/ray-worker'],
  'iam:ListAttachedRolePolicies': ['arn:aws:iam::123456789012:role/ray-head-v1'],
  'iam:ListRolePolicies': ['arn:aws:iam::123456789012:role/ray-head-v1'],
  'iam:GetRolePolicy': ['arn:aws:iam::123456789012:role/ray-head-v1'],
  'iam:GetPolicy': ['arn:aws:iam::aws:policy/AmazonEC2FullAccess', 'arn:aws:iam::123456789012:policy/ray-boundary'],
  'iam:GetPolicyVersion': ['arn:aws:iam::aws:policy/AmazonS3FullAccess', 'arn:aws:iam::123456789012:policy/ray-autoscaler'],
  'iam:SimulatePrincipalPolicy': ['arn:aws:iam::123456789012:role/ray-head-v1'],
  'sts:AssumeRole': ['arn:aws:iam::111122223333:role/rayguard-reader'],
};

const allowed = (action: string, resource: string) => evaluate({ action, resource, closedWorld: true }, [{ name: 'rayguard', document: policy }]).decision;

describe('docs/iam-policy.json', () => {
  const { actions, files } = actionsInCode();

  it('the scan finds the AWS calls (guards the scanner itself)', () => {
    expect(files).toContain('lib/iam/live.ts');
    expect(actions).toContain('iam:GetInstanceProfile');
    expect(actions).toContain('sts:AssumeRole');
    expect(actions).toContain('sts:GetCallerIdentity');
  });

  it('lists exactly the calls the code makes (less those that need no permission)', () => {
    const needed = [...actions].filter((a) => !NO_PERMISSION_NEEDED.has(a)).sort();
    const granted = statementsOf(policy).flatMap((s) => list(s.Action)).sort();
    expect(granted).toEqual([...new Set(granted)].sort()); // no action twice
    expect(granted).toEqual(needed);
  });

  it('allows each call on the resources it touches', () => {
    for (const action of actions) {
      if (NO_PERMISSION_NEEDED.has(action)) continue;
      expect(RESOURCES[action], `add example resources for ${action} to this test`).toBeDefined();
      for (const resource of RESOURCES[action]) expect(`${action} ${resource}: ${allowed(action, resource)}`).toBe(`${action} ${resource}: allowed`);
    }
  });

  it('is read-only IAM plus AssumeRole of the reader role, and nothing broader', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of statementsOf(policy)) {
      expect(s.Effect).toBe('Allow');
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      for (const k of ['NotAction', 'NotResource', 'Principal', 'NotPrincipal', 'Condition'] as const) expect(s[k]).toBeUndefined();
      for (const a of list(s.Action)) expect(a).toMatch(/^(?:iam:(?:Get|List)\w+|iam:SimulatePrincipalPolicy|sts:AssumeRole)$/);
      for (const r of list(s.Resource)) expect(r).not.toBe('*');
    }
    for (const [action, resource] of [
      ['iam:PassRole', 'arn:aws:iam::123456789012:role/ray-head-v1'],
      ['iam:CreateRole', 'arn:aws:iam::123456789012:role/x'],
      ['iam:PutRolePolicy', 'arn:aws:iam::123456789012:role/ray-head-v1'],
      ['iam:GetUser', 'arn:aws:iam::123456789012:user/alice'],
      ['iam:ListAccessKeys', 'arn:aws:iam::123456789012:user/alice'],
      ['sts:AssumeRole', 'arn:aws:iam::111122223333:role/OrganizationAccountAccessRole'],
      ['ec2:RunInstances', '*'],
      ['s3:GetObject', 'arn:aws:s3:::bucket/key'],
    ]) {
      expect(`${action} ${resource}: ${allowed(action, resource)}`).toBe(`${action} ${resource}: implicit-deny`);
    }
  });
});
