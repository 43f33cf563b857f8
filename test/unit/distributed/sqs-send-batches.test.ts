// The pure SQS sending rules: which bodies SQS takes, and how bodies are cut into batches by count and by UTF-8 bytes.
import { describe, expect, test } from 'vitest';
import {
  billedRequests,
  defaultMaxBodyBytes,
  forbiddenCharacterIn,
  planSendBatches,
  truncateUtf8,
  withoutForbiddenCharacters,
} from '../../../worker/src/distributed/sqs-send-batches.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';

const roomy = { maxBatchBytes: 262_144, maxBodyBytes: 258_048 };

describe('planSendBatches', () => {
  test('cuts 25 small bodies into batches of 10, 10 and 5, in order, ids unique within each batch', () => {
    const bodies = Array.from({ length: 25 }, (_, index) => `body-${index}`);
    const batches = planSendBatches(bodies, roomy);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(batches.flat().map((entry) => entry.body)).toEqual(bodies);
    expect(batches.flat().map((entry) => entry.index)).toEqual(bodies.map((_, index) => index));
    for (const batch of batches) expect(new Set(batch.map((entry) => entry.id)).size).toBe(batch.length);
  });

  test('starts a new batch before the byte limit would be passed, counting UTF-8 bytes, not characters', () => {
    // 60,000 'é' are 60,000 characters but 120,000 bytes: two fit in 262,144 bytes, three do not.
    const wide = 'é'.repeat(60_000);
    const batches = planSendBatches([wide, wide, wide, 'tail'], roomy);
    expect(batches.map((batch) => batch.map((entry) => entry.index))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(batches[0]?.[0]?.bytes).toBe(120_000);
  });

  test('a batch may hold exactly the byte limit', () => {
    const half = 'x'.repeat(131_072);
    expect(planSendBatches([half, half, 'y'], roomy).map((batch) => batch.length)).toEqual([2, 1]);
  });

  test('nothing to send, no batches', () => {
    expect(planSendBatches([], roomy)).toEqual([]);
  });

  test('refuses every batch when one body is over the size limit, naming it', () => {
    const bodies = ['fine', 'x'.repeat(defaultMaxBodyBytes + 1)];
    expect(() => planSendBatches(bodies, roomy)).toThrow(
      new FerryError(
        'Internal',
        `message 1: body is ${defaultMaxBodyBytes + 1} bytes, more than the ${defaultMaxBodyBytes} an SQS work message may have`,
      ),
    );
  });

  test('refuses an empty body and characters SQS forbids', () => {
    expect(() => planSendBatches(['ok', ''], roomy)).toThrow(
      /message 1: SQS cannot carry an empty message body/,
    );
    expect(() => planSendBatches(['a\u0000b'], roomy)).toThrow(/message 0: body has U\+0000 at index 1/);
    expect(() => planSendBatches(['ab\uFFFF'], roomy)).toThrow(/U\+FFFF at index 2/);
    expect(() => planSendBatches(['lone \uD800 surrogate'], roomy)).toThrow(/U\+D800 at index 5/);
  });

  test('a body limit above the batch limit is a programming error', () => {
    expect(() => planSendBatches(['a'], { maxBatchBytes: 100, maxBodyBytes: 200 })).toThrow(RangeError);
  });
});

describe('SQS character rules', () => {
  test('tab, newline, carriage return, BMP text and astral characters are allowed', () => {
    expect(forbiddenCharacterIn('\t\n\r ü 🙂 \uE000 \uFFFD')).toBeUndefined();
  });

  test('control characters, U+FFFE/U+FFFF and lone surrogates are found with their position', () => {
    expect(forbiddenCharacterIn('ab\u0007')).toEqual({ index: 2, codePoint: 7 });
    expect(forbiddenCharacterIn('\uFFFE')).toEqual({ index: 0, codePoint: 0xfffe });
    expect(forbiddenCharacterIn('x\uDC00')).toEqual({ index: 1, codePoint: 0xdc00 });
  });

  test('withoutForbiddenCharacters replaces each forbidden character with U+FFFD and keeps the rest', () => {
    expect(withoutForbiddenCharacters('a\u0000b\uFFFF🙂\uD800')).toBe('a\uFFFDb\uFFFD🙂\uFFFD');
  });
});

describe('truncateUtf8', () => {
  test('keeps text within the limit whole and never splits a character', () => {
    expect(truncateUtf8('short', 10)).toBe('short');
    expect(truncateUtf8('aé🙂b', 3)).toBe('aé');
    expect(truncateUtf8('aé🙂b', 6)).toBe('aé');
    expect(truncateUtf8('aé🙂b', 7)).toBe('aé🙂');
  });
});

describe('billedRequests', () => {
  test('one request per started 64 KiB of payload, at least one', () => {
    expect(billedRequests(0)).toBe(1);
    expect(billedRequests(65_536)).toBe(1);
    expect(billedRequests(65_537)).toBe(2);
    expect(billedRequests(262_144)).toBe(4);
  });
});
