// Finds where a configuration path is written in a parsed YAML document, and which path a text offset falls in.
import { type Document, isMap, isNode, isScalar, isSeq, type LineCounter } from 'yaml';
import type { ConfigIssue, ConfigPath, PathSegment } from './config-issue.ts';

export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

interface Entry {
  /** The key's node; absent for list items. */
  readonly key?: unknown;
  readonly value: unknown;
}

function childEntry(parent: unknown, segment: PathSegment): Entry | undefined {
  if (isMap(parent)) {
    const pair = parent.items.find(
      (item) => isScalar(item.key) && String(item.key.value) === String(segment),
    );
    return pair === undefined ? undefined : { key: pair.key, value: pair.value };
  }
  if (isSeq(parent) && typeof segment === 'number' && segment < parent.items.length) {
    return { value: parent.items[segment] };
  }
  return undefined;
}

function startOf(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[0] : undefined;
}

/** `key:` with nothing after it: an empty scalar with no text of its own. */
function isEmptyValue(node: unknown): boolean {
  return isScalar(node) && node.value === null && (node.range ? node.range[0] === node.range[1] : true);
}

/** Where the text for a path starts: its value, or its key when asked for or when the value is empty. */
function offsetOfPath(doc: Document, path: ConfigPath, anchor: 'value' | 'key'): number | undefined {
  let entry: Entry = { value: doc.contents };
  for (const segment of path) {
    const child = childEntry(entry.value, segment);
    if (child === undefined) return undefined;
    entry = child;
  }
  const keyStart = startOf(entry.key);
  if (keyStart !== undefined && (anchor === 'key' || isEmptyValue(entry.value))) return keyStart;
  return startOf(entry.value) ?? keyStart;
}

function endOf(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[1] : undefined;
}

/** The written node at a path, or at its nearest written ancestor; the empty document gives undefined. */
function nearestNode(doc: Document, path: ConfigPath): unknown {
  let node: unknown = doc.contents;
  for (const segment of path) {
    const child = childEntry(node, segment);
    if (child === undefined || !isNode(child.value)) return node;
    node = child.value;
  }
  return node;
}

export interface IssueOffsets {
  /** Where the issue is reported. */
  readonly pointAt: number;
  /**
   * Where it sorts among other issues. A missing property is reported at the start of its object but sorts
   * at the object's end, after problems inside it: an unknown `bukcet` comes before the missing `bucket`.
   */
  readonly sortAt: number;
}

/**
 * Where an issue points. A path that is not written in the document (a default, or a node behind an alias)
 * falls back to its nearest written ancestor; the empty document to offset 0.
 */
export function offsetsOfIssue(doc: Document, issue: ConfigIssue): IssueOffsets {
  if (issue.offset !== undefined) return { pointAt: issue.offset, sortAt: issue.offset };
  const ownPath = issue.anchor === 'parent' ? issue.path.slice(0, -1) : issue.path;
  const anchor = issue.anchor === 'key' ? 'key' : 'value';
  let pointAt = 0;
  for (let length = ownPath.length; length >= 0; length -= 1) {
    const offset = offsetOfPath(doc, ownPath.slice(0, length), length === ownPath.length ? anchor : 'value');
    if (offset !== undefined) {
      pointAt = offset;
      break;
    }
  }
  const sortAt = issue.anchor === 'parent' ? (endOf(nearestNode(doc, ownPath)) ?? pointAt) : pointAt;
  return { pointAt, sortAt };
}

function contains(node: unknown, offset: number): boolean {
  return isNode(node) && node.range !== undefined && node.range !== null
    ? node.range[0] <= offset && offset < node.range[1]
    : false;
}

/** The deepest path whose key or value text contains an offset: where a YAML syntax error sits in the config. */
export function pathAtOffset(doc: Document, offset: number): ConfigPath {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => contains(item.key, offset) || contains(item.value, offset));
      if (pair === undefined || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, offset));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

/** 1-based line and column of a text offset. */
export function positionOf(lineCounter: LineCounter, offset: number): TextPosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line: Math.max(line, 1), column: Math.max(col, 1) };
}
