import { effectiveProfile, usesLaunchTemplate } from '../config/walk';
import { canAddProfile } from '../fix/profile-insert';
import { legacyMigrationBlocker } from '../fix/legacy';
import { defaultProfileName } from '../iam/report';
import type { StaticRule } from './types';

/** RG201: the head node type has no IamInstanceProfile, so Ray falls back to ray-autoscaler-v1. */
export const headProfileMissing: StaticRule = {
  ids: ['RG201'],
  check: ({ model, isAws, parsed }) => {
    if (!model || !isAws) return [];
    const head = model.nodeTypes.find((n) => n.isHead);
    if (!head || effectiveProfile(model, head)) return [];
    // A legacy head gets its profile once the legacy format is migrated (RG105's correction).
    const fixable = canAddProfile(head) || (head.legacy && parsed.problems.length === 0 && !legacyMigrationBlocker(parsed, model));
    const name = defaultProfileName(model);
    const grants = name === 'ray-autoscaler-v1' ? 'AmazonEC2FullAccess and AmazonS3FullAccess' : 'AmazonEC2FullAccess, AmazonS3FullAccess and the CloudWatch agent\'s policies';
    if (usesLaunchTemplate(model, head)) {
      // Ray merges the template's data into node_config: a profile set there counts.
      return [{
        ruleId: 'RG201', severity: 'info' as const, start: head.keyRange[0], end: head.keyRange[1], yamlPath: head.path,
        message: `The head node type has no IamInstanceProfile in node_config but launches from a launch template: if the template sets one, Ray uses it; if not, Ray will use or create the account-wide \`${name}\` profile with ${grants}`,
      }];
    }
    return [{
      ruleId: 'RG201', start: head.keyRange[0], end: head.keyRange[1], yamlPath: head.path,
      message: head.defaulted
        ? `The config defines no node types, so Ray uses its default head node type \`ray.head.default\`, which has no IamInstanceProfile: Ray will use or create the account-wide \`${name}\` profile with ${grants}. Define available_node_types with an instance profile for the head`
        : `The head node type has no IamInstanceProfile: Ray will use or create the account-wide \`${name}\` profile with ${grants}. Set an instance profile in its node_config`,
      ...(fixable ? { fix: 'add-instance-profile' as const } : {}),
    }];
  },
};
