// One problem found in a configuration, addressed by its path in the document before it has a line and column.

/** A step into the document: a mapping key or a list index. */
export type PathSegment = string | number;

export type ConfigPath = readonly PathSegment[];

export interface ConfigIssue {
  /** The field the problem is about; for a missing field, the field that should be there. */
  readonly path: ConfigPath;
  /**
   * Which text to point at: the field's value, its key (unknown properties, bad names), or the object that
   * contains it (missing properties, which have no text of their own).
   */
  readonly anchor: 'value' | 'key' | 'parent';
  readonly message: string;
  /** The exact text offset, when known (YAML syntax errors); otherwise the position is found from path and anchor. */
  readonly offset?: number;
}

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A path as people read it: `mappings[0].destination.bucket`; the document itself is `(root)`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (plainKey.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === '' ? '(root)' : text;
}
