// Ministral 3 end to end, through real inference: deterministic test models (testkit) whose vocabulary has
// Mistral's tags as control tokens, imported as Ollama's registry configures ministral-3 (`"parser":
// "ministral"`, no renderer: the prompt comes from its Go template). The parser reads [TOOL_CALLS]name[ARGS]{…}
// and [THINK]…[/THINK], which the runner must give back as text (preserved tokens). Checked through the
// official `ollama` client and the `openai` SDK, streamed and not, and a tool loop whose second prompt is
// checked byte for byte.
//
// MINISTRAL is modelled on the registry's ministral-3 template as `ollama show --modelfile ministral-3:3b`
// prints it ($lastUserIndex, a default [SYSTEM_PROMPT] when the conversation has none, [INST]…[/INST], `</s>`
// after earlier answers), with the tools in Ministral 3's own format (mistralai/Ministral-3-8B-Instruct-2512's
// chat template: [AVAILABLE_TOOLS] before the last user message, [TOOL_CALLS]name[ARGS]{…} for a call,
// [TOOL_RESULTS]…[/TOOL_RESULTS] for its result), the format Ollama's ministral parser reads. The registry's
// bytes could not be fetched here; the default system prompt is shortened.
import path from 'node:path';
import { importModel, writeDeterministicModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterCall,
  expectedCall,
  expectOllamaCall,
  expectOpenaiCall,
  question,
  renderedPrompt,
  startToolServer,
  type ToolServer,
  weather,
} from './toolFixtures.ts';

const MINISTRAL = `{{- $lastUserIndex := -1 }}
{{- $hasSystemPrompt := false }}
{{- range $index, $_ := .Messages }}
{{- if eq .Role "user" }}{{ $lastUserIndex = $index }}{{ end }}
{{- if eq .Role "system" }}{{ $hasSystemPrompt = true }}{{ end }}
{{- end }}
{{- if not $hasSystemPrompt }}[SYSTEM_PROMPT]You are Ministral-3-3B-Instruct-2512, a Large Language Model (LLM) created by Mistral AI.[/SYSTEM_PROMPT]
{{- end }}
{{- range $index, $_ := .Messages }}
{{- if eq .Role "system" }}[SYSTEM_PROMPT]{{ .Content }}[/SYSTEM_PROMPT]
{{- else if eq .Role "user" }}
{{- if and (eq $lastUserIndex $index) $.Tools }}[AVAILABLE_TOOLS]{{ $.Tools }}[/AVAILABLE_TOOLS]
{{- end }}[INST]{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }}
{{- if .Content }}{{ .Content }}
{{- if not (eq (len (slice $.Messages $index)) 1) }}</s>
{{- end }}
{{- else if .ToolCalls }}
{{- range .ToolCalls }}[TOOL_CALLS]{{ .Function.Name }}[ARGS]{{ .Function.Arguments }}
{{- end }}</s>
{{- end }}
{{- else if eq .Role "tool" }}[TOOL_RESULTS]{{ .Content }}[/TOOL_RESULTS]
{{- end }}
{{- end }}`;

const SPECIAL = [
  '[SYSTEM_PROMPT]',
  '[/SYSTEM_PROMPT]',
  '[INST]',
  '[/INST]',
  '[AVAILABLE_TOOLS]',
  '[/AVAILABLE_TOOLS]',
  '[TOOL_CALLS]',
  '[ARGS]',
  '[TOOL_RESULTS]',
  '[/TOOL_RESULTS]',
  '[THINK]',
  '[/THINK]',
];

const FINAL = 'It is 22 degrees and sunny.';
const SYSTEM =
  '[SYSTEM_PROMPT]You are Ministral-3-3B-Instruct-2512, a Large Language Model (LLM) created by Mistral AI.[/SYSTEM_PROMPT]';
// The weather tool as Go prints `{{ $.Tools }}` (the JSON of Ollama's api.Tools).
const TOOLS =
  '[AVAILABLE_TOOLS][{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city",' +
  '"parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"The city"}}}}}][/AVAILABLE_TOOLS]';

let t: ToolServer;

async function ministralModel(name: string, tokens: string[]) {
  const model = await writeDeterministicModel(path.join(t.dir, `${name}.gguf`), {
    tokens,
    special: SPECIAL,
    after: '[/INST]',
    continuations: [{ after: '[/TOOL_RESULTS]', sentence: FINAL }],
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, name, model.path, { template: MINISTRAL, parser: 'ministral' });
}

beforeAll(async () => {
  t = await startToolServer('ministral');
  await ministralModel('ministral-caller', ['[TOOL_CALLS]', 'get_weather', '[ARGS]', '{"city":"Paris"}']);
  await ministralModel('ministral-reasoner', [
    '[THINK]',
    'Checking',
    '▁the',
    '▁sky',
    '[/THINK]',
    'Sunny',
    '!',
  ]);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('ministral through the ollama client', () => {
  it('has the capabilities its parser gives: tools, and no thinking (the registry parser has none)', async () => {
    expect((await t.ollama.show({ model: 'ministral-caller' })).capabilities).toEqual([
      'completion',
      'tools',
    ]);
    await expect(
      t.ollama.chat({ model: 'ministral-caller', messages: [question], think: true }),
    ).rejects.toThrow('"ministral-caller" does not support thinking');
  });

  it('answers a call (its tags control tokens), streamed and not', async () => {
    await expectOllamaCall(t.ollama, 'ministral-caller');
  });

  it('splits a [THINK] block into thinking, as Ollama does even without the thinking capability', async () => {
    const r = await t.ollama.chat({ model: 'ministral-reasoner', messages: [question], stream: false });
    expect({ thinking: r.message.thinking, content: r.message.content }).toEqual({
      thinking: 'Checking the sky',
      content: 'Sunny!',
    });
    let thinking = '';
    let content = '';
    for await (const part of await t.ollama.chat({
      model: 'ministral-reasoner',
      messages: [question],
      stream: true,
    })) {
      thinking += part.message.thinking ?? '';
      content += part.message.content;
    }
    expect({ thinking, content }).toEqual({ thinking: 'Checking the sky', content: 'Sunny!' });
  });

  it("runs the tool loop: the call and the tool's result go back into the prompt as the template writes them", async () => {
    expect(
      await renderedPrompt(t.server.url, {
        model: 'ministral-caller',
        messages: [question],
        tools: [weather],
      }),
    ).toBe(`${SYSTEM}${TOOLS}[INST]What is the weather in Paris?[/INST]`);

    const first = await t.ollama.chat({
      model: 'ministral-caller',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    const body = { model: 'ministral-caller', messages, tools: [weather] };
    expect(await renderedPrompt(t.server.url, body)).toBe(
      `${SYSTEM}${TOOLS}[INST]What is the weather in Paris?[/INST]` +
        '[TOOL_CALLS]get_weather[ARGS]{"city":"Paris"}</s>[TOOL_RESULTS]22 degrees, sunny[/TOOL_RESULTS]',
    );
    const final = await t.ollama.chat({ ...body, stream: false });
    expect(final.message.content).toBe(FINAL);
    expect(final.message.tool_calls).toBeUndefined();
    expect(first.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), ...expectedCall }]);
  });

  it("a call to a tool the request did not offer fails the answer with the parser's error, as in Ollama", async () => {
    const other = { ...weather, function: { ...weather.function, name: 'get_time' } };
    await expect(
      t.ollama.chat({ model: 'ministral-caller', messages: [question], tools: [other], stream: false }),
    ).rejects.toThrow("tool 'get_weather' not found");
  });
});

describe('ministral through the openai SDK', () => {
  it('answers tool_calls, finish_reason tool_calls, streamed and not', async () => {
    await expectOpenaiCall(t.openai, 'ministral-caller');
  });
});
