import { isEmpty, nodeRange } from '../config/nodes';
import { legacyMigrationBlocker } from '../fix/legacy';
import type { RawFinding, StaticRule } from './types';

/** RG105: non-empty legacy head_node / worker_nodes sections (ignored by Ray >= 2.0). */
export const legacyFormat: StaticRule = {
  ids: ['RG105'],
  check: ({ model, parsed }) => {
    if (!model) return [];
    const found = [model.legacyHead, model.legacyWorkers].filter((e) => e && !isEmpty(e.value));
    if (found.length === 0) return [];
    // The migration is offered only when the layout can be migrated (structural checks, no re-parse).
    const blocker = parsed.problems.length === 0 ? legacyMigrationBlocker(parsed, model) : 'the YAML has syntax problems';
    const out: RawFinding[] = [];
    for (const e of found) {
      const r = nodeRange(e!.pair.key) ?? [0, 0];
      out.push({ ruleId: 'RG105', start: r[0], end: r[1], yamlPath: e!.key,
        message: (model.availableNodeTypes
          ? `\`${e!.key}\` is the legacy format, ignored by Ray 2.0 and later next to available_node_types: move its settings into available_node_types.<type>.node_config`
          : `\`${e!.key}\` is the legacy format: Ray 2.0 and later refuse a config without available_node_types and head_node_type. Move its settings into available_node_types.<type>.node_config and set head_node_type`)
          + (blocker ? ` (no automatic migration: ${blocker})` : ''),
        ...(blocker ? {} : { fix: 'migrate-legacy-format' as const }) });
    }
    return out;
  },
};
