import { get, nodeRange } from '../config/nodes';
import type { StaticRule } from './types';

/** RG102: provider.type is not aws; the AWS checks are skipped. */
export const notAws: StaticRule = {
  ids: ['RG102'],
  check: ({ model, isAws }) => {
    if (!model || isAws || !model.provider) return [];
    const t = get(model.doc, model.provider, 'type');
    const r = nodeRange(t?.value) ?? nodeRange(model.providerEntry?.pair.key) ?? [0, 0];
    return [{ ruleId: 'RG102', start: r[0], end: r[1], yamlPath: 'provider.type', message: 'provider.type is not `aws`: the instance-profile and IAM checks are skipped (credential detection still runs)' }];
  },
};
