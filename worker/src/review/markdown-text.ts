// Hostile text (keys, ids, prefixes, error messages) made inert in GitHub markdown: visible, never markup.

/** Characters left as they are; every other ASCII character becomes a numeric entity. */
const plainAscii = /^[A-Za-z0-9 /-]$/;

/** Characters that are invisible or reorder text (controls, bidi overrides, zero-width): shown as escapes. */
const invisible = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\u2028\u2029\ufffe\uffff]/gu;

/** Longest text shown, in code points; longer text is cut with an ellipsis. */
export const defaultMaxShownCodePoints = 200;

/** The text with every invisible or ambiguous character written as an escape, as JSON does, without quotes. */
export function visibleText(text: string): string {
  const json = JSON.stringify(text).slice(1, -1);
  return json.replace(invisible, (character) => {
    const codePoint = character.codePointAt(0) ?? 0;
    return `\\u{${codePoint.toString(16).padStart(4, '0')}}`;
  });
}

/** Cuts text to maxCodePoints code points (never halving a surrogate pair), marking the cut. */
function shortened(text: string, maxCodePoints: number): string {
  const points = Array.from(text);
  return points.length <= maxCodePoints ? text : `${points.slice(0, maxCodePoints).join('')}…`;
}

function entities(text: string): string {
  return Array.from(text, (character) =>
    character.length === 1 && character.charCodeAt(0) < 0x80 && !plainAscii.test(character)
      ? `&#${character.charCodeAt(0)};`
      : character,
  ).join('');
}

/**
 * Text safe anywhere in a GitHub comment, table cells included: no markdown, HTML, mentions, references or
 * autolinks can form, and line breaks or invisible characters show as escapes.
 */
export function inertText(text: string, options: { maxCodePoints?: number } = {}): string {
  const shown = shortened(visibleText(text), options.maxCodePoints ?? defaultMaxShownCodePoints);
  return entities(shown);
}

/** Hostile text as inline code: `<code>` with inert content (backticks in the text cannot close it). */
export function inertCode(text: string, options: { maxCodePoints?: number } = {}): string {
  return `<code>${inertText(text, options)}</code>`;
}
