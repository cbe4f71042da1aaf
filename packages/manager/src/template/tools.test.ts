// Prompts with tools, tool calls, tool results and think values, byte for byte as Ollama renders them. Expected
// strings come from Ollama's tests where they have one (server/routes_debug_test.go "chat debug with tools";
// template/template_test.go TestTemplateArgumentsRange, TestTemplatePropertiesRange); the others were rendered
// by Go's own text/template, encoding/json and fmt over the value shapes of Ollama's template/template.go
// (templateTool, templateMessage, templateToolCall: a tool's {{ .Function }} prints Go's %v of the struct, a
// call's arguments print as JSON with sorted keys), with templates from Ollama's tests
// (thinking/template_test.go "qwen3") and the llama3.1 and gpt-oss shapes. All were checked with go1.19.8 by
// scripts/go-template-check on 2026-12-06.
import { describe, expect, it } from 'vitest';
import { renderPrompt, type TemplateMessage } from './prompt.ts';

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather',
    parameters: {
      type: 'object',
      required: ['location'],
      properties: {
        location: { type: 'string', description: 'The city and state <b>&' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: ['integer', 'null'], minimum: 1 },
      },
    },
  },
};
const bare = { type: 'function', function: { name: 'get_time' } };

// A whole agent loop: a call, two tool results (never merged), the answer, and the next question.
const loop = (): TemplateMessage[] => [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: "What's the weather in Paris?" },
  {
    role: 'assistant',
    content: '',
    tool_calls: [
      {
        id: 'call_abc',
        function: { index: 0, name: 'get_weather', arguments: { unit: 'celsius', location: 'Paris' } },
      },
    ],
  },
  { role: 'tool', content: '22 degrees', tool_name: 'get_weather', tool_call_id: 'call_abc' },
  { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
  { role: 'assistant', content: 'It is 22 and sunny.', thinking: 'easy' },
  { role: 'user', content: 'Thanks' },
];

const QWEN3 = `
{{- if or .System .Tools .Thinking }}<|im_start|>system
{{- if .System }}
{{ .System }}
{{- end }}
{{- if .Tools }}

# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{{- range .Tools }}
{"type": "function", "function": {{ .Function }}}
{{- end }}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>
{{- end }}
{{- if .Thinking }}
/think
{{- else }}
/no_think
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if and $last .Thinking }}
<think>{{ .Thinking }}</think>
{{ end }}
{{ if .Content }}{{ .Content }}
{{- else if .ToolCalls }}<tool_call>
{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
{{ end }}</tool_call>
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>user
<tool_response>
{{ .Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
`;

const LLAMA31 = `{{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>
{{- if .System }}

{{ .System }}
{{- end }}
{{- if .Tools }}

Cutting Knowledge Date: December 2023

When you receive a tool call response, use the output to format an answer to the orginal user question.

You are a helpful assistant with tool calling capabilities.
{{- end }}<|eot_id|>
{{- end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "user" }}<|start_header_id|>user<|end_header_id|>
{{- if and $.Tools $last }}

Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.

Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. Do not use variables.

{{ range $.Tools }}
{{- . }}
{{ end }}
{{ .Content }}<|eot_id|>
{{- else }}

{{ .Content }}<|eot_id|>
{{- end }}{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- else if eq .Role "assistant" }}<|start_header_id|>assistant<|end_header_id|>
{{- if .ToolCalls }}
{{ range .ToolCalls }}
{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}
{{- else }}

{{ .Content }}
{{- end }}{{ if not $last }}<|eot_id|>{{ end }}
{{- else if eq .Role "tool" }}<|start_header_id|>ipython<|end_header_id|>

{{ .Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}
{{- end }}`;

const TYPESCRIPT = `{{- range .Messages }}{{ end }}{{ .ThinkLevel }}{{ range .Tools }}
type {{ .Function.Name }} = (_: {
{{- range $name, $prop := .Function.Parameters.Properties }}
{{ $name }}{{ if not (index $.Tools 0).Function.Parameters.Required }}?{{ end }}: {{ toTypeScriptType $prop }},
{{- end }}
}) => any;{{ end }}`;

describe('prompts with tools', () => {
  it('prints .Tools as the JSON of Ollama\'s structs (routes_debug_test.go "chat debug with tools")', () => {
    const t =
      '{{ if .Tools }}{{ .Tools }}{{ end }}{{ range .Messages }}{{ .Role }}: {{ .Content }}\n{{ end }}';
    const tools = [
      { type: 'function', function: { name: 'get_weather', description: 'Get weather information' } },
    ];
    expect(renderPrompt(t, { messages: [{ role: 'user', content: 'Get the weather' }], tools })).toBe(
      '[{"type":"function","function":{"name":"get_weather","description":"Get weather information","parameters":{"type":"","properties":null}}}]user: Get the weather\n',
    );
  });

  it('ranges over call arguments and tool properties (template_test.go TestTemplateArgumentsRange, TestTemplatePropertiesRange)', () => {
    const args =
      '{{- range .Messages }}{{- range .ToolCalls }}{{- range $k, $v := .Function.Arguments }}{{ $k }}={{ $v }};{{- end }}{{- end }}{{- end }}';
    const call = { function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } };
    expect(renderPrompt(args, { messages: [{ role: 'assistant', content: '', tool_calls: [call] }] })).toBe(
      'city=Tokyo;',
    );
    const props =
      '{{- range .Messages }}{{- end }}{{- range .Tools }}{{- range $name, $prop := .Function.Parameters.Properties }}{{ $name }}:{{ $prop.Type }};{{- end }}{{- end }}';
    const tool = {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { location: { type: 'string' } } },
      },
    };
    expect(renderPrompt(props, { messages: [{ role: 'user', content: 'test' }], tools: [tool] })).toBe(
      'location:string;',
    );
  });

  it('renders a whole tool loop with the qwen3 template (thinking/template_test.go)', () => {
    expect(renderPrompt(QWEN3, { messages: loop(), tools: [weather, bare], think: true })).toBe(
      '<|im_start|>system\nYou are helpful.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{"type": "function", "function": {get_weather Get the current weather {object <nil> <nil> [location] {"days":{"type":["integer","null"]},"location":{"type":"string","description":"The city and state \\u003cb\\u003e\\u0026"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}}}\n{"type": "function", "function": {get_time  { <nil> <nil> [] {}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>\n/no_think<|im_end|>\n<|im_start|>user\nWhat\'s the weather in Paris?<|im_end|>\n<|im_start|>assistant\n\n<tool_call>\n{"name": "get_weather", "arguments": {"location":"Paris","unit":"celsius"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n22 degrees\n</tool_response><|im_end|>\n<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n\nIt is 22 and sunny.<|im_end|>\n<|im_start|>user\nThanks<|im_end|>\n<|im_start|>assistant\n\n',
    );
  });

  it('renders the qwen3 template without thinking', () => {
    expect(renderPrompt(QWEN3, { messages: loop().slice(0, 2), tools: [weather], think: false })).toBe(
      '<|im_start|>system\nYou are helpful.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{"type": "function", "function": {get_weather Get the current weather {object <nil> <nil> [location] {"days":{"type":["integer","null"]},"location":{"type":"string","description":"The city and state \\u003cb\\u003e\\u0026"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>\n/no_think<|im_end|>\n<|im_start|>user\nWhat\'s the weather in Paris?<|im_end|>\n<|im_start|>assistant\n\n',
    );
  });

  it("renders llama3.1's JSON calls and ipython results", () => {
    expect(renderPrompt(LLAMA31, { messages: loop().slice(0, 4), tools: [weather] })).toBe(
      '<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.\n\nCutting Knowledge Date: December 2023\n\nWhen you receive a tool call response, use the output to format an answer to the orginal user question.\n\nYou are a helpful assistant with tool calling capabilities.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat\'s the weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"location":"Paris","unit":"celsius"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n22 degrees<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('gives gpt-oss templates .ThinkLevel and toTypeScriptType', () => {
    expect(renderPrompt(TYPESCRIPT, { messages: loop().slice(0, 2), tools: [weather], think: 'high' })).toBe(
      'high\ntype get_weather = (_: {\ndays: number | null,\nlocation: string,\nunit: string,\n}) => any;',
    );
  });
});
