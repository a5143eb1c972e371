import type { JSONSchema } from 'monaco-yaml';
import { RAY_CLUSTER_SCHEMA } from '@/lib/schema/ray-cluster';

/**
 * The schema monaco-yaml applies to the editor (completion, hover, snippets, shape checks). It is
 * the same schema the core rule RG103 checks with (lib/schema/ray-cluster.ts), so the editor and
 * the findings agree; components/editor/setup.ts is the only reader.
 */
export const RAY_SCHEMA_URI = 'https://rayguard.invalid/schemas/ray-cluster.json';

export const raySchema: JSONSchema = RAY_CLUSTER_SCHEMA as JSONSchema;
