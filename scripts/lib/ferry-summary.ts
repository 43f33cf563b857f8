// Reads the markdown summary table `ferry run` prints on stdout (one row per mapping) into records.

export type SummaryRow = Readonly<Record<string, string>>;

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

/** The rows of the first table in the output whose header has the given column, keyed by header name. */
export function parseSummaryTable(output: string, requiredColumn = 'mapping'): SummaryRow[] {
  const lines = output.split('\n').map((line) => line.trim());
  const headerIndex = lines.findIndex((line) => line.startsWith('|') && cells(line).includes(requiredColumn));
  if (headerIndex === -1) return [];
  const headers = cells(lines[headerIndex] ?? '');
  const rows: SummaryRow[] = [];
  for (const line of lines.slice(headerIndex + 2)) {
    if (!line.startsWith('|')) break;
    const values = cells(line);
    rows.push(Object.fromEntries(headers.map((header, index) => [header, values[index] ?? ''])));
  }
  return rows;
}

/** A whole-number column of a summary row, or undefined when absent or not a number. */
export function summaryCount(row: SummaryRow | undefined, column: string): number | undefined {
  const text = row?.[column]?.replaceAll(',', '');
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
