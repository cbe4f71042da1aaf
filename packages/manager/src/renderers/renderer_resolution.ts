// Which renderer a model's config means (Ollama's server/renderer_resolution.go): models pulled before Gemma 4's
// templates were split by size name the legacy "gemma4"; the model's name, or else its parameter count, picks
// the small (e2b/e4b) or the large (12b and up) prompt.

export type RendererModel = {
  /** The configured renderer name. */
  renderer?: string;
  /** The shortest display name (gemma4:e4b). */
  shortName?: string;
  /** The full name (registry.ollama.ai/library/gemma4:e4b). */
  name?: string;
  /** The config's model_type, a parameter count such as "4.3B". */
  modelType?: string;
};

const GEMMA4_LEGACY = 'gemma4';
const GEMMA4_SMALL = 'gemma4-small';
const GEMMA4_LARGE = 'gemma4-large';
/** e2b/e4b take the small template, 12b/26b/31b the large: small unless clearly in the large range. */
const GEMMA4_LARGE_MIN_PARAMETER_COUNT = 12_000_000_000;

export function resolveRendererName(m: RendererModel | undefined): string {
  if (!m?.renderer) return '';
  return m.renderer === GEMMA4_LEGACY ? resolveGemma4Renderer(m) : m.renderer;
}

export function resolveGemma4Renderer(m: RendererModel | undefined): string {
  if (!m) return GEMMA4_LEGACY;
  if (m.renderer !== GEMMA4_LEGACY) return m.renderer ?? '';
  const fromName = gemma4RendererFromName(m.shortName ?? '') ?? gemma4RendererFromName(m.name ?? '');
  if (fromName) return fromName;
  const parameterCount = parseHumanParameterCount(m.modelType ?? '');
  if (parameterCount !== undefined) {
    return parameterCount >= GEMMA4_LARGE_MIN_PARAMETER_COUNT ? GEMMA4_LARGE : GEMMA4_SMALL;
  }
  return GEMMA4_SMALL;
}

function gemma4RendererFromName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.includes('e2b') || lower.includes('e4b')) return GEMMA4_SMALL;
  if (lower.includes('12b') || lower.includes('26b') || lower.includes('31b')) return GEMMA4_LARGE;
  return undefined;
}

/** "4.3B", "270M", "12K" as a count; undefined for anything else. */
function parseHumanParameterCount(s: string): number | undefined {
  const multiplier = { B: 1e9, M: 1e6, K: 1e3 }[s.slice(-1).toUpperCase()];
  if (multiplier === undefined) return undefined;
  // strconv.ParseFloat's syntax: a plain decimal or exponent number, nothing around it.
  const text = s.slice(0, -1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Math.trunc(Number(text) * multiplier);
}
