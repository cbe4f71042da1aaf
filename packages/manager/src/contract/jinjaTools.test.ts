// Tools for a model with only a Jinja chat template (no Ollama template layer), as Ollama serves one: the
// GGUF's template (qwen2.5's, testkit QWEN25_JINJA) renders the chat with `tools`, the assistant's calls and the
// tool results (Ollama has llama-server render it; runner/jinjaTools.test.ts checks the prompt text), and the
// answer's <tool_call> (the template's tag) is parsed back into tool_calls. The test model answers a chat with
// the call (without tools it is text, with tools a call), and once a tool's result (the template's
// <tool_response>) is in the prompt with the final answer (testkit's afterMarker): a whole loop, through the
// ollama client and the openai SDK.
import path from 'node:path';
import { importModel, QWEN25_JINJA, WEATHER_FINAL, writeDeterministicModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterCall,
  expectOllamaCall,
  expectOllamaFinal,
  expectOpenaiLoop,
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
    afterMarker: { marker: '<tool_response>', sentence: WEATHER_FINAL },
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

  it('takes the call and its result back through the template, then answers (a whole loop, ollama client)', async () => {
    const first = await t.ollama.chat({
      model: 'hermes',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    await expectOllamaFinal(t.ollama, 'hermes', messages, WEATHER_FINAL);
    const next = await t.ollama.chat({ model: 'hermes', messages, tools: [weather], stream: false });
    expect(next.prompt_eval_count).toBeGreaterThan(first.prompt_eval_count);
  });

  it('answers tool_calls through the openai SDK, takes the tool message by its tool_call_id, then answers', async () => {
    await expectOpenaiLoop(t.openai, 'hermes', WEATHER_FINAL);
  });
});
