// Qwen3-Coder end to end, through real inference: models imported with `renderer` and `parser` "qwen3-coder",
// as Ollama's registry configures qwen3-coder, so the prompt comes from the built-in renderer and the answer is
// read by the built-in parser. The deterministic test models answer with a call in Qwen3-Coder's XML-like
// format, <tool_call> and </tool_call> spelled with control tokens (the runner must give them back as text:
// the parser's preserved tokens). Checked through the official `ollama` client and the `openai` SDK, streamed
// and not, the prompt of Ollama's own renderer test byte for byte, and a tool loop whose second prompt is
// checked byte for byte. The family does not think: `think` is refused as Ollama refuses it.
//
// The test models' only memory is the token they just read, so a token appears once per answer (the call's
// newlines ride inside longer tokens), and every turn gets the same answer: the loop's second prompt is checked.
import path from 'node:path';
import { importModel, writeDeterministicModel } from '@ownchat/testkit';
import type { ChatResponse } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITH_TOOLS_AND_RESPONSE, withToolsAndResponse } from '../renderers/qwen3coderExpected.ts';
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

// <tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>
const CALL = [
  '<tool_call>',
  '\n<function=get_weather>\n',
  '<parameter=city>\nParis',
  '\n</parameter>\n</function>\n',
  '</tool_call>',
];
const SPECIAL = ['<tool_call>', '</tool_call>'];

let t: ToolServer;

async function coderModel(name: string, tokens: string[]) {
  const model = await writeDeterministicModel(path.join(t.dir, `${name}.gguf`), {
    tokens,
    special: SPECIAL,
    shape: { vocab: 1024 },
  });
  await importModel(t.server.url, name, model.path, { renderer: 'qwen3-coder', parser: 'qwen3-coder' });
}

beforeAll(async () => {
  t = await startToolServer('qwen3coder');
  await coderModel('coder', CALL);
  await coderModel('coder-explainer', ['Let', '▁me', '▁check.', '\n\n', ...CALL]);
  // A call whose parameter is closed by </function>: XML that Go's decoder refuses.
  await coderModel('coder-broken', [...CALL.slice(0, 3), '\n</function>\n', '</tool_call>']);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('qwen3-coder through the ollama client', () => {
  it('has the capabilities its parser gives: tools, not thinking', async () => {
    expect((await t.ollama.show({ model: 'coder' })).capabilities).toEqual(['completion', 'tools']);
  });

  it('answers a tool call (its tags control tokens), streamed and not', async () => {
    await expectOllamaCall(t.ollama, 'coder');
  });

  it('streams the content before a call, and gives the call in the chunk where it completes', async () => {
    const parts: ChatResponse[] = [];
    for await (const part of await t.ollama.chat({
      model: 'coder-explainer',
      messages: [question],
      tools: [weather],
      stream: true,
    })) {
      parts.push(part);
    }
    const withCall = parts.findIndex((p) => p.message.tool_calls?.length);
    expect(parts.slice(0, withCall).map((p) => p.message.content)).toEqual(['Let', ' me', ' check.']);
    expect(parts[withCall]!.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_/), ...expectedCall },
    ]);
    expect(parts.slice(withCall + 1).every((p) => !p.message.content && !p.message.tool_calls)).toBe(true);
    const whole = await t.ollama.chat({
      model: 'coder-explainer',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    expect(whole.message.content).toBe('Let me check.');
    expect(whole.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), ...expectedCall }]);
  });

  it('refuses think as Ollama does for a model that cannot think; think false is fine', async () => {
    for (const think of [true, 'high'] as const) {
      await expect(t.ollama.chat({ model: 'coder', messages: [question], think })).rejects.toMatchObject({
        status_code: 400,
        error: '"coder" does not support thinking',
      });
    }
    const r = await t.ollama.chat({ model: 'coder', messages: [question], think: false, tools: [weather] });
    expect(r.message.thinking).toBeUndefined();
    expect(r.message.tool_calls).toHaveLength(1);
  });

  it("ends an answer whose call cannot be read with the XML error, as Ollama's parser error does", async () => {
    const body = { model: 'coder-broken', messages: [question], tools: [weather] };
    const message = 'XML syntax error on line 5: element <parameter> closed by </function>';
    const res = await fetch(`${t.server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ ...body, stream: false }),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 500, body: { error: message } });
    const streamed = async () => {
      for await (const _ of await t.ollama.chat({ ...body, stream: true })) {
        // the error comes as the stream's last event
      }
    };
    await expect(streamed()).rejects.toThrow(message);
  });

  it('writes the prompt of Ollama\'s renderer test byte for byte (qwen3coder_test.go, "with tools and response")', async () => {
    const { messages, tools } = withToolsAndResponse;
    expect(await renderedPrompt(t.server.url, { model: 'coder', messages, tools })).toBe(
      WITH_TOOLS_AND_RESPONSE,
    );
  });

  it("runs the tool loop: the call and the tool's result go back into the prompt as Ollama renders them", async () => {
    const first = await t.ollama.chat({
      model: 'coder',
      messages: [question],
      tools: [weather],
      stream: false,
    });
    const messages = afterCall(first.message);
    // Qwen3CoderRenderer for these messages and the weather tool: the default system message (tools and no
    // system message), the tool block and the call instructions (the same text as in Ollama's expected prompt
    // above), the call as the model wrote it, and the result in a user turn.
    const instructions = WITH_TOOLS_AND_RESPONSE.slice(
      WITH_TOOLS_AND_RESPONSE.indexOf('</tools>'),
      WITH_TOOLS_AND_RESPONSE.indexOf('</IMPORTANT>') + '</IMPORTANT>'.length,
    );
    expect(await renderedPrompt(t.server.url, { model: 'coder', messages, tools: [weather] })).toBe(
      '<|im_start|>system\nYou are Qwen, a helpful AI assistant that can interact with a computer to solve tasks.' +
        '\n\n# Tools\n\nYou have access to the following functions:\n\n<tools>\n<function>\n<name>get_weather</name>' +
        '\n<description>Get the current weather for a city</description>\n<parameters>\n<parameter>\n<name>city</name>' +
        '\n<type>string</type>\n<description>The city</description>\n</parameter>\n<required>["city"]</required>' +
        `\n</parameters>\n</function>\n${instructions}<|im_end|>\n` +
        '<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n' +
        '</function>\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n22 degrees, sunny\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    const next = await t.ollama.chat({ model: 'coder', messages, tools: [weather], stream: false });
    expect(next.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), ...expectedCall }]);
  });

  it('renders /api/generate through the renderer too', async () => {
    const res = await fetch(`${t.server.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'coder',
        prompt: 'Hello',
        system: 'Be brief.',
        _debug_render_only: true,
      }),
    });
    const json = (await res.json()) as { _debug_info: { rendered_template: string } };
    expect(json._debug_info.rendered_template).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n',
    );
  });
});

describe('qwen3-coder through the openai SDK', () => {
  it('answers tool_calls with arguments as JSON text and finish_reason tool_calls, streamed and not', async () => {
    await expectOpenaiCall(t.openai, 'coder');
  });

  it('refuses reasoning_effort as Ollama does; "none" asks for no thinking and is fine', async () => {
    const request = {
      model: 'coder',
      messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
    };
    await expect(
      t.openai.chat.completions.create({ ...request, reasoning_effort: 'high' }),
    ).rejects.toMatchObject({
      status: 400,
      error: { message: '"coder" does not support thinking' },
    });
    // The parser reads calls whether or not the request has tools, as Ollama's does.
    const r = await t.openai.chat.completions.create({ ...request, reasoning_effort: 'none' as 'low' });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect((r.choices[0]!.message as { reasoning?: string }).reasoning).toBeUndefined();
  });
});
