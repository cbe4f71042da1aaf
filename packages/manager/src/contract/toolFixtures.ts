// What the tool-call and thinking contract tests share: the weather tool, the question that makes a test
// model call it, the call Ollama returns for it, and the prompt a request renders (_debug_render_only).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ManagerProcess, ollamaClient, startManagerProcess } from '@ownchat/testkit';
import type { ChatResponse, Message, Ollama, Tool } from 'ollama';
import OpenAI from 'openai';
import { expect } from 'vitest';

export const weather: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      required: ['city'],
      properties: { city: { type: 'string', description: 'The city' } },
    },
  },
};

export const question: Message = { role: 'user', content: 'What is the weather in Paris?' };

/** message.tool_calls[0] as Ollama answers the call get_weather({city: "Paris"}), its id aside. */
export const expectedCall = { function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } };

/** The same call on /v1, as the openai SDK returns it. */
export const expectedOpenaiCall = {
  id: expect.stringMatching(/^call_/),
  index: 0,
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
};

/** The prompt /api/chat renders for this body, without generating. */
export async function renderedPrompt(url: string, body: object): Promise<string> {
  const res = await fetch(`${url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ ...body, _debug_render_only: true }),
  });
  const json = (await res.json()) as { _debug_info: { rendered_template: string } };
  return json._debug_info.rendered_template;
}

/** A manager process with both clients on it, and a folder for the test's model files. */
export type ToolServer = {
  dir: string;
  server: ManagerProcess;
  ollama: Ollama;
  openai: OpenAI;
  stop(): Promise<void>;
};

export async function startToolServer(name: string): Promise<ToolServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `ownchat-${name}-`));
  const server = await startManagerProcess();
  return {
    dir,
    server,
    ollama: ollamaClient(server.url),
    openai: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 }),
    async stop() {
      await server.stop();
      await fs.rm(server.modelsDir, { recursive: true, force: true });
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Asks `model` for the weather with the tool through the ollama client, streamed and not: the answer must be
 * the call (in the chunk where it completes), no content, and `thinking` before it where given. Returns the
 * answer that was not streamed.
 */
export async function expectOllamaCall(
  ollama: Ollama,
  model: string,
  thinking?: string,
): Promise<ChatResponse> {
  const r = await ollama.chat({ model, messages: [question], tools: [weather], stream: false });
  expect(r.message.thinking).toBe(thinking);
  expect(r.message.content).toBe('');
  expect(r.message.tool_calls).toEqual([
    { id: expect.stringMatching(/^call_[a-z0-9]{8}$/), ...expectedCall },
  ]);
  const parts: ChatResponse[] = [];
  for await (const part of await ollama.chat({
    model,
    messages: [question],
    tools: [weather],
    stream: true,
  })) {
    parts.push(part);
  }
  expect(parts.map((p) => p.message.thinking ?? '').join('')).toBe(thinking ?? '');
  expect(parts.map((p) => p.message.content).join('')).toBe('');
  expect(parts.flatMap((p) => p.message.tool_calls ?? [])).toEqual([
    { id: expect.stringMatching(/^call_/), ...expectedCall },
  ]);
  expect(parts.at(-1)!.done).toBe(true);
  return r;
}

/** A loop's next conversation: the question, the answer that called the tool, and the tool's result. */
export function afterCall(answer: Message): Message[] {
  return [
    question,
    answer,
    { role: 'tool', content: '22 degrees, sunny', tool_name: 'get_weather' } as Message,
  ];
}

/**
 * The same through the openai SDK, streamed and not: tool_calls with the arguments as JSON text,
 * finish_reason "tool_calls", and `reasoning` where given. Returns the completion that was not streamed.
 */
export async function expectOpenaiCall(
  openai: OpenAI,
  model: string,
  reasoning?: string,
): Promise<OpenAI.ChatCompletion> {
  const request = {
    model,
    messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
    tools: [weather as OpenAI.ChatCompletionTool],
  };
  const r = await openai.chat.completions.create(request);
  expect(r.choices[0]!.finish_reason).toBe('tool_calls');
  expect(r.choices[0]!.message.tool_calls).toEqual([expectedOpenaiCall]);
  expect((r.choices[0]!.message as { reasoning?: string }).reasoning).toBe(reasoning);
  const calls = [];
  const finishes = [];
  let streamedReasoning = '';
  for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) {
    calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    streamedReasoning += (chunk.choices[0]?.delta as { reasoning?: string } | undefined)?.reasoning ?? '';
    finishes.push(chunk.choices[0]?.finish_reason);
  }
  expect(calls).toEqual([expectedOpenaiCall]);
  expect(streamedReasoning).toBe(reasoning ?? '');
  expect(finishes.at(-1)).toBe('tool_calls');
  return r;
}

/**
 * A loop's last turn through the ollama client, streamed and not: with the tool's result in `messages` the
 * model answers `final` as content, with no call and no thinking.
 */
export async function expectOllamaFinal(
  ollama: Ollama,
  model: string,
  messages: Message[],
  final: string,
): Promise<void> {
  const r = await ollama.chat({ model, messages, tools: [weather], stream: false });
  expect(r.message.content).toBe(final);
  expect(r.message.tool_calls).toBeUndefined();
  expect(r.message.thinking).toBeUndefined();
  expect(r.done_reason).toBe('stop');
  const parts: ChatResponse[] = [];
  for await (const part of await ollama.chat({ model, messages, tools: [weather], stream: true })) {
    parts.push(part);
  }
  expect(parts.map((p) => p.message.content).join('')).toBe(final);
  expect(parts.flatMap((p) => p.message.tool_calls ?? [])).toEqual([]);
  expect(parts.map((p) => p.message.thinking ?? '').join('')).toBe('');
  expect(parts.at(-1)!.done).toBe(true);
}

/**
 * A whole loop through the openai SDK: the call (expectOpenaiCall), the assistant's message and the tool's
 * result (a `tool` message answered by its tool_call_id) sent back, then `final` as content with
 * finish_reason "stop" and no tool_calls, streamed and not.
 */
export async function expectOpenaiLoop(
  openai: OpenAI,
  model: string,
  final: string,
  reasoning?: string,
): Promise<void> {
  const first = await expectOpenaiCall(openai, model, reasoning);
  const answer = first.choices[0]!.message;
  const request = {
    model,
    messages: [
      { role: 'user' as const, content: 'What is the weather in Paris?' },
      answer,
      { role: 'tool' as const, tool_call_id: answer.tool_calls![0]!.id, content: '22 degrees, sunny' },
    ],
    tools: [weather as OpenAI.ChatCompletionTool],
  };
  const r = await openai.chat.completions.create(request);
  expect(r.choices[0]!.message.content).toBe(final);
  expect(r.choices[0]!.message.tool_calls).toBeUndefined();
  expect(r.choices[0]!.finish_reason).toBe('stop');
  let content = '';
  const calls = [];
  const finishes = [];
  for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) {
    content += chunk.choices[0]?.delta.content ?? '';
    calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    finishes.push(chunk.choices[0]?.finish_reason);
  }
  expect({ content, calls, finish: finishes.at(-1) }).toEqual({ content: final, calls: [], finish: 'stop' });
}
