import { entries } from '../config/nodes';
import { effectiveProfile, isProfileKey, usesLaunchTemplate, type ConfigModel, type NodeType } from '../config/walk';
import { canAddProfile } from '../fix/profile-insert';
import { workerAwsUse } from '../fix/profile-ops';
import type { RawFinding, StaticRule } from './types';

/**
 * A profile key of the node type's own, however spelt or placed. One written wrongly (a miscased
 * key in node_config, RG203; a key next to node_config, RG206) counts as its profile for RG202:
 * those rules report it with a correction that makes it the one Ray reads, and adding another
 * profile would leave two.
 */
export function hasOwnProfileKey(model: ConfigModel, n: NodeType): boolean {
  return [n.nodeConfig, n.node].some((m) => !!m && entries(model.doc, m).some((e) => isProfileKey(e.key)));
}

/** RG202: a worker node type has no IamInstanceProfile: its nodes get no AWS credentials. */
export const workerProfileMissing: StaticRule = {
  ids: ['RG202'],
  check: ({ model, isAws, parsed }) => {
    if (!model || !isAws) return [];
    return model.nodeTypes
      .filter((n) => !n.isHead && !effectiveProfile(model, n) && !hasOwnProfileKey(model, n) && !usesLaunchTemplate(model, n))
      .map((n): RawFinding => {
        const use = workerAwsUse(model, n);
        const base = { ruleId: 'RG202', start: n.keyRange[0], end: n.keyRange[1], yamlPath: n.path };
        if (!use) {
          return { ...base, message: 'This worker node type has no IamInstanceProfile: its nodes get no AWS credentials (Ray never gives workers the head\'s profile). If they need S3 or other AWS access, give them a profile and allow the head role iam:PassRole on its role' };
        }
        const fixable = parsed.problems.length === 0 && canAddProfile(n);
        return {
          ...base,
          message: `This worker node type has no IamInstanceProfile, yet its nodes use AWS (the setup ${use}): without a profile those calls fail for lack of credentials (Ray never gives workers the head's profile). Give it a profile and allow the head role iam:PassRole on its role`,
          ...(fixable ? { fix: 'add-worker-instance-profile' as const } : {}),
        };
      });
  },
};
