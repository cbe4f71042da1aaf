// Ollama's model/renderers/gemma4_reference_test.go and server/gemma4_test.go (TestResolveGemma4Renderer): the same
// conversations render to the same prompt, byte for byte.
import { describe, expect, it } from 'vitest';
import { Gemma4Renderer } from './gemma4.ts';
import {
  anyOfTool,
  bashAndReadRefTools,
  bashSmallTool,
  canonicalContinuationBase,
  canonicalContinuationMessages,
  expandedParityCases,
  expandedParityJinja2,
  goMessages,
  knownJinja2Differences,
  referenceCases,
  unknownToolResponseMessages,
} from './gemma4ReferenceCases.ts';
import { resolveGemma4Renderer, resolveRendererName } from './renderer_resolution.ts';
import { rendererForName } from './rendererForName.ts';

const small = () => new Gemma4Renderer(true, false);

describe('gemma4 renderer (Ollama TestGemma4RendererMatchesReference)', () => {
  it.each(referenceCases)('$name', ({ messages, tools, think, expected }) => {
    expect(small().render(goMessages(messages), tools, think)).toBe(expected);
  });
});

describe('gemma4 renderer against the Jinja2 template (Ollama TestGemma4RendererMatchesJinja2ExpandedParity)', () => {
  it.each(expandedParityCases)('$name', ({ name, messages, tools, think }) => {
    const want = expandedParityJinja2[name]!;
    expect(new Gemma4Renderer(true, false).render(goMessages(messages), tools, think)).toBe(want.small);
    expect(new Gemma4Renderer(true, true).render(goMessages(messages), tools, think)).toBe(want.large);
  });
});

describe('gemma4 renderer variants', () => {
  const messages = [{ role: 'user', content: 'Hello' }];
  it.each([
    ['legacy_alias', 'gemma4', '<bos><|turn>user\nHello<turn|>\n<|turn>model\n'],
    ['small', 'gemma4-small', '<bos><|turn>user\nHello<turn|>\n<|turn>model\n'],
    ['large', 'gemma4-large', '<bos><|turn>user\nHello<turn|>\n<|turn>model\n<|channel>thought\n<channel|>'],
  ])('TestGemma4RendererVariantsMatchExpectedGenerationPrompt %s', (_name, rendererName, expected) => {
    expect(rendererForName(rendererName)!.render(messages, undefined, undefined)).toBe(expected);
  });

  it('TestGemma4LargeRendererOmitsEmptyThoughtBlockWhenThinkingEnabled', () => {
    const got = rendererForName('gemma4-large')!.render(messages, undefined, true);
    expect(got).toBe('<bos><|turn>system\n<|think|>\n<turn|>\n<|turn>user\nHello<turn|>\n<|turn>model\n');
    expect(got).not.toContain('<|channel>thought\n<channel|>');
  });

  it.each([
    ['small', new Gemma4Renderer(false, false), canonicalContinuationBase],
    ['31b', new Gemma4Renderer(false, true), `${canonicalContinuationBase}<|channel>thought\n<channel|>`],
  ])('TestGemma4RendererCanonicalToolContinuations %s', (_name, renderer, want) => {
    const got = renderer.render(goMessages(canonicalContinuationMessages), bashSmallTool(), undefined);
    expect(got).toBe(want);
    expect(got).not.toContain('First.<turn|>\n<|tool_call>');
    expect(got).not.toContain('Checking.<turn|>\nDone.');
  });

  // The renderer's side of TestGemma4RendererKnownJinja2Differences.
  it.each(knownJinja2Differences)(
    'known difference from the template: $name',
    ({ messages, tools, wantRenderFrag }) => {
      expect(small().render(goMessages(messages), tools, undefined)).toContain(wantRenderFrag);
    },
  );

  it('TestGemma4RendererNormalizesSimpleAnyOfToTypedUnion', () => {
    const got = small().render([{ role: 'user', content: 'Pick' }], anyOfTool(), undefined);
    expect(got).toContain(`value:{description:<|"|>Value<|"|>,type:<|"|>['STRING', 'NUMBER']<|"|>}`);
  });

  it('TestGemma4RendererToolResponseWithoutNameOrIDUsesUnknown', () => {
    const got = small().render(goMessages(unknownToolResponseMessages), bashAndReadRefTools(), undefined);
    expect(got).toContain(`response:unknown{value:<|"|>payload<|"|>}`);
    expect(got).not.toContain(`response:read{value:<|"|>payload<|"|>}`);
  });

  it('think levels turn thinking on as true does (api.ThinkValue.Bool)', () => {
    const on = small().render([{ role: 'user', content: 'Hi' }], undefined, true);
    for (const level of ['low', 'medium', 'high', 'max'] as const) {
      expect(small().render([{ role: 'user', content: 'Hi' }], undefined, level)).toBe(on);
    }
  });

  it('images become [img-N] tags numbered across the conversation (image_tags.go)', () => {
    const got = small().render(
      [
        { role: 'user', content: 'Look', images: ['a'] },
        { role: 'assistant', content: 'A cat.' },
        { role: 'user', content: 'And [img] here?', images: ['b'] },
      ],
      undefined,
      undefined,
    );
    expect(got).toBe(
      '<bos><|turn>user\n[img-0] Look<turn|>\n<|turn>model\nA cat.<turn|>\n' +
        '<|turn>user\nAnd [img-1] here?<turn|>\n<|turn>model\n',
    );
  });
});

describe('the legacy "gemma4" renderer by model size (Ollama TestResolveGemma4Renderer)', () => {
  it.each([
    ['nil model falls back to legacy alias', undefined, 'gemma4'],
    ['explicit small passes through', { renderer: 'gemma4-small' }, 'gemma4-small'],
    ['explicit large passes through', { renderer: 'gemma4-large' }, 'gemma4-large'],
    [
      'legacy e4b tag resolves small',
      { renderer: 'gemma4', name: 'gemma4:e4b', shortName: 'gemma4:e4b' },
      'gemma4-small',
    ],
    [
      'legacy 31b tag resolves large',
      { renderer: 'gemma4', name: 'gemma4:31b-cloud', shortName: 'gemma4:31b-cloud' },
      'gemma4-large',
    ],
    [
      'legacy 12b tag resolves large',
      { renderer: 'gemma4', name: 'gemma-4-12b-it', shortName: 'gemma-4-12b-it' },
      'gemma4-large',
    ],
    ['legacy model type resolves small', { renderer: 'gemma4', modelType: '4.3B' }, 'gemma4-small'],
    ['legacy model type resolves large', { renderer: 'gemma4', modelType: '25.2B' }, 'gemma4-large'],
    ['legacy 12b model type resolves large', { renderer: 'gemma4', modelType: '12B' }, 'gemma4-large'],
    ['legacy unknown defaults small', { renderer: 'gemma4' }, 'gemma4-small'],
  ])('%s', (_name, model, want) => {
    expect(resolveGemma4Renderer(model)).toBe(want);
  });

  it('resolveRendererName leaves other names alone', () => {
    expect(resolveRendererName({ renderer: 'qwen3-coder', name: 'gemma4:e4b' })).toBe('qwen3-coder');
    expect(resolveRendererName({ renderer: 'gemma4', name: 'gemma4:31b' })).toBe('gemma4-large');
    expect(resolveRendererName({})).toBe('');
  });
});
