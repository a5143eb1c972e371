import type { RawFinding } from '../rules/types';
import type { Analysis } from '../validate';
import type { TextEdit } from './edits';

/**
 * RG105 `migrate-legacy-format`: legacy `head_node` / `worker_nodes` (and top-level `min_workers`)
 * become node types in `available_node_types`, with `head_node_type`; empty legacy sections go.
 * Returns the edits, or a one-line reason when the layout cannot be migrated safely.
 */
export function planLegacyMigration(_a: Analysis, _f: RawFinding): TextEdit[] | string {
  return 'not implemented yet';
}

/** RG103 `remove-legacy-key`: a Ray 1.x top-level key current Ray rejects is removed. */
export function planRemoveLegacyKey(_a: Analysis, _f: RawFinding): TextEdit[] | string {
  return 'not implemented yet';
}
