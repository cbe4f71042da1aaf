// Cases from Ollama's tools/tools_test.go (TestParser, TestDone via whole answers, TestFindArguments) and
// tools/template_test.go (TestParseTag): the same templates, pieces of output and expected calls and content.
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../template/prompt.ts';
import { findArguments, ToolCallParser } from './toolCallParser.ts';
import { toolCallTag } from './toolCallTag.ts';
import type { ToolDefinition } from './types.ts';

const tool = (name: string): ToolDefinition => ({ type: 'function', function: { name } });
const tools = ['get_temperature', 'get_conditions', 'say_hello', 'say_hello_world', 'get_address', 'add'].map(
  tool,
);

const templates = {
  qwen: '{{if .ToolCalls}}<tool_call>{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}</tool_call>{{end}}',
  deepseek:
    '{{if .ToolCalls}}<|tool▁calls▁begin|>{{range .ToolCalls}}<|tool▁call▁begin|>function<|tool▁sep|>get_current_weather\n```json\n{"location": "Tokyo"}\n```<|tool▁call▁end|>{{end}}<|tool▁calls▁end|><|end▁of▁sentence|>{{end}}',
  json: '{{if .ToolCalls}}{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}{{end}}',
  mistral:
    '{{if .ToolCalls}}[TOOL_CALLS] [{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}][/TOOL_CALLS]{{end}}',
  list: '{{if .ToolCalls}}[{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}]{{end}}',
};

type Case = {
  name: string;
  tmpl: keyof typeof templates;
  inputs: string[];
  content: string;
  calls?: [string, Record<string, unknown>][];
};

const cases: Case[] = [
  {
    name: 'no tool calls - just text',
    tmpl: 'qwen',
    inputs: ['Hello, how can I help you today?'],
    content: 'Hello, how can I help you today?',
  },
  { name: 'empty input', tmpl: 'qwen', inputs: [''], content: '' },
  {
    name: 'tool call',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"name": "get_conditions", "arguments": {"location": "San Francisco"}}</tool_call>'],
    content: '',
    calls: [['get_conditions', { location: 'San Francisco' }]],
  },
  {
    name: 'empty args',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"name": "get_conditions", "arguments": {}}</tool_call>'],
    content: '',
    calls: [['get_conditions', {}]],
  },
  {
    name: 'text before tool call',
    tmpl: 'qwen',
    inputs: [
      'Let me check the weather. <tool_call>{"name": "get_temperature", "arguments": {"city": "New York"}}</tool_call>',
    ],
    content: 'Let me check the weather. ',
    calls: [['get_temperature', { city: 'New York' }]],
  },
  {
    name: 'qwen no args with text',
    tmpl: 'qwen',
    inputs: ["Let me say hello to the user. I'll use the say_hello tool. "],
    content: "Let me say hello to the user. I'll use the say_hello tool. ",
  },
  {
    name: 'two tool calls in a list',
    tmpl: 'mistral',
    inputs: [
      '[TOOL_CALLS] [{"name": "get_temperature", "arguments": {"city": "London", "format": "fahrenheit"}}, {"name": "get_conditions", "arguments": {"location": "Tokyo"}}][/TOOL_CALLS]',
    ],
    content: '',
    calls: [
      ['get_temperature', { city: 'London', format: 'fahrenheit' }],
      ['get_conditions', { location: 'Tokyo' }],
    ],
  },
  {
    name: 'qwen two tool calls',
    tmpl: 'qwen',
    inputs: [
      `Okay, let's call both tools! <tool_call>{"name": "get_temperature", "arguments": {"city": "London", "format": "fahrenheit"}}</tool_call><tool_call>{"name": "get_conditions", "arguments": {"location": "Tokyo"}}</tool_call>`,
    ],
    content: "Okay, let's call both tools! ",
    calls: [
      ['get_temperature', { city: 'London', format: 'fahrenheit' }],
      ['get_conditions', { location: 'Tokyo' }],
    ],
  },
  {
    name: 'empty args followed by args',
    tmpl: 'qwen',
    inputs: [
      'Let me say hello and check the weather. <tool_call>{"name": "say_hello", "arguments": {}}</tool_call><tool_call>{"name": "get_temperature", "arguments": {"city": "London", "format": "fahrenheit"}}</tool_call>',
    ],
    content: 'Let me say hello and check the weather. ',
    calls: [
      ['say_hello', {}],
      ['get_temperature', { city: 'London', format: 'fahrenheit' }],
    ],
  },
  {
    name: 'qwen empty followed by args',
    tmpl: 'qwen',
    inputs: [
      'Let me check the weather. <tool_call>{"name": "get_conditions", "arguments": {}}</tool_call><tool_call>{"name": "get_conditions", "arguments": {"location": "Tokyo"}}',
    ],
    content: 'Let me check the weather. ',
    calls: [
      ['get_conditions', {}],
      ['get_conditions', { location: 'Tokyo' }],
    ],
  },
  {
    name: 'deepseek',
    tmpl: 'deepseek',
    inputs: [
      '<think>Wait, I need to call a tool</think><|tool▁calls▁begin|><|tool▁call▁begin|>function<|tool▁sep|>get_temperature\n```json\n{"city": "Tokyo"}\n```<|tool▁call▁end|><|tool▁calls▁end|><|end▁of▁sentence|>',
    ],
    content: '<think>Wait, I need to call a tool</think>',
    calls: [['get_temperature', { city: 'Tokyo' }]],
  },
  {
    name: 'deepseek incremental',
    tmpl: 'deepseek',
    inputs: [
      '<think>Wait',
      ', I need',
      ' to call',
      ' a tool</think><|too',
      'l▁calls▁begin',
      '|>',
      '<|tool▁call▁begin|>function<|tool▁sep|>get_temperature\n',
      '```json\n',
      '{"city": "Tokyo"}\n',
      '```',
      '<|tool▁c',
      'all▁end|>',
      '<|tool▁calls▁end|>',
      '<|end▁of▁sentence|>',
    ],
    content: '<think>Wait, I need to call a tool</think>',
    calls: [['get_temperature', { city: 'Tokyo' }]],
  },
  {
    name: 'json',
    tmpl: 'json',
    inputs: ['{', '"name": "get_temperature",', '"arguments": {', '"city": "Tokyo"', '}', '}'],
    content: '',
    calls: [['get_temperature', { city: 'Tokyo' }]],
  },
  {
    name: 'json maybe a tool call',
    tmpl: 'json',
    inputs: ['{', '"name": "get_temperature",', '"arguments": {'],
    content: '',
  },
  {
    name: 'json not a tool call',
    tmpl: 'json',
    inputs: [
      '{',
      '"name": "search", ',
      '"arguments": {',
      '"query": "What is the capital of Canada?"',
      '}',
      '}',
    ],
    content: '{"name": "search", "arguments": {"query": "What is the capital of Canada?"}}',
  },
  {
    name: 'json object followed by tool call',
    tmpl: 'json',
    inputs: ['{"name": "jeff"}', '{"name": "get_conditions", "arguments": {"location": "San Francisco"}}'],
    content: '{"name": "jeff"}{"name": "get_conditions", "arguments": {"location": "San Francisco"}}',
  },
  {
    name: 'json object followed by tool call split',
    tmpl: 'json',
    inputs: ['{"name": "jeff"} {', '"name": "get_conditions", "arguments": {"location": "San Francisco"}}'],
    content: '{"name": "jeff"} {"name": "get_conditions", "arguments": {"location": "San Francisco"}}',
  },
  {
    name: 'json code',
    tmpl: 'json',
    inputs: ['for { fmt.Println("hello") }'],
    content: 'for { fmt.Println("hello") }',
  },
  {
    name: 'list multiple',
    tmpl: 'list',
    inputs: [
      '[',
      '{',
      '"name": "get_temperature", ',
      '"arguments": {',
      '"city": "London"',
      '}',
      '},',
      '{',
      '"name": "get_conditions", ',
      '"arguments": {',
      '"location": "Tokyo"',
      '}',
      '}]',
    ],
    content: '',
    calls: [
      ['get_temperature', { city: 'London' }],
      ['get_conditions', { location: 'Tokyo' }],
    ],
  },
  {
    name: 'list partial',
    tmpl: 'list',
    inputs: ['[{', '"name": "get_conditions", ', '"arguments": {', '"location": "Tokyo"', '}', '}'],
    content: '',
    calls: [['get_conditions', { location: 'Tokyo' }]],
  },
  {
    name: 'list invalid',
    tmpl: 'list',
    inputs: [
      '[',
      '{',
      '"name": "search", ',
      '"arguments": {',
      '"query": "What is the capital of Canada?"',
      '}',
      '}',
    ],
    content: '',
  },
  {
    name: 'list trailing ]',
    tmpl: 'list',
    inputs: [
      '[',
      '{',
      '"name": "get_conditions", ',
      '"arguments": {',
      '"location": "Tokyo"',
      '}',
      '}',
      ']',
      ']',
    ],
    content: '',
    calls: [['get_conditions', { location: 'Tokyo' }]],
  },
  {
    name: 'list not a tool call',
    tmpl: 'list',
    inputs: ['[special', ' del', 'ivery]'],
    content: '[special delivery]',
  },
  {
    name: 'tool name with collision',
    tmpl: 'qwen',
    inputs: ['<tool_call>', '{', '"name": "say_hello', '_world",', '"arguments": {}}', '}'],
    content: '',
    calls: [['say_hello_world', {}]],
  },
  {
    name: 'tool name with collision multiple',
    tmpl: 'qwen',
    inputs: [
      '<tool_call>',
      '{',
      '"name": "say_hello',
      '_world",',
      '"arguments": {}}',
      '</tool_call>',
      '<tool_call>',
      '{',
      '"name": "say_hello',
      '",',
      '"arguments": {}}',
      '</tool_call>',
    ],
    content: '',
    calls: [
      ['say_hello_world', {}],
      ['say_hello', {}],
    ],
  },
  {
    name: 'tool name with collision non streaming',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"name": "say_hello'],
    content: '',
  },
  {
    name: 'tool name with collision non streaming multiple',
    tmpl: 'qwen',
    inputs: [
      '<tool_call>{"name": "say_hello", "arguments": {}}</tool_call><tool_call>{"name": "say_hello_world", "arguments": {}}',
    ],
    content: '',
    calls: [
      ['say_hello', {}],
      ['say_hello_world', {}],
    ],
  },
  {
    name: 'tool name with collision non streaming shorter',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"name": "say_hello", "arguments": {}}</tool_call>'],
    content: '',
    calls: [['say_hello', {}]],
  },
  {
    name: 'tool name with collision non streaming longer',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"name": "say_hello_world", "arguments": {}}</tool_call>'],
    content: '',
    calls: [['say_hello_world', {}]],
  },
  {
    name: 'tool name with substring of another (json)',
    tmpl: 'json',
    inputs: ['{', '"name": "get_address",', '"arguments": {', '"location": "London"', '}', '}'],
    content: '',
    calls: [['get_address', { location: 'London' }]],
  },
  {
    name: 'tool name with substring of another (qwen)',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"name": "get_address", "arguments": {"location": "London"}}</tool_call>'],
    content: '',
    calls: [['get_address', { location: 'London' }]],
  },
  {
    name: 'args before name',
    tmpl: 'qwen',
    inputs: ['<tool_call>{"arguments": {"a": "5", "b": "10"}, "name": "add"}</tool_call>'],
    content: '',
    calls: [['add', { a: '5', b: '10' }]],
  },
];

describe('ToolCallParser (Ollama tools_test.go TestParser)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const p = new ToolCallParser(tools, toolCallTag(compileTemplate(templates[c.tmpl])));
      let content = '';
      const calls: unknown[] = [];
      for (const input of c.inputs) {
        const r = p.add(input);
        content += r.content;
        calls.push(...r.calls);
      }
      expect(content).toBe(c.content);
      expect(calls).toEqual(
        (c.calls ?? []).map(([name, args], index) => ({ function: { index, name, arguments: args } })),
      );
    });
  }
});

describe('ToolCallParser.flush', () => {
  it('returns a "{" answer that was JSON but no call (TestContent "json object")', () => {
    const p = new ToolCallParser(tools, '{');
    expect(p.add('{"name": "get_temperature"').content).toBe('');
    expect(p.flush()).toBe('{"name": "get_temperature"');
  });
  it('returns a call that never closed as text, where Ollama (TestContent "tag") drops it', () => {
    const p = new ToolCallParser(tools, '<tool_call>');
    expect(p.add('Sure. <tool_call>{"name": "get_temperature", "argu').content).toBe('Sure. ');
    expect(p.flush()).toBe('<tool_call>{"name": "get_temperature", "argu');
  });
  it('drops the closing markup after parsed calls (TestContent "json object after called")', () => {
    const p = new ToolCallParser(tools, '<tool_call>');
    const r = p.add('<tool_call>{"name": "add", "arguments": {"a": "1"}}</tool_call>');
    expect(r.calls).toHaveLength(1);
    expect(p.flush()).toBe('');
  });
  it('holds back a partial tag, then lets it through when it is not the tag', () => {
    const p = new ToolCallParser(tools, '<tool_call>');
    expect(p.add('a <tool').content).toBe('a ');
    expect(p.add('box> b').content).toBe('<toolbox> b');
  });
});

describe('findArguments (Ollama tools_test.go TestFindArguments)', () => {
  const cases: [string, string, Record<string, unknown> | undefined][] = [
    ['empty string', '', undefined],
    ['whitespace only', '   \n\t  ', undefined],
    [
      'unbalanced braces - missing closing',
      '{"format": "fahrenheit", "location": "San Francisco"',
      undefined,
    ],
    [
      'valid json',
      '{"name": "get_temperature", "arguments": {"format": "fahrenheit", "location": "San Francisco, CA"}}',
      { format: 'fahrenheit', location: 'San Francisco, CA' },
    ],
    [
      'valid arguments with special tokens',
      '[tool]get_temperature[args]{"format": "fahrenheit", "location": "San Francisco, CA"}[end]',
      { format: 'fahrenheit', location: 'San Francisco, CA' },
    ],
    [
      'string with braces',
      '{"name": "process_code", "arguments": {"code": "if (x > 0) { return true; }"}}',
      { code: 'if (x > 0) { return true; }' },
    ],
    ['unbalanced braces - extra closing', '{"format": "fahrenheit"}}', { format: 'fahrenheit' }],
    ['invalid JSON', '{format: fahrenheit, location: "San Francisco"}', undefined],
    [
      'valid arguments in array',
      '[{"name": "get_temperature", "arguments": {"format": "fahrenheit", "location": "San Francisco, CA"}}',
      { format: 'fahrenheit', location: 'San Francisco, CA' },
    ],
    [
      'nested deep',
      '{"function": {"name": "get_temperature", "arguments": {"format": "fahrenheit", "location": "San Francisco, CA"}}}',
      { format: 'fahrenheit', location: 'San Francisco, CA' },
    ],
    ['one arg', 'get_temperature({"location": "San Francisco, CA"})', { location: 'San Francisco, CA' }],
    [
      'deepseek',
      '<|tool▁calls▁begin|><|tool▁call▁begin|>function<|tool▁sep|>get_temperature\n```json\n{"location": "Tokyo"}\n```<|tool▁call▁end|><|tool▁calls▁end|><|end▁of▁sentence|>',
      { location: 'Tokyo' },
    ],
    ['deepseek (arguments only)', '"arguments": {"location": "Tokyo"}}</tool_call>', { location: 'Tokyo' }],
    [
      'string with nested json',
      '{"name": "send_data", "arguments": {"payload": "{\\"nested\\": {\\"key\\": \\"value\\"}}"}}',
      { payload: '{"nested": {"key": "value"}}' },
    ],
    [
      'string with escaped quotes and braces',
      '{"name": "analyze", "arguments": {"text": "The JSON is: {\\"key\\": \\"val{ue}\\"}"}}',
      { text: 'The JSON is: {"key": "val{ue}"}' },
    ],
    [
      'multiple objects with string containing braces',
      '{"name": "test", "arguments": {"query": "find } in text"}} {"name": "other"}',
      { query: 'find } in text' },
    ],
    // ours: an object that names a call but has no arguments is not a call (Ollama's TODO in findArguments)
    ['name without arguments', '{"name": "get_temperature"}', undefined],
  ];
  for (const [name, buffer, want] of cases) {
    it(name, () => {
      expect(findArguments('get_temperature', buffer)?.value).toEqual(want);
    });
  }
});

describe('toolCallTag (Ollama tools/template_test.go TestParseTag)', () => {
  const cases: [string, string, string][] = [
    ['empty', '', '{'],
    ['no tag', '{{if .ToolCalls}}{{end}}', '{'],
    ['no tag with range', '{{if .ToolCalls}}{{range .ToolCalls}}{{ . }}{{end}}{{end}}', '{'],
    ['tool call with json format', '{{if .ToolCalls}}```json\n{{end}}', '```json'],
    ['square brackets', '{{if .ToolCalls}}[{{range .ToolCalls}}{{ . }}{{end}}]{{end}}', '['],
    [
      'square brackets with whitespace',
      '{{if .ToolCalls}}\n [ {{range .ToolCalls}}{{ . }}{{end}}]{{end}}',
      '[',
    ],
    ['tailing ]', '{{if .ToolCalls}}{{range .ToolCalls}}{{ . }}{{end}}]{{end}}', '{'],
    ['whitespace only', '{{if .ToolCalls}} {{range .ToolCalls}}{{ . }}{{end}}{{end}}', '{'],
    ['whitespace only in range', '{{if .ToolCalls}}{{range .ToolCalls}}\n{{ . }}\n{{end}}{{end}}', '{'],
    [
      'json objects',
      '{{if .ToolCalls}}{{range .ToolCalls}}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}{{end}}{{end}}',
      '{',
    ],
    [
      'json objects with CRLF',
      '{{if .ToolCalls}}{{range .ToolCalls}}\r\n{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}{{end}}{{end}}',
      '{',
    ],
    [
      'before and after range',
      '{{if .ToolCalls}}<|tool▁calls▁begin|>{{range .ToolCalls}}<|tool▁call▁begin|>functionget_current_weather\n```json\n{"location": "Tokyo"}\n```<|tool▁call▁end|>\n{{end}}<|tool▁calls▁end|>{{end}}',
      '<|tool▁calls▁begin|>',
    ],
    [
      'after range',
      '{{if .ToolCalls}}{{range .ToolCalls}}<tool_call>{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}</tool_call>{{end}}{{end}}',
      '<tool_call>',
    ],
    [
      'after range with leading whitespace before range',
      '{{if .ToolCalls}}\n{{range .ToolCalls}}<tool_call>{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}</tool_call>{{end}}{{end}}',
      '<tool_call>',
    ],
    [
      'tool call with multiple text nodes',
      '{{if .ToolCalls}}First text{{if .Something}}inner{{end}}Second text{{end}}',
      'First text',
    ],
    ['action tag', '{{if .ToolCalls}}Action: ```json{{end}}', 'Action: ```json'],
    ['incomplete functools bracket', '{{if .ToolCalls}}functools[{{end}}', 'functools['],
    ['uppercase tool call with incomplete bracket', '{{if .ToolCalls}}[TOOL_CALL] [{{end}}', '[TOOL_CALL] ['],
    ['uppercase tool call with adjacent bracket', '{{if .ToolCalls}}[TOOL_CALL][{{end}}', '[TOOL_CALL]['],
  ];
  for (const [name, template, want] of cases) {
    it(name, () => expect(toolCallTag(compileTemplate(template))).toBe(want));
  }
});
