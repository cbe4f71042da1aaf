// llama3.1's JSON tool calls through real inference, with llama3.1's Ollama template as the registry ships it
// (`ollama show llama3.1 --template`): the tools go into the last user message as JSON, the model answers a
// bare {"name": …, "parameters": {…}} object (no tag: Ollama's tools parser takes every JSON object as a call
// candidate, "parameters" as the arguments), and the call goes back as the assistant's message, its result
// as an ipython message. Checked through the official `ollama` client and the `openai` SDK, streamed and not.
//
// Both of a loop's prompts end in "<|end_header_id|>\n\n"; the test model remembers whether an `ipython` header
// (a tool's result) came before (testkit's afterMarker), so the turn after the result is a final answer, and
// the loop's second prompt is checked byte for byte.
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

// llama3.1's template in Ollama's registry, byte for byte.
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
Question: {{ .Content }}<|eot_id|>
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

const SYSTEM =
  '<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n\n' +
  'When you receive a tool call response, use the output to format an answer to the orginal user question.\n\n' +
  'You are a helpful assistant with tool calling capabilities.<|eot_id|>';

let t: ToolServer;

beforeAll(async () => {
  t = await startToolServer('llama31');
  const model = await writeDeterministicModel(path.join(t.dir, 'llama31.gguf'), {
    tokens: ['{"name":', '▁"get_weather",', '▁"parameters":', '▁{"city":', '▁"Paris"}}'],
    special: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    afterMarker: { marker: 'ipython', sentence: WEATHER_FINAL },
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, 'llama31-caller', model.path, { template: LLAMA31 });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('llama3.1 through the ollama client', () => {
  it('shows the tools to the last user message as JSON (api.Tool marshalled as Ollama does)', async () => {
    // The template's {{ . }} over .Tools prints Ollama's templateTool as json.Marshal writes it.
    expect(
      await renderedPrompt(t.server.url, { model: 'llama31-caller', messages: [question], tools: [weather] }),
    ).toBe(
      `${SYSTEM}<|start_header_id|>user<|end_header_id|>\n\n` +
        'Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n' +
        'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. Do not use variables.\n\n' +
        '{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"The city"}}}}}\n\n' +
        'Question: What is the weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('answers the JSON object as message.tool_calls, streamed and not', async () => {
    await expectOllamaCall(t.ollama, 'llama31-caller');
  });

  it('runs the tool loop: the call and its result go back into the prompt as Ollama renders them, then the final answer', async () => {
    const first = await t.ollama.chat({
      model: 'llama31-caller',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    // The tools are shown only with a last user message: after a tool result the prompt has none.
    expect(await renderedPrompt(t.server.url, { model: 'llama31-caller', messages, tools: [weather] })).toBe(
      `${SYSTEM}<|start_header_id|>user<|end_header_id|>\n\nWhat is the weather in Paris?<|eot_id|>` +
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city":"Paris"}}<|eot_id|>' +
        '<|start_header_id|>ipython<|end_header_id|>\n\n22 degrees, sunny<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    await expectOllamaFinal(t.ollama, 'llama31-caller', messages, WEATHER_FINAL);
  });
});

describe('llama3.1 through the openai SDK', () => {
  it('answers tool_calls with finish_reason tool_calls, then the final answer after the tool message, streamed and not', async () => {
    await expectOpenaiLoop(t.openai, 'llama31-caller', WEATHER_FINAL);
  });
});
