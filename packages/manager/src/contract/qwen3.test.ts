// qwen3 thinking and tool calls through real inference, with qwen3's Ollama template as the registry ships it
// (`ollama show --modelfile qwen3:8b`): the thinking tags and the <tool_call> tag are found in the template,
// as Ollama's thinking.InferTags and tools.Parser find them. The test model spells <tool_call> with a control
// token (as mistral's [TOOL_CALLS] is one): the runner must give it back as text (Ollama's preserved tool
// tag), or the call would come back as bare JSON in the content. Checked through the official `ollama` client
// and the `openai` SDK, streamed and not, and a tool loop whose second prompt is checked byte for byte.
//
// The test model's next token depends on the token it just read, so its answer has no token twice (no newlines:
// the generation prompt ends with one), and on one memory: whether a <tool_response> was in the prompt, which
// makes the loop's turn after the tool's result a final answer (testkit's afterMarker). The loop's second
// prompt is checked byte for byte.
import path from 'node:path';
import { importModel, WEATHER_FINAL, writeDeterministicModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterCall,
  expectOllamaCall,
  expectOllamaFinal,
  expectOpenaiLoop,
  question,
  renderedPrompt,
  startToolServer,
  type ToolServer,
  weather,
} from './toolFixtures.ts';

// qwen3's template in Ollama's registry (qwen3:8b), byte for byte.
const QWEN3 = `{{- $lastUserIdx := -1 -}}
{{- range $idx, $msg := .Messages -}}
{{- if eq $msg.Role "user" }}{{ $lastUserIdx = $idx }}{{ end -}}
{{- end }}
{{- if or .System .Tools }}<|im_start|>system
{{ if .System }}
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
{{- end -}}
<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}
{{- if and $.IsThinkSet (eq $i $lastUserIdx) }}
   {{- if $.Think -}}
      {{- " "}}/think
   {{- else -}}
      {{- " "}}/no_think
   {{- end -}}
{{- end }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if (and $.IsThinkSet (and .Thinking (or $last (gt $i $lastUserIdx)))) -}}
<think>{{ .Thinking }}</think>
{{ end -}}
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
{{ if and $.IsThinkSet (not $.Think) -}}
<think>

</think>

{{ end -}}
{{ end }}
{{- end }}`;

const ANSWER = [
  '<think>',
  'Need',
  '▁the',
  '▁weather',
  '</think>',
  '<tool_call>',
  '{"name":"get_weather","arguments":{"city":"Paris"}}',
  '</tool_call>',
];

let t: ToolServer;

beforeAll(async () => {
  t = await startToolServer('qwen3');
  const model = await writeDeterministicModel(path.join(t.dir, 'qwen3.gguf'), {
    tokens: ANSWER,
    special: ['<tool_call>'],
    afterMarker: { marker: '<tool_response>', sentence: WEATHER_FINAL },
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, 'qwen3-caller', model.path, { template: QWEN3 });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('qwen3 through the ollama client', () => {
  it('has the capabilities its template gives: tools and thinking', async () => {
    expect((await t.ollama.show({ model: 'qwen3-caller' })).capabilities).toEqual([
      'completion',
      'tools',
      'thinking',
    ]);
  });

  it('answers thinking and a tool call (its tag a control token), streamed and not', async () => {
    await expectOllamaCall(t.ollama, 'qwen3-caller', 'Need the weather');
  });

  it('puts /think or /no_think after the last user message as think asks', async () => {
    const prompt = (think?: boolean) =>
      renderedPrompt(t.server.url, { model: 'qwen3-caller', messages: [question], think });
    // Ollama turns think on for a thinking model that was not told, so the default is /think.
    expect(await prompt()).toBe(
      '<|im_start|>user\nWhat is the weather in Paris? /think<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(await prompt(false)).toBe(
      '<|im_start|>user\nWhat is the weather in Paris? /no_think<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
  });

  it('runs the tool loop: thinking, the call and the result go back into the prompt as Ollama renders them, then the final answer', async () => {
    const first = await t.ollama.chat({
      model: 'qwen3-caller',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    // QWEN3 as Go's text/template renders it (the .Function line as Go prints Ollama's ToolFunction, as in
    // toolsAndThinking.test.ts): the thinking of an answer after the last user message is kept. This test's
    // prompts were checked with go1.19.8 by scripts/go-template-check on 2026-12-06.
    expect(await renderedPrompt(t.server.url, { model: 'qwen3-caller', messages, tools: [weather] })).toBe(
      '<|im_start|>system\n\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        '{"type": "function", "function": {get_weather Get the current weather for a city {object <nil> <nil> [city] {"city":{"type":"string","description":"The city"}}}}}\n' +
        '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\nWhat is the weather in Paris? /think<|im_end|>\n' +
        '<|im_start|>assistant\n<think>Need the weather</think>\n' +
        '<tool_call>\n{"name": "get_weather", "arguments": {"city":"Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n22 degrees, sunny\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    await expectOllamaFinal(t.ollama, 'qwen3-caller', messages, WEATHER_FINAL);
  });
});

describe('qwen3 through the openai SDK', () => {
  it('answers reasoning and tool_calls, finish_reason tool_calls, then the final answer after the tool message, streamed and not', async () => {
    await expectOpenaiLoop(t.openai, 'qwen3-caller', WEATHER_FINAL, 'Need the weather');
  });
});
