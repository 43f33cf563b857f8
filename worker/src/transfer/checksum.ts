// CRC checksums as S3 stores them (base64 of the big-endian value), computed incrementally and combined from parts.
import { crc32 } from 'node:zlib';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32c } from '@node-rs/crc32';
import { FerryError } from '../domain/errors.ts';
import type { ChecksumAlgorithm } from '../domain/object.ts';

/** An incremental checksum: feed bytes in order, then read the base64 value S3 expects. */
export interface Checksum {
  update(bytes: Uint8Array): void;
  /** Base64 of the big-endian CRC, as in S3's x-amz-checksum-* headers. Async only because CRC64NVME's library is. */
  digest(): Promise<string>;
}

/** One part's checksum and the number of bytes it covers. */
export interface PartChecksum {
  readonly value: string;
  readonly length: number;
}

interface CrcSpec {
  readonly widthBits: bigint;
  readonly widthBytes: number;
  /** The polynomial in reflected (LSB-first) form, as zlib writes it. */
  readonly reflectedPolynomial: bigint;
}

const crcSpecs: Readonly<Record<ChecksumAlgorithm, CrcSpec>> = {
  CRC32: { widthBits: 32n, widthBytes: 4, reflectedPolynomial: 0xedb88320n },
  CRC32C: { widthBits: 32n, widthBytes: 4, reflectedPolynomial: 0x82f63b78n },
  CRC64NVME: { widthBits: 64n, widthBytes: 8, reflectedPolynomial: 0x9a6c9329ac4bc9b5n },
};

function encodeValue(value: bigint, widthBytes: number): string {
  const bytes = Buffer.alloc(widthBytes);
  for (let index = widthBytes - 1, rest = value; index >= 0; index -= 1, rest >>= 8n) {
    bytes[index] = Number(rest & 0xffn);
  }
  return bytes.toString('base64');
}

function decodeValue(algorithm: ChecksumAlgorithm, base64: string): bigint {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== crcSpecs[algorithm].widthBytes) {
    throw new FerryError('Internal', `not a ${algorithm} checksum: '${base64}'`);
  }
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A 32-bit CRC whose native implementation continues from a previous value. */
function nativeCrc32(step: (bytes: Uint8Array, previous: number) => number): Checksum {
  let value = 0;
  return {
    update: (bytes) => {
      value = step(bytes, value);
    },
    digest: async () => encodeValue(BigInt(value >>> 0), 4),
  };
}

function crc64Nvme(): Checksum {
  const hash = new Crc64Nvme();
  return {
    update: (bytes) => hash.update(bytes),
    digest: async () => Buffer.from(await hash.digest()).toString('base64'),
  };
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32':
      return nativeCrc32((bytes, previous) => crc32(bytes, previous));
    case 'CRC32C':
      return nativeCrc32((bytes, previous) => crc32c(bytes, previous));
    case 'CRC64NVME':
      return crc64Nvme();
  }
}

/** The checksum of one buffer. */
export async function checksumOf(algorithm: ChecksumAlgorithm, bytes: Uint8Array): Promise<string> {
  const checksum = createChecksum(algorithm);
  checksum.update(bytes);
  return await checksum.digest();
}

/**
 * Polynomial product a·b modulo the CRC polynomial, both in reflected form (the top bit is x^0).
 * zlib's multmodp, generalised to any width.
 */
function multiplyModulo(a: bigint, b: bigint, spec: CrcSpec): bigint {
  let product = 0n;
  let factor = b;
  for (let mask = 1n << (spec.widthBits - 1n); mask !== 0n; mask >>= 1n) {
    if ((a & mask) !== 0n) {
      product ^= factor;
      if ((a & (mask - 1n)) === 0n) break;
    }
    factor = (factor & 1n) !== 0n ? (factor >> 1n) ^ spec.reflectedPolynomial : factor >> 1n;
  }
  return product;
}

/** x^(2^k) modulo the polynomial for k = 0, 1, 2 ...; computed on first use, per algorithm. */
const powerTables = new Map<ChecksumAlgorithm, bigint[]>();

function powerTable(algorithm: ChecksumAlgorithm): bigint[] {
  let table = powerTables.get(algorithm);
  if (!table) {
    const spec = crcSpecs[algorithm];
    table = [1n << (spec.widthBits - 2n)];
    for (let k = 1; k < 64; k += 1) {
      const previous = table[k - 1]!;
      table.push(multiplyModulo(previous, previous, spec));
    }
    powerTables.set(algorithm, table);
  }
  return table;
}

/** x^(8·lengthBytes) modulo the polynomial: the operator that appends lengthBytes zero bytes to a CRC. */
function zeroBytesOperator(algorithm: ChecksumAlgorithm, lengthBytes: number): bigint {
  const spec = crcSpecs[algorithm];
  const table = powerTable(algorithm);
  let operator = 1n << (spec.widthBits - 1n);
  let k = 3; // 8 bits per byte = 2^3
  for (let rest = BigInt(lengthBytes); rest !== 0n; rest >>= 1n, k += 1) {
    if ((rest & 1n) !== 0n) operator = multiplyModulo(table[k]!, operator, spec);
  }
  return operator;
}

/**
 * The checksum of the concatenation of parts, from each part's checksum and length (zlib's crc32_combine,
 * for all three CRCs). Parts can thus be checksummed in any order, in parallel, and still yield S3's FULL_OBJECT
 * checksum.
 */
export function combineChecksums(algorithm: ChecksumAlgorithm, parts: readonly PartChecksum[]): string {
  const spec = crcSpecs[algorithm];
  const operators = new Map<number, bigint>();
  let combined = 0n;
  for (const part of parts) {
    let operator = operators.get(part.length);
    if (operator === undefined) {
      operator = zeroBytesOperator(algorithm, part.length);
      operators.set(part.length, operator);
    }
    combined = multiplyModulo(operator, combined, spec) ^ decodeValue(algorithm, part.value);
  }
  return encodeValue(combined, spec.widthBytes);
}
