// What the tool-call and thinking contract tests share: the weather tool, the question that makes a test

// model call it, the call Ollama returns for it, and the prompt a request renders (_debug_render_only).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ManagerProcess, ollamaClient, startManagerProcess } from '@ownchat/testkit';
import type { Message, Ollama, Tool } from 'ollama';
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
