import { profileNameOf, RAY_DEFAULT_PROFILES } from '../fix/profile-ops';
import { profileValues } from './profile-value';
import { nodeRange } from '../config/nodes';
import type { RawFinding, StaticRule } from './types';

/**
 * RG210 profile-by-name: a well-formed profile given by `Name`, which IAM resolves in whatever
 * account launches the node; the ARN says which account and partition. RG211 ray-default-profile:
 * a node type names Ray's own default profile, which Ray creates with broad managed policies.
 */
export const profileChoice: StaticRule = {
  ids: ['RG210', 'RG211'],
  check: (ctx) => {
    const { model, isAws, parsed } = ctx;
    if (!model || !isAws) return [];
    const clean = parsed.problems.length === 0;
    const out: RawFinding[] = [];
    for (const pv of profileValues(ctx)) {
      // In node_config, whatever the key's casing (its own correction respells it).
      if (pv.ref.placement !== 'node_config' || !pv.ref.nodeType || pv.ref.entry.merged) continue;
      const named = profileNameOf(model, pv.ref);
      if (named && RAY_DEFAULT_PROFILES.has(named.name)) {
        const r = nodeRange(named.value) ?? [0, 0];
        out.push({
          ruleId: 'RG211', start: r[0], end: r[1], yamlPath: pv.valuePath ?? pv.ref.path,
          message: `\`${named.name}\` is the profile Ray creates for itself with AmazonEC2FullAccess and AmazonS3FullAccess: every node of this type could launch or terminate any instance and read or delete any bucket. Use a profile made for this node type`,
          ...(clean ? { fix: 'replace-default-profile' as const } : {}),
        });
        continue;
      }
      if (pv.name && pv.valueRange) {
        out.push({
          ruleId: 'RG210', start: pv.valueRange[0], end: pv.valueRange[1], yamlPath: pv.valuePath ?? pv.ref.path,
          message: 'The profile is given by `Name`: EC2 looks it up in whichever account launches the node. `Arn` names the account and partition, so a config used with another account fails clearly instead of picking up a namesake',
          ...(clean ? { fix: 'use-profile-arn-for-name' as const } : {}),
        });
      }
    }
    return out;
  },
};
