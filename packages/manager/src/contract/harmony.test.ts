// gpt-oss's harmony format end to end, through real inference: deterministic test models (testkit) whose
// answers are harmony messages spelled with special (control) tokens, as gpt-oss writes them, imported with
// gpt-oss's Ollama template (testkit GPT_OSS_TEMPLATE, from Ollama's x/create/client/create.go) and the
// harmony parser. llama.cpp renders `<|channel|>`, `<|message|>`, `<|start|>`, `<|constrain|>` and `<|end|>`
// as text for such vocabularies and ends generation at `<|return|>` and `<|call|>`, not at `<|end|>`; the
// runner must stop where llama.cpp says (node-llama-cpp's own EOT guess is `<|end|>` here, which cut the
// answer after its thinking). Checked through the official `ollama` client and the `openai` SDK, streamed and
// not, and a whole tool loop whose second prompt is checked byte for byte.
//
// The test models' next token depends on the token they just read, so a token appears once per answer: where
// harmony repeats a tag (`<|channel|>` in the second message), the answer spells it with ordinary tokens
// ("<|chan" + "nel|>"), which read the same. Every gpt-oss prompt ends in `<|start|>assistant`; the caller also
// remembers whether a tool's result (its header's " to=assistant") came before (testkit's afterMarker), so the
// loop's turn after the result is a final answer. The loop's second prompt is checked byte for byte.
import path from 'node:path';
import {
  type DeterministicModelOptions,
  GPT_OSS_TEMPLATE,
  importModel,
  sentenceTokens,
  WEATHER_FINAL,
  writeDeterministicModel,
} from '@ownchat/testkit';
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

// The tags gpt-oss's vocabulary has as control tokens. With both <|return|> and <|call|> present, llama.cpp
// ends generation at those two and not at <|end|> (its o200k_harmony workaround), as for gpt-oss.
const HARMONY_SPECIAL = [
  '<|start|>',
  '<|end|>',
  '<|message|>',
  '<|channel|>',
  '<|constrain|>',
  '<|return|>',
  '<|call|>',
];
// The second message's header, in ordinary tokens ("assis" + "tant" for the "assistant" the prompt ends with).
const SECOND_HEADER = ['<|end|>', '<|start|>', 'assis', 'tant', '<|chan', 'nel|>'];
const THINKER_ANSWER = [
  '<|channel|>',
  'analysis',
  '<|message|>',
  'Checking',
  '▁the',
  '▁sky',
  ...SECOND_HEADER,
  'final',
  '<|mess',
  'age|>',
  'Sunny',
  '!',
  '<|return|>',
];
const CALLER_ANSWER = [
  '<|channel|>',
  'analysis',
  '<|message|>',
  'Need',
  '▁the',
  '▁weather',
  ...SECOND_HEADER,
  'commentary',
  '▁to=functions.get_weather',
  '▁',
  '<|constrain|>',
  'json',
  '<|mess',
  'age|>',
  '{"city":"Paris"}',
  '<|call|>',
];

// The caller's answer once a tool's result is in the prompt: WEATHER_FINAL on the final channel, its tags
// spelled with ordinary tokens split otherwise than in the call ("<|cha" + "nnel|>").
const CALLER_FINAL = [
  '<|cha',
  'nnel|>',
  'final',
  '<|me',
  'ssage|>',
  ...sentenceTokens(WEATHER_FINAL),
  '<|return|>',
];

let t: ToolServer;

async function harmonyModel(
  name: string,
  tokens: string[],
  afterMarker?: DeterministicModelOptions['afterMarker'],
) {
  const model = await writeDeterministicModel(path.join(t.dir, `${name}.gguf`), {
    tokens,
    afterMarker,
    special: HARMONY_SPECIAL,
    after: 'assistant',
    promptWords: ['assistant'],
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, name, model.path, { template: GPT_OSS_TEMPLATE, parser: 'harmony' });
}

beforeAll(async () => {
  t = await startToolServer('harmony');
  await harmonyModel('oss-thinker', THINKER_ANSWER);
  await harmonyModel('oss-caller', CALLER_ANSWER, { marker: '▁to=assistant', tokens: CALLER_FINAL });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('harmony through the ollama client', () => {
  it('splits analysis into thinking and final into content, streamed and not', async () => {
    const r = await t.ollama.chat({ model: 'oss-thinker', messages: [question], stream: false });
    expect(r.message.thinking).toBe('Checking the sky');
    expect(r.message.content).toBe('Sunny!');
    expect(r.message.tool_calls).toBeUndefined();
    expect(r.done_reason).toBe('stop');

    let thinking = '';
    let content = '';
    let chunks = 0;
    for await (const part of await t.ollama.chat({
      model: 'oss-thinker',
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

  it('answers a call on the commentary channel as message.tool_calls, after its thinking', async () => {
    await expectOllamaCall(t.ollama, 'oss-caller', 'Need the weather');
  });

  it('puts think levels in the Reasoning line as the template asks; think false leaves it out', async () => {
    const line = async (think?: boolean | 'low' | 'medium' | 'high') =>
      /Reasoning: \w+/.exec(
        await renderedPrompt(t.server.url, { model: 'oss-thinker', messages: [question], think }),
      )?.[0];
    expect(await line()).toBe('Reasoning: medium');
    expect(await line('low')).toBe('Reasoning: low');
    expect(await line('high')).toBe('Reasoning: high');
    expect(await line(true)).toBe('Reasoning: medium');
    expect(await line(false)).toBeUndefined();
  });

  it("runs the tool loop: the call and the tool's result go back into the prompt as Ollama renders them, then the final answer", async () => {
    const first = await t.ollama.chat({
      model: 'oss-caller',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    // GPT_OSS_TEMPLATE for these messages and tools: the system message (date, Reasoning: medium, channels),
    // the developer message declaring get_weather as TypeScript, then the conversation in harmony with the call
    // on the commentary channel (<|call|>) and the result from functions.get_weather. Checked, with the Reasoning
    // lines above, against Go's text/template (go1.19.8) through Ollama's template.Execute by
    // scripts/go-template-check on 2026-12-06.
    const today = new Date().toISOString().slice(0, 10);
    expect(await renderedPrompt(t.server.url, { model: 'oss-caller', messages, tools: [weather] })).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        `Knowledge cutoff: 2024-06\nCurrent date: ${today}\n\nReasoning: medium\n\n` +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.\n' +
        "Calls to these tools must go to the commentary channel: 'functions'.<|end|>" +
        '<|start|>developer<|message|># Tools\n\n## functions\n\nnamespace functions {\n\n' +
        '// Get the current weather for a city\ntype get_weather = (_: {\n  // The city\n  city: string,\n}) => any;\n\n' +
        '} // namespace functions<|end|>' +
        '<|start|>user<|message|>What is the weather in Paris?<|end|>' +
        '<|start|>assistant<|channel|>analysis<|message|>Need the weather<|end|>' +
        '<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":"Paris"}<|call|>' +
        '<|start|>functions.get_weather to=assistant<|message|>22 degrees, sunny<|end|>' +
        '<|start|>assistant',
    );
    await expectOllamaFinal(t.ollama, 'oss-caller', messages, WEATHER_FINAL);
  });
});

describe('harmony through the openai SDK', () => {
  it('returns reasoning apart from content, streamed and not', async () => {
    const r = await t.openai.chat.completions.create({
      model: 'oss-thinker',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    const message = r.choices[0]!.message as { content: string; reasoning?: string };
    expect(message).toMatchObject({ content: 'Sunny!', reasoning: 'Checking the sky' });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    let reasoning = '';
    let content = '';
    const stream = await t.openai.chat.completions.create({
      model: 'oss-thinker',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      stream: true,
    });
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning?: string } | undefined;
      reasoning += delta?.reasoning ?? '';
      content += delta?.content ?? '';
    }
    expect({ reasoning, content }).toEqual({ reasoning: 'Checking the sky', content: 'Sunny!' });
  });

  it('answers tool_calls with arguments as JSON text and finish_reason tool_calls, then the final answer after the tool message, streamed and not', async () => {
    await expectOpenaiLoop(t.openai, 'oss-caller', WEATHER_FINAL, 'Need the weather');
  });
});
