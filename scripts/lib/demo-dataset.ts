// The demo's source objects: ~1,000 small files under nested prefixes, awkward keys, varied metadata,
// empty objects and three 40 MiB objects (two uploaded as multipart). Deterministic for a given seed.

import { seededRandom } from '../../test/support/seeded-random.ts';
import type { ObjectMetadata } from '../../worker/src/domain/object.ts';
import type { SeedObject } from './seed.ts';
import { KiB, MiB } from './units.ts';

const noMetadata: ObjectMetadata = { userMetadata: {} };
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

interface Family {
  readonly count: number;
  readonly key: (index: number) => string;
  readonly metadata: (index: number) => ObjectMetadata;
}

/** Families of ordinary objects, each under its own nested prefixes with its own kind of metadata. */
const families: readonly Family[] = [
  {
    count: 300,
    key: (index) =>
      `logs/2025/${pad((index % 12) + 1, 2)}/${pad((index % 28) + 1, 2)}/events-${pad(index, 4)}.json.gz`,
    metadata: () => ({ contentType: 'application/json', contentEncoding: 'gzip', userMetadata: {} }),
  },
  {
    count: 250,
    key: (index) => `site/img/${index % 2 === 0 ? 'large' : 'thumbs'}/photo-${pad(index, 4)}.jpg`,
    metadata: (index) => ({
      contentType: 'image/jpeg',
      cacheControl: 'public, max-age=31536000, immutable',
      userMetadata: {
        camera: index % 3 === 0 ? 'X-T5' : 'EOS R6',
        'shot-at': `2024-06-${pad((index % 30) + 1, 2)}`,
      },
    }),
  },
  {
    count: 200,
    key: (index) => `docs/${['de', 'en', 'fr', 'ja'][index % 4]}/guide/page-${pad(index, 4)}.html`,
    metadata: (index) => ({
      contentType: 'text/html; charset=utf-8',
      contentLanguage: ['de-CH', 'en-GB', 'fr', 'ja'][index % 4] ?? 'en',
      cacheControl: 'no-cache',
      userMetadata: {},
    }),
  },
  {
    count: 150,
    key: (index) => `exports/q${(index % 4) + 1}/report-${pad(index, 4)}.csv`,
    metadata: (index) => ({
      contentType: 'text/csv',
      contentDisposition: `attachment; filename="report ${index}.csv"`,
      expires: 'Wed, 01 Jan 2031 00:00:00 GMT',
      userMetadata: { 'generated-by': 'billing', source_system: 'erp-7', 'row-count': String(index * 37) },
    }),
  },
  {
    count: 80,
    key: (index) => `raw/blob-${pad(index, 4)}`,
    metadata: () => noMetadata,
  },
];

/** Keys that trip up naive tools. s3rver cannot store keys containing "//", so none are here. */
const awkwardKeys: readonly string[] = [
  'odd/with spaces/my report final.pdf',
  'odd/plus/a+b=c.txt',
  'odd/plus/c++ notes.md',
  'odd/percent/100%25 encoded-looking.txt',
  'odd/percent/50% off.txt',
  'odd/punctuation/semi;colon,comma.txt',
  "odd/punctuation/quote's and (parens).txt",
  'odd/punctuation/at@sign&amp=eq.txt',
  'odd/punctuation/question?mark#hash.txt',
  'odd/punctuation/tilde~and!bang.txt',
  'odd/punctuation/[brackets]{braces}.txt',
  'odd/dots/..double-dot-start.txt',
  'odd/dots/name.with.many.dots.tar.gz',
  'odd/unicode/café-nfc.txt',
  'odd/unicode/cafe\u0301-nfd.txt',
  'odd/unicode/日本語/ファイル.txt',
  'odd/unicode/ключ/значение.txt',
  'odd/unicode/emoji-😀-🚀.txt',
  'odd/unicode/עברית.txt',
  'odd/unicode/\uff5efullwidth-tilde.txt',
  'odd/deep/a/b/c/d/e/f/g/h/i/j/k/leaf.txt',
  'odd/UPPER/lower/MiXeD.TXT',
  `odd/long/${'x'.repeat(200)}.txt`,
  'odd/markers/folder/',
  'odd/markers/folder/inside.txt',
];

const awkwardMetadata: readonly ObjectMetadata[] = [
  { contentType: 'text/plain; charset=utf-8', userMetadata: { note: 'awkward key' } },
  { contentType: 'application/octet-stream', contentDisposition: 'inline', userMetadata: {} },
  {
    contentType: 'text/markdown',
    contentLanguage: 'en',
    cacheControl: 'private, max-age=0',
    userMetadata: { a: '1', b: '2' },
  },
  noMetadata,
];

const emptyObjects: readonly SeedObject[] = [
  {
    key: 'empty/zero-bytes.txt',
    sizeBytes: 0,
    metadata: { contentType: 'text/plain', userMetadata: { empty: 'yes' } },
  },
  { key: 'empty/.keep', sizeBytes: 0 },
  {
    key: 'empty/marker-dir/',
    sizeBytes: 0,
    metadata: { contentType: 'application/x-directory', userMetadata: {} },
  },
  {
    key: 'empty/zero.json',
    sizeBytes: 0,
    metadata: { contentType: 'application/json', contentEncoding: 'identity', userMetadata: {} },
  },
  { key: 'empty/nothing', sizeBytes: 0, metadata: { cacheControl: 'no-store', userMetadata: {} } },
];

const largeObjects: readonly SeedObject[] = [
  {
    key: 'large/video-multipart.mp4',
    sizeBytes: 40 * MiB,
    multipartPartSizeBytes: 8 * MiB,
    metadata: {
      contentType: 'video/mp4',
      cacheControl: 'public, max-age=600',
      userMetadata: { uploaded: 'multipart' },
    },
  },
  {
    key: 'large/archive-multipart.tar',
    sizeBytes: 40 * MiB + 12_345,
    multipartPartSizeBytes: 5 * MiB,
    metadata: {
      contentType: 'application/x-tar',
      contentDisposition: 'attachment; filename="archive.tar"',
      userMetadata: { uploaded: 'multipart', parts: '9' },
    },
  },
  {
    key: 'large/disk-single-put.img',
    sizeBytes: 40 * MiB - 1,
    metadata: { contentType: 'application/octet-stream', userMetadata: { uploaded: 'single-put' } },
  },
];

/** Every demo object; small sizes are 1-64 KiB. */
export function demoObjects(seed = 20250101): SeedObject[] {
  const random = seededRandom(seed);
  const smallSize = (): number => KiB + Math.floor(random() * 63 * KiB);
  const objects: SeedObject[] = [];
  for (const family of families) {
    for (let index = 0; index < family.count; index++) {
      objects.push({ key: family.key(index), sizeBytes: smallSize(), metadata: family.metadata(index) });
    }
  }
  awkwardKeys.forEach((key, index) => {
    objects.push({
      key,
      sizeBytes: smallSize(),
      metadata: awkwardMetadata[index % awkwardMetadata.length] ?? noMetadata,
    });
  });
  return [...objects, ...emptyObjects, ...largeObjects];
}
