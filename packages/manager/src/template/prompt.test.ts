// Ollama-style templates in the shapes the popular model families use, each against the exact prompt text
// Ollama renders for it.
import { describe, expect, it } from 'vitest';
import { renderPrompt, templateSupportsSuffix, templateSupportsTools } from './prompt.ts';

const chat = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'How are you?' },
];

// qwen2.5's ChatML shape.
const CHATML = `{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ .Content }}{{ if not $last }}<|im_end|>
{{ end }}
{{- end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}`;

// Llama 3's header shape.
const LLAMA3 = `{{- if .System }}<|start_header_id|>system<|end_header_id|>

{{ .System }}<|eot_id|>
{{- end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if or (eq .Role "user") (eq .Role "assistant") }}<|start_header_id|>{{ .Role }}<|end_header_id|>

{{ .Content }}
{{- if or (ne .Role "assistant") (not $last) }}<|eot_id|>{{ end }}
{{- end }}
{{- if and $last (ne .Role "assistant") }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}`;

// Gemma's turns (no system role: system text goes in as a user turn).
const GEMMA = `{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if or (eq .Role "user") (eq .Role "system") }}<start_of_turn>user
{{ .Content }}<end_of_turn>
{{ if $last }}<start_of_turn>model
{{ end }}
{{- else if eq .Role "assistant" }}<start_of_turn>model
{{ .Content }}{{ if not $last }}<end_of_turn>
{{ end }}
{{- end }}
{{- end }}`;

// Mistral's [INST] with tools.
const MISTRAL = `{{- range $index, $_ := .Messages }}
{{- if eq .Role "system" }}[SYSTEM_PROMPT]{{ .Content }}[/SYSTEM_PROMPT]
{{- else if eq .Role "user" }}
{{- if and (le (len (slice $.Messages $index)) 2) $.Tools }}[AVAILABLE_TOOLS]{{ json $.Tools }}[/AVAILABLE_TOOLS]
{{- end }}[INST]{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }}
{{- if .Content }}{{ .Content }}
{{- if not (eq (len (slice $.Messages $index)) 1) }}</s>
{{- end }}
{{- else if .ToolCalls }}[TOOL_CALLS][
{{- range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ json .Function.Arguments }}}
{{- end }}]</s>
{{- end }}
{{- else if eq .Role "tool" }}[TOOL_RESULTS]{"content": {{ .Content }}}[/TOOL_RESULTS]
{{- end }}
{{- end }}`;

// Phi-3's legacy shape (.System/.Prompt/.Response, no .Messages).
const PHI3 = `{{ if .System }}<|system|>
{{ .System }}<|end|>
{{ end }}{{ if .Prompt }}<|user|>
{{ .Prompt }}<|end|>
{{ end }}<|assistant|>
{{ .Response }}<|end|>`;

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the weather',
    parameters: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } },
  },
};

describe('model templates', () => {
  it('ChatML (qwen2.5)', () => {
    expect(renderPrompt(CHATML, { messages: chat })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('ChatML continues a last assistant message instead of opening a new turn', () => {
    expect(
      renderPrompt(CHATML, {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Well,' },
        ],
      }),
    ).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nWell,');
  });

  it('Llama 3 headers', () => {
    expect(renderPrompt(LLAMA3, { messages: chat })).toBe(
      '<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('Gemma turns', () => {
    expect(renderPrompt(GEMMA, { messages: chat })).toBe(
      '<start_of_turn>user\nBe brief.<end_of_turn>\n<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n',
    );
  });

  it('Mistral [INST] with a tools section', () => {
    expect(
      renderPrompt(MISTRAL, {
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [weatherTool],
      }),
    ).toBe(
      '[AVAILABLE_TOOLS][{"type":"function","function":{"name":"get_weather","description":"Get the weather","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}}}][/AVAILABLE_TOOLS][INST]Weather in Paris?[/INST]',
    );
  });

  it('Mistral with a tool call and its result (wire-shaped tool_calls reached as .ToolCalls)', () => {
    const messages = [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', content: '22 C' },
    ];
    expect(renderPrompt(MISTRAL, { messages, tools: [weatherTool] })).toBe(
      '[INST]Weather in Paris?[/INST][TOOL_CALLS][{"name": "get_weather", "arguments": {"city":"Paris"}}]</s>[TOOL_RESULTS]{"content": 22 C}[/TOOL_RESULTS]',
    );
  });

  it('Phi-3, a legacy template: one execution per turn, the last cut after .Response', () => {
    expect(renderPrompt(PHI3, { messages: chat })).toBe(
      '<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|><|user|>\nHow are you?<|end|>\n<|assistant|>\n',
    );
  });

  it('merges consecutive messages of one role and joins system messages, as Ollama collates', () => {
    const t = '{{ .System }}|{{ range .Messages }}{{ .Role }}:{{ .Content }};{{ end }}';
    const messages = [
      { role: 'system', content: 'A' },
      { role: 'system', content: 'B' },
      { role: 'user', content: 'x' },
      { role: 'user', content: 'y' },
    ];
    expect(renderPrompt(t, { messages })).toBe('A\n\nB|system:A\n\nB;user:x\n\ny;');
  });

  it('renders a fill-in-the-middle prompt with .Prompt and .Suffix', () => {
    const t = '{{ if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ else }}{{ .Prompt }}{{ end }}';
    expect(renderPrompt(t, { messages: [], prompt: 'def f(', suffix: '):' })).toBe(
      '<PRE> def f( <SUF>): <MID>',
    );
    expect(templateSupportsSuffix(t)).toBe(true);
    expect(templateSupportsSuffix(CHATML)).toBe(false);
    expect(templateSupportsTools(MISTRAL)).toBe(true);
  });

  it('implements the Go template pieces Ollama templates use', () => {
    const r = (t: string, data: Record<string, unknown> = {}) =>
      renderPrompt(`{{ $x := 1 }}${t}`, { messages: [{ role: 'user', content: 'hi' }], ...data });
    expect(r('{{ if and .System .Tools }}a{{ else if eq (len .Messages) 1 }}b{{ else }}c{{ end }}')).toBe(
      'b',
    );
    expect(r('{{ range .Messages }}{{ .Role | printf "%s!" }}{{ end }}')).toBe('user!');
    expect(r('{{ $x = 2 }}{{ $x }} {{ not true }} {{ or "" "z" }} {{ index .Messages 0 | len }}')).toBe(
      '2 false z 7', // a message is Ollama's templateMessage: seven fields
    );
    expect(r('{{ range $i, $m := .Messages }}{{ $i }}={{ $m.Content }}{{ end }}')).toBe('0=hi');
    expect(r('{{ with .Tools }}tools{{ else }}none{{ end }}')).toBe('none');
    expect(r('{{ slice "hello" 1 3 }} {{ json "<a>" }}')).toBe('el "\\u003ca\\u003e"');
    expect(r('a  {{- /* a comment */ -}}  b')).toBe('ab');
    expect(r('{{ .Nope }}')).toBe('<no value>');
  });

  it.each([
    ['{{ define "x" }}{{ end }}', /\{\{define\}\} is not supported/],
    ['{{ template "x" }}', /\{\{template\}\} is not supported/],
    ['{{ if .System }}unclosed', /missing \{\{end\}\}/],
    ['{{ end }}', /unexpected \{\{end\}\}/],
    ['{{ .System ', /unclosed action/],
    ['{{ upper .System }}', /function "upper" is not supported/],
    ['{{ if false }}{{ upper .System }}{{ end }}', /function "upper" is not supported/],
  ])('refuses %j naming the construct', (t, message) => {
    expect(() => renderPrompt(t, { messages: [{ role: 'user', content: 'x' }] })).toThrow(message);
  });
});
