// Small helpers the family parsers share (Ollama's model/parsers/parsers.go).

// Go's unicode.IsSpace: JavaScript's \s without U+FEFF, and with U+0085 (NEL).
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const LEADING_SPACE = new RegExp(`^${SPACE}+`, 'u');
const TRAILING_SPACE = new RegExp(`${SPACE}+$`, 'u');

/** Go's strings.TrimLeftFunc / TrimRightFunc with unicode.IsSpace. */
export const trimLeftSpace = (s: string) => s.replace(LEADING_SPACE, '');
export const trimRightSpace = (s: string) => s.replace(TRAILING_SPACE, '');
export const trailingSpaceLength = (s: string) => s.length - trimRightSpace(s).length;

/** The longest suffix of s that is a prefix of tag: a tag that may be arriving. */
export function overlap(s: string, tag: string): number {
  for (let i = Math.min(tag.length, s.length); i > 0; i--) if (s.endsWith(tag.slice(0, i))) return i;
  return 0;
}

/**
 * Splits a buffer at the first tag: the text before it (trailing whitespace dropped) and after it (leading
 * whitespace dropped when asked). Returns undefined when the tag is not there.
 */
export function splitAtTag(
  buffer: string,
  tag: string,
  trimAfter: boolean,
): { before: string; after: string } | undefined {
  const at = buffer.indexOf(tag);
  if (at < 0) return undefined;
  const before = trimRightSpace(buffer.slice(0, at));
  const rest = buffer.slice(at + tag.length);
  return { before, after: trimAfter ? trimLeftSpace(rest) : rest };
}
