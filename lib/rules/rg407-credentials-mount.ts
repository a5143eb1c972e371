import { credentialMounts } from '../fix/credentials-mount';
import type { RawFinding, StaticRule } from './types';

/** RG407: `~/.aws` or another credentials file synced by file_mounts or mounted into docker. */
export const credentialsMount: StaticRule = {
  ids: ['RG407'],
  check: ({ model, parsed }) => {
    if (!model) return [];
    return credentialMounts(model).map((m): RawFinding => ({
      ruleId: 'RG407', start: m.range[0], end: m.range[1], yamlPath: m.yamlPath,
      message: `${m.what}: your local keys end up on the cluster. Remove it and give the node types instance profiles`,
      ...(parsed.problems.length === 0 && m.edit(parsed.lines) ? { fix: 'remove-credentials-mount' as const } : {}),
    }));
  },
};
