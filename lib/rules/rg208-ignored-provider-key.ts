import { entries, joinPath, nodeRange } from '../config/nodes';
import { isProfileKey } from '../config/walk';
import type { StaticRule } from './types';

const LOOKS_LIKE_IAM = /^(?:iam|instance|head|worker|node)?_?(?:iam_?)?(?:role|roles|instance_?profile|profile|role_?arn|role_?name|instance_?role)(?:_?(?:arn|name))?$/i;

/** RG208: provider keys that look like IAM settings, which Ray ignores. */
export const ignoredProviderKey: StaticRule = {
  ids: ['RG208'],
  check: ({ model, isAws }) => {
    if (!model || !isAws || !model.provider) return [];
    return entries(model.doc, model.provider)
      .filter((e) => !isProfileKey(e.key) && LOOKS_LIKE_IAM.test(e.key))
      .map((e) => {
        const r = nodeRange(e.pair.key) ?? [0, 0];
        return { ruleId: 'RG208', start: r[0], end: r[1], yamlPath: joinPath('provider', e.key),
          message: `Ray ignores provider.${e.key}: it reads instance profiles only from available_node_types.<type>.node_config.IamInstanceProfile` };
      });
  },
};
