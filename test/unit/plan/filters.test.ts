import { describe, expect, it } from 'vitest';
import { createKeyFilter } from '../../../worker/src/plan/filters.ts';

describe('createKeyFilter', () => {
  it.each([
    // [include, exclude, relative key, passes]
    [[], [], 'anything/at/all', true],
    [[], [], '', true],
    [[], [], '.hidden', true],
    [['*.jpg'], [], 'a.jpg', true],
    [['*.jpg'], [], 'dir/a.jpg', false],
    [['**/*.jpg'], [], 'dir/sub/a.jpg', true],
    [['**/*.jpg'], [], 'a.jpg', true],
    [['**/*.jpg'], [], 'a.png', false],
    [['**/*.jpg'], [], '.cache/a.jpg', true],
    [['**/*.jpg'], [], 'a//b.jpg', true],
    [['**'], [], '.git/config', true],
    [['logs/**', '**/*.csv'], [], 'logs/2024/x.txt', true],
    [['logs/**', '**/*.csv'], [], 'data/x.csv', true],
    [['logs/**', '**/*.csv'], [], 'data/x.txt', false],
    [[], ['tmp/**'], 'tmp/a/b', false],
    [[], ['tmp/**'], 'tmpfile', true],
    [[], ['**/.DS_Store'], 'a/b/.DS_Store', false],
    [['**/*.jpg'], ['private/**'], 'private/a.jpg', false],
    [['private/**'], ['private/**'], 'private/a', false],
    [['{2023,2024}/**'], [], '2024/x', true],
    [['{2023,2024}/**'], [], '2022/x', false],
    [['ü/*.txt'], [], 'ü/\u{1F600}.txt', true],
    [['a\\*b'], [], 'a*b', true],
    [['a\\*b'], [], 'axb', false],
    [['dir/*'], [], 'dir\\file', false],
    [['Photos/**'], [], 'photos/a', false],
  ] as const)('include %j exclude %j: %j passes = %s', (include, exclude, key, expected) => {
    expect(createKeyFilter({ include, exclude })(key)).toBe(expected);
  });

  it('does not match "." or ".." segments with wildcards (picomatch path semantics)', () => {
    // Documented limitation: such keys are matched only by patterns that spell those segments out.
    expect(createKeyFilter({ include: ['**'], exclude: [] })('../x')).toBe(false);
    expect(createKeyFilter({ include: [], exclude: ['**/*.tmp'] })('../a.tmp')).toBe(true);
    expect(createKeyFilter({ include: ['../**'], exclude: [] })('../x')).toBe(true);
  });
});
