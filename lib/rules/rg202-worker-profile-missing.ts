import { effectiveProfile, usesLaunchTemplate } from '../config/walk';
import type { StaticRule } from './types';

/** RG202: a worker node type has no IamInstanceProfile: its nodes get no AWS credentials. */
export const workerProfileMissing: StaticRule = {
  ids: ['RG202'],
  check: ({ model, isAws }) => {
    if (!model || !isAws) return [];
    return model.nodeTypes
      .filter((n) => !n.isHead && !effectiveProfile(model, n) && !usesLaunchTemplate(model, n))
      .map((n) => ({
        ruleId: 'RG202', start: n.keyRange[0], end: n.keyRange[1], yamlPath: n.path,
        message: `This worker node type has no IamInstanceProfile: its nodes get no AWS credentials (Ray never gives workers the head's profile). If they need S3 or other AWS access, give them a profile and allow the head role iam:PassRole on its role`,
      }));
  },
};
