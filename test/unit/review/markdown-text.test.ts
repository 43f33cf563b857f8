import { describe, expect, it } from 'vitest';
import { inertCode, inertText, visibleText } from '../../../worker/src/review/markdown-text.ts';

describe('inertText', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '<img'],
    ['</code><script>alert(1)</script>', '</code>'],
    ['`` ` close the code span', '`'],
    ['a|b| table cell', '|'],
    ['@octo-org/admins please look', '@'],
    ['fixes #12', '#12'],
    ['[click](https://evil.example)', 'https://'],
    ['www.evil.example', 'www.'],
    ['**bold** _it_ ~~s~~', '**'],
    ['<!-- ferry-plan -->', '<!--'],
    ['&amp; entity', '&amp;'],
  ])('leaves no markup in %j', (hostile, forbidden) => {
    expect(inertText(hostile)).not.toContain(forbidden);
  });

  it('keeps letters, digits, spaces, slashes and hyphens as they are and encodes other ASCII as entities', () => {
    expect(inertText('data/2024-01 x.jpg')).toBe('data/2024-01 x&#46;jpg');
    expect(inertText('a<b')).toBe('a&#60;b');
  });

  it('shows line breaks, bidi overrides and zero-width characters as escapes', () => {
    expect(visibleText('a\nb\u202Ec\u200Bd\u0000')).toBe('a\\nb\\u{202e}c\\u{200b}d\\u0000');
    expect(inertText('a\nb')).not.toContain('\n');
    expect(inertText('x\u202Ey')).not.toContain('\u202E');
  });

  it('keeps other unicode and tells a literal backslash from an escape', () => {
    expect(inertText('photos/été/日本.jpg')).toBe('photos/été/日本&#46;jpg');
    expect(visibleText('a\\nb')).toBe('a\\\\nb');
  });

  it('cuts long text without halving a surrogate pair', () => {
    const shown = inertText('😀'.repeat(300), { maxCodePoints: 5 });
    expect(shown).toBe(`${'😀'.repeat(5)}…`);
  });
});

describe('inertCode', () => {
  it('wraps inert text in a code element that the text cannot close', () => {
    expect(inertCode('</code>`x`')).toBe('<code>&#60;/code&#62;&#96;x&#96;</code>');
  });
});
