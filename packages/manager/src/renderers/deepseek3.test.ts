// Ollama's model/renderers/deepseek3_test.go (deepseek3.cases.ts): byte-exact prompts for the same messages,
// tools and think value; and the JSON a tool and a call are written with, as Go marshals them.
import { describe, expect, it } from 'vitest';
import { RENDER_CASES } from './deepseek3.cases.ts';
import { DeepSeek3Renderer } from './deepseek3.ts';
import { rendererForName } from './rendererForName.ts';

const render = (c: (typeof RENDER_CASES)[number]) =>
  new DeepSeek3Renderer(true).render(
    c.messages.map((m) => ({ ...m, content: m.content ?? '' })),
    c.tools,
    c.think,
  );

describe('deepseek3.1 renderer (Ollama model/renderers/deepseek3_test.go)', () => {
  it.each(RENDER_CASES)('TestDeepSeekRenderer $name', (c) => {
    expect(render(c)).toBe(c.expected);
  });

  it('is registered as deepseek3.1, the name Ollama registry configs use', () => {
    expect(rendererForName('deepseek3.1')).toBeInstanceOf(DeepSeek3Renderer);
    expect(rendererForName('deepseek3')).toBeUndefined();
  });

  it('think unset or false writes </think>; true or a level writes <think>', () => {
    const m = [{ role: 'user', content: 'hi' }];
    const r = new DeepSeek3Renderer(true);
    expect(r.render(m, undefined, undefined)).toBe(
      '<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜></think>',
    );
    expect(r.render(m, undefined, 'low')).toBe('<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>');
    expect(new DeepSeek3Renderer(false).render(m, undefined, true)).toBe(
      '<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜></think>',
    );
  });

  it('writes parameters and arguments as Go marshals its structs: field order, HTML escapes, unknown keys dropped', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'f',
          description: 'a <b> & c',
          parameters: {
            properties: {
              z: { description: 'last', type: 'string', extra: 1 },
              a: { type: ['string', 'null'] },
            },
            required: ['z'],
            type: 'object',
            additionalProperties: false,
          },
        },
      },
    ];
    const messages = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'f', arguments: { z: '<x>', a: { y: 1, b: [2] } } } }],
      },
    ];
    const out = new DeepSeek3Renderer(true).render(messages, tools, false);
    // Description is written as it is; the JSON escapes <, > and & as Go's encoding/json does.
    expect(out).toContain('\nDescription: a <b> & c\n');
    expect(out).toContain(
      '\n\nParameters: {"type":"object","required":["z"],"properties":{"z":{"type":"string","description":"last"},"a":{"type":["string","null"]}}}\n',
    );
    // The call's keys keep their order; a nested object's keys are sorted (a Go map).
    expect(out).toContain('<｜tool▁sep｜>{"z":"\\u003cx\\u003e","a":{"b":[2],"y":1}}<｜tool▁call▁end｜>');
  });

  it('a tool without parameters has "properties": null, as Go writes a nil map pointer', () => {
    const out = new DeepSeek3Renderer(true).render(
      [{ role: 'user', content: 'x' }],
      [{ type: 'function', function: { name: 'ping' } }],
      false,
    );
    expect(out).toContain('\n### ping\nDescription: \n\nParameters: {"type":"","properties":null}\n');
  });
});
