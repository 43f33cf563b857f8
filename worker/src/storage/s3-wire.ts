// Small pure conversions between Ferry's values and S3's wire formats: listed keys, ETags, ranges, copy sources.
import { FerryError } from '../domain/errors.ts';

/**
 * A key from a ListObjectsV2 response made with EncodingType=url. S3 form-encodes (space as '+', '+' as %2B);
 * encoding is what lets keys with characters XML 1.0 cannot carry (or would normalize, like CR) round-trip.
 */
export function decodeListedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch (error) {
    throw new FerryError('Internal', `cannot url-decode the listed key ${JSON.stringify(encoded)}`, {
      cause: error,
    });
  }
}

/** An ETag without the surrounding double quotes S3 puts on it. */
export function unquoteEtag(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/** An ETag as HTTP conditional headers carry it: in double quotes. */
export function quoteEtag(etag: string): string {
  return `"${unquoteEtag(etag)}"`;
}

/** The HTTP Range header for an inclusive byte range. */
export function rangeHeader(range: { readonly start: number; readonly end: number }): string {
  return `bytes=${range.start}-${range.end}`;
}

/** The whole object's size from a Content-Range header (`bytes 0-9/100` → 100); undefined when unknown. */
export function totalSizeFromContentRange(contentRange: string | undefined): number | undefined {
  const match = /^bytes \d+-\d+\/(\d+)$/.exec(contentRange?.trim() ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The x-amz-copy-source value: bucket and url-encoded key (every reserved character, '/' included). */
export function copySourceOf(source: { readonly bucket: string; readonly key: string }): string {
  return `${source.bucket}/${encodeURIComponent(source.key)}`;
}

/** How a request names an object in messages: `s3://bucket/key`. */
export function objectUri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * A character XML 1.0 cannot carry (controls, U+FFFE/U+FFFF, lone surrogates), or CR, which XML parsers turn into LF:
 * anything but tab, LF and XML's other characters.
 */
const notXmlSafe = /[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Whether a key survives an XML request and response exactly (DeleteObjects): false for control characters and CR. */
export function xmlCarriesKey(key: string): boolean {
  return !notXmlSafe.test(key);
}
