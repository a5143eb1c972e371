import { nodeRange } from '../config/nodes';
import type { StaticRule } from './types';

/** RG104: head_node_type missing where Ray needs it, or not a key of available_node_types. */
export const headNodeType: StaticRule = {
  ids: ['RG104'],
  check: ({ model }) => {
    if (!model || !model.availableNodeTypes) return [];
    if (model.nodeTypes.some((n) => n.isHead)) return [];
    const names = model.nodeTypes.map((n) => n.name);
    if (model.headNodeTypeEntry) {
      const r = nodeRange(model.headNodeTypeEntry.value) ?? nodeRange(model.headNodeTypeEntry.pair.key) ?? [0, 0];
      return [{ ruleId: 'RG104', start: r[0], end: r[1], yamlPath: 'head_node_type',
        message: `head_node_type names no key of available_node_types${names.length ? ` (defined: ${names.slice(0, 8).join(', ')})` : ''}` }];
    }
    const r = nodeRange(model.availableNodeTypes.pair.key) ?? [0, 0];
    return [{ ruleId: 'RG104', start: r[0], end: r[1], yamlPath: 'head_node_type',
      message: 'head_node_type is missing and there is no `ray.head.default` node type: set head_node_type to the head\'s node type' }];
  },
};
