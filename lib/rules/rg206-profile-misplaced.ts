import { nodeRange } from '../config/nodes';
import type { StaticRule } from './types';
import { moveProfileEdits } from '../fix/profile-ops';

const WHERE = {
  node_type: 'at the node type level',
  provider: 'under provider',
  legacy: 'in a legacy head_node/worker_nodes section',
  'top-level': 'at the top level',
} as const;

/** RG206: IamInstanceProfile outside node_config, where Ray never reads it. */
export const profileMisplaced: StaticRule = {
  ids: ['RG206'],
  check: ({ model, isAws, parsed }) => {
    if (!model || !isAws) return [];
    return model.profiles
      .filter((p) => p.placement !== 'node_config')
      .map((p) => {
        const r = nodeRange(p.entry.pair.key) ?? [0, 0];
        const place = p.placement as keyof typeof WHERE;
        const movable = parsed.problems.length === 0 && !!moveProfileEdits(model, parsed.lines, p);
        return {
          ruleId: 'RG206', start: r[0], end: r[1], yamlPath: p.path,
          message: place === 'node_type'
            ? 'IamInstanceProfile at the node type level is rejected by Ray\'s schema (a node type takes node_config, resources, min_workers, ...): move it into this node type\'s node_config'
            : `IamInstanceProfile ${WHERE[place]} is ignored by Ray: move it into available_node_types.<type>.node_config`,
          ...(movable ? { fix: 'move-instance-profile' as const } : {}),
        };
      });
  },
};
