/**
 * The head node type named by a config's `head_node_type`, or null (invalid YAML, legacy format,
 * not a string). Used to address the head-profile choice sent to /api/fix. `yaml` is loaded on
 * demand so the page shell stays small.
 */
export async function headNodeTypeOf(text: string): Promise<string | null> {
  try {
    const { parseDocument } = await import('yaml');
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length > 0) return null;
    const head: unknown = doc.get('head_node_type');
    return typeof head === 'string' && head.length > 0 ? head : null;
  } catch {
    return null;
  }
}
