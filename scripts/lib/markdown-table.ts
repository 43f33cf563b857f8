// Renders rows as a GitHub-flavoured markdown table.

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** Columns listed in `rightAligned` (by header) are right-aligned, for numbers. */
export function markdownTable(options: {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly rightAligned?: readonly string[];
}): string {
  const { headers, rows } = options;
  const rightAligned = new Set(options.rightAligned ?? []);
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const separator = `|${headers.map((header) => (rightAligned.has(header) ? '---:' : '---')).join('|')}|`;
  return [line(headers), separator, ...rows.map(line)].join('\n');
}
