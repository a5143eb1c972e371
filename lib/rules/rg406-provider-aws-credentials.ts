import { get, nodeRange } from '../config/nodes';
import type { StaticRule } from './types';

/** RG406: provider.aws_credentials, which Ray copies to the head and caches in plain text. */
export const providerAwsCredentials: StaticRule = {
  ids: ['RG406'],
  check: ({ model }) => {
    if (!model?.provider) return [];
    const e = get(model.doc, model.provider, 'aws_credentials');
    if (!e) return [];
    const r = nodeRange(e.pair.key) ?? [0, 0];
    return [{
      ruleId: 'RG406', start: r[0], end: r[1], yamlPath: 'provider.aws_credentials', fix: 'remove-aws-credentials',
      message: 'provider.aws_credentials puts static AWS keys in the config: Ray copies the provider block to the head node (~/ray_bootstrap_config.yaml) and caches it in plain text. Remove it; run `ray up` with your normal AWS credential chain and give the head an instance profile',
    }];
  },
};
