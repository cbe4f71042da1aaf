// Tool calls and thinking through real inference, as Ollama answers them: deterministic test models (testkit)
// that answer with a qwen2.5-style <tool_call> and with a <think> block, run through the official `ollama`
// client and the `openai` SDK, streamed and not, and a whole agent loop (call, tool result, final answer) whose
// second prompt is checked byte for byte. The expected prompt was rendered by Go's own text/template over the
// value shapes of Ollama's template/template.go (see template/tools.test.ts) for the same template and messages
// (checked with go1.19.8 by scripts/go-template-check on 2026-12-06).
import {
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  startManagerWithModels,
  THINKER,
  WEATHER_CALL,
  WEATHER_CALLER,
  WEATHER_FINAL,
} from '@ownchat/testkit';
import type { Message, Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOllamaFinal, expectOpenaiLoop, question, weather } from './toolFixtures.ts';

const CALL = WEATHER_CALL;
const FINAL = WEATHER_FINAL;

let setup: ManagerWithModels;
let server: ManagerProcess;
let ollama: Ollama;
let openai: OpenAI;

beforeAll(async () => {
  setup = await startManagerWithModels({ caller: WEATHER_CALLER, thinker: THINKER }, { prefix: 'tools' });
  server = setup.manager;
  ollama = ollamaClient(server.url);
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 120_000);

afterAll(() => setup?.stop());

const expectedCall = { function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } };

describe('tool calls through the ollama client', () => {
  it('answers with message.tool_calls (not text), ids call_…, streamed in the chunk where the call completes', async () => {
    const r = await ollama.chat({ model: 'caller', messages: [question], tools: [weather], stream: false });
    expect(r.message.content).toBe('');
    expect(r.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_[a-z0-9]{8}$/), ...expectedCall },
    ]);
    expect(r.done_reason).toBe('stop');

    const parts = [];
    for await (const part of await ollama.chat({
      model: 'caller',
      messages: [question],
      tools: [weather],
      stream: true,
    })) {
      parts.push(part);
    }
    const withCalls = parts.filter((p) => p.message.tool_calls?.length);
    expect(withCalls).toHaveLength(1);
    expect(withCalls[0]!.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_/), ...expectedCall },
    ]);
    expect(parts.map((p) => p.message.content).join('')).toBe('');
    expect(parts.at(-1)!.done).toBe(true);
  });

  it('gives the text back when the request has no tools', async () => {
    const r = await ollama.chat({ model: 'caller', messages: [question], stream: false });
    expect(r.message.content).toBe(CALL);
    expect(r.message.tool_calls).toBeUndefined();
  });

  it('runs a whole loop: the call, the tool result back into the prompt byte for byte, the final answer', async () => {
    const first = await ollama.chat({
      model: 'caller',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages: Message[] = [
      question,
      first.message,
      { role: 'tool', content: '22 degrees, sunny', tool_name: 'get_weather' } as Message,
    ];
    const rendered = (await (
      await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'caller', messages, tools: [weather], _debug_render_only: true }),
      })
    ).json()) as { _debug_info: { rendered_template: string } };
    expect(rendered._debug_info.rendered_template).toBe(
      '<|im_start|>system\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{"type": "function", "function": {get_weather Get the current weather for a city {object <nil> <nil> [city] {"city":{"type":"string","description":"The city"}}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city":"Paris"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n22 degrees, sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\nAnswer:',
    );
    await expectOllamaFinal(ollama, 'caller', messages, FINAL);
  });

  it("refuses tools and thinking a model lacks, in Ollama's words", async () => {
    const noThink = ollama.chat({ model: 'caller', messages: [question], think: true });
    await expect(noThink).rejects.toThrow('"caller" does not support thinking');
    const created = await ollama.show({ model: 'thinker' });
    expect(created.capabilities).toEqual(['completion', 'thinking']);
    expect((await ollama.show({ model: 'caller' })).capabilities).toEqual(['completion', 'tools']);
    const noTools = ollama.chat({ model: 'thinker', messages: [question], tools: [weather] });
    await expect(noTools).rejects.toThrow('registry.ollama.ai/library/thinker:latest does not support tools');
  });
});

describe('thinking through the ollama client', () => {
  it('returns message.thinking apart from content, streamed and not; think: false leaves the text as it is', async () => {
    const r = await ollama.chat({ model: 'thinker', messages: [question], stream: false });
    expect(r.message.thinking).toBe('Checking the sky ');
    expect(r.message.content).toBe('Sunny!');
    let thinking = '';
    let content = '';
    for await (const part of await ollama.chat({
      model: 'thinker',
      messages: [question],
      think: true,
      stream: true,
    })) {
      thinking += part.message.thinking ?? '';
      content += part.message.content;
    }
    expect({ thinking, content }).toEqual({ thinking: 'Checking the sky ', content: 'Sunny!' });
    const off = await ollama.chat({ model: 'thinker', messages: [question], think: false, stream: false });
    expect(off.message.thinking).toBeUndefined();
    expect(off.message.content).toBe('<think> Checking the sky </think> Sunny!');
    const gen = await ollama.generate({ model: 'thinker', prompt: 'Weather?', stream: false });
    expect(gen.thinking).toBe('Checking the sky ');
    expect(gen.response).toBe('Sunny!');
  });
});

describe('tool calls and reasoning through the openai SDK', () => {
  it('answers tool_calls with arguments as JSON text and finish_reason tool_calls', async () => {
    const r = await openai.chat.completions.create({
      model: 'caller',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather as OpenAI.ChatCompletionTool],
    });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.choices[0]!.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        index: 0,
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
  });

  it('streams delta.tool_calls, then finish_reason tool_calls; tool_choice "none" gets text', async () => {
    const stream = await openai.chat.completions.create({
      model: 'caller',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather as OpenAI.ChatCompletionTool],
      stream: true,
    });
    const calls = [];
    const finishes = [];
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finishes.push(chunk.choices[0]?.finish_reason);
    }
    expect(calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        index: 0,
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(finishes.at(-1)).toBe('tool_calls');
    const none = await openai.chat.completions.create({
      model: 'caller',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather as OpenAI.ChatCompletionTool],
      tool_choice: 'none',
    });
    expect(none.choices[0]!.message.content).toBe(CALL);
  });

  it('finishes the loop with a tool message answered by its tool_call_id, streamed and not', async () => {
    await expectOpenaiLoop(openai, 'caller', FINAL);
  });

  it('returns reasoning apart from content; reasoning_effort "none" turns it off', async () => {
    const r = await openai.chat.completions.create({
      model: 'thinker',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const message = r.choices[0]!.message as { content: string; reasoning?: string };
    expect(message).toMatchObject({ content: 'Sunny!', reasoning: 'Checking the sky ' });
    let reasoning = '';
    let content = '';
    const stream = await openai.chat.completions.create({
      model: 'thinker',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning?: string } | undefined;
      reasoning += delta?.reasoning ?? '';
      content += delta?.content ?? '';
    }
    expect({ reasoning, content }).toEqual({ reasoning: 'Checking the sky ', content: 'Sunny!' });
    const off = await openai.chat.completions.create({
      model: 'thinker',
      messages: [{ role: 'user', content: 'Hi' }],
      reasoning_effort: 'none' as never,
    });
    expect(off.choices[0]!.message.content).toBe('<think> Checking the sky </think> Sunny!');
  });
});
