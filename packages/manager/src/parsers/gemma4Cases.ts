// The cases of Ollama's model/parsers/gemma4_test.go, translated from its Go tables (same names, inputs and
// expected content, thinking and calls; a call's index is 0 where the Go table leaves it out).
import type { ToolDefinition } from '../tools/types.ts';

export type ExpectedCall = { function: { index?: number; name: string; arguments: Record<string, unknown> } };

export type ParserCase = {
  name: string;
  input: string;
  expectedContent?: string;
  expectedThinking?: string;
  expectedToolCalls?: ExpectedCall[];
  thinkingEnabled?: boolean;
  lastMessage?: { role: string; content?: string };
};

export type RawTerminalCase = {
  name: string;
  input: string;
  toolName: string;
  tools: ToolDefinition[] | null;
  expected?: string;
  expectedOK: boolean;
};

/** gemma4TestStringTool: a tool whose parameters are all strings. */
export function gemma4TestStringTool(name: string, ...argNames: string[]): ToolDefinition {
  return {
    type: 'function',
    function: {
      name,
      parameters: {
        type: 'object',
        properties: Object.fromEntries(argNames.map((a) => [a, { type: 'string' }])),
      },
    },
  };
}

const writeContent =
  "\n\n# Project Style Guide for Autonomous Agents' Code Generation (AGENTS.md)\n\n" +
  'This document captures the *de facto* coding standards observed across the `src/` and `components/` source code, designed to ensure consistency for all generated code and modules consumed by the agent system.';

const numberTool = {
  type: 'function',
  function: { name: 'write', parameters: { type: 'object', properties: { content: { type: 'number' } } } },
};

export const parserCases: ParserCase[] = [
  {
    name: 'simple_content',
    input: 'This is a simple response.',
    expectedContent: 'This is a simple response.',
  },
  {
    name: 'thinking_then_content',
    input: '<|channel>thought\nLet me think about this...<channel|>The answer is 42.',
    expectedContent: 'The answer is 42.',
    expectedThinking: 'Let me think about this...',
    thinkingEnabled: true,
  },
  {
    name: 'multiple_thinking_blocks',
    input: '<|channel>first thought<channel|><|channel>second thought<channel|>Final answer.',
    expectedContent: 'Final answer.',
    expectedThinking: 'first thoughtsecond thought',
    thinkingEnabled: true,
  },
  {
    name: 'thinking_only_no_content',
    input: '<|channel>just thinking<channel|>',
    expectedContent: '',
    expectedThinking: 'just thinking',
    thinkingEnabled: true,
  },
  {
    name: 'tool_call_simple',
    input: '<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'get_weather', arguments: { location: 'Paris' } } }],
  },
  {
    name: 'tool_call_with_multiple_args',
    input: '<|tool_call>call:get_weather{location:<|"|>Paris<|"|>,units:<|"|>metric<|"|>}<tool_call|>',
    expectedToolCalls: [
      { function: { name: 'get_weather', arguments: { location: 'Paris', units: 'metric' } } },
    ],
  },
  {
    name: 'tool_call_with_number_arg',
    input: '<|tool_call>call:set_temp{value:42}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'set_temp', arguments: { value: 42.0 } } }],
  },
  {
    name: 'tool_call_with_boolean_arg',
    input: '<|tool_call>call:toggle{enabled:true}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'toggle', arguments: { enabled: true } } }],
  },
  {
    name: 'tool_call_with_null_arg',
    input: '<|tool_call>call:set_optional{value:null,nested:{value:null}}<tool_call|>',
    expectedToolCalls: [
      { function: { name: 'set_optional', arguments: { value: null, nested: { value: null } } } },
    ],
  },
  {
    name: 'tool_call_with_nested_object',
    input: '<|tool_call>call:process{config:{enabled:true,name:<|"|>test<|"|>}}<tool_call|>',
    expectedToolCalls: [
      { function: { name: 'process', arguments: { config: { enabled: true, name: 'test' } } } },
    ],
  },
  {
    name: 'tool_call_with_array',
    input: '<|tool_call>call:process{items:[<|"|>a<|"|>,<|"|>b<|"|>]}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'process', arguments: { items: ['a', 'b'] } } }],
  },
  {
    name: 'tool_call_with_array_of_multiple_gemma_quoted_strings',
    input: '<|tool_call>call:process{items:[<|"|>a<|"|>,<|"|>b "quoted"<|"|>,<|"|>c<|"|>]}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'process', arguments: { items: ['a', 'b "quoted"', 'c'] } } }],
  },
  {
    name: 'tool_call_with_multiline_string_arg',
    input: '<|tool_call>call:bash{command:<|"|>date\n<|"|>}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'bash', arguments: { command: 'date\n' } } }],
  },
  {
    name: 'tool_call_with_escaped_double_quotes_in_string_arg',
    input: '<|tool_call>call:search{query:<|"|>say \\"hello\\"<|"|>}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'search', arguments: { query: 'say \\"hello\\"' } } }],
  },
  {
    name: 'tool_call_with_unescaped_double_quotes_in_string_arg',
    input: '<|tool_call>call:search{query:<|"|>say "hello"<|"|>}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'search', arguments: { query: 'say "hello"' } } }],
  },
  {
    name: 'tool_call_with_multiple_unescaped_double_quote_segments',
    input: '<|tool_call>call:search{query:<|"|>say "hello", then "goodbye"<|"|>}<tool_call|>',
    expectedToolCalls: [
      { function: { name: 'search', arguments: { query: 'say "hello", then "goodbye"' } } },
    ],
  },
  {
    name: 'tool_call_with_mixed_escaped_and_unescaped_double_quotes',
    input: '<|tool_call>call:search{query:<|"|>first \\"quoted\\" then "raw"<|"|>}<tool_call|>',
    expectedToolCalls: [
      { function: { name: 'search', arguments: { query: 'first \\"quoted\\" then "raw"' } } },
    ],
  },
  {
    name: 'tool_call_exec_with_embedded_quoted_path',
    input: '<|tool_call>call:exec{command:<|"|>ls -F "vault/"<|"|>}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'exec', arguments: { command: 'ls -F "vault/"' } } }],
  },
  {
    name: 'tool_call_exec_with_embedded_quoted_url',
    input:
      '<|tool_call>call:exec{command:<|"|>fetch "https://ollama.com/library/gemma4" --extract<|"|>}<tool_call|>',
    expectedToolCalls: [
      {
        function: {
          name: 'exec',
          arguments: { command: 'fetch "https://ollama.com/library/gemma4" --extract' },
        },
      },
    ],
  },
  {
    name: 'tool_call_done_flush_without_close_tag_with_unescaped_double_quotes',
    input: '<|tool_call>call:search{query:<|"|>say "hello" and "bye"<|"|>}',
    expectedToolCalls: [{ function: { name: 'search', arguments: { query: 'say "hello" and "bye"' } } }],
  },
  {
    name: 'tool_call_with_mixed_raw_and_gemma_quoted_values',
    input: '<|tool_call>call:search{query:"raw \\"quoted\\"",note:<|"|>gemma "quoted"<|"|>}<tool_call|>',
    expectedToolCalls: [
      { function: { name: 'search', arguments: { query: 'raw "quoted"', note: 'gemma "quoted"' } } },
    ],
  },
  {
    name: 'tool_call_with_array_of_objects_and_mixed_quotes',
    input:
      '<|tool_call>call:plan{steps:[{title:<|"|>step "one"<|"|>,done:false},{title:<|"|>step \\"two\\"<|"|>,done:true}]}<tool_call|>',
    expectedToolCalls: [
      {
        function: {
          name: 'plan',
          arguments: {
            steps: [
              { title: 'step "one"', done: false },
              { title: 'step \\"two\\"', done: true },
            ],
          },
        },
      },
    ],
  },
  {
    name: 'tool_call_edit_with_array_of_objects_multiline_markdown_and_quotes',
    input:
      '<|tool_call>call:edit{edits:[\n  {newText:<|"|># Gemma4 + openclaude speed optimization guide\n\nUse "nvfp4" only after validating tool calls.\n<|"|>,oldText:<|"|># Gemma4 + openclaude speed optimization guide\n\nUse the default quantization.\n<|"|>},\n  {newText:<|"|>## 14. Methods tried but not adopted\n\n### 1. Model quantization\nDo not enable "mxfp8" by default.\n<|"|>,oldText:<|"|>## 14. Methods tried but not adopted\n<|"|>}\n]}<tool_call|>',
    expectedToolCalls: [
      {
        function: {
          name: 'edit',
          arguments: {
            edits: [
              {
                newText:
                  '# Gemma4 + openclaude speed optimization guide\n\nUse "nvfp4" only after validating tool calls.\n',
                oldText: '# Gemma4 + openclaude speed optimization guide\n\nUse the default quantization.\n',
              },
              {
                newText:
                  '## 14. Methods tried but not adopted\n\n### 1. Model quantization\nDo not enable "mxfp8" by default.\n',
                oldText: '## 14. Methods tried but not adopted\n',
              },
            ],
          },
        },
      },
    ],
  },
  {
    name: 'tool_call_edit_with_array_of_objects_issue_comment_spacing',
    input:
      '<|tool_call>call:edit{edits:[\n  {newText:<|"|># Gemma4 + openclaude speed optimization guide...<|"|>,\n   oldText:<|"|># Gemma4 + openclaude speed optimization guide...<|"|>},\n  {newText:<|"|>## 14. Methods tried but not adopted\\n\\n### 1. Model quantization...<|"|>,\n   oldText:<|"|>## 14. Methods tried but not adopted\\n<|"|>}\n]}<tool_call|>',
    expectedToolCalls: [
      {
        function: {
          name: 'edit',
          arguments: {
            edits: [
              {
                newText: '# Gemma4 + openclaude speed optimization guide...',
                oldText: '# Gemma4 + openclaude speed optimization guide...',
              },
              {
                newText: '## 14. Methods tried but not adopted\\n\\n### 1. Model quantization...',
                oldText: '## 14. Methods tried but not adopted\\n',
              },
            ],
          },
        },
      },
    ],
  },
  {
    name: 'tool_call_with_windows_path_single_backslashes',
    input: '<|tool_call>call:open_file{path:<|"|>C:\\users\\bob\\file.txt<|"|>}<tool_call|>',
    expectedToolCalls: [{ function: { name: 'open_file', arguments: { path: 'C:\\users\\bob\\file.txt' } } }],
  },
  {
    name: 'multiple_tool_calls',
    input:
      '<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><|tool_call>call:get_weather{location:<|"|>London<|"|>}<tool_call|>',
    expectedToolCalls: [
      { function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } },
      { function: { index: 1, name: 'get_weather', arguments: { location: 'London' } } },
    ],
  },
  {
    name: 'thinking_then_tool_call',
    input:
      '<|channel>thought\nI need to check the weather<channel|><|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|>',
    expectedThinking: 'I need to check the weather',
    expectedToolCalls: [{ function: { name: 'get_weather', arguments: { location: 'Paris' } } }],
    thinkingEnabled: true,
  },
  {
    name: 'content_then_tool_call',
    input: 'Let me check that for you.<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|>',
    expectedContent: 'Let me check that for you.',
    expectedToolCalls: [{ function: { name: 'get_weather', arguments: { location: 'Paris' } } }],
  },
  {
    name: 'thinking_disabled_channel_tags_as_content',
    input: '<|channel>this is not thinking<channel|>actual content',
    expectedContent: 'actual content',
    thinkingEnabled: false,
  },
  {
    name: 'prefill_content_only',
    input: 'Continuing content.',
    expectedContent: 'Continuing content.',
    lastMessage: { role: 'assistant', content: 'Previous content' },
    thinkingEnabled: true,
  },
];

export const extraToolCallCloseTagCases = [
  {
    name: 'same_chunk_without_trailing_content',
    chunks: ['<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><tool_call|>'],
    expectedContent: '',
  },
  {
    name: 'same_chunk_before_real_content',
    chunks: ['<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><tool_call|>Done.'],
    expectedContent: 'Done.',
  },
  {
    name: 'split_across_chunks_before_real_content',
    chunks: ['<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><tool_', 'call|>Done.'],
    expectedContent: 'Done.',
  },
];

export const toolResponseBoundaryCases = [
  {
    name: 'same_chunk_without_trailing_content',
    chunks: ['<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><|tool_response>'],
    expectedContent: '',
  },
  {
    name: 'same_chunk_before_real_content',
    chunks: ['<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><|tool_response>Done.'],
    expectedContent: 'Done.',
  },
  {
    name: 'split_across_chunks_before_real_content',
    chunks: ['<|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|><|tool_res', 'ponse>Done.'],
    expectedContent: 'Done.',
  },
];

export const splitThinkingTagCases = [
  {
    name: 'split_channel_open_tag',
    chunks: ['<|chan', 'nel>thinking here<channel|>content'],
    expectedContent: 'content',
    expectedThinking: 'thinking here',
  },
  {
    name: 'split_channel_close_tag',
    chunks: ['<|channel>thinking here<chan', 'nel|>content'],
    expectedContent: 'content',
    expectedThinking: 'thinking here',
  },
];

export const argsToJSONCases = [
  { name: 'simple_string', input: '{location:<|"|>Paris<|"|>}', expected: '{"location":"Paris"}' },
  {
    name: 'multiple_args',
    input: '{location:<|"|>Paris<|"|>,units:<|"|>metric<|"|>}',
    expected: '{"location":"Paris","units":"metric"}',
  },
  { name: 'number_value', input: '{value:42}', expected: '{"value":42}' },
  { name: 'boolean_value', input: '{enabled:true}', expected: '{"enabled":true}' },
  {
    name: 'nested_object',
    input: '{config:{enabled:true,name:<|"|>test<|"|>}}',
    expected: '{"config":{"enabled":true,"name":"test"}}',
  },
  {
    name: 'nested_object_with_space_after_object_open_and_before_bare_key',
    input: '{edits:[{ newText:<|"|>a<|"|>, oldText:<|"|>b<|"|>} ]}',
    expected: '{"edits":[{ "newText":"a", "oldText":"b"} ]}',
  },
  {
    name: 'nested_object_with_space_before_bare_key',
    input: '{edits:[{newText:<|"|>a<|"|>, oldText:<|"|>b<|"|>} ]}',
    expected: '{"edits":[{"newText":"a", "oldText":"b"} ]}',
  },
  {
    name: 'nested_object_with_newline_before_bare_key',
    input: '{edits:[\n  {newText:<|"|>a<|"|>,\n   oldText:<|"|>b<|"|>}\n]}',
    expected: '{"edits":[\n  {"newText":"a",\n   "oldText":"b"}\n]}',
  },
  { name: 'array_value', input: '{items:[<|"|>a<|"|>,<|"|>b<|"|>]}', expected: '{"items":["a","b"]}' },
  {
    name: 'array_value_with_multiple_gemma_quoted_strings',
    input: '{items:[<|"|>a<|"|>,<|"|>b "quoted"<|"|>,<|"|>c<|"|>]}',
    expected: '{"items":["a","b \\"quoted\\"","c"]}',
  },
  { name: 'empty_object', input: '{}', expected: '{}' },
  {
    name: 'mixed_types',
    input: '{name:<|"|>test<|"|>,count:5,active:true,tags:[<|"|>a<|"|>]}',
    expected: '{"name":"test","count":5,"active":true,"tags":["a"]}',
  },
  { name: 'null_value', input: '{value:null}', expected: '{"value":null}' },
  { name: 'multiline_string_value', input: '{command:<|"|>date\n<|"|>}', expected: '{"command":"date\\n"}' },
  {
    name: 'string_value_with_escaped_double_quotes',
    input: '{query:<|"|>say \\"hello\\"<|"|>}',
    expected: '{"query":"say \\\\\\"hello\\\\\\""}',
  },
  {
    name: 'string_value_with_unescaped_double_quotes',
    input: '{query:<|"|>say "hello"<|"|>}',
    expected: '{"query":"say \\"hello\\""}',
  },
  {
    name: 'string_value_with_multiple_unescaped_double_quote_segments',
    input: '{query:<|"|>say "hello", then "goodbye"<|"|>}',
    expected: '{"query":"say \\"hello\\", then \\"goodbye\\""}',
  },
  {
    name: 'string_value_with_mixed_escaped_and_unescaped_double_quotes',
    input: '{query:<|"|>first \\"quoted\\" then "raw"<|"|>}',
    expected: '{"query":"first \\\\\\"quoted\\\\\\" then \\"raw\\""}',
  },
  {
    name: 'string_value_with_punctuation_and_structural_chars',
    input: '{query:<|"|>a,b:{c}[d]<|"|>}',
    expected: '{"query":"a,b:{c}[d]"}',
  },
  {
    name: 'string_value_with_windows_path_backslashes',
    input: '{path:<|"|>C:\\\\Temp\\\\file.txt<|"|>}',
    expected: '{"path":"C:\\\\\\\\Temp\\\\\\\\file.txt"}',
  },
  {
    name: 'string_value_with_windows_path_single_backslashes',
    input: '{path:<|"|>C:\\users\\bob<|"|>}',
    expected: '{"path":"C:\\\\users\\\\bob"}',
  },
  {
    name: 'string_value_with_escaped_forward_slashes',
    input: '{url:<|"|>https:\\/\\/example.com\\/a<|"|>}',
    expected: '{"url":"https:\\\\/\\\\/example.com\\\\/a"}',
  },
  {
    name: 'string_value_with_unicode_escape_sequence',
    input: '{s:<|"|>snowman:\\u2603<|"|>}',
    expected: '{"s":"snowman:\\\\u2603"}',
  },
  {
    name: 'string_value_with_unknown_escape_sequence',
    input: '{s:<|"|>bad \\x escape<|"|>}',
    expected: '{"s":"bad \\\\x escape"}',
  },
  {
    name: 'string_value_with_invalid_unicode_escape_sequence',
    input: '{s:<|"|>bad \\uZZZZ escape<|"|>}',
    expected: '{"s":"bad \\\\uZZZZ escape"}',
  },
  {
    name: 'raw_quoted_string_with_escaped_quotes',
    input: '{q:"say \\"hi\\" and \\"bye\\""}',
    expected: '{"q":"say \\"hi\\" and \\"bye\\""}',
  },
  {
    name: 'raw_quoted_string_containing_key_like_text',
    input: '{q:"keep , oldText: literal",note:<|"|>ok<|"|>}',
    expected: '{"q":"keep , oldText: literal","note":"ok"}',
  },
  {
    name: 'raw_quoted_string_with_escaped_quotes_and_key_like_text',
    input: '{q:"keep , oldText: and \\"quoted\\" text",note:<|"|>ok<|"|>}',
    expected: '{"q":"keep , oldText: and \\"quoted\\" text","note":"ok"}',
  },
  {
    name: 'nested_mixed_raw_and_gemma_quoted_values',
    input: '{meta:{title:<|"|>t "1"<|"|>,note:"n \\"2\\""},items:[<|"|>x "3"<|"|>,"y \\"4\\""]}',
    expected: '{"meta":{"title":"t \\"1\\"","note":"n \\"2\\""},"items":["x \\"3\\"","y \\"4\\""]}',
  },
];

export const missingStringDelimiterCases = [
  { name: 'closes_before_object_close', input: '{command:<|"|>ls}', expected: '{command:<|"|>ls<|"|>}' },
  {
    name: 'closes_terminal_value_after_previous_property',
    input: '{path:<|"|>/tmp<|"|>,command:<|"|>ls}',
    expected: '{path:<|"|>/tmp<|"|>,command:<|"|>ls<|"|>}',
  },
  { name: 'closes_at_end', input: '{command:<|"|>ls', expected: '{command:<|"|>ls<|"|>' },
  {
    name: 'preserves_valid_gemma_quoted_string',
    input: '{command:<|"|>ls<|"|>}',
    expected: '{command:<|"|>ls<|"|>}',
  },
  { name: 'preserves_input_without_gemma_delimiter', input: '{command:ls}', expected: '{command:ls}' },
];

export const missingObjectCloseCases = [
  { name: 'adds_object_close', input: '{content:<|"|>hello<|"|>', expected: '{content:<|"|>hello<|"|>}' },
  {
    name: 'adds_object_close_before_trailing_space',
    input: '{content:<|"|>hello<|"|>  ',
    expected: '{content:<|"|>hello<|"|>}  ',
  },
  {
    name: 'preserves_existing_object_close',
    input: '{content:<|"|>hello<|"|>}',
    expected: '{content:<|"|>hello<|"|>}',
  },
  {
    name: 'preserves_non_object_input',
    input: 'content:<|"|>hello<|"|>',
    expected: 'content:<|"|>hello<|"|>',
  },
];

export const singleQuotedValueCases = [
  {
    name: 'converts_single_quoted_value',
    input: "{pattern:':\\s*\\w+'}",
    expected: '{pattern:<|"|>:\\s*\\w+<|"|>}',
  },
  {
    name: 'converts_middle_single_quoted_value',
    input: '{include:<|"|>*.py<|"|>,pattern:\'abc\',path:<|"|>/tmp<|"|>}',
    expected: '{include:<|"|>*.py<|"|>,pattern:<|"|>abc<|"|>,path:<|"|>/tmp<|"|>}',
  },
  {
    name: 'drops_dangling_gemma_delimiter_after_single_quoted_value',
    input: "{pattern:'abc'<|\"|>}",
    expected: '{pattern:<|"|>abc<|"|>}',
  },
  {
    name: 'preserves_gemma_quoted_value',
    input: '{pattern:<|"|>abc<|"|>}',
    expected: '{pattern:<|"|>abc<|"|>}',
  },
  { name: 'preserves_json_quoted_value', input: '{pattern:"abc"}', expected: '{pattern:"abc"}' },
  { name: 'preserves_unterminated_single_quote', input: "{pattern:'abc}", expected: "{pattern:'abc}" },
];

export const rawTerminalStringValueCases: RawTerminalCase[] = [
  {
    name: 'wraps_known_string_property_terminal_value',
    input: '{content:\n\n# Title',
    toolName: 'write',
    tools: [gemma4TestStringTool('write', 'content')],
    expected: '{content:<|"|>\n\n# Title<|"|>',
    expectedOK: true,
  },
  {
    name: 'stops_before_next_known_property',
    input: '{content:hello,mode:<|"|>fast<|"|>}',
    toolName: 'write',
    tools: [gemma4TestStringTool('write', 'content', 'mode')],
    expected: '{content:<|"|>hello<|"|>,mode:<|"|>fast<|"|>}',
    expectedOK: true,
  },
  {
    name: 'does_not_repair_without_schema',
    input: '{content:hello',
    toolName: 'write',
    tools: null,
    expectedOK: false,
  },
  {
    name: 'does_not_repair_non_string_property',
    input: '{content:hello',
    toolName: 'write',
    tools: [numberTool],
    expectedOK: false,
  },
  {
    name: 'does_not_repair_already_structured_value',
    input: '{content:<|"|>hello<|"|>}',
    toolName: 'write',
    tools: [gemma4TestStringTool('write', 'content')],
    expectedOK: false,
  },
  {
    name: 'does_not_repair_json_literal_start',
    input: '{content:123}',
    toolName: 'write',
    tools: [gemma4TestStringTool('write', 'content')],
    expectedOK: false,
  },
  {
    name: 'does_not_repair_unknown_tool',
    input: '{content:hello',
    toolName: 'missing',
    tools: [gemma4TestStringTool('write', 'content')],
    expectedOK: false,
  },
];

export const repairCandidatesCases = [
  {
    name: 'missing_string_delimiter_candidate',
    input: '{command:<|"|>ls}',
    toolName: 'bash',
    tools: [gemma4TestStringTool('bash', 'command')],
    expected: ['{command:<|"|>ls<|"|>}'],
  },
  {
    name: 'single_quoted_value_candidate',
    input: "{pattern:'abc'<|\"|>}",
    toolName: 'grep',
    tools: [gemma4TestStringTool('grep', 'pattern')],
    expected: ['{pattern:<|"|>abc<|"|>}'],
  },
  {
    name: 'raw_string_candidate_also_gets_missing_object_close',
    input: '{content:hello',
    toolName: 'write',
    tools: [gemma4TestStringTool('write', 'content')],
    expected: ['{content:hello', '{content:<|"|>hello<|"|>}'],
  },
  {
    name: 'does_not_add_missing_object_close_without_another_repair',
    input: '{n:1',
    toolName: 'count',
    tools: [gemma4TestStringTool('count', 'name')],
    expected: ['{n:1'],
  },
];

export const issue15315Cases = [
  {
    name: 'raw multiline string',
    content: `call:write{content:${writeContent}`,
    tools: [gemma4TestStringTool('write', 'content')],
    want: { function: { name: 'write', arguments: { content: writeContent } } },
  },
  {
    name: 'single quoted value with dangling gemma string delimiter',
    content:
      'call:grep{include:<|"|>*.py<|"|>,output_mode:<|"|>content<|"|>,path:<|"|>/data/robotics/experiment1<|"|>,pattern:\':\\s*\\w+\'<|"|>}',
    tools: [gemma4TestStringTool('grep', 'include', 'output_mode', 'path', 'pattern')],
    want: {
      function: {
        name: 'grep',
        arguments: {
          include: '*.py',
          output_mode: 'content',
          path: '/data/robotics/experiment1',
          pattern: ':\\s*\\w+',
        },
      },
    },
  },
  {
    name: 'unclosed gemma string before object close',
    content: 'call:bash{command:<|"|>ls}',
    tools: [gemma4TestStringTool('bash', 'command')],
    want: { function: { name: 'bash', arguments: { command: 'ls' } } },
  },
];

export const multiplePropertiesRepairCases = [
  {
    name: 'single_quoted_middle_property',
    content: 'call:grep{include:<|"|>*.py<|"|>,pattern:\'abc\',path:<|"|>/tmp<|"|>}',
    tools: [gemma4TestStringTool('grep', 'include', 'pattern', 'path')],
    want: { function: { name: 'grep', arguments: { include: '*.py', pattern: 'abc', path: '/tmp' } } },
  },
  {
    name: 'unclosed_gemma_string_terminal_property',
    content: 'call:bash{path:<|"|>/tmp<|"|>,command:<|"|>ls}',
    tools: [gemma4TestStringTool('bash', 'path', 'command')],
    want: { function: { name: 'bash', arguments: { path: '/tmp', command: 'ls' } } },
  },
  {
    name: 'raw_string_before_next_property',
    content: 'call:write{content:hello,mode:<|"|>fast<|"|>}',
    tools: [gemma4TestStringTool('write', 'content', 'mode')],
    want: { function: { name: 'write', arguments: { content: 'hello', mode: 'fast' } } },
  },
];
