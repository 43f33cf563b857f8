// The benchmark's datasets: one large object, many medium ones, very many small ones; and a quick variant.
import type { SeedObject } from './seed.ts';
import { GiB, KiB, MiB } from './units.ts';

export const datasetNames = ['large', 'medium', 'small'] as const;
export type DatasetName = (typeof datasetNames)[number];

export interface BenchDataset {
  readonly name: DatasetName;
  readonly objectCount: number;
  readonly objectSizeBytes: number;
  readonly title: string;
}

const sizes: Readonly<Record<'full' | 'quick', Readonly<Record<DatasetName, [number, number]>>>> = {
  full: { large: [1, GiB], medium: [200, 8 * MiB], small: [10_000, 16 * KiB] },
  quick: { large: [1, 64 * MiB], medium: [20, 8 * MiB], small: [500, 16 * KiB] },
};

function sizeLabel(bytes: number): string {
  if (bytes >= GiB) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${bytes / MiB} MiB`;
  return `${bytes / KiB} KiB`;
}

export function benchDatasets(options: { quick: boolean }): BenchDataset[] {
  const table = sizes[options.quick ? 'quick' : 'full'];
  return datasetNames.map((name) => {
    const [objectCount, objectSizeBytes] = table[name];
    return {
      name,
      objectCount,
      objectSizeBytes,
      title: `${name}: ${objectCount.toLocaleString('en-US')} × ${sizeLabel(objectSizeBytes)}`,
    };
  });
}

export function datasetBytes(dataset: BenchDataset): number {
  return dataset.objectCount * dataset.objectSizeBytes;
}

/** Seeding uploads anything of 64 MiB or more as multipart, generating it part by part. */
const seedPartSizeBytes = 16 * MiB;

export function* datasetObjects(dataset: BenchDataset): Generator<SeedObject> {
  const digits = String(dataset.objectCount - 1).length;
  for (let index = 0; index < dataset.objectCount; index++) {
    yield {
      key: `${dataset.name}/object-${String(index).padStart(digits, '0')}.bin`,
      sizeBytes: dataset.objectSizeBytes,
      metadata: { contentType: 'application/octet-stream', userMetadata: { dataset: dataset.name } },
      ...(dataset.objectSizeBytes >= 64 * MiB ? { multipartPartSizeBytes: seedPartSizeBytes } : {}),
    };
  }
}
