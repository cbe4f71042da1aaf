// Every case of Ollama's model/parsers/qwen3coder_test.go, with the same inputs and the same events, calls and
// values; then each streaming case again in every split of its input and in 1-character pieces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../tools/types.ts';
import { ParserError } from './builtinParser.ts';
import { feedPieces } from './feedPieces.ts';
import { parserForName } from './parserForName.ts';
import { type Qwen3CoderEvent, Qwen3CoderParser } from './qwen3coder.ts';
import { parseToolCall, parseValue, transformToXML } from './qwen3coderToolCall.ts';
import { overlap, trailingSpaceLength } from './textScan.ts';

const content = (c: string): Qwen3CoderEvent => ({ content: c });
const raw = (r: string): Qwen3CoderEvent => ({ rawToolCall: r });
const call = (index: number, name: string, args: Record<string, unknown>) => ({
  function: { index, name, arguments: args },
});

/** Ollama's tool() test helper: a function tool with these properties. */
const tool = (name: string, properties: Record<string, unknown>): ToolDefinition => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties } },
});

type Step = [input: string, events: Qwen3CoderEvent[]];

// TestQwenParserStreaming
const streaming: [string, Step[]][] = [
  [
    'simple message streamed word by word',
    [
      ['hi', [content('hi')]],
      [' there', [content(' there')]],
    ],
  ],
  ['content before tool call', [['hi there<tool_call>', [content('hi there')]]]],
  [
    'multiple tool calls in one message',
    [
      [
        'before1<tool_call>in tool call</tool_call>after1<tool_call>in tool call 2</tool_call>after2',
        [
          content('before1'),
          raw('in tool call'),
          content('after1'),
          raw('in tool call 2'),
          content('after2'),
        ],
      ],
    ],
  ],
  [
    'tool calls with split tags',
    [
      ['before<tool', [content('before')]],
      ['_call>in tool call</tool', []],
      ['_call>af', [raw('in tool call'), content('af')]],
      ['ter', [content('ter')]],
    ],
  ],
  [
    'tool call tags split character by character',
    [...'<tool_call>abc</tool_call'].map((c): Step => [c, []]).concat([['>', [raw('abc')]]]),
  ],
  [
    'trailing whitespace between content and tool call',
    [['abc\n<tool_call>def</tool_call>', [content('abc'), raw('def')]]],
  ],
  [
    'unambiguous empty: partial tool open at buffer start',
    [
      ['<tool_ca', []],
      ['ll>abc</tool_call>', [raw('abc')]],
    ],
  ],
  [
    'trailing whitespace between tool call and content',
    [['<tool_call>abc</tool_call>\ndef', [raw('abc'), content('def')]]],
  ],
  ['empty content before tool call', [['\n<tool_call>abc</tool_call>', [raw('abc')]]]],
  [
    'partial tool open tag fakeout',
    [
      // \n should not be emitted yet because `<tool_call` might be a tool open tag, whose whitespace is trimmed
      ['abc\n<tool_call', [content('abc')]],
      [' fakeout', [content('\n<tool_call fakeout')]],
    ],
  ],
  [
    'token-by-token whitespace handling',
    [
      ['a', [content('a')]],
      ['\n', []],
      ['b', [content('\nb')]],
    ],
  ],
  [
    'unicode content',
    [['你好 🌍<tool_call>test</tool_call>مرحبا', [content('你好 🌍'), raw('test'), content('مرحبا')]]],
  ],
  ['arabic text handling', [['مرحبا بالعالم', [content('مرحبا بالعالم')]]]],
  ['emoji passthrough', [['✅', [content('✅')]]]],
  ['emoji after tool call', [['<tool_call>test</tool_call>完成 ✅', [raw('test'), content('完成 ✅')]]]],
  [
    'unicode streaming with whitespace handling',
    [
      ['مرحبا', [content('مرحبا')]],
      [' \n', []],
      ['世界', [content(' \n世界')]],
    ],
  ],
  [
    'non-breaking space withheld across chunks',
    [
      ['Hello\u00a0', [content('Hello')]],
      ['world', [content('\u00a0world')]],
    ],
  ],
  [
    'ideographic space before partial tool',
    [
      ['Hello\u3000<tool', [content('Hello')]],
      ['_call>abc', []],
      ['</tool_call>def', [raw('abc'), content('def')]],
    ],
  ],
  [
    'ideographic space before partial tool fakeout',
    [
      ['Hello\u3000<tool', [content('Hello')]],
      ['fakeout>abc', [content('\u3000<toolfakeout>abc')]],
    ],
  ],
  ['unicode with partial tool tag', [['测试🎯 <to', [content('测试🎯')]]]],
];

/** Joins neighbouring content events: how a split changes the events of the same text. */
function merged(events: Qwen3CoderEvent[]): Qwen3CoderEvent[] {
  const out: Qwen3CoderEvent[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if ('content' in e && last && 'content' in last) out[out.length - 1] = content(last.content + e.content);
    else out.push(e);
  }
  return out;
}

function eventsOf(pieces: string[]): Qwen3CoderEvent[] {
  const p = new Qwen3CoderParser();
  return merged(pieces.flatMap((piece) => p.parseEvents(piece)));
}

describe('qwen3-coder parser streaming (TestQwenParserStreaming)', () => {
  it.each(streaming)('%s', (_desc, steps) => {
    const p = new Qwen3CoderParser();
    for (const [input, want] of steps) expect(p.parseEvents(input)).toEqual(want);
  });

  // Ollama drops the whitespace after a call only when it comes with the closing tag: that case depends on the
  // split (checked on its own below).
  const splitProof = streaming.filter(
    ([desc]) => desc !== 'trailing whitespace between tool call and content',
  );
  it.each(splitProof)('%s: the same events in every split and in 1-character pieces', (_desc, steps) => {
    const text = steps.map(([input]) => input).join('');
    const want = merged(steps.flatMap(([, events]) => events));
    for (let at = 0; at <= text.length; at++) {
      expect(eventsOf([text.slice(0, at), text.slice(at)])).toEqual(want);
    }
    expect(eventsOf([...text])).toEqual(want);
  });

  it('keeps whitespace after a call that arrives after its closing tag, as Ollama does', () => {
    expect(eventsOf(['<tool_call>abc</tool_call>', '\ndef'])).toEqual([raw('abc'), content('\ndef')]);
  });
});

describe('qwen3-coder tool calls (TestQwenToolParser)', () => {
  const cases: [string, string, ToolDefinition[], string, Record<string, unknown>][] = [
    [
      'simple tool call',
      '<function=get_current_temperature>\n<parameter=location>\nSan Francisco\n</parameter>\n<parameter=unit>\ncelsius\n</parameter>\n</function>',
      [],
      'get_current_temperature',
      { location: 'San Francisco', unit: 'celsius' },
    ],
    [
      'names with spaces',
      '<function=get current temperature>\n<parameter=location with spaces>\nSan Francisco\n</parameter>\n<parameter=unit with spaces>\ncelsius\n</parameter>\n</function>',
      [],
      'get current temperature',
      { 'location with spaces': 'San Francisco', 'unit with spaces': 'celsius' },
    ],
    // Ollama: this mirrors the reference implementation; the test documents it and that there is no XML error.
    [
      'names with quotes',
      '<function="get current temperature">\n<parameter="location with spaces">\nSan Francisco\n</parameter>\n<parameter="unit with spaces">\n"celsius"\n</parameter>\n</function>',
      [],
      '"get current temperature"',
      { '"location with spaces"': 'San Francisco', '"unit with spaces"': '"celsius"' },
    ],
    [
      'tool call with typed parameters',
      '<function=calculate>\n<parameter=x>\n3.14\n</parameter>\n<parameter=y>\n42\n</parameter>\n<parameter=enabled>\ntrue\n</parameter>\n<parameter=items>\n["a", "b", "c"]\n</parameter>\n</function>',
      [
        tool('calculate', {
          x: { type: 'number' },
          y: { type: 'integer' },
          enabled: { type: 'boolean' },
          items: { type: 'array' },
        }),
      ],
      'calculate',
      { x: 3.14, y: 42, enabled: true, items: ['a', 'b', 'c'] },
    ],
    // Ollama's regression test for https://github.com/ollama/ollama/issues/12357
    [
      'ampersands in parameter values',
      '<function=exec>\n<parameter=command>\nls && echo "done"\n</parameter>\n</function>',
      [],
      'exec',
      { command: 'ls && echo "done"' },
    ],
    [
      'angle brackets in parameter values',
      '<function=exec>\n<parameter=command>\nls && echo "a > b and a < b"\n</parameter>\n</function>',
      [],
      'exec',
      { command: 'ls && echo "a > b and a < b"' },
    ],
    [
      'unicode in function names and parameters',
      '<function=获取天气>\n<parameter=城市>\n北京\n</parameter>\n<parameter=message>\nHello! 你好! 🌟 مرحبا\n</parameter>\n</function>',
      [],
      '获取天气',
      { 城市: '北京', message: 'Hello! 你好! 🌟 مرحبا' },
    ],
  ];
  it.each(cases)('%s', (_name, rawCall, tools, name, args) => {
    const got = parseToolCall(rawCall, tools, 0);
    expect(got).toEqual(call(0, name, args));
    // Ollama's arguments keep the order the model wrote them in.
    expect(Object.keys(got.function.arguments)).toEqual(Object.keys(args));
  });

  it('types a parameter by the union of its anyOf types', () => {
    const todo = tool('todo', { todos: { anyOf: [{ type: 'array' }, { type: 'string' }] } });
    const r = '<function=todo>\n<parameter=todos>\n[{"id": "1"}]\n</parameter>\n</function>';
    expect(parseToolCall(r, [todo], 0).function.arguments).toEqual({ todos: [{ id: '1' }] });
  });

  it('keeps a parameter named __proto__ as an argument', () => {
    const r = '<function=f>\n<parameter=__proto__>\nx\n</parameter>\n</function>';
    const args = parseToolCall(r, [], 0).function.arguments;
    expect(JSON.stringify(args)).toBe('{"__proto__":"x"}');
  });

  const broken: [string, string, RegExp][] = [
    [
      'an unclosed function',
      '<function=f>\n<parameter=a>\n1\n</parameter>',
      /^XML syntax error on line 4: unexpected EOF$/,
    ],
    [
      'a parameter closed by </function>',
      '<function=f>\n<parameter=a>1\n</function>',
      /^XML syntax error on line 3: element <parameter> closed by <\/function>$/,
    ],
    ['no function element', 'just text', /^EOF$/],
    [
      'a parameter first',
      '<parameter=a>1</parameter>',
      /expected element type <function> but have <parameter>/,
    ],
    [
      'a control character',
      '<function=f><parameter=a>\u0001</parameter></function>',
      /^XML syntax error on line 1: illegal character code U\+0001$/,
    ],
  ];
  it.each(broken)('fails as Go’s XML decoder does on %s', (_what, r, message) => {
    expect(() => parseToolCall(r, [], 0)).toThrow(ParserError);
    expect(() => parseToolCall(r, [], 0)).toThrow(message);
  });

  it('reads only the first function element, skipping elements it does not know', () => {
    const r =
      '<function=f><parameter=a>1<parameter=b>x</parameter>2</parameter><function=g></function></function>trailing';
    expect(parseToolCall(r, [], 0)).toEqual(call(0, 'f', { a: '12' }));
  });
});

describe('qwen3-coder whitespace and overlap (TestTrailingWhitespaceLen, ...Unicode, TestOverlapFunction)', () => {
  // Ollama counts bytes; the held-back text is the same.
  const bytes = (s: string, n: number) => Buffer.byteLength(s.slice(s.length - n));
  it.each([
    ['no whitespace', 'abc', 0],
    ['trailing whitespace', 'abc ', 1],
    ['trailing whitespace with newlines', 'abc \n', 2],
    ['only whitespace', ' \n  ', 4],
    ["leading whitespace doesn't count", ' \n abc', 0],
    ['unicode with trailing space', '测试🎯 ', 1],
    ['unicode with trailing tab and newline', 'مرحبا\t\n', 2],
    ['ascii space', 'Hello ', 1],
    ['non-breaking space', 'Hello\u00a0', 2],
    ['ideographic space', 'Hello\u3000', 3],
    ['multiple runes of whitespace', 'Hi\u00a0\u3000', 5],
  ])('%s', (_desc, s, want) => {
    expect(bytes(s, trailingSpaceLength(s))).toBe(want);
  });

  it("counts whitespace as Go's unicode.IsSpace does: U+0085 is, U+FEFF is not", () => {
    expect(trailingSpaceLength('a\u0085')).toBe(1);
    expect(trailingSpaceLength('a\ufeff')).toBe(0);
  });

  it.each([
    ['no overlap', 'hello', '<tool', 0],
    ['full overlap', 'hello<tool', '<tool>', 5],
    ['partial overlap', 'hello<to', '<tool>', 3],
    ['unicode with partial overlap', '测试🎯<to', '<tool>', 3],
    ['unicode string with no overlap', 'مرحبا', '<tool>', 0],
    ['unicode at boundary', '世界<', '<tool>', 1],
    ['unicode delimiter single rune', 'hello🔧', '🔧工具', Buffer.byteLength('🔧')],
    ['unicode delimiter multiple runes', 'hello🔧工', '🔧工具', Buffer.byteLength('🔧工')],
  ])('%s', (_desc, s, delim, want) => {
    expect(bytes(s, overlap(s, delim))).toBe(want);
  });
});

describe('qwen3-coder argument values (TestQwenToolCallValueParsing)', () => {
  const cases: [string, string[], string, unknown][] = [
    ['default string value (no type specified)', [], 'some-string', 'some-string'],
    ['trim a single leading and trailing newline', [], '\nsome-string\n', 'some-string'],
    ['trim at most one leading and trailing newline', [], '\n\nsome-string\n\n', '\nsome-string\n'],
    [
      'newline really has to be the first character to be trimmed',
      [],
      ' \nsome-string\n ',
      ' \nsome-string\n ',
    ],
    ['numeric type', ['number'], '123', 123],
    ['integer type', ['integer'], '42', 42],
    ['negative integer', ['integer'], '-100', -100],
    ['zero integer', ['integer'], '0', 0],
    ['integer with leading zeros', ['integer'], '007', 7],
    ['large integer', ['integer'], '2147483648', 2147483648],
    ['float type', ['number'], '3.14', 3.14],
    ['negative float', ['number'], '-273.15', -273.15],
    ['float without decimal part', ['number'], '100.0', 100],
    ['scientific notation positive', ['number'], '1.23e5', 123000],
    ['scientific notation negative', ['number'], '1.5e-3', 0.0015],
    ['very small float', ['number'], '0.00000001', 0.00000001],
    ['explicit string type', ['string'], 'hello world', 'hello world'],
    [
      'string with special characters',
      ['string'],
      '/usr/local/bin/test-file_v2.0.sh',
      '/usr/local/bin/test-file_v2.0.sh',
    ],
    ['string with quotes', ['string'], 'He said "hello" to me', 'He said "hello" to me'],
    ['multiline string', ['string'], 'line one\nline two\nline three', 'line one\nline two\nline three'],
    ['empty string', ['string'], '', ''],
    ['string that looks like a number', ['string'], '12345', '12345'],
    ['boolean true', ['boolean'], 'true', true],
    ['boolean false', ['boolean'], 'false', false],
    ['boolean case insensitive true', ['boolean'], 'True', true],
    ['boolean case insensitive false', ['boolean'], 'FALSE', false],
    ['null value lowercase', ['string'], 'null', null],
    ['null value case insensitive', ['integer'], 'NULL', null],
    ['array of strings', ['array'], '["foo", "bar", "baz"]', ['foo', 'bar', 'baz']],
    ['array of numbers', ['array'], '[1, 2.5, 3]', [1, 2.5, 3]],
    ['array of mixed types', ['array'], '["string", 123, true, null]', ['string', 123, true, null]],
    ['empty array', ['array'], '[]', []],
    ['simple object', ['object'], '{"key": "value", "number": 42}', { key: 'value', number: 42 }],
    ['nested object', ['object'], '{"outer": {"inner": "value"}}', { outer: { inner: 'value' } }],
    ['empty object', ['object'], '{}', {}],
    ['invalid integer falls back to string', ['integer'], 'not-a-number', 'not-a-number'],
    ['invalid float falls back to string', ['number'], '3.14.159', '3.14.159'],
    ['invalid boolean falls back to false', ['boolean'], 'yes', false],
    ['invalid JSON array falls back to string', ['array'], '[1, 2, unclosed', '[1, 2, unclosed'],
    ['invalid JSON object falls back to string', ['object'], '{"key": unclosed', '{"key": unclosed'],
    ['integer overflow should use int64', ['integer'], '2147483648', 2147483648],
    ['float with many decimal places', ['number'], '3.141592653589793', Math.PI],
    [
      'string with JSON-like content',
      ['string'],
      '{"this": "is", "just": "a string"}',
      '{"this": "is", "just": "a string"}',
    ],
    ['whitespace-only string', ['string'], '   ', '   '],
    ['parameter not in tool definition defaults to string', [], 'some value', 'some value'],
    ['string or number union - valid number', ['string', 'number'], '42.5', 42.5],
    ['string or number union - non-numeric string', ['string', 'number'], 'hello', 'hello'],
    ["number or string union - valid number (order shouldn't matter)", ['number', 'string'], '42.5', 42.5],
    ['integer or null union - valid integer', ['integer', 'null'], '123', 123],
    ['integer or null union - null value', ['integer', 'null'], 'null', null],
    ["null or integer union - null value (order shouldn't matter)", ['null', 'integer'], 'null', null],
    ['boolean or string union - valid boolean', ['boolean', 'string'], 'true', true],
    ['boolean or string union - non-boolean becomes string', ['boolean', 'string'], 'yes', 'yes'],
    ['string or boolean union - valid boolean (precedence test)', ['string', 'boolean'], 'false', false],
    ['integer or number union - integer value', ['integer', 'number'], '42', 42],
    ['integer or number union - float value', ['integer', 'number'], '42.5', 42.5],
    ['number or integer union - integer value (precedence test)', ['number', 'integer'], '42', 42],
    ['array or object union - valid array', ['array', 'object'], '[1, 2, 3]', [1, 2, 3]],
    ['array or object union - valid object', ['array', 'object'], '{"key": "value"}', { key: 'value' }],
    ['object or array union - valid array (precedence test)', ['object', 'array'], '[1, 2, 3]', [1, 2, 3]],
    ['complex multi-type union - null', ['string', 'number', 'boolean', 'null'], 'null', null],
    ['complex multi-type union - boolean', ['string', 'number', 'boolean', 'null'], 'true', true],
    ['complex multi-type union - number', ['string', 'number', 'boolean', 'null'], '3.14', 3.14],
    ['complex multi-type union - string', ['string', 'number', 'boolean', 'null'], 'hello', 'hello'],
    ['integer string union - integer string becomes integer', ['integer', 'string'], '123', 123],
    ['string integer union - integer string becomes integer (precedence)', ['string', 'integer'], '123', 123],
    [
      'anyOf array or string - with array of objects',
      ['array', 'string'],
      '[{"content": "task 1", "status": "pending", "priority": "high", "id": "1"}, {"content": "task 2", "status": "completed", "priority": "low", "id": "2"}]',
      [
        { content: 'task 1', status: 'pending', priority: 'high', id: '1' },
        { content: 'task 2', status: 'completed', priority: 'low', id: '2' },
      ],
    ],
    [
      'anyOf array or string - with plain string',
      ['array', 'string'],
      'Error: could not load data',
      'Error: could not load data',
    ],
    // Not in Ollama's table, but what its code does:
    ['an integer beyond int64 stays a string', ['integer'], '9223372036854775808', '9223372036854775808'],
    ['a number beyond float64 stays a string', ['number'], '1e400', '1e400'],
    ['a JSON null for an array is null (Go decodes it into a nil slice)', ['array'], ' null', null],
    ['an array for an object stays a string', ['object'], '[1]', '[1]'],
  ];
  it.each(cases)('%s', (_desc, paramType, rawValue, want) => {
    expect(parseValue(rawValue, paramType)).toStrictEqual(want);
  });
});

describe('qwen3-coder call indexes', () => {
  const want = [call(0, 'first', { a: '1' }), call(1, 'second', { b: '2' }), call(2, 'third', { c: '3' })];
  it('TestQwen3CoderParserToolCallIndexing', () => {
    const p = new Qwen3CoderParser();
    p.init([]);
    const input =
      '<tool_call><function=first><parameter=a>1</parameter></function></tool_call>\n' +
      '<tool_call><function=second><parameter=b>2</parameter></function></tool_call>\n' +
      '<tool_call><function=third><parameter=c>3</parameter></function></tool_call>';
    expect(p.add(input, true)).toEqual({ content: '', thinking: '', calls: want });
  });

  it('TestQwen3CoderParserToolCallIndexingStreaming', () => {
    const p = new Qwen3CoderParser();
    p.init([]);
    const first = p.add(
      '<tool_call><function=first><parameter=a>1</parameter></function></tool_call><tool_call><function=second>',
      false,
    );
    const second = p.add(
      '<parameter=b>2</parameter></function></tool_call><tool_call><function=third><parameter=c>3</parameter></function></tool_call>',
      true,
    );
    expect([...first.calls, ...second.calls]).toEqual(want);
  });

  it('TestQwen3CoderParserToolCallIndexResetOnInit', () => {
    const p = new Qwen3CoderParser();
    p.init([]);
    p.add('<tool_call><function=first><parameter=a>1</parameter></function></tool_call>', true);
    p.init([]);
    const r = p.add('<tool_call><function=second><parameter=b>2</parameter></function></tool_call>', true);
    expect(r.calls).toEqual([call(0, 'second', { b: '2' })]);
  });
});

describe('qwen3-coder XML rewrite (TestQwenXMLTransform)', () => {
  it.each([
    [
      'simple example',
      '<function=get_current_temperature>\n<parameter=location>\nSan Francisco\n</parameter>\n<parameter=unit>\ncelsius\n</parameter>\n</function>',
      '<function name="get_current_temperature">\n<parameter name="location">\nSan Francisco\n</parameter>\n<parameter name="unit">\ncelsius\n</parameter>\n</function>',
    ],
    // Ollama: quotes are not expected in these tags, but they must be escaped so the XML still decodes.
    [
      'names with quotes',
      '<function="get current temperature">\n<parameter="location with spaces">\nSan Francisco\n</parameter>\n<parameter="unit with spaces">\ncelsius\n</parameter>\n</function>',
      '<function name="&#34;get current temperature&#34;">\n<parameter name="&#34;location with spaces&#34;">\nSan Francisco\n</parameter>\n<parameter name="&#34;unit with spaces&#34;">\ncelsius\n</parameter>\n</function>',
    ],
    [
      'ampersands in parameter values',
      '<function=get_current_temperature>\n\t\t<parameter=location>\n\t\tSan Francisco & San Jose\n\t\t</parameter>\n\t\t</function>',
      '<function name="get_current_temperature">\n\t\t<parameter name="location">\n\t\tSan Francisco &amp; San Jose\n\t\t</parameter>\n\t\t</function>',
    ],
  ])('%s', (_desc, rawCall, want) => {
    expect(transformToXML(rawCall)).toBe(want);
  });
});

describe('qwen3-coder parser as the answer loop uses it', () => {
  const weather = tool('get_weather', { city: { type: 'string' }, days: { type: 'integer' } });
  const answer =
    "I'll check.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n" +
    '<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>';
  const whole = {
    content: "I'll check.",
    thinking: '',
    calls: [call(0, 'get_weather', { city: 'Paris', days: 3 })],
  };
  const run = (pieces: string[]) => {
    const p = parserForName('qwen3-coder')!;
    p.init([weather], undefined, undefined);
    return feedPieces(p, pieces);
  };

  it('is registered as qwen3-coder: tools, no thinking, its tags preserved', () => {
    const p = parserForName('qwen3-coder')!;
    expect([p.hasToolSupport, p.hasThinkingSupport]).toEqual([true, false]);
    expect(p.preservedTokens).toEqual(['<tool_call>', '</tool_call>']);
  });

  it('gives content and a typed call, whole, in every split and in 1-character pieces', () => {
    expect(run([answer])).toEqual(whole);
    for (let at = 0; at <= answer.length; at++)
      expect(run([answer.slice(0, at), answer.slice(at)])).toEqual(whole);
    expect(run([...answer])).toEqual(whole);
  });

  it('gives a call in the piece where its closing tag arrives', () => {
    const p = parserForName('qwen3-coder')!;
    p.init([weather], undefined, undefined);
    const cut = answer.indexOf('</tool_call>') + 5;
    expect(p.add(answer.slice(0, cut), false)).toEqual({ content: "I'll check.", thinking: '', calls: [] });
    expect(p.add(answer.slice(cut), true).calls).toEqual(whole.calls);
  });

  it('returns a call that never closes as text (ours: Ollama drops it)', () => {
    expect(run(['Checking. <tool_call>\n<function=get_weather>\n<parameter=ci'])).toEqual({
      content: 'Checking.<tool_call>\n<function=get_weather>\n<parameter=ci',
      thinking: '',
      calls: [],
    });
  });

  it('fails with the XML error for a call it cannot read', () => {
    expect(() => run(['<tool_call><function=f><parameter=a>1</function></tool_call>'])).toThrow(
      /element <parameter> closed by <\/function>/,
    );
  });
});

describe('qwen3-coder parser on any output', () => {
  // Pieces built from the format's own parts, so that tags, half tags and XML-like calls meet at random.
  const part = fc.constantFrom(
    '<tool_call>',
    '</tool_call>',
    '<tool_',
    '<function=f>',
    '</function>',
    '<parameter=a>',
    '</parameter>',
    '<function name="x">',
    '&amp;',
    '&bogus;',
    '\n',
    ' ',
    '\u3000',
    'text',
    '42',
    '\u0001',
  );
  it('gives content and calls, or a ParserError, and never loses content before a call', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(part, fc.string()), { maxLength: 30 }), fc.nat(), (parts, seed) => {
        const text = parts.join('');
        const p = parserForName('qwen3-coder')!;
        p.init([tool('f', { a: { type: 'integer' } })], undefined, undefined);
        const at = text.length ? seed % text.length : 0;
        try {
          const r1 = p.add(text.slice(0, at), false);
          const r2 = p.add(text.slice(at), true);
          expect(r1.thinking + r2.thinking).toBe('');
          const firstTag = text.indexOf('<tool_call>');
          const before = (firstTag < 0 ? text : text.slice(0, firstTag)).replace(/\s+$/u, '');
          expect(r1.content + r2.content).toContain(before.slice(0, Math.max(0, before.length - 11)));
        } catch (e) {
          expect(e).toBeInstanceOf(ParserError);
        }
      }),
      { numRuns: 500, seed: 17 },
    );
  });
});
