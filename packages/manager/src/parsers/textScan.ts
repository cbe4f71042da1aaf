// Small helpers the family parsers share (Ollama's model/parsers/parsers.go).

/** Go's unicode.IsSpace over a string's start or end. */
export const trimLeftSpace = (s: string) => s.replace(/^\s+/u, '');
export const trailingSpaceLength = (s: string) => s.length - s.replace(/\s+$/u, '').length;

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
  const before = buffer.slice(0, at).replace(/\s+$/u, '');
  const rest = buffer.slice(at + tag.length);
  return { before, after: trimAfter ? trimLeftSpace(rest) : rest };
}
