// Tools for a model with only a Jinja chat template (no Ollama template layer), as Ollama serves one: the
// GGUF's template (qwen2.5's, testkit QWEN25_JINJA) renders the chat with `tools`, the assistant's calls and the
// tool results (Ollama has llama-server render it; runner/jinjaTools.test.ts checks the prompt text), and the
// answer's <tool_call> (the template's tag) is parsed back into tool_calls. The test model answers every chat
// with the same call: without tools it is text, with tools a call, through the ollama client and the openai SDK.
import path from 'node:path';
import { importModel, QWEN25_JINJA, writeDeterministicModel } from '@ownchat/testkit';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterCall,
  expectedCall,
  expectedOpenaiCall,
  expectOllamaCall,
  expectOpenaiCall,
  question,
  startToolServer,
  type ToolServer,
  weather,
} from './toolFixtures.ts';

const CALL = '<tool_call>{"name":"get_weather","arguments":{"city":"Paris"}}</tool_call>';

let t: ToolServer;

beforeAll(async () => {
  t = await startToolServer('jinja-tools');
  const model = await writeDeterministicModel(path.join(t.dir, 'hermes.gguf'), {
    sentence: CALL,
    chatTemplate: QWEN25_JINJA,
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, 'hermes', model.path);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('tools through a GGUF Jinja template', () => {
  it('reports the tools capability the template gives', async () => {
    const show = await t.ollama.show({ model: 'hermes' });
    expect(show.capabilities).toEqual(['tools', 'completion']);
  });

  it('answers message.tool_calls where the request has tools, text where it has none, streamed and not', async () => {
    const plain = await t.ollama.chat({ model: 'hermes', messages: [question], stream: false });
    expect(plain.message.content).toBe(CALL);
    await expectOllamaCall(t.ollama, 'hermes');
  });

  it('takes the call and its result back through the template (a whole loop turn, ollama client)', async () => {
    const first = await t.ollama.chat({
      model: 'hermes',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    const next = await t.ollama.chat({ model: 'hermes', messages, tools: [weather], stream: false });
    expect(next.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), ...expectedCall }]);
    expect(next.prompt_eval_count).toBeGreaterThan(first.prompt_eval_count);
  });

  it('answers tool_calls through the openai SDK, and takes the tool message by its tool_call_id', async () => {
    const r = await expectOpenaiCall(t.openai, 'hermes');
    const call = r.choices[0]!.message.tool_calls![0]!;
    const next = await t.openai.chat.completions.create({
      model: 'hermes',
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        r.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: '22 degrees, sunny' },
      ],
      tools: [weather as OpenAI.ChatCompletionTool],
    });
    expect(next.choices[0]!.message.tool_calls).toEqual([expectedOpenaiCall]);
  });
});
