// Gemma 4 end to end, through real inference: deterministic test models (testkit) whose answers are Gemma 4's
// output spelled with control tokens as its vocabulary has them (<|channel>, <|tool_call>, <|"|>, …), imported
// as Ollama's registry ships gemma4 (`"renderer": "gemma4"`, `"parser": "gemma4"`, no template). The runner must
// give those tags back as text (the parser's preserved tokens) for the parser to find them. Checked through
// the official `ollama` client and the `openai` SDK, streamed and not, and a tool loop whose second prompt is
// Ollama's own expected prompt for the same conversation, byte for byte.
//
// The test models' only memory is the token they just read, so a token appears once per answer: the second <|"|>
// of a call is spelled with ordinary tokens ("<|" + "\"|>"), which read the same. The generation prompt ends in
// "\n", after which every answer starts.
import path from 'node:path';
import { importModel, str, u32, writeDeterministicModel, writeGguf } from '@ownchat/testkit';
import type { Message } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashSmallTool, goMessages, referenceCases } from '../renderers/gemma4ReferenceCases.ts';
import {
  expectOllamaCall,
  expectOpenaiCall,
  question,
  renderedPrompt,
  startToolServer,
  type ToolServer,
} from './toolFixtures.ts';

// The tags Gemma 4's vocabulary has as control tokens.
const GEMMA4_SPECIAL = [
  '<|channel>',
  '<channel|>',
  '<|tool_call>',
  '<tool_call|>',
  '<|"|>',
  '<|tool_response>',
];
const THINKER_ANSWER = ['<|channel>', 'thought\n', 'Checking', '▁the', '▁sky', '<channel|>', 'Sunny', '!'];
const CALLER_ANSWER = [
  '<|channel>',
  'thought\n',
  'Need',
  '▁the',
  '▁weather',
  '<channel|>',
  '<|tool_call>',
  'call:get_weather{city:',
  '<|"|>',
  'Paris',
  '<|',
  '"|>',
  '}',
  '<tool_call|>',
];
/** bash({command: "ls"}), the call of Ollama's reference case the loop below follows. */
const LISTER_ANSWER = ['<|tool_call>', 'call:bash{command:', '<|"|>', 'ls', '<|', '"|>', '}', '<tool_call|>'];

let t: ToolServer;

async function gemma4Model(
  file: string,
  tokens: string[],
  imports: { name: string; renderer: string; parser: string }[],
) {
  const model = await writeDeterministicModel(path.join(t.dir, `${file}.gguf`), {
    tokens,
    special: GEMMA4_SPECIAL,
    shape: { vocab: 1024 },
  });
  for (const { name, renderer, parser } of imports)
    await importModel(t.server.url, name, model.path, { renderer, parser });
}

beforeAll(async () => {
  t = await startToolServer('gemma4');
  await gemma4Model('thinker', THINKER_ANSWER, [
    { name: 'gemma4-thinker', renderer: 'gemma4', parser: 'gemma4' },
    { name: 'gemma4-nothink', renderer: 'gemma4', parser: 'gemma4-no-thinking' },
  ]);
  await gemma4Model('caller', CALLER_ANSWER, [
    { name: 'gemma4-caller', renderer: 'gemma4', parser: 'gemma4' },
  ]);
  await gemma4Model('lister', LISTER_ANSWER, [
    { name: 'gemma4-lister', renderer: 'gemma4', parser: 'gemma4' },
    // The legacy name on a 31b model resolves to the large prompt (Ollama's resolveGemma4Renderer).
    { name: 'gemma4:31b', renderer: 'gemma4', parser: 'gemma4' },
  ]);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

/** Ollama's expected prompt for one of its gemma4_reference_test.go cases. */
const reference = (name: string) => referenceCases.find((c) => c.name === name)!;

describe('gemma4 through the ollama client', () => {
  it('has the capabilities its parser gives: tools, and thinking unless the parser is gemma4-no-thinking', async () => {
    expect((await t.ollama.show({ model: 'gemma4-thinker' })).capabilities).toEqual([
      'completion',
      'tools',
      'thinking',
    ]);
    expect((await t.ollama.show({ model: 'gemma4-nothink' })).capabilities).toEqual(['completion', 'tools']);
  });

  it('splits the thought channel into thinking, streamed and not', async () => {
    const r = await t.ollama.chat({ model: 'gemma4-thinker', messages: [question], stream: false });
    expect(r.message).toMatchObject({ thinking: 'Checking the sky', content: 'Sunny!' });
    expect(r.message.tool_calls).toBeUndefined();
    let thinking = '';
    let content = '';
    let chunks = 0;
    for await (const part of await t.ollama.chat({
      model: 'gemma4-thinker',
      messages: [question],
      stream: true,
    })) {
      thinking += part.message.thinking ?? '';
      content += part.message.content;
      chunks++;
    }
    expect({ thinking, content }).toEqual({ thinking: 'Checking the sky', content: 'Sunny!' });
    expect(chunks).toBeGreaterThan(3); // streamed as made, not in one piece at the end
  });

  it('think false: no <|think|> in the prompt (thinking_explicitly_disabled), and a thought block is dropped', async () => {
    const prompt = await renderedPrompt(t.server.url, {
      model: 'gemma4-thinker',
      messages: [{ role: 'user', content: 'Hi' }],
      think: false,
    });
    expect(prompt).toBe(reference('thinking_explicitly_disabled').expected);
    const r = await t.ollama.chat({
      model: 'gemma4-thinker',
      messages: [question],
      think: false,
      stream: false,
    });
    expect(r.message.thinking).toBeUndefined();
    expect(r.message.content).toBe('Sunny!');
  });

  it('thinks unless told not to, and a level is thinking on (thinking_no_system)', async () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    const want = reference('thinking_no_system').expected;
    expect(await renderedPrompt(t.server.url, { model: 'gemma4-thinker', messages })).toBe(want);
    expect(await renderedPrompt(t.server.url, { model: 'gemma4-thinker', messages, think: 'high' })).toBe(
      want,
    );
  });

  it('generate renders the prompt with the renderer and splits the thinking too', async () => {
    const r = await t.ollama.generate({
      model: 'gemma4-thinker',
      prompt: 'What is the weather in Paris?',
      stream: false,
    });
    expect({ thinking: r.thinking, response: r.response }).toEqual({
      thinking: 'Checking the sky',
      response: 'Sunny!',
    });
  });

  it('refuses think with a gemma4-no-thinking model, as Ollama does', async () => {
    const res = await fetch(`${t.server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gemma4-nothink', messages: [question], think: true }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: '"gemma4-nothink" does not support thinking' });
    const r = await t.ollama.chat({ model: 'gemma4-nothink', messages: [question], stream: false });
    expect(r.message).toMatchObject({ content: 'Sunny!' });
    expect(r.message.thinking).toBeUndefined();
  });

  it('writes the legacy renderer name of a 31b model as the large prompt (empty thought block when not thinking)', async () => {
    const prompt = await renderedPrompt(t.server.url, {
      model: 'gemma4:31b',
      messages: [question],
      think: false,
    });
    expect(prompt).toBe(
      '<bos><|turn>user\nWhat is the weather in Paris?<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
    );
  });

  it('answers thinking and a tool call (its tags control tokens), streamed and not', async () => {
    await expectOllamaCall(t.ollama, 'gemma4-caller', 'Need the weather');
  });

  it('runs the tool loop: the call and its result go into the prompt as Ollama renders them', async () => {
    // Ollama's case terminal_tool_response_adds_thinking_cue_when_thinking_enabled: the same user message, the
    // call the model answers, the tool's result and tools; thinking is on by default for a thinking model.
    const tt = reference('terminal_tool_response_adds_thinking_cue_when_thinking_enabled');
    const [user, , toolResult] = goMessages(tt.messages) as Message[];
    const tools = bashSmallTool() as Parameters<typeof t.ollama.chat>[0]['tools'];
    const first = await t.ollama.chat({ model: 'gemma4-lister', messages: [user!], tools, stream: false });
    expect(first.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        function: { index: 0, name: 'bash', arguments: { command: 'ls' } },
      },
    ]);
    const messages = [user!, first.message, toolResult!];
    expect(await renderedPrompt(t.server.url, { model: 'gemma4-lister', messages, tools })).toBe(tt.expected);
    // That prompt ends inside the thought channel: the next answer is thinking from its first character (this
    // model, which remembers one token, writes its call again there).
    const next = await t.ollama.chat({ model: 'gemma4-lister', messages, tools, stream: false });
    expect(next.message).toMatchObject({
      content: '',
      thinking: '<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|>',
    });
    expect(next.message.tool_calls).toBeUndefined();
  });
});

describe('gemma4 imports', () => {
  it('gives a GGUF whose architecture is gemma4 the gemma4 renderer, parser and <turn|> stop (Ollama createModel)', async () => {
    // A header and one tensor: creating a model reads the GGUF's header, it does not load it.
    const file = path.join(t.dir, 'gemma4-arch.gguf');
    await writeGguf(file, {
      metadata: [
        ['general.architecture', str('gemma4')],
        ['general.file_type', u32(1)],
      ],
      tensors: [{ name: 'token_embd.weight', dims: [4, 4], type: 'F32', data: new Float32Array(16) }],
    });
    await importModel(t.server.url, 'gemma4-arch', file);
    await importModel(t.server.url, 'gemma4-arch-named', file, {
      parser: 'gemma4-no-thinking',
      parameters: { stop: ['<end>'] },
    });
    const show = async (model: string) => {
      const res = await fetch(`${t.server.url}/api/show`, {
        method: 'POST',
        body: JSON.stringify({ model }),
      });
      return (await res.json()) as { parameters?: string; capabilities: string[] };
    };
    const arch = await show('gemma4-arch');
    expect(arch.parameters).toMatch(/^stop\s+"<turn\|>"$/m);
    expect(arch.capabilities).toEqual(['completion', 'tools', 'thinking']);
    // What the request names wins; the rest is filled in.
    const named = await show('gemma4-arch-named');
    expect(named.parameters).toMatch(/^stop\s+"<end>"$/m);
    expect(named.parameters).not.toContain('<turn|>');
    expect(named.capabilities).toEqual(['completion', 'tools']);
    const rendered = await renderedPrompt(t.server.url, {
      model: 'gemma4-arch',
      messages: [question],
      think: false,
    });
    expect(rendered).toBe('<bos><|turn>user\nWhat is the weather in Paris?<turn|>\n<|turn>model\n');
  });
});

describe('gemma4 through the openai SDK', () => {
  it('answers reasoning and tool_calls, finish_reason tool_calls, streamed and not', async () => {
    await expectOpenaiCall(t.openai, 'gemma4-caller', 'Need the weather');
  });

  it('reasoning_effort "none" turns thinking off: the thought block is dropped', async () => {
    const r = await t.openai.chat.completions.create({
      model: 'gemma4-thinker',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      reasoning_effort: 'none' as 'low',
    });
    const message = r.choices[0]!.message as { content: string; reasoning?: string };
    expect(message.content).toBe('Sunny!');
    expect(message.reasoning).toBeUndefined();
  });
});
