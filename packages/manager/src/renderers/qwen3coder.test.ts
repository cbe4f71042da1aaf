// Every case of Ollama's model/renderers/qwen3coder_test.go: the same messages and tools give the same prompt,
// byte for byte (the expected prompts are in qwen3coderExpected.ts, copied from the Go file).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TemplateMessage } from '../template/prompt.ts';
import type { ToolDefinition } from '../tools/types.ts';
import {
  formatToolCallArgument,
  formatToolDefinitionType,
  Qwen3CoderRenderer,
  renderAdditionalKeys,
} from './qwen3coder.ts';
import {
  BASIC,
  COMPLEX_ARGUMENTS,
  fnCall,
  PARALLEL_TOOL_CALLS,
  PREFILL,
  WITH_TOOLS_AND_RESPONSE,
  withToolsAndResponse,
} from './qwen3coderExpected.ts';
import { rendererForName } from './rendererForName.ts';

const numberTool = (name: string, description: string, param: string): ToolDefinition => ({
  function: {
    name,
    description,
    parameters: { properties: { number: { type: 'string', description: param } } },
  },
});

const cases: [string, TemplateMessage[], ToolDefinition[] | undefined, string][] = [
  [
    'basic',
    [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello, how are you?' },
    ],
    undefined,
    BASIC,
  ],
  [
    'with tools and response',
    withToolsAndResponse.messages,
    withToolsAndResponse.tools,
    WITH_TOOLS_AND_RESPONSE,
  ],
  [
    'parallel tool calls',
    [
      { role: 'system', content: 'You are a helpful assistant with access to tools.' },
      { role: 'user', content: 'call double(1) and triple(2)' },
      {
        role: 'assistant',
        content: "I'll call double(1) and triple(2) for you.",
        tool_calls: [fnCall('double', { number: '1' }), fnCall('triple', { number: '2' })],
      },
      { role: 'tool', content: '{"number": 2}', tool_name: 'double' },
      { role: 'tool', content: '{"number": 6}', tool_name: 'triple' },
    ],
    [
      numberTool('double', 'Double a number', 'The number to double'),
      numberTool('triple', 'Triple a number', 'The number to triple'),
    ],
    PARALLEL_TOOL_CALLS,
  ],
  [
    'prefill',
    [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Tell me something interesting.' },
      { role: 'assistant', content: "I'll tell you something interesting about cats" },
    ],
    undefined,
    PREFILL,
  ],
  [
    'complex tool call arguments should remain json encoded',
    [
      { role: 'user', content: 'call tool' },
      { role: 'assistant', content: '', tool_calls: [fnCall('echo', { payload: { foo: 'bar' } })] },
      { role: 'tool', content: '{"payload": {"foo": "bar"}}', tool_name: 'echo' },
    ],
    undefined,
    COMPLEX_ARGUMENTS,
  ],
];

describe('qwen3-coder renderer (TestQwen3CoderRenderer)', () => {
  it.each(cases)('%s', (_name, messages, tools, expected) => {
    expect(new Qwen3CoderRenderer().render(messages, tools)).toBe(expected);
  });

  it('is registered as qwen3-coder, and think changes nothing (the family does not think)', () => {
    const r = rendererForName('qwen3-coder')!;
    for (const think of [undefined, true, false, 'high'] as const) {
      expect(r.render(withToolsAndResponse.messages, withToolsAndResponse.tools, think)).toBe(
        WITH_TOOLS_AND_RESPONSE,
      );
    }
  });

  it('TestQwen3CoderRendererToolResponseNoTrailingNewline', () => {
    const rendered = new Qwen3CoderRenderer().render(
      [
        { role: 'user', content: 'call tool' },
        { role: 'assistant', content: '', tool_calls: [fnCall('echo', { payload: 'ok' })] },
        { role: 'tool', content: '{"payload":"ok"}', tool_name: 'echo' },
      ],
      undefined,
    );
    expect(rendered).not.toContain('</tool_response>\n<|im_end|>');
    expect(rendered).toContain('</tool_response><|im_end|>');
  });

  it('gives a conversation with tools and no system message the reference default one', () => {
    const rendered = new Qwen3CoderRenderer().render(
      [{ role: 'user', content: 'hi' }],
      [numberTool('double', 'Double a number', 'The number to double')],
    );
    expect(rendered).toMatch(
      /^<\|im_start\|>system\nYou are Qwen, a helpful AI assistant that can interact with a computer to solve tasks\.\n\n# Tools\n/,
    );
  });

  it('keeps the first system message with text and leaves the others out', () => {
    const rendered = new Qwen3CoderRenderer().render(
      [
        { role: 'system', content: '' },
        { role: 'system', content: 'first' },
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'second' },
      ],
      undefined,
    );
    expect(rendered).toBe(
      '<|im_start|>system\nfirst<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it("shows a property's types and schema keys as Ollama's structs hold them, in the request's order", () => {
    const rendered = new Qwen3CoderRenderer().render(
      [{ role: 'user', content: 'go' }],
      [
        {
          function: {
            name: 'search',
            parameters: {
              type: 'object',
              $defs: { b: 1, a: 'x<y' },
              required: ['query'],
              properties: {
                query: { type: ['string', 'null'], minimum: 3, items: { z: 1, a: 2 } },
                filters: {
                  anyOf: [{ type: 'object', properties: { tag: { type: 'string' } } }, { type: 'null' }],
                },
              },
            },
          },
        },
      ],
    );
    expect(rendered).toContain(
      '<parameters>\n' +
        '<parameter>\n<name>query</name>\n<type>["string","null"]</type>\n<items>{"a":2,"z":1}</items>\n</parameter>\n' +
        '<parameter>\n<name>filters</name>\n' +
        '<anyOf>[{"properties":{"tag":{"type":"string"}},"type":"object"},{"type":"null"}]</anyOf>\n</parameter>\n' +
        '<$defs>{"a":"x\\u003cy","b":1}</$defs>\n<required>["query"]</required>\n</parameters>',
    );
  });

  it('writes call arguments as Go prints them, in the order given', () => {
    const rendered = new Qwen3CoderRenderer().render(
      [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [fnCall('f', { n: 1000000, x: 0.5, ok: true, none: null, list: [1, 'a'], s: 'a&b' })],
        },
      ],
      undefined,
    );
    expect(rendered).toBe(
      '<|im_start|>user\ngo<|im_end|>\n<|im_start|>assistant\n\n<tool_call>\n<function=f>' +
        '\n<parameter=n>\n1e+06\n</parameter>\n<parameter=x>\n0.5\n</parameter>' +
        '\n<parameter=ok>\ntrue\n</parameter>\n<parameter=none>\nnull\n</parameter>' +
        '\n<parameter=list>\n[1,"a"]\n</parameter>\n<parameter=s>\na&b\n</parameter>' +
        '\n</function>\n</tool_call><|im_end|>\n',
    );
  });
});

describe('qwen3-coder value formatting', () => {
  it.each([
    ['string', 'foo', 'foo'], // no quotes around the string
    ['map', { foo: 'bar' }, '{"foo":"bar"}'],
    ['number', 1, '1'],
    ['boolean', true, 'true'],
  ])('TestFormatToolCallArgument: %s', (_name, arg, expected) => {
    expect(formatToolCallArgument(arg)).toBe(expected);
  });

  it.each([
    ['simple', ['string'], 'string'],
    ['multiple', ['string', 'number'], '["string","number"]'],
    ['empty', [], '[]'],
  ])('TestQwen3ToolDefinitionTypes: %s', (_name, types, expected) => {
    expect(formatToolDefinitionType(types)).toBe(expected);
  });

  it('renderAdditionalKeys leaves out handled keys and nulls', () => {
    expect(renderAdditionalKeys({ type: 'x', a: null, b: 2.5, c: ['<'] }, ['type'])).toBe(
      '\n<b>2.5</b>\n<c>["\\u003c"]</c>',
    );
  });
});

describe('qwen3-coder renderer on any conversation', () => {
  it('writes a prompt for any JSON in the messages and tools, ending in the generation prompt or a prefill', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const message = fc.record({
      role: fc.constantFrom('system', 'user', 'assistant', 'tool', 'other'),
      content: fc.string(),
      tool_calls: fc.option(
        fc.array(fc.oneof(json, fc.record({ function: fc.record({ name: json, arguments: json }) }))),
        { nil: undefined },
      ),
    });
    const tool = fc.oneof(
      fc.record({ function: fc.record({ name: fc.string(), description: json, parameters: json }) }),
      fc.record({
        function: fc.record({
          name: fc.string(),
          parameters: fc.record({ type: json, required: json, properties: fc.dictionary(fc.string(), json) }),
        }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 6 }),
        fc.option(fc.array(tool, { maxLength: 3 })),
        (messages, tools) => {
          const prompt = new Qwen3CoderRenderer().render(
            messages as TemplateMessage[],
            (tools ?? undefined) as ToolDefinition[] | undefined,
          );
          const last = messages.filter((m) => m.role !== 'system').at(-1);
          if (last && last.role !== 'assistant')
            expect(prompt.endsWith('<|im_start|>assistant\n')).toBe(true);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});
