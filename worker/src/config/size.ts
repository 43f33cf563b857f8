// Byte sizes as people write them in configuration ('16MiB', '1.5GB', 8388608), converted to exact byte counts.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

const bytesPerUnit: Readonly<Record<string, bigint>> = {
  b: 1n,
  kib: 1024n,
  mib: 1024n ** 2n,
  gib: 1024n ** 3n,
  kb: 1000n,
  mb: 1000n ** 2n,
  gb: 1000n ** 3n,
};

const sizePattern = /^\s*(\d+)(?:\.(\d+))?\s*([A-Za-z]+)?\s*$/;

const sizeSyntax =
  'expected a whole number of bytes or a number with a unit: B, KiB, MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000), e.g. 16MiB';

/**
 * The number of bytes a size denotes. Numbers are bytes; strings are a decimal number and an optional unit
 * (B, KiB, MiB, GiB, KB, MB, GB; case-insensitive). Throws RangeError with a readable message when the value
 * is not a size, is not a whole number of bytes, or exceeds Number.MAX_SAFE_INTEGER.
 */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new RangeError(`invalid size ${value}: ${sizeSyntax}`);
  }
  const match = sizePattern.exec(value);
  const unitBytes = bytesPerUnit[(match?.[3] ?? 'b').toLowerCase()];
  if (match === null || unitBytes === undefined) {
    throw new RangeError(`invalid size ${JSON.stringify(value)}: ${sizeSyntax}`);
  }
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaledBytes = BigInt(whole + fraction) * unitBytes;
  if (scaledBytes % scale !== 0n) {
    throw new RangeError(`invalid size ${JSON.stringify(value)}: not a whole number of bytes`);
  }
  const bytes = scaledBytes / scale;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`invalid size ${JSON.stringify(value)}: too large`);
  }
  return Number(bytes);
}

const binaryUnits: readonly (readonly [string, number])[] = [
  ['GiB', GiB],
  ['MiB', MiB],
  ['KiB', KiB],
];

/** A byte count in the largest binary unit that divides it exactly: 8388608 → '8MiB', 1500 → '1500B'. */
export function formatSize(bytes: number): string {
  for (const [unit, unitBytes] of binaryUnits) {
    if (bytes >= unitBytes && bytes % unitBytes === 0) return `${bytes / unitBytes}${unit}`;
  }
  return `${bytes}B`;
}
