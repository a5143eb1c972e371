import { isEmpty, nodeRange } from '../config/nodes';
import type { StaticRule } from './types';

/** RG105: non-empty legacy head_node / worker_nodes sections (ignored by Ray >= 2.0). */
export const legacyFormat: StaticRule = {
  ids: ['RG105'],
  check: ({ model }) => {
    if (!model) return [];
    const out = [];
    for (const e of [model.legacyHead, model.legacyWorkers]) {
      if (!e || isEmpty(e.value)) continue;
      const r = nodeRange(e.pair.key) ?? [0, 0];
      out.push({ ruleId: 'RG105', start: r[0], end: r[1], yamlPath: e.key,
        message: `\`${e.key}\` is the legacy format, ignored by Ray 2.0 and later: move its settings into available_node_types.<type>.node_config${model.availableNodeTypes ? '' : ' and set head_node_type'}` });
    }
    return out;
  },
};
