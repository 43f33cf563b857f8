import { splitKeySpace } from '../../../worker/src/list/key-ranges.ts';
import { FakeLister, keysInRange, sortedKeys } from './parallel-fake-lister.ts';

function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
const awkwardCharacters = [
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
];
awkwardCharacters.push('\u0800', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}');
function randomKey(random: () => number, maxLength: number): string {
  const length = 1 + Math.floor(random() * maxLength);
  let key = '';
  for (let index = 0; index < length; index++)
    key += awkwardCharacters[Math.floor(random() * awkwardCharacters.length)];
  return key;
}
const keys = sortedKeys(Array.from({ length: 3000 }, (_, i) => `${randomKey(randomSource(i), 5)}`));
const split = await splitKeySpace({
  lister: new FakeLister(keys),
  prefix: '',
  sampleKeys: 50,
  minRangeKeys: 50,
  maxRanges: 24,
  maxProbes: 80,
});
console.log(split.probes);
for (const [i, r] of split.ranges.entries())
  console.log(JSON.stringify(r.after), keysInRange(keys, r), split.estimatedKeys[i]);

import { coverageProblem } from '../../../worker/src/list/key-ranges.ts';

console.log(coverageProblem({ ranges: split.ranges }));
for (const r of split.ranges)
  console.log([...(r.after ?? '')].map((c) => c.codePointAt(0)!.toString(16)).join(' '));
