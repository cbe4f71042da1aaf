// think "max" for gpt-oss: Ollama's ChatHandler and GenerateHandler map it to "high" where shouldUseHarmony holds
// (a gpt-oss family model whose template has <|start|> and <|end|>), since harmony's Reasoning line has no "max".
import { GPT_OSS_TEMPLATE } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { templateThink } from './prepare.ts';

describe('templateThink', () => {
  it('sends "max" to a gpt-oss template as "high", every other value as it is', () => {
    const oss = { template: GPT_OSS_TEMPLATE, config: { model_family: 'gptoss' } };
    expect(templateThink(oss, 'max')).toBe('high');
    expect(templateThink(oss, 'low')).toBe('low');
    expect(templateThink(oss, true)).toBe(true);
    expect(templateThink({ ...oss, config: { model_family: 'gpt-oss' } }, 'max')).toBe('high');
  });

  it('leaves "max" alone for other families and for gpt-oss without a harmony template', () => {
    expect(templateThink({ template: GPT_OSS_TEMPLATE, config: { model_family: 'llama' } }, 'max')).toBe(
      'max',
    );
    expect(templateThink({ template: '{{ .Prompt }}', config: { model_family: 'gptoss' } }, 'max')).toBe(
      'max',
    );
  });
});
