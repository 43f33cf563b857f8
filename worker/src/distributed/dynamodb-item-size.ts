// DynamoDB's billing arithmetic: an item's size as DynamoDB counts it, and the write units a write of it costs.

/** The attribute values the ledger writes. */
export type ScalarAttribute = string | number | boolean;
export type ScalarItem = Readonly<Record<string, ScalarAttribute>>;

/** One write unit covers an item of up to 1 KB; a transactional write costs two per KB. */
export const WRITE_UNIT_BYTES = 1024;

/** Significant decimal digits of a number: leading and trailing zeros do not count. */
function significantDigits(value: number): number {
  const digits = Math.abs(value).toString().replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.max(1, digits.length);
}

/** Strings count their UTF-8 bytes, numbers one byte per two significant digits plus one, booleans one. */
export function attributeValueBytes(value: ScalarAttribute): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(significantDigits(value) / 2) + 1;
  return 1;
}

/** Attribute names count as much as their values. */
export function itemSizeBytes(item: ScalarItem): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    total += Buffer.byteLength(name, 'utf8') + attributeValueBytes(value);
  }
  return total;
}

/** Units for writing one item of that size: 1 per started KB, 2 per KB inside a transaction. */
export function writeUnitsFor(sizeBytes: number, options: { transactional: boolean }): number {
  const kilobytes = Math.max(1, Math.ceil(sizeBytes / WRITE_UNIT_BYTES));
  return options.transactional ? 2 * kilobytes : kilobytes;
}
