// Reads the Markdown tables of a job summary back into rows of cells, to compare the report with the ledger.

/** Every pipe table in the Markdown: its rows (header first, the --- separator left out), cells trimmed. */
export function markdownTables(markdown: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of markdown.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|') || !trimmed.endsWith('|')) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = [];
      tables.push(current);
    }
    const cells = trimmed
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
    current.push(cells);
  }
  return tables;
}

/** The first table whose header is exactly these cells, as a map from its first column to the rest of the row. */
export function tableByHeader(markdown: string, header: readonly string[]): Map<string, string[]> {
  const table = markdownTables(markdown).find(
    (rows) => rows[0]?.length === header.length && rows[0].every((cell, i) => cell === header[i]),
  );
  if (!table) throw new Error(`no table with header ${JSON.stringify(header)} in:\n${markdown}`);
  return new Map(table.slice(1).map((row) => [row[0] ?? '', row.slice(1)]));
}

/** "1,234" → 1234. */
export function parseCount(text: string | undefined): number {
  const value = Number((text ?? '').replaceAll(',', ''));
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(value)) {
    throw new Error(`not a count: ${JSON.stringify(text)}`);
  }
  return value;
}

const entities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** A cell as a reader sees it: `<code>`/`<br>` tags dropped and HTML character references decoded. */
export function cellText(cell: string | undefined): string {
  return (cell ?? '')
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<\/?code>/g, '')
    .replace(/\\\|/g, '|')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return entities[name] ?? whole;
    });
}
