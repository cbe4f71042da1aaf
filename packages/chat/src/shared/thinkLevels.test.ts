// Which models the chatbot offers a level of thinking to: gpt-oss, known by the family /api/tags reports or, as
// Ollama's own app knows it, by its name.
import { describe, expect, it } from 'vitest';
import { isThinkLevel, takesThinkLevels } from './thinkLevels.ts';

describe('takesThinkLevels', () => {
  it.each([
    [{ name: 'gpt-oss:20b' }, true],
    [{ name: 'registry.ollama.ai/library/gpt-oss:120b' }, true],
    [{ name: 'http://127.0.0.1:5000/team/gpt-oss-tuned' }, true],
    [{ name: 'my-reasoner:latest', family: 'gptoss' }, true],
    [{ name: 'my-reasoner:latest', family: 'GPT-OSS' }, true],
    [{ name: 'qwen3:0.6b', family: 'qwen3' }, false],
    [{ name: 'deepseek-r1:7b' }, false],
    // Only a name that begins with gpt-oss: another model that mentions it is not one.
    [{ name: 'not-gpt-oss:latest' }, false],
  ])('%j → %s', (m, expected) => {
    expect(takesThinkLevels(m)).toBe(expected);
  });

  it('knows the levels Ollama takes, and nothing else', () => {
    expect(['low', 'medium', 'high'].every(isThinkLevel)).toBe(true);
    for (const v of ['max', 'LOW', true, false, undefined, '']) expect(isThinkLevel(v)).toBe(false);
  });
});
