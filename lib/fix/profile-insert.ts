import { isAlias, isPair, type Pair, type YAMLMap } from 'yaml';
import { nodeRange } from '../config/nodes';
import type { LineIndex } from '../config/position';
import type { NodeType } from '../config/walk';
import type { TextEdit } from './edits';

/**
 * Whether a profile can be added to this node type by the tool: its node_config (or the node type,
 * when node_config is missing) is its own, written as a mapping, not shared via an anchor.
 */
export function canAddProfile(head: NodeType): boolean {
  if (head.legacy || !head.node) return false;
  const e = head.nodeConfigEntry;
  if (e) {
    if (e.merged || isAlias(e.pair.value) || !head.nodeConfig || head.nodeConfig.anchor) return false;
    return true;
  }
  return !head.node.anchor && !head.node.flow && head.node.items.length > 0;
}

function columnOf(lines: LineIndex, offset: number): number {
  return offset - lines.lineStart(lines.lineOf(offset) + 1);
}

/** After the last line of a block mapping's last entry: where a new entry goes. */
function afterLastEntry(lines: LineIndex, map: YAMLMap): number | null {
  const last = map.items[map.items.length - 1];
  if (!last || !isPair(last)) return null;
  const end = nodeRange(last.value)?.[1] ?? nodeRange(last.key)?.[1];
  if (end === undefined) return null;
  const line = lines.lineOf(Math.max(0, end - 1)) + 1;
  return line < lines.lineCount ? lines.lineStart(line + 1) : lines.text.length;
}

/**
 * Adds `IamInstanceProfile: {Arn}` to the head node type's node_config (creating node_config when
 * missing), indented like its siblings. Null when the layout cannot be edited safely: a node_config
 * shared through an anchor or alias (the profile would reach other node types too).
 */
export function insertProfile(lines: LineIndex, head: NodeType, arn: string): TextEdit | null {
  const text = lines.text;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const block = (at: number, indent: string, unit: string, body: string[]): TextEdit => {
    const lead = at === text.length && text.length > 0 && !text.endsWith('\n') ? nl : '';
    return { start: at, end: at, text: lead + body.map((l) => indent + l.replace(/^(\t*)/, (m) => unit.repeat(m.length)) + nl).join('') };
  };
  if (!canAddProfile(head)) return null;
  const nc = head.nodeConfig;
  if (nc && !nc.flow && nc.items.length > 0) {
    const firstKey = nodeRange((nc.items[0] as Pair).key);
    const ncKey = head.nodeConfigEntry ? nodeRange(head.nodeConfigEntry.pair.key) : null;
    if (!firstKey || !ncKey) return null;
    const indent = ' '.repeat(columnOf(lines, firstKey[0]));
    const unitLen = columnOf(lines, firstKey[0]) - columnOf(lines, ncKey[0]);
    const unit = ' '.repeat(unitLen > 0 ? unitLen : 2);
    const at = afterLastEntry(lines, nc);
    if (at === null) return null;
    return block(at, indent, unit, ['IamInstanceProfile:', `\tArn: ${arn}`]);
  }
  if (nc && nc.flow) {
    const r = nodeRange(nc);
    if (!r) return null;
    const close = text.lastIndexOf('}', r[1] - 1);
    if (close < r[0]) return null;
    const sep = nc.items.length > 0 ? ', ' : '';
    // In a flow mapping a `,` or bracket would end the value: quote it then.
    const value = /[,[\]{}#]/.test(arn) ? `"${arn.replace(/[\\"]/g, (c) => `\\${c}`)}"` : arn;
    return { start: close, end: close, text: `${sep}IamInstanceProfile: {Arn: ${value}}` };
  }
  if (!head.nodeConfigEntry && head.node && !head.node.flow && head.node.items.length > 0) {
    const firstKey = nodeRange((head.node.items[0] as Pair).key);
    if (!firstKey) return null;
    const col = columnOf(lines, firstKey[0]);
    const unit = ' '.repeat(Math.max(2, col - columnOf(lines, head.keyRange[0])));
    const at = afterLastEntry(lines, head.node);
    if (at === null) return null;
    return block(at, ' '.repeat(col), unit, ['node_config:', '\tIamInstanceProfile:', `\t\tArn: ${arn}`]);
  }
  return null;
}

