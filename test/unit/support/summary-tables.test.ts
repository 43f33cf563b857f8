// Reading job-summary tables back: the totals and failure tables of a run report.
import { expect, test } from 'vitest';
import { cellText, markdownTables, parseCount, tableByHeader } from '../../e2e/summary-tables.ts';

const report = [
  '## Ferry run `r-1`',
  '',
  '| | objects | bytes |',
  '|--|--|--|',
  '| planned | 1,234 | 5.0 MiB |',
  '| failed  | 0       | 0 B     |',
  '',
  'Throughput: …',
  '| class | objects | sample keys | first message |',
  '|---|---|---|---|',
  '| NotFound | 1 | `a\\|b` | gone |',
].join('\n');

test('tables are split at non-table lines; separator rows are left out; escaped pipes stay in their cell', () => {
  const tables = markdownTables(report);
  expect(tables).toHaveLength(2);
  expect(tables[0]).toEqual([
    ['', 'objects', 'bytes'],
    ['planned', '1,234', '5.0 MiB'],
    ['failed', '0', '0 B'],
  ]);
  expect(tables[1]?.[1]).toEqual(['NotFound', '1', '`a\\|b`', 'gone']);
});

test('a table found by its header, keyed by the first column; counts read with thousands separators', () => {
  const totals = tableByHeader(report, ['', 'objects', 'bytes']);
  expect(parseCount(totals.get('planned')?.[0])).toBe(1234);
  expect(() => tableByHeader(report, ['nope'])).toThrow(/no table/);
  expect(() => parseCount('many')).toThrow(/not a count/);
  expect(() => parseCount(undefined)).toThrow(/not a count/);
});

test('a cell as a reader sees it: code tags dropped, character references and escaped pipes decoded', () => {
  expect(cellText('<code>broken/vanishes&#46;bin</code><br><code>a\\|b &amp; &#x1F600;</code>')).toBe(
    'broken/vanishes.bin\na|b & 😀',
  );
  expect(cellText(undefined)).toBe('');
});
