// Ollama's model/parsers/gemma4_test.go: the same outputs split into the same content, thinking and calls, whole
// and (beyond Ollama's tests) streamed one character at a time and cut at every position.
import { describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../tools/types.ts';
import type { ThinkValue } from './builtinParser.ts';
import { feedPieces } from './feedPieces.ts';
import { Gemma4Parser, parseGemma4ToolCall } from './gemma4.ts';
import {
  gemma4ArgsToJSON,
  gemma4RepairCandidates,
  repairGemma4MissingObjectClose,
  repairGemma4MissingStringDelimiter,
  repairGemma4RawTerminalStringValue,
  repairGemma4SingleQuotedValues,
} from './gemma4Args.ts';
import {
  argsToJSONCases,
  type ExpectedCall,
  extraToolCallCloseTagCases,
  gemma4TestStringTool,
  issue15315Cases,
  missingObjectCloseCases,
  missingStringDelimiterCases,
  multiplePropertiesRepairCases,
  parserCases,
  rawTerminalStringValueCases,
  repairCandidatesCases,
  singleQuotedValueCases,
  splitThinkingTagCases,
  toolResponseBoundaryCases,
} from './gemma4Cases.ts';
import { parserForName } from './parserForName.ts';

const newParser = (
  hasThinkingSupport: boolean,
  lastMessage: { role: string; content?: string } | undefined,
  think: ThinkValue | undefined,
  tools: ToolDefinition[] = [],
) => {
  const p = new Gemma4Parser(hasThinkingSupport);
  p.init(tools, lastMessage, think);
  return p;
};

const run = feedPieces;

/** Go's expected calls, with the index Go's zero value gives where the table leaves it out. */
const calls = (expected: ExpectedCall[] | undefined) =>
  (expected ?? []).map((c) => ({ function: { ...c.function, index: c.function.index ?? 0 } }));

const weatherCall = [{ function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } }];

describe('gemma4 parser (Ollama TestGemma4Parser)', () => {
  const want = (tt: (typeof parserCases)[number]) => ({
    content: tt.expectedContent ?? '',
    thinking: tt.expectedThinking ?? '',
    calls: calls(tt.expectedToolCalls),
  });
  const parser = (tt: (typeof parserCases)[number]) =>
    newParser(true, tt.lastMessage, tt.thinkingEnabled ?? false);

  it.each(parserCases)('$name', (tt) => {
    expect(run(parser(tt), [tt.input])).toEqual(want(tt));
  });

  it.each(parserCases)('$name, one character at a time', (tt) => {
    expect(run(parser(tt), [...tt.input])).toEqual(want(tt));
  });

  it.each(parserCases)('$name, cut at every position', (tt) => {
    for (let at = 1; at < tt.input.length; at++) {
      expect(run(parser(tt), [tt.input.slice(0, at), tt.input.slice(at)]), `cut at ${at}`).toEqual(want(tt));
    }
  });
});

describe('gemma4 parser streaming', () => {
  it('TestGemma4Parser_Streaming', () => {
    const p = newParser(true, undefined, true);
    const r = run(p, ['<|channel>thought', '\nLet me think', '...<channel|>The answer', ' is 42.']);
    expect(r.content).toBe('The answer is 42.');
    expect(r.thinking).toBe('Let me think...');
  });

  it('TestGemma4Parser_ToolResponseContinuationStartsInThinking', () => {
    const p = newParser(true, { role: 'tool', content: 'go.mod\ngo.sum\n' }, true);
    expect(p.add('The user asked for files.<channel|>go.mod and go.sum', true)).toEqual({
      content: 'go.mod and go.sum',
      thinking: 'The user asked for files.',
      calls: [],
    });
  });

  it('TestGemma4Parser_StreamingToolCall', () => {
    const p = newParser(false, undefined, undefined);
    const r = run(p, ['<|tool_call>call:get_', 'weather{location:<|"|>Par', 'is<|"|>}<tool_call|>']);
    expect(r).toEqual({ content: '', thinking: '', calls: weatherCall });
  });

  it.each([
    ...extraToolCallCloseTagCases.map((c) => ({
      ...c,
      name: `TestGemma4Parser_IgnoresExtraToolCallCloseTags ${c.name}`,
    })),
    ...toolResponseBoundaryCases.map((c) => ({
      ...c,
      name: `TestGemma4Parser_IgnoresToolResponseBoundaryAfterToolCall ${c.name}`,
    })),
  ])('$name', ({ chunks, expectedContent }) => {
    const r = run(newParser(false, undefined, undefined), chunks);
    expect(r.content).toBe(expectedContent);
    expect(r.calls).toEqual(weatherCall);
  });

  it.each(splitThinkingTagCases)('TestGemma4Parser_StreamingSplitThinkingTag $name', (tt) => {
    const r = run(newParser(true, undefined, true), tt.chunks);
    expect(r.content).toBe(tt.expectedContent);
    expect(r.thinking).toBe(tt.expectedThinking);
  });
});

describe('gemma4 call arguments', () => {
  it.each(argsToJSONCases)('TestGemma4ArgsToJSON $name', ({ input, expected }) => {
    expect(gemma4ArgsToJSON(input)).toBe(expected);
  });

  it.each(missingStringDelimiterCases)(
    'TestRepairGemma4MissingStringDelimiter $name',
    ({ input, expected }) => {
      expect(repairGemma4MissingStringDelimiter(input)).toBe(expected);
    },
  );

  it.each(missingObjectCloseCases)('TestRepairGemma4MissingObjectClose $name', ({ input, expected }) => {
    expect(repairGemma4MissingObjectClose(input)).toBe(expected);
  });

  it.each(singleQuotedValueCases)('TestRepairGemma4SingleQuotedValues $name', ({ input, expected }) => {
    expect(repairGemma4SingleQuotedValues(input)).toBe(expected);
  });

  it.each(rawTerminalStringValueCases)('TestRepairGemma4RawTerminalStringValue $name', (tt) => {
    const got = repairGemma4RawTerminalStringValue(tt.input, tt.toolName, tt.tools ?? undefined);
    expect(got !== undefined).toBe(tt.expectedOK);
    expect(got ?? '').toBe(tt.expected ?? '');
  });

  it.each(repairCandidatesCases)(
    'TestGemma4RepairCandidates $name',
    ({ input, toolName, tools, expected }) => {
      expect(gemma4RepairCandidates(input, toolName, tools)).toEqual(expected);
    },
  );

  it('TestParseGemma4ToolCall_InvalidRawQuotedEscape', () => {
    expect(parseGemma4ToolCall(String.raw`call:open_file{path:"C:\users\bob\file.txt"}`, [])).toBeInstanceOf(
      Error,
    );
  });

  it.each([
    [
      'TestParseGemma4ToolCall_QuotedScalarsStayStrings',
      'call:foo{n:<|"|>1<|"|>,b:<|"|>true<|"|>,z:<|"|>null<|"|>}',
      'foo',
      { n: '1', b: 'true', z: 'null' },
    ],
    [
      'TestParseGemma4ToolCall_UnquotedScalarsKeepStructuredTypes',
      'call:foo{n:1,b:true,z:null}',
      'foo',
      { n: 1, b: true, z: null },
    ],
    [
      'TestParseGemma4ToolCall_ReferenceImplementationExample',
      'call:get_current_temperature{detail_level:0,location:<|"|>Paris, France<|"|>,unit:<|"|>celsius<|"|>}',
      'get_current_temperature',
      { detail_level: 0, location: 'Paris, France', unit: 'celsius' },
    ],
    ['TestParseGemma4ToolCall_RawQuotedStructuralString', 'call:foo{q:"a,b:c"}', 'foo', { q: 'a,b:c' }],
  ])('%s', (_name, content, name, args) => {
    expect(parseGemma4ToolCall(content, [])).toEqual({ function: { index: 0, name, arguments: args } });
  });

  it.each([...issue15315Cases, ...multiplePropertiesRepairCases])(
    'TestParseGemma4ToolCall_Repairs $name',
    ({ content, tools, want }) => {
      expect(parseGemma4ToolCall(content, tools)).toEqual(calls([want])[0]);
    },
  );

  it('TestParseGemma4ToolCall_DoesNotRepairNonTerminalUnclosedGemmaString', () => {
    const tools = [gemma4TestStringTool('example', 'first', 'second')];
    expect(parseGemma4ToolCall('call:example{first:<|"|>one,second:<|"|>two<|"|>}', tools)).toBeInstanceOf(
      Error,
    );
  });
});

describe('gemma4 parser support', () => {
  it('TestGemma4Parser_HasToolSupport and HasThinkingSupport, by registry name', () => {
    expect(parserForName('gemma4')).toMatchObject({ hasToolSupport: true, hasThinkingSupport: true });
    expect(parserForName('gemma4-no-thinking')).toMatchObject({
      hasToolSupport: true,
      hasThinkingSupport: false,
    });
  });

  it('TestPreservedTokensForCompletion (server/gemma4_test.go)', () => {
    expect(parserForName('gemma4')!.preservedTokens).toEqual([
      '<|channel>',
      '<channel|>',
      '<|tool_call>',
      '<tool_call|>',
      '<|tool_response>',
      '<|"|>',
    ]);
  });

  it('think: false, and a model without thinking, drop a channel block instead of reporting it', () => {
    const input = '<|channel>thought\nhidden<channel|>Shown.';
    for (const p of [newParser(true, undefined, false), newParser(false, undefined, true)]) {
      expect(run(p, [input])).toEqual({ content: 'Shown.', thinking: '', calls: [] });
    }
  });

  it('a think level turns thinking on', () => {
    const r = run(newParser(true, undefined, 'high'), ['<|channel>thought\nWhy.<channel|>Because.']);
    expect(r).toEqual({ content: 'Because.', thinking: 'Why.', calls: [] });
  });

  it('not in Ollama: a call that cannot be parsed, closed or not, comes back as text instead of being dropped', () => {
    expect(
      run(newParser(false, undefined, undefined), ['Sure.<|tool_call>call:get_weather{location:']),
    ).toEqual({
      content: 'Sure.<|tool_call>call:get_weather{location:',
      thinking: '',
      calls: [],
    });
    expect(
      run(newParser(false, undefined, undefined), ['<|tool_call>no call here<tool_call|>Then text.']),
    ).toEqual({
      content: '<|tool_call>no call hereThen text.',
      thinking: '',
      calls: [],
    });
  });
});
