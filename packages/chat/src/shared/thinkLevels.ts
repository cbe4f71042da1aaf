// Which models take a level of thinking, not just on or off. Ollama's `think` is true, false or a level
// ("low", "medium", "high"); only the gpt-oss family (Ollama's harmony models) does anything with the level: its
// template writes "Reasoning: low|medium|high" into the system message (the template's .ThinkLevel). Other models
// that think treat any level as true. No capability says so (/api/show lists `thinking` alone), so this follows
// Ollama's own app (app/ui ChatForm.tsx: a model whose name starts with gpt-oss) and the family /api/tags reports.
import { modelKey } from './modelNames.ts';

export const THINK_LEVELS = ['low', 'medium', 'high'] as const;
export type ThinkLevel = (typeof THINK_LEVELS)[number];

/** gpt-oss's own default effort: what the level menu shows before one is chosen. */
export const DEFAULT_THINK_LEVEL: ThinkLevel = 'medium';

export function isThinkLevel(v: unknown): v is ThinkLevel {
  return (THINK_LEVELS as readonly unknown[]).includes(v);
}

/** Whether the model's thinking takes a level: the gpt-oss family, by its family or its name. */
export function takesThinkLevels(m: { name: string; family?: string }): boolean {
  const family = m.family?.toLowerCase();
  if (family === 'gptoss' || family === 'gpt-oss') return true;
  // "gpt-oss:20b", "library/gpt-oss:120b", "host:5000/team/gpt-oss-tuned:latest": the last path segment.
  return /(^|\/)gpt-oss/.test(modelKey(m.name));
}
