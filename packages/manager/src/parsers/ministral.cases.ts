// Ollama's model/parsers/ministral_test.go tables, converted from the Go source.
import type { ToolDefinition } from '../tools/types.ts';
import type { MinistralEvent } from './ministral.ts';

/** TestMinistralParserStreaming: each step's input and the events it gives. */
export const STEPS: {
  desc: string;
  tools: ToolDefinition[];
  think: boolean;
  steps: { input: string; events: MinistralEvent[] }[];
}[] = [
  {
    desc: 'simple content',
    tools: [],
    think: false,
    steps: [
      {
        input: 'Hello, how can I help you?',
        events: [{ kind: 'content', text: 'Hello, how can I help you?' }],
      },
    ],
  },
  {
    desc: 'streaming content word by word',
    tools: [],
    think: false,
    steps: [
      { input: 'Hello,', events: [{ kind: 'content', text: 'Hello,' }] },
      { input: ' how', events: [{ kind: 'content', text: ' how' }] },
      { input: ' can I help?', events: [{ kind: 'content', text: ' can I help?' }] },
    ],
  },
  {
    desc: 'simple tool call',
    tools: [{ function: { name: 'get_weather' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]get_weather[ARGS]{"location": "San Francisco"}',
        events: [{ kind: 'call', name: 'get_weather', args: '{"location": "San Francisco"}' }],
      },
    ],
  },
  {
    desc: 'tool call with nested object',
    tools: [{ function: { name: 'create_entities' } }],
    think: false,
    steps: [
      {
        input:
          '[TOOL_CALLS]create_entities[ARGS]{"entities": [{"entityType": "Person", "name": "Jack", "observations": ["Works as a baker"]}]}',
        events: [
          {
            kind: 'call',
            name: 'create_entities',
            args: '{"entities": [{"entityType": "Person", "name": "Jack", "observations": ["Works as a baker"]}]}',
          },
        ],
      },
    ],
  },
  {
    desc: 'tool call with deeply nested objects',
    tools: [{ function: { name: 'update_config' } }],
    think: false,
    steps: [
      {
        input:
          '[TOOL_CALLS]update_config[ARGS]{"settings": {"user": {"profile": {"name": "John", "age": 30}}, "theme": "dark"}}',
        events: [
          {
            kind: 'call',
            name: 'update_config',
            args: '{"settings": {"user": {"profile": {"name": "John", "age": 30}}, "theme": "dark"}}',
          },
        ],
      },
    ],
  },
  {
    desc: 'tool call with array of objects',
    tools: [{ function: { name: 'process_items' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]process_items[ARGS]{"items": [{"id": 1}, {"id": 2}, {"id": 3}]}',
        events: [
          { kind: 'call', name: 'process_items', args: '{"items": [{"id": 1}, {"id": 2}, {"id": 3}]}' },
        ],
      },
    ],
  },
  {
    desc: 'tool call with escaped quotes in string',
    tools: [{ function: { name: 'search' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]search[ARGS]{"query": "say \\"hello\\""}',
        events: [{ kind: 'call', name: 'search', args: '{"query": "say \\"hello\\""}' }],
      },
    ],
  },
  {
    desc: 'tool call with braces inside string',
    tools: [{ function: { name: 'format' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]format[ARGS]{"template": "Hello {name}!"}',
        events: [{ kind: 'call', name: 'format', args: '{"template": "Hello {name}!"}' }],
      },
    ],
  },
  {
    desc: 'empty JSON object',
    tools: [{ function: { name: 'no_args' } }],
    think: false,
    steps: [
      { input: '[TOOL_CALLS]no_args[ARGS]{}', events: [{ kind: 'call', name: 'no_args', args: '{}' }] },
    ],
  },
  {
    desc: 'JSON with newlines in string',
    tools: [{ function: { name: 'write' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]write[ARGS]{"content": "line1\\nline2\\nline3"}',
        events: [{ kind: 'call', name: 'write', args: '{"content": "line1\\nline2\\nline3"}' }],
      },
    ],
  },
  {
    desc: 'backslash in string value',
    tools: [{ function: { name: 'path' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]path[ARGS]{"dir": "C:\\\\Users\\\\test"}',
        events: [{ kind: 'call', name: 'path', args: '{"dir": "C:\\\\Users\\\\test"}' }],
      },
    ],
  },
  {
    desc: 'content after tool call',
    tools: [{ function: { name: 'test' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]test[ARGS]{"a": 1}some content after',
        events: [
          { kind: 'call', name: 'test', args: '{"a": 1}' },
          { kind: 'content', text: 'some content after' },
        ],
      },
    ],
  },
  {
    desc: 'multiple tool calls in sequence',
    tools: [{ function: { name: 'get_weather' } }, { function: { name: 'get_time' } }],
    think: false,
    steps: [
      {
        input:
          '[TOOL_CALLS]get_weather[ARGS]{"location": "NYC"}[TOOL_CALLS]get_time[ARGS]{"timezone": "EST"}',
        events: [
          { kind: 'call', name: 'get_weather', args: '{"location": "NYC"}' },
          { kind: 'call', name: 'get_time', args: '{"timezone": "EST"}' },
        ],
      },
    ],
  },
  {
    desc: 'multiple tool calls streamed separately',
    tools: [{ function: { name: 'tool_a' } }, { function: { name: 'tool_b' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]tool_a[ARGS]{"x": 1}',
        events: [{ kind: 'call', name: 'tool_a', args: '{"x": 1}' }],
      },
      {
        input: '[TOOL_CALLS]tool_b[ARGS]{"y": 2}',
        events: [{ kind: 'call', name: 'tool_b', args: '{"y": 2}' }],
      },
    ],
  },
  {
    desc: 'streaming tool call with nested objects',
    tools: [{ function: { name: 'create_entities' } }],
    think: false,
    steps: [
      { input: '[TOOL_CALLS]create_entities[ARGS]', events: [] },
      { input: '{"entities": [{"entityType": "Person",', events: [] },
      { input: ' "name": "Jack",', events: [] },
      { input: ' "observations": ["Works', events: [] },
      { input: ' as a baker"]}', events: [] },
      {
        input: ']}',
        events: [
          {
            kind: 'call',
            name: 'create_entities',
            args: '{"entities": [{"entityType": "Person", "name": "Jack", "observations": ["Works as a baker"]}]}',
          },
        ],
      },
    ],
  },
  {
    desc: 'streaming with incomplete JSON waits for completion',
    tools: [{ function: { name: 'test' } }],
    think: false,
    steps: [
      { input: '[TOOL_CALLS]test[ARGS]{', events: [] },
      { input: '"a": {', events: [] },
      { input: '"b": 1', events: [] },
      { input: '}', events: [] },
      { input: '}', events: [{ kind: 'call', name: 'test', args: '{"a": {"b": 1}}' }] },
    ],
  },
  {
    desc: 'partial tool tag fakeout',
    tools: [],
    think: false,
    steps: [
      { input: 'abc[TOOL', events: [{ kind: 'content', text: 'abc' }] },
      { input: ' not a tag', events: [{ kind: 'content', text: '[TOOL not a tag' }] },
    ],
  },
  {
    desc: 'tool call tag split across chunks',
    tools: [{ function: { name: 'test' } }],
    think: false,
    steps: [
      { input: '[TOOL_', events: [] },
      { input: 'CALLS]test[ARGS]{}', events: [{ kind: 'call', name: 'test', args: '{}' }] },
    ],
  },
  {
    desc: 'content before tool call',
    tools: [{ function: { name: 'get_weather' } }],
    think: false,
    steps: [
      {
        input: 'hello [TOOL_CALLS]get_weather[ARGS]{}',
        events: [
          { kind: 'content', text: 'hello' },
          { kind: 'call', name: 'get_weather', args: '{}' },
        ],
      },
    ],
  },
  {
    desc: 'whitespace between content and tool call is trimmed',
    tools: [{ function: { name: 'test' } }],
    think: false,
    steps: [
      {
        input: 'content \n [TOOL_CALLS]test[ARGS]{}',
        events: [
          { kind: 'content', text: 'content' },
          { kind: 'call', name: 'test', args: '{}' },
        ],
      },
    ],
  },
  {
    desc: 'tabs and newlines before tool call are trimmed',
    tools: [{ function: { name: 'test' } }],
    think: false,
    steps: [
      {
        input: 'content\t\n\t[TOOL_CALLS]test[ARGS]{}',
        events: [
          { kind: 'content', text: 'content' },
          { kind: 'call', name: 'test', args: '{}' },
        ],
      },
    ],
  },
  {
    desc: 'non-breaking space before tool call is trimmed',
    tools: [{ function: { name: 'test' } }],
    think: false,
    steps: [
      {
        input: 'content [TOOL_CALLS]test[ARGS]{}',
        events: [
          { kind: 'content', text: 'content' },
          { kind: 'call', name: 'test', args: '{}' },
        ],
      },
    ],
  },
  {
    desc: 'whitespace before THINK tag is trimmed',
    tools: [],
    think: false,
    steps: [
      {
        input: 'content \n [THINK]thinking[/THINK]after',
        events: [
          { kind: 'content', text: 'content' },
          { kind: 'thinking', text: 'thinking' },
          { kind: 'content', text: 'after' },
        ],
      },
    ],
  },
  {
    desc: 'trailing whitespace withheld then emitted',
    tools: [],
    think: false,
    steps: [
      { input: 'Hello ', events: [{ kind: 'content', text: 'Hello' }] },
      { input: 'world', events: [{ kind: 'content', text: ' world' }] },
    ],
  },
  {
    desc: 'trailing newline withheld then emitted',
    tools: [],
    think: false,
    steps: [
      { input: 'Hello\n', events: [{ kind: 'content', text: 'Hello' }] },
      { input: 'world', events: [{ kind: 'content', text: '\nworld' }] },
    ],
  },
  {
    desc: 'thinking content',
    tools: [],
    think: true,
    steps: [
      { input: 'thinking here[/THINK]', events: [{ kind: 'thinking', text: 'thinking here' }] },
      { input: 'content after', events: [{ kind: 'content', text: 'content after' }] },
    ],
  },
  {
    desc: 'thinking with whitespace after end tag',
    tools: [],
    think: true,
    steps: [
      {
        input: 'my thoughts[/THINK]  \n  response',
        events: [
          { kind: 'thinking', text: 'my thoughts' },
          { kind: 'content', text: 'response' },
        ],
      },
    ],
  },
  {
    desc: 'non-breaking space after think end tag is trimmed',
    tools: [],
    think: true,
    steps: [
      {
        input: 'thinking[/THINK] response',
        events: [
          { kind: 'thinking', text: 'thinking' },
          { kind: 'content', text: 'response' },
        ],
      },
    ],
  },
  {
    desc: 'partial think end tag',
    tools: [],
    think: true,
    steps: [
      { input: 'thinking[/THI', events: [{ kind: 'thinking', text: 'thinking' }] },
      { input: 'NK]after', events: [{ kind: 'content', text: 'after' }] },
    ],
  },
  {
    desc: 'think tag fakeout',
    tools: [],
    think: true,
    steps: [
      { input: 'thinking[/THI', events: [{ kind: 'thinking', text: 'thinking' }] },
      { input: 'not end tag', events: [{ kind: 'thinking', text: '[/THInot end tag' }] },
    ],
  },
  {
    desc: 'thinking then tool call',
    tools: [{ function: { name: 'test' } }],
    think: true,
    steps: [
      {
        input: 'let me think[/THINK][TOOL_CALLS]test[ARGS]{}',
        events: [
          { kind: 'thinking', text: 'let me think' },
          { kind: 'call', name: 'test', args: '{}' },
        ],
      },
    ],
  },
  {
    desc: 'content then think tag',
    tools: [],
    think: false,
    steps: [
      {
        input: 'content[THINK]thinking[/THINK]more',
        events: [
          { kind: 'content', text: 'content' },
          { kind: 'thinking', text: 'thinking' },
          { kind: 'content', text: 'more' },
        ],
      },
    ],
  },
  {
    desc: 'unicode content',
    tools: [],
    think: false,
    steps: [{ input: '你好 🌍 مرحبا', events: [{ kind: 'content', text: '你好 🌍 مرحبا' }] }],
  },
  {
    desc: 'unicode in tool args',
    tools: [{ function: { name: 'greet' } }],
    think: false,
    steps: [
      {
        input: '[TOOL_CALLS]greet[ARGS]{"message": "你好 🌍"}',
        events: [{ kind: 'call', name: 'greet', args: '{"message": "你好 🌍"}' }],
      },
    ],
  },
];

/**
 * TestFindJSONEnd: Go counts bytes, this port UTF-16 units, which differ only for "unicode in key and value"
 * (Go's 13 is 9 here).
 */
export const JSON_END: { name: string; input: string; expected: number }[] = [
  { name: 'simple object', input: '{"a": 1}', expected: 7 },
  { name: 'nested object', input: '{"a": {"b": 2}}', expected: 14 },
  { name: 'array inside object', input: '{"items": [1, 2, 3]}', expected: 19 },
  { name: 'braces in string', input: '{"template": "Hello {name}!"}', expected: 28 },
  { name: 'escaped quotes', input: '{"msg": "say \\"hi\\""}', expected: 20 },
  { name: 'incomplete object', input: '{"a": {"b": 1}', expected: -1 },
  { name: 'deeply nested', input: '{"a": {"b": {"c": {"d": 1}}}}', expected: 28 },
  { name: 'object with trailing content', input: '{"a": 1} extra', expected: 7 },
  { name: 'array', input: '[{"a": 1}, {"b": 2}]', expected: 19 },
  { name: 'escaped backslash before quote', input: '{"path": "C:\\\\"}', expected: 15 },
  { name: 'empty string', input: '', expected: -1 },
  { name: 'no opening brace', input: 'hello world', expected: -1 },
  { name: 'only opening brace', input: '{', expected: -1 },
  { name: 'unclosed string', input: '{"key": "unclosed', expected: -1 },
  { name: 'double escaped backslash then quote', input: '{"path": "C:\\\\\\\\"}', expected: 17 },
  { name: 'unicode in key and value', input: '{"키": "값"}', expected: 9 },
  { name: 'nested arrays', input: '{"matrix": [[1, 2], [3, 4]]}', expected: 27 },
  { name: 'mixed nesting', input: '{"a": [{"b": {"c": [1, 2, 3]}}]}', expected: 31 },
];
