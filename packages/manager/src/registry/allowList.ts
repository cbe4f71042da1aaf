// OWNCHAT_PULL_ALLOW: which models this server may pull. Patterns are model names with `*` (any characters,
// '/' included) and `?` (one character); a pattern without a tag allows every tag. A name is allowed when a
// pattern matches it as the user may write it: short ("qwen2.5:0.5b"), with its namespace
// ("library/qwen2.5:0.5b") or in full ("registry.ollama.ai/library/qwen2.5:0.5b"), ignoring case as names do.
import { displayName, fullName, type ModelName } from '../model/name.ts';

const PATTERN_RE = /^[A-Za-z0-9_.:/*?-]+$/;

/** Splits and checks the setting; throws an Error saying which pattern is malformed. */
export function parseAllowList(raw: string | undefined): string[] {
  const patterns = (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of patterns) {
    if (!PATTERN_RE.test(p)) {
      throw new Error(
        `${JSON.stringify(p)} is not a model name pattern: use letters, digits, '_', '-', '.', ':', '/', '*' and '?'`,
      );
    }
  }
  return patterns;
}

/** True when no list is set, or a pattern matches the name. */
export function isPullAllowed(patterns: readonly string[], name: ModelName): boolean {
  if (patterns.length === 0) return true;
  const candidates = [displayName(name), `${name.namespace}/${name.model}:${name.tag}`, fullName(name)].map(
    (s) => s.toLowerCase(),
  );
  return patterns.some((p) => {
    const re = patternRegExp(p);
    return candidates.some((c) => re.test(c));
  });
}

function patternRegExp(pattern: string): RegExp {
  const lastSegment = pattern.slice(pattern.lastIndexOf('/') + 1);
  const withTag = lastSegment.includes(':') ? pattern : `${pattern}:*`;
  const body = withTag
    .toLowerCase()
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.]/g, '\\.')))
    .join('');
  return new RegExp(`^${body}$`);
}
