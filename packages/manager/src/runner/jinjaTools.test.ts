// A chat with tools for a model that has only a Jinja chat template: the runner renders the request's tools,
// the assistant's calls and the tool results through the GGUF's template (node-llama-cpp's Jinja), as Ollama has
// llama-server render it. The expected prompts are qwen2.5's template (testkit QWEN25_JINJA) rendered by its
// rules: tools as tojson (", " and ": " separators, as Python's and llama.cpp's minja write them), a call as
// <tool_call> JSON, results in <tool_response> under a user turn, then the assistant's turn.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QWEN25_JINJA, writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, JinjaTemplateChatWrapper, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weather } from '../contract/toolFixtures.ts';
import type { LoadedModel } from './loadedModel.ts';
import { promptTokens } from './promptTokens.ts';
import type { GenerateInput, JinjaTool } from './protocol.ts';

let dir: string;
let llama: Llama;
let model: LlamaModel;
let loaded: LoadedModel;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-jinja-tools-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'), { chatTemplate: QWEN25_JINJA });
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  model = await llama.loadModel({ modelPath: det.path });
  const chatWrapper = new JinjaTemplateChatWrapper({
    template: QWEN25_JINJA,
    tokenizer: model.tokenizer,
    trimLeadingWhitespaceInResponses: false,
  });
  loaded = { model, chatWrapper: () => chatWrapper } as LoadedModel;
});

afterAll(async () => {
  await llama?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const text = (input: GenerateInput) => model.detokenize(promptTokens(loaded, input), true);

const tools = [weather.function as JinjaTool];
const question = { role: 'user' as const, content: 'What is the weather in Paris?' };
const SYSTEM =
  '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\n' +
  'You may call one or more functions to assist with the user query.\n\n' +
  'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
  '{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city", "parameters": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string", "description": "The city"}}}}}\n' +
  '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
  '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';

describe('tools through a GGUF Jinja template', () => {
  it('renders the tools into the system message', () => {
    expect(text({ kind: 'messages', messages: [question], tools })).toBe(
      `${SYSTEM}<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n`,
    );
  });

  it('renders a call and its result, then opens the next answer', () => {
    const messages: GenerateInput & { kind: 'messages' } = {
      kind: 'messages',
      tools,
      messages: [
        question,
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
        },
        { role: 'tool', content: '22 degrees, sunny' },
      ],
    };
    expect(text(messages)).toBe(
      `${SYSTEM}<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n` +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n22 degrees, sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('renders no tools section for a chat without tools', () => {
    expect(text({ kind: 'messages', messages: [question] })).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n',
    );
  });
});
