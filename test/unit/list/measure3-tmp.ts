import { splitKeySpace } from '../../../worker/src/list/key-ranges.ts';
import { FakeLister, keysInRange, sortedKeys } from './parallel-fake-lister.ts';

function skewedKeys(): string[] {
  const keys: string[] = [];
  for (let index = 0; index < 2000; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    keys.push(`logs/2026/03/${day}/part-${String(index).padStart(5, '0')}.json`);
  }
  const spread = [
    'a',
    'b',
    'img',
    'm',
    'q',
    'z',
    '~',
    '\u007f',
    '\u00e9',
    '\u00ff',
    '\u0800',
    '\u4e2d',
    '\u{1f600}',
  ];
  for (let index = 0; index < 900; index++) {
    const lead = spread[index % spread.length]!;
    keys.push(`${lead}${(index * 7919).toString(36)}/${['\u00e9', '\u{1f600}', 'x'][index % 3]}${index}`);
  }
  for (let index = 0; index < 100; index++) keys.push(`logs/${String(index).padStart(3, '0')}`);
  return keys;
}
const keys = sortedKeys(skewedKeys());
const split = await splitKeySpace({
  lister: new FakeLister(keys),
  prefix: '',
  sampleKeys: 100,
  minRangeKeys: 100,
  maxRanges: 16,
  maxProbes: 60,
});
console.log(split.probes);
for (const [i, r] of split.ranges.entries())
  console.log(JSON.stringify(r.after), keysInRange(keys, r), split.estimatedKeys[i]);
const bounds = split.ranges.flatMap((r) => (r.after === undefined ? [] : [r.after]));
const w = (k: string) => Array.from(k).slice(0, -1).join('');
const extra = bounds.flatMap((b) => [b, `${b}a`, w(b), `${w(b)}~`]);
const keys2 = sortedKeys([...skewedKeys(), ...extra]);
const lister2 = new FakeLister(keys2);
const split2 = await splitKeySpace({
  lister: lister2,
  prefix: '',
  sampleKeys: 100,
  minRangeKeys: 100,
  maxRanges: 16,
  maxProbes: 60,
});
console.log('second', split2.probes, keys2.size);
for (const [i, r] of split2.ranges.entries())
  console.log(JSON.stringify(r.after), keysInRange(keys2, r), split2.estimatedKeys[i]);
