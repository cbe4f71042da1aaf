// DeepSeek V3.1 end to end, through real inference: a deterministic test model (testkit) whose vocabulary has
// DeepSeek's tags as control tokens, imported as Ollama's registry configures deepseek-v3.1 (`"renderer":
// "deepseek3.1"`, `"parser": "deepseek3"`): the prompt is written by the renderer, not a template, and the
// answer is read by the parser, which needs the tags back as text (preserved tokens). Checked through the
// official `ollama` client and the `openai` SDK, streamed and not, and a tool loop whose second prompt is
// checked byte for byte.
//
// The test model's only memory is the token it just read. The renderer ends a thinking prompt with <think> and
// a non-thinking one with </think>: after <think> the model thinks, writes </think>, then the call, so after
// </think> it calls at once; after a tool's output it answers.
import path from 'node:path';
import { importModel, writeDeterministicModel } from '@ownchat/testkit';
import type { Message } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterCall,
  expectedCall,
  expectedOpenaiCall,
  expectOllamaCall,
  expectOpenaiCall,
  question,
  renderedPrompt,
  startToolServer,
  type ToolServer,
  weather,
} from './toolFixtures.ts';

const SPECIAL = [
  '<｜begin▁of▁sentence｜>',
  '<｜end▁of▁sentence｜>',
  '<｜User｜>',
  '<｜Assistant｜>',
  '<think>',
  '</think>',
  '<｜tool▁calls▁begin｜>',
  '<｜tool▁calls▁end｜>',
  '<｜tool▁call▁begin｜>',
  '<｜tool▁call▁end｜>',
  '<｜tool▁sep｜>',
  '<｜tool▁output▁begin｜>',
  '<｜tool▁output▁end｜>',
];

const ANSWER = [
  'Need',
  '▁the',
  '▁weather',
  '</think>',
  '<｜tool▁calls▁begin｜>',
  '<｜tool▁call▁begin｜>',
  'get_weather',
  '<｜tool▁sep｜>',
  '{"city":"Paris"}',
  '<｜tool▁call▁end｜>',
  '<｜tool▁calls▁end｜>',
];
const FINAL = 'It is 22 degrees and sunny.';

// The tools section as Ollama's DeepSeek3Renderer writes it (deepseek3_test.go, "with tools definitions"), for
// the weather tool.
const TOOLS_SECTION =
  '\n\n## Tools\nYou have access to the following tools:\n\n### get_weather\nDescription: Get the current weather for a city\n\n' +
  'Parameters: {"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"The city"}}}\n\n' +
  'IMPORTANT: ALWAYS adhere to this exact format for tool use:\n' +
  '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments<｜tool▁call▁end｜>{{additional_tool_calls}}<｜tool▁calls▁end｜>\n\n' +
  'Where:\n\n' +
  '- `tool_call_name` must be an exact match to one of the available tools\n' +
  "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n" +
  '- For multiple tool calls, chain them directly without separators or spaces\n';

let t: ToolServer;

beforeAll(async () => {
  t = await startToolServer('deepseek3');
  const model = await writeDeterministicModel(path.join(t.dir, 'deepseek3.gguf'), {
    tokens: ANSWER,
    special: SPECIAL,
    after: '<think>',
    continuations: [{ after: '<｜tool▁output▁end｜>', sentence: FINAL }],
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, 'deepseek-caller', model.path, {
    renderer: 'deepseek3.1',
    parser: 'deepseek3',
  });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('deepseek3 through the ollama client', () => {
  it('has the capabilities its parser gives: tools and thinking', async () => {
    expect((await t.ollama.show({ model: 'deepseek-caller' })).capabilities).toEqual([
      'completion',
      'tools',
      'thinking',
    ]);
  });

  it('thinks (on unless told otherwise), then calls the tool, streamed and not', async () => {
    await expectOllamaCall(t.ollama, 'deepseek-caller', 'Need the weather');
  });

  it('think false: the prompt closes the thinking block and the answer is the call alone', async () => {
    const prompt = (think?: boolean | 'high') =>
      renderedPrompt(t.server.url, { model: 'deepseek-caller', messages: [question], think });
    // deepseek3_test.go "basic user message" and "thinking enabled".
    expect(await prompt(false)).toBe(
      '<｜begin▁of▁sentence｜><｜User｜>What is the weather in Paris?<｜Assistant｜></think>',
    );
    expect(await prompt()).toBe(
      '<｜begin▁of▁sentence｜><｜User｜>What is the weather in Paris?<｜Assistant｜><think>',
    );
    // A level is thinking on (the renderer and parser take ThinkValue.Bool()).
    expect(await prompt('high')).toBe(await prompt());

    const r = await t.ollama.chat({
      model: 'deepseek-caller',
      messages: [question],
      tools: [weather],
      think: false,
      stream: false,
    });
    expect(r.message.thinking).toBeUndefined();
    expect(r.message.content).toBe('');
    expect(r.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), ...expectedCall }]);
  });

  it("runs the tool loop: the call and the tool's result go back into the prompt as Ollama renders them", async () => {
    const first = await t.ollama.chat({
      model: 'deepseek-caller',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    expect(first.message.thinking).toBe('Need the weather');
    const messages = afterCall(first.message);
    // As deepseek3_test.go "tools definitions with full conversation cycle" and "tool call with thinking
    // content in response" write it: no system message, so the tools section follows BOS; the answer's
    // thinking is dropped and its turn opens with </think>; the prompt ends after the tool's output, with no
    // <｜Assistant｜>.
    const expected =
      `<｜begin▁of▁sentence｜>${TOOLS_SECTION}<｜User｜>What is the weather in Paris?<｜Assistant｜></think>` +
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city":"Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>' +
      '<｜tool▁output▁begin｜>22 degrees, sunny<｜tool▁output▁end｜>';
    const body = { model: 'deepseek-caller', messages, tools: [weather] };
    expect(await renderedPrompt(t.server.url, body)).toBe(expected);
    expect(await renderedPrompt(t.server.url, { ...body, think: false })).toBe(expected);

    const final = await t.ollama.chat({ ...body, think: false, stream: false });
    expect(final.message).toMatchObject({ content: FINAL });
    expect(final.message.tool_calls).toBeUndefined();
    expect(final.message.thinking).toBeUndefined();
  });

  it('after a tool result with thinking on, the parser still starts in thinking, as Ollama does', async () => {
    // Ollama's DeepSeek3Parser starts thinking unless the last message is an assistant's with content; the
    // renderer writes no <think> after a tool's output, so an answer without </think> is all thinking there.
    const messages: Message[] = afterCall({
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
    });
    const r = await t.ollama.chat({ model: 'deepseek-caller', messages, tools: [weather], stream: false });
    expect({ thinking: r.message.thinking, content: r.message.content }).toEqual({
      thinking: FINAL,
      content: '',
    });
  });
});

describe('deepseek3 through /api/generate', () => {
  it('writes the prompt with the renderer (system, then the prompt as a user turn) and splits thinking off', async () => {
    const body = { model: 'deepseek-caller', prompt: 'What is the weather in Paris?', system: 'Be brief.' };
    const res = await fetch(`${t.server.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ ...body, _debug_render_only: true }),
    });
    const rendered = ((await res.json()) as { _debug_info: { rendered_template: string } })._debug_info;
    // deepseek3_test.go "thinking enabled with system".
    expect(rendered.rendered_template).toBe(
      '<｜begin▁of▁sentence｜>Be brief.<｜User｜>What is the weather in Paris?<｜Assistant｜><think>',
    );
    // think set: Ollama's generate handler initialises the parser before it defaults think to true.
    const r = await t.ollama.generate({ ...body, think: true, stream: false });
    expect({ thinking: r.thinking, response: r.response }).toEqual({
      thinking: 'Need the weather',
      response: '',
    });
  });
});

describe('deepseek3 through the openai SDK', () => {
  it('answers reasoning and tool_calls, finish_reason tool_calls, streamed and not', async () => {
    await expectOpenaiCall(t.openai, 'deepseek-caller', 'Need the weather');
  });

  it('reasoning_effort "none" turns thinking off: the call alone', async () => {
    const r = await t.openai.chat.completions.create({
      model: 'deepseek-caller',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather as never],
      reasoning_effort: 'none' as never,
    });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.choices[0]!.message.tool_calls).toEqual([expectedOpenaiCall]);
    expect((r.choices[0]!.message as { reasoning?: string }).reasoning).toBeUndefined();
  });
});
