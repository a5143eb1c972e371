import { iamGlob } from './evaluate';
import type { PolicyDocument, PolicyStatement } from './types';

/** Policy documents arrive as objects (CLI, GAAD files) or URL-encoded JSON (the raw API). */
export function decodePolicy(doc: unknown): PolicyDocument | null {
  if (doc && typeof doc === 'object') return doc as PolicyDocument;
  if (typeof doc !== 'string') return null;
  const s = doc.trim();
  try {
    return JSON.parse(s.startsWith('{') ? s : decodeURIComponent(s)) as PolicyDocument;
  } catch {
    return null;
  }
}

function list(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

export function statements(doc: PolicyDocument | null): PolicyStatement[] {
  const s = doc?.Statement;
  if (!s) return [];
  return (Array.isArray(s) ? s : [s]).filter((x): x is PolicyStatement => !!x && typeof x === 'object' && !Array.isArray(x));
}

/** IAM action pattern match: case-insensitive, `*` and `?` wildcards (linear: no regex). */
export function actionMatches(pattern: string, action: string): boolean {
  return typeof pattern === 'string' && iamGlob(pattern, action, true);
}

/** A statement's Effect, or '' when it is not a string (IAM would refuse such a policy). */
const effectOf = (st: PolicyStatement) => (typeof st.Effect === 'string' ? st.Effect : '');

function statementCoversAction(st: PolicyStatement, action: string): boolean {
  if (st.Action !== undefined) return list(st.Action).some((p) => actionMatches(p, action));
  if (st.NotAction !== undefined) return !list(st.NotAction).some((p) => actionMatches(p, action));
  return false;
}

function principalServices(p: unknown): string[] | '*' {
  if (p === '*') return '*';
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if (o.AWS === '*') return '*';
    return list(o.Service);
  }
  return [];
}

export type TrustVerdict = { trusted: true; conditional: boolean } | { trusted: false; reason: string };

/** Does the trust policy let EC2 (`ec2.amazonaws.com`) assume the role? */
export function ec2CanAssume(trust: PolicyDocument | null): TrustVerdict {
  if (!trust) return { trusted: false, reason: 'the trust policy could not be read' };
  const ec2 = (s: string) => s === 'ec2.amazonaws.com' || s === 'ec2.amazonaws.com.cn';
  let allowed = false;
  let conditional = false;
  for (const st of statements(trust)) {
    if (!statementCoversAction(st, 'sts:AssumeRole')) continue;
    const svc = principalServices(st.Principal);
    const names = svc === '*' ? '*' : svc.filter(ec2);
    const matches = names === '*' || names.length > 0;
    if (!matches) continue;
    const hasCondition = !!st.Condition && typeof st.Condition === 'object' && Object.keys(st.Condition).length > 0;
    if (effectOf(st) === 'Deny') {
      // A conditional Deny may not apply to EC2's request: the trust is then only "maybe".
      if (!hasCondition) return { trusted: false, reason: 'a Deny statement in the trust policy refuses EC2' };
      conditional = true;
    }
    if (effectOf(st) === 'Allow') {
      allowed = true;
      if (hasCondition) conditional = true;
    }
  }
  return allowed ? { trusted: true, conditional } : { trusted: false, reason: 'no statement allows ec2.amazonaws.com to sts:AssumeRole' };
}

/** The services a trust policy allows to sts:AssumeRole, for messages. */
export function trustedServices(trust: PolicyDocument | null): string[] {
  const out = new Set<string>();
  for (const st of statements(trust)) {
    if (effectOf(st) !== 'Allow' || !statementCoversAction(st, 'sts:AssumeRole')) continue;
    const svc = principalServices(st.Principal);
    if (svc !== '*') svc.forEach((s) => out.add(s));
  }
  return [...out];
}
