import { keyAfter, splitKeySpace } from '../../../worker/src/list/key-ranges.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { FakeLister, keysInRange, sortedKeys, thirtyMillionKeys } from './parallel-fake-lister.ts';

const keys = thirtyMillionKeys();
for (let i = 1; i < keys.size; i += 9973)
  if (compareKeys(keys.keyAt(i - 1), keys.keyAt(i)) >= 0) throw new Error(`order ${i}`);
const args = JSON.parse(process.argv[2] ?? '{}');
const lister = new FakeLister(keys);
const split = await splitKeySpace({ lister, prefix: args.prefix ?? '', ...args });
const sizes = split.ranges.map((r) => keysInRange(keys, r, args.prefix ?? ''));
console.log(
  'ranges',
  split.ranges.length,
  'probes',
  split.probes,
  'pages',
  lister.pages,
  'total',
  sizes.reduce((a, b) => a + b, 0),
);
const sorted = [...sizes].sort((a, b) => b - a);
console.log(
  'max',
  sorted[0],
  'min',
  sorted.at(-1),
  'ideal',
  Math.round(sizes.reduce((a, b) => a + b, 0) / split.ranges.length),
);
if (args.verbose)
  for (const [i, r] of split.ranges.entries())
    console.log(JSON.stringify(r.after), sizes[i], split.estimatedKeys[i]);
const top = sorted.slice(0, 5);
console.log(
  'top5',
  top.join(' '),
  'share of largest',
  (sorted[0] / sizes.reduce((a, b) => a + b, 0)).toFixed(3),
);
