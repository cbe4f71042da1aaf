// Cases from Ollama's model/parsers/qwen3_test.go and harmony/harmonyparser_test.go: the same outputs, split
// into the same content, thinking and calls.
import { describe, expect, it } from 'vitest';
import { feedPieces } from './feedPieces.ts';
import { FunctionNameMap, HarmonyParser, parseHeader } from './harmony.ts';
import { parserForName } from './parserForName.ts';
import { Qwen3Parser } from './qwen3.ts';

const run = feedPieces;
const call = (index: number, name: string, args: Record<string, unknown>) => ({
  function: { index, name, arguments: args },
});

describe('qwen3 parser (Ollama model/parsers/qwen3_test.go)', () => {
  const thinking = () => {
    const p = new Qwen3Parser(true, true);
    p.init([], undefined, true);
    return p;
  };
  const instruct = () => {
    const p = new Qwen3Parser(false, false);
    p.init([], undefined, false);
    return p;
  };
  it('TestQwen3ParserThinkingEnabled', () => {
    expect(run(thinking(), ['Let me think...</think>Answer.'])).toEqual({
      content: 'Answer.',
      thinking: 'Let me think...',
      calls: [],
    });
  });
  it('TestQwen3ParserThinkingEnabledWithExplicitOpeningTag', () => {
    expect(run(thinking(), ['<think>\nLet me think...</think>Answer.'])).toEqual({
      content: 'Answer.',
      thinking: 'Let me think...',
      calls: [],
    });
  });
  it('TestQwen3ParserThinkingEnabledWithSplitOpeningTag', () => {
    const p = thinking();
    expect(p.add('<thi', false)).toEqual({ content: '', thinking: '', calls: [] });
    expect(p.add('nk>Let me think...</think>Answer.', true)).toEqual({
      content: 'Answer.',
      thinking: 'Let me think...',
      calls: [],
    });
  });
  it('TestQwen3ParserThinkingDisabled and NilThinkDefaultsToContentForInstructParser', () => {
    expect(run(instruct(), ['Direct answer'])).toEqual({ content: 'Direct answer', thinking: '', calls: [] });
    const p = new Qwen3Parser(false, false);
    p.init([], undefined, undefined);
    expect(run(p, ['Direct answer'])).toEqual({ content: 'Direct answer', thinking: '', calls: [] });
  });
  it('TestQwen3ParserToolCall', () => {
    const r = run(instruct(), [
      '<tool_call>{"name":"get_weather","arguments":{"location":"San Francisco","unit":"celsius"}}</tool_call>',
    ]);
    expect(r).toEqual({
      content: '',
      thinking: '',
      calls: [call(0, 'get_weather', { location: 'San Francisco', unit: 'celsius' })],
    });
  });
  it('TestQwen3ParserThinkingWithToolCallBeforeThinkingClose', () => {
    const r = run(thinking(), [
      'Let me think<tool_call>{"name":"get_weather","arguments":{"location":"San Francisco","unit":"celsius"}}</tool_call>',
    ]);
    expect(r.thinking).toBe('Let me think');
    expect(r.content).toBe('');
    expect(r.calls).toEqual([call(0, 'get_weather', { location: 'San Francisco', unit: 'celsius' })]);
  });
  it('TestQwen3ParserThinkingWithSplitToolOpenTag', () => {
    const p = thinking();
    expect(p.add('Let me think<tool_ca', false)).toEqual({
      content: '',
      thinking: 'Let me think',
      calls: [],
    });
    expect(p.add('ll>{"name":"get_weather","arguments":{"location":"SF"}}</tool_call>', true)).toEqual({
      content: '',
      thinking: '',
      calls: [call(0, 'get_weather', { location: 'SF' })],
    });
  });
  it('TestQwen3ParserToolCallIndexing and ...Streaming', () => {
    const whole = run(instruct(), [
      '<tool_call>{"name":"first","arguments":{"a":"1"}}</tool_call>\n<tool_call>{"name":"second","arguments":{"b":"2"}}</tool_call>\n<tool_call>{"name":"third","arguments":{"c":"3"}}</tool_call>',
    ]);
    const want = [call(0, 'first', { a: '1' }), call(1, 'second', { b: '2' }), call(2, 'third', { c: '3' })];
    expect(whole.calls).toEqual(want);
    const streamed = run(instruct(), [
      '<tool_call>{"name":"first","arguments":{"a":"1"}}</tool_call><tool_call>{"name":"second","arguments":{"b":"2"}',
      '}</tool_call><tool_call>{"name":"third","arguments":{"c":"3"}}</tool_call>',
    ]);
    expect(streamed.calls).toEqual(want);
  });
  it('content before a call stays content; a call that never closes comes back as text (ours)', () => {
    expect(run(instruct(), ['Checking. <tool_call>{"name":"x","argu'])).toEqual({
      content: 'Checking.<tool_call>{"name":"x","argu',
      thinking: '',
      calls: [],
    });
  });
  it('knows the names Ollama registers', () => {
    expect(parserForName('qwen3')?.hasThinkingSupport).toBe(false);
    expect(parserForName('qwen3-thinking')?.hasThinkingSupport).toBe(true);
    expect(parserForName('harmony')?.hasToolSupport).toBe(true);
    expect(parserForName('nonesuch')).toBeUndefined();
  });
});

describe('harmony parser (Ollama harmony/harmonyparser_test.go)', () => {
  const headers: [string, string, string, string][] = [
    ['assistant<|channel|>analysis', 'assistant', 'analysis', ''],
    [
      'assistant<|channel|>analysis to=functions.get_weather',
      'assistant',
      'analysis',
      'functions.get_weather',
    ],
    [
      'assistant to=functions.get_weather<|channel|>analysis',
      'assistant',
      'analysis',
      'functions.get_weather',
    ],
    ['to=functions.get_weather<|channel|>analysis', 'tool', 'analysis', 'functions.get_weather'],
    [
      'assistant to=functions.get_weather abc<|channel|>analysis',
      'assistant',
      'analysis',
      'functions.get_weather',
    ],
    [
      'assistant<|channel|>commentary to=functions.get_weather <|constrain|>json',
      'assistant',
      'commentary',
      'functions.get_weather',
    ],
    [
      'assistant to=functions.get_weather<|channel|>commentary <|constrain|>json',
      'assistant',
      'commentary',
      'functions.get_weather',
    ],
    [
      'assistant<|channel|>commentary to=functions.get_weather<|constrain|>json',
      'assistant',
      'commentary',
      'functions.get_weather',
    ],
    [
      'assistant to=functions.get_weather<|channel|>commentary<|constrain|>json',
      'assistant',
      'commentary',
      'functions.get_weather',
    ],
  ];
  for (const [raw, role, channel, recipient] of headers) {
    it(`TestHeaderParsing ${raw}`, () => expect(parseHeader(raw)).toEqual({ role, channel, recipient }));
  }

  it('TestFunctionConvertToValidChars and TestFunctionConvertAndAdd', () => {
    const cases: [string, string][] = [
      ['get weather', 'get_weather'],
      ['get-weather', 'get_weather'],
      ['get.weather', 'get_weather'],
      ['get weather!', 'get_weather'],
      ['a🫠bc', 'abc'],
      ['🫠', 'unnamed'],
      ['123', '_123'],
      ['$', '$'],
      ['𝓸𝓵𝓵𝓪𝓶𝓪', '𝓸𝓵𝓵𝓪𝓶𝓪'],
      ['ⓞⓛⓛⓐⓜⓐ123', '_123'],
    ];
    for (const [input, want] of cases) expect(new FunctionNameMap().convertAndAdd(input)).toBe(want);
    const m = new FunctionNameMap();
    expect(['a', 'a', 'b', 'a', 'a', 'b', 'a'].map((n) => m.convertAndAdd(n))).toEqual([
      'a',
      'a_2',
      'b',
      'a_3',
      'a_4',
      'b_2',
      'a_5',
    ]);
    const b = new FunctionNameMap();
    expect(['browser.open', 'python', 'not.a.built-in.function'].map((n) => b.convertAndAdd(n))).toEqual([
      'browser.open',
      'python',
      'not_a_built_in_function',
    ]);
  });

  it('splits thinking, content and a tool call, streamed token by token (TestHarmonyParserHeaderEvent input)', () => {
    const p = new HarmonyParser();
    const tools = p.init([{ type: 'function', function: { name: 'get-current-weather' } }], undefined);
    expect(tools[0]?.function?.name).toBe('get_current_weather');
    const out =
      '<|channel|>analysis<|message|>User asks weather in SF.<|end|><|start|>assistant<|channel|>commentary to=functions.get_current_weather <|constrain|>json<|message|>{"location":"San Francisco, CA"}';
    const pieces = out.match(/<\|[a-z]+\|>|[^<]+|</g)!;
    expect(run(p, pieces)).toEqual({
      content: '',
      thinking: 'User asks weather in SF.',
      calls: [call(0, 'get-current-weather', { location: 'San Francisco, CA' })],
    });
  });

  it('returns the final channel as content', () => {
    const p = new HarmonyParser();
    p.init([], undefined);
    expect(
      run(p, [
        '<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>Hello',
        ' there.',
      ]),
    ).toEqual({
      content: 'Hello there.',
      thinking: 'Think.',
      calls: [],
    });
  });
});
