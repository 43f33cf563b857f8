// Random keys from characters that straddle UTF-8 length boundaries and UTF-16 surrogate order, for key-order tests.

/** Characters chosen to straddle UTF-8 length boundaries and UTF-16 surrogate order. */
export const awkwardCharacters = [
  'a',
  'b',
  'z',
  '/',
  '0',
  '9',
  '~',
  '\u007f',
  '\u0080',
  '\u00e9',
  '\u00ff',
  '\u07ff',
  '\u0800',
  '\ud7ff',
  '\ue000',
  '\uffff',
  '\u{10000}',
  '\u{1f600}',
  '\u{10ffff}',
];

/** A key of 1 to maxLength awkward characters. */
export function randomKey(random: () => number, maxLength: number): string {
  const length = 1 + Math.floor(random() * maxLength);
  let key = '';
  for (let index = 0; index < length; index++) {
    key += awkwardCharacters[Math.floor(random() * awkwardCharacters.length)];
  }
  return key;
}
