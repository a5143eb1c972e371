import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { describeArnProblem, findPlaceholder, IAM_NAME, parseIamArn, partitionOfRegion, type IamArn } from '../arn/index';
import { entries, isEmpty, joinPath, nodeRange, scalarString, type Range } from '../config/nodes';
import type { InstanceProfileRef } from '../config/walk';
import type { RawFinding, RuleContext } from './types';
import { containerOf, keyCasingEdit } from '../fix/profile-ops';

/** What an `IamInstanceProfile` value says, once read. */
export interface ProfileValue {
  ref: InstanceProfileRef;
  /** A well-formed instance-profile ARN, when there is one. */
  arn?: IamArn;
  /** A well-formed profile name (from `Name:`), when there is one. */
  name?: string;
  /** Where the Arn / Name value is written. */
  valueRange?: Range;
  valuePath?: string;
  problems: RawFinding[];
}

const cache = new WeakMap<RuleContext, ProfileValue[]>();

/** Reads every profile once; the RG203–RG209 rules each report their own part of it. */
export function profileValues(ctx: RuleContext): ProfileValue[] {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const out = (ctx.model?.profiles ?? []).map((ref) => readProfile(ctx, ref));
  cache.set(ctx, out);
  return out;
}

function readProfile(ctx: RuleContext, ref: InstanceProfileRef): ProfileValue {
  const model = ctx.model!;
  const pv: ProfileValue = { ref, problems: [] };
  const keyRange = nodeRange(ref.entry.pair.key) ?? [0, 0];
  const value = ref.entry.value;
  const at = (r: Range | null | undefined) => r ?? keyRange;
  const add = (ruleId: string, range: Range | null | undefined, message: string, yamlPath = ref.path, extra: Partial<RawFinding> = {}) =>
    pv.problems.push({ ruleId, start: at(range)[0], end: at(range)[1], message, yamlPath, ...extra });

  const clean = ctx.parsed.problems.length === 0;
  if (ref.keyName !== 'IamInstanceProfile') {
    // In node_config, or in a legacy section (whose text the migration moves as it is).
    const fixable = clean && (ref.placement === 'node_config' || ref.placement === 'legacy') && !ref.entry.merged
      && !!keyCasingEdit(model, containerOf(model, ref), ref.entry.pair.key, 'IamInstanceProfile');
    add('RG203', keyRange, `The key must be spelled \`IamInstanceProfile\` (EC2 parameter names are case-sensitive); Ray and EC2 ignore or reject this spelling`, ref.path,
      fixable ? { fix: 'fix-profile-key-casing' } : {});
  }
  if (value === null || isEmpty(value) && !isSeq(value)) {
    add('RG203', nodeRange(value) ?? keyRange, 'IamInstanceProfile is empty: give it `Arn: <instance-profile ARN>` or `Name: <profile name>`. An empty value also stops Ray from setting up its default profile');
    return pv;
  }
  if (isSeq(value)) {
    add('RG203', nodeRange(value), 'IamInstanceProfile is a list; it must be a mapping with `Arn:` or `Name:`');
    return pv;
  }
  if (isScalar(value)) {
    const s = scalarString(value) ?? '';
    const hint = s.startsWith('arn:') ? 'write it as `IamInstanceProfile: {Arn: <the ARN>}`' : 'write it as `IamInstanceProfile: {Name: <the name>}` or with `Arn:`';
    add('RG203', nodeRange(value), `IamInstanceProfile is a plain value, not a mapping: ${hint}`);
    return pv;
  }
  if (!isMap(value)) {
    add('RG203', nodeRange(value), 'IamInstanceProfile must be a mapping with `Arn:` or `Name:`');
    return pv;
  }
  let arnEntry: ReturnType<typeof entries>[number] | undefined;
  let nameEntry: ReturnType<typeof entries>[number] | undefined;
  for (const e of entries(model.doc, value)) {
    const kr = nodeRange(e.pair.key);
    if (e.key === 'Arn') arnEntry = e;
    else if (e.key === 'Name') nameEntry = e;
    else if (e.key.toLowerCase() === 'arn' || e.key.toLowerCase() === 'name') {
      const want = e.key.toLowerCase() === 'arn' ? 'Arn' : 'Name';
      const fixable = clean && !e.merged && !!keyCasingEdit(model, value, e.pair.key, want);
      add('RG203', kr, `The key must be spelled \`${want}\`: EC2 parameter names are case-sensitive`, joinPath(ref.path, e.key), fixable ? { fix: 'fix-profile-key-casing' } : {});
    } else {
      add('RG203', kr, 'IamInstanceProfile takes only `Arn` or `Name`; EC2 rejects other keys', joinPath(ref.path, e.key));
    }
  }
  if (arnEntry && nameEntry) {
    add('RG203', keyRange, 'IamInstanceProfile has both `Arn` and `Name`; EC2 accepts only one of them (keep `Arn`)');
  } else if (!arnEntry && !nameEntry && pv.problems.length === 0) {
    add('RG203', keyRange, 'IamInstanceProfile has neither `Arn` nor `Name`');
  }
  if (arnEntry) readArn(ctx, pv, arnEntry.value, joinPath(ref.path, 'Arn'), keyRange);
  if (nameEntry) readName(pv, nameEntry.value, joinPath(ref.path, 'Name'), keyRange);
  return pv;
}

function readArn(ctx: RuleContext, pv: ProfileValue, node: Node | null, path: string, fallback: Range) {
  const range = nodeRange(node) ?? fallback;
  const add = (ruleId: string, message: string, extra: Partial<RawFinding> = {}) =>
    pv.problems.push({ ruleId, start: range[0], end: range[1], message, yamlPath: path, ...extra });
  const s = scalarString(node);
  if (s === null || s === '') {
    add('RG203', '`Arn` is empty: give the instance-profile ARN');
    return;
  }
  if (!isScalar(node) || typeof node.value !== 'string') {
    add('RG204', '`Arn` must be a string ARN');
    return;
  }
  if (findPlaceholder(s)) {
    add('RG207', 'The ARN still holds a placeholder; put in the real account id and profile name');
    return;
  }
  const p = parseIamArn(s.trim() === s ? s : s.trim());
  if (s.trim() !== s) {
    add('RG204', 'The ARN has spaces or line breaks around it; remove them');
    return;
  }
  if (!p.ok) {
    add('RG204', `Not a valid instance-profile ARN: ${describeArnProblem(p.problem)}`);
    return;
  }
  if (p.value.resourceType === 'role') {
    add('RG205', 'This is a role ARN; EC2 needs the ARN of an instance profile that contains the role (`…:instance-profile/<name>`)', { fix: 'use-instance-profile-arn' });
    pv.valueRange = range;
    pv.valuePath = path;
    return;
  }
  if (p.value.resourceType !== 'instance-profile') {
    add('RG204', `Not a valid instance-profile ARN: ${describeArnProblem('resource-type')}`);
    return;
  }
  const region = ctx.model?.region;
  if (region) {
    const want = partitionOfRegion(region);
    if (want !== p.value.partition) {
      add('RG209', `The ARN is in partition \`${p.value.partition}\` but region \`${region}\` is in \`${want}\`: use a profile from the cluster's partition`);
    }
  }
  pv.arn = p.value;
  pv.valueRange = range;
  pv.valuePath = path;
}

function readName(pv: ProfileValue, node: Node | null, path: string, fallback: Range) {
  const range = nodeRange(node) ?? fallback;
  const add = (ruleId: string, message: string) =>
    pv.problems.push({ ruleId, start: range[0], end: range[1], message, yamlPath: path });
  const s = scalarString(node);
  if (s === null || s === '') {
    add('RG203', '`Name` is empty: give the instance profile name');
    return;
  }
  if (findPlaceholder(s)) {
    add('RG207', 'The profile name is a placeholder; put in the real profile name');
    return;
  }
  if (s.startsWith('arn:')) {
    add('RG204', '`Name` holds an ARN; use `Arn:` for ARNs, or give the bare profile name');
    return;
  }
  if (s.length > 128 || !IAM_NAME.test(s)) {
    add('RG204', 'Not a valid instance profile name: 1-128 letters, digits or `+=,.@_-`, no path');
    return;
  }
  if (!pv.arn) {
    pv.name = s;
    pv.valueRange = range;
    pv.valuePath = path;
  }
}

/** The profile refs Ray actually reads: exactly `IamInstanceProfile`, inside a node_config. */
export function isEffective(pv: ProfileValue): boolean {
  return pv.ref.placement === 'node_config' && pv.ref.keyName === 'IamInstanceProfile';
}
